//! The PowerShell interpreter: statements, pipelines, expressions, operators and values.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use regex::RegexBuilder;

use crate::{
    ABORT_STATUS, BYTES_PER_UNIT, OUTPUT_CAP, SimPlatform, WORK_LIMIT, floor_boundary,
    host::Host,
    ps::cmdlets::win_pid,
    ps::parse::{
        Kind, PCmd, PElem, PExpr, PParser, PPipe, PS_MAX_ITEMS, PS_MAX_NEST, PStmt, PsObj, V,
        XPart, obj, ps_lex, value_size,
    },
    sh::exec::glob_match,
    time::{MONTHS, WEEKDAYS, tm},
    truncate_at,
};

/// Simulated cost of starting powershell.exe and of a cmdlet.
const PS_START_US: u64 = 350_000;
pub(crate) const CMDLET_US: u64 = 4_000;

pub(crate) enum PFlow {
    Exit(i32),
    /// A terminating error (already reported): the script stops with 1.
    Stop,
    /// The work budget ran out.
    Abort,
}

pub(crate) type PsRes<T> = Result<T, PFlow>;

/// A running PowerShell.
pub(crate) struct Ps {
    pub(crate) host: Host,
    pub(crate) lines: Vec<String>,
    pub(crate) vars: BTreeMap<String, V>,
    /// Environment, by upper-case name: (name, value).
    env: BTreeMap<String, (String, String)>,
    pub(crate) cwd: String,
    pub(crate) out: String,
    pub(crate) err: String,
    pub(crate) clock_us: u64,
    work: u64,
    depth: usize,
    /// `-ErrorAction` of the command running now.
    pub(crate) error_action: Option<String>,
    pub(crate) last_ok: bool,
}

/// `Monday, November 23, 2026 8:35:01 PM` and the rest of .NET's en-US formats.
pub(crate) fn dotnet_format(fmt: &str, ms: i64) -> String {
    let t = tm(ms);
    let standard = match fmt {
        "d" => Some("M/d/yyyy"),
        "D" => Some("dddd, MMMM d, yyyy"),
        "f" => Some("dddd, MMMM d, yyyy h:mm tt"),
        "F" | "U" => Some("dddd, MMMM d, yyyy h:mm:ss tt"),
        "g" => Some("M/d/yyyy h:mm tt"),
        "G" => Some("M/d/yyyy h:mm:ss tt"),
        "m" | "M" => Some("MMMM d"),
        "o" | "O" => Some("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"),
        "r" | "R" => Some("ddd, dd MMM yyyy HH':'mm':'ss 'GMT'"),
        "s" => Some("yyyy'-'MM'-'dd'T'HH':'mm':'ss"),
        "t" => Some("h:mm tt"),
        "T" => Some("h:mm:ss tt"),
        "u" => Some("yyyy'-'MM'-'dd HH':'mm':'ss'Z'"),
        "y" | "Y" => Some("MMMM yyyy"),
        _ => None,
    };
    let fmt: Vec<char> = standard.unwrap_or(fmt).chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        let mut n = 1;
        while i + n < fmt.len() && fmt[i + n] == c {
            n += 1;
        }
        let hour12 = if t.hour.is_multiple_of(12) {
            12
        } else {
            t.hour % 12
        };
        let num = |v: u32, n: usize| format!("{v:0n$}");
        match c {
            'y' => {
                let y = if n <= 2 {
                    t.year.rem_euclid(100)
                } else {
                    t.year
                };
                out.push_str(&format!("{y:0w$}", w = if n == 1 { 1 } else { n }));
            }
            'M' => out.push_str(&match n {
                1 | 2 => num(t.mon, n),
                3 => MONTHS[t.mon as usize - 1][..3].to_owned(),
                _ => MONTHS[t.mon as usize - 1].to_owned(),
            }),
            'd' => out.push_str(&match n {
                1 | 2 => num(t.day, n),
                3 => WEEKDAYS[t.wday as usize][..3].to_owned(),
                _ => WEEKDAYS[t.wday as usize].to_owned(),
            }),
            'H' => out.push_str(&num(t.hour, n.min(2))),
            'h' => out.push_str(&num(hour12, n.min(2))),
            'm' => out.push_str(&num(t.min, n.min(2))),
            's' => out.push_str(&num(t.sec, n.min(2))),
            'f' | 'F' => {
                let digits = format!("{:03}0000", t.ms);
                let d = &digits[..n.min(7)];
                if c == 'F' {
                    out.push_str(d.trim_end_matches('0'));
                } else {
                    out.push_str(d);
                }
            }
            't' => out.push_str(if t.hour < 12 {
                &"AM"[..n.min(2)]
            } else {
                &"PM"[..n.min(2)]
            }),
            'z' => out.push_str(match n {
                1 => "+0",
                2 => "+00",
                _ => "+00:00",
            }),
            'K' => out.push_str("+00:00"),
            '\'' | '"' => {
                let mut j = i + 1;
                while j < fmt.len() && fmt[j] != c {
                    out.push(fmt[j]);
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            '\\' if i + 1 < fmt.len() => {
                out.push(fmt[i + 1]);
                i += 2;
                continue;
            }
            '%' => {
                i += 1;
                continue;
            }
            _ => {
                for _ in 0..n {
                    out.push(c);
                }
            }
        }
        i += n;
    }
    out
}

/// A double as PowerShell shows it: up to 15 significant digits.
fn ps_num(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".to_owned()
        } else if v > 0.0 {
            "Infinity".to_owned()
        } else {
            "-Infinity".to_owned()
        };
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    if v.abs() >= 1e15 || v.abs() < 1e-5 {
        let s = format!("{v:.14E}");
        let (m, e) = s.split_once('E').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}E{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let int_digits = v.abs().log10().floor() as i32 + 1;
    let decimals = (15 - int_digits).clamp(0, 15) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// PowerShell's wildcard match, ignoring case.
pub(crate) fn ps_like(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let c: Vec<char> = s.to_lowercase().chars().collect();
    glob_match(&p, &c)
}

impl V {
    fn is_numeric(&self) -> bool {
        matches!(self, V::Int(_) | V::Num(_))
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Num(n) => Some(*n),
            V::Bool(b) => Some(f64::from(u8::from(*b))),
            V::Str(s) => s.trim().parse().ok(),
            V::Null => Some(0.0),
            _ => None,
        }
    }

    pub(crate) fn truthy(&self) -> bool {
        match self {
            V::Null => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Num(n) => *n != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) => match l.as_slice() {
                [] => false,
                [one] => one.truthy(),
                _ => true,
            },
            V::Date(_) | V::Obj(_) | V::Block(_) => true,
        }
    }

    /// The value as a string (`"$x"`, `Write-Host`).
    pub(crate) fn text(&self) -> String {
        match self {
            V::Null => String::new(),
            V::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            V::Int(i) => i.to_string(),
            V::Num(n) => ps_num(*n),
            V::Str(s) => s.clone(),
            V::Date(ms) => dotnet_format("G", *ms),
            V::List(l) => l.iter().map(V::text).collect::<Vec<_>>().join(" "),
            V::Block(_) => "{ ... }".to_owned(),
            V::Obj(o) => match o.kind {
                Kind::Service => "System.ServiceProcess.ServiceController".to_owned(),
                Kind::Process => format!(
                    "System.Diagnostics.Process ({})",
                    o.get("ProcessName").map(V::text).unwrap_or_default()
                ),
                Kind::Version => ["Major", "Minor", "Build", "Revision"]
                    .iter()
                    .filter_map(|k| o.get(k).map(V::text))
                    .collect::<Vec<_>>()
                    .join("."),
                Kind::Location => o.get("Path").map(V::text).unwrap_or_default(),
                Kind::Match => o.get("Line").map(V::text).unwrap_or_default(),
                _ => {
                    let inner: Vec<String> = o
                        .props
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.text()))
                        .collect();
                    format!("@{{{}}}", inner.join("; "))
                }
            },
        }
    }

    /// The value in a table or list cell.
    fn cell(&self) -> String {
        match self {
            V::List(l) => {
                let items: Vec<String> = l.iter().take(4).map(V::cell).collect();
                format!(
                    "{{{}{}}}",
                    items.join(", "),
                    if l.len() > 4 { "..." } else { "" }
                )
            }
            V::Num(n) => ps_num(*n),
            other => other.text(),
        }
    }

    pub(crate) fn flatten(self, out: &mut Vec<V>) {
        match self {
            V::List(l) => out.extend(l),
            V::Null => {}
            v => out.push(v),
        }
    }
}

/// The value of a list of pipeline outputs: nothing, one value, or an array.
pub(crate) fn collapse(mut vals: Vec<V>) -> V {
    match vals.len() {
        0 => V::Null,
        1 => vals.pop().unwrap_or(V::Null),
        _ => V::List(vals),
    }
}

pub(crate) fn ps_compare(a: &V, b: &V) -> std::cmp::Ordering {
    match (a, b) {
        (x, y) if x.is_numeric() || matches!(x, V::Date(_)) => {
            let fa = if let V::Date(d) = x {
                *d as f64
            } else {
                x.as_f64().unwrap_or(0.0)
            };
            let fb = if let V::Date(d) = y {
                *d as f64
            } else {
                y.as_f64().unwrap_or(f64::NAN)
            };
            fa.partial_cmp(&fb)
                .unwrap_or_else(|| a.text().to_lowercase().cmp(&b.text().to_lowercase()))
        }
        _ => a.text().to_lowercase().cmp(&b.text().to_lowercase()),
    }
}

impl Ps {
    pub(crate) fn new(host: Host, script: &str) -> Self {
        let name = host.hostname.clone();
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_uppercase(), (k.to_owned(), v));
        };
        set("ALLUSERSPROFILE", "C:\\ProgramData".to_owned());
        set("COMPUTERNAME", name.clone());
        set("ComSpec", "C:\\Windows\\system32\\cmd.exe".to_owned());
        set("NUMBER_OF_PROCESSORS", host.cpus.to_string());
        set("OS", "Windows_NT".to_owned());
        set(
            "Path",
            "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\;\
             C:\\Windows\\System32\\OpenSSH\\;C:\\Program Files\\Amazon\\cfn-bootstrap\\"
                .to_owned(),
        );
        set("PROCESSOR_ARCHITECTURE", "AMD64".to_owned());
        set("ProgramData", "C:\\ProgramData".to_owned());
        set("ProgramFiles", "C:\\Program Files".to_owned());
        set(
            "PSModulePath",
            "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\".to_owned(),
        );
        set("SystemDrive", "C:".to_owned());
        set("SystemRoot", "C:\\Windows".to_owned());
        set("TEMP", "C:\\Windows\\TEMP".to_owned());
        set("TMP", "C:\\Windows\\TEMP".to_owned());
        set("USERDOMAIN", "WORKGROUP".to_owned());
        set("USERNAME", format!("{name}$"));
        set(
            "USERPROFILE",
            "C:\\Windows\\system32\\config\\systemprofile".to_owned(),
        );
        set("windir", "C:\\Windows".to_owned());
        let mut vars = BTreeMap::new();
        vars.insert(
            "erroractionpreference".to_owned(),
            V::Str("Continue".to_owned()),
        );
        vars.insert(
            "home".to_owned(),
            V::Str("C:\\Windows\\system32\\config\\systemprofile".to_owned()),
        );
        vars.insert("pid".to_owned(), V::Int(i64::from(win_pid(&host))));
        vars.insert(
            "pshome".to_owned(),
            V::Str("C:\\Windows\\System32\\WindowsPowerShell\\v1.0".to_owned()),
        );
        Ps {
            host,
            lines: script.lines().map(str::to_owned).collect(),
            vars,
            env,
            cwd: "C:\\ProgramData\\sysman\\run".to_owned(),
            out: String::new(),
            err: String::new(),
            clock_us: PS_START_US,
            work: 0,
            depth: 0,
            error_action: None,
            last_ok: true,
        }
    }

    pub(crate) fn build(&self) -> (u32, u32) {
        match self.host.platform {
            SimPlatform::WindowsServer2019 => (17_763, 6_414),
            _ => (20_348, 2_762),
        }
    }

    pub(crate) fn run(&mut self, script: &str) -> i32 {
        let chars: Vec<char> = script.chars().collect();
        self.work += chars.len() as u64 / BYTES_PER_UNIT;
        let parsed = ps_lex(&chars, 1, 1, 0).and_then(|toks| {
            PParser {
                toks,
                pos: 0,
                depth: 0,
            }
            .program()
        });
        let stmts = match parsed {
            Ok(s) => s,
            Err(e) => {
                let text = self.lines.get(e.line - 1).cloned().unwrap_or_default();
                let avail = text.chars().count().saturating_sub(e.col - 1).max(1);
                let report = format!(
                    "At line:{} char:{}\n+ {text}\n+ {}{}\n{}\n    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException\n    + FullyQualifiedErrorId : {}\n \n",
                    e.line,
                    e.col,
                    " ".repeat(e.col - 1),
                    "~".repeat(e.len.clamp(1, avail)),
                    e.msg,
                    e.id
                );
                self.write_err(&report);
                return 1;
            }
        };
        for st in &stmts {
            match self.exec_stmt(st) {
                Ok(vals) => {
                    let text = self.render(&vals);
                    self.write_out(&text);
                }
                Err(PFlow::Exit(c)) => return c,
                Err(PFlow::Stop) => return 1,
                Err(PFlow::Abort) => {
                    self.write_err("powershell: simulator: work limit exceeded, script stopped\n");
                    return ABORT_STATUS;
                }
            }
        }
        0
    }

    pub(crate) fn write_out(&mut self, s: &str) {
        self.work += s.len() as u64 / BYTES_PER_UNIT;
        let room = OUTPUT_CAP.saturating_sub(self.out.len() + self.err.len());
        let n = floor_boundary(s, room);
        self.out.push_str(&s[..n]);
    }

    pub(crate) fn write_err(&mut self, s: &str) {
        self.work += s.len() as u64 / BYTES_PER_UNIT;
        let room = OUTPUT_CAP.saturating_sub(self.out.len() + self.err.len());
        let n = floor_boundary(s, room);
        self.err.push_str(&s[..n]);
    }

    pub(crate) fn charge(&mut self, units: u64) -> PsRes<()> {
        self.work += units;
        if self.work > WORK_LIMIT {
            Err(PFlow::Abort)
        } else {
            Ok(())
        }
    }

    /// An error record as PowerShell 5.1 prints it.
    pub(crate) fn error_record(
        &mut self,
        c: &PCmd,
        col: usize,
        end: usize,
        msg: &str,
        category: &str,
        id: &str,
    ) {
        let text = self.lines.get(c.line - 1).cloned().unwrap_or_default();
        let avail = text.chars().count().saturating_sub(col - 1).max(1);
        let report = format!(
            "{} : {msg}\nAt line:{} char:{col}\n+ {text}\n+ {}{}\n    + CategoryInfo          : {category}\n    + FullyQualifiedErrorId : {id}\n \n",
            c.name,
            c.line,
            " ".repeat(col - 1),
            "~".repeat((end.saturating_sub(col)).clamp(1, avail)),
        );
        self.write_err(&report);
    }

    /// A non-terminating cmdlet error: reported, and the script goes on unless
    /// the error action is Stop.
    pub(crate) fn cmdlet_error(
        &mut self,
        c: &PCmd,
        msg: &str,
        category: &str,
        id: &str,
    ) -> PsRes<()> {
        self.last_ok = false;
        let action = match &self.error_action {
            Some(a) => a.to_ascii_lowercase(),
            None => self
                .vars
                .get("erroractionpreference")
                .map(V::text)
                .unwrap_or_default()
                .to_ascii_lowercase(),
        };
        if action == "silentlycontinue" || action == "ignore" {
            return Ok(());
        }
        self.error_record(c, c.col, c.end, msg, category, id);
        if action == "stop" {
            Err(PFlow::Stop)
        } else {
            Ok(())
        }
    }

    // --- statements ---

    pub(crate) fn exec_block(&mut self, stmts: &[PStmt]) -> PsRes<Vec<V>> {
        self.depth += 1;
        if self.depth > PS_MAX_NEST * 2 {
            self.depth -= 1;
            self.write_err("The script failed due to call depth overflow.\n");
            return Err(PFlow::Stop);
        }
        let mut out = Vec::new();
        let mut r = Ok(());
        for st in stmts {
            match self.exec_stmt(st) {
                Ok(v) => out.extend(v),
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        self.depth -= 1;
        r.map(|()| out)
    }

    fn exec_stmt(&mut self, st: &PStmt) -> PsRes<Vec<V>> {
        self.charge(1)?;
        match st {
            PStmt::Pipe(p) => self.exec_pipe(p),
            PStmt::Assign(name, p) => {
                let vals = self.exec_pipe(p)?;
                let v = collapse(vals);
                if let Some(e) = name.strip_prefix("env:") {
                    self.env.insert(e.to_uppercase(), (e.to_owned(), v.text()));
                } else {
                    self.vars.insert(name.to_ascii_lowercase(), v);
                }
                Ok(Vec::new())
            }
            PStmt::AssignOp(name, op, p) => {
                let v = collapse(self.exec_pipe(p)?);
                let cur = self.var(name);
                let new = self.binary(op, cur, v);
                self.charge(value_size(&new) / BYTES_PER_UNIT)?;
                if let Some(e) = name.strip_prefix("env:") {
                    self.env
                        .insert(e.to_uppercase(), (e.to_owned(), new.text()));
                } else {
                    self.vars.insert(name.to_ascii_lowercase(), new);
                }
                Ok(Vec::new())
            }
            PStmt::If(arms, els) => {
                for (cond, body) in arms {
                    let c = collapse(self.exec_pipe(cond)?);
                    if c.truthy() {
                        return self.exec_block(body);
                    }
                }
                match els {
                    Some(b) => self.exec_block(b),
                    None => Ok(Vec::new()),
                }
            }
            PStmt::Foreach(var, items, body) => {
                let mut list = Vec::new();
                for v in self.exec_pipe(items)? {
                    v.flatten(&mut list);
                }
                let mut out = Vec::new();
                for item in list {
                    self.charge(1)?;
                    self.vars.insert(var.to_ascii_lowercase(), item);
                    out.extend(self.exec_block(body)?);
                }
                Ok(out)
            }
            PStmt::Exit(e, ret) => {
                let v = match e {
                    Some(e) => self.eval(e)?,
                    None => V::Null,
                };
                if *ret {
                    let text = self.render(&[v]);
                    self.write_out(&text);
                    return Err(PFlow::Exit(0));
                }
                let code = v.as_f64().unwrap_or(0.0);
                Err(PFlow::Exit(code as i64 as i32))
            }
        }
    }

    fn exec_pipe(&mut self, p: &PPipe) -> PsRes<Vec<V>> {
        let mut input: Option<Vec<V>> = None;
        for el in &p.elems {
            let out = match el {
                PElem::Expr(e) => {
                    let mut v = Vec::new();
                    self.eval(e)?.flatten(&mut v);
                    v
                }
                PElem::Cmd(c) => {
                    let piped = input.take();
                    self.invoke(c, piped)?
                }
            };
            input = Some(out);
        }
        Ok(input.unwrap_or_default())
    }

    // --- expressions ---

    fn var(&self, name: &str) -> V {
        let lower = name.to_ascii_lowercase();
        if let Some(e) = lower.strip_prefix("env:") {
            return self
                .env
                .get(&e.to_uppercase())
                .map_or(V::Null, |(_, v)| V::Str(v.clone()));
        }
        match lower.as_str() {
            "true" => V::Bool(true),
            "false" => V::Bool(false),
            "null" => V::Null,
            "?" => V::Bool(self.last_ok),
            "psitem" => self.vars.get("_").cloned().unwrap_or(V::Null),
            "pwd" => obj(Kind::Location, vec![("Path", V::Str(self.cwd.clone()))]),
            "psversiontable" => {
                let (build, rev) = self.build();
                obj(
                    Kind::Dictionary,
                    vec![
                        ("PSVersion", self.version(5, 1, build, rev)),
                        ("PSEdition", V::Str("Desktop".to_owned())),
                        (
                            "PSCompatibleVersions",
                            V::List(
                                ["1.0", "2.0", "3.0", "4.0", "5.0", "5.1"]
                                    .iter()
                                    .map(|s| V::Str((*s).to_owned()))
                                    .collect(),
                            ),
                        ),
                        ("BuildVersion", V::Str(format!("10.0.{build}.{rev}"))),
                        ("CLRVersion", V::Str("4.0.30319.42000".to_owned())),
                        ("WSManStackVersion", V::Str("3.0".to_owned())),
                        ("PSRemotingProtocolVersion", V::Str("2.3".to_owned())),
                        ("SerializationVersion", V::Str("1.1.0.1".to_owned())),
                    ],
                )
            }
            _ => self.vars.get(&lower).cloned().unwrap_or(V::Null),
        }
    }

    fn version(&self, major: i64, minor: i64, build: u32, rev: u32) -> V {
        obj(
            Kind::Version,
            vec![
                ("Major", V::Int(major)),
                ("Minor", V::Int(minor)),
                ("Build", V::Int(i64::from(build))),
                ("Revision", V::Int(i64::from(rev))),
            ],
        )
    }

    pub(crate) fn eval(&mut self, e: &PExpr) -> PsRes<V> {
        self.charge(1)?;
        Ok(match e {
            PExpr::Lit(v) => v.clone(),
            PExpr::XStr(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        XPart::Lit(t) => s.push_str(t),
                        XPart::Var(v) => s.push_str(&self.var(v).text()),
                        XPart::Sub(stmts) => {
                            let vals = self.exec_block(stmts)?;
                            s.push_str(&collapse(vals).text());
                        }
                    }
                }
                truncate_at(&mut s, OUTPUT_CAP);
                self.charge(s.len() as u64 / BYTES_PER_UNIT)?;
                V::Str(s)
            }
            PExpr::Var(v) => self.var(v),
            PExpr::Member(target, m) => {
                let t = self.eval(target)?;
                self.member(&t, m)
            }
            PExpr::Method(target, m, args) => {
                let t = self.eval(target)?;
                let mut a = Vec::new();
                for x in args {
                    a.push(self.eval(x)?);
                }
                self.method(&t, m, &a)
            }
            PExpr::Static(ty, member, args) => {
                let mut a = Vec::new();
                for x in args.iter().flatten() {
                    a.push(self.eval(x)?);
                }
                match self.static_member(ty, member, args.is_some(), &a) {
                    Some(v) => v,
                    None => {
                        let msg = format!("Unable to find type [{ty}].\n");
                        self.write_err(&msg);
                        self.last_ok = false;
                        V::Null
                    }
                }
            }
            PExpr::Sub(stmts) => collapse(self.exec_block(stmts)?),
            PExpr::Block(b) => V::Block(b.clone()),
            PExpr::Array(items) => {
                let mut out = Vec::new();
                for x in items {
                    match x {
                        PExpr::Sub(_) => self.eval(x)?.flatten(&mut out),
                        _ => out.push(self.eval(x)?),
                    }
                }
                V::List(out)
            }
            PExpr::Not(x) => V::Bool(!self.eval(x)?.truthy()),
            PExpr::Neg(x) => match self.eval(x)? {
                V::Int(i) => V::Int(i.wrapping_neg()),
                v => V::Num(-v.as_f64().unwrap_or(0.0)),
            },
            PExpr::Binary(op, l, r) => {
                let a = self.eval(l)?;
                if op == "and" && !a.truthy() {
                    return Ok(V::Bool(false));
                }
                if op == "or" && a.truthy() {
                    return Ok(V::Bool(true));
                }
                let b = self.eval(r)?;
                let v = self.binary(op, a, b);
                self.charge(value_size(&v) / BYTES_PER_UNIT)?;
                v
            }
        })
    }

    pub(crate) fn binary(&mut self, op: &str, a: V, b: V) -> V {
        const CASED: &[&str] = &[
            "eq",
            "ne",
            "gt",
            "ge",
            "lt",
            "le",
            "like",
            "notlike",
            "match",
            "notmatch",
            "replace",
            "contains",
            "notcontains",
            "in",
            "notin",
        ];
        let op = match op.get(1..) {
            Some(rest)
                if op.len() > 2
                    && (op.starts_with('i') || op.starts_with('c'))
                    && CASED.contains(&rest) =>
            {
                rest
            }
            _ => op,
        };
        if let V::List(items) = &a
            && !matches!(op, "+" | "contains" | "notcontains" | "and" | "or" | "*")
        {
            let kept: Vec<V> = items
                .iter()
                .filter(|x| self.binary(op, (*x).clone(), b.clone()).truthy())
                .cloned()
                .collect();
            return V::List(kept);
        }
        let num = |v: &V| v.as_f64().unwrap_or(0.0);
        let both_int = matches!((&a, &b), (V::Int(_), V::Int(_)));
        match op {
            "and" => V::Bool(a.truthy() && b.truthy()),
            "or" => V::Bool(a.truthy() || b.truthy()),
            ".." => {
                let (x, y) = (num(&a) as i64, num(&b) as i64);
                let step = if y >= x { 1 } else { -1 };
                let n = (y.abs_diff(x) + 1).min(PS_MAX_ITEMS as u64) as i64;
                V::List((0..n).map(|i| V::Int(x + i * step)).collect())
            }
            "+" => match (&a, &b) {
                (V::Str(s), _) => {
                    let mut s = format!("{s}{}", b.text());
                    truncate_at(&mut s, OUTPUT_CAP);
                    V::Str(s)
                }
                (V::List(l), _) => {
                    let mut l = l.clone();
                    b.flatten(&mut l);
                    l.truncate(PS_MAX_ITEMS);
                    V::List(l)
                }
                (V::Int(x), V::Int(y)) => V::Int(x.wrapping_add(*y)),
                (V::Date(d), _) => V::Date(d + (num(&b) / 10_000.0) as i64),
                _ => V::Num(num(&a) + num(&b)),
            },
            "-" => match (&a, &b) {
                (V::Int(x), V::Int(y)) => V::Int(x.wrapping_sub(*y)),
                _ => V::Num(num(&a) - num(&b)),
            },
            "*" => match (&a, &b) {
                (V::Str(s), _) => {
                    V::Str(s.repeat((num(&b).max(0.0) as usize).min(OUTPUT_CAP / s.len().max(1))))
                }
                (V::Int(x), V::Int(y)) => V::Int(x.wrapping_mul(*y)),
                _ => V::Num(num(&a) * num(&b)),
            },
            "/" | "%" => {
                let d = num(&b);
                if d == 0.0 {
                    self.write_err("Attempted to divide by zero.\n");
                    self.last_ok = false;
                    return V::Null;
                }
                if op == "%" {
                    if both_int {
                        V::Int(num(&a) as i64 % d as i64)
                    } else {
                        V::Num(num(&a) % d)
                    }
                } else {
                    let q = num(&a) / d;
                    if both_int && q.fract() == 0.0 {
                        V::Int(q as i64)
                    } else {
                        V::Num(q)
                    }
                }
            }
            "eq" => V::Bool(ps_compare(&a, &b) == std::cmp::Ordering::Equal),
            "ne" => V::Bool(ps_compare(&a, &b) != std::cmp::Ordering::Equal),
            "gt" => V::Bool(ps_compare(&a, &b) == std::cmp::Ordering::Greater),
            "ge" => V::Bool(ps_compare(&a, &b) != std::cmp::Ordering::Less),
            "lt" => V::Bool(ps_compare(&a, &b) == std::cmp::Ordering::Less),
            "le" => V::Bool(ps_compare(&a, &b) != std::cmp::Ordering::Greater),
            "like" => V::Bool(ps_like(&b.text(), &a.text())),
            "notlike" => V::Bool(!ps_like(&b.text(), &a.text())),
            "match" | "notmatch" => {
                let hit = RegexBuilder::new(&b.text())
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                    .is_ok_and(|re| re.is_match(&a.text()));
                V::Bool(hit == (op == "match"))
            }
            "replace" => {
                let (pat, with) = match &b {
                    V::List(l) => (
                        l.first().map(V::text).unwrap_or_default(),
                        l.get(1).map(V::text).unwrap_or_default(),
                    ),
                    other => (other.text(), String::new()),
                };
                match RegexBuilder::new(&pat)
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                {
                    Ok(re) => V::Str(re.replace_all(&a.text(), with.as_str()).into_owned()),
                    Err(_) => a,
                }
            }
            "contains" | "notcontains" => {
                let items = match &a {
                    V::List(l) => l.clone(),
                    other => vec![other.clone()],
                };
                let hit = items
                    .iter()
                    .any(|x| ps_compare(x, &b) == std::cmp::Ordering::Equal);
                V::Bool(hit == (op == "contains"))
            }
            "in" | "notin" => {
                let items = match &b {
                    V::List(l) => l.clone(),
                    other => vec![other.clone()],
                };
                let hit = items
                    .iter()
                    .any(|x| ps_compare(&a, x) == std::cmp::Ordering::Equal);
                V::Bool(hit == (op == "in"))
            }
            _ => V::Null,
        }
    }

    pub(crate) fn member(&self, t: &V, m: &str) -> V {
        let lm = m.to_ascii_lowercase();
        match t {
            V::List(items) => match lm.as_str() {
                "count" | "length" => V::Int(items.len() as i64),
                _ => {
                    let mut out = Vec::new();
                    for x in items {
                        self.member(x, m).flatten(&mut out);
                    }
                    V::List(out)
                }
            },
            V::Str(s) => match lm.as_str() {
                "length" => V::Int(s.chars().count() as i64),
                _ => V::Null,
            },
            V::Date(ms) => {
                let d = tm(*ms);
                match lm.as_str() {
                    "year" => V::Int(d.year),
                    "month" => V::Int(i64::from(d.mon)),
                    "day" => V::Int(i64::from(d.day)),
                    "hour" => V::Int(i64::from(d.hour)),
                    "minute" => V::Int(i64::from(d.min)),
                    "second" => V::Int(i64::from(d.sec)),
                    "millisecond" => V::Int(i64::from(d.ms)),
                    "dayofweek" => V::Str(WEEKDAYS[d.wday as usize].to_owned()),
                    "dayofyear" => V::Int(i64::from(d.yday) + 1),
                    "date" => V::Date(ms - ms.rem_euclid(86_400_000)),
                    "kind" => V::Str("Local".to_owned()),
                    "ticks" => V::Int(
                        ms.wrapping_mul(10_000)
                            .wrapping_add(621_355_968_000_000_000),
                    ),
                    _ => V::Null,
                }
            }
            V::Obj(o) => o.get(m).cloned().unwrap_or(V::Null),
            _ => V::Null,
        }
    }

    fn method(&self, t: &V, m: &str, args: &[V]) -> V {
        let arg = |i: usize| args.get(i).map(V::text).unwrap_or_default();
        let num = |i: usize| args.get(i).and_then(V::as_f64).unwrap_or(0.0);
        match (t, m.to_ascii_lowercase().as_str()) {
            (V::Date(ms), "tostring") if !args.is_empty() => V::Str(dotnet_format(&arg(0), *ms)),
            (V::Date(ms), "touniversaltime" | "tolocaltime") => V::Date(*ms),
            (V::Date(ms), "adddays") => V::Date(ms + (num(0) * 86_400_000.0) as i64),
            (V::Date(ms), "addhours") => V::Date(ms + (num(0) * 3_600_000.0) as i64),
            (V::Date(ms), "addminutes") => V::Date(ms + (num(0) * 60_000.0) as i64),
            (V::Date(ms), "addseconds") => V::Date(ms + (num(0) * 1000.0) as i64),
            (V::Str(s), "toupper") => V::Str(s.to_uppercase()),
            (V::Str(s), "tolower") => V::Str(s.to_lowercase()),
            (V::Str(s), "trim") => V::Str(s.trim().to_owned()),
            (V::Str(s), "contains") => V::Bool(s.contains(&arg(0))),
            (V::Str(s), "startswith") => V::Bool(s.starts_with(&arg(0))),
            (V::Str(s), "endswith") => V::Bool(s.ends_with(&arg(0))),
            (V::Str(s), "replace") => V::Str(s.replace(&arg(0), &arg(1))),
            (V::Str(s), "split") => {
                let seps: Vec<char> = arg(0).chars().collect();
                V::List(
                    s.split(|c| seps.contains(&c))
                        .map(|p| V::Str(p.to_owned()))
                        .collect(),
                )
            }
            (V::Str(s), "substring") => {
                let chars: Vec<char> = s.chars().collect();
                let start = (num(0).max(0.0) as usize).min(chars.len());
                let len = if args.len() > 1 {
                    num(1).max(0.0) as usize
                } else {
                    chars.len() - start
                };
                V::Str(
                    chars[start..(start + len).min(chars.len())]
                        .iter()
                        .collect(),
                )
            }
            (v, "tostring") => V::Str(v.text()),
            _ => V::Null,
        }
    }

    fn static_member(&self, ty: &str, member: &str, call: bool, args: &[V]) -> Option<V> {
        let ty = ty.to_ascii_lowercase();
        let ty = ty.strip_prefix("system.").unwrap_or(&ty);
        let m = member.to_ascii_lowercase();
        let (build, _) = self.build();
        Some(match (ty, m.as_str()) {
            ("environment", "osversion") => obj(
                Kind::Generic,
                vec![
                    ("Platform", V::Str("Win32NT".to_owned())),
                    ("ServicePack", V::Str(String::new())),
                    ("Version", self.version(10, 0, build, 0)),
                    (
                        "VersionString",
                        V::Str(format!("Microsoft Windows NT 10.0.{build}.0")),
                    ),
                ],
            ),
            ("environment", "machinename") => V::Str(self.host.hostname.to_uppercase()),
            ("environment", "processorcount") => V::Int(i64::from(self.host.cpus)),
            ("environment", "username") => V::Str("SYSTEM".to_owned()),
            ("environment", "userdomainname") => V::Str("WORKGROUP".to_owned()),
            ("environment", "is64bitoperatingsystem" | "is64bitprocess") => V::Bool(true),
            ("environment", "newline") => V::Str("\n".to_owned()),
            ("environment", "currentdirectory") => V::Str("C:\\Windows\\system32".to_owned()),
            ("environment", "getenvironmentvariable") if call => {
                let k = args.first().map(V::text).unwrap_or_default().to_uppercase();
                self.env.get(&k).map_or(V::Null, |(_, v)| V::Str(v.clone()))
            }
            ("net.dns", "gethostname") if call => V::Str(self.host.hostname.clone()),
            ("datetime", "now") => V::Date(self.host.now_ms),
            ("datetime", "utcnow") => V::Date(self.host.now_ms),
            ("datetime", "today") => {
                V::Date(self.host.now_ms - self.host.now_ms.rem_euclid(86_400_000))
            }
            ("math", f @ ("round" | "floor" | "ceiling" | "abs" | "sqrt")) if call => {
                let x = args.first().and_then(V::as_f64).unwrap_or(0.0);
                let digits = args.get(1).and_then(V::as_f64).unwrap_or(0.0) as i32;
                let r = match f {
                    "round" => {
                        let p = 10f64.powi(digits);
                        let y = x * p;
                        let r = y.round();
                        let r = if (y - y.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                            r - y.signum()
                        } else {
                            r
                        };
                        r / p
                    }
                    "floor" => x.floor(),
                    "ceiling" => x.ceil(),
                    "abs" => x.abs(),
                    _ => x.sqrt(),
                };
                V::Num(r)
            }
            ("math", "pi") => V::Num(std::f64::consts::PI),
            _ => return None,
        })
    }

    // --- output ---

    /// Out-Default: values as the console shows them.
    pub(crate) fn render(&self, vals: &[V]) -> String {
        let mut flat = Vec::new();
        for v in vals {
            v.clone().flatten(&mut flat);
        }
        let mut out = String::new();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                V::Obj(o) => {
                    let kind = o.kind;
                    let names: Vec<String> = o.props.iter().map(|(k, _)| k.clone()).collect();
                    let mut j = i;
                    let mut group = Vec::new();
                    while let Some(V::Obj(x)) = flat.get(j) {
                        let same = x.kind == kind
                            && (kind != Kind::Generic
                                || x.props.iter().map(|(k, _)| k).eq(names.iter()));
                        if !same {
                            break;
                        }
                        group.push(x.clone());
                        j += 1;
                    }
                    out.push_str(&self.render_objects(&group));
                    i = j;
                    continue;
                }
                V::Date(ms) => {
                    let _ = write!(out, "\n{}\n\n\n", dotnet_format("F", *ms));
                }
                V::Block(b) => {
                    let _ = writeln!(out, "{}", if b.is_empty() { "" } else { " ... " });
                }
                v => {
                    out.push_str(&v.text());
                    out.push('\n');
                }
            }
            i += 1;
        }
        out
    }

    fn render_objects(&self, group: &[Rc<PsObj>]) -> String {
        let Some(first) = group.first() else {
            return String::new();
        };
        let table = |cols: &[(&str, usize, bool)], rows: Vec<Vec<String>>| -> String {
            let widths: Vec<usize> = cols
                .iter()
                .enumerate()
                .map(|(c, (h, w, _))| {
                    if *w > 0 {
                        *w
                    } else if c + 1 == cols.len() {
                        0
                    } else {
                        rows.iter()
                            .map(|r| r[c].chars().count())
                            .max()
                            .unwrap_or(0)
                            .max(h.len())
                    }
                })
                .collect();
            let fit = |s: &str, w: usize, right: bool| -> String {
                if w == 0 {
                    return s.to_owned();
                }
                let n = s.chars().count();
                let s: String = if n > w {
                    s.chars().take(w.saturating_sub(3)).collect::<String>() + "..."
                } else {
                    s.to_owned()
                };
                if right {
                    format!("{s:>w$}")
                } else {
                    format!("{s:<w$}")
                }
            };
            let line = |cells: Vec<String>| -> String {
                let parts: Vec<String> = cells
                    .iter()
                    .zip(cols.iter().zip(&widths))
                    .map(|(s, ((_, _, right), w))| fit(s, *w, *right))
                    .collect();
                parts.join(" ").trim_end().to_owned()
            };
            let mut out = String::from("\n");
            out.push_str(&line(
                cols.iter().map(|(h, _, _)| (*h).to_owned()).collect(),
            ));
            out.push('\n');
            out.push_str(&line(
                cols.iter().map(|(h, _, _)| "-".repeat(h.len())).collect(),
            ));
            out.push('\n');
            for r in rows {
                out.push_str(&line(r));
                out.push('\n');
            }
            out.push_str("\n\n");
            out
        };
        let cell = |o: &PsObj, k: &str| o.get(k).map(V::cell).unwrap_or_default();
        match first.kind {
            Kind::Service => table(
                &[
                    ("Status", 8, false),
                    ("Name", 18, false),
                    ("DisplayName", 38, false),
                ],
                group
                    .iter()
                    .map(|o| vec![cell(o, "Status"), cell(o, "Name"), cell(o, "DisplayName")])
                    .collect(),
            ),
            Kind::Process => table(
                &[
                    ("Handles", 7, true),
                    ("NPM(K)", 7, true),
                    ("PM(K)", 8, true),
                    ("WS(K)", 10, true),
                    ("CPU(s)", 10, true),
                    ("Id", 6, true),
                    ("SI", 3, true),
                    ("ProcessName", 0, false),
                ],
                group
                    .iter()
                    .map(|o| {
                        let kb =
                            |k: &str| (o.get(k).and_then(V::as_f64).unwrap_or(0.0) / 1024.0) as i64;
                        let cpu = o
                            .get("CPU")
                            .and_then(V::as_f64)
                            .map_or(String::new(), |c| format!("{c:.2}"));
                        vec![
                            cell(o, "Handles"),
                            kb("NPM").to_string(),
                            kb("PM").to_string(),
                            kb("WS").to_string(),
                            cpu,
                            cell(o, "Id"),
                            cell(o, "SI"),
                            cell(o, "ProcessName"),
                        ]
                    })
                    .collect(),
            ),
            Kind::HotFix => table(
                &[
                    ("Source", 13, false),
                    ("Description", 16, false),
                    ("HotFixID", 13, false),
                    ("InstalledBy", 20, false),
                    ("InstalledOn", 0, false),
                ],
                group
                    .iter()
                    .map(|o| {
                        [
                            "Source",
                            "Description",
                            "HotFixID",
                            "InstalledBy",
                            "InstalledOn",
                        ]
                        .iter()
                        .map(|k| cell(o, k))
                        .collect()
                    })
                    .collect(),
            ),
            Kind::Version => table(
                &[
                    ("Major", 6, false),
                    ("Minor", 6, false),
                    ("Build", 6, false),
                    ("Revision", 0, false),
                ],
                group
                    .iter()
                    .map(|o| {
                        ["Major", "Minor", "Build", "Revision"]
                            .iter()
                            .map(|k| cell(o, k))
                            .collect()
                    })
                    .collect(),
            ),
            Kind::Location => table(
                &[("Path", 0, false)],
                group.iter().map(|o| vec![cell(o, "Path")]).collect(),
            ),
            Kind::Dictionary => {
                let rows = group
                    .iter()
                    .flat_map(|o| o.props.iter().map(|(k, v)| vec![k.clone(), v.cell()]))
                    .collect();
                table(&[("Name", 30, false), ("Value", 0, false)], rows)
            }
            Kind::Match => {
                let mut out = String::from("\n");
                for o in group {
                    out.push_str(&cell(o, "Line"));
                    out.push('\n');
                }
                out.push_str("\n\n");
                out
            }
            Kind::Generic if first.props.len() <= 4 => {
                let heads: Vec<&str> = first.props.iter().map(|(k, _)| k.as_str()).collect();
                let numeric: Vec<bool> = first.props.iter().map(|(_, v)| v.is_numeric()).collect();
                let cols: Vec<(&str, usize, bool)> = heads
                    .iter()
                    .zip(&numeric)
                    .map(|(h, n)| (*h, 0, *n))
                    .collect();
                let rows = group
                    .iter()
                    .map(|o| o.props.iter().map(|(_, v)| v.cell()).collect())
                    .collect();
                table(&cols, rows)
            }
            _ => {
                let mut out = String::from("\n");
                for o in group {
                    let w = o
                        .props
                        .iter()
                        .map(|(k, _)| k.chars().count())
                        .max()
                        .unwrap_or(0);
                    for (k, v) in &o.props {
                        let line = format!("{k:<w$} : {}", v.cell());
                        out.push_str(line.trim_end());
                        out.push('\n');
                    }
                    out.push('\n');
                }
                out.push('\n');
                out
            }
        }
    }

    /// Format-List of any objects.
    pub(crate) fn render_list(&self, vals: &[V]) -> String {
        let mut out = String::from("\n");
        for v in vals {
            match v {
                V::Obj(o) => {
                    let w = o
                        .props
                        .iter()
                        .map(|(k, _)| k.chars().count())
                        .max()
                        .unwrap_or(0);
                    for (k, v) in &o.props {
                        let line = format!("{k:<w$} : {}", v.cell());
                        out.push_str(line.trim_end());
                        out.push('\n');
                    }
                    out.push('\n');
                }
                other => {
                    out.push_str(&other.text());
                    out.push('\n');
                }
            }
        }
        out.push('\n');
        out
    }
}
