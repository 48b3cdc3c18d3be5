//! A small simulated shell: what a simulated node runs for Run Command.
//!
//! [`run_shell`] runs `aws:runShellScript` steps in a dash-like POSIX shell and
//! [`run_powershell`] runs `aws:runPowerShellScript` steps in a PowerShell
//! look-alike. Both are pure: the same [`Machine`] and script give the same
//! [`Outcome`] byte for byte, and nothing touches real files, processes or
//! clocks. Per-node figures (uptime, load, memory, disk, process ids) come from
//! the fleet seed and the node's index, and move with [`Machine::now_ms`]: a
//! node reboots every few weeks, so its uptime grows and resets like a real one.
//!
//! The shell knows a useful subset (see [`run_shell`]); everything else fails
//! the way dash fails on a command it cannot find. Files written by a script
//! (`echo x > /tmp/f`) live in a scratch map for the rest of that script.
//!
//! Bounds: stdout and stderr together hold at most 4 MiB (later output is
//! dropped, the script keeps running); each command's own output, each pipe
//! and each expansion are bounded the same way; `sleep` adds at most 30 days;
//! and a work budget (commands, loop turns, bytes moved) stops runaway scripts
//! with exit status 124, as a timeout would.
//!
//! The crate is pure: no I/O, no threads, no async. [`SimPlatform`], the
//! operating system a node imitates, lives here because the shells are what
//! tell one platform from another; the backend's fleet simulator reuses it.

mod host;
mod platform;
mod ps;
mod sh;
#[cfg(test)]
mod tests;
mod time;

pub use platform::SimPlatform;

use host::Host;
use ps::exec::Ps;
use sh::exec::Sh;

/// What the shell knows about the machine it runs on.
#[derive(Debug, Clone)]
pub struct Machine<'a> {
    pub hostname: &'a str,
    pub ip_address: &'a str,
    pub platform: SimPlatform,
    /// Spec index of the node: varies per-node figures (uptime, disk use,
    /// memory, pids) deterministically.
    pub index: usize,
    /// The fleet seed, mixed with the index for per-node variation.
    pub seed: u64,
    /// Current time, epoch milliseconds (for `date`, `uptime`, `Get-Date`).
    pub now_ms: i64,
}

/// What a script did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
    /// Simulated running time in milliseconds: a few ms per command plus every
    /// `sleep`/`Start-Sleep`.
    pub duration_ms: u64,
}

/// Most output a script (stdout and stderr together), a pipe, a file or one
/// expansion may hold.
const OUTPUT_CAP: usize = 4 * 1024 * 1024;
/// Longest simulated sleep of one command.
const MAX_SLEEP_US: u64 = 30 * 86_400 * 1_000_000;
/// Work budget of one script: one unit per command or loop turn, one per
/// [`BYTES_PER_UNIT`] bytes moved. Beyond it the script stops with status 124.
const WORK_LIMIT: u64 = 400_000;
const BYTES_PER_UNIT: u64 = 64;
/// Status of a script stopped by the work budget, as `timeout` reports.
const ABORT_STATUS: i32 = 124;
/// Deepest nesting of compound commands, substitutions and function calls.
const MAX_NEST: usize = 40;
/// Total size of the files a script may write.
const FILES_CAP: usize = 16 * 1024 * 1024;

/// Cuts `s` to at most `max` bytes, on a character boundary.
fn truncate_at(s: &mut String, max: usize) {
    if s.len() > max {
        let mut i = max;
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        s.truncate(i);
    }
}

fn floor_boundary(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Runs a POSIX-sh-like script (lines joined with '\n', as runCommand lists are).
///
/// Syntax: simple commands, `;`, `&` (run in order; `wait` joins the clock),
/// newlines, `&&`, `||`, `!`, pipes, `#` comments, quotes and backslashes,
/// `$VAR`, `${VAR}`, `${VAR:-x}` and kin, `${#VAR}`, `${VAR%pat}` and kin,
/// `$(...)`, backquotes, `$((...))`, `~`, redirections (`>`, `>>`, `<`, `2>&1`,
/// here-documents), assignments, `if`, `for`, `while`, `until`, `case`, `{ }`,
/// `( )` and functions. Builtins: `echo`, `printf`, `cd`, `pwd`, `exit`,
/// `true`, `false`, `:`, `export`, `readonly`, `unset`, `local`, `set` (`-e`,
/// `-u`, `-x`), `shift`, `read`, `test`/`[`, `eval`, `.`, `command`, `type`,
/// `trap` (EXIT), `wait`, `umask`, `exec`, `return`, `break`, `continue`.
/// Commands: `hostname`, `uname`, `whoami`, `id`, `uptime`, `date`, `cat`,
/// `df`, `free`, `ps`, `sleep`, `seq`, `grep`, `head`, `tail`, `wc`, `sort`,
/// `uniq`, `tr`, `cut`, `tee`, `ls`, `mkdir`, `touch`, `rm`, `basename`,
/// `dirname`, `env`, `printenv`, `which`, `nproc`, `yes`, `systemctl`
/// (Linux), `sw_vers` (macOS), `sh`/`bash`. Anything else is "not found".
pub fn run_shell(machine: &Machine, script: &str) -> Outcome {
    let host = Host::new(machine);
    if host.is_windows() {
        return Outcome {
            stdout: String::new(),
            stderr: "failed to run commands: aws:runShellScript is not supported on Windows; \
                     use aws:runPowerShellScript\n"
                .to_owned(),
            exit_code: 1,
            duration_ms: 0,
        };
    }
    let mut sh = Sh::new(host);
    let status = sh.run_script(script);
    sh.finish(status)
}

/// Runs a PowerShell-like script.
///
/// Statements: pipelines, `$var = ...`, `if`/`elseif`/`else`, `foreach`,
/// `exit`, `return`, `;` and newlines, comments, single and double quotes with
/// `$var`, `$env:NAME` and `$(...)` inside, `` ` `` escapes, `(...)`, `@(...)`,
/// arrays, member access, a few methods, arithmetic and comparison operators.
/// Cmdlets: `Write-Output`/`echo`, `Write-Host`, `Write-Error`,
/// `Write-Warning`, `Get-Date`, `Get-Service`, `Get-Process`, `Get-HotFix`,
/// `Get-ComputerInfo`, `Start-Sleep`, `Get-Location`, `Set-Location`,
/// `Test-Path`, `Get-Content`, `Select-Object`, `Where-Object`,
/// `ForEach-Object`, `Sort-Object`, `Measure-Object`, `Select-String`,
/// `Format-Table`, `Format-List`, `Out-String`, `Out-Null`; natives
/// `hostname`, `whoami`, `ipconfig`; `$PSVersionTable`,
/// `[System.Environment]::OSVersion` and friends. An unknown command is
/// reported as PowerShell reports it and ends the script with exit code 1.
pub fn run_powershell(machine: &Machine, script: &str) -> Outcome {
    let host = Host::new(machine);
    if !host.is_windows() {
        return Outcome {
            stdout: String::new(),
            stderr: "failed to run commands: exec: \"pwsh\": executable file not found in $PATH\n"
                .to_owned(),
            exit_code: 1,
            duration_ms: 0,
        };
    }
    let mut ps = Ps::new(host, script);
    let code = ps.run(script);
    let end = ps.clock_us;
    Outcome {
        stdout: ps.out,
        stderr: ps.err,
        exit_code: code,
        duration_ms: end.div_ceil(1000),
    }
}
