//! sh builtins: cd, export, set, read, test, eval, command, type and the rest.

use crate::{
    MAX_NEST, OUTPUT_CAP,
    sh::echo::{echo_dash, printf},
    sh::exec::{BUILTIN_US, EXTERNAL_US, Ex, Flow, Input, Io, Lookup, Out, Sh, ShVar},
    sh::parse::{Cmd, is_name},
    truncate_at,
};

/// dash's builtins, for `type` and `command -v`.
const BUILTINS: &[&str] = &[
    ".", ":", "[", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval", "exec",
    "exit", "export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local", "printf",
    "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type",
    "ulimit", "umask", "unalias", "unset", "wait",
];
const SPECIAL_BUILTINS: &[&str] = &[
    ".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "trap", "unset",
];

/// Commands found on a Linux node's PATH.
const LINUX_COMMANDS: &[&str] = &[
    "[",
    "basename",
    "bash",
    "cat",
    "cut",
    "date",
    "df",
    "dirname",
    "echo",
    "egrep",
    "env",
    "false",
    "fgrep",
    "free",
    "grep",
    "head",
    "hostname",
    "id",
    "ls",
    "mkdir",
    "nproc",
    "printenv",
    "printf",
    "ps",
    "pwd",
    "rm",
    "seq",
    "sh",
    "sleep",
    "sort",
    "systemctl",
    "tail",
    "tee",
    "test",
    "touch",
    "tr",
    "true",
    "uname",
    "uniq",
    "uptime",
    "wc",
    "which",
    "whoami",
    "yes",
];
/// Commands found on a macOS node's PATH.
const MAC_COMMANDS: &[&str] = &[
    "[", "basename", "bash", "cat", "cut", "date", "df", "dirname", "echo", "egrep", "env",
    "false", "fgrep", "grep", "head", "hostname", "id", "ls", "mkdir", "printenv", "printf", "ps",
    "pwd", "rm", "seq", "sh", "sleep", "sort", "sw_vers", "tail", "tee", "test", "touch", "tr",
    "true", "uname", "uniq", "uptime", "wc", "which", "whoami", "yes",
];

/// Quotes a value as `set` and `export -p` print it.
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

impl Sh {
    pub(crate) fn dispatch(&mut self, argv: &[String], inp: &mut Input, io: Io) -> Ex {
        if let Some(body) = self.funcs.get(&argv[0]).cloned() {
            return self.call_function(&body, argv, inp, io);
        }
        self.run_command(argv, inp, io)
    }

    fn call_function(&mut self, body: &Cmd, argv: &[String], inp: &mut Input, io: Io) -> Ex {
        if self.depth >= MAX_NEST {
            self.say(io.err, &format!("{}: function nesting too deep", argv[0]));
            return Err(Flow::Exit(2));
        }
        self.depth += 1;
        self.clock_us += BUILTIN_US;
        let args = std::mem::replace(&mut self.args, argv[1..].to_vec());
        let loops = std::mem::replace(&mut self.loops, 0);
        self.locals.push(Vec::new());
        let r = self.run_cmd(body, inp, io);
        if let Some(frame) = self.locals.pop() {
            for (name, old) in frame.into_iter().rev() {
                match old {
                    Some(v) => self.vars.insert(name, v),
                    None => self.vars.remove(&name),
                };
            }
        }
        self.loops = loops;
        self.args = args;
        self.depth -= 1;
        match r {
            Err(Flow::Return(s)) => Ok(s),
            r => r,
        }
    }

    pub(crate) fn has_command(&self, name: &str) -> bool {
        if self.host.is_mac() {
            MAC_COMMANDS.contains(&name)
        } else {
            LINUX_COMMANDS.contains(&name)
        }
    }

    /// Where an external command lives.
    pub(crate) fn command_path(&self, name: &str) -> Option<String> {
        if !self.has_command(name) {
            return None;
        }
        let dir = if self.host.is_mac() {
            const BIN: &[&str] = &[
                "[", "bash", "cat", "date", "df", "echo", "hostname", "ls", "mkdir", "ps", "pwd",
                "rm", "sh", "sleep", "test",
            ];
            if BIN.contains(&name) {
                "/bin"
            } else {
                "/usr/bin"
            }
        } else {
            "/usr/bin"
        };
        Some(format!("{dir}/{name}"))
    }

    /// Runs a builtin or external command (functions are looked up before).
    fn run_command(&mut self, argv: &[String], inp: &mut Input, io: Io) -> Ex {
        let name = argv[0].as_str();
        let args = &argv[1..];
        match name {
            "exit" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<u64>() {
                        Ok(n) if a.bytes().all(|b| b.is_ascii_digit()) => (n & 255) as i32,
                        _ => {
                            self.say(io.err, &format!("exit: Illegal number: {a}"));
                            2
                        }
                    },
                };
                return Err(Flow::Exit(code));
            }
            "return" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<u64>() {
                        Ok(n) => (n & 255) as i32,
                        Err(_) => {
                            self.say(io.err, &format!("return: Illegal number: {a}"));
                            return Err(Flow::Exit(2));
                        }
                    },
                };
                return Err(if self.locals.is_empty() {
                    Flow::Exit(code)
                } else {
                    Flow::Return(code)
                });
            }
            "break" | "continue" => {
                let n = match args.first() {
                    None => 1,
                    Some(a) => match a.parse::<u32>() {
                        Ok(n) if n > 0 => n,
                        _ => {
                            self.say(io.err, &format!("{name}: Illegal number: {a}"));
                            return Err(Flow::Exit(2));
                        }
                    },
                };
                if self.loops == 0 {
                    return Ok(0);
                }
                let n = n.min(self.loops);
                return Err(if name == "break" {
                    Flow::Break(n)
                } else {
                    Flow::Continue(n)
                });
            }
            "eval" => {
                if args.is_empty() {
                    return Ok(0);
                }
                let src: Vec<char> = args.join(" ").chars().collect();
                return self.nested(io, |sh| sh.run_source(&src, sh.line, io, "eval: "));
            }
            "." => {
                let Some(file) = args.first() else {
                    self.say(io.err, ".: .: not enough arguments");
                    return Err(Flow::Exit(2));
                };
                let Lookup::File(text) = self.lookup(file) else {
                    self.say(io.err, &format!(".: cannot open {file}: No such file"));
                    return Err(Flow::Exit(2));
                };
                let src: Vec<char> = text.chars().collect();
                return self.nested(io, |sh| sh.run_source(&src, 1, io, ""));
            }
            "exec" => {
                if args.is_empty() {
                    return Ok(0);
                }
                let st = self.run_command(args, inp, io)?;
                return Err(Flow::Exit(st));
            }
            "command" => return self.b_command(args, inp, io),
            "set" => return self.b_set(args, io),
            "local" if self.locals.is_empty() => {
                self.say(io.err, "local: not in a function");
                return Err(Flow::Exit(2));
            }
            "shift" => {
                let n = match args.first().map(|a| a.parse::<usize>()) {
                    None => 1,
                    Some(Ok(n)) => n,
                    Some(Err(_)) => {
                        self.say(io.err, &format!("shift: Illegal number: {}", args[0]));
                        return Err(Flow::Exit(2));
                    }
                };
                if n > self.args.len() {
                    self.say(io.err, "shift: can't shift that many");
                    return Err(Flow::Exit(2));
                }
                self.args.drain(..n);
                return Ok(0);
            }
            _ => {}
        }
        let base = match name.rsplit_once('/') {
            Some((dir, base))
                if matches!(dir, "/bin" | "/usr/bin" | "/sbin" | "/usr/sbin")
                    && self.command_path(base).is_some() =>
            {
                base
            }
            Some(_) => "",
            None => name,
        };
        if base == "sh" || base == "bash" {
            self.clock_us += EXTERNAL_US;
            return self.b_sh(args, inp, io);
        }
        if base == "env" && !args.is_empty() {
            self.clock_us += EXTERNAL_US;
            return self.b_env(args, inp, io);
        }
        let mut o = Out::default();
        let status = if let Some(st) = (base == name)
            .then(|| self.builtin(name, args, inp, &mut o))
            .flatten()
        {
            self.clock_us += BUILTIN_US;
            st
        } else if let Some(st) = (!base.is_empty())
            .then(|| self.external(base, args, inp, &mut o))
            .flatten()
        {
            st
        } else {
            self.clock_us += BUILTIN_US;
            if name.contains('/') && matches!(self.lookup(name), Lookup::Dir) {
                o.err = format!("sh: {}: {name}: Permission denied\n", self.line);
                126
            } else {
                o.err = format!("sh: {}: {name}: not found\n", self.line);
                127
            }
        };
        truncate_at(&mut o.out, OUTPUT_CAP);
        self.write(io.out, &o.out);
        self.write(io.err, &o.err);
        Ok(status)
    }

    /// Runs `f` one level deeper (eval, `.`, `sh -c`), within the nesting limit.
    fn nested(&mut self, io: Io, f: impl FnOnce(&mut Self) -> Ex) -> Ex {
        if self.depth >= MAX_NEST {
            self.say(io.err, "nesting too deep");
            return Err(Flow::Exit(2));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn b_command(&mut self, args: &[String], inp: &mut Input, io: Io) -> Ex {
        let mut i = 0;
        let mut mode = None;
        while let Some(a) = args.get(i) {
            match a.as_str() {
                "-v" | "-V" => mode = Some(a.clone()),
                "-p" => {}
                "--" => {
                    i += 1;
                    break;
                }
                _ => break,
            }
            i += 1;
        }
        let rest = &args[i..];
        let Some(first) = rest.first() else {
            return Ok(0);
        };
        match mode.as_deref() {
            Some("-v") => {
                let line = if BUILTINS.contains(&first.as_str()) || self.funcs.contains_key(first) {
                    Some(first.clone())
                } else {
                    self.command_path(first)
                };
                match line {
                    Some(l) => {
                        self.write(io.out, &format!("{l}\n"));
                        Ok(0)
                    }
                    None => Ok(127),
                }
            }
            Some(_) => {
                let mut o = Out::default();
                let st = self.b_type(std::slice::from_ref(first), &mut o);
                self.write(io.out, &o.out);
                Ok(st)
            }
            None => self.run_command(rest, inp, io),
        }
    }

    fn b_set(&mut self, args: &[String], io: Io) -> Ex {
        self.clock_us += BUILTIN_US;
        if args.is_empty() {
            let listing: String = self
                .vars
                .iter()
                .map(|(k, v)| format!("{k}={}\n", sh_quote(&v.value)))
                .collect();
            self.write(io.out, &listing);
            return Ok(0);
        }
        let mut i = 0;
        while let Some(a) = args.get(i) {
            if a == "--" {
                self.args = args[i + 1..].to_vec();
                return Ok(0);
            }
            let on = a.starts_with('-');
            if !(on || a.starts_with('+')) || a.len() < 2 {
                self.args = args[i..].to_vec();
                return Ok(0);
            }
            for c in a[1..].chars() {
                let ok = match c {
                    'e' => {
                        self.errexit = on;
                        true
                    }
                    'u' => {
                        self.nounset = on;
                        true
                    }
                    'x' => {
                        self.xtrace = on;
                        true
                    }
                    'o' => {
                        i += 1;
                        let Some(opt) = args.get(i) else {
                            let listing = format!(
                                "Current option settings\nerrexit\t\t{}\nnounset\t\t{}\nxtrace\t\t{}\n",
                                onoff(self.errexit),
                                onoff(self.nounset),
                                onoff(self.xtrace)
                            );
                            self.write(io.out, &listing);
                            return Ok(0);
                        };
                        match opt.as_str() {
                            "errexit" => self.errexit = on,
                            "nounset" => self.nounset = on,
                            "xtrace" => self.xtrace = on,
                            "pipefail" if self.host.sh_is_bash() => self.pipefail = on,
                            "noglob" | "verbose" | "noclobber" | "allexport" | "notify"
                            | "noexec" | "ignoreeof" | "monitor" | "vi" | "emacs" | "nolog"
                            | "debug" => {}
                            _ => {
                                self.say(io.err, &format!("set: Illegal option -o {opt}"));
                                return Err(Flow::Exit(2));
                            }
                        }
                        true
                    }
                    'a' | 'b' | 'C' | 'f' | 'h' | 'm' | 'n' | 'v' => true,
                    _ => false,
                };
                if !ok {
                    self.say(io.err, &format!("set: Illegal option -{c}"));
                    return Err(Flow::Exit(2));
                }
            }
            i += 1;
        }
        Ok(0)
    }

    /// `sh -c 'script'`, `sh file`, or a script on standard input.
    fn b_sh(&mut self, args: &[String], inp: &mut Input, io: Io) -> Ex {
        let mut i = 0;
        let mut flags = Vec::new();
        let mut command = false;
        while let Some(a) = args.get(i) {
            if a == "-c" {
                command = true;
            } else if a.starts_with('-') && a.len() > 1 && a != "--" {
                flags.extend(a[1..].chars().filter(|&c| c != 'c'));
                command |= a.contains('c');
            } else {
                break;
            }
            i += 1;
        }
        let rest = &args[i..];
        let (text, positional) = if command {
            let Some(t) = rest.first() else {
                self.write(io.err, "sh: 0: -c requires an argument\n");
                return Ok(2);
            };
            (t.clone(), rest.get(2..).unwrap_or(&[]).to_vec())
        } else if let Some(file) = rest.first() {
            match self.lookup(file) {
                Lookup::File(t) => (t, rest[1..].to_vec()),
                _ => {
                    self.write(
                        io.err,
                        &format!("sh: 0: cannot open {file}: No such file\n"),
                    );
                    return Ok(2);
                }
            }
        } else {
            (inp.rest().to_owned(), Vec::new())
        };
        let src: Vec<char> = text.chars().collect();
        self.nested(io, |sh| {
            sh.subshell(|sh| {
                sh.vars.retain(|_, v| v.exported);
                sh.vars.insert(
                    "IFS".to_owned(),
                    ShVar {
                        value: " \t\n".to_owned(),
                        exported: false,
                    },
                );
                sh.funcs.clear();
                sh.args = positional;
                (sh.errexit, sh.nounset, sh.xtrace) = (
                    flags.contains(&'e'),
                    flags.contains(&'u'),
                    flags.contains(&'x'),
                );
                sh.run_source(&src, 1, io, "")
            })
        })
    }

    /// `env NAME=value... command args...`.
    fn b_env(&mut self, args: &[String], inp: &mut Input, io: Io) -> Ex {
        let mut saved = Vec::new();
        let mut i = 0;
        while let Some((k, v)) = args.get(i).and_then(|a| a.split_once('=')) {
            let old = self.vars.insert(
                k.to_owned(),
                ShVar {
                    value: v.to_owned(),
                    exported: true,
                },
            );
            saved.push((k.to_owned(), old));
            i += 1;
        }
        let r = if i < args.len() {
            let rest = &args[i..];
            if self.command_path(&rest[0]).is_some() || BUILTINS.contains(&rest[0].as_str()) {
                self.run_command(rest, inp, io)
            } else {
                self.write(
                    io.err,
                    &format!("env: '{}': No such file or directory\n", rest[0]),
                );
                Ok(127)
            }
        } else {
            let mut o = Out::default();
            self.c_env(&mut o);
            self.write(io.out, &o.out);
            Ok(0)
        };
        for (k, old) in saved.into_iter().rev() {
            match old {
                Some(v) => self.vars.insert(k, v),
                None => self.vars.remove(&k),
            };
        }
        r
    }

    /// Builtins without control flow; `None` if `name` is not one.
    pub(crate) fn builtin(
        &mut self,
        name: &str,
        args: &[String],
        inp: &mut Input,
        o: &mut Out,
    ) -> Option<i32> {
        let line = self.line;
        let err = |o: &mut Out, msg: &str| o.err_line(&format!("sh: {line}: {name}: {msg}"));
        Some(match name {
            "echo" => {
                echo_dash(args, o);
                0
            }
            "printf" => match args.split_first() {
                None => {
                    err(o, "usage: printf format [arg ...]");
                    2
                }
                Some((fmt, rest)) => {
                    let (st, msgs) = printf(fmt, rest, &mut o.out);
                    for m in msgs {
                        err(o, &m);
                    }
                    st
                }
            },
            "true" | ":" => 0,
            "false" => 1,
            "pwd" => {
                o.line(&self.cwd.clone());
                0
            }
            "cd" => {
                let target = match args.iter().find(|a| !matches!(a.as_str(), "-L" | "-P")) {
                    None => self.var("HOME").unwrap_or("/").to_owned(),
                    Some(a) if a == "-" => match self.var("OLDPWD") {
                        Some(d) => d.to_owned(),
                        None => {
                            err(o, "OLDPWD not set");
                            return Some(2);
                        }
                    },
                    Some(a) => a.clone(),
                };
                let path = self.resolve(&target);
                if !self.is_dir(&path) {
                    err(o, &format!("can't cd to {target}"));
                    return Some(2);
                }
                if args.first().is_some_and(|a| a == "-") {
                    o.line(&path);
                }
                let old = std::mem::replace(&mut self.cwd, path.clone());
                self.set_var("OLDPWD", old);
                self.set_var("PWD", path);
                0
            }
            "export" | "readonly" => {
                let export = name == "export";
                let names: Vec<&String> = args.iter().filter(|a| a.as_str() != "-p").collect();
                if names.is_empty() {
                    for (k, v) in &self.vars {
                        if !export || v.exported {
                            o.line(&format!("{name} {k}={}", sh_quote(&v.value)));
                        }
                    }
                    return Some(0);
                }
                for a in names {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k, Some(v.to_owned())),
                        None => (a.as_str(), None),
                    };
                    if !is_name(k) {
                        err(o, &format!("{k}: bad variable name"));
                        return Some(2);
                    }
                    let entry = self.vars.entry(k.to_owned()).or_insert(ShVar {
                        value: String::new(),
                        exported: false,
                    });
                    if let Some(v) = v {
                        entry.value = v;
                    }
                    entry.exported |= export;
                }
                0
            }
            "unset" => {
                let funcs = args.first().is_some_and(|a| a == "-f");
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    if funcs {
                        self.funcs.remove(a);
                    } else {
                        self.vars.remove(a);
                    }
                }
                0
            }
            "local" => {
                if self.locals.is_empty() {
                    err(o, "not in a function");
                    return Some(2);
                }
                for a in args {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                        None => (a.clone(), None),
                    };
                    let old = self.vars.get(&k).cloned();
                    if let Some(frame) = self.locals.last_mut() {
                        frame.push((k.clone(), old));
                    }
                    if let Some(v) = v {
                        self.set_var(&k, v);
                    }
                }
                0
            }
            "read" => self.b_read(args, inp),
            "test" | "[" => {
                let mut words: Vec<&str> = args.iter().map(String::as_str).collect();
                if name == "[" {
                    if words.last() != Some(&"]") {
                        err(o, "missing ]");
                        return Some(2);
                    }
                    words.pop();
                }
                match self.test(&words) {
                    Ok(b) => i32::from(!b),
                    Err(msg) => {
                        err(o, &msg);
                        2
                    }
                }
            }
            "type" => self.b_type(args, o),
            "trap" => {
                if args.is_empty() {
                    if let Some(t) = &self.exit_trap {
                        o.line(&format!("trap -- {} EXIT", sh_quote(t)));
                    }
                    return Some(0);
                }
                let (action, sigs) = (&args[0], &args[1..]);
                for s in sigs {
                    match s.trim_start_matches("SIG") {
                        "EXIT" | "0" => {
                            self.exit_trap = (action != "-").then(|| action.clone());
                        }
                        "HUP" | "INT" | "QUIT" | "TERM" | "USR1" | "USR2" | "PIPE" | "ALRM"
                        | "CHLD" | "1" | "2" | "3" | "15" => {}
                        _ => {
                            err(o, &format!("{s}: bad trap"));
                            return Some(1);
                        }
                    }
                }
                0
            }
            "wait" => {
                self.clock_us = self.clock_us.max(self.bg_until_us);
                0
            }
            "umask" => {
                if args.is_empty() {
                    o.line("0022");
                }
                0
            }
            "ulimit" => {
                o.line("unlimited");
                0
            }
            _ => return None,
        })
    }

    fn b_type(&self, args: &[String], o: &mut Out) -> i32 {
        let mut st = 0;
        for a in args {
            let s = a.as_str();
            if self.funcs.contains_key(s) {
                o.line(&format!("{s} is a shell function"));
            } else if SPECIAL_BUILTINS.contains(&s) {
                o.line(&format!("{s} is a special shell builtin"));
            } else if BUILTINS.contains(&s) {
                o.line(&format!("{s} is a shell builtin"));
            } else if let Some(p) = self.command_path(s) {
                o.line(&format!("{s} is {p}"));
            } else {
                o.line(&format!("{s}: not found"));
                st = 127;
            }
        }
        st
    }

    fn b_read(&mut self, args: &[String], inp: &mut Input) -> i32 {
        let mut raw = false;
        let mut names = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-r" => raw = true,
                "-p" => {
                    it.next();
                }
                _ => names.push(a.clone()),
            }
        }
        if names.is_empty() {
            names.push("REPLY".to_owned());
        }
        let Some((first, mut complete)) = inp.line() else {
            for n in &names {
                self.set_var(n, String::new());
            }
            return 1;
        };
        let mut line = first.to_owned();
        if !raw {
            while complete && line.ends_with('\\') {
                line.pop();
                match inp.line() {
                    Some((next, c)) => {
                        line.push_str(next);
                        complete = c;
                    }
                    None => complete = false,
                }
            }
            let mut unescaped = String::new();
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        unescaped.push(n);
                    }
                } else {
                    unescaped.push(c);
                }
            }
            line = unescaped;
        }
        let ifs = self.var("IFS").unwrap_or(" \t\n").to_owned();
        let is_ifs = |c: char| ifs.contains(c);
        let mut rest = line.trim_start_matches(is_ifs);
        for (i, n) in names.iter().enumerate() {
            if i + 1 == names.len() {
                let v = rest.trim_end_matches(is_ifs).to_owned();
                self.set_var(n, v);
            } else {
                let end = rest.find(is_ifs).unwrap_or(rest.len());
                let v = rest[..end].to_owned();
                rest = rest[end..].trim_start_matches(is_ifs);
                self.set_var(n, v);
            }
        }
        i32::from(!complete)
    }

    /// `test`: the POSIX rules by argument count, then a general parser.
    fn test(&self, a: &[&str]) -> Result<bool, String> {
        match a.len() {
            0 => Ok(false),
            1 => Ok(!a[0].is_empty()),
            2 if a[0] == "!" => Ok(a[1].is_empty()),
            2 => self.test_unary(a[0], a[1]),
            3 if is_test_binary(a[1]) => self.test_binary(a[0], a[1], a[2]),
            3 if a[0] == "!" => self.test(&a[1..]).map(|b| !b),
            3 if a[0] == "(" && a[2] == ")" => Ok(!a[1].is_empty()),
            4 if a[0] == "!" => self.test(&a[1..]).map(|b| !b),
            _ => {
                let mut pos = 0;
                let v = self.test_or(a, &mut pos, 0)?;
                if pos != a.len() {
                    return Err(format!("{}: unexpected operator", a[pos]));
                }
                Ok(v)
            }
        }
    }

    fn test_or(&self, a: &[&str], pos: &mut usize, depth: usize) -> Result<bool, String> {
        let mut v = self.test_and(a, pos, depth)?;
        while a.get(*pos) == Some(&"-o") {
            *pos += 1;
            let r = self.test_and(a, pos, depth)?;
            v = v || r;
        }
        Ok(v)
    }

    fn test_and(&self, a: &[&str], pos: &mut usize, depth: usize) -> Result<bool, String> {
        let mut v = self.test_not(a, pos, depth)?;
        while a.get(*pos) == Some(&"-a") {
            *pos += 1;
            let r = self.test_not(a, pos, depth)?;
            v = v && r;
        }
        Ok(v)
    }

    fn test_not(&self, a: &[&str], pos: &mut usize, depth: usize) -> Result<bool, String> {
        if depth > 100 {
            return Err("expression too complex".to_owned());
        }
        match a.get(*pos) {
            Some(&"!") => {
                *pos += 1;
                self.test_not(a, pos, depth + 1).map(|b| !b)
            }
            Some(&"(") => {
                *pos += 1;
                let v = self.test_or(a, pos, depth + 1)?;
                if a.get(*pos) != Some(&")") {
                    return Err("closing paren expected".to_owned());
                }
                *pos += 1;
                Ok(v)
            }
            Some(x)
                if a.get(*pos + 1).is_some_and(|op| is_test_binary(op))
                    && a.get(*pos + 2).is_some() =>
            {
                let v = self.test_binary(x, a[*pos + 1], a[*pos + 2])?;
                *pos += 3;
                Ok(v)
            }
            Some(x) if x.starts_with('-') && x.len() == 2 && a.get(*pos + 1).is_some() => {
                let v = self.test_unary(x, a[*pos + 1])?;
                *pos += 2;
                Ok(v)
            }
            Some(x) => {
                *pos += 1;
                Ok(!x.is_empty())
            }
            None => Err("argument expected".to_owned()),
        }
    }

    fn test_unary(&self, op: &str, v: &str) -> Result<bool, String> {
        let file = || self.lookup(v);
        Ok(match op {
            "-n" => !v.is_empty(),
            "-z" => v.is_empty(),
            "-e" | "-r" | "-w" => !matches!(file(), Lookup::Missing),
            "-f" => matches!(file(), Lookup::File(_)),
            "-d" => matches!(file(), Lookup::Dir),
            "-s" => {
                matches!(file(), Lookup::File(c) if !c.is_empty()) || matches!(file(), Lookup::Dir)
            }
            "-x" => {
                matches!(file(), Lookup::Dir)
                    || v.rsplit_once('/').is_some_and(|(d, b)| {
                        self.command_path(b)
                            .is_some_and(|p| p == format!("{d}/{b}"))
                    })
            }
            "-L" | "-h" | "-b" | "-c" | "-p" | "-S" | "-t" | "-g" | "-u" | "-k" | "-G" | "-O" => {
                false
            }
            _ => return Err(format!("{op}: unexpected operator")),
        })
    }

    fn test_binary(&self, l: &str, op: &str, r: &str) -> Result<bool, String> {
        let num = |s: &str| -> Result<i64, String> {
            s.trim()
                .parse::<i64>()
                .map_err(|_| format!("Illegal number: {s}"))
        };
        Ok(match op {
            "=" | "==" => l == r,
            "!=" => l != r,
            "<" => l < r,
            ">" => l > r,
            "-eq" => num(l)? == num(r)?,
            "-ne" => num(l)? != num(r)?,
            "-lt" => num(l)? < num(r)?,
            "-le" => num(l)? <= num(r)?,
            "-gt" => num(l)? > num(r)?,
            "-ge" => num(l)? >= num(r)?,
            _ => false,
        })
    }
}

fn onoff(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn is_test_binary(op: &str) -> bool {
    matches!(
        op,
        "=" | "=="
            | "!="
            | "<"
            | ">"
            | "-eq"
            | "-ne"
            | "-lt"
            | "-le"
            | "-gt"
            | "-ge"
            | "-nt"
            | "-ot"
            | "-ef"
    )
}
