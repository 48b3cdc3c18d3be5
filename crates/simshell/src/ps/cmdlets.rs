//! PowerShell cmdlets: parameter binding and the cmdlets themselves.

use std::rc::Rc;

use regex::RegexBuilder;

use crate::{
    MAX_SLEEP_US, SimPlatform,
    host::Host,
    ps::exec::{CMDLET_US, PFlow, Ps, PsRes, collapse, dotnet_format, ps_compare, ps_like},
    ps::parse::{Kind, PArg, PCmd, PS_OPERATORS, PsObj, V, obj},
    time::{strftime, tm},
};

enum Raw {
    Param(String, usize, usize),
    Val(V),
}

/// Bound arguments of a cmdlet.
#[derive(Default)]
struct Args {
    named: Vec<(&'static str, V)>,
    switches: Vec<&'static str>,
    pos: Vec<V>,
}

impl Args {
    fn get(&self, name: &str) -> Option<&V> {
        self.named.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    fn has(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    /// A named parameter, or else the positional argument at `i`.
    fn arg(&self, name: &str, i: usize) -> Option<&V> {
        self.get(name).or_else(|| self.pos.get(i))
    }
}

/// A parameter: name, aliases, whether it takes a value.
type ParamSpec = (&'static str, &'static [&'static str], bool);

/// Cmdlets and their aliases: (what is typed, the cmdlet).
const CMDLETS: &[(&str, &str)] = &[
    ("write-output", "Write-Output"),
    ("echo", "Write-Output"),
    ("write", "Write-Output"),
    ("write-host", "Write-Host"),
    ("write-error", "Write-Error"),
    ("write-warning", "Write-Warning"),
    ("write-verbose", "Write-Verbose"),
    ("write-debug", "Write-Debug"),
    ("write-information", "Write-Information"),
    ("get-date", "Get-Date"),
    ("get-service", "Get-Service"),
    ("gsv", "Get-Service"),
    ("get-process", "Get-Process"),
    ("ps", "Get-Process"),
    ("gps", "Get-Process"),
    ("get-hotfix", "Get-HotFix"),
    ("get-computerinfo", "Get-ComputerInfo"),
    ("start-sleep", "Start-Sleep"),
    ("sleep", "Start-Sleep"),
    ("get-location", "Get-Location"),
    ("pwd", "Get-Location"),
    ("gl", "Get-Location"),
    ("set-location", "Set-Location"),
    ("cd", "Set-Location"),
    ("sl", "Set-Location"),
    ("chdir", "Set-Location"),
    ("test-path", "Test-Path"),
    ("get-content", "Get-Content"),
    ("gc", "Get-Content"),
    ("cat", "Get-Content"),
    ("type", "Get-Content"),
    ("select-object", "Select-Object"),
    ("select", "Select-Object"),
    ("where-object", "Where-Object"),
    ("where", "Where-Object"),
    ("?", "Where-Object"),
    ("foreach-object", "ForEach-Object"),
    ("foreach", "ForEach-Object"),
    ("%", "ForEach-Object"),
    ("sort-object", "Sort-Object"),
    ("sort", "Sort-Object"),
    ("measure-object", "Measure-Object"),
    ("measure", "Measure-Object"),
    ("select-string", "Select-String"),
    ("sls", "Select-String"),
    ("format-table", "Format-Table"),
    ("ft", "Format-Table"),
    ("format-list", "Format-List"),
    ("fl", "Format-List"),
    ("out-string", "Out-String"),
    ("out-null", "Out-Null"),
    ("hostname", "hostname"),
    ("whoami", "whoami"),
    ("ipconfig", "ipconfig"),
];

/// `Get-Service` → `GetServiceCommand`.
fn command_type(cmdlet: &str) -> String {
    cmdlet.split('-').collect::<String>() + "Command"
}

impl Ps {
    pub(crate) fn invoke(&mut self, c: &PCmd, piped: Option<Vec<V>>) -> PsRes<Vec<V>> {
        self.charge(1)?;
        let lname = c.name.to_ascii_lowercase();
        let lname = lname.strip_suffix(".exe").unwrap_or(&lname);
        let Some(&(_, cmdlet)) = CMDLETS.iter().find(|(k, _)| *k == lname) else {
            self.last_ok = false;
            let msg = format!(
                "The term '{}' is not recognized as the name of a cmdlet, function, script file, or operable \
                 program. Check the spelling of the name, or if a path was included, verify that the path is \
                 correct and try again.",
                c.name
            );
            let category = format!(
                "ObjectNotFound: ({}:String) [], CommandNotFoundException",
                c.name
            );
            let end = c.col + c.name.chars().count();
            self.error_record(c, c.col, end, &msg, &category, "CommandNotFoundException");
            return Err(PFlow::Stop);
        };
        let mut raw = Vec::new();
        let mut error_action = None;
        let mut it = c.args.iter().peekable();
        while let Some(a) = it.next() {
            match a {
                PArg::Param(p, s, e) => {
                    let lp = p.to_ascii_lowercase();
                    if (lp == "erroraction" || lp == "ea")
                        && matches!(it.peek(), Some(PArg::Value(_)))
                    {
                        if let Some(PArg::Value(v)) = it.next() {
                            error_action = Some(self.eval(v)?.text());
                        }
                        continue;
                    }
                    raw.push(Raw::Param(p.clone(), *s, *e));
                }
                PArg::Value(e) => raw.push(Raw::Val(self.eval(e)?)),
            }
        }
        let saved = std::mem::replace(&mut self.error_action, error_action);
        self.last_ok = true;
        self.clock_us += CMDLET_US;
        let was_piped = piped.is_some();
        let mut input = Vec::new();
        for v in piped.unwrap_or_default() {
            v.flatten(&mut input);
        }
        let r = self.cmdlet(cmdlet, c, raw, input, was_piped);
        self.error_action = saved;
        r
    }

    /// Binds raw arguments to a cmdlet's parameters; `None` after reporting an error.
    fn bind(
        &mut self,
        cmdlet: &str,
        c: &PCmd,
        raw: Vec<Raw>,
        spec: &[ParamSpec],
    ) -> PsRes<Option<Args>> {
        let mut args = Args::default();
        let mut it = raw.into_iter().peekable();
        let ty = command_type(cmdlet);
        while let Some(r) = it.next() {
            match r {
                Raw::Val(v) => args.pos.push(v),
                Raw::Param(p, s, e) => {
                    let lp = p.to_ascii_lowercase();
                    let exact = spec.iter().find(|(n, aliases, _)| {
                        n.eq_ignore_ascii_case(&lp) || aliases.contains(&lp.as_str())
                    });
                    let found = match exact {
                        Some(x) => Some(*x),
                        None => {
                            let cands: Vec<&ParamSpec> = spec
                                .iter()
                                .filter(|(n, _, _)| n.to_ascii_lowercase().starts_with(&lp))
                                .collect();
                            match cands.as_slice() {
                                [one] => Some(**one),
                                [] => None,
                                many => {
                                    let names: Vec<String> =
                                        many.iter().map(|(n, _, _)| format!("-{n}")).collect();
                                    let msg = format!(
                                        "Parameter cannot be processed because the parameter name '{p}' is ambiguous. Possible matches include: {}.",
                                        names.join(" ")
                                    );
                                    self.last_ok = false;
                                    self.error_record(c, s, e, &msg, &format!("InvalidArgument: (:) [{cmdlet}], ParameterBindingException"), &format!("AmbiguousParameter,Microsoft.PowerShell.Commands.{ty}"));
                                    return self.bind_failed();
                                }
                            }
                        }
                    };
                    let Some((name, _, takes_value)) = found else {
                        let msg = format!(
                            "A parameter cannot be found that matches parameter name '{p}'."
                        );
                        self.last_ok = false;
                        self.error_record(
                            c,
                            s,
                            e,
                            &msg,
                            &format!("InvalidArgument: (:) [{cmdlet}], ParameterBindingException"),
                            &format!("NamedParameterNotFound,Microsoft.PowerShell.Commands.{ty}"),
                        );
                        return self.bind_failed();
                    };
                    if !takes_value {
                        args.switches.push(name);
                        continue;
                    }
                    match it.next() {
                        Some(Raw::Val(v)) => args.named.push((name, v)),
                        _ => {
                            let msg = format!(
                                "Missing an argument for parameter '{name}'. Specify a parameter of type 'System.Object' and try again."
                            );
                            self.last_ok = false;
                            self.error_record(
                                c,
                                s,
                                e,
                                &msg,
                                &format!(
                                    "InvalidArgument: (:) [{cmdlet}], ParameterBindingException"
                                ),
                                &format!("MissingArgument,Microsoft.PowerShell.Commands.{ty}"),
                            );
                            return self.bind_failed();
                        }
                    }
                }
            }
        }
        Ok(Some(args))
    }

    fn bind_failed(&self) -> PsRes<Option<Args>> {
        let stop = self
            .error_action
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("stop"))
            || self
                .vars
                .get("erroractionpreference")
                .is_some_and(|v| v.text().eq_ignore_ascii_case("stop"));
        if stop { Err(PFlow::Stop) } else { Ok(None) }
    }

    fn cmdlet(
        &mut self,
        cmdlet: &str,
        c: &PCmd,
        raw: Vec<Raw>,
        input: Vec<V>,
        piped: bool,
    ) -> PsRes<Vec<V>> {
        macro_rules! bind {
            ($spec:expr) => {
                match self.bind(cmdlet, c, raw, $spec)? {
                    Some(a) => a,
                    None => return Ok(Vec::new()),
                }
            };
        }
        let flat = |vals: &[V]| {
            let mut out = Vec::new();
            for v in vals {
                v.clone().flatten(&mut out);
            }
            out
        };
        Ok(match cmdlet {
            "Write-Output" => {
                let a = bind!(&[("InputObject", &[], true), ("NoEnumerate", &[], false)]);
                let mut out = input;
                out.extend(flat(&a.pos));
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut out);
                }
                out
            }
            "Write-Host" => {
                let a = bind!(&[
                    ("Object", &[], true),
                    ("NoNewline", &[], false),
                    ("Separator", &[], true),
                    ("ForegroundColor", &["fore"], true),
                    ("BackgroundColor", &["back"], true),
                ]);
                let sep = a.get("Separator").map_or(" ".to_owned(), V::text);
                let mut items: Vec<String> = input.iter().map(V::text).collect();
                items.extend(a.get("Object").into_iter().chain(&a.pos).map(|v| match v {
                    V::List(l) => l.iter().map(V::text).collect::<Vec<_>>().join(&sep),
                    other => other.text(),
                }));
                let mut text = items.join(&sep);
                if !a.has("NoNewline") {
                    text.push('\n');
                }
                self.write_out(&text);
                Vec::new()
            }
            "Write-Error" => {
                let a = bind!(&[
                    ("Message", &["msg"], true),
                    ("Category", &[], true),
                    ("ErrorId", &[], true)
                ]);
                let msg = a.arg("Message", 0).map(V::text).unwrap_or_default();
                let line = self.lines.get(c.line - 1).cloned().unwrap_or_default();
                let invocation: String = line
                    .chars()
                    .skip(c.col - 1)
                    .take(c.end.saturating_sub(c.col))
                    .collect();
                self.last_ok = false;
                let action = self.error_action.clone().unwrap_or_else(|| {
                    self.vars
                        .get("erroractionpreference")
                        .map(V::text)
                        .unwrap_or_default()
                });
                if !action.eq_ignore_ascii_case("silentlycontinue") {
                    let report = format!(
                        "{invocation} : {msg}\n    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\n    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException\n \n"
                    );
                    self.write_err(&report);
                }
                if action.eq_ignore_ascii_case("stop") {
                    return Err(PFlow::Stop);
                }
                Vec::new()
            }
            "Write-Warning" => {
                let a = bind!(&[("Message", &["msg"], true)]);
                let msg = a.arg("Message", 0).map(V::text).unwrap_or_default();
                self.write_out(&format!("WARNING: {msg}\n"));
                Vec::new()
            }
            "Write-Verbose" | "Write-Debug" | "Write-Information" => {
                let _ = bind!(&[
                    ("Message", &["msg", "messagedata"], true),
                    ("Tags", &[], true)
                ]);
                Vec::new()
            }
            "hostname" => vec![V::Str(self.host.hostname.clone())],
            "whoami" => vec![V::Str("nt authority\\system".to_owned())],
            "ipconfig" => {
                let ip = self.host.ip.clone();
                let gw = ip
                    .rsplit_once('.')
                    .map_or(ip.clone(), |(n, _)| format!("{n}.1"));
                let ll = self.host.rand("link-local");
                let text = format!(
                    "\nWindows IP Configuration\n\n\nEthernet adapter Ethernet 3:\n\n   Connection-specific DNS Suffix  . : ec2.internal\n   Link-local IPv6 Address . . . . . : fe80::{:x}:{:x}:{:x}:{:x}%7\n   IPv4 Address. . . . . . . . . . . : {ip}\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\n   Default Gateway . . . . . . . . . : {gw}",
                    ll >> 48 & 0xffff,
                    ll >> 32 & 0xffff,
                    ll >> 16 & 0xffff,
                    ll & 0xffff
                );
                text.lines().map(|l| V::Str(l.to_owned())).collect()
            }
            "Get-Date" => {
                let a = bind!(&[
                    ("Date", &[], true),
                    ("Format", &[], true),
                    ("UFormat", &[], true),
                    ("DisplayHint", &[], true)
                ]);
                let now = self.host.now_ms;
                if let Some(f) = a.get("Format") {
                    vec![V::Str(dotnet_format(&f.text(), now))]
                } else if let Some(f) = a.get("UFormat") {
                    vec![V::Str(strftime(&f.text(), &tm(now)))]
                } else {
                    vec![V::Date(now)]
                }
            }
            "Get-Service" => {
                let a = bind!(&[
                    ("Name", &["servicename"], true),
                    ("DisplayName", &[], true),
                    ("Exclude", &[], true)
                ]);
                let services = self.services();
                let names: Vec<String> = a
                    .arg("Name", 0)
                    .map(|v| flat(std::slice::from_ref(v)).iter().map(V::text).collect())
                    .unwrap_or_default();
                let display = a.get("DisplayName").map(V::text);
                let mut out = Vec::new();
                if names.is_empty() {
                    out.extend(
                        services
                            .iter()
                            .filter(|s| {
                                display
                                    .as_ref()
                                    .is_none_or(|d| ps_like(d, &s.get_text("DisplayName")))
                            })
                            .cloned(),
                    );
                }
                for n in &names {
                    let hits: Vec<&V> = services
                        .iter()
                        .filter(|s| ps_like(n, &s.get_text("Name")))
                        .collect();
                    if hits.is_empty() && !n.contains(['*', '?']) {
                        self.cmdlet_error(c, &format!("Cannot find any service with service name '{n}'."), &format!("ObjectNotFound: ({n}:String) [Get-Service], ServiceCommandException"), "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand")?;
                    }
                    out.extend(hits.into_iter().cloned());
                }
                out
            }
            "Get-Process" => {
                let a = bind!(&[("Name", &["processname"], true), ("Id", &[], true)]);
                let procs = self.win_processes();
                if let Some(id) = a.get("Id") {
                    let want: Vec<i64> = flat(std::slice::from_ref(id))
                        .iter()
                        .filter_map(V::as_f64)
                        .map(|f| f as i64)
                        .collect();
                    let mut out = Vec::new();
                    for w in want {
                        match procs.iter().find(|p| p.get_f64("Id") == Some(w as f64)) {
                            Some(p) => out.push(p.clone()),
                            None => self.cmdlet_error(c, &format!("Cannot find a process with the process identifier {w}."), &format!("ObjectNotFound: ({w}:Int32) [Get-Process], ProcessCommandException"), "NoProcessFoundForGivenId,Microsoft.PowerShell.Commands.GetProcessCommand")?,
                        }
                    }
                    return Ok(out);
                }
                let names: Vec<String> = a
                    .arg("Name", 0)
                    .map(|v| flat(std::slice::from_ref(v)).iter().map(V::text).collect())
                    .unwrap_or_default();
                if names.is_empty() {
                    return Ok(procs);
                }
                let mut out = Vec::new();
                for n in &names {
                    let hits: Vec<&V> = procs
                        .iter()
                        .filter(|p| ps_like(n, &p.get_text("ProcessName")))
                        .collect();
                    if hits.is_empty() && !n.contains(['*', '?']) {
                        self.cmdlet_error(c, &format!("Cannot find a process with the name \"{n}\". Verify the process name and call the cmdlet again."), &format!("ObjectNotFound: ({n}:String) [Get-Process], ProcessCommandException"), "NoProcessFoundForGivenName,Microsoft.PowerShell.Commands.GetProcessCommand")?;
                    }
                    out.extend(hits.into_iter().cloned());
                }
                out
            }
            "Get-HotFix" => {
                let a = bind!(&[
                    ("Id", &["hfid"], true),
                    ("ComputerName", &["cn"], true),
                    ("Description", &[], true)
                ]);
                let fixes = self.hotfixes();
                match a.arg("Id", 0).map(V::text) {
                    None => fixes,
                    Some(id) => {
                        let hits: Vec<V> = fixes
                            .into_iter()
                            .filter(|f| ps_like(&id, &f.get_text("HotFixID")))
                            .collect();
                        if hits.is_empty() {
                            self.cmdlet_error(c, "Cannot find the requested hotfix on the 'localhost' computer. Verify the input and run the command again.", "ObjectNotFound: (:) [Get-HotFix], ArgumentException", "GetHotFixNoEntriesFound,Microsoft.PowerShell.Commands.GetHotFixCommand")?;
                        }
                        hits
                    }
                }
            }
            "Get-ComputerInfo" => {
                let a = bind!(&[("Property", &[], true)]);
                self.clock_us += 2_500_000;
                let info = self.computer_info();
                match a.arg("Property", 0) {
                    None => vec![info],
                    Some(p) => {
                        let pats: Vec<String> =
                            flat(std::slice::from_ref(p)).iter().map(V::text).collect();
                        vec![select_props(&info, &pats, Kind::ListView)]
                    }
                }
            }
            "Start-Sleep" => {
                let a = bind!(&[("Seconds", &["s"], true), ("Milliseconds", &["m"], true)]);
                let (v, ms) = match (a.arg("Seconds", 0), a.get("Milliseconds")) {
                    (_, Some(m)) => (m.clone(), true),
                    (Some(s), None) => (s.clone(), false),
                    (None, None) => {
                        self.cmdlet_error(c, "Parameter set cannot be resolved using the specified named parameters.", "InvalidArgument: (:) [Start-Sleep], ParameterBindingException", "AmbiguousParameterSet,Microsoft.PowerShell.Commands.StartSleepCommand")?;
                        return Ok(Vec::new());
                    }
                };
                let Some(f) = v
                    .as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0 && !matches!(v, V::Null))
                else {
                    let param = if ms { "Milliseconds" } else { "Seconds" };
                    let msg = format!(
                        "Cannot bind parameter '{param}'. Cannot convert value \"{}\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"",
                        v.text()
                    );
                    self.cmdlet_error(c, &msg, "InvalidArgument: (:) [Start-Sleep], ParameterBindingException", "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.StartSleepCommand")?;
                    return Ok(Vec::new());
                };
                // PowerShell 5.1 binds -Seconds to an Int32: 2.5 becomes 2 (banker's rounding).
                let n = f.round_ties_even();
                let us = if ms { n * 1000.0 } else { n * 1e6 };
                self.clock_us += (us.min(MAX_SLEEP_US as f64)) as u64;
                Vec::new()
            }
            "Get-Location" => {
                let _ = bind!(&[]);
                vec![obj(
                    Kind::Location,
                    vec![("Path", V::Str(self.cwd.clone()))],
                )]
            }
            "Set-Location" => {
                let a = bind!(&[("Path", &["literalpath"], true)]);
                let target = a
                    .arg("Path", 0)
                    .map_or("C:\\Users\\Default".to_owned(), V::text);
                let path = self.win_resolve(&target);
                if self.win_is_dir(&path) {
                    self.cwd = path;
                } else {
                    self.cmdlet_error(
                        c,
                        &format!("Cannot find path '{path}' because it does not exist."),
                        &format!(
                            "ObjectNotFound: ({path}:String) [Set-Location], ItemNotFoundException"
                        ),
                        "PathNotFound,Microsoft.PowerShell.Commands.SetLocationCommand",
                    )?;
                }
                Vec::new()
            }
            "Test-Path" => {
                let a = bind!(&[
                    ("Path", &["literalpath"], true),
                    ("PathType", &["type"], true)
                ]);
                let mut out = Vec::new();
                for p in flat(a.arg("Path", 0).map(std::slice::from_ref).unwrap_or(&[])) {
                    let path = self.win_resolve(&p.text());
                    let is_dir = self.win_is_dir(&path);
                    let is_file = self.win_file(&path).is_some();
                    let ok = match a.get("PathType").map(|t| t.text().to_ascii_lowercase()) {
                        Some(t) if t == "container" => is_dir,
                        Some(t) if t == "leaf" => is_file,
                        _ => is_dir || is_file,
                    };
                    out.push(V::Bool(ok));
                }
                out
            }
            "Get-Content" => {
                let a = bind!(&[
                    ("Path", &["pspath"], true),
                    ("TotalCount", &["first", "head"], true),
                    ("Tail", &["last"], true)
                ]);
                let mut out = Vec::new();
                for p in flat(a.arg("Path", 0).map(std::slice::from_ref).unwrap_or(&[])) {
                    let path = self.win_resolve(&p.text());
                    match self.win_file(&path) {
                        Some(text) => out.extend(text.lines().map(|l| V::Str(l.to_owned()))),
                        None => self.cmdlet_error(c, &format!("Cannot find path '{path}' because it does not exist."), &format!("ObjectNotFound: ({path}:String) [Get-Content], ItemNotFoundException"), "PathNotFound,Microsoft.PowerShell.Commands.GetContentCommand")?,
                    }
                }
                if let Some(n) = a.get("TotalCount").and_then(V::as_f64) {
                    out.truncate(n.max(0.0) as usize);
                }
                if let Some(n) = a.get("Tail").and_then(V::as_f64) {
                    let keep = (n.max(0.0) as usize).min(out.len());
                    out.drain(..out.len() - keep);
                }
                out
            }
            "Select-Object" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("First", &[], true),
                    ("Last", &[], true),
                    ("Skip", &[], true),
                    ("ExpandProperty", &[], true),
                    ("Unique", &[], false),
                    ("InputObject", &[], true),
                ]);
                let mut items = input;
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut items);
                }
                let count = |k: &str| a.get(k).and_then(V::as_f64).map(|f| f.max(0.0) as usize);
                if let Some(n) = count("Skip") {
                    items.drain(..n.min(items.len()));
                }
                if let Some(n) = count("First") {
                    items.truncate(n);
                }
                if let Some(n) = count("Last") {
                    let keep = n.min(items.len());
                    items.drain(..items.len() - keep);
                }
                if let Some(p) = a.get("ExpandProperty") {
                    let name = p.text();
                    let mut out = Vec::new();
                    for it in &items {
                        self.member(it, &name).flatten(&mut out);
                    }
                    items = out;
                } else if let Some(p) = a.arg("Property", 0) {
                    let pats: Vec<String> =
                        flat(std::slice::from_ref(p)).iter().map(V::text).collect();
                    items = items.iter().map(|it| self.select(it, &pats)).collect();
                }
                if a.has("Unique") {
                    let mut seen: Vec<String> = Vec::new();
                    items.retain(|v| {
                        let k = v.text();
                        if seen.contains(&k) {
                            false
                        } else {
                            seen.push(k);
                            true
                        }
                    });
                }
                items
            }
            "Where-Object" => self.where_object(c, raw, input)?,
            "ForEach-Object" => {
                let a = bind!(&[
                    ("Process", &[], true),
                    ("MemberName", &[], true),
                    ("Begin", &[], true),
                    ("End", &[], true)
                ]);
                let mut out = Vec::new();
                match a.arg("Process", 0).or(a.get("MemberName")) {
                    Some(V::Block(b)) => {
                        let b = b.clone();
                        let saved = self.vars.get("_").cloned();
                        let mut r = Ok(());
                        for it in input {
                            if let Err(e) = self.charge(1) {
                                r = Err(e);
                                break;
                            }
                            self.vars.insert("_".to_owned(), it);
                            match self.exec_block(&b) {
                                Ok(v) => out.extend(v),
                                Err(e) => {
                                    r = Err(e);
                                    break;
                                }
                            }
                        }
                        match saved {
                            Some(v) => self.vars.insert("_".to_owned(), v),
                            None => self.vars.remove("_"),
                        };
                        r?;
                    }
                    Some(name) => {
                        let name = name.text();
                        for it in &input {
                            self.member(it, &name).flatten(&mut out);
                        }
                    }
                    None => {}
                }
                out
            }
            "Sort-Object" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("Descending", &[], false),
                    ("Unique", &[], false)
                ]);
                let key = a.arg("Property", 0).map(V::text);
                let mut keyed: Vec<(V, V)> = input
                    .into_iter()
                    .map(|it| {
                        let k = match &key {
                            Some(p) => self.member(&it, p),
                            None => it.clone(),
                        };
                        (k, it)
                    })
                    .collect();
                keyed.sort_by(|(a, _), (b, _)| ps_compare(a, b));
                if a.has("Descending") {
                    keyed.reverse();
                }
                if a.has("Unique") {
                    keyed.dedup_by(|x, y| ps_compare(&x.0, &y.0) == std::cmp::Ordering::Equal);
                }
                keyed.into_iter().map(|(_, v)| v).collect()
            }
            "Measure-Object" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("Sum", &[], false),
                    ("Average", &[], false),
                    ("Maximum", &[], false),
                    ("Minimum", &[], false),
                    ("Line", &[], false),
                    ("Word", &[], false),
                    ("Character", &[], false),
                ]);
                let prop = a.arg("Property", 0).map(V::text);
                let nums: Vec<f64> = input
                    .iter()
                    .filter_map(|it| match &prop {
                        Some(p) => self.member(it, p).as_f64(),
                        None => it.as_f64(),
                    })
                    .collect();
                let stat = |on: bool, v: f64| {
                    if on && !nums.is_empty() {
                        V::Num(v)
                    } else {
                        V::Null
                    }
                };
                let sum: f64 = nums.iter().sum();
                let max = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let min = nums.iter().copied().fold(f64::INFINITY, f64::min);
                vec![obj(
                    Kind::ListView,
                    vec![
                        ("Count", V::Int(input.len() as i64)),
                        (
                            "Average",
                            stat(a.has("Average"), sum / nums.len().max(1) as f64),
                        ),
                        ("Sum", stat(a.has("Sum"), sum)),
                        ("Maximum", stat(a.has("Maximum"), max)),
                        ("Minimum", stat(a.has("Minimum"), min)),
                        ("Property", prop.map_or(V::Null, V::Str)),
                    ],
                )]
            }
            "Select-String" => {
                let a = bind!(&[
                    ("Pattern", &[], true),
                    ("SimpleMatch", &[], false),
                    ("CaseSensitive", &[], false),
                    ("NotMatch", &[], false),
                    ("InputObject", &[], true),
                ]);
                let pat = a.arg("Pattern", 0).map(V::text).unwrap_or_default();
                let pat = if a.has("SimpleMatch") {
                    regex::escape(&pat)
                } else {
                    pat
                };
                let re = match RegexBuilder::new(&pat)
                    .case_insensitive(!a.has("CaseSensitive"))
                    .size_limit(1 << 22)
                    .build()
                {
                    Ok(re) => re,
                    Err(_) => {
                        self.cmdlet_error(
                            c,
                            &format!("The string {pat} is not a valid regular expression."),
                            "InvalidArgument: (:) [Select-String], ArgumentException",
                            "InvalidRegex,Microsoft.PowerShell.Commands.SelectStringCommand",
                        )?;
                        return Ok(Vec::new());
                    }
                };
                let mut items = input;
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut items);
                }
                let mut out = Vec::new();
                for (n, it) in items.iter().enumerate() {
                    let line = it.text();
                    if re.is_match(&line) != a.has("NotMatch") {
                        out.push(obj(
                            Kind::Match,
                            vec![
                                ("LineNumber", V::Int(n as i64 + 1)),
                                ("Line", V::Str(line)),
                                ("Pattern", V::Str(pat.clone())),
                            ],
                        ));
                    }
                }
                out
            }
            "Format-Table" | "Format-List" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("AutoSize", &["auto"], false),
                    ("Wrap", &[], false),
                    ("HideTableHeaders", &[], false)
                ]);
                let items: Vec<V> = match a.arg("Property", 0) {
                    Some(p) => {
                        let pats: Vec<String> =
                            flat(std::slice::from_ref(p)).iter().map(V::text).collect();
                        input.iter().map(|it| self.select(it, &pats)).collect()
                    }
                    None => input,
                };
                let text = if cmdlet == "Format-List" {
                    self.render_list(&items)
                } else {
                    self.render(&items)
                };
                text.lines().map(|l| V::Str(l.to_owned())).collect()
            }
            "Out-String" => {
                let a = bind!(&[
                    ("Stream", &[], false),
                    ("Width", &[], true),
                    ("InputObject", &[], true)
                ]);
                let mut items = input;
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut items);
                }
                let text = self.render(&items);
                if a.has("Stream") {
                    text.lines().map(|l| V::Str(l.to_owned())).collect()
                } else {
                    vec![V::Str(text)]
                }
            }
            "Out-Null" => {
                let _ = bind!(&[("InputObject", &[], true)]);
                Vec::new()
            }
            _ => {
                let _ = piped;
                Vec::new()
            }
        })
    }

    fn where_object(&mut self, c: &PCmd, raw: Vec<Raw>, input: Vec<V>) -> PsRes<Vec<V>> {
        let mut block = None;
        let mut prop = None;
        let mut op = None;
        let mut value = None;
        let mut it = raw.into_iter().peekable();
        while let Some(r) = it.next() {
            match r {
                Raw::Val(V::Block(b)) if block.is_none() => block = Some(b),
                Raw::Val(v) if prop.is_none() => prop = Some(v.text()),
                Raw::Val(v) => value = Some(v),
                Raw::Param(p, _, _) => {
                    let lp = p.to_ascii_lowercase();
                    match lp.as_str() {
                        "filterscript" => {
                            if let Some(Raw::Val(V::Block(b))) = it.next() {
                                block = Some(b);
                            }
                        }
                        "property" => {
                            if let Some(Raw::Val(v)) = it.next() {
                                prop = Some(v.text());
                            }
                        }
                        "value" => {
                            if let Some(Raw::Val(v)) = it.next() {
                                value = Some(v);
                            }
                        }
                        o if PS_OPERATORS.contains(&o) => op = Some(o.to_owned()),
                        _ => {
                            let msg = format!(
                                "A parameter cannot be found that matches parameter name '{p}'."
                            );
                            self.last_ok = false;
                            self.error_record(c, c.col, c.end, &msg, "InvalidArgument: (:) [Where-Object], ParameterBindingException", "NamedParameterNotFound,Microsoft.PowerShell.Commands.WhereObjectCommand");
                            return Ok(Vec::new());
                        }
                    }
                }
            }
        }
        let saved = self.vars.get("_").cloned();
        let mut out = Vec::new();
        let mut r = Ok(());
        for item in input {
            if let Err(e) = self.charge(1) {
                r = Err(e);
                break;
            }
            let keep = if let Some(b) = &block {
                self.vars.insert("_".to_owned(), item.clone());
                match self.exec_block(b) {
                    Ok(v) => collapse(v).truthy(),
                    Err(e) => {
                        r = Err(e);
                        break;
                    }
                }
            } else if let Some(p) = &prop {
                let left = self.member(&item, p);
                match (&op, &value) {
                    (Some(o), Some(v)) => self.binary(o, left, v.clone()).truthy(),
                    _ => left.truthy(),
                }
            } else {
                true
            };
            if keep {
                out.push(item);
            }
        }
        match saved {
            Some(v) => self.vars.insert("_".to_owned(), v),
            None => self.vars.remove("_"),
        };
        r.map(|()| out)
    }

    /// Select-Object -Property: an object with just those properties.
    fn select(&self, it: &V, pats: &[String]) -> V {
        if let V::Obj(o) = it {
            return select_props(
                it,
                pats,
                if o.kind == Kind::ListView {
                    Kind::ListView
                } else {
                    Kind::Generic
                },
            );
        }
        let props: Vec<(&str, V)> = pats
            .iter()
            .map(|p| (p.as_str(), self.member(it, p)))
            .collect();
        obj(Kind::Generic, props)
    }

    // --- the Windows machine ---

    fn services(&self) -> Vec<V> {
        let y2019 = self.host.platform == SimPlatform::WindowsServer2019;
        let defender = if y2019 {
            "Windows Defender Antivirus Service"
        } else {
            "Microsoft Defender Antivirus Service"
        };
        let list: [(&str, &str, &str, &str); 17] = [
            (
                "Running",
                "Amazon EC2Launch",
                "Amazon EC2Launch",
                "Automatic",
            ),
            ("Running", "AmazonSSMAgent", "Amazon SSM Agent", "Automatic"),
            (
                "Running",
                "AWSLiteAgent",
                "AWS Lite Guest Agent",
                "Automatic",
            ),
            ("Running", "Dhcp", "DHCP Client", "Automatic"),
            ("Running", "Dnscache", "DNS Client", "Automatic"),
            ("Running", "EventLog", "Windows Event Log", "Automatic"),
            ("Running", "LanmanServer", "Server", "Automatic"),
            ("Running", "LanmanWorkstation", "Workstation", "Automatic"),
            (
                "Running",
                "MpsSvc",
                "Windows Defender Firewall",
                "Automatic",
            ),
            ("Running", "Schedule", "Task Scheduler", "Automatic"),
            ("Running", "Spooler", "Print Spooler", "Automatic"),
            (
                "Running",
                "TermService",
                "Remote Desktop Services",
                "Manual",
            ),
            ("Running", "W32Time", "Windows Time", "Automatic"),
            ("Running", "WinDefend", defender, "Automatic"),
            (
                "Running",
                "WinRM",
                "Windows Remote Management (WS-Management)",
                "Automatic",
            ),
            ("Stopped", "wuauserv", "Windows Update", "Manual"),
            ("Stopped", "sshd", "OpenSSH SSH Server", "Manual"),
        ];
        let mut v: Vec<V> = list
            .iter()
            .filter(|(_, n, _, _)| !(y2019 && *n == "sshd"))
            .map(|(st, n, d, start)| {
                obj(
                    Kind::Service,
                    vec![
                        ("Status", V::Str((*st).to_owned())),
                        ("Name", V::Str((*n).to_owned())),
                        ("DisplayName", V::Str((*d).to_owned())),
                        ("StartType", V::Str((*start).to_owned())),
                        ("ServiceName", V::Str((*n).to_owned())),
                        ("CanStop", V::Bool(*st == "Running")),
                    ],
                )
            })
            .collect();
        v.sort_by_key(|s| s.get_text("Name").to_lowercase());
        v
    }

    fn win_processes(&self) -> Vec<V> {
        let h = &self.host;
        let up = h.uptime_s() as f64;
        let r = |what: &str| h.rand(what);
        let mut list: Vec<(&str, u32, u32)> = vec![
            ("Idle", 0, 0),
            ("System", 4, 0),
            ("Registry", 92, 0),
            ("smss", 304, 0),
            ("csrss", 412, 0),
            ("wininit", 488, 0),
            ("csrss", 496, 1),
            ("winlogon", 560, 1),
            ("services", 620, 0),
            ("lsass", 644, 0),
            ("svchost", 756, 0),
            ("fontdrvhost", 776, 0),
            ("fontdrvhost", 784, 1),
            ("svchost", 840, 0),
            ("dwm", 936, 1),
            ("svchost", 1012, 0),
            ("svchost", 1104, 0),
            ("svchost", 1220, 0),
            ("spoolsv", 1596, 0),
            ("MsMpEng", 1876, 0),
            ("LiteAgent", 1944, 0),
            ("LogonUI", 2088, 1),
            ("WmiPrvSE", 2764, 0),
        ];
        list.push(("amazon-ssm-agent", h.agent_pid.max(2200) + 1000, 0));
        list.push(("ssm-agent-worker", h.agent_pid.max(2200) + 1400, 0));
        let me = win_pid(h);
        list.push(("ssm-document-worker", me - 8, 0));
        list.push(("powershell", me, 0));
        list.push(("conhost", me + 4, 0));
        let mut v: Vec<V> = list
            .into_iter()
            .map(|(name, id, si)| {
                let k = r(&format!("proc-{name}-{id}"));
                let ws: i64 = match name {
                    "Idle" => 8 * 1024,
                    "System" => 140 * 1024,
                    "MsMpEng" => 180_000 * 1024 + (k % 40_000) as i64 * 1024,
                    "powershell" => 62_000 * 1024 + (k % 8_000) as i64 * 1024,
                    _ => (4_000 + k % 30_000) as i64 * 1024,
                };
                let cpu = match name {
                    "Idle" => up * f64::from(h.cpus) * 0.93,
                    "powershell" | "conhost" | "ssm-document-worker" => {
                        0.2 + (k % 100) as f64 / 100.0
                    }
                    "MsMpEng" => up / 40.0,
                    _ => up / (500.0 + (k % 20_000) as f64),
                };
                let handles = match name {
                    "Idle" => 0,
                    "System" => 2_600 + (k % 800) as i64,
                    _ => 80 + (k % 900) as i64,
                };
                obj(
                    Kind::Process,
                    vec![
                        ("Handles", V::Int(handles)),
                        (
                            "NPM",
                            V::Int(if id == 0 {
                                0
                            } else {
                                (6 + k % 40) as i64 * 1024
                            }),
                        ),
                        ("PM", V::Int(if id == 0 { 60 * 1024 } else { ws * 7 / 10 })),
                        ("WS", V::Int(ws)),
                        ("CPU", V::Num((cpu * 100.0).round() / 100.0)),
                        ("Id", V::Int(i64::from(id))),
                        ("SI", V::Int(i64::from(si))),
                        ("ProcessName", V::Str(name.to_owned())),
                        ("Name", V::Str(name.to_owned())),
                    ],
                )
            })
            .collect();
        v.sort_by(|a, b| {
            a.get_text("ProcessName")
                .to_lowercase()
                .cmp(&b.get_text("ProcessName").to_lowercase())
                .then(ps_compare(&a.get_v("Id"), &b.get_v("Id")))
        });
        v
    }

    fn hotfixes(&self) -> Vec<V> {
        let boot_day = self.host.boot_ms - self.host.boot_ms.rem_euclid(86_400_000);
        let list: &[(&str, &str, i64)] = if self.host.platform == SimPlatform::WindowsServer2019 {
            &[
                ("Update", "KB4486153", 700),
                ("Security Update", "KB5005112", 1_100),
                ("Update", "KB5043126", 30),
                ("Security Update", "KB5044277", 0),
            ]
        } else {
            &[
                ("Update", "KB5044020", 30),
                ("Security Update", "KB5012170", 800),
                ("Update", "KB5043935", 60),
                ("Security Update", "KB5044281", 0),
            ]
        };
        list.iter()
            .map(|(d, id, days)| {
                obj(
                    Kind::HotFix,
                    vec![
                        ("Source", V::Str(self.host.hostname.clone())),
                        ("Description", V::Str((*d).to_owned())),
                        ("HotFixID", V::Str((*id).to_owned())),
                        ("InstalledBy", V::Str("NT AUTHORITY\\SYSTEM".to_owned())),
                        ("InstalledOn", V::Date(boot_day - days * 86_400_000)),
                    ],
                )
            })
            .collect()
    }

    fn computer_info(&self) -> V {
        let h = &self.host;
        let y2019 = h.platform == SimPlatform::WindowsServer2019;
        let (build, rev) = self.build();
        let gib = (h.mem.total as f64 / (0.955 * 1024.0 * 1024.0)).round() as u32;
        let family = match gib / h.cpus.max(1) {
            0..=2 => "c5",
            3..=5 => "m5",
            _ => "r5",
        };
        let size = match h.cpus {
            2 => "large",
            4 => "xlarge",
            8 => "2xlarge",
            _ => "4xlarge",
        };
        let up = h.uptime_s();
        let product = if y2019 {
            "Windows Server 2019 Datacenter"
        } else {
            "Windows Server 2022 Datacenter"
        };
        obj(
            Kind::ListView,
            vec![
                (
                    "WindowsBuildLabEx",
                    V::Str(
                        if y2019 {
                            "17763.1.amd64fre.rs5_release.180914-1434"
                        } else {
                            "20348.1.amd64fre.fe_release.210507-1500"
                        }
                        .to_owned(),
                    ),
                ),
                ("WindowsCurrentVersion", V::Str("6.3".to_owned())),
                ("WindowsEditionId", V::Str("ServerDatacenter".to_owned())),
                ("WindowsInstallationType", V::Str("Server".to_owned())),
                ("WindowsProductName", V::Str(product.to_owned())),
                ("WindowsRegisteredOwner", V::Str("EC2".to_owned())),
                (
                    "WindowsVersion",
                    V::Str(if y2019 { "1809" } else { "2009" }.to_owned()),
                ),
                ("BiosManufacturer", V::Str("Amazon EC2".to_owned())),
                ("CsDNSHostName", V::Str(h.hostname.clone())),
                ("CsDomain", V::Str("WORKGROUP".to_owned())),
                ("CsManufacturer", V::Str("Amazon EC2".to_owned())),
                ("CsModel", V::Str(format!("{family}.{size}"))),
                ("CsName", V::Str(h.hostname.clone())),
                ("CsNumberOfLogicalProcessors", V::Int(i64::from(h.cpus))),
                ("CsTotalPhysicalMemory", V::Int((h.mem.total * 1024) as i64)),
                ("OsName", V::Str(format!("Microsoft {product}"))),
                ("OsType", V::Str("WINNT".to_owned())),
                ("OsVersion", V::Str(format!("10.0.{build}"))),
                ("OsBuildNumber", V::Str(build.to_string())),
                ("OsArchitecture", V::Str("64-bit".to_owned())),
                ("OsLastBootUpTime", V::Date(h.boot_ms)),
                (
                    "OsUptime",
                    V::Str(format!(
                        "{}.{:02}:{:02}:{:02}.{:07}",
                        up / 86_400,
                        up / 3600 % 24,
                        up / 60 % 60,
                        up % 60,
                        h.rand("uptime-frac") % 10_000_000
                    )),
                ),
                ("OsLocale", V::Str("en-US".to_owned())),
                ("OsServicePackMajorVersion", V::Int(0)),
                (
                    "OsBuildType",
                    V::Str(format!("Multiprocessor Free (rev {rev})")),
                ),
                (
                    "TimeZone",
                    V::Str("(UTC) Coordinated Universal Time".to_owned()),
                ),
            ],
        )
    }

    /// A Windows path, absolute, with `.` and `..` resolved.
    fn win_resolve(&self, p: &str) -> String {
        let p = p.replace('/', "\\");
        let full = if p.len() >= 2 && p.as_bytes()[1] == b':' {
            p
        } else if let Some(rest) = p.strip_prefix('\\') {
            format!("C:\\{rest}")
        } else {
            format!("{}\\{p}", self.cwd)
        };
        let mut parts: Vec<&str> = Vec::new();
        for seg in full.split('\\') {
            match seg {
                "" | "." => {}
                ".." => {
                    if parts.len() > 1 {
                        parts.pop();
                    }
                }
                s => parts.push(s),
            }
        }
        let mut out = parts.join("\\");
        if parts.len() == 1 {
            out.push('\\');
        }
        if let Some(first) = out.get(..1) {
            out = first.to_uppercase() + &out[1..];
        }
        out
    }

    fn win_is_dir(&self, path: &str) -> bool {
        const DIRS: &[&str] = &[
            "C:\\",
            "C:\\Windows",
            "C:\\Windows\\System32",
            "C:\\Windows\\System32\\drivers",
            "C:\\Windows\\System32\\drivers\\etc",
            "C:\\Windows\\Temp",
            "C:\\ProgramData",
            "C:\\ProgramData\\Amazon",
            "C:\\ProgramData\\Amazon\\SSM",
            "C:\\ProgramData\\sysman",
            "C:\\ProgramData\\sysman\\run",
            "C:\\Program Files",
            "C:\\Program Files\\Amazon",
            "C:\\Program Files\\Amazon\\SSM",
            "C:\\Users",
            "C:\\Users\\Administrator",
            "C:\\Users\\Default",
            "C:\\Windows\\System32\\WindowsPowerShell",
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
        ];
        DIRS.iter().any(|d| d.eq_ignore_ascii_case(path))
    }

    fn win_file(&self, path: &str) -> Option<String> {
        let p = path.to_ascii_lowercase();
        match p.as_str() {
            "c:\\windows\\system32\\drivers\\etc\\hosts" => Some(
                "# Copyright (c) 1993-2009 Microsoft Corp.\n#\n# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\n#\n\
                 # localhost name resolution is handled within DNS itself.\n#\t127.0.0.1       localhost\n#\t::1             localhost\n"
                    .to_owned(),
            ),
            "c:\\program files\\amazon\\ssm\\amazon-ssm-agent.exe" | "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe" => {
                Some(String::new())
            }
            _ => None,
        }
    }
}

/// The process id of powershell.exe: Windows ids are multiples of 4.
pub(crate) fn win_pid(h: &Host) -> u32 {
    4 * (1200 + h.shell_pid % 6000)
}

fn select_props(it: &V, pats: &[String], kind: Kind) -> V {
    let V::Obj(o) = it else { return it.clone() };
    let mut props: Vec<(String, V)> = Vec::new();
    for p in pats {
        let matched: Vec<&(String, V)> = o.props.iter().filter(|(k, _)| ps_like(p, k)).collect();
        if matched.is_empty() && !p.contains(['*', '?']) {
            props.push((p.clone(), V::Null));
        }
        for (k, v) in matched {
            if !props.iter().any(|(x, _)| x == k) {
                props.push((k.clone(), v.clone()));
            }
        }
    }
    V::Obj(Rc::new(PsObj { kind, props }))
}

impl V {
    fn get_v(&self, k: &str) -> V {
        match self {
            V::Obj(o) => o.get(k).cloned().unwrap_or(V::Null),
            _ => V::Null,
        }
    }

    fn get_text(&self, k: &str) -> String {
        self.get_v(k).text()
    }

    fn get_f64(&self, k: &str) -> Option<f64> {
        self.get_v(k).as_f64()
    }
}
