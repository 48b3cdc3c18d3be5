//! The sh interpreter: shell state, control flow, pipelines, redirections and paths.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::{
    ABORT_STATUS, BYTES_PER_UNIT, FILES_CAP, MAX_NEST, OUTPUT_CAP, Outcome, SimPlatform,
    WORK_LIMIT, floor_boundary,
    host::{Host, LINUX_DIRS, MAC_DIRS, default_user, kernel, os_release},
    sh::parse::{AndOr, Cmd, Compound, List, Parser, Part, Pipeline, ROp, Redir, Simple},
    truncate_at,
};

/// A buffer index meaning "discard".
const NULL: usize = usize::MAX;
/// The script's own stdout and stderr.
const TOP: Io = Io { out: 0, err: 1 };
/// Simulated cost of starting the shell, of a builtin, and of an external command.
const SH_START_US: u64 = 3_000;
pub(crate) const BUILTIN_US: u64 = 20;
pub(crate) const EXTERNAL_US: u64 = 2_000;

/// Where a command's stdout and stderr go: indexes into the shell's buffers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Io {
    pub(crate) out: usize,
    pub(crate) err: usize,
}

/// A command's standard input: what is left of a pipe, file or here-document.
pub(crate) struct Input<'a> {
    data: &'a str,
    pos: usize,
}

impl<'a> Input<'a> {
    pub(crate) fn new(data: &'a str) -> Self {
        Input { data, pos: 0 }
    }

    pub(crate) fn rest(&mut self) -> &'a str {
        let r = &self.data[self.pos..];
        self.pos = self.data.len();
        r
    }

    /// The next line without its newline, and whether a newline ended it.
    pub(crate) fn line(&mut self) -> Option<(&'a str, bool)> {
        let r = &self.data[self.pos..];
        if r.is_empty() {
            return None;
        }
        match r.find('\n') {
            Some(i) => {
                self.pos += i + 1;
                Some((&r[..i], true))
            }
            None => {
                self.pos = self.data.len();
                Some((r, false))
            }
        }
    }
}

/// Non-local control flow.
#[derive(Debug)]
pub(crate) enum Flow {
    Exit(i32),
    Break(u32),
    Continue(u32),
    Return(i32),
    /// The work budget ran out.
    Abort,
}

pub(crate) type Ex = Result<i32, Flow>;

#[derive(Debug, Clone)]
pub(crate) struct ShVar {
    pub(crate) value: String,
    pub(crate) exported: bool,
}

/// Output of one command, before it is routed.
#[derive(Default)]
pub(crate) struct Out {
    pub(crate) out: String,
    pub(crate) err: String,
}

impl Out {
    pub(crate) fn full(&self) -> bool {
        self.out.len() >= OUTPUT_CAP
    }

    pub(crate) fn line(&mut self, s: &str) {
        if !self.full() {
            self.out.push_str(s);
            self.out.push('\n');
        }
    }

    pub(crate) fn err_line(&mut self, s: &str) {
        self.err.push_str(s);
        self.err.push('\n');
    }
}

/// A piece of an expanded word.
pub(crate) enum Piece {
    Lit(String),
    Quoted(String),
    /// An unquoted expansion: subject to field splitting.
    Split(String),
    /// Between the fields of `"$@"`.
    Break,
    /// `"$@"` with no arguments: the word makes no field if nothing else is in it.
    NoArgs,
}

struct Redirected {
    io: Io,
    input: Option<String>,
    /// Buffers to store into files afterwards: (buffer, path, append).
    files: Vec<(usize, String, bool)>,
}

pub(crate) enum Lookup {
    File(String),
    Dir,
    Missing,
}

/// A running shell.
pub(crate) struct Sh {
    pub(crate) host: Host,
    pub(crate) vars: BTreeMap<String, ShVar>,
    pub(crate) args: Vec<String>,
    pub(crate) funcs: BTreeMap<String, Rc<Cmd>>,
    pub(crate) cwd: String,
    pub(crate) status: i32,
    pub(crate) errexit: bool,
    pub(crate) nounset: bool,
    pub(crate) xtrace: bool,
    pub(crate) pipefail: bool,
    /// Inside an `if`/`while` condition or a non-final `&&`/`||` operand.
    cond: u32,
    pub(crate) loops: u32,
    pub(crate) depth: usize,
    pub(crate) locals: Vec<Vec<(String, Option<ShVar>)>>,
    /// 0: stdout, 1: stderr, then pipes, captures and file buffers (a stack).
    bufs: Vec<String>,
    pub(crate) files: BTreeMap<String, String>,
    pub(crate) made_dirs: BTreeSet<String>,
    pub(crate) removed: BTreeSet<String>,
    pub(crate) clock_us: u64,
    pub(crate) bg_until_us: u64,
    work: u64,
    pub(crate) line: usize,
    pub(crate) sub_status: Option<i32>,
    pub(crate) exit_trap: Option<String>,
    last_bg: Option<u32>,
    next_pid: u32,
    /// The commands of the pipeline running now, for `ps`.
    pub(crate) procs: Vec<String>,
}

impl Sh {
    pub(crate) fn new(host: Host) -> Self {
        let mut vars = BTreeMap::new();
        let mut set = |k: &str, v: &str, exported: bool| {
            vars.insert(
                k.to_owned(),
                ShVar {
                    value: v.to_owned(),
                    exported,
                },
            );
        };
        let cwd = "/var/lib/sysman/run";
        set("HOME", host.home(), true);
        set("USER", "root", true);
        set("LOGNAME", "root", true);
        set("PATH", host.path_var(), true);
        set("PWD", cwd, true);
        set("HOSTNAME", &host.hostname.clone(), true);
        set("LANG", "C.UTF-8", true);
        set("IFS", " \t\n", false);
        set("PPID", &(host.shell_pid - 1).to_string(), false);
        set("OPTIND", "1", false);
        set("PS1", "# ", false);
        set("PS2", "> ", false);
        set("PS4", "+ ", false);
        let next_pid = host.shell_pid + 1;
        Sh {
            host,
            vars,
            args: Vec::new(),
            funcs: BTreeMap::new(),
            cwd: cwd.to_owned(),
            status: 0,
            errexit: false,
            nounset: false,
            xtrace: false,
            pipefail: false,
            cond: 0,
            loops: 0,
            depth: 0,
            locals: Vec::new(),
            bufs: vec![String::new(), String::new()],
            files: BTreeMap::new(),
            made_dirs: BTreeSet::new(),
            removed: BTreeSet::new(),
            clock_us: SH_START_US,
            bg_until_us: 0,
            work: 0,
            line: 1,
            sub_status: None,
            exit_trap: None,
            last_bg: None,
            next_pid,
            procs: Vec::new(),
        }
    }

    pub(crate) fn run_script(&mut self, script: &str) -> i32 {
        let src: Vec<char> = script.chars().collect();
        self.work += src.len() as u64 / BYTES_PER_UNIT;
        let mut status = match self.run_source(&src, 1, TOP, "") {
            Ok(s) | Err(Flow::Exit(s) | Flow::Return(s)) => s,
            Err(Flow::Break(_) | Flow::Continue(_)) => 0,
            Err(Flow::Abort) => return self.abort(),
        };
        if let Some(trap) = self.exit_trap.take() {
            self.status = status;
            let src: Vec<char> = trap.chars().collect();
            match self.run_source(&src, self.line, TOP, "") {
                Err(Flow::Exit(s)) => status = s,
                Err(Flow::Abort) => return self.abort(),
                _ => {}
            }
        }
        status
    }

    fn abort(&mut self) -> i32 {
        self.write(1, "sh: simulator: work limit exceeded, script stopped\n");
        ABORT_STATUS
    }

    /// Parses and runs source text command by command, as dash does: a syntax
    /// error stops it (status 2) after the commands before it ran.
    pub(crate) fn run_source(&mut self, src: &[char], line: usize, io: Io, what: &str) -> Ex {
        let mut p = Parser::new(src, line, 0);
        let mut status = 0;
        loop {
            match p.next_command() {
                Ok(None) => return Ok(status),
                Ok(Some(list)) => status = self.run_list(&list, &mut Input::new(""), io)?,
                Err(e) => {
                    let prefix = if e.bare { "" } else { "Syntax error: " };
                    let msg = format!("sh: {}: {what}{prefix}{}\n", e.line, e.msg);
                    self.write(io.err, &msg);
                    self.status = 2;
                    return Err(Flow::Exit(2));
                }
            }
        }
    }

    pub(crate) fn finish(mut self, status: i32) -> Outcome {
        let end = self.clock_us.max(self.bg_until_us);
        let stderr = std::mem::take(&mut self.bufs[1]);
        let stdout = std::mem::take(&mut self.bufs[0]);
        Outcome {
            stdout,
            stderr,
            exit_code: status,
            duration_ms: end.div_ceil(1000),
        }
    }

    // --- output ---

    pub(crate) fn write(&mut self, t: usize, s: &str) {
        if t == NULL || s.is_empty() {
            return;
        }
        self.work += s.len() as u64 / BYTES_PER_UNIT;
        let used = if t <= 1 {
            self.bufs[0].len() + self.bufs[1].len()
        } else {
            self.bufs[t].len()
        };
        let n = floor_boundary(s, OUTPUT_CAP.saturating_sub(used));
        self.bufs[t].push_str(&s[..n]);
    }

    /// `sh: LINE: msg` on `err`.
    pub(crate) fn say(&mut self, err: usize, msg: &str) {
        let line = format!("sh: {}: {msg}\n", self.line);
        self.write(err, &line);
    }

    pub(crate) fn charge(&mut self, units: u64) -> Result<(), Flow> {
        self.work += units;
        if self.work > WORK_LIMIT {
            Err(Flow::Abort)
        } else {
            Ok(())
        }
    }

    pub(crate) fn alloc(&mut self) -> usize {
        self.bufs.push(String::new());
        self.bufs.len() - 1
    }

    pub(crate) fn release(&mut self, t: usize) -> String {
        let s = std::mem::take(&mut self.bufs[t]);
        self.bufs.truncate(t);
        s
    }

    // --- variables ---

    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }

    pub(crate) fn set_var(&mut self, name: &str, value: String) {
        match self.vars.get_mut(name) {
            Some(v) => v.value = value,
            None => {
                self.vars.insert(
                    name.to_owned(),
                    ShVar {
                        value,
                        exported: false,
                    },
                );
            }
        }
    }

    pub(crate) fn param(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some(self.host.shell_pid.to_string()),
            "#" => Some(self.args.len().to_string()),
            "0" => Some("sh".to_owned()),
            "!" => self.last_bg.map(|p| p.to_string()),
            "-" => {
                let mut f = String::new();
                for (on, c) in [(self.errexit, 'e'), (self.nounset, 'u'), (self.xtrace, 'x')] {
                    if on {
                        f.push(c);
                    }
                }
                Some(f)
            }
            "@" | "*" => {
                let sep = self.var("IFS").map_or(Some(' '), |ifs| ifs.chars().next());
                Some(self.args.join(&sep.map(String::from).unwrap_or_default()))
            }
            n if n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .filter(|&i| i > 0)
                .and_then(|i| self.args.get(i - 1).cloned()),
            _ => self.var(name).map(str::to_owned),
        }
    }

    // --- lists and commands ---

    pub(crate) fn run_list(&mut self, list: &List, inp: &mut Input, io: Io) -> Ex {
        let mut st = 0;
        for (ao, bg) in list {
            st = if *bg {
                self.background(ao, io)?
            } else {
                self.run_and_or(ao, inp, io)?
            };
            self.status = st;
        }
        Ok(st)
    }

    fn background(&mut self, ao: &AndOr, io: Io) -> Ex {
        let start = self.clock_us;
        let r = self.subshell(|sh| sh.run_and_or(ao, &mut Input::new(""), io));
        self.bg_until_us = self.bg_until_us.max(self.clock_us);
        self.clock_us = start;
        self.last_bg = Some(self.next_pid);
        self.next_pid += 1;
        r.map(|_| 0)
    }

    fn run_and_or(&mut self, ao: &AndOr, inp: &mut Input, io: Io) -> Ex {
        let mut st = self.run_guarded(&ao.first, inp, io, ao.rest.is_empty())?;
        for (i, (and, p)) in ao.rest.iter().enumerate() {
            if *and == (st == 0) {
                st = self.run_guarded(p, inp, io, i + 1 == ao.rest.len())?;
            }
        }
        Ok(st)
    }

    /// A pipeline, with `set -e` applied if it is the last of its and-or list.
    fn run_guarded(&mut self, p: &Pipeline, inp: &mut Input, io: Io, last: bool) -> Ex {
        if !last {
            self.cond += 1;
        }
        let r = self.run_pipeline(p, inp, io);
        if !last {
            self.cond -= 1;
        }
        let st = r?;
        self.status = st;
        if last && st != 0 && self.errexit && self.cond == 0 && !p.bang {
            return Err(Flow::Exit(st));
        }
        Ok(st)
    }

    fn run_pipeline(&mut self, p: &Pipeline, inp: &mut Input, io: Io) -> Ex {
        let st = if let [only] = p.cmds.as_slice() {
            self.run_cmd(only, inp, io)?
        } else {
            let procs = p.cmds.iter().map(|c| self.describe(c)).collect();
            let saved = std::mem::replace(&mut self.procs, procs);
            let r = self.run_stages(p, inp, io);
            self.procs = saved;
            r?
        };
        Ok(if p.bang { i32::from(st == 0) } else { st })
    }

    fn run_stages(&mut self, p: &Pipeline, inp: &mut Input, io: Io) -> Ex {
        let mut data = String::new();
        let mut st = 0;
        let mut failed = 0;
        for (i, c) in p.cmds.iter().enumerate() {
            let last = i + 1 == p.cmds.len();
            let out = if last { io.out } else { self.alloc() };
            let sio = Io { out, err: io.err };
            let r = if i == 0 {
                self.subshell(|sh| sh.run_cmd(c, inp, sio))
            } else {
                let mut pin = Input::new(&data);
                self.subshell(|sh| sh.run_cmd(c, &mut pin, sio))
            };
            if !last {
                data = self.release(out);
            }
            st = r?;
            if st != 0 {
                failed = st;
            }
        }
        Ok(if self.pipefail && st == 0 { failed } else { st })
    }

    /// The command line `ps` shows for a pipeline stage.
    fn describe(&self, c: &Cmd) -> String {
        let Cmd::Simple(s) = c else {
            return "sh".to_owned();
        };
        let mut words = Vec::new();
        for w in &s.words {
            let mut text = String::new();
            for p in &w.parts {
                match p {
                    Part::Lit(t) | Part::Quoted(t) => text.push_str(t),
                    Part::Param(p) => text.push_str(&self.param(&p.name).unwrap_or_default()),
                    Part::Sub(..) | Part::Arith(..) => {}
                }
            }
            words.push(text);
        }
        words.join(" ")
    }

    /// Runs `f` in a subshell: variables, functions, options, directory and
    /// traps are restored afterwards, and `exit` only leaves the subshell.
    pub(crate) fn subshell(&mut self, f: impl FnOnce(&mut Self) -> Ex) -> Ex {
        let bytes: usize = self.vars.values().map(|v| v.value.len()).sum();
        self.charge(1 + bytes as u64 / BYTES_PER_UNIT)?;
        let vars = self.vars.clone();
        let args = self.args.clone();
        let funcs = self.funcs.clone();
        let cwd = self.cwd.clone();
        let opts = (self.errexit, self.nounset, self.xtrace, self.pipefail);
        let trap = self.exit_trap.take();
        let loops = std::mem::replace(&mut self.loops, 0);
        let locals = self.locals.len();
        let r = f(self);
        self.vars = vars;
        self.args = args;
        self.funcs = funcs;
        self.cwd = cwd;
        (self.errexit, self.nounset, self.xtrace, self.pipefail) = opts;
        self.exit_trap = trap;
        self.loops = loops;
        self.locals.truncate(locals);
        match r {
            Ok(s) | Err(Flow::Exit(s) | Flow::Return(s)) => Ok(s),
            Err(Flow::Break(_) | Flow::Continue(_)) => Ok(0),
            Err(Flow::Abort) => Err(Flow::Abort),
        }
    }

    pub(crate) fn run_cmd(&mut self, c: &Cmd, inp: &mut Input, io: Io) -> Ex {
        match c {
            Cmd::Simple(s) => self.run_simple(s, inp, io),
            Cmd::Func(name, body) => {
                self.funcs.insert(name.clone(), body.clone());
                Ok(0)
            }
            Cmd::Compound(body, redirs) if redirs.is_empty() => self.run_compound(body, inp, io),
            Cmd::Compound(body, redirs) => {
                let mark = self.bufs.len();
                match self.open_redirs(redirs, io)? {
                    Err(st) => Ok(st),
                    Ok(mut rd) => {
                        let r = match rd.input.take() {
                            Some(text) => self.run_compound(body, &mut Input::new(&text), rd.io),
                            None => self.run_compound(body, inp, rd.io),
                        };
                        self.close_redirs(rd, mark);
                        r
                    }
                }
            }
        }
    }

    fn run_compound(&mut self, c: &Compound, inp: &mut Input, io: Io) -> Ex {
        self.depth += 1;
        let r = if self.depth > MAX_NEST * 2 {
            self.say(io.err, "nesting too deep");
            Err(Flow::Exit(2))
        } else {
            self.run_compound_inner(c, inp, io)
        };
        self.depth -= 1;
        r
    }

    fn run_compound_inner(&mut self, c: &Compound, inp: &mut Input, io: Io) -> Ex {
        match c {
            Compound::Brace(l) => self.run_list(l, inp, io),
            Compound::Sub(l) => self.subshell(|sh| sh.run_list(l, inp, io)),
            Compound::If(arms, els) => {
                for (cond, body) in arms {
                    if self.condition(cond, inp, io)? == 0 {
                        return self.run_list(body, inp, io);
                    }
                }
                match els {
                    Some(b) => self.run_list(b, inp, io),
                    None => Ok(0),
                }
            }
            Compound::For(name, words, body) => {
                let items = match words {
                    Some(ws) => {
                        let mut items = Vec::new();
                        for w in ws {
                            self.expand_fields(w, io.err, &mut items)?;
                        }
                        items
                    }
                    None => self.args.clone(),
                };
                self.loops += 1;
                let r = self.for_loop(name, items, body, inp, io);
                self.loops -= 1;
                r
            }
            Compound::Loop(until, cond, body) => {
                self.loops += 1;
                let r = self.while_loop(*until, cond, body, inp, io);
                self.loops -= 1;
                r
            }
            Compound::Case(word, arms) => {
                let w = self.expand_string(word, io.err)?;
                for (pats, body) in arms {
                    for p in pats {
                        let pat = self.expand_pattern(p, io.err)?;
                        let pc: Vec<char> = pat.chars().collect();
                        let wc: Vec<char> = w.chars().collect();
                        self.charge((pc.len() * wc.len() / 1024) as u64)?;
                        if glob_match(&pc, &wc) {
                            return self.run_list(body, inp, io);
                        }
                    }
                }
                Ok(0)
            }
        }
    }

    fn condition(&mut self, cond: &List, inp: &mut Input, io: Io) -> Ex {
        self.cond += 1;
        let r = self.run_list(cond, inp, io);
        self.cond -= 1;
        r
    }

    fn for_loop(
        &mut self,
        name: &str,
        items: Vec<String>,
        body: &List,
        inp: &mut Input,
        io: Io,
    ) -> Ex {
        let mut st = 0;
        for item in items {
            self.charge(1)?;
            self.set_var(name, item);
            match self.run_list(body, inp, io) {
                Ok(s) => st = s,
                Err(Flow::Break(n)) => {
                    return if n > 1 {
                        Err(Flow::Break(n - 1))
                    } else {
                        Ok(0)
                    };
                }
                Err(Flow::Continue(n)) if n > 1 => return Err(Flow::Continue(n - 1)),
                Err(Flow::Continue(_)) => st = 0,
                Err(e) => return Err(e),
            }
        }
        Ok(st)
    }

    fn while_loop(&mut self, until: bool, cond: &List, body: &List, inp: &mut Input, io: Io) -> Ex {
        let mut st = 0;
        loop {
            self.charge(1)?;
            let c = match self.condition(cond, inp, io) {
                Ok(c) => c,
                Err(Flow::Break(n)) => {
                    return if n > 1 {
                        Err(Flow::Break(n - 1))
                    } else {
                        Ok(0)
                    };
                }
                Err(Flow::Continue(n)) if n > 1 => return Err(Flow::Continue(n - 1)),
                Err(Flow::Continue(_)) => continue,
                Err(e) => return Err(e),
            };
            if (c == 0) == until {
                return Ok(st);
            }
            match self.run_list(body, inp, io) {
                Ok(s) => st = s,
                Err(Flow::Break(n)) => {
                    return if n > 1 {
                        Err(Flow::Break(n - 1))
                    } else {
                        Ok(0)
                    };
                }
                Err(Flow::Continue(n)) if n > 1 => return Err(Flow::Continue(n - 1)),
                Err(Flow::Continue(_)) => st = 0,
                Err(e) => return Err(e),
            }
        }
    }

    fn run_simple(&mut self, s: &Simple, inp: &mut Input, io: Io) -> Ex {
        self.line = s.line;
        self.charge(1)?;
        self.sub_status = None;
        let mut argv = Vec::new();
        for w in &s.words {
            self.expand_fields(w, io.err, &mut argv)?;
        }
        let mut assigned = Vec::new();
        for (name, w) in &s.assigns {
            let v = self.expand_string(w, io.err)?;
            assigned.push((name.clone(), v));
        }
        if self.xtrace {
            let mut t: Vec<String> = assigned.iter().map(|(n, v)| format!("{n}={v}")).collect();
            t.extend(argv.iter().cloned());
            let ps4 = self.var("PS4").unwrap_or("+ ").to_owned();
            let line = format!("{ps4}{}\n", t.join(" "));
            self.write(io.err, &line);
        }
        if argv.is_empty() {
            for (name, v) in assigned {
                self.set_var(&name, v);
            }
            let st = self.sub_status.unwrap_or(0);
            let mark = self.bufs.len();
            return match self.open_redirs(&s.redirs, io)? {
                Ok(rd) => {
                    self.close_redirs(rd, mark);
                    Ok(st)
                }
                Err(code) => Ok(code),
            };
        }
        let mut saved = Vec::new();
        for (name, v) in assigned {
            let old = self.vars.insert(
                name.clone(),
                ShVar {
                    value: v,
                    exported: true,
                },
            );
            saved.push((name, old));
        }
        let mark = self.bufs.len();
        let r = match self.open_redirs(&s.redirs, io) {
            Err(f) => Err(f),
            Ok(Err(code)) => Ok(code),
            Ok(Ok(mut rd)) => {
                let r = match rd.input.take() {
                    Some(text) => self.dispatch(&argv, &mut Input::new(&text), rd.io),
                    None => self.dispatch(&argv, inp, rd.io),
                };
                self.close_redirs(rd, mark);
                r
            }
        };
        for (name, old) in saved.into_iter().rev() {
            match old {
                Some(v) => self.vars.insert(name, v),
                None => self.vars.remove(&name),
            };
        }
        r
    }

    // --- redirections and files ---

    fn open_redirs(&mut self, redirs: &[Redir], io: Io) -> Result<Result<Redirected, i32>, Flow> {
        let mut rd = Redirected {
            io,
            input: None,
            files: Vec::new(),
        };
        for r in redirs {
            let target = match &r.here {
                Some(body) => {
                    let w = body.borrow().clone();
                    let text = self.expand_string(&w, io.err)?;
                    if r.fd == 0 {
                        rd.input = Some(text);
                    }
                    continue;
                }
                None => self.expand_string(&r.target, io.err)?,
            };
            let t = match r.op {
                ROp::Out | ROp::Append | ROp::ReadWrite => {
                    match self.open_write(&target, r.op == ROp::Append, &mut rd) {
                        Ok(t) => t,
                        Err(msg) => {
                            self.say(io.err, &msg);
                            return Ok(Err(2));
                        }
                    }
                }
                ROp::In => match self.lookup(&target) {
                    Lookup::File(text) => {
                        if r.fd == 0 {
                            rd.input = Some(text);
                        }
                        continue;
                    }
                    _ => {
                        self.say(io.err, &format!("cannot open {target}: No such file"));
                        return Ok(Err(2));
                    }
                },
                ROp::DupOut | ROp::DupIn => match target.as_str() {
                    "1" => rd.io.out,
                    "2" => rd.io.err,
                    "-" => NULL,
                    "0" if r.op == ROp::DupIn => continue,
                    _ => {
                        self.say(io.err, &format!("{target}: Bad file descriptor"));
                        return Ok(Err(2));
                    }
                },
                ROp::Here => continue,
            };
            match r.fd {
                1 => rd.io.out = t,
                2 => rd.io.err = t,
                _ => {}
            }
        }
        Ok(Ok(rd))
    }

    fn open_write(
        &mut self,
        target: &str,
        append: bool,
        rd: &mut Redirected,
    ) -> Result<usize, String> {
        let path = self.resolve(target);
        match path.as_str() {
            "/dev/null" => return Ok(NULL),
            "/dev/stdout" | "/dev/fd/1" => return Ok(rd.io.out),
            "/dev/stderr" | "/dev/fd/2" => return Ok(rd.io.err),
            _ => {}
        }
        if self.is_dir(&path) {
            return Err(format!("cannot create {target}: Is a directory"));
        }
        if !self.is_dir(parent(&path)) {
            return Err(format!("cannot create {target}: Directory nonexistent"));
        }
        let t = self.alloc();
        rd.files.push((t, path, append));
        Ok(t)
    }

    /// Stores what went to file redirections, and frees their buffers.
    fn close_redirs(&mut self, rd: Redirected, mark: usize) {
        for (t, path, append) in rd.files {
            let text = std::mem::take(&mut self.bufs[t]);
            self.store_file(&path, &text, append);
        }
        self.bufs.truncate(mark);
    }

    pub(crate) fn store_file(&mut self, path: &str, text: &str, append: bool) {
        let mut content = if append {
            match self.lookup(path) {
                Lookup::File(old) => old,
                _ => String::new(),
            }
        } else {
            String::new()
        };
        content.push_str(text);
        let others: usize = self
            .files
            .iter()
            .filter(|(k, _)| *k != path)
            .map(|(_, v)| v.len())
            .sum();
        truncate_at(&mut content, FILES_CAP.saturating_sub(others));
        self.removed.remove(path);
        self.files.insert(path.to_owned(), content);
    }

    pub(crate) fn resolve(&self, p: &str) -> String {
        normalize(&self.cwd, p)
    }

    pub(crate) fn is_dir(&self, path: &str) -> bool {
        !self.removed.contains(path)
            && (self.made_dirs.contains(path)
                || if self.host.is_mac() {
                    MAC_DIRS.contains(&path)
                } else {
                    LINUX_DIRS.contains(&path)
                }
                || self.extra_dir(path))
    }

    fn extra_dir(&self, path: &str) -> bool {
        let user = default_user(self.host.platform);
        if self.host.is_mac() {
            return false;
        }
        path == format!("/home/{user}")
            || (path == "/snap" || path == "/snap/bin")
                && matches!(
                    self.host.platform,
                    SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404
                )
    }

    pub(crate) fn lookup(&self, p: &str) -> Lookup {
        let path = self.resolve(p);
        if let Some(c) = self.files.get(&path) {
            return Lookup::File(c.clone());
        }
        if self.is_dir(&path) {
            return Lookup::Dir;
        }
        if self.removed.contains(&path) {
            return Lookup::Missing;
        }
        match self.system_file(&path) {
            Some(c) => Lookup::File(c),
            None => Lookup::Missing,
        }
    }

    /// Files the simulated system has.
    pub(crate) fn system_file(&self, path: &str) -> Option<String> {
        let h = &self.host;
        let p = h.platform;
        if path == "/dev/null" {
            return Some(String::new());
        }
        if h.is_mac() {
            return match path {
                "/etc/hosts" | "/private/etc/hosts" => Some(
                    "##\n# Host Database\n#\n# localhost is used to configure the loopback interface\n\
                     # when the system is booting.  Do not change this entry.\n##\n\
                     127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n::1             localhost\n"
                        .to_owned(),
                ),
                "/etc/shells" | "/private/etc/shells" => {
                    Some("/bin/bash\n/bin/csh\n/bin/dash\n/bin/ksh\n/bin/sh\n/bin/tcsh\n/bin/zsh\n".to_owned())
                }
                _ => None,
            };
        }
        let (release, version) = kernel(p);
        Some(match path {
            "/etc/os-release" | "/usr/lib/os-release" => os_release(p)?.to_owned(),
            "/etc/hostname" => format!("{}\n", h.hostname),
            "/etc/hosts" => match p {
                SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9 => "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n\
                     ::1         localhost6 localhost6.localdomain6\n"
                    .to_owned(),
                _ => format!(
                    "127.0.0.1 localhost\n{} {}\n\n# The following lines are desirable for IPv6 capable hosts\n\
                     ::1 ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\n\
                     ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\nff02::3 ip6-allhosts\n",
                    h.ip, h.hostname
                ),
            },
            "/etc/machine-id" => format!("{:016x}{:016x}\n", h.rand("machine-id"), h.rand("machine-id-2")),
            "/etc/system-release" => match p {
                SimPlatform::AmazonLinux2023 => "Amazon Linux release 2023.6.20241010 (Amazon Linux)\n".to_owned(),
                SimPlatform::Rhel9 => "Red Hat Enterprise Linux release 9.4 (Plow)\n".to_owned(),
                _ => return None,
            },
            "/etc/redhat-release" if p == SimPlatform::Rhel9 => {
                "Red Hat Enterprise Linux release 9.4 (Plow)\n".to_owned()
            }
            "/etc/debian_version" => match p {
                SimPlatform::Debian12 => "12.7\n".to_owned(),
                SimPlatform::Ubuntu2204 => "bookworm/sid\n".to_owned(),
                SimPlatform::Ubuntu2404 => "trixie/sid\n".to_owned(),
                _ => return None,
            },
            "/etc/lsb-release" => match p {
                SimPlatform::Ubuntu2204 => "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n\
                                            DISTRIB_DESCRIPTION=\"Ubuntu 22.04.5 LTS\"\n"
                    .to_owned(),
                SimPlatform::Ubuntu2404 => "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=24.04\nDISTRIB_CODENAME=noble\n\
                                            DISTRIB_DESCRIPTION=\"Ubuntu 24.04.1 LTS\"\n"
                    .to_owned(),
                _ => return None,
            },
            "/etc/shells" => "/bin/sh\n/bin/bash\n/usr/bin/sh\n/usr/bin/bash\n".to_owned(),
            "/etc/passwd" => format!(
                "root:x:0:0:root:/root:/bin/bash\n\
                 daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                 nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n\
                 sshd:x:74:74:Privilege-separated SSH:/usr/share/empty.sshd:/sbin/nologin\n\
                 {u}:x:1000:1000::/home/{u}:/bin/bash\n",
                u = default_user(p)
            ),
            "/proc/uptime" => {
                let up = h.now_ms - h.boot_ms;
                let idle = up / 10 * i64::from(h.cpus) * 9;
                format!("{}.{:02} {}.{:02}\n", up / 1000, up % 1000 / 10, idle / 1000, idle % 1000 / 10)
            }
            "/proc/loadavg" => format!(
                "{} {} {} 1/{} {}\n",
                hundredths(h.load[0]),
                hundredths(h.load[1]),
                hundredths(h.load[2]),
                180 + h.rand("threads") % 120,
                h.shell_pid + 1
            ),
            "/proc/meminfo" => {
                let m = &h.mem;
                let rows = [
                    ("MemTotal", m.total),
                    ("MemFree", m.free),
                    ("MemAvailable", m.available),
                    ("Buffers", m.cache / 20),
                    ("Cached", m.cache - m.cache / 20 - m.cache / 10),
                    ("SwapCached", 0),
                    ("Shmem", m.shared),
                    ("SReclaimable", m.cache / 10),
                    ("SwapTotal", 0),
                    ("SwapFree", 0),
                ];
                rows.iter().map(|(k, v)| format!("{:<16}{v:>8} kB\n", format!("{k}:"))).collect()
            }
            "/proc/version" => format!(
                "Linux version {release} (mockbuild@builder) (gcc (GCC) 11.4.1 20231218, GNU ld version 2.39) \
                 {version}\n"
            ),
            "/proc/cpuinfo" => (0..h.cpus)
                .map(|i| {
                    format!(
                        "processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum \
                         8259CL CPU @ 2.50GHz\ncpu MHz\t\t: 2499.998\ncpu cores\t: {}\n\n",
                        h.cpus.div_ceil(2)
                    )
                })
                .collect(),
            _ => return None,
        })
    }
}

pub(crate) fn hundredths(v: u32) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// Absolute, with `.` and `..` resolved.
fn normalize(cwd: &str, p: &str) -> String {
    let full = if p.starts_with('/') {
        p.to_owned()
    } else {
        format!("{cwd}/{p}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in full.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Shell pattern matching: `*`, `?`, `[...]` and backslash escapes.
pub(crate) fn glob_match(p: &[char], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            let step = match p[pi] {
                '*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                '?' => Some(1),
                '[' => match bracket(p, pi, s[si]) {
                    Some((true, next)) => Some(next - pi),
                    Some((false, _)) => None,
                    None => (s[si] == '[').then_some(1),
                },
                '\\' if pi + 1 < p.len() => (p[pi + 1] == s[si]).then_some(2),
                c => (c == s[si]).then_some(1),
            };
            if let Some(n) = step {
                pi += n;
                si += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A bracket expression at `p[i]`: whether it matches `c`, and where it ends.
fn bracket(p: &[char], i: usize, c: char) -> Option<(bool, usize)> {
    let mut j = i + 1;
    let negate = matches!(p.get(j), Some('!' | '^'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(j)?;
        if ch == ']' && !first {
            return Some((matched != negate, j + 1));
        }
        first = false;
        if ch == '[' && p.get(j + 1) == Some(&':') {
            let rest: String = p[j + 2..].iter().collect();
            let end = rest.find(":]")?;
            let class = &rest[..end];
            matched |= match class {
                "alpha" => c.is_alphabetic(),
                "digit" => c.is_ascii_digit(),
                "alnum" => c.is_alphanumeric(),
                "upper" => c.is_uppercase(),
                "lower" => c.is_lowercase(),
                "space" => c.is_whitespace(),
                "blank" => c == ' ' || c == '\t',
                "punct" => c.is_ascii_punctuation(),
                "xdigit" => c.is_ascii_hexdigit(),
                _ => false,
            };
            j += 2 + end + 2;
            continue;
        }
        if p.get(j + 1) == Some(&'-') && p.get(j + 2).is_some_and(|&e| e != ']') {
            let hi = p[j + 2];
            matched |= ch <= c && c <= hi;
            j += 3;
        } else {
            matched |= ch == c;
            j += 1;
        }
    }
}
