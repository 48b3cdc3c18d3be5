//! External commands: dispatch, and the plain ones (sleep, seq, ls, mkdir, touch, rm).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::{
    MAX_SLEEP_US, OUTPUT_CAP, SimPlatform,
    host::{LINUX_DIRS, MAC_DIRS, default_user},
    sh::echo::{echo_gnu, printf},
    sh::exec::{EXTERNAL_US, Input, Lookup, Out, Sh, parent},
    sh::text::c_tr,
    sh::usage::{bad_option, missing_operand},
    time::{strftime, tm},
    truncate_at,
};

impl Sh {
    /// An external command; `None` if it is not installed.
    pub(crate) fn external(
        &mut self,
        name: &str,
        args: &[String],
        inp: &mut Input,
        o: &mut Out,
    ) -> Option<i32> {
        if !self.has_command(name) {
            return None;
        }
        self.clock_us += EXTERNAL_US;
        Some(match name {
            "echo" => {
                echo_gnu(args, o);
                0
            }
            "printf" => match args.split_first() {
                None => {
                    o.err_line("printf: missing operand");
                    1
                }
                Some((fmt, rest)) => {
                    let (st, msgs) = printf(fmt, rest, &mut o.out);
                    for m in msgs {
                        o.err_line(&format!("printf: {m}"));
                    }
                    st
                }
            },
            "true" => 0,
            "false" => 1,
            "test" | "[" => self.builtin(name, args, inp, o).unwrap_or(2),
            "pwd" => {
                o.line(&self.cwd.clone());
                0
            }
            "hostname" => self.c_hostname(args, o),
            "uname" => self.c_uname(args, o),
            "whoami" => {
                o.line("root");
                0
            }
            "id" => self.c_id(args, o),
            "uptime" => self.c_uptime(args, o),
            "date" => self.c_date(args, o),
            "cat" => self.c_cat(args, inp, o),
            "df" => self.c_df(args, o),
            "free" => self.c_free(args, o),
            "ps" => {
                self.clock_us += 10_000;
                self.c_ps(args, o)
            }
            "sleep" => self.c_sleep(args, o),
            "seq" => self.c_seq(args, o),
            "grep" | "egrep" | "fgrep" => self.c_grep(name, args, inp, o),
            "head" | "tail" => self.c_head_tail(name, args, inp, o),
            "wc" => self.c_wc(args, inp, o),
            "sort" => self.c_sort(args, inp, o),
            "uniq" => self.c_uniq(args, inp, o),
            "tr" => c_tr(args, inp, o),
            "cut" => self.c_cut(args, inp, o),
            "tee" => self.c_tee(args, inp, o),
            "ls" => self.c_ls(args, o),
            "mkdir" => self.c_mkdir(args, o),
            "touch" => self.c_touch(args, o),
            "rm" => self.c_rm(args, o),
            "basename" => match args.iter().find(|a| !a.starts_with('-') || a.len() == 1) {
                None => missing_operand(o, "basename"),
                Some(p) => {
                    let trimmed = p.trim_end_matches('/');
                    let mut base = if trimmed.is_empty() && !p.is_empty() {
                        "/".to_owned()
                    } else {
                        trimmed.rsplit('/').next().unwrap_or("").to_owned()
                    };
                    let pos = args.iter().position(|a| a == p).unwrap_or(0);
                    if let Some(suffix) = args.get(pos + 1)
                        && base.len() > suffix.len()
                        && base.ends_with(suffix.as_str())
                    {
                        base.truncate(base.len() - suffix.len());
                    }
                    o.line(&base);
                    0
                }
            },
            "dirname" => {
                if args.is_empty() {
                    return Some(missing_operand(o, "dirname"));
                }
                for p in args {
                    let t = p.trim_end_matches('/');
                    let d = match t.rfind('/') {
                        None if p.starts_with('/') => "/",
                        None => ".",
                        Some(i) => {
                            let d = t[..i].trim_end_matches('/');
                            if d.is_empty() { "/" } else { d }
                        }
                    };
                    o.line(d);
                }
                0
            }
            "env" => {
                self.c_env(o);
                0
            }
            "printenv" => {
                if args.is_empty() {
                    self.c_env(o);
                    return Some(0);
                }
                let mut st = 0;
                for a in args {
                    match self.vars.get(a).filter(|v| v.exported) {
                        Some(v) => o.line(&v.value.clone()),
                        None => st = 1,
                    }
                }
                st
            }
            "which" => {
                let mut st = 0;
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    match self.command_path(a) {
                        Some(p) => o.line(&p),
                        None => {
                            st = 1;
                            if matches!(
                                self.host.platform,
                                SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9
                            ) {
                                let path = self.var("PATH").unwrap_or("").to_owned();
                                o.err_line(&format!("/usr/bin/which: no {a} in ({path})"));
                            }
                        }
                    }
                }
                st
            }
            "nproc" => {
                o.line(&self.host.cpus.to_string());
                0
            }
            "yes" => {
                let line = if args.is_empty() {
                    "y".to_owned()
                } else {
                    args.join(" ")
                } + "\n";
                let mut s = line.repeat(OUTPUT_CAP / line.len() + 1);
                truncate_at(&mut s, OUTPUT_CAP);
                o.out = s;
                0
            }
            "systemctl" => self.c_systemctl(args, o),
            "sw_vers" => {
                let rows = [
                    ("ProductName", "macOS"),
                    ("ProductVersion", "14.6.1"),
                    ("BuildVersion", "23G93"),
                ];
                match args.first().map(|a| a.trim_start_matches('-')) {
                    None => {
                        for (k, v) in rows {
                            o.line(&format!("{k}:\t\t{v}"));
                        }
                    }
                    Some(want) => match rows.iter().find(|(k, _)| k.eq_ignore_ascii_case(want)) {
                        Some((_, v)) => o.line(v),
                        None => {
                            o.err_line(
                                "usage: sw_vers [-productName|-productVersion|-buildVersion]",
                            );
                            return Some(1);
                        }
                    },
                }
                0
            }
            _ => return None,
        })
    }

    pub(crate) fn c_env(&self, o: &mut Out) {
        for (k, v) in &self.vars {
            if v.exported {
                o.line(&format!("{k}={}", v.value));
            }
        }
    }

    /// The contents of a filter's operands, or its standard input.
    pub(crate) fn inputs(
        &self,
        cmd: &str,
        files: &[String],
        inp: &mut Input,
        o: &mut Out,
        ok: &mut bool,
    ) -> Vec<(String, String)> {
        if files.is_empty() {
            return vec![("-".to_owned(), inp.rest().to_owned())];
        }
        let mut v = Vec::new();
        for f in files {
            if f == "-" {
                v.push(("-".to_owned(), inp.rest().to_owned()));
                continue;
            }
            match self.lookup(f) {
                Lookup::File(c) => v.push((f.clone(), c)),
                Lookup::Dir => {
                    o.err_line(&format!("{cmd}: {f}: Is a directory"));
                    *ok = false;
                }
                Lookup::Missing => {
                    o.err_line(&format!("{cmd}: {f}: No such file or directory"));
                    *ok = false;
                }
            }
        }
        v
    }

    fn c_sleep(&mut self, args: &[String], o: &mut Out) -> i32 {
        let args: Vec<&String> = args.iter().filter(|a| a.as_str() != "--").collect();
        if args.is_empty() {
            return missing_operand(o, "sleep");
        }
        let mut total = 0.0f64;
        for a in &args {
            let (num, mult) = match a.chars().last() {
                Some('s') => (&a[..a.len() - 1], 1.0),
                Some('m') => (&a[..a.len() - 1], 60.0),
                Some('h') => (&a[..a.len() - 1], 3600.0),
                Some('d') => (&a[..a.len() - 1], 86_400.0),
                _ => (a.as_str(), 1.0),
            };
            let v = match num {
                "inf" | "infinity" => f64::INFINITY,
                n if n.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && !n.is_empty()
                    && n != "." =>
                {
                    n.parse::<f64>().unwrap_or(-1.0)
                }
                _ => -1.0,
            };
            if v.is_nan() || v < 0.0 {
                o.err_line(&format!("sleep: invalid time interval '{a}'"));
                o.err_line("Try 'sleep --help' for more information.");
                return 1;
            }
            total += v * mult;
        }
        let us = (total * 1e6).min(MAX_SLEEP_US as f64) as u64;
        self.clock_us += us;
        0
    }

    fn c_seq(&self, args: &[String], o: &mut Out) -> i32 {
        let mut sep = "\n".to_owned();
        let mut equal_width = false;
        let mut nums: Vec<&String> = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let is_num = a.parse::<f64>().is_ok();
            match a.as_str() {
                "-s" => {
                    i += 1;
                    sep = args.get(i).cloned().unwrap_or_default();
                }
                "-w" | "--equal-width" => equal_width = true,
                s if s.starts_with("-s") => sep = s[2..].to_owned(),
                s if s.starts_with('-') && s.len() > 1 && !is_num => {
                    return bad_option(o, "seq", s, 1);
                }
                _ => nums.push(a),
            }
            i += 1;
        }
        if nums.is_empty() {
            return missing_operand(o, "seq");
        }
        if nums.len() > 3 {
            o.err_line(&format!("seq: extra operand '{}'", nums[3]));
            o.err_line("Try 'seq --help' for more information.");
            return 1;
        }
        let mut vals = Vec::new();
        for n in &nums {
            match n.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => vals.push(v),
                _ => {
                    o.err_line(&format!("seq: invalid floating point argument: '{n}'"));
                    o.err_line("Try 'seq --help' for more information.");
                    return 1;
                }
            }
        }
        let (first, incr, last) = match vals.as_slice() {
            [l] => (1.0, 1.0, *l),
            [f, l] => (*f, 1.0, *l),
            [f, i, l] => (*f, *i, *l),
            _ => return 1,
        };
        if incr == 0.0 {
            o.err_line(&format!("seq: invalid Zero increment value: '{}'", nums[1]));
            o.err_line("Try 'seq --help' for more information.");
            return 1;
        }
        let decimals = |s: &str| s.split_once('.').map_or(0, |(_, d)| d.len());
        let prec = if nums.len() == 1 {
            0
        } else {
            decimals(nums[0]).max(if nums.len() == 3 {
                decimals(nums[1])
            } else {
                0
            })
        };
        let fmt = |v: f64| format!("{v:.prec$}");
        let width = if equal_width {
            fmt(first).len().max(fmt(last).len())
        } else {
            0
        };
        let ints: Vec<i64> = nums
            .iter()
            .filter_map(|n| n.trim().parse::<i64>().ok())
            .collect();
        if ints.len() == nums.len() && width == 0 {
            // The common case, without floating point.
            let (first, incr, last) = match ints.as_slice() {
                [l] => (1, 1, *l),
                [f, l] => (*f, 1, *l),
                [f, i, l] => (*f, *i, *l),
                _ => return 1,
            };
            let mut v = first;
            let mut wrote = false;
            while ((incr > 0 && v <= last) || (incr < 0 && v >= last)) && !o.full() {
                if wrote {
                    o.out.push_str(&sep);
                }
                let _ = write!(o.out, "{v}");
                wrote = true;
                let Some(next) = v.checked_add(incr) else {
                    break;
                };
                v = next;
            }
            if wrote {
                o.out.push('\n');
            }
            return 0;
        }
        let mut k = 0u64;
        let mut wrote = false;
        loop {
            let v = first + incr * k as f64;
            if (incr > 0.0 && v > last + 1e-9) || (incr < 0.0 && v < last - 1e-9) || o.full() {
                break;
            }
            if wrote {
                o.out.push_str(&sep);
            }
            let s = fmt(v);
            if width > s.len() {
                let (sign, digits) = if let Some(d) = s.strip_prefix('-') {
                    ("-", d)
                } else {
                    ("", s.as_str())
                };
                let _ = write!(o.out, "{sign}{}{digits}", "0".repeat(width - s.len()));
            } else {
                o.out.push_str(&s);
            }
            wrote = true;
            k += 1;
        }
        if wrote {
            o.out.push('\n');
        }
        0
    }

    fn c_ls(&self, args: &[String], o: &mut Out) -> i32 {
        let (mut all, mut long) = (false, false);
        let mut paths = Vec::new();
        for a in args {
            if a.len() > 1 && a.starts_with('-') {
                for c in a[1..].chars() {
                    match c {
                        'a' | 'A' => all = true,
                        'l' => long = true,
                        '1' | 'h' | 'F' | 'd' | 't' | 'r' | 'S' | 'G' | 'p' => {}
                        _ => return bad_option(o, "ls", &format!("-{c}"), 2),
                    }
                }
            } else {
                paths.push(a.clone());
            }
        }
        if paths.is_empty() {
            paths.push(".".to_owned());
        }
        let mut st = 0;
        let mut dirs = Vec::new();
        for p in &paths {
            match self.lookup(p) {
                Lookup::Missing => {
                    o.err_line(&format!(
                        "ls: cannot access '{p}': No such file or directory"
                    ));
                    st = 2;
                }
                Lookup::File(c) => {
                    if long {
                        o.line(&self.ls_long(p, Some(c.len())));
                    } else {
                        o.line(p);
                    }
                }
                Lookup::Dir => dirs.push(p.clone()),
            }
        }
        let many = paths.len() > 1;
        for (k, d) in dirs.iter().enumerate() {
            if many {
                if k > 0 || paths.len() > dirs.len() {
                    o.out.push('\n');
                }
                o.line(&format!("{d}:"));
            }
            let abs = self.resolve(d);
            let mut names = self.children(&abs);
            if all {
                names.insert(0, (".".to_owned(), None));
                names.insert(1, ("..".to_owned(), None));
            }
            if long {
                o.line(&format!("total {}", names.len() * 4));
            }
            for (name, size) in names {
                if long {
                    o.line(&self.ls_long(&name, size));
                } else {
                    o.line(&name);
                }
            }
        }
        st
    }

    /// Entries of a directory: names, and sizes of files.
    fn children(&self, dir: &str) -> Vec<(String, Option<usize>)> {
        let mut out: BTreeMap<String, Option<usize>> = BTreeMap::new();
        let known: &[&str] = if self.host.is_mac() {
            MAC_DIRS
        } else {
            LINUX_DIRS
        };
        let user_home = format!("/home/{}", default_user(self.host.platform));
        let dirs = known
            .iter()
            .map(|d| (*d).to_owned())
            .chain(self.made_dirs.iter().cloned())
            .chain([user_home]);
        for d in dirs {
            if d != "/" && parent(&d) == dir && self.is_dir(&d) {
                out.insert(d.rsplit('/').next().unwrap_or("").to_owned(), None);
            }
        }
        const SYSTEM_FILES: &[&str] = &[
            "/etc/os-release",
            "/etc/hostname",
            "/etc/hosts",
            "/etc/machine-id",
            "/etc/system-release",
            "/etc/redhat-release",
            "/etc/debian_version",
            "/etc/lsb-release",
            "/etc/passwd",
            "/etc/shells",
            "/proc/uptime",
            "/proc/loadavg",
            "/proc/meminfo",
            "/proc/version",
            "/proc/cpuinfo",
        ];
        for f in SYSTEM_FILES {
            if parent(f) == dir
                && !self.removed.contains(*f)
                && let Some(c) = self.system_file(f)
            {
                out.insert(f.rsplit('/').next().unwrap_or("").to_owned(), Some(c.len()));
            }
        }
        for (f, c) in &self.files {
            if parent(f) == dir {
                out.insert(f.rsplit('/').next().unwrap_or("").to_owned(), Some(c.len()));
            }
        }
        out.into_iter().collect()
    }

    fn ls_long(&self, name: &str, size: Option<usize>) -> String {
        let when = strftime("%b %e %H:%M", &tm(self.host.boot_ms));
        match size {
            Some(s) => format!("-rw-r--r-- 1 root root {s:>5} {when} {name}"),
            None => format!("drwxr-xr-x 2 root root  4096 {when} {name}"),
        }
    }

    fn c_mkdir(&mut self, args: &[String], o: &mut Out) -> i32 {
        let parents = args.iter().any(|a| a == "-p" || a == "--parents");
        let mut st = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = self.resolve(a);
            if !matches!(self.lookup(&path), Lookup::Missing) {
                if !parents {
                    o.err_line(&format!(
                        "mkdir: cannot create directory '{a}': File exists"
                    ));
                    st = 1;
                }
                continue;
            }
            if !self.is_dir(parent(&path)) && !parents {
                o.err_line(&format!(
                    "mkdir: cannot create directory '{a}': No such file or directory"
                ));
                st = 1;
                continue;
            }
            let mut p = path.clone();
            while p != "/" && !self.is_dir(&p) {
                self.removed.remove(&p);
                self.made_dirs.insert(p.clone());
                p = parent(&p).to_owned();
            }
        }
        st
    }

    fn c_touch(&mut self, args: &[String], o: &mut Out) -> i32 {
        let mut st = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = self.resolve(a);
            if !matches!(self.lookup(&path), Lookup::Missing) {
                continue;
            }
            if self.is_dir(parent(&path)) {
                self.store_file(&path, "", false);
            } else {
                o.err_line(&format!(
                    "touch: cannot touch '{a}': No such file or directory"
                ));
                st = 1;
            }
        }
        st
    }

    fn c_rm(&mut self, args: &[String], o: &mut Out) -> i32 {
        let (mut force, mut recursive) = (false, false);
        for a in args.iter().filter(|a| a.len() > 1 && a.starts_with('-')) {
            for c in a[1..].chars() {
                match c {
                    'f' => force = true,
                    'r' | 'R' => recursive = true,
                    'v' | 'i' | 'd' => {}
                    _ => return bad_option(o, "rm", &format!("-{c}"), 1),
                }
            }
        }
        let mut st = 0;
        for a in args.iter().filter(|a| !a.starts_with('-') || a.len() == 1) {
            let path = self.resolve(a);
            match self.lookup(&path) {
                Lookup::Missing => {
                    if !force {
                        o.err_line(&format!(
                            "rm: cannot remove '{a}': No such file or directory"
                        ));
                        st = 1;
                    }
                }
                Lookup::File(_) => {
                    self.files.remove(&path);
                    self.removed.insert(path);
                }
                Lookup::Dir if !recursive => {
                    o.err_line(&format!("rm: cannot remove '{a}': Is a directory"));
                    st = 1;
                }
                Lookup::Dir if path == "/" => {
                    o.err_line("rm: it is dangerous to operate recursively on '/'");
                    o.err_line("rm: use --no-preserve-root to override this failsafe");
                    st = 1;
                }
                Lookup::Dir => {
                    let prefix = format!("{path}/");
                    self.files.retain(|k, _| !k.starts_with(&prefix));
                    self.made_dirs
                        .retain(|k| k != &path && !k.starts_with(&prefix));
                    self.removed.insert(path);
                }
            }
        }
        st
    }
}
