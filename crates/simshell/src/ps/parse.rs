//! PowerShell syntax: tokens, the statement and expression tree, values, lexer and parser.

use std::rc::Rc;

#[derive(Debug, Clone)]
enum PT {
    /// A bare word: a command name or an argument.
    Word(String),
    /// `'...'`.
    Str(String),
    /// `"..."`, with expansions.
    XStr(Vec<XPart>),
    /// `$name`, `$env:NAME`, `${name}`.
    Var(String),
    Num(f64),
    /// `-Name`, also operators such as `-eq`.
    Param(String),
    /// `[TypeName]`.
    Type(String),
    /// `.Name` right after a value.
    Member(String),
    Op(&'static str),
    Nl,
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct PTok {
    t: PT,
    line: usize,
    col: usize,
    /// Column after the token (on its first line).
    end: usize,
    /// Whether whitespace came before the token.
    space: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum XPart {
    Lit(String),
    Var(String),
    Sub(Rc<Vec<PStmt>>),
}

#[derive(Debug)]
pub(crate) enum PStmt {
    Pipe(PPipe),
    Assign(String, PPipe),
    /// `$x += ...`, `$x -= ...`.
    AssignOp(String, &'static str, PPipe),
    If(Vec<(PPipe, Vec<PStmt>)>, Option<Vec<PStmt>>),
    Foreach(String, PPipe, Vec<PStmt>),
    /// `exit [code]`; `return [value]` when the flag is set.
    Exit(Option<PExpr>, bool),
}

#[derive(Debug)]
pub(crate) struct PPipe {
    pub(crate) elems: Vec<PElem>,
}

#[derive(Debug)]
pub(crate) enum PElem {
    Cmd(PCmd),
    Expr(PExpr),
}

#[derive(Debug)]
pub(crate) struct PCmd {
    pub(crate) name: String,
    pub(crate) args: Vec<PArg>,
    pub(crate) line: usize,
    pub(crate) col: usize,
    pub(crate) end: usize,
}

#[derive(Debug)]
pub(crate) enum PArg {
    Param(String, usize, usize),
    Value(PExpr),
}

#[derive(Debug, Clone)]
pub(crate) enum PExpr {
    Lit(V),
    XStr(Vec<XPart>),
    Var(String),
    Member(Box<PExpr>, String),
    Method(Box<PExpr>, String, Vec<PExpr>),
    Static(String, String, Option<Vec<PExpr>>),
    Sub(Rc<Vec<PStmt>>),
    Block(Rc<Vec<PStmt>>),
    Array(Vec<PExpr>),
    Binary(String, Box<PExpr>, Box<PExpr>),
    Not(Box<PExpr>),
    Neg(Box<PExpr>),
}

/// A PowerShell value.
#[derive(Debug, Clone)]
pub(crate) enum V {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    /// A local date and time (the zone is UTC), epoch milliseconds.
    Date(i64),
    Obj(Rc<PsObj>),
    List(Vec<V>),
    Block(Rc<Vec<PStmt>>),
}

/// How an object is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Service,
    Process,
    HotFix,
    Version,
    Location,
    /// Two columns, Name and Value (`$PSVersionTable`).
    Dictionary,
    /// Shown as a list (`Get-ComputerInfo`, `Measure-Object`).
    ListView,
    /// Shown as a table with columns as wide as their contents.
    Generic,
    /// `Select-String` results: the matching line.
    Match,
}

#[derive(Debug)]
pub(crate) struct PsObj {
    pub(crate) kind: Kind,
    pub(crate) props: Vec<(String, V)>,
}

impl PsObj {
    pub(crate) fn get(&self, name: &str) -> Option<&V> {
        self.props
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

pub(crate) fn obj(kind: Kind, props: Vec<(&str, V)>) -> V {
    V::Obj(Rc::new(PsObj {
        kind,
        props: props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }))
}

#[derive(Debug)]
pub(crate) struct PsParseError {
    pub(crate) line: usize,
    pub(crate) col: usize,
    pub(crate) len: usize,
    pub(crate) msg: String,
    pub(crate) id: &'static str,
}

pub(crate) const PS_MAX_NEST: usize = 40;
/// Longest array a script may build.
pub(crate) const PS_MAX_ITEMS: usize = 1 << 20;

/// Roughly how many bytes a value holds, for the work budget.
pub(crate) fn value_size(v: &V) -> u64 {
    match v {
        V::Str(s) => s.len() as u64,
        V::List(l) => l.len() as u64 * 16,
        _ => 0,
    }
}

struct PLexer<'a> {
    s: &'a [char],
    pos: usize,
    line: usize,
    col: usize,
    depth: usize,
    toks: Vec<PTok>,
}

pub(crate) fn ps_lex(
    s: &[char],
    line: usize,
    col: usize,
    depth: usize,
) -> Result<Vec<PTok>, PsParseError> {
    let mut lx = PLexer {
        s,
        pos: 0,
        line,
        col,
        depth,
        toks: Vec::new(),
    };
    lx.run()?;
    Ok(lx.toks)
}

fn is_ident(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

impl PLexer<'_> {
    fn ch(&self) -> Option<char> {
        self.s.get(self.pos).copied()
    }

    fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.pos + k).copied()
    }

    fn adv(&mut self) {
        if self.ch() == Some('\n') {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        self.pos += 1;
    }

    fn err(
        &self,
        line: usize,
        col: usize,
        len: usize,
        msg: &str,
        id: &'static str,
    ) -> PsParseError {
        PsParseError {
            line,
            col,
            len,
            msg: msg.to_owned(),
            id,
        }
    }

    fn prev_is_value(&self) -> bool {
        matches!(
            self.toks.last().map(|t| &t.t),
            Some(
                PT::Num(_)
                    | PT::Str(_)
                    | PT::XStr(_)
                    | PT::Var(_)
                    | PT::Member(_)
                    | PT::Op(")")
                    | PT::Type(_)
            )
        )
    }

    fn run(&mut self) -> Result<(), PsParseError> {
        loop {
            let mut space = false;
            loop {
                match (self.ch(), self.at(1)) {
                    (Some(c), _) if c.is_whitespace() && c != '\n' => self.adv(),
                    (Some('`'), Some('\n')) => {
                        self.adv();
                        self.adv();
                    }
                    (Some('`'), Some('\r')) if self.at(2) == Some('\n') => {
                        self.adv();
                        self.adv();
                        self.adv();
                    }
                    (Some('<'), Some('#')) => {
                        let (l, c) = (self.line, self.col);
                        while !(self.ch() == Some('#') && self.at(1) == Some('>')) {
                            if self.ch().is_none() {
                                return Err(self.err(
                                    l,
                                    c,
                                    2,
                                    "Missing the end of the block comment.",
                                    "MissingEndOfBlockComment",
                                ));
                            }
                            self.adv();
                        }
                        self.adv();
                        self.adv();
                    }
                    (Some('#'), _) => {
                        while self.ch().is_some_and(|c| c != '\n') {
                            self.adv();
                        }
                    }
                    _ => break,
                }
                space = true;
            }
            let (line, col) = (self.line, self.col);
            let start = self.pos;
            let t = match (self.ch(), self.at(1)) {
                (None, _) => {
                    self.toks.push(PTok {
                        t: PT::Eof,
                        line,
                        col,
                        end: col,
                        space,
                    });
                    return Ok(());
                }
                (Some('\n'), _) => {
                    self.adv();
                    PT::Nl
                }
                (Some('$'), Some('(')) => {
                    self.adv();
                    self.adv();
                    PT::Op("$(")
                }
                (Some('.'), Some('.')) => {
                    self.adv();
                    self.adv();
                    PT::Op("..")
                }
                (Some(c @ ('+' | '-')), Some('=')) => {
                    self.adv();
                    self.adv();
                    PT::Op(if c == '+' { "+=" } else { "-=" })
                }
                (Some('@'), Some('(')) => {
                    self.adv();
                    self.adv();
                    PT::Op("@(")
                }
                (Some('@'), Some('{')) => {
                    self.adv();
                    self.adv();
                    PT::Op("@{")
                }
                (Some(':'), Some(':')) => {
                    self.adv();
                    self.adv();
                    PT::Op("::")
                }
                (Some('*' | '%'), n)
                    if !self.prev_is_value()
                        || (space
                            && n.is_some_and(|n| !n.is_whitespace() && !";|(){},".contains(n))) =>
                {
                    self.word()
                }
                (
                    Some(
                        c @ (';' | '|' | ',' | '(' | ')' | '{' | '}' | '=' | '+' | '*' | '/' | '%'
                        | '!'),
                    ),
                    _,
                ) => {
                    self.adv();
                    PT::Op(match c {
                        ';' => ";",
                        '|' => "|",
                        ',' => ",",
                        '(' => "(",
                        ')' => ")",
                        '{' => "{",
                        '}' => "}",
                        '=' => "=",
                        '+' => "+",
                        '*' => "*",
                        '/' => "/",
                        '%' => "%",
                        _ => "!",
                    })
                }
                (Some('$'), _) => {
                    self.adv();
                    PT::Var(self.var_name())
                }
                (Some('['), _) => {
                    self.adv();
                    let mut name = String::new();
                    while let Some(c) = self.ch() {
                        if c == ']' {
                            break;
                        }
                        if c == '\n' {
                            return Err(self.err(
                                line,
                                col,
                                1,
                                "Missing ] at end of attribute or type literal.",
                                "EndSquareBracketExpectedAtEndOfAttribute",
                            ));
                        }
                        name.push(c);
                        self.adv();
                    }
                    if self.ch().is_none() {
                        return Err(self.err(
                            line,
                            col,
                            1,
                            "Missing ] at end of attribute or type literal.",
                            "EndSquareBracketExpectedAtEndOfAttribute",
                        ));
                    }
                    self.adv();
                    PT::Type(name.trim().to_owned())
                }
                (Some('.'), Some(n))
                    if !space && (is_ident(n) && !n.is_ascii_digit()) && self.prev_is_value() =>
                {
                    self.adv();
                    let mut name = String::new();
                    while let Some(c) = self.ch().filter(|c| is_ident(*c)) {
                        name.push(c);
                        self.adv();
                    }
                    PT::Member(name)
                }
                (Some('\''), _) => {
                    self.adv();
                    let mut text = String::new();
                    loop {
                        match self.ch() {
                            None => {
                                return Err(self.err(
                                    line,
                                    col,
                                    self.s.len() - start,
                                    "The string is missing the terminator: '.",
                                    "TerminatorExpectedAtEndOfString",
                                ));
                            }
                            Some('\'') if self.at(1) == Some('\'') => {
                                text.push('\'');
                                self.adv();
                                self.adv();
                            }
                            Some('\'') => {
                                self.adv();
                                break;
                            }
                            Some(c) => {
                                text.push(c);
                                self.adv();
                            }
                        }
                    }
                    PT::Str(text)
                }
                (Some('"'), _) => {
                    self.adv();
                    PT::XStr(self.xstring(line, col, start)?)
                }
                (Some('-'), Some(n)) if n.is_ascii_alphabetic() => {
                    self.adv();
                    let mut name = String::new();
                    while let Some(c) = self.ch().filter(|c| is_ident(*c) || *c == '-') {
                        name.push(c);
                        self.adv();
                    }
                    PT::Param(name)
                }
                (Some('-'), Some(n))
                    if (n.is_ascii_digit() || n == '.') && !self.prev_is_value() =>
                {
                    self.adv();
                    match self.word() {
                        PT::Num(v) => PT::Num(-v),
                        PT::Word(w) => PT::Word(format!("-{w}")),
                        other => other,
                    }
                }
                (Some('-'), _) => {
                    self.adv();
                    PT::Op("-")
                }
                _ => self.word(),
            };
            let end = if self.line == line { self.col } else { col + 1 };
            self.toks.push(PTok {
                t,
                line,
                col,
                end,
                space,
            });
        }
    }

    /// A bare word, or a number if it reads as one.
    fn word(&mut self) -> PT {
        let mut w = String::new();
        while let Some(c) = self.ch() {
            if !w.is_empty() && (c.is_whitespace() || ";|(){},".contains(c)) {
                break;
            }
            // `1..10`: a number, then the range operator.
            if c == '.'
                && self.at(1) == Some('.')
                && !w.is_empty()
                && w.chars().all(|c| c.is_ascii_digit())
            {
                break;
            }
            w.push(c);
            self.adv();
        }
        let lower = w.to_ascii_lowercase();
        let (body, mult) = if let Some(b) = lower.strip_suffix("kb") {
            (b, 1024.0)
        } else if let Some(b) = lower.strip_suffix("mb") {
            (b, 1024.0 * 1024.0)
        } else if let Some(b) = lower.strip_suffix("gb") {
            (b, 1024.0 * 1024.0 * 1024.0)
        } else {
            (lower.as_str(), 1.0)
        };
        if let Some(h) = body.strip_prefix("0x")
            && let Ok(v) = i64::from_str_radix(h, 16)
        {
            return PT::Num(v as f64 * mult);
        }
        if body
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == 'e')
            && let Ok(v) = body.parse::<f64>()
        {
            return PT::Num(v * mult);
        }
        PT::Word(w)
    }

    /// After `$`: a variable name.
    fn var_name(&mut self) -> String {
        if self.ch() == Some('{') {
            self.adv();
            let mut name = String::new();
            while let Some(c) = self.ch().filter(|c| *c != '}') {
                name.push(c);
                self.adv();
            }
            self.adv();
            return name;
        }
        if let Some(c @ ('?' | '$' | '^' | '_')) = self.ch()
            && (c != '_' || !self.at(1).is_some_and(is_ident))
        {
            self.adv();
            return c.to_string();
        }
        let mut name = String::new();
        while let Some(c) = self.ch().filter(|c| is_ident(*c)) {
            name.push(c);
            self.adv();
        }
        if self.ch() == Some(':') && self.at(1).is_some_and(is_ident) && !name.is_empty() {
            name.push(':');
            self.adv();
            while let Some(c) = self.ch().filter(|c| is_ident(*c)) {
                name.push(c);
                self.adv();
            }
        }
        name
    }

    /// After an opening `"`: the parts of an expandable string.
    fn xstring(
        &mut self,
        line: usize,
        col: usize,
        start: usize,
    ) -> Result<Vec<XPart>, PsParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            match self.ch() {
                None => {
                    return Err(self.err(
                        line,
                        col,
                        self.s.len() - start,
                        "The string is missing the terminator: \".",
                        "TerminatorExpectedAtEndOfString",
                    ));
                }
                Some('"') if self.at(1) == Some('"') => {
                    lit.push('"');
                    self.adv();
                    self.adv();
                }
                Some('"') => {
                    self.adv();
                    break;
                }
                Some('`') => {
                    self.adv();
                    let Some(e) = self.ch() else { continue };
                    lit.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        'a' => '\x07',
                        'b' => '\x08',
                        'f' => '\x0c',
                        'v' => '\x0b',
                        'e' => '\x1b',
                        other => other,
                    });
                    self.adv();
                }
                Some('$') if self.at(1) == Some('(') => {
                    let (l, c) = (self.line, self.col);
                    self.adv();
                    self.adv();
                    let inner_start = self.pos;
                    let (il, ic) = (self.line, self.col);
                    let mut depth = 0;
                    loop {
                        match self.ch() {
                            None => {
                                return Err(self.err(
                                    l,
                                    c,
                                    2,
                                    "Missing closing ')' in subexpression.",
                                    "MissingEndParenthesisInSubexpression",
                                ));
                            }
                            Some('(') => depth += 1,
                            Some(')') if depth == 0 => break,
                            Some(')') => depth -= 1,
                            _ => {}
                        }
                        self.adv();
                    }
                    let inner = &self.s[inner_start..self.pos];
                    self.adv();
                    if !lit.is_empty() {
                        parts.push(XPart::Lit(std::mem::take(&mut lit)));
                    }
                    if self.depth >= PS_MAX_NEST {
                        return Err(self.err(
                            l,
                            c,
                            2,
                            "The script is nested too deeply.",
                            "ScriptTooDeeplyNested",
                        ));
                    }
                    let toks = ps_lex(inner, il, ic, self.depth + 1)?;
                    let stmts = PParser {
                        toks,
                        pos: 0,
                        depth: self.depth + 1,
                    }
                    .program()?;
                    parts.push(XPart::Sub(Rc::new(stmts)));
                }
                Some('$')
                    if self
                        .at(1)
                        .is_some_and(|c| is_ident(c) || c == '{' || c == '?' || c == '_') =>
                {
                    self.adv();
                    let name = self.var_name();
                    if !lit.is_empty() {
                        parts.push(XPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(XPart::Var(name));
                }
                Some(c) => {
                    lit.push(c);
                    self.adv();
                }
            }
        }
        if !lit.is_empty() || parts.is_empty() {
            parts.push(XPart::Lit(lit));
        }
        Ok(parts)
    }
}

pub(crate) struct PParser {
    pub(crate) toks: Vec<PTok>,
    pub(crate) pos: usize,
    pub(crate) depth: usize,
}

/// Operators that `-name` means inside an expression.
pub(crate) const PS_OPERATORS: &[&str] = &[
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
    "contains",
    "notcontains",
    "in",
    "notin",
    "and",
    "or",
    "not",
    "ieq",
    "ine",
    "ceq",
    "cne",
    "ilike",
    "clike",
    "imatch",
    "cmatch",
    "replace",
];

impl PParser {
    fn peek(&self) -> &PTok {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek_at(&self, k: usize) -> &PTok {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> PTok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(&self.peek().t, PT::Op(o) if *o == op)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.peek().t, PT::Word(x) if x.eq_ignore_ascii_case(w))
    }

    fn unexpected(&self) -> PsParseError {
        let t = self.peek();
        let text = match &t.t {
            PT::Word(w) => w.clone(),
            PT::Str(s) => format!("'{s}'"),
            PT::XStr(_) => "\"...\"".to_owned(),
            PT::Var(v) => format!("${v}"),
            PT::Num(n) => n.to_string(),
            PT::Param(p) => format!("-{p}"),
            PT::Type(t) => format!("[{t}]"),
            PT::Member(m) => format!(".{m}"),
            PT::Op(o) => (*o).to_owned(),
            PT::Nl | PT::Eof => String::new(),
        };
        PsParseError {
            line: t.line,
            col: t.col,
            len: (t.end - t.col).max(1),
            msg: format!("Unexpected token '{text}' in expression or statement."),
            id: "UnexpectedToken",
        }
    }

    fn missing(&self, open: &PTok, close: &str) -> PsParseError {
        let (msg, id) = if close == "}" {
            (
                "Missing closing '}' in statement block or type definition.",
                "MissingEndCurlyBrace",
            )
        } else {
            (
                "Missing closing ')' in expression.",
                "MissingEndParenthesisInExpression",
            )
        };
        PsParseError {
            line: open.line,
            col: open.col,
            len: 1,
            msg: msg.to_owned(),
            id,
        }
    }

    fn nest(&mut self) -> Result<(), PsParseError> {
        self.depth += 1;
        if self.depth > PS_MAX_NEST {
            let t = self.peek();
            return Err(PsParseError {
                line: t.line,
                col: t.col,
                len: 1,
                msg: "The script is nested too deeply.".to_owned(),
                id: "ScriptTooDeeplyNested",
            });
        }
        Ok(())
    }

    fn skip_nl(&mut self) {
        while matches!(self.peek().t, PT::Nl) {
            self.bump();
        }
    }

    pub(crate) fn program(&mut self) -> Result<Vec<PStmt>, PsParseError> {
        let stmts = self.stmts(None)?;
        if !matches!(self.peek().t, PT::Eof) {
            return Err(self.unexpected());
        }
        Ok(stmts)
    }

    /// Statements up to `close` (not consumed) or the end.
    fn stmts(&mut self, close: Option<(&PTok, &'static str)>) -> Result<Vec<PStmt>, PsParseError> {
        let mut out = Vec::new();
        loop {
            while matches!(self.peek().t, PT::Nl | PT::Op(";")) {
                self.bump();
            }
            match (&self.peek().t, close) {
                (PT::Eof, Some((open, c))) => return Err(self.missing(open, c)),
                (PT::Eof, None) => return Ok(out),
                (PT::Op(o), Some((_, c))) if *o == c => return Ok(out),
                (PT::Op(")" | "}"), _) => return Err(self.unexpected()),
                _ => {}
            }
            out.push(self.stmt()?);
            match &self.peek().t {
                PT::Nl | PT::Op(";") | PT::Eof => {}
                PT::Op(o) if close.is_some_and(|(_, c)| c == *o) => {}
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn block(&mut self) -> Result<Vec<PStmt>, PsParseError> {
        self.skip_nl();
        if !self.is_op("{") {
            let t = self.peek();
            return Err(PsParseError {
                line: t.line,
                col: t.col,
                len: 1,
                msg: "Missing statement block.".to_owned(),
                id: "MissingStatementBlock",
            });
        }
        let open = self.bump();
        self.nest()?;
        let body = self.stmts(Some((&open, "}")))?;
        self.depth -= 1;
        self.bump();
        Ok(body)
    }

    fn paren_pipe(&mut self) -> Result<PPipe, PsParseError> {
        if !self.is_op("(") {
            return Err(self.unexpected());
        }
        let open = self.bump();
        self.skip_nl();
        let p = self.pipeline()?;
        self.skip_nl();
        if !self.is_op(")") {
            return Err(if matches!(self.peek().t, PT::Eof) {
                self.missing(&open, ")")
            } else {
                self.unexpected()
            });
        }
        self.bump();
        Ok(p)
    }

    fn stmt(&mut self) -> Result<PStmt, PsParseError> {
        if self.is_word("if") {
            self.bump();
            let mut arms = Vec::new();
            let cond = self.paren_pipe()?;
            arms.push((cond, self.block()?));
            loop {
                let save = self.pos;
                self.skip_nl();
                if self.is_word("elseif") {
                    self.bump();
                    let cond = self.paren_pipe()?;
                    arms.push((cond, self.block()?));
                } else if self.is_word("else") {
                    self.bump();
                    let els = self.block()?;
                    return Ok(PStmt::If(arms, Some(els)));
                } else {
                    self.pos = save;
                    return Ok(PStmt::If(arms, None));
                }
            }
        }
        if self.is_word("foreach") && matches!(self.peek_at(1).t, PT::Op("(")) {
            self.bump();
            let open = self.bump();
            let PT::Var(var) = self.bump().t else {
                return Err(self.unexpected());
            };
            if !self.is_word("in") {
                return Err(self.unexpected());
            }
            self.bump();
            let items = self.pipeline()?;
            if !self.is_op(")") {
                return Err(if matches!(self.peek().t, PT::Eof) {
                    self.missing(&open, ")")
                } else {
                    self.unexpected()
                });
            }
            self.bump();
            let body = self.block()?;
            return Ok(PStmt::Foreach(var, items, body));
        }
        if self.is_word("exit") || self.is_word("return") {
            let ret = self.is_word("return");
            self.bump();
            if matches!(self.peek().t, PT::Nl | PT::Eof | PT::Op(";" | "}")) {
                return Ok(PStmt::Exit(None, ret));
            }
            return Ok(PStmt::Exit(Some(self.expr()?), ret));
        }
        if let (PT::Var(v), PT::Op(op @ ("=" | "+=" | "-="))) = (&self.peek().t, &self.peek_at(1).t)
        {
            let (v, op) = (v.clone(), *op);
            self.bump();
            self.bump();
            self.skip_nl();
            let value = self.pipeline()?;
            if op == "=" {
                return Ok(PStmt::Assign(v, value));
            }
            return Ok(PStmt::AssignOp(v, &op[..1], value));
        }
        Ok(PStmt::Pipe(self.pipeline()?))
    }

    fn pipeline(&mut self) -> Result<PPipe, PsParseError> {
        let mut elems = vec![self.element(true)?];
        while self.is_op("|") {
            self.bump();
            self.skip_nl();
            elems.push(self.element(false)?);
        }
        Ok(PPipe { elems })
    }

    fn element(&mut self, first: bool) -> Result<PElem, PsParseError> {
        if let PT::Word(_) = &self.peek().t {
            return Ok(PElem::Cmd(self.command()?));
        }
        if !first {
            let t = self.peek();
            return Err(PsParseError {
                line: t.line,
                col: t.col,
                len: (t.end - t.col).max(1),
                msg: "Expressions are only allowed as the first element of a pipeline.".to_owned(),
                id: "ExpressionsMustBeFirstInPipeline",
            });
        }
        Ok(PElem::Expr(self.expr_list()?))
    }

    fn command(&mut self) -> Result<PCmd, PsParseError> {
        let t = self.bump();
        let PT::Word(name) = t.t else {
            return Err(self.unexpected());
        };
        let (line, col) = (t.line, t.col);
        let mut end = t.end;
        let mut args = Vec::new();
        loop {
            let tok = self.peek().clone();
            match &tok.t {
                PT::Nl | PT::Eof | PT::Op(";" | "|" | ")" | "}") => break,
                PT::Param(p) => {
                    self.bump();
                    args.push(PArg::Param(p.clone(), tok.col, tok.end));
                }
                _ => args.push(PArg::Value(self.arg_value()?)),
            }
            let last = &self.toks[self.pos.saturating_sub(1)];
            if last.line == line {
                end = last.end;
            }
        }
        Ok(PCmd {
            name,
            args,
            line,
            col,
            end,
        })
    }

    fn arg_value(&mut self) -> Result<PExpr, PsParseError> {
        let first = self.arg_primary()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_op(",") {
            self.bump();
            self.skip_nl();
            items.push(self.arg_primary()?);
        }
        Ok(PExpr::Array(items))
    }

    fn arg_primary(&mut self) -> Result<PExpr, PsParseError> {
        match &self.peek().t {
            PT::Word(w) => {
                let w = w.clone();
                self.bump();
                Ok(PExpr::Lit(V::Str(w)))
            }
            _ => self.postfix(),
        }
    }

    /// An expression, or a comma list of them.
    fn expr_list(&mut self) -> Result<PExpr, PsParseError> {
        let first = self.expr()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_op(",") {
            self.bump();
            self.skip_nl();
            items.push(self.expr()?);
        }
        Ok(PExpr::Array(items))
    }

    fn expr(&mut self) -> Result<PExpr, PsParseError> {
        self.nest()?;
        let r = self.binary(0);
        self.depth -= 1;
        r
    }

    fn binary(&mut self, level: usize) -> Result<PExpr, PsParseError> {
        const LEVELS: &[&[&str]] = &[
            &["or"],
            &["and"],
            &[
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
                "contains",
                "notcontains",
                "in",
                "notin",
                "ieq",
                "ine",
                "ceq",
                "cne",
                "ilike",
                "clike",
                "imatch",
                "cmatch",
                "replace",
            ],
            &["+", "-"],
            &["*", "/", "%"],
            &[".."],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match &self.peek().t {
                PT::Param(p) => p.to_ascii_lowercase(),
                PT::Op(o) => (*o).to_owned(),
                _ => break,
            };
            if !LEVELS[level].contains(&op.as_str()) {
                break;
            }
            self.bump();
            self.skip_nl();
            let right = self.binary(level + 1)?;
            left = PExpr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<PExpr, PsParseError> {
        match &self.peek().t {
            PT::Op("!") => {
                self.bump();
                self.nest()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(PExpr::Not(Box::new(e)))
            }
            PT::Param(p) if p.eq_ignore_ascii_case("not") => {
                self.bump();
                self.nest()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(PExpr::Not(Box::new(e)))
            }
            PT::Op("-") => {
                self.bump();
                self.nest()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(PExpr::Neg(Box::new(e)))
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Result<PExpr, PsParseError> {
        let mut e = self.primary()?;
        while let PT::Member(m) = &self.peek().t {
            let m = m.clone();
            self.bump();
            if self.is_op("(") && !self.peek().space {
                let args = self.call_args()?;
                e = PExpr::Method(Box::new(e), m, args);
            } else {
                e = PExpr::Member(Box::new(e), m);
            }
        }
        Ok(e)
    }

    fn call_args(&mut self) -> Result<Vec<PExpr>, PsParseError> {
        let open = self.bump();
        let mut args = Vec::new();
        self.skip_nl();
        if self.is_op(")") {
            self.bump();
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            self.skip_nl();
            if self.is_op(",") {
                self.bump();
                self.skip_nl();
                continue;
            }
            if self.is_op(")") {
                self.bump();
                return Ok(args);
            }
            return Err(if matches!(self.peek().t, PT::Eof) {
                self.missing(&open, ")")
            } else {
                self.unexpected()
            });
        }
    }

    fn primary(&mut self) -> Result<PExpr, PsParseError> {
        let t = self.peek().clone();
        match t.t {
            PT::Num(n) => {
                self.bump();
                Ok(PExpr::Lit(if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    V::Int(n as i64)
                } else {
                    V::Num(n)
                }))
            }
            PT::Str(s) => {
                self.bump();
                Ok(PExpr::Lit(V::Str(s)))
            }
            PT::XStr(parts) => {
                self.bump();
                Ok(PExpr::XStr(parts))
            }
            PT::Var(v) => {
                self.bump();
                Ok(PExpr::Var(v))
            }
            PT::Word(w) => {
                self.bump();
                Ok(PExpr::Lit(V::Str(w)))
            }
            PT::Type(ty) => {
                self.bump();
                if !self.is_op("::") {
                    return Ok(PExpr::Lit(V::Str(ty)));
                }
                self.bump();
                let PT::Word(word) = self.bump().t else {
                    return Err(self.unexpected());
                };
                // `::OSVersion.Version.Build` lexes as one bare word.
                let mut segs = word.split('.');
                let member = segs.next().unwrap_or_default().to_owned();
                let rest: Vec<String> = segs.map(str::to_owned).collect();
                let mut e = if rest.is_empty() && self.is_op("(") && !self.peek().space {
                    let args = self.call_args()?;
                    PExpr::Static(ty, member, Some(args))
                } else {
                    PExpr::Static(ty, member, None)
                };
                for (i, m) in rest.iter().enumerate() {
                    e = if i + 1 == rest.len() && self.is_op("(") && !self.peek().space {
                        let args = self.call_args()?;
                        PExpr::Method(Box::new(e), m.clone(), args)
                    } else {
                        PExpr::Member(Box::new(e), m.clone())
                    };
                }
                Ok(e)
            }
            PT::Op("(") => {
                let p = self.paren_pipe()?;
                Ok(PExpr::Sub(Rc::new(vec![PStmt::Pipe(p)])))
            }
            PT::Op(o @ ("$(" | "@(")) => {
                let open = self.bump();
                self.nest()?;
                let stmts = self.stmts(Some((&open, ")")))?;
                self.depth -= 1;
                self.bump();
                let sub = PExpr::Sub(Rc::new(stmts));
                Ok(if o == "@(" {
                    PExpr::Array(vec![sub])
                } else {
                    sub
                })
            }
            PT::Op("{") => {
                let body = self.block()?;
                Ok(PExpr::Block(Rc::new(body)))
            }
            PT::Op("-") => {
                self.bump();
                let e = self.unary()?;
                Ok(PExpr::Neg(Box::new(e)))
            }
            PT::Eof => {
                let t = self.peek();
                Err(PsParseError {
                    line: t.line,
                    col: t.col,
                    len: 1,
                    msg: "You must provide a value expression following the operator.".to_owned(),
                    id: "ExpectedValueExpression",
                })
            }
            _ => Err(self.unexpected()),
        }
    }
}
