//! Running a command's steps on this machine: each `aws:runShellScript`
//! step is a script run by `/bin/sh` in a process group of its own, so a
//! timeout or a cancel can kill everything it started. Output is reported
//! as it grows. An `aws:runPatchBaseline` step is run by
//! [`crate::patching`] and reports once, at its end.
//!
//! The rules follow the simulated agent's (`sysman-backend`'s
//! `sim/agent.rs`): steps run in order and a failed step does not stop the
//! next (schema 2.2 steps go on); running out of the execution timeout
//! ends the step as `TimedOut` (response code −1) and reports the steps
//! after it `Cancelled`, not run.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use sysman_api::Timestamp;
use sysman_api::commands::{AgentStep, StepReport};
use sysman_api::credentials::write_private;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::patching::{self, Patcher, RUN_PATCH_BASELINE};

/// The action of scripts.
pub const RUN_SHELL_SCRIPT: &str = "aws:runShellScript";
/// Output sent per stream of a step, as much as the server keeps; the
/// rest is read and dropped so the script never blocks on a full pipe.
pub const OUTPUT_MAX: usize = 8 * 1024 * 1024;
/// What replaces output past [`OUTPUT_MAX`].
pub const TRUNCATED: &str = "\n---Output truncated: the agent sends at most 8 MiB per stream---\n";
/// Progress is reported at most this often while output flows...
pub const REPORT_EVERY: Duration = Duration::from_secs(1);
/// ...unless this much waits: keeps a reply far below the server's body
/// limit (16 MiB) even when JSON escaping swells it.
pub const REPORT_CHUNK: usize = 512 * 1024;
/// How long output is still read once the shell is gone: a background
/// process may hold the pipes open for ever.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Why a command is stopped from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// CancelCommand: the command ends `Cancelled`.
    Cancel,
    /// The agent is shutting down: the command ends `Failed`.
    Shutdown,
}

/// A command to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub command_id: String,
    pub steps: Vec<AgentStep>,
    /// For all steps together.
    pub execution_timeout: Duration,
    /// Scripts are written here, and run here unless a step says
    /// otherwise. Removed when the command ends.
    pub work_dir: PathBuf,
    /// Set for every script, besides the agent's own environment.
    pub env: Vec<(String, String)>,
    /// What `aws:runPatchBaseline` steps need; without it they fail.
    pub patcher: Option<Arc<Patcher>>,
}

/// How one step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// It ran (or could not start) and has its own status.
    Done,
    /// Its own `timeoutSeconds` ran out; later steps still run.
    StepTimedOut,
    /// The command's execution timeout ran out.
    TimedOut,
    Stopped(Stop),
}

/// Runs `job`, handing each reply's step reports to `report` in order:
/// progress while a step runs, then one with each step's end. The last
/// call carries the command's end. Stops early when `stop` says so.
pub async fn run(
    job: &Job,
    stop: &mut watch::Receiver<Option<Stop>>,
    report: &mut (dyn FnMut(Vec<StepReport>) + Send),
) {
    let deadline = Instant::now() + job.execution_timeout;
    let mut ending = Ending::Done;
    for (index, step) in job.steps.iter().enumerate() {
        let halted = *stop.borrow();
        let (end, how) = match halted {
            // Stopped between two steps: this one never starts.
            Some(why) => (not_run(step, why), Ending::Stopped(why)),
            None => run_step(job, index, step, deadline, stop, report).await,
        };
        let mut reports = vec![end];
        let last = matches!(how, Ending::TimedOut | Ending::Stopped(_));
        if last {
            for rest in &job.steps[index + 1..] {
                reports.push(match how {
                    Ending::Stopped(why) => not_run(rest, why),
                    _ => StepReport {
                        stderr: format!("Not run: {} used up the execution timeout", step.name),
                        ..not_run(rest, Stop::Cancel)
                    },
                });
            }
        }
        report(reports);
        if last {
            ending = how;
            break;
        }
    }
    if job.steps.is_empty() {
        // Nothing for this platform: say so at once, as the simulator does.
        report(Vec::new());
    }
    tracing::debug!(command_id = %job.command_id, ?ending, "command ended");
    if let Err(e) = std::fs::remove_dir_all(&job.work_dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot remove {}: {e}", job.work_dir.display());
    }
}

/// The report of a step that never started.
fn not_run(step: &AgentStep, why: Stop) -> StepReport {
    let (status, stderr) = match why {
        Stop::Cancel => ("Cancelled", "Not run: the command was cancelled"),
        Stop::Shutdown => ("Failed", "Not run: the agent stopped"),
    };
    StepReport {
        name: step.name.clone(),
        status: status.to_owned(),
        response_code: -1,
        started: None,
        finished: Some(now()),
        stdout: String::new(),
        stderr: stderr.to_owned(),
    }
}

/// A step that ends before its script starts: Failed, exit code 1, and the
/// reason on stderr.
fn failed_early(step: &AgentStep, started: Timestamp, reason: String) -> (StepReport, Ending) {
    let report = StepReport {
        name: step.name.clone(),
        status: "Failed".to_owned(),
        response_code: 1,
        started: Some(started),
        finished: Some(now()),
        stdout: String::new(),
        stderr: reason,
    };
    (report, Ending::Done)
}

/// `timeoutSeconds` of a step, a number or a numeric string (documents
/// fill it from a String parameter).
fn step_timeout(step: &AgentStep) -> Option<Duration> {
    let seconds = match step.inputs.get("timeoutSeconds")? {
        serde_json::Value::Number(n) => n.as_u64()?,
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// `workingDirectory` of a step, if it names one.
fn working_directory(step: &AgentStep) -> Option<PathBuf> {
    step.inputs
        .get("workingDirectory")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

async fn run_step(
    job: &Job,
    index: usize,
    step: &AgentStep,
    deadline: Instant,
    stop: &mut watch::Receiver<Option<Stop>>,
    report: &mut (dyn FnMut(Vec<StepReport>) + Send),
) -> (StepReport, Ending) {
    let started = now();
    if step.action == RUN_PATCH_BASELINE {
        return run_patch_step(job, step, started, deadline, stop).await;
    }
    if step.action != RUN_SHELL_SCRIPT {
        return failed_early(
            step,
            started,
            format!(
                "The action {} is not supported by this agent; it runs {RUN_SHELL_SCRIPT} and \
                 {RUN_PATCH_BASELINE} steps",
                step.action
            ),
        );
    }
    let text = match step.script() {
        Ok(text) => text,
        Err(fault) => return failed_early(step, started, fault),
    };
    let script_path = job.work_dir.join(format!("step-{}.sh", index + 1));
    if let Err(e) = write_script(&job.work_dir, &script_path, &text) {
        return failed_early(step, started, e);
    }
    let cwd = match working_directory(step) {
        Some(dir) if !dir.is_dir() => {
            return failed_early(
                step,
                started,
                format!(
                    "The working directory {} does not exist or is not a directory",
                    dir.display()
                ),
            );
        }
        Some(dir) => dir,
        None => job.work_dir.clone(),
    };
    let (limit, limit_ending) = limit_of(step, deadline);

    let mut child = match Command::new("/bin/sh")
        .arg(&script_path)
        .current_dir(&cwd)
        .envs(job.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: a kill reaches everything the script started.
        .process_group(0)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return failed_early(step, started, format!("Cannot start /bin/sh: {e}")),
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let (mut out, mut err) = (Capture::default(), Capture::default());
    let (mut out_buf, mut err_buf) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    let mut exit: Option<ExitStatus> = None;
    let mut ending = Ending::Done;
    let mut drain_until: Option<Instant> = None;
    let mut next_report = Instant::now() + REPORT_EVERY;

    loop {
        if exit.is_some() && stdout.is_none() && stderr.is_none() {
            break;
        }
        let waiting = out.pending() + err.pending() > 0;
        tokio::select! {
            read = read_some(&mut stdout, &mut out_buf) => match read {
                Some(n) => out.push(&out_buf[..n]),
                None => stdout = None,
            },
            read = read_some(&mut stderr, &mut err_buf) => match read {
                Some(n) => err.push(&err_buf[..n]),
                None => stderr = None,
            },
            status = child.wait(), if exit.is_none() => {
                exit = Some(status.unwrap_or_else(|e| {
                    tracing::warn!("cannot wait for the script of {}: {e}", step.name);
                    ExitStatus::from_raw(1 << 8)
                }));
                drain_until = Some(Instant::now() + DRAIN_GRACE);
            }
            () = tokio::time::sleep_until(limit), if exit.is_none() && ending == Ending::Done => {
                kill_group(group, &step.name);
                ending = limit_ending;
            }
            why = stopped(stop), if exit.is_none() && ending == Ending::Done => {
                kill_group(group, &step.name);
                ending = Ending::Stopped(why);
            }
            () = tokio::time::sleep_until(next_report), if waiting && exit.is_none() => {}
            () = sleep_until_some(drain_until) => {
                // Whatever still holds the pipes is not waited for.
                stdout = None;
                stderr = None;
            }
        }
        let due = Instant::now() >= next_report || out.pending() + err.pending() >= REPORT_CHUNK;
        if due && out.pending() + err.pending() > 0 && exit.is_none() {
            report(vec![StepReport {
                name: step.name.clone(),
                status: "InProgress".to_owned(),
                response_code: -1,
                started: Some(started),
                finished: None,
                stdout: out.take(),
                stderr: err.take(),
            }]);
            next_report = Instant::now() + REPORT_EVERY;
        }
    }

    out.finish();
    err.finish();
    let (status, code) = match ending {
        Ending::TimedOut | Ending::StepTimedOut => ("TimedOut", -1),
        Ending::Stopped(Stop::Cancel) => ("Cancelled", -1),
        Ending::Stopped(Stop::Shutdown) => {
            err.note("sysman-agent: the agent stopped while this ran");
            ("Failed", -1)
        }
        Ending::Done => {
            let code = exit.map_or(1, exit_code);
            (if code == 0 { "Success" } else { "Failed" }, code)
        }
    };
    let report = StepReport {
        name: step.name.clone(),
        status: status.to_owned(),
        response_code: code,
        started: Some(started),
        finished: Some(now()),
        stdout: out.take(),
        stderr: err.take(),
    };
    (report, ending)
}

/// When a step must end, and how it ends then: its own `timeoutSeconds`
/// if that comes first, else the command's deadline.
fn limit_of(step: &AgentStep, deadline: Instant) -> (Instant, Ending) {
    match step_timeout(step).map(|t| Instant::now() + t) {
        Some(at) if at < deadline => (at, Ending::StepTimedOut),
        _ => (deadline, Ending::TimedOut),
    }
}

/// An `aws:runPatchBaseline` step: one report at its end. Stopped or out
/// of time, it ends at once; an apt-get it started is left to finish
/// (killing dpkg midway would leave packages half-configured), and the
/// next Scan reports what it did.
async fn run_patch_step(
    job: &Job,
    step: &AgentStep,
    started: Timestamp,
    deadline: Instant,
    stop: &mut watch::Receiver<Option<Stop>>,
) -> (StepReport, Ending) {
    let Some(patcher) = job.patcher.as_deref() else {
        return failed_early(
            step,
            started,
            format!("This agent is not set up to run {RUN_PATCH_BASELINE} steps"),
        );
    };
    let (limit, limit_ending) = limit_of(step, deadline);
    let work = patching::run(patcher, &job.command_id, &job.work_dir, step, started);
    let (status, ending, why) = tokio::select! {
        report = work => return (report, Ending::Done),
        () = tokio::time::sleep_until(limit) => ("TimedOut", limit_ending, "ran out of time"),
        why = stopped(stop) => match why {
            Stop::Cancel => ("Cancelled", Ending::Stopped(why), "was cancelled"),
            Stop::Shutdown => ("Failed", Ending::Stopped(why), "stopped with the agent"),
        },
    };
    let install = step.inputs.get("Operation").and_then(|v| v.as_str()) == Some("Install");
    let mut stderr = format!("sysman-agent: the patch operation {why}");
    if install {
        stderr.push_str(
            "; an apt-get it had started runs to its end, and the next Scan reports what it \
             installed",
        );
    }
    let report = StepReport {
        name: step.name.clone(),
        status: status.to_owned(),
        response_code: -1,
        started: Some(started),
        finished: Some(now()),
        stdout: String::new(),
        stderr,
    };
    (report, ending)
}

/// The exit code as a shell reports it: 128 + the signal for a script
/// killed by one.
fn exit_code(status: ExitStatus) -> i64 {
    match (status.code(), status.signal()) {
        (Some(code), _) => i64::from(code),
        (None, Some(signal)) => 128 + i64::from(signal),
        (None, None) => 1,
    }
}

fn write_script(work_dir: &Path, path: &Path, text: &str) -> Result<(), String> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(work_dir)
        .map_err(|e| format!("Cannot create {}: {e}", work_dir.display()))?;
    let mut body = text.to_owned();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    // Private: resolved parameters may be in it.
    write_private(path, body.as_bytes())
}

/// SIGKILL to the whole group; a group already gone is fine.
fn kill_group(group: Option<Pid>, step: &str) {
    let Some(group) = group else { return };
    match killpg(group, Signal::SIGKILL) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(e) => tracing::warn!("cannot kill the processes of step {step}: {e}"),
    }
}

/// Reads what a pipe has; `None` at its end. A pipe already closed never
/// answers.
async fn read_some<R: AsyncRead + Unpin>(pipe: &mut Option<R>, buf: &mut [u8]) -> Option<usize> {
    let Some(reader) = pipe else {
        return std::future::pending().await;
    };
    match reader.read(buf).await {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}

async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Resolves once a stop is asked for; never if the asker is gone.
async fn stopped(stop: &mut watch::Receiver<Option<Stop>>) -> Stop {
    if let Ok(why) = stop.wait_for(Option::is_some).await
        && let Some(why) = *why
    {
        return why;
    }
    std::future::pending().await
}

pub(crate) fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// One stream's output not yet reported, decoded as UTF-8 (invalid bytes
/// become U+FFFD; a character split between two reads is kept whole).
#[derive(Debug, Default)]
struct Capture {
    undecoded: Vec<u8>,
    pending: String,
    /// Characters already handed out.
    sent: usize,
    cut: bool,
}

impl Capture {
    fn push(&mut self, bytes: &[u8]) {
        if self.cut {
            return;
        }
        self.undecoded.extend_from_slice(bytes);
        decode(&mut self.undecoded, &mut self.pending, false);
        self.cap();
    }

    /// The stream has ended: a dangling partial character is replaced.
    fn finish(&mut self) {
        if !self.cut {
            decode(&mut self.undecoded, &mut self.pending, true);
            self.cap();
        }
    }

    /// A line of the agent's own, after the output.
    fn note(&mut self, line: &str) {
        self.pending.push('\n');
        self.pending.push_str(line);
        self.pending.push('\n');
    }

    fn cap(&mut self) {
        if self.sent + self.pending.len() <= OUTPUT_MAX {
            return;
        }
        let mut keep = OUTPUT_MAX.saturating_sub(self.sent);
        while !self.pending.is_char_boundary(keep) {
            keep -= 1;
        }
        self.pending.truncate(keep);
        self.pending.push_str(TRUNCATED);
        self.undecoded = Vec::new();
        self.cut = true;
    }

    fn pending(&self) -> usize {
        self.pending.len()
    }

    fn take(&mut self) -> String {
        self.sent += self.pending.len();
        std::mem::take(&mut self.pending)
    }
}

/// Moves the valid UTF-8 of `bytes` into `out`, leaving an incomplete
/// character at the end for the next read unless `last`.
fn decode(bytes: &mut Vec<u8>, out: &mut String, last: bool) {
    let mut rest: &[u8] = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.push_str(text);
                rest = &[];
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                match e.error_len() {
                    Some(n) => {
                        out.push(char::REPLACEMENT_CHARACTER);
                        rest = &bad[n..];
                    }
                    None if last => {
                        out.push(char::REPLACEMENT_CHARACTER);
                        rest = &[];
                        break;
                    }
                    None => {
                        rest = bad;
                        break;
                    }
                }
            }
        }
    }
    *bytes = rest.to_vec();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn step(name: &str, lines: &[&str]) -> AgentStep {
        AgentStep {
            name: name.into(),
            action: RUN_SHELL_SCRIPT.into(),
            inputs: serde_json::json!({ "runCommand": lines }),
        }
    }

    fn job(dir: &Path, steps: Vec<AgentStep>, timeout: Duration) -> Job {
        Job {
            command_id: "c".into(),
            steps,
            execution_timeout: timeout,
            work_dir: dir.join("work").join("c"),
            env: vec![("SYSMAN_TEST_VAR".into(), "from-agent".into())],
            patcher: None,
        }
    }

    /// What the server would make of the replies: per step, the output
    /// joined and the last status and code; and the number of replies.
    #[derive(Debug, Default)]
    struct Seen {
        steps: BTreeMap<String, (String, String, String, i64)>,
        replies: usize,
    }

    impl Seen {
        fn step(&self, name: &str) -> (&str, &str, &str, i64) {
            let (out, err, status, code) = &self.steps[name];
            (out, err, status, *code)
        }
    }

    async fn run_with(job: &Job, stop: &mut watch::Receiver<Option<Stop>>) -> Seen {
        let mut seen = Seen::default();
        let mut report = |reports: Vec<StepReport>| {
            seen.replies += 1;
            for r in reports {
                let entry = seen.steps.entry(r.name.clone()).or_default();
                entry.0.push_str(&r.stdout);
                entry.1.push_str(&r.stderr);
                entry.2 = r.status;
                entry.3 = r.response_code;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), run(job, stop, &mut report))
            .await
            .expect("the runner took too long");
        seen
    }

    async fn run_job(job: &Job) -> Seen {
        let (_tx, mut rx) = watch::channel(None);
        run_with(job, &mut rx).await
    }

    fn gone(pid: i32) -> bool {
        // Gone, or a zombie waiting for a parent that does not reap.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        }
    }

    async fn assert_gone(pid_file: &Path) {
        let pid: i32 = std::fs::read_to_string(pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        for _ in 0..100 {
            if gone(pid) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("process {pid} outlived its command");
    }

    #[tokio::test]
    async fn output_and_exit_code_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![step("s", &["echo hi", "echo err >&2", "exit 3"])],
            Duration::from_secs(10),
        );
        let seen = run_job(&job).await;
        assert_eq!(seen.step("s"), ("hi\n", "err\n", "Failed", 3));
        // The work dir is gone with the command.
        assert!(!job.work_dir.exists());
    }

    /// A schema 1.2 document's plugin arrives as a step named after the
    /// plugin, its properties as inputs (with AWS's `id`, which names
    /// nothing to run).
    #[tokio::test]
    async fn a_schema_1_2_plugin_runs_like_a_step() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![AgentStep {
                name: RUN_SHELL_SCRIPT.into(),
                action: RUN_SHELL_SCRIPT.into(),
                inputs: serde_json::json!({
                    "id": "0.aws:runShellScript",
                    "runCommand": ["echo one", "echo two"],
                    "workingDirectory": "",
                    "timeoutSeconds": "3600",
                }),
            }],
            Duration::from_secs(10),
        );
        let seen = run_job(&job).await;
        assert_eq!(
            seen.step(RUN_SHELL_SCRIPT),
            ("one\ntwo\n", "", "Success", 0)
        );
    }

    #[tokio::test]
    async fn a_failed_step_does_not_stop_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![
                step("first", &["false"]),
                AgentStep {
                    name: "second".into(),
                    action: RUN_SHELL_SCRIPT.into(),
                    inputs: serde_json::json!({ "runCommand": "pwd; echo $SYSMAN_TEST_VAR" }),
                },
            ],
            Duration::from_secs(10),
        );
        let seen = run_job(&job).await;
        assert_eq!(seen.step("first"), ("", "", "Failed", 1));
        let (out, _, status, code) = seen.step("second");
        assert_eq!((status, code), ("Success", 0));
        // Run in the command's work dir, with the agent's variables.
        let expected = format!("{}\nfrom-agent\n", job.work_dir.display());
        assert_eq!(out, expected);
    }

    #[tokio::test]
    async fn a_working_directory_is_used_and_a_missing_one_fails_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let there = dir.path().canonicalize().unwrap();
        let job = job(
            dir.path(),
            vec![
                AgentStep {
                    name: "here".into(),
                    action: RUN_SHELL_SCRIPT.into(),
                    inputs: serde_json::json!({
                        "runCommand": ["pwd"],
                        "workingDirectory": there.display().to_string(),
                    }),
                },
                AgentStep {
                    name: "nowhere".into(),
                    action: RUN_SHELL_SCRIPT.into(),
                    inputs: serde_json::json!({
                        "runCommand": ["pwd"],
                        "workingDirectory": "/does/not/exist",
                    }),
                },
            ],
            Duration::from_secs(10),
        );
        let seen = run_job(&job).await;
        assert_eq!(
            seen.step("here"),
            (format!("{}\n", there.display()).as_str(), "", "Success", 0)
        );
        let (_, err, status, code) = seen.step("nowhere");
        assert_eq!((status, code), ("Failed", 1));
        assert!(err.contains("/does/not/exist does not exist"), "{err}");
    }

    #[tokio::test]
    async fn other_actions_and_unresolved_references_fail_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![
                AgentStep {
                    name: "ps".into(),
                    action: "aws:runPowerShellScript".into(),
                    inputs: serde_json::json!({ "runCommand": ["Get-Date"] }),
                },
                AgentStep {
                    name: "ref".into(),
                    action: RUN_SHELL_SCRIPT.into(),
                    inputs: serde_json::json!({ "ResolveError": "ParameterNotFound: /x" }),
                },
            ],
            Duration::from_secs(10),
        );
        let seen = run_job(&job).await;
        let (_, err, status, _) = seen.step("ps");
        assert_eq!(status, "Failed");
        assert!(
            err.contains("aws:runPowerShellScript is not supported by this agent"),
            "{err}"
        );
        assert_eq!(seen.step("ref"), ("", "ParameterNotFound: /x", "Failed", 1));
    }

    #[tokio::test]
    async fn the_execution_timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!(
            "echo started; sleep 30 & echo $! > {}; wait",
            pid_file.display()
        );
        let job = job(
            dir.path(),
            vec![step("slow", &[&script]), step("after", &["echo never"])],
            Duration::from_secs(1),
        );
        let began = Instant::now();
        let seen = run_job(&job).await;
        assert!(began.elapsed() < Duration::from_secs(5));
        assert_eq!(seen.step("slow"), ("started\n", "", "TimedOut", -1));
        assert_eq!(
            seen.step("after"),
            (
                "",
                "Not run: slow used up the execution timeout",
                "Cancelled",
                -1
            )
        );
        assert_gone(&pid_file).await;
    }

    #[tokio::test]
    async fn a_background_process_holding_the_pipes_is_not_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![step("bg", &["sleep 10 &", "echo left"])],
            Duration::from_secs(10),
        );
        let began = Instant::now();
        let seen = run_job(&job).await;
        assert_eq!(seen.step("bg"), ("left\n", "", "Success", 0));
        let took = began.elapsed();
        assert!(
            took >= DRAIN_GRACE && took < Duration::from_secs(8),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn a_step_timeout_ends_that_step_only() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![
                AgentStep {
                    name: "slow".into(),
                    action: RUN_SHELL_SCRIPT.into(),
                    inputs: serde_json::json!({ "runCommand": ["sleep 30"], "timeoutSeconds": "1" }),
                },
                step("after", &["echo ran"]),
            ],
            Duration::from_secs(10),
        );
        let seen = run_job(&job).await;
        assert_eq!(seen.step("slow").2, "TimedOut");
        assert_eq!(seen.step("after"), ("ran\n", "", "Success", 0));
    }

    /// A job whose first step is `aws:runPatchBaseline` on a machine
    /// whose dpkg-query hangs (writing its pid first), against a server
    /// that is not there.
    fn hanging_patch_job(dir: &Path, pid_file: &Path, timeout: Duration) -> Job {
        let script = dir.join("dpkg-query");
        std::fs::write(
            &script,
            format!("echo $$ > {}; exec sleep 30\n", pid_file.display()),
        )
        .unwrap();
        let patcher = Patcher {
            client: sysman_api::client::Client::new("http://127.0.0.1:9", "us-east-1", None)
                .unwrap(),
            instance_id: "mi-0123456789abcdef0".into(),
            state_dir: dir.to_path_buf(),
            host: crate::apt::Host {
                dpkg_query: vec!["/bin/sh".into(), script.display().to_string()],
                ..crate::apt::Host::default()
            },
            allow_install: false,
        };
        let patch = AgentStep {
            name: "patch".into(),
            action: RUN_PATCH_BASELINE.into(),
            inputs: serde_json::json!({ "Operation": "Scan" }),
        };
        Job {
            patcher: Some(Arc::new(patcher)),
            ..job(dir, vec![patch, step("after", &["echo never"])], timeout)
        }
    }

    #[tokio::test]
    async fn a_patch_step_is_cancelled_at_once_and_its_reading_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let job = hanging_patch_job(dir.path(), &pid_file, Duration::from_secs(60));
        let (tx, mut rx) = watch::channel(None);
        let pid_seen = pid_file.clone();
        let canceller = tokio::spawn(async move {
            while !pid_seen.exists() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let _ = tx.send(Some(Stop::Cancel));
            tx
        });
        let seen = run_with(&job, &mut rx).await;
        drop(canceller.await.unwrap());
        let (out, err, status, code) = seen.step("patch");
        assert_eq!((out, status, code), ("", "Cancelled", -1));
        assert!(err.contains("the patch operation was cancelled"), "{err}");
        assert_eq!(seen.step("after").2, "Cancelled");
        assert_gone(&pid_file).await;
    }

    #[tokio::test]
    async fn a_patch_step_ends_with_the_execution_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let job = hanging_patch_job(dir.path(), &pid_file, Duration::from_secs(1));
        let began = Instant::now();
        let seen = run_job(&job).await;
        assert!(began.elapsed() < Duration::from_secs(5));
        let (_, err, status, code) = seen.step("patch");
        assert_eq!((status, code), ("TimedOut", -1));
        assert!(err.contains("ran out of time"), "{err}");
        assert_eq!(seen.step("after").2, "Cancelled");
        assert_gone(&pid_file).await;
    }

    #[tokio::test]
    async fn a_patch_step_without_a_patcher_fails_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let patch = AgentStep {
            name: "patch".into(),
            action: RUN_PATCH_BASELINE.into(),
            inputs: serde_json::json!({ "Operation": "Scan" }),
        };
        let seen = run_job(&job(dir.path(), vec![patch], Duration::from_secs(5))).await;
        let (_, err, status, code) = seen.step("patch");
        assert_eq!((status, code), ("Failed", 1));
        assert!(
            err.contains("not set up to run aws:runPatchBaseline"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn cancel_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!("sleep 30 & echo $! > {}; wait", pid_file.display());
        let job = job(
            dir.path(),
            vec![step("slow", &[&script]), step("after", &["echo never"])],
            Duration::from_secs(60),
        );
        let (tx, mut rx) = watch::channel(None);
        let pid_seen = pid_file.clone();
        let canceller = tokio::spawn(async move {
            while !pid_seen.exists() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let _ = tx.send(Some(Stop::Cancel));
            tx
        });
        let seen = run_with(&job, &mut rx).await;
        drop(canceller.await.unwrap());
        assert_eq!(seen.step("slow"), ("", "", "Cancelled", -1));
        assert_eq!(seen.step("after").2, "Cancelled");
        assert_gone(&pid_file).await;
    }

    #[tokio::test]
    async fn a_shutdown_fails_the_running_step_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![
                step("slow", &["echo up; sleep 30"]),
                step("after", &["true"]),
            ],
            Duration::from_secs(60),
        );
        let (tx, mut rx) = watch::channel(None);
        let stopper = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let _ = tx.send(Some(Stop::Shutdown));
            tx
        });
        let seen = run_with(&job, &mut rx).await;
        drop(stopper.await.unwrap());
        let (out, err, status, code) = seen.step("slow");
        assert_eq!((out, status, code), ("up\n", "Failed", -1));
        assert!(err.contains("the agent stopped while this ran"), "{err}");
        let (_, err, status, _) = seen.step("after");
        assert_eq!(status, "Failed");
        assert_eq!(err, "Not run: the agent stopped");
    }

    #[tokio::test]
    async fn output_is_reported_while_the_step_runs() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(
            dir.path(),
            vec![step("s", &["echo one", "sleep 1.5", "echo two"])],
            Duration::from_secs(10),
        );
        let mut replies = Vec::new();
        let (_tx, mut rx) = watch::channel(None);
        let mut report = |r: Vec<StepReport>| replies.push(r);
        run(&job, &mut rx, &mut report).await;
        assert!(replies.len() >= 2, "{replies:?}");
        assert_eq!(replies[0][0].status, "InProgress");
        assert_eq!(replies[0][0].response_code, -1);
        assert_eq!(replies[0][0].stdout, "one\n");
        // Each reply carries only what is new.
        let all: String = replies.iter().map(|r| r[0].stdout.as_str()).collect();
        assert_eq!(all, "one\ntwo\n");
        let last = &replies[replies.len() - 1][0];
        assert_eq!((last.status.as_str(), last.response_code), ("Success", 0));
    }

    #[tokio::test]
    async fn output_past_the_cap_is_cut_with_a_mark() {
        let dir = tempfile::tempdir().unwrap();
        // 9 MiB of 'x' on stdout.
        let job = job(
            dir.path(),
            vec![step(
                "big",
                &["head -c 9437184 /dev/zero | tr '\\0' x", "echo done >&2"],
            )],
            Duration::from_secs(15),
        );
        let seen = run_job(&job).await;
        let (out, err, status, _) = seen.step("big");
        assert_eq!(status, "Success");
        assert_eq!(out.len(), OUTPUT_MAX + TRUNCATED.len());
        assert!(out.ends_with(TRUNCATED));
        assert_eq!(err, "done\n");
        // Sent in pieces small enough for the server.
        assert!(
            seen.replies >= OUTPUT_MAX / REPORT_CHUNK,
            "{}",
            seen.replies
        );
    }

    #[test]
    fn utf8_split_between_reads_stays_whole_and_bad_bytes_are_replaced() {
        let mut c = Capture::default();
        let snowman = "☃".as_bytes();
        c.push(&snowman[..1]);
        assert_eq!(c.pending(), 0);
        c.push(&snowman[1..]);
        c.push(b"a\xffb");
        c.push(&snowman[..2]);
        c.finish();
        assert_eq!(c.take(), "☃a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn step_inputs_are_read_as_documents_write_them() {
        let s = AgentStep {
            name: "s".into(),
            action: RUN_SHELL_SCRIPT.into(),
            inputs: serde_json::json!({
                "runCommand": ["a", "b"], "timeoutSeconds": "3600", "workingDirectory": ""
            }),
        };
        assert_eq!(s.script().unwrap(), "a\nb");
        assert_eq!(step_timeout(&s), Some(Duration::from_secs(3600)));
        assert_eq!(working_directory(&s), None);
        let s = AgentStep {
            inputs: serde_json::json!({ "runCommand": "x", "timeoutSeconds": 5 }),
            ..s
        };
        assert_eq!(s.script().unwrap(), "x");
        assert_eq!(step_timeout(&s), Some(Duration::from_secs(5)));
    }
}
