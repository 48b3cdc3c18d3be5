//! Text commands: cat, grep, head, tail, wc, sort, uniq, cut, tee, tr and POSIX regexes.

use std::fmt::Write as _;

use regex::RegexBuilder;

use crate::{
    sh::exec::{Input, Out, Sh, parent},
    sh::usage::{bad_option, missing_operand},
};

/// The lines of a text, without their newlines.
fn text_lines(s: &str) -> impl Iterator<Item = &str> {
    s.strip_suffix('\n')
        .unwrap_or(s)
        .split('\n')
        .filter(move |_| !s.is_empty())
}

/// A count argument of head/tail: `N`, `-N` or `+N`.
fn count_arg(s: &str) -> Option<(i64, bool)> {
    let plus = s.starts_with('+');
    let body = s.trim_start_matches('+');
    let v: i64 = body.parse().ok()?;
    Some((v, plus))
}

impl Sh {
    pub(crate) fn c_cat(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let mut number = false;
        let mut files = Vec::new();
        for a in args {
            if a.len() > 1 && a.starts_with('-') {
                if a == "-n" || a == "--number" {
                    number = true;
                } else if !a[1..].chars().all(|c| "bsAETuv".contains(c)) {
                    return bad_option(o, "cat", a, 1);
                }
            } else {
                files.push(a.clone());
            }
        }
        let mut ok = true;
        let mut n = 0;
        for (_, content) in self.inputs("cat", &files, inp, o, &mut ok) {
            if number {
                for l in content.split_inclusive('\n') {
                    n += 1;
                    let _ = write!(o.out, "{n:6}\t{l}");
                    if o.full() {
                        break;
                    }
                }
            } else {
                o.out.push_str(&content);
            }
            if o.full() {
                break;
            }
        }
        i32::from(!ok)
    }

    pub(crate) fn c_grep(&self, name: &str, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let (mut icase, mut invert, mut count, mut quiet, mut number, mut list) =
            (false, false, false, false, false, false);
        let (mut no_name, mut with_name, mut only, mut line_x, mut word, mut silent) =
            (false, false, false, false, false, false);
        let mut extended = name == "egrep";
        let mut fixed = name == "fgrep";
        let mut patterns: Vec<String> = Vec::new();
        let mut operands: Vec<String> = Vec::new();
        let mut i = 0;
        let usage = |o: &mut Out| {
            o.err_line("Usage: grep [OPTION]... PATTERNS [FILE]...");
            o.err_line("Try 'grep --help' for more information.");
            2
        };
        while let Some(a) = args.get(i) {
            i += 1;
            if a == "--" {
                operands.extend(args[i..].iter().cloned());
                break;
            }
            if let Some(long) = a.strip_prefix("--") {
                match long {
                    "ignore-case" => icase = true,
                    "invert-match" => invert = true,
                    "count" => count = true,
                    "quiet" | "silent" => quiet = true,
                    "line-number" => number = true,
                    "files-with-matches" => list = true,
                    "no-filename" => no_name = true,
                    "with-filename" => with_name = true,
                    "only-matching" => only = true,
                    "line-regexp" => line_x = true,
                    "word-regexp" => word = true,
                    "extended-regexp" => extended = true,
                    "fixed-strings" => fixed = true,
                    "no-messages" => silent = true,
                    l if l.starts_with("color") || l.starts_with("colour") => {}
                    l if l.starts_with("regexp=") => patterns.push(l[7..].to_owned()),
                    _ => return bad_option(o, "grep", a, 2),
                }
                continue;
            }
            if a.len() > 1 && a.starts_with('-') {
                let chars: Vec<char> = a[1..].chars().collect();
                let mut j = 0;
                while j < chars.len() {
                    match chars[j] {
                        'i' | 'y' => icase = true,
                        'v' => invert = true,
                        'c' => count = true,
                        'q' => quiet = true,
                        'n' => number = true,
                        'l' => list = true,
                        'h' => no_name = true,
                        'H' => with_name = true,
                        'o' => only = true,
                        'x' => line_x = true,
                        'w' => word = true,
                        'E' => extended = true,
                        'F' => fixed = true,
                        'G' => extended = false,
                        's' => silent = true,
                        'r' | 'R' | 'a' | 'I' | 'U' => {}
                        'e' => {
                            let rest: String = chars[j + 1..].iter().collect();
                            if rest.is_empty() {
                                match args.get(i) {
                                    Some(p) => patterns.push(p.clone()),
                                    None => return usage(o),
                                }
                                i += 1;
                            } else {
                                patterns.push(rest);
                            }
                            j = chars.len();
                            continue;
                        }
                        'A' | 'B' | 'C' | 'm' => {
                            if j + 1 == chars.len() {
                                i += 1;
                            }
                            j = chars.len();
                            continue;
                        }
                        c => return bad_option(o, "grep", &format!("-{c}"), 2),
                    }
                    j += 1;
                }
                continue;
            }
            operands.push(a.clone());
        }
        if patterns.is_empty() {
            if operands.is_empty() {
                return usage(o);
            }
            patterns.push(operands.remove(0));
        }
        let mut alts = Vec::new();
        for p in patterns.iter().flat_map(|p| p.split('\n')) {
            let re = if fixed {
                regex::escape(p)
            } else {
                match posix_to_regex(p, extended) {
                    Ok(r) => r,
                    Err(msg) => {
                        o.err_line(&format!("grep: {msg}"));
                        return 2;
                    }
                }
            };
            alts.push(format!("(?:{re})"));
        }
        let mut re = alts.join("|");
        if line_x {
            re = format!("^(?:{re})$");
        } else if word {
            re = format!("(?:^|\\W)(?:{re})(?:\\W|$)");
        }
        let regex = match RegexBuilder::new(&re)
            .case_insensitive(icase)
            .size_limit(1 << 22)
            .build()
        {
            Ok(r) => r,
            Err(_) => {
                o.err_line("grep: Invalid regular expression");
                return 2;
            }
        };
        let mut ok = true;
        let mut quiet_o = Out::default();
        let inputs = self.inputs(
            "grep",
            &operands,
            inp,
            if silent { &mut quiet_o } else { o },
            &mut ok,
        );
        let show_name = (operands.len() > 1 || with_name) && !no_name;
        let mut any = false;
        for (fname, content) in &inputs {
            let shown = if fname == "-" {
                "(standard input)"
            } else {
                fname.as_str()
            };
            let mut n = 0;
            for (ln, line) in text_lines(content).enumerate() {
                let hit = regex.is_match(line) != invert;
                if !hit {
                    continue;
                }
                any = true;
                n += 1;
                if quiet {
                    return 0;
                }
                if list || count {
                    continue;
                }
                let prefix = format!(
                    "{}{}",
                    if show_name {
                        format!("{shown}:")
                    } else {
                        String::new()
                    },
                    if number {
                        format!("{}:", ln + 1)
                    } else {
                        String::new()
                    }
                );
                if only && !invert {
                    for m in regex.find_iter(line).filter(|m| !m.as_str().is_empty()) {
                        o.line(&format!("{prefix}{}", m.as_str()));
                    }
                } else {
                    o.line(&format!("{prefix}{line}"));
                }
                if o.full() {
                    break;
                }
            }
            if count {
                o.line(&if show_name {
                    format!("{shown}:{n}")
                } else {
                    n.to_string()
                });
            } else if list && n > 0 {
                o.line(shown);
            }
        }
        if !ok {
            2
        } else if any {
            0
        } else {
            1
        }
    }

    pub(crate) fn c_head_tail(
        &self,
        name: &str,
        args: &[String],
        inp: &mut Input,
        o: &mut Out,
    ) -> i32 {
        let head = name == "head";
        let mut n: i64 = 10;
        let mut from_start = false;
        let mut bytes = false;
        let mut files = Vec::new();
        let mut i = 0;
        let bad = |o: &mut Out, v: &str, bytes: bool| {
            o.err_line(&format!(
                "{name}: invalid number of {}: '{v}'",
                if bytes { "bytes" } else { "lines" }
            ));
            1
        };
        while let Some(a) = args.get(i) {
            i += 1;
            let (flag, val): (&str, Option<String>) = if a == "-n" || a == "-c" {
                let v = args.get(i).cloned();
                i += 1;
                (a.as_str(), v)
            } else if let Some(v) = a.strip_prefix("--lines=") {
                ("-n", Some(v.to_owned()))
            } else if let Some(v) = a.strip_prefix("--bytes=") {
                ("-c", Some(v.to_owned()))
            } else if a.starts_with("-n") || a.starts_with("-c") {
                (&a[..2], Some(a[2..].to_owned()))
            } else if a.len() > 1
                && a.starts_with('-')
                && a[1..].chars().all(|c| c.is_ascii_digit())
            {
                ("-n", Some(a[1..].to_owned()))
            } else if matches!(
                a.as_str(),
                "-f" | "-F" | "--follow" | "-q" | "-v" | "--quiet" | "--silent"
            ) {
                continue;
            } else if a.len() > 1 && a.starts_with('-') {
                return bad_option(o, name, a, 1);
            } else {
                files.push(a.clone());
                continue;
            };
            bytes = flag == "-c";
            let Some(val) = val else {
                o.err_line(&format!(
                    "{name}: option requires an argument -- '{}'",
                    &flag[1..]
                ));
                o.err_line(&format!("Try '{name} --help' for more information."));
                return 1;
            };
            match count_arg(&val) {
                Some((v, plus)) => {
                    n = v;
                    from_start = plus;
                }
                None => return bad(o, &val, bytes),
            }
        }
        let mut ok = true;
        let inputs = self.inputs(name, &files, inp, o, &mut ok);
        let many = inputs.len() > 1;
        for (k, (fname, content)) in inputs.iter().enumerate() {
            if many {
                if k > 0 {
                    o.out.push('\n');
                }
                o.line(&format!(
                    "==> {} <==",
                    if fname == "-" {
                        "standard input"
                    } else {
                        fname
                    }
                ));
            }
            if bytes {
                let b = content.as_bytes();
                let len = b.len() as i64;
                let (s, e) = if head {
                    if n >= 0 {
                        (0, n.min(len))
                    } else {
                        (0, (len + n).max(0))
                    }
                } else if from_start {
                    ((n - 1).clamp(0, len), len)
                } else {
                    ((len - n.abs()).max(0), len)
                };
                o.out
                    .push_str(&String::from_utf8_lossy(&b[s as usize..e as usize]));
                continue;
            }
            let lines: Vec<&str> = content.split_inclusive('\n').collect();
            let len = lines.len() as i64;
            let (s, e) = if head {
                if n >= 0 {
                    (0, n.min(len))
                } else {
                    (0, (len + n).max(0))
                }
            } else if from_start {
                ((n - 1).clamp(0, len), len)
            } else {
                ((len - n.abs()).max(0), len)
            };
            for l in &lines[s as usize..e as usize] {
                o.out.push_str(l);
            }
        }
        i32::from(!ok)
    }

    pub(crate) fn c_wc(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let mut flags = String::new();
        let mut files = Vec::new();
        for a in args {
            match a.as_str() {
                "--lines" => flags.push('l'),
                "--words" => flags.push('w'),
                "--bytes" => flags.push('c'),
                "--chars" => flags.push('m'),
                f if f.len() > 1 && f.starts_with('-') => {
                    if let Some(c) = f[1..].chars().find(|c| !"lwcm".contains(*c)) {
                        return bad_option(o, "wc", &format!("-{c}"), 1);
                    }
                    flags.push_str(&f[1..]);
                }
                f => files.push(f.to_owned()),
            }
        }
        if flags.is_empty() {
            flags.push_str("lwc");
        }
        let order: Vec<char> = "lwmc".chars().filter(|c| flags.contains(*c)).collect();
        let mut ok = true;
        let inputs = self.inputs("wc", &files, inp, o, &mut ok);
        let counts = |s: &str| -> Vec<u64> {
            order
                .iter()
                .map(|c| match c {
                    'l' => s.bytes().filter(|&b| b == b'\n').count() as u64,
                    'w' => s.split_whitespace().count() as u64,
                    'm' => s.chars().count() as u64,
                    _ => s.len() as u64,
                })
                .collect()
        };
        let rows: Vec<(String, Vec<u64>)> =
            inputs.iter().map(|(n, c)| (n.clone(), counts(c))).collect();
        let mut total = vec![0u64; order.len()];
        for (_, r) in &rows {
            for (t, v) in total.iter_mut().zip(r) {
                *t += v;
            }
        }
        let stdin = inputs.iter().any(|(n, _)| n == "-");
        let width = if order.len() == 1 && rows.len() == 1 {
            1
        } else if stdin {
            7
        } else {
            let bytes: usize = inputs.iter().map(|(_, c)| c.len()).sum();
            bytes.to_string().len()
        };
        let fmt = |name: &str, r: &[u64]| {
            let nums: Vec<String> = r.iter().map(|v| format!("{v:>width$}")).collect();
            let mut line = nums.join(" ");
            if name != "-" {
                line.push(' ');
                line.push_str(name);
            }
            line
        };
        for (name, r) in &rows {
            o.line(&fmt(name, r));
        }
        if rows.len() > 1 {
            o.line(&fmt("total", &total));
        }
        i32::from(!ok)
    }

    pub(crate) fn c_sort(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let (mut rev, mut numeric, mut uniq, mut fold, mut human) =
            (false, false, false, false, false);
        let mut key: Option<(usize, Option<usize>)> = None;
        let mut sep: Option<char> = None;
        let mut files = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            if a.starts_with("-k")
                || a.starts_with("-t")
                || a.starts_with("--key=")
                || a.starts_with("--field-separator=")
            {
                let (flag, inline) = if let Some(v) = a.strip_prefix("--key=") {
                    ('k', v.to_owned())
                } else if let Some(v) = a.strip_prefix("--field-separator=") {
                    ('t', v.to_owned())
                } else {
                    (a.chars().nth(1).unwrap_or('k'), a[2..].to_owned())
                };
                let v = if inline.is_empty() {
                    i += 1;
                    args.get(i - 1).cloned().unwrap_or_default()
                } else {
                    inline
                };
                if flag == 't' {
                    sep = v.chars().next();
                } else {
                    let mut opts = String::new();
                    let spec: String = v
                        .chars()
                        .filter(|c| {
                            c.is_ascii_digit() || *c == ',' || {
                                opts.push(*c);
                                false
                            }
                        })
                        .collect();
                    rev |= opts.contains('r');
                    numeric |= opts.contains('n');
                    let mut parts = spec.split(',');
                    let start = parts
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(1usize)
                        .max(1);
                    let end = parts.next().and_then(|s| s.parse().ok());
                    key = Some((start, end));
                }
                continue;
            }
            match a.as_str() {
                "-r" | "--reverse" => rev = true,
                "-n" | "--numeric-sort" => numeric = true,
                "-u" | "--unique" => uniq = true,
                "-f" | "--ignore-case" => fold = true,
                "-h" | "--human-numeric-sort" => human = true,
                f if f.len() > 1 && f.starts_with('-') => {
                    for c in f[1..].chars() {
                        match c {
                            'r' => rev = true,
                            'n' | 'g' => numeric = true,
                            'u' => uniq = true,
                            'f' => fold = true,
                            'h' => human = true,
                            'b' | 's' | 'd' | 'V' => {}
                            _ => return bad_option(o, "sort", &format!("-{c}"), 2),
                        }
                    }
                }
                f => files.push(f.to_owned()),
            }
        }
        let mut ok = true;
        let inputs = self.inputs("sort", &files, inp, o, &mut ok);
        if !ok {
            return 2;
        }
        let mut lines: Vec<&str> = inputs.iter().flat_map(|(_, c)| text_lines(c)).collect();
        let keyf = |l: &'_ str| -> String {
            let Some((start, end)) = key else {
                return l.to_owned();
            };
            let fields: Vec<&str> = match sep {
                Some(s) => l.split(s).collect(),
                None => l.split_whitespace().collect(),
            };
            let end = end.unwrap_or(fields.len()).min(fields.len());
            if start > end {
                return String::new();
            }
            fields[start - 1..end].join(&sep.map_or(" ".to_owned(), |c| c.to_string()))
        };
        let num = |s: &str| -> f64 {
            let t = s.trim_start();
            let end = t
                .char_indices()
                .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')))
                .map_or(t.len(), |(i, _)| i);
            let mut v = t[..end].parse::<f64>().unwrap_or(0.0);
            if human {
                let mult = match t[end..].chars().next() {
                    Some('K' | 'k') => 1e3,
                    Some('M') => 1e6,
                    Some('G') => 1e9,
                    Some('T') => 1e12,
                    _ => 1.0,
                };
                v *= mult;
            }
            v
        };
        let cmp_key = |a: &str, b: &str| -> std::cmp::Ordering {
            let (ka, kb) = (keyf(a), keyf(b));
            if numeric || human {
                num(&ka)
                    .partial_cmp(&num(&kb))
                    .unwrap_or(std::cmp::Ordering::Equal)
            } else if fold {
                ka.to_lowercase().cmp(&kb.to_lowercase())
            } else {
                ka.cmp(&kb)
            }
        };
        lines.sort_by(|a, b| {
            let ord = cmp_key(a, b).then_with(|| {
                if uniq {
                    std::cmp::Ordering::Equal
                } else {
                    a.cmp(b)
                }
            });
            if rev { ord.reverse() } else { ord }
        });
        if uniq {
            lines.dedup_by(|a, b| cmp_key(a, b) == std::cmp::Ordering::Equal);
        }
        for l in lines {
            o.line(l);
        }
        0
    }

    pub(crate) fn c_uniq(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let (mut count, mut dups, mut uniques, mut fold) = (false, false, false, false);
        let mut files = Vec::new();
        for a in args {
            match a.as_str() {
                "--count" => count = true,
                "--repeated" => dups = true,
                "--unique" => uniques = true,
                "--ignore-case" => fold = true,
                f if f.len() > 1 && f.starts_with('-') => {
                    for c in f[1..].chars() {
                        match c {
                            'c' => count = true,
                            'd' => dups = true,
                            'u' => uniques = true,
                            'i' => fold = true,
                            _ => return bad_option(o, "uniq", &format!("-{c}"), 1),
                        }
                    }
                }
                f => files.push(f.to_owned()),
            }
        }
        let mut ok = true;
        let inputs = self.inputs("uniq", &files[..files.len().min(1)], inp, o, &mut ok);
        let same = |a: &str, b: &str| {
            if fold {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let mut groups: Vec<(&str, usize)> = Vec::new();
        for l in inputs.iter().flat_map(|(_, c)| text_lines(c)) {
            match groups.last_mut() {
                Some((g, n)) if same(g, l) => *n += 1,
                _ => groups.push((l, 1)),
            }
        }
        for (l, n) in groups {
            if (dups && n < 2) || (uniques && n > 1) {
                continue;
            }
            if count {
                o.line(&format!("{n:>7} {l}"));
            } else {
                o.line(l);
            }
        }
        i32::from(!ok)
    }

    pub(crate) fn c_cut(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let mut delim = '\t';
        let mut list: Option<(char, String)> = None;
        let mut only_delimited = false;
        let mut files = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            let take = |flag: char, inline: &str, i: &mut usize| -> String {
                if inline.is_empty() {
                    *i += 1;
                    args.get(*i - 1).cloned().unwrap_or_default()
                } else {
                    let _ = flag;
                    inline.to_owned()
                }
            };
            if let Some(rest) = a.strip_prefix("-d") {
                delim = take('d', rest, &mut i).chars().next().unwrap_or('\t');
            } else if let Some(rest) = a.strip_prefix("-f") {
                list = Some(('f', take('f', rest, &mut i)));
            } else if let Some(rest) = a.strip_prefix("-c").or_else(|| a.strip_prefix("-b")) {
                list = Some(('c', take('c', rest, &mut i)));
            } else if a == "-s" || a == "--only-delimited" {
                only_delimited = true;
            } else if a.len() > 1 && a.starts_with('-') {
                return bad_option(o, "cut", a, 1);
            } else {
                files.push(a.clone());
            }
        }
        let Some((kind, spec)) = list else {
            o.err_line("cut: you must specify a list of bytes, characters, or fields");
            o.err_line("Try 'cut --help' for more information.");
            return 1;
        };
        let mut ranges = Vec::new();
        for part in spec.split(',') {
            let r = match part.split_once('-') {
                None => part.parse::<usize>().ok().map(|n| (n, n)),
                Some((a, b)) => {
                    let lo = if a.is_empty() {
                        Some(1)
                    } else {
                        a.parse().ok()
                    };
                    let hi = if b.is_empty() {
                        Some(usize::MAX)
                    } else {
                        b.parse().ok()
                    };
                    lo.zip(hi)
                }
            };
            match r {
                Some((lo, hi)) if lo >= 1 && lo <= hi => ranges.push((lo, hi)),
                _ => {
                    o.err_line(&format!("cut: invalid field value '{part}'"));
                    o.err_line("Try 'cut --help' for more information.");
                    return 1;
                }
            }
        }
        let wanted = |n: usize| ranges.iter().any(|&(lo, hi)| lo <= n && n <= hi);
        let mut ok = true;
        for (_, content) in self.inputs("cut", &files, inp, o, &mut ok) {
            for line in text_lines(&content) {
                if kind == 'c' {
                    let s: String = line
                        .chars()
                        .enumerate()
                        .filter(|(i, _)| wanted(i + 1))
                        .map(|(_, c)| c)
                        .collect();
                    o.line(&s);
                } else if !line.contains(delim) {
                    if !only_delimited {
                        o.line(line);
                    }
                } else {
                    let fields: Vec<&str> = line
                        .split(delim)
                        .enumerate()
                        .filter(|(i, _)| wanted(i + 1))
                        .map(|(_, f)| f)
                        .collect();
                    o.line(&fields.join(&delim.to_string()));
                }
                if o.full() {
                    break;
                }
            }
        }
        i32::from(!ok)
    }

    pub(crate) fn c_tee(&mut self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let append = args.iter().any(|a| a == "-a" || a == "--append");
        let data = inp.rest().to_owned();
        let mut st = 0;
        for f in args.iter().filter(|a| !a.starts_with('-')) {
            let path = self.resolve(f);
            if path == "/dev/null" {
                continue;
            }
            if self.is_dir(&path) {
                o.err_line(&format!("tee: {f}: Is a directory"));
                st = 1;
            } else if !self.is_dir(parent(&path)) {
                o.err_line(&format!("tee: {f}: No such file or directory"));
                st = 1;
            } else {
                self.store_file(&path, &data, append);
            }
        }
        o.out = data;
        st
    }
}

/// `tr SET1 [SET2]`, with `-d`, `-s` and `-c`.
pub(crate) fn c_tr(args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
    let (mut delete, mut squeeze, mut complement) = (false, false, false);
    let mut sets = Vec::new();
    for a in args {
        if a.len() > 1 && a.starts_with('-') && sets.is_empty() {
            for c in a[1..].chars() {
                match c {
                    'd' => delete = true,
                    's' => squeeze = true,
                    'c' | 'C' => complement = true,
                    't' => {}
                    _ => return bad_option(o, "tr", &format!("-{c}"), 1),
                }
            }
        } else {
            sets.push(expand_tr_set(a));
        }
    }
    let need = if delete && !squeeze {
        1
    } else if delete || !squeeze {
        2
    } else {
        1
    };
    if sets.len() < need {
        if sets.is_empty() {
            return missing_operand(o, "tr");
        }
        o.err_line(&format!(
            "tr: missing operand after '{}'",
            args.last().map_or("", String::as_str)
        ));
        o.err_line("Two strings must be given when translating.");
        o.err_line("Try 'tr --help' for more information.");
        return 1;
    }
    let set1 = sets[0].clone();
    let in1 = |c: char| set1.contains(&c) != complement;
    let data = inp.rest();
    let mut out = String::new();
    let mut last: Option<char> = None;
    let squeeze_set: Vec<char> = if delete {
        sets.get(1).cloned().unwrap_or_default()
    } else {
        sets.last().cloned().unwrap_or_default()
    };
    for c in data.chars() {
        let mapped = if delete {
            if in1(c) {
                continue;
            }
            c
        } else if sets.len() >= 2 && in1(c) {
            let set2 = &sets[1];
            if complement {
                *set2.last().unwrap_or(&c)
            } else {
                let i = set1.iter().rposition(|&x| x == c).unwrap_or(0);
                *set2.get(i).or(set2.last()).unwrap_or(&c)
            }
        } else {
            c
        };
        if squeeze && last == Some(mapped) && squeeze_set.contains(&mapped) {
            continue;
        }
        last = Some(mapped);
        out.push(mapped);
    }
    o.out = out;
    0
}

fn expand_tr_set(s: &str) -> Vec<char> {
    let raw: Vec<char> = s.chars().collect();
    let mut chars = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == '[' && raw.get(i + 1) == Some(&':') {
            let rest: String = raw[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let class: Vec<char> = match &rest[..end] {
                    "lower" => ('a'..='z').collect(),
                    "upper" => ('A'..='Z').collect(),
                    "digit" => ('0'..='9').collect(),
                    "alpha" => ('A'..='Z').chain('a'..='z').collect(),
                    "alnum" => ('0'..='9').chain('A'..='Z').chain('a'..='z').collect(),
                    "space" => vec![' ', '\t', '\n', '\r', '\x0b', '\x0c'],
                    "blank" => vec![' ', '\t'],
                    "punct" => (33u8..=126)
                        .map(char::from)
                        .filter(char::is_ascii_punctuation)
                        .collect(),
                    _ => Vec::new(),
                };
                chars.extend(class);
                i += 2 + end + 2;
                continue;
            }
        }
        let c = if raw[i] == '\\' && i + 1 < raw.len() {
            i += 1;
            match raw[i] {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' => '\\',
                other => other,
            }
        } else {
            raw[i]
        };
        i += 1;
        if raw.get(i) == Some(&'-') && i + 1 < raw.len() {
            let hi = raw[i + 1];
            if hi >= c {
                chars.extend((c..=hi).take(0x1_0000));
            }
            i += 2;
        } else {
            chars.push(c);
        }
    }
    chars
}

/// A POSIX basic (or extended) regular expression as a `regex` pattern.
fn posix_to_regex(p: &str, extended: bool) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut at_start = true;
    let mut depth = 0i32;
    while i < chars.len() {
        let c = chars[i];
        let start_here = at_start;
        at_start = false;
        match c {
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                i += 2;
                match n {
                    '(' if !extended => {
                        depth += 1;
                        out.push('(');
                        at_start = true;
                    }
                    ')' if !extended => {
                        depth -= 1;
                        out.push(')');
                    }
                    '|' if !extended => {
                        out.push('|');
                        at_start = true;
                    }
                    '{' | '}' | '+' | '?' if !extended => out.push(n),
                    '<' | '>' => out.push_str("\\b"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' => {
                        out.push('\\');
                        out.push(n);
                    }
                    _ => out.push_str(&regex::escape(&n.to_string())),
                }
                continue;
            }
            '[' => {
                let mut j = i + 1;
                out.push('[');
                if chars.get(j) == Some(&'^') {
                    out.push('^');
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    out.push_str("\\]");
                    j += 1;
                }
                loop {
                    let Some(&b) = chars.get(j) else {
                        return Err("Unmatched [, [^, [:, [., or [=".to_owned());
                    };
                    if b == ']' {
                        out.push(']');
                        j += 1;
                        break;
                    }
                    if b == '[' && chars.get(j + 1) == Some(&':') {
                        let rest: String = chars[j..].iter().collect();
                        if let Some(end) = rest.find(":]") {
                            out.push_str(&rest[..end + 2]);
                            j += rest[..end + 2].chars().count();
                            continue;
                        }
                    }
                    if matches!(b, '\\' | '[' | '&' | '~' | '^') {
                        out.push('\\');
                    }
                    out.push(b);
                    j += 1;
                }
                i = j;
                continue;
            }
            '(' | ')' | '|' | '+' | '?' | '{' | '}' if !extended => {
                out.push_str(&regex::escape(&c.to_string()))
            }
            '(' => {
                depth += 1;
                out.push('(');
                at_start = true;
            }
            ')' => {
                depth -= 1;
                out.push(')');
            }
            '|' => {
                out.push('|');
                at_start = true;
            }
            '{' => {
                let rest: String = chars[i..].iter().collect();
                let valid = rest.find('}').is_some_and(|e| {
                    let inner = &rest[1..e];
                    !inner.is_empty()
                        && inner.chars().all(|c| c.is_ascii_digit() || c == ',')
                        && !inner.starts_with(',')
                });
                match rest.find('}') {
                    Some(e) if valid && !start_here => {
                        out.push_str(&rest[..=e]);
                        i += rest[..=e].chars().count();
                        continue;
                    }
                    _ => out.push_str("\\{"),
                }
            }
            '*' if start_here => out.push_str("\\*"),
            '^' if start_here || extended => {
                out.push('^');
                at_start = true;
            }
            '^' => out.push_str("\\^"),
            '$' => {
                let end = i + 1 == chars.len()
                    || (!extended
                        && chars.get(i + 1) == Some(&'\\')
                        && matches!(chars.get(i + 2), Some(')' | '|')))
                    || (extended && matches!(chars.get(i + 1), Some(')' | '|')));
                out.push_str(if end || extended { "$" } else { "\\$" });
            }
            '.' | '*' | '+' | '?' => out.push(c),
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    if depth != 0 {
        return Err("Unmatched ( or \\(".to_owned());
    }
    Ok(out)
}
