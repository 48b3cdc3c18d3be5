//! sh expansion: parameters, command substitution, field splitting and arithmetic.

use crate::{
    BYTES_PER_UNIT, MAX_NEST, OUTPUT_CAP,
    sh::exec::{Flow, Input, Io, Piece, Sh, glob_match},
    sh::parse::{List, POp, Param, Part, Word, is_name},
    truncate_at,
};

impl Sh {
    /// Expands a word into fields (field splitting, no globbing).
    pub(crate) fn expand_fields(
        &mut self,
        w: &Word,
        err: usize,
        out: &mut Vec<String>,
    ) -> Result<(), Flow> {
        let mut pieces = Vec::new();
        self.expand_pieces(w, err, &mut pieces)?;
        let ifs = if pieces.iter().any(|p| matches!(p, Piece::Split(_))) {
            self.var("IFS").unwrap_or(" \t\n").to_owned()
        } else {
            String::new()
        };
        let mut cur = String::new();
        let mut has = false;
        let mut after_space = false;
        let mut no_args = false;
        let mut content = false;
        for p in pieces {
            match p {
                Piece::Lit(s) | Piece::Quoted(s) => {
                    content |= !s.is_empty();
                    cur.push_str(&s);
                    has = true;
                    after_space = false;
                }
                Piece::NoArgs => no_args = true,
                Piece::Split(s) => {
                    content |= !s.is_empty();
                    for ch in s.chars() {
                        if !ifs.contains(ch) {
                            cur.push(ch);
                            has = true;
                            after_space = false;
                        } else if ch == ' ' || ch == '\t' || ch == '\n' {
                            if has {
                                out.push(std::mem::take(&mut cur));
                                has = false;
                                after_space = true;
                            }
                        } else {
                            if has || !after_space {
                                out.push(std::mem::take(&mut cur));
                            }
                            has = false;
                            after_space = false;
                        }
                    }
                }
                Piece::Break => {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
        }
        if has && (content || !no_args) {
            out.push(cur);
        }
        Ok(())
    }

    /// Expands a word into one string (assignments, redirections, `case`).
    pub(crate) fn expand_string(&mut self, w: &Word, err: usize) -> Result<String, Flow> {
        if let [Part::Lit(s) | Part::Quoted(s)] = w.parts.as_slice()
            && !s.starts_with('~')
        {
            return Ok(s.clone());
        }
        let mut pieces = Vec::new();
        self.expand_pieces(w, err, &mut pieces)?;
        let mut s = String::new();
        for p in pieces {
            match p {
                Piece::Lit(t) | Piece::Quoted(t) | Piece::Split(t) => s.push_str(&t),
                Piece::Break => s.push(' '),
                Piece::NoArgs => {}
            }
        }
        truncate_at(&mut s, OUTPUT_CAP);
        Ok(s)
    }

    /// Expands a word into a pattern: quoted characters lose their magic.
    pub(crate) fn expand_pattern(&mut self, w: &Word, err: usize) -> Result<String, Flow> {
        let mut pieces = Vec::new();
        self.expand_pieces(w, err, &mut pieces)?;
        let mut s = String::new();
        for p in pieces {
            match p {
                Piece::Lit(t) | Piece::Split(t) => s.push_str(&t),
                Piece::Quoted(t) => {
                    for c in t.chars() {
                        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                            s.push('\\');
                        }
                        s.push(c);
                    }
                }
                Piece::Break => s.push(' '),
                Piece::NoArgs => {}
            }
        }
        Ok(s)
    }

    fn expand_pieces(&mut self, w: &Word, err: usize, pieces: &mut Vec<Piece>) -> Result<(), Flow> {
        for (i, part) in w.parts.iter().enumerate() {
            match part {
                Part::Lit(s) if i == 0 && s.starts_with('~') => {
                    let end = s.find('/').unwrap_or(s.len());
                    match &s[1..end] {
                        "" | "root" => {
                            let home = self.var("HOME").unwrap_or("/root").to_owned();
                            pieces.push(Piece::Quoted(home));
                            pieces.push(Piece::Lit(s[end..].to_owned()));
                        }
                        _ => pieces.push(Piece::Lit(s.clone())),
                    }
                }
                Part::Lit(s) => pieces.push(Piece::Lit(s.clone())),
                Part::Quoted(s) => pieces.push(Piece::Quoted(s.clone())),
                Part::Param(p) => self.expand_param(p, err, pieces)?,
                Part::Sub(list, quoted) => {
                    let s = self.command_sub(list, err)?;
                    self.charge(s.len() as u64 / BYTES_PER_UNIT)?;
                    pieces.push(if *quoted {
                        Piece::Quoted(s)
                    } else {
                        Piece::Split(s)
                    });
                }
                Part::Arith(expr, quoted) => {
                    let text = self.expand_string(expr, err)?;
                    let v = self.arith(&text, err)?.to_string();
                    pieces.push(if *quoted {
                        Piece::Quoted(v)
                    } else {
                        Piece::Split(v)
                    });
                }
            }
        }
        Ok(())
    }

    pub(crate) fn expand_param(
        &mut self,
        p: &Param,
        err: usize,
        pieces: &mut Vec<Piece>,
    ) -> Result<(), Flow> {
        let wrap = |s: String| {
            if p.quoted {
                Piece::Quoted(s)
            } else {
                Piece::Split(s)
            }
        };
        if p.name == "@" && p.quoted && p.op == POp::Plain {
            if self.args.is_empty() {
                pieces.push(Piece::NoArgs);
            }
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    pieces.push(Piece::Break);
                }
                pieces.push(Piece::Quoted(a.clone()));
            }
            return Ok(());
        }
        let val = self.param(&p.name);
        let special = p.name == "@" || p.name == "*";
        let unset_or_null = |colon: bool| match &val {
            None => true,
            Some(v) => colon && v.is_empty(),
        };
        let value = match p.op {
            POp::Plain | POp::Len => {
                let v = match val {
                    Some(v) => v,
                    None if self.nounset && !special => return Err(self.unset_error(&p.name, err)),
                    None => String::new(),
                };
                if p.op == POp::Len {
                    v.chars().count().to_string()
                } else {
                    v
                }
            }
            POp::Default(colon) => {
                if unset_or_null(colon) {
                    self.expand_string(&p.arg, err)?
                } else {
                    val.unwrap_or_default()
                }
            }
            POp::Assign(colon) => {
                if unset_or_null(colon) {
                    let v = self.expand_string(&p.arg, err)?;
                    if !is_name(&p.name) {
                        self.say(err, &format!("{}: bad variable name", p.name));
                        return Err(Flow::Exit(2));
                    }
                    self.set_var(&p.name, v.clone());
                    v
                } else {
                    val.unwrap_or_default()
                }
            }
            POp::Alt(colon) => {
                if unset_or_null(colon) {
                    String::new()
                } else {
                    self.expand_string(&p.arg, err)?
                }
            }
            POp::Error(colon) => {
                if unset_or_null(colon) {
                    let mut msg = self.expand_string(&p.arg, err)?;
                    if msg.is_empty() {
                        msg = if colon {
                            "parameter not set or null"
                        } else {
                            "parameter not set"
                        }
                        .to_owned();
                    }
                    self.say(err, &format!("{}: {msg}", p.name));
                    return Err(Flow::Exit(2));
                }
                val.unwrap_or_default()
            }
            POp::TrimFront(longest) | POp::TrimBack(longest) => {
                let v = match val {
                    Some(v) => v,
                    None if self.nounset && !special => return Err(self.unset_error(&p.name, err)),
                    None => String::new(),
                };
                let pat: Vec<char> = self.expand_pattern(&p.arg, err)?.chars().collect();
                self.trim(v, &pat, matches!(p.op, POp::TrimFront(_)), longest)?
            }
        };
        self.charge(value.len() as u64 / BYTES_PER_UNIT)?;
        pieces.push(wrap(value));
        Ok(())
    }

    fn unset_error(&mut self, name: &str, err: usize) -> Flow {
        self.say(err, &format!("{name}: parameter not set"));
        Flow::Exit(2)
    }

    fn trim(
        &mut self,
        v: String,
        pat: &[char],
        front: bool,
        longest: bool,
    ) -> Result<String, Flow> {
        let chars: Vec<char> = v.chars().collect();
        let n = chars.len();
        let cands: Vec<usize> = if front == longest {
            (0..=n).rev().collect()
        } else {
            (0..=n).collect()
        };
        for i in cands {
            let part = if front { &chars[..i] } else { &chars[i..] };
            self.charge(1 + (part.len() * pat.len().max(1)) as u64 / 256)?;
            if glob_match(pat, part) {
                let rest = if front { &chars[i..] } else { &chars[..i] };
                return Ok(rest.iter().collect());
            }
        }
        Ok(v)
    }

    pub(crate) fn command_sub(&mut self, list: &List, err: usize) -> Result<String, Flow> {
        let t = self.alloc();
        self.depth += 1;
        let r = if self.depth > MAX_NEST * 2 {
            self.say(err, "nesting too deep");
            Err(Flow::Exit(2))
        } else {
            self.subshell(|sh| sh.run_list(list, &mut Input::new(""), Io { out: t, err }))
        };
        self.depth -= 1;
        let mut s = self.release(t);
        let st = r?;
        self.sub_status = Some(st);
        let keep = s.trim_end_matches('\n').len();
        s.truncate(keep);
        Ok(s)
    }

    fn arith(&mut self, expr: &str, err: usize) -> Result<i64, Flow> {
        let mut a = Arith {
            s: expr.as_bytes(),
            pos: 0,
            depth: 0,
            skip: 0,
        };
        match a.full(self) {
            Ok(v) => Ok(v),
            Err((plain, msg)) => {
                let text = if plain {
                    msg
                } else {
                    format!("arithmetic expression: {msg}: \"{}\"", expr.trim())
                };
                self.say(err, &text);
                Err(Flow::Exit(2))
            }
        }
    }
}

/// `$((...))`: C integer arithmetic over shell variables.
struct Arith<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
    /// Inside a branch that is not taken: no assignments, no errors for `/0`.
    skip: u32,
}

type ARes = Result<i64, (bool, String)>;

const ARITH_OPS: &[&str] = &[
    "<<=", ">>=", "||", "&&", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "*=", "/=", "%=",
    "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "!", "~", "?", ":", "=",
    "(", ")",
];

impl Arith<'_> {
    fn ws(&mut self) {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn op(&mut self) -> Option<&'static str> {
        self.ws();
        let rest = &self.s[self.pos..];
        ARITH_OPS
            .iter()
            .copied()
            .find(|o| rest.starts_with(o.as_bytes()))
    }

    fn syntax<T>(&self, msg: &str) -> Result<T, (bool, String)> {
        Err((false, msg.to_owned()))
    }

    fn full(&mut self, sh: &mut Sh) -> ARes {
        self.ws();
        if self.pos == self.s.len() {
            return Ok(0);
        }
        let v = self.assign(sh)?;
        self.ws();
        if self.pos != self.s.len() {
            return self.syntax("expecting EOF");
        }
        Ok(v)
    }

    fn name(&mut self) -> Option<String> {
        self.ws();
        let start = self.pos;
        if !self
            .s
            .get(self.pos)
            .is_some_and(|c| *c == b'_' || c.is_ascii_alphabetic())
        {
            return None;
        }
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| *c == b'_' || c.is_ascii_alphanumeric())
        {
            self.pos += 1;
        }
        Some(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn assign(&mut self, sh: &mut Sh) -> ARes {
        let save = self.pos;
        if let Some(name) = self.name() {
            let op = self.op();
            if let Some(
                op @ ("=" | "+=" | "-=" | "*=" | "/=" | "%=" | "<<=" | ">>=" | "&=" | "^=" | "|="),
            ) = op
            {
                self.pos += op.len();
                let rhs = self.assign(sh)?;
                let v = if op == "=" {
                    rhs
                } else {
                    let cur = self.var_value(sh, &name)?;
                    self.apply(&op[..op.len() - 1], cur, rhs)?
                };
                if self.skip == 0 {
                    sh.set_var(&name, v.to_string());
                }
                return Ok(v);
            }
        }
        self.pos = save;
        self.ternary(sh)
    }

    fn ternary(&mut self, sh: &mut Sh) -> ARes {
        let c = self.binary(sh, 0)?;
        if self.op() != Some("?") {
            return Ok(c);
        }
        self.pos += 1;
        self.skip += u32::from(c == 0);
        let a = self.assign(sh);
        self.skip -= u32::from(c == 0);
        let a = a?;
        if self.op() != Some(":") {
            return self.syntax("expecting ':'");
        }
        self.pos += 1;
        self.skip += u32::from(c != 0);
        let b = self.ternary(sh);
        self.skip -= u32::from(c != 0);
        let b = b?;
        Ok(if c != 0 { a } else { b })
    }

    fn binary(&mut self, sh: &mut Sh, level: usize) -> ARes {
        const LEVELS: &[&[&str]] = &[
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<", "<=", ">", ">="],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary(sh);
        }
        let mut left = self.binary(sh, level + 1)?;
        while let Some(op) = self.op() {
            if !LEVELS[level].contains(&op) {
                break;
            }
            self.pos += op.len();
            let short = match op {
                "&&" => left == 0,
                "||" => left != 0,
                _ => false,
            };
            self.skip += u32::from(short);
            let right = self.binary(sh, level + 1);
            self.skip -= u32::from(short);
            left = self.apply(op, left, right?)?;
        }
        Ok(left)
    }

    fn apply(&self, op: &str, a: i64, b: i64) -> ARes {
        Ok(match op {
            "||" => i64::from(a != 0 || b != 0),
            "&&" => i64::from(a != 0 && b != 0),
            "|" => a | b,
            "^" => a ^ b,
            "&" => a & b,
            "==" => i64::from(a == b),
            "!=" => i64::from(a != b),
            "<" => i64::from(a < b),
            "<=" => i64::from(a <= b),
            ">" => i64::from(a > b),
            ">=" => i64::from(a >= b),
            "<<" => a.wrapping_shl(b as u32),
            ">>" => a.wrapping_shr(b as u32),
            "+" => a.wrapping_add(b),
            "-" => a.wrapping_sub(b),
            "*" => a.wrapping_mul(b),
            "/" | "%" if b == 0 => {
                if self.skip > 0 {
                    0
                } else {
                    return self.syntax("division by zero");
                }
            }
            "/" => a.wrapping_div(b),
            "%" => a.wrapping_rem(b),
            _ => return self.syntax("expecting primary"),
        })
    }

    fn unary(&mut self, sh: &mut Sh) -> ARes {
        self.depth += 1;
        if self.depth > MAX_NEST {
            return self.syntax("expression too deeply nested");
        }
        let r = match self.op() {
            Some(op @ ("-" | "+" | "!" | "~")) => {
                self.pos += 1;
                let v = self.unary(sh)?;
                Ok(match op {
                    "-" => v.wrapping_neg(),
                    "+" => v,
                    "!" => i64::from(v == 0),
                    _ => !v,
                })
            }
            Some("(") => {
                self.pos += 1;
                let v = self.assign(sh)?;
                if self.op() != Some(")") {
                    return self.syntax("expecting ')'");
                }
                self.pos += 1;
                Ok(v)
            }
            _ => self.primary(sh),
        };
        self.depth -= 1;
        r
    }

    fn primary(&mut self, sh: &mut Sh) -> ARes {
        self.ws();
        if let Some(name) = self.name() {
            return self.var_value(sh, &name);
        }
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(u8::is_ascii_alphanumeric) {
            self.pos += 1;
        }
        if start == self.pos {
            return self.syntax("expecting primary");
        }
        let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        parse_c_int(&text).ok_or_else(|| (false, "expecting EOF".to_owned()))
    }

    fn var_value(&self, sh: &Sh, name: &str) -> ARes {
        let v = sh.var(name).unwrap_or("").trim();
        if v.is_empty() {
            return Ok(0);
        }
        parse_c_int(v).ok_or_else(|| (true, format!("Illegal number: {v}")))
    }
}

/// A C integer constant: decimal, `0x` hex or `0` octal, with an optional sign.
pub(crate) fn parse_c_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<u64>().ok()?
    } as i64;
    Some(if neg { v.wrapping_neg() } else { v })
}
