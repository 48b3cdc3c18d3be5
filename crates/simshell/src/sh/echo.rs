//! `echo` (dash and GNU) and `printf`, shared by the builtin and external forms.

use crate::{OUTPUT_CAP, sh::exec::Out, sh::expand::parse_c_int};

/// dash's `echo`: only `-n`, and backslash escapes always on.
pub(crate) fn echo_dash(args: &[String], o: &mut Out) {
    let (newline, args) = match args.first() {
        Some(a) if a == "-n" => (false, &args[1..]),
        _ => (true, args),
    };
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            o.out.push(' ');
        }
        if push_escapes(&mut o.out, a) {
            return;
        }
        if o.full() {
            return;
        }
    }
    if newline {
        o.out.push('\n');
    }
}

/// GNU `echo` (`/bin/echo`): `-n`, `-e`, `-E`; no escapes by default.
pub(crate) fn echo_gnu(args: &[String], o: &mut Out) {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() < 2
            || !a.starts_with('-')
            || !a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            break;
        }
        for c in a[1..].chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        i += 1;
    }
    for (j, a) in args[i..].iter().enumerate() {
        if j > 0 {
            o.out.push(' ');
        }
        if escapes {
            if push_escapes(&mut o.out, a) {
                return;
            }
        } else {
            o.out.push_str(a);
        }
        if o.full() {
            return;
        }
    }
    if newline {
        o.out.push('\n');
    }
}

/// Appends `s` with echo's backslash escapes done; `true` if `\c` ended the output.
fn push_escapes(out: &mut String, s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i == chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'c' => return true,
            'e' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '0'..='7' => {
                let mut v = 0u32;
                let mut n = 0;
                if e != '0' {
                    v = e as u32 - '0' as u32;
                    n = 1;
                }
                while n < 3 && i < chars.len() && ('0'..='7').contains(&chars[i]) {
                    v = v * 8 + (chars[i] as u32 - '0' as u32);
                    i += 1;
                    n += 1;
                }
                out.push(char::from_u32(v & 0xFF).unwrap_or('?'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    false
}

/// `printf FORMAT ARGS...` into `out`: the status and any error messages.
pub(crate) fn printf(fmt: &str, args: &[String], out: &mut String) -> (i32, Vec<String>) {
    let f: Vec<char> = fmt.chars().collect();
    let mut ai = 0;
    let mut status = 0;
    let mut msgs = Vec::new();
    let next_arg = |ai: &mut usize| -> Option<String> {
        let a = args.get(*ai).cloned();
        *ai += 1;
        a
    };
    loop {
        let start_ai = ai;
        let mut i = 0;
        while i < f.len() {
            if out.len() >= OUTPUT_CAP {
                return (status, msgs);
            }
            let c = f[i];
            i += 1;
            if c == '\\' && i < f.len() {
                let e = f[i];
                i += 1;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    'e' => out.push('\x1b'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'c' => return (status, msgs),
                    '0'..='7' => {
                        let mut v = e as u32 - '0' as u32;
                        let mut n = 1;
                        while n < 3 && i < f.len() && ('0'..='7').contains(&f[i]) {
                            v = v * 8 + (f[i] as u32 - '0' as u32);
                            i += 1;
                            n += 1;
                        }
                        out.push(char::from_u32(v & 0xFF).unwrap_or('?'));
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            if c != '%' {
                out.push(c);
                continue;
            }
            if f.get(i) == Some(&'%') {
                out.push('%');
                i += 1;
                continue;
            }
            let spec_start = i - 1;
            let mut flags = String::new();
            while let Some(&fl) = f.get(i).filter(|c| "-+ #0".contains(**c)) {
                flags.push(fl);
                i += 1;
            }
            let mut width: usize = 0;
            if f.get(i) == Some(&'*') {
                i += 1;
                let a = next_arg(&mut ai).unwrap_or_default();
                let (v, _) = num_arg(&a);
                if v < 0 {
                    flags.push('-');
                }
                width = v.unsigned_abs() as usize;
            } else {
                while let Some(d) = f.get(i).and_then(|c| c.to_digit(10)) {
                    width = width.saturating_mul(10).saturating_add(d as usize);
                    i += 1;
                }
            }
            let mut prec: Option<usize> = None;
            if f.get(i) == Some(&'.') {
                i += 1;
                let mut p = 0usize;
                if f.get(i) == Some(&'*') {
                    i += 1;
                    let a = next_arg(&mut ai).unwrap_or_default();
                    p = num_arg(&a).0.max(0) as usize;
                } else {
                    while let Some(d) = f.get(i).and_then(|c| c.to_digit(10)) {
                        p = p.saturating_mul(10).saturating_add(d as usize);
                        i += 1;
                    }
                }
                prec = Some(p.min(OUTPUT_CAP));
            }
            while matches!(f.get(i), Some('l' | 'h' | 'L' | 'q' | 'j' | 'z' | 't'))
                && f.get(i + 1).is_some_and(|c| "diouxXfeEgGcs".contains(*c))
            {
                i += 1;
            }
            let width = width.min(OUTPUT_CAP);
            let Some(&conv) = f.get(i) else {
                let spec: String = f[spec_start..].iter().collect();
                msgs.push(format!("{spec}: invalid directive"));
                return (2, msgs);
            };
            i += 1;
            let left = flags.contains('-');
            let zero = flags.contains('0') && !left;
            let body = match conv {
                's' => {
                    let mut s = next_arg(&mut ai).unwrap_or_default();
                    if let Some(p) = prec {
                        s = s.chars().take(p).collect();
                    }
                    s
                }
                'b' => {
                    let a = next_arg(&mut ai).unwrap_or_default();
                    let mut s = String::new();
                    if push_escapes(&mut s, &a) {
                        out.push_str(&pad(&s, "", width, left, false));
                        return (status, msgs);
                    }
                    s
                }
                'c' => next_arg(&mut ai)
                    .and_then(|a| a.chars().next())
                    .map(String::from)
                    .unwrap_or_default(),
                'd' | 'i' | 'o' | 'u' | 'x' | 'X' => {
                    let a = next_arg(&mut ai).unwrap_or_default();
                    let (v, ok) = num_arg(&a);
                    if !ok {
                        msgs.push(format!("{a}: expected numeric value"));
                        status = 1;
                    }
                    let (sign, digits) = match conv {
                        'd' | 'i' => (
                            if v < 0 {
                                "-"
                            } else if flags.contains('+') {
                                "+"
                            } else if flags.contains(' ') {
                                " "
                            } else {
                                ""
                            },
                            v.unsigned_abs().to_string(),
                        ),
                        'o' => ("", format!("{:o}", v as u64)),
                        'u' => ("", (v as u64).to_string()),
                        'x' => (
                            if flags.contains('#') && v != 0 {
                                "0x"
                            } else {
                                ""
                            },
                            format!("{:x}", v as u64),
                        ),
                        _ => (
                            if flags.contains('#') && v != 0 {
                                "0X"
                            } else {
                                ""
                            },
                            format!("{:X}", v as u64),
                        ),
                    };
                    let digits = match prec {
                        Some(p) if digits.len() < p => {
                            format!("{}{digits}", "0".repeat(p - digits.len()))
                        }
                        _ => digits,
                    };
                    out.push_str(&pad(&digits, sign, width, left, zero && prec.is_none()));
                    continue;
                }
                'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
                    let a = next_arg(&mut ai).unwrap_or_default();
                    let v = match a.trim().parse::<f64>() {
                        Ok(v) => v,
                        Err(_) if a.is_empty() => 0.0,
                        Err(_) => {
                            msgs.push(format!("{a}: expected numeric value"));
                            status = 1;
                            0.0
                        }
                    };
                    let p = prec.unwrap_or(6);
                    let s = format_float(v.abs(), conv, p, flags.contains('#'));
                    let sign = if v < 0.0 || (v == 0.0 && v.is_sign_negative()) {
                        "-"
                    } else if flags.contains('+') {
                        "+"
                    } else if flags.contains(' ') {
                        " "
                    } else {
                        ""
                    };
                    out.push_str(&pad(&s, sign, width, left, zero));
                    continue;
                }
                other => {
                    msgs.push(format!("%{other}: invalid directive"));
                    return (2, msgs);
                }
            };
            out.push_str(&pad(&body, "", width, left, false));
        }
        if ai >= args.len() || ai == start_ai {
            return (status, msgs);
        }
    }
}

/// `sign` and `body` padded to `width`.
fn pad(body: &str, sign: &str, width: usize, left: bool, zero: bool) -> String {
    let len = body.chars().count() + sign.len();
    if len >= width {
        return format!("{sign}{body}");
    }
    let fill = width - len;
    if left {
        format!("{sign}{body}{}", " ".repeat(fill))
    } else if zero {
        format!("{sign}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{sign}{body}", " ".repeat(fill))
    }
}

/// C's `%f`, `%e` and `%g` for a non-negative value.
fn format_float(v: f64, conv: char, prec: usize, alt: bool) -> String {
    if !v.is_finite() {
        let s = if v.is_nan() { "nan" } else { "inf" };
        return if conv.is_ascii_uppercase() {
            s.to_uppercase()
        } else {
            s.to_owned()
        };
    }
    let prec = prec.min(60);
    let exp_form = |p: usize| -> String {
        let s = format!("{v:.p$e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        let out = format!("{m}e{sign}{:02}", e.abs());
        if conv.is_ascii_uppercase() {
            out.to_uppercase()
        } else {
            out
        }
    };
    match conv {
        'f' | 'F' => format!("{v:.prec$}"),
        'e' | 'E' => exp_form(prec),
        _ => {
            let p = prec.max(1);
            let e = if v == 0.0 {
                0
            } else {
                let s = format!("{v:.*e}", p - 1);
                s.split_once('e')
                    .and_then(|(_, e)| e.parse::<i32>().ok())
                    .unwrap_or(0)
            };
            let mut s = if e < -4 || e >= p as i32 {
                exp_form(p - 1)
            } else {
                let digits = (p as i32 - 1 - e).max(0) as usize;
                format!("{v:.digits$}")
            };
            if !alt {
                if let Some(epos) = s.find(['e', 'E']) {
                    let (m, rest) = s.split_at(epos);
                    let m = if m.contains('.') {
                        m.trim_end_matches('0').trim_end_matches('.')
                    } else {
                        m
                    };
                    s = format!("{m}{rest}");
                } else if s.contains('.') {
                    s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
                }
            }
            s
        }
    }
}

/// A numeric printf argument: its value, and whether it converted cleanly.
fn num_arg(a: &str) -> (i64, bool) {
    let t = a.trim_start();
    if t.is_empty() {
        return (0, true);
    }
    if let Some(rest) = t.strip_prefix(['\'', '"']) {
        return (rest.chars().next().map_or(0, |c| c as i64), true);
    }
    if let Some(v) = parse_c_int(t) {
        return (v, true);
    }
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    (t[..end].parse().unwrap_or(0), false)
}
