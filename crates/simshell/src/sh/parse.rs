//! sh syntax: the word and command tree, and the lexer/parser that builds it.

use std::cell::RefCell;
use std::rc::Rc;

use crate::MAX_NEST;

/// A shell word, as pieces to expand.
#[derive(Debug, Clone, Default)]
pub(crate) struct Word {
    pub(crate) parts: Vec<Part>,
}

#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// Unquoted text.
    Lit(String),
    /// Quoted or escaped text.
    Quoted(String),
    Param(Box<Param>),
    /// `$(...)` or backquotes; `true` when inside double quotes.
    Sub(Rc<List>, bool),
    /// `$((...))`; `true` when inside double quotes.
    Arith(Word, bool),
}

#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) op: POp,
    pub(crate) arg: Word,
    pub(crate) quoted: bool,
}

/// `${name<op>arg}`; the flag is the colon of `:-` and friends, or the
/// doubling of `##` and `%%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum POp {
    Plain,
    Len,
    Default(bool),
    Assign(bool),
    Alt(bool),
    Error(bool),
    TrimFront(bool),
    TrimBack(bool),
}

impl Word {
    fn push_lit(&mut self, c: char) {
        if let Some(Part::Lit(s)) = self.parts.last_mut() {
            s.push(c);
        } else {
            self.parts.push(Part::Lit(c.to_string()));
        }
    }

    fn push_quoted(&mut self, text: &str) {
        if let Some(Part::Quoted(s)) = self.parts.last_mut() {
            s.push_str(text);
        } else {
            self.parts.push(Part::Quoted(text.to_owned()));
        }
    }

    fn push_char(&mut self, c: char, quoted: bool) {
        if quoted {
            let mut b = [0; 4];
            self.push_quoted(c.encode_utf8(&mut b));
        } else {
            self.push_lit(c);
        }
    }

    /// The text of a word made of one unquoted literal, as keywords are.
    fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// The text with quotes removed and nothing expanded (here-document
    /// delimiters), and whether any of it was quoted.
    fn literal_text(&self) -> (String, bool) {
        let mut text = String::new();
        let mut quoted = false;
        for p in &self.parts {
            match p {
                Part::Lit(s) => text.push_str(s),
                Part::Quoted(s) => {
                    quoted = true;
                    text.push_str(s);
                }
                Part::Param(p) => {
                    text.push('$');
                    text.push_str(&p.name);
                }
                Part::Sub(..) | Part::Arith(..) => {}
            }
        }
        (text, quoted)
    }
}

pub(crate) type List = Vec<(AndOr, bool)>;

#[derive(Debug)]
pub(crate) struct AndOr {
    pub(crate) first: Pipeline,
    /// `true` for `&&`, `false` for `||`.
    pub(crate) rest: Vec<(bool, Pipeline)>,
}

#[derive(Debug)]
pub(crate) struct Pipeline {
    pub(crate) bang: bool,
    pub(crate) cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub(crate) enum Cmd {
    Simple(Simple),
    Compound(Compound, Vec<Redir>),
    Func(String, Rc<Cmd>),
}

#[derive(Debug)]
pub(crate) struct Simple {
    pub(crate) line: usize,
    pub(crate) assigns: Vec<(String, Word)>,
    pub(crate) words: Vec<Word>,
    pub(crate) redirs: Vec<Redir>,
}

#[derive(Debug)]
pub(crate) struct Redir {
    pub(crate) fd: u32,
    pub(crate) op: ROp,
    pub(crate) target: Word,
    /// The body of a here-document, filled in at the end of its line.
    pub(crate) here: Option<Rc<RefCell<Word>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ROp {
    Out,
    Append,
    In,
    DupOut,
    DupIn,
    ReadWrite,
    Here,
}

#[derive(Debug)]
pub(crate) enum Compound {
    Brace(List),
    Sub(List),
    If(Vec<(List, List)>, Option<List>),
    For(String, Option<Vec<Word>>, List),
    /// `true` for `until`.
    Loop(bool, List, List),
    Case(Word, Vec<(Vec<Word>, List)>),
}

#[derive(Debug, Clone)]
enum Tok {
    Word(Word),
    Op(&'static str),
    Redir(Option<u32>, ROp, bool),
    Newline,
    Eof,
}

/// What the next token is, cheaply comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    /// A word; the reserved word it spells, if it is one.
    Word(Option<&'static str>),
    Op(&'static str),
    Redir,
    Newline,
    Eof,
}

impl K {
    fn is(&self, kw: &str) -> bool {
        matches!(self, K::Word(Some(w)) if *w == kw)
    }
}

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "{",
    "}", "!", "in",
];

#[derive(Debug)]
pub(crate) struct SynErr {
    pub(crate) line: usize,
    pub(crate) msg: String,
    /// Printed without the `Syntax error: ` prefix (`Bad substitution`).
    pub(crate) bare: bool,
}

type PRes<T> = Result<T, SynErr>;

struct PendingHere {
    delim: String,
    strip_tabs: bool,
    quoted: bool,
    body: Rc<RefCell<Word>>,
}

pub(crate) struct Parser<'a> {
    src: &'a [char],
    pos: usize,
    line: usize,
    depth: usize,
    /// The next token, its line, and what it is.
    peeked: Option<(Tok, usize, K)>,
    pending: Vec<PendingHere>,
}

pub(crate) fn is_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && it.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a [char], line: usize, depth: usize) -> Self {
        Parser {
            src,
            pos: 0,
            line,
            depth,
            peeked: None,
            pending: Vec::new(),
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> PRes<T> {
        Err(SynErr {
            line: self.line,
            msg: msg.into(),
            bare: false,
        })
    }

    fn ch(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    fn at(&self, k: usize) -> Option<char> {
        self.src.get(self.pos + k).copied()
    }

    fn enter(&mut self) -> PRes<()> {
        self.depth += 1;
        if self.depth > MAX_NEST {
            self.err("nesting too deep")
        } else {
            Ok(())
        }
    }

    // --- tokens ---

    fn peek(&mut self) -> PRes<&(Tok, usize, K)> {
        let t = match self.peeked.take() {
            Some(t) => t,
            None => {
                let (t, line) = self.lex()?;
                let k = match &t {
                    Tok::Word(w) => K::Word(
                        w.plain()
                            .and_then(|p| RESERVED.iter().find(|r| **r == p).copied()),
                    ),
                    Tok::Op(o) => K::Op(o),
                    Tok::Redir(..) => K::Redir,
                    Tok::Newline => K::Newline,
                    Tok::Eof => K::Eof,
                };
                (t, line, k)
            }
        };
        Ok(self.peeked.insert(t))
    }

    fn kind(&mut self) -> PRes<K> {
        Ok(self.peek()?.2)
    }

    fn tok_line(&mut self) -> PRes<usize> {
        Ok(self.peek()?.1)
    }

    fn next(&mut self) -> PRes<Tok> {
        match self.peeked.take() {
            Some((t, _, _)) => Ok(t),
            None => Ok(self.lex()?.0),
        }
    }

    fn unexpected(&mut self, expecting: &str) -> SynErr {
        let k = match self.kind() {
            Ok(k) => k,
            Err(e) => return e,
        };
        let line = if k == K::Eof {
            self.line
        } else {
            self.tok_line().unwrap_or(self.line)
        };
        let what = match &k {
            K::Word(Some(w)) => format!("\"{w}\" unexpected"),
            K::Word(_) => "word unexpected".to_owned(),
            K::Op(o) => format!("\"{o}\" unexpected"),
            K::Redir => "redirection unexpected".to_owned(),
            K::Newline => "newline unexpected".to_owned(),
            K::Eof => "end of file unexpected".to_owned(),
        };
        let msg = if expecting.is_empty() {
            what
        } else {
            format!("{what} (expecting \"{expecting}\")")
        };
        SynErr {
            line,
            msg,
            bare: false,
        }
    }

    fn lex(&mut self) -> PRes<(Tok, usize)> {
        loop {
            match self.ch() {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.at(1) == Some('\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                Some('#') => {
                    while self.ch().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let line = self.line;
        let Some(c) = self.ch() else {
            return Ok((Tok::Eof, line));
        };
        let two = |p: &mut Self, op: &'static str| {
            p.pos += 2;
            Tok::Op(op)
        };
        let one = |p: &mut Self, op: &'static str| {
            p.pos += 1;
            Tok::Op(op)
        };
        let tok = match (c, self.at(1)) {
            ('\n', _) => {
                self.pos += 1;
                self.line += 1;
                self.read_heredocs()?;
                Tok::Newline
            }
            (';', Some(';')) => two(self, ";;"),
            (';', _) => one(self, ";"),
            ('&', Some('&')) => two(self, "&&"),
            ('&', _) => one(self, "&"),
            ('|', Some('|')) => two(self, "||"),
            ('|', _) => one(self, "|"),
            ('(', _) => one(self, "("),
            (')', _) => one(self, ")"),
            ('<' | '>', _) => self.lex_redir(None),
            _ => {
                let start = self.pos;
                let mut end = start;
                while self.src.get(end).is_some_and(char::is_ascii_digit) {
                    end += 1;
                }
                let digits: String = self.src[start..end].iter().collect();
                match (self.src.get(end), digits.parse::<u32>()) {
                    (Some('<' | '>'), Ok(fd)) if end > start => {
                        self.pos = end;
                        self.lex_redir(Some(fd))
                    }
                    _ => Tok::Word(self.lex_word()?),
                }
            }
        };
        Ok((tok, line))
    }

    fn lex_redir(&mut self, fd: Option<u32>) -> Tok {
        let c = self.ch();
        self.pos += 1;
        let (op, strip) = match (c, self.ch()) {
            (Some('>'), Some('>')) => (ROp::Append, false),
            (Some('>'), Some('&')) => (ROp::DupOut, false),
            (Some('>'), Some('|')) => (ROp::Out, false),
            (Some('>'), _) => {
                return Tok::Redir(fd, ROp::Out, false);
            }
            (_, Some('<')) => {
                if self.at(1) == Some('-') {
                    self.pos += 2;
                    return Tok::Redir(fd, ROp::Here, true);
                }
                (ROp::Here, false)
            }
            (_, Some('&')) => (ROp::DupIn, false),
            (_, Some('>')) => (ROp::ReadWrite, false),
            _ => return Tok::Redir(fd, ROp::In, false),
        };
        self.pos += 1;
        Tok::Redir(fd, op, strip)
    }

    fn lex_word(&mut self) -> PRes<Word> {
        let mut w = Word::default();
        while let Some(c) = self.ch() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '\\' => match self.at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n) => {
                        self.pos += 2;
                        w.push_char(n, true);
                    }
                    None => {
                        self.pos += 1;
                        w.push_lit('\\');
                    }
                },
                '\'' => {
                    self.pos += 1;
                    let text = self.single_quoted()?;
                    w.push_quoted(&text);
                }
                '"' => {
                    self.pos += 1;
                    w.push_quoted("");
                    self.lex_dquoted(&mut w, Some('"'))?;
                }
                '$' => self.lex_dollar(&mut w, false)?,
                '`' => self.lex_backquote(&mut w, false)?,
                _ => {
                    self.pos += 1;
                    w.push_lit(c);
                }
            }
        }
        Ok(w)
    }

    /// After an opening `'`: the text up to the closing one.
    fn single_quoted(&mut self) -> PRes<String> {
        let start = self.pos;
        loop {
            match self.ch() {
                None => return self.err("Unterminated quoted string"),
                Some('\'') => break,
                Some('\n') => {
                    self.line += 1;
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
        let text = self.src[start..self.pos].iter().collect();
        self.pos += 1;
        Ok(text)
    }

    /// Double-quoted text up to `term`, or (here-documents, arithmetic) to the end.
    fn lex_dquoted(&mut self, w: &mut Word, term: Option<char>) -> PRes<()> {
        loop {
            match self.ch() {
                None if term.is_some() => return self.err("Unterminated quoted string"),
                None => return Ok(()),
                Some(c) if Some(c) == term => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => match self.at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n @ ('$' | '`' | '\\')) => {
                        self.pos += 2;
                        w.push_char(n, true);
                    }
                    Some('"') if term == Some('"') => {
                        self.pos += 2;
                        w.push_char('"', true);
                    }
                    _ => {
                        self.pos += 1;
                        w.push_char('\\', true);
                    }
                },
                Some('$') => self.lex_dollar(w, true)?,
                Some('`') => self.lex_backquote(w, true)?,
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    w.push_char(c, true);
                }
            }
        }
    }

    fn lex_dollar(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        match self.at(1) {
            Some('{') => {
                self.pos += 2;
                self.lex_braced(w, quoted)
            }
            Some('(') if self.at(2) == Some('(') => {
                self.pos += 3;
                self.lex_arith(w, quoted)
            }
            Some('(') => {
                self.pos += 2;
                self.enter()?;
                let list = self.compound_list(&[")"], ")", true)?;
                if self.kind()? != K::Op(")") {
                    return Err(self.unexpected(")"));
                }
                self.next()?;
                self.depth -= 1;
                w.parts.push(Part::Sub(Rc::new(list), quoted));
                Ok(())
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                self.pos += 1;
                let start = self.pos;
                while self
                    .ch()
                    .is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                {
                    self.pos += 1;
                }
                let name = self.src[start..self.pos].iter().collect();
                w.parts.push(Part::Param(Box::new(Param {
                    name,
                    op: POp::Plain,
                    arg: Word::default(),
                    quoted,
                })));
                Ok(())
            }
            Some(c) if c.is_ascii_digit() || "?$#@*!-".contains(c) => {
                self.pos += 2;
                let name = c.to_string();
                w.parts.push(Part::Param(Box::new(Param {
                    name,
                    op: POp::Plain,
                    arg: Word::default(),
                    quoted,
                })));
                Ok(())
            }
            _ => {
                self.pos += 1;
                w.push_char('$', quoted);
                Ok(())
            }
        }
    }

    /// After `${`.
    fn lex_braced(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        let bad = |p: &Self| {
            Err(SynErr {
                line: p.line,
                msg: "Bad substitution".to_owned(),
                bare: true,
            })
        };
        let mut op = POp::Plain;
        if self.ch() == Some('#') && self.at(1).is_some_and(|c| c != '}') {
            op = POp::Len;
            self.pos += 1;
        }
        let start = self.pos;
        match self.ch() {
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                while self
                    .ch()
                    .is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while self.ch().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            Some(c) if "?$#@*!-".contains(c) => self.pos += 1,
            None => return self.err("Missing '}'"),
            Some(_) => return bad(self),
        }
        let name: String = self.src[start..self.pos].iter().collect();
        let colon = self.ch() == Some(':');
        if colon {
            self.pos += 1;
        }
        let next = self.ch();
        let doubled = self.at(1) == next;
        op = match (next, op) {
            (None, _) => return self.err("Missing '}'"),
            (Some('}'), _) if !colon => {
                self.pos += 1;
                w.parts.push(Part::Param(Box::new(Param {
                    name,
                    op,
                    arg: Word::default(),
                    quoted,
                })));
                return Ok(());
            }
            (_, POp::Len) => return bad(self),
            (Some('-'), _) => POp::Default(colon),
            (Some('='), _) => POp::Assign(colon),
            (Some('+'), _) => POp::Alt(colon),
            (Some('?'), _) => POp::Error(colon),
            (Some('#'), _) if !colon => POp::TrimFront(doubled),
            (Some('%'), _) if !colon => POp::TrimBack(doubled),
            _ => return bad(self),
        };
        self.pos += if matches!(op, POp::TrimFront(true) | POp::TrimBack(true)) {
            2
        } else {
            1
        };
        let arg = self.lex_brace_arg(quoted)?;
        w.parts.push(Part::Param(Box::new(Param {
            name,
            op,
            arg,
            quoted,
        })));
        Ok(())
    }

    /// The word of `${name:-word}`, up to the closing brace.
    fn lex_brace_arg(&mut self, quoted: bool) -> PRes<Word> {
        let mut w = Word::default();
        loop {
            match self.ch() {
                None => return self.err("Missing '}'"),
                Some('}') => {
                    self.pos += 1;
                    return Ok(w);
                }
                Some('\\') => {
                    match self.at(1) {
                        Some('\n') => self.line += 1,
                        Some(n) => w.push_char(n, true),
                        None => {}
                    }
                    self.pos += 2;
                }
                Some('\'') if !quoted => {
                    self.pos += 1;
                    let text = self.single_quoted()?;
                    w.push_quoted(&text);
                }
                Some('"') => {
                    self.pos += 1;
                    w.push_quoted("");
                    self.lex_dquoted(&mut w, Some('"'))?;
                }
                Some('$') => self.lex_dollar(&mut w, quoted)?,
                Some('`') => self.lex_backquote(&mut w, quoted)?,
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    w.push_char(c, quoted);
                }
            }
        }
    }

    /// After `$((`: up to the matching `))`.
    fn lex_arith(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        let start = self.pos;
        let start_line = self.line;
        let mut depth = 0usize;
        loop {
            match self.ch() {
                None => {
                    return Err(SynErr {
                        line: self.line,
                        msg: "end of file unexpected (expecting \"))\")".to_owned(),
                        bare: false,
                    });
                }
                Some('(') => depth += 1,
                Some(')') if depth == 0 && self.at(1) == Some(')') => break,
                Some(')') if depth == 0 => return Err(self.unexpected_char(')')),
                Some(')') => depth -= 1,
                Some('\n') => self.line += 1,
                Some(_) => {}
            }
            self.pos += 1;
        }
        let body = &self.src[start..self.pos];
        self.pos += 2;
        self.enter()?;
        let mut sub = Parser::new(body, start_line, self.depth);
        let mut expr = Word::default();
        expr.push_quoted("");
        sub.lex_dquoted(&mut expr, None)?;
        self.depth -= 1;
        w.parts.push(Part::Arith(expr, quoted));
        Ok(())
    }

    fn unexpected_char(&self, c: char) -> SynErr {
        SynErr {
            line: self.line,
            msg: format!("\"{c}\" unexpected"),
            bare: false,
        }
    }

    fn lex_backquote(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        self.pos += 1;
        let start_line = self.line;
        let mut text = Vec::new();
        loop {
            match self.ch() {
                None => return self.err("EOF in backquote substitution"),
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => match self.at(1) {
                    Some(c @ ('$' | '`' | '\\')) => {
                        text.push(c);
                        self.pos += 2;
                    }
                    Some('"') if quoted => {
                        text.push('"');
                        self.pos += 2;
                    }
                    _ => {
                        text.push('\\');
                        self.pos += 1;
                    }
                },
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        self.enter()?;
        let mut sub = Parser::new(&text, start_line, self.depth);
        let list = sub.compound_list(&[], "", true)?;
        if sub.kind()? != K::Eof {
            return Err(sub.unexpected(""));
        }
        self.depth -= 1;
        w.parts.push(Part::Sub(Rc::new(list), quoted));
        Ok(())
    }

    /// At the start of a line: the bodies of the here-documents of the line before.
    fn read_heredocs(&mut self) -> PRes<()> {
        for h in std::mem::take(&mut self.pending) {
            let start_line = self.line;
            let mut body = Vec::new();
            while self.pos < self.src.len() {
                let mut end = self.pos;
                while end < self.src.len() && self.src[end] != '\n' {
                    end += 1;
                }
                let mut line = &self.src[self.pos..end];
                self.pos = (end + 1).min(self.src.len());
                self.line += 1;
                if h.strip_tabs {
                    while let [first, rest @ ..] = line {
                        if *first != '\t' {
                            break;
                        }
                        line = rest;
                    }
                }
                if line.iter().copied().eq(h.delim.chars()) {
                    break;
                }
                body.extend_from_slice(line);
                body.push('\n');
            }
            let mut w = Word::default();
            if h.quoted {
                w.push_quoted(&body.iter().collect::<String>());
            } else {
                let mut sub = Parser::new(&body, start_line, self.depth);
                w.push_quoted("");
                sub.lex_here_body(&mut w)?;
            }
            *h.body.borrow_mut() = w;
        }
        Ok(())
    }

    /// An unquoted here-document body: expansions, and `\` before `$`, `` ` ``, `\`.
    fn lex_here_body(&mut self, w: &mut Word) -> PRes<()> {
        while let Some(c) = self.ch() {
            match c {
                '\\' => match self.at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n @ ('$' | '`' | '\\')) => {
                        self.pos += 2;
                        w.push_char(n, true);
                    }
                    _ => {
                        self.pos += 1;
                        w.push_char('\\', true);
                    }
                },
                '$' => self.lex_dollar(w, true)?,
                '`' => self.lex_backquote(w, true)?,
                _ => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    w.push_char(c, true);
                }
            }
        }
        Ok(())
    }

    // --- grammar ---

    fn linebreak(&mut self) -> PRes<()> {
        while self.kind()? == K::Newline {
            self.next()?;
        }
        Ok(())
    }

    /// The next complete command (one line's list), or `None` at the end.
    pub(crate) fn next_command(&mut self) -> PRes<Option<List>> {
        self.linebreak()?;
        if self.kind()? == K::Eof {
            return Ok(None);
        }
        let mut list = Vec::new();
        loop {
            let ao = self.and_or()?;
            match self.kind()? {
                K::Op(o @ (";" | "&")) => {
                    self.next()?;
                    list.push((ao, o == "&"));
                    if matches!(self.kind()?, K::Newline | K::Eof) {
                        break;
                    }
                }
                K::Newline | K::Eof => {
                    list.push((ao, false));
                    break;
                }
                _ => return Err(self.unexpected("")),
            }
        }
        if self.kind()? == K::Newline {
            self.next()?;
        }
        Ok(Some(list))
    }

    /// A list up to one of `terms` (not consumed).
    fn compound_list(&mut self, terms: &[&str], expect: &str, allow_empty: bool) -> PRes<List> {
        let mut list = Vec::new();
        self.linebreak()?;
        loop {
            let k = self.kind()?;
            let at_term = match &k {
                K::Word(Some(w)) => terms.contains(w),
                K::Op(o) => terms.contains(o),
                K::Eof => expect.is_empty(),
                _ => false,
            };
            if at_term {
                if list.is_empty() && !allow_empty {
                    return Err(self.unexpected(""));
                }
                return Ok(list);
            }
            if k == K::Eof {
                return Err(self.unexpected(expect));
            }
            let ao = self.and_or()?;
            match self.kind()? {
                K::Op(o @ (";" | "&")) => {
                    self.next()?;
                    list.push((ao, o == "&"));
                    self.linebreak()?;
                }
                K::Newline => {
                    self.linebreak()?;
                    list.push((ao, false));
                }
                k => {
                    list.push((ao, false));
                    let at_term = match &k {
                        K::Word(Some(w)) => terms.contains(w),
                        K::Op(o) => terms.contains(o),
                        K::Eof => expect.is_empty(),
                        _ => false,
                    };
                    if !at_term {
                        return Err(self.unexpected(expect));
                    }
                    return Ok(list);
                }
            }
        }
    }

    fn and_or(&mut self) -> PRes<AndOr> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = match self.kind()? {
                K::Op("&&") => true,
                K::Op("||") => false,
                _ => break,
            };
            self.next()?;
            self.linebreak()?;
            rest.push((and, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> PRes<Pipeline> {
        let bang = self.kind()?.is("!");
        if bang {
            self.next()?;
        }
        let mut cmds = vec![self.command()?];
        while self.kind()? == K::Op("|") {
            self.next()?;
            self.linebreak()?;
            cmds.push(self.command()?);
        }
        Ok(Pipeline { bang, cmds })
    }

    fn expect_word(&mut self, kw: &str) -> PRes<()> {
        if self.kind()?.is(kw) {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected(kw))
        }
    }

    fn expect_op(&mut self, op: &'static str) -> PRes<()> {
        if self.kind()? == K::Op(op) {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected(op))
        }
    }

    fn command(&mut self) -> PRes<Cmd> {
        let k = self.kind()?;
        let kw = match &k {
            K::Op("(") => "(",
            K::Word(Some(w)) => match *w {
                "if" => "if",
                "for" => "for",
                "while" => "while",
                "until" => "until",
                "case" => "case",
                "{" => "{",
                "then" | "else" | "elif" | "fi" | "do" | "done" | "esac" | "}" => {
                    return Err(self.unexpected(""));
                }
                _ => return self.simple(),
            },
            K::Word(None) | K::Redir => return self.simple(),
            _ => return Err(self.unexpected("")),
        };
        self.enter()?;
        self.next()?;
        let body = match kw {
            "(" => {
                let l = self.compound_list(&[")"], ")", false)?;
                self.expect_op(")")?;
                Compound::Sub(l)
            }
            "{" => {
                let l = self.compound_list(&["}"], "}", false)?;
                self.expect_word("}")?;
                Compound::Brace(l)
            }
            "if" => self.if_rest()?,
            "for" => self.for_rest()?,
            "case" => self.case_rest()?,
            _ => {
                let cond = self.compound_list(&["do"], "do", false)?;
                self.expect_word("do")?;
                let body = self.compound_list(&["done"], "done", false)?;
                self.expect_word("done")?;
                Compound::Loop(kw == "until", cond, body)
            }
        };
        self.depth -= 1;
        let mut redirs = Vec::new();
        while self.kind()? == K::Redir {
            redirs.push(self.redir()?);
        }
        Ok(Cmd::Compound(body, redirs))
    }

    fn if_rest(&mut self) -> PRes<Compound> {
        let mut arms = Vec::new();
        loop {
            let cond = self.compound_list(&["then"], "then", false)?;
            self.expect_word("then")?;
            let body = self.compound_list(&["elif", "else", "fi"], "fi", false)?;
            arms.push((cond, body));
            let k = self.kind()?;
            self.next()?;
            if k.is("elif") {
                continue;
            }
            if k.is("else") {
                let els = self.compound_list(&["fi"], "fi", false)?;
                self.expect_word("fi")?;
                return Ok(Compound::If(arms, Some(els)));
            }
            return Ok(Compound::If(arms, None));
        }
    }

    fn for_rest(&mut self) -> PRes<Compound> {
        let name = match self.next()? {
            Tok::Word(w) => match w.plain() {
                Some(n) if is_name(n) => n.to_owned(),
                _ => return self.err("Bad for loop variable"),
            },
            _ => return self.err("Bad for loop variable"),
        };
        self.linebreak()?;
        let words = if self.kind()?.is("in") {
            self.next()?;
            let mut words = Vec::new();
            while let K::Word(_) = self.kind()? {
                if let Tok::Word(w) = self.next()? {
                    words.push(w);
                }
            }
            if matches!(self.kind()?, K::Op(";") | K::Newline) {
                self.next()?;
            }
            Some(words)
        } else {
            if self.kind()? == K::Op(";") {
                self.next()?;
            }
            None
        };
        self.linebreak()?;
        self.expect_word("do")?;
        let body = self.compound_list(&["done"], "done", false)?;
        self.expect_word("done")?;
        Ok(Compound::For(name, words, body))
    }

    fn case_rest(&mut self) -> PRes<Compound> {
        let word = match self.next()? {
            Tok::Word(w) => w,
            _ => return self.err("word unexpected"),
        };
        self.linebreak()?;
        self.expect_word("in")?;
        self.linebreak()?;
        let mut arms = Vec::new();
        loop {
            if self.kind()?.is("esac") {
                self.next()?;
                return Ok(Compound::Case(word, arms));
            }
            if self.kind()? == K::Op("(") {
                self.next()?;
            }
            let mut pats = Vec::new();
            loop {
                match self.kind()? {
                    K::Word(_) => {
                        if let Tok::Word(w) = self.next()? {
                            pats.push(w);
                        }
                    }
                    _ => return Err(self.unexpected(")")),
                }
                if self.kind()? != K::Op("|") {
                    break;
                }
                self.next()?;
            }
            self.expect_op(")")?;
            let body = self.compound_list(&[";;", "esac"], "esac", true)?;
            arms.push((pats, body));
            match self.kind()? {
                K::Op(";;") => {
                    self.next()?;
                    self.linebreak()?;
                }
                k if k.is("esac") => {}
                _ => return Err(self.unexpected("esac")),
            }
        }
    }

    fn simple(&mut self) -> PRes<Cmd> {
        let line = self.tok_line()?;
        let mut s = Simple {
            line,
            assigns: Vec::new(),
            words: Vec::new(),
            redirs: Vec::new(),
        };
        loop {
            match self.kind()? {
                K::Word(_) => {
                    let Tok::Word(w) = self.next()? else { break };
                    if s.words.is_empty()
                        && let Some(a) = split_assignment(&w)
                    {
                        s.assigns.push(a);
                        continue;
                    }
                    s.words.push(w);
                    if s.words.len() == 1
                        && s.assigns.is_empty()
                        && s.redirs.is_empty()
                        && self.kind()? == K::Op("(")
                    {
                        let name = match s.words[0].plain() {
                            Some(n) if is_name(n) || n.chars().all(|c| c.is_ascii_graphic()) => {
                                n.to_owned()
                            }
                            _ => return self.err("Bad function name"),
                        };
                        self.next()?;
                        self.expect_op(")")?;
                        self.linebreak()?;
                        self.enter()?;
                        let body = self.command()?;
                        self.depth -= 1;
                        return Ok(Cmd::Func(name, Rc::new(body)));
                    }
                }
                K::Redir => {
                    let r = self.redir()?;
                    s.redirs.push(r);
                }
                _ => break,
            }
        }
        Ok(Cmd::Simple(s))
    }

    fn redir(&mut self) -> PRes<Redir> {
        let Tok::Redir(fd, op, strip) = self.next()? else {
            return self.err("redirection expected");
        };
        let target = match self.kind()? {
            K::Word(_) => match self.next()? {
                Tok::Word(w) => w,
                _ => Word::default(),
            },
            _ => return Err(self.unexpected("")),
        };
        let fd = fd.unwrap_or(match op {
            ROp::Out | ROp::Append | ROp::DupOut => 1,
            _ => 0,
        });
        let here = if op == ROp::Here {
            let (delim, quoted) = target.literal_text();
            let body = Rc::new(RefCell::new(Word::default()));
            self.pending.push(PendingHere {
                delim,
                strip_tabs: strip,
                quoted,
                body: body.clone(),
            });
            Some(body)
        } else {
            None
        };
        Ok(Redir {
            fd,
            op,
            target,
            here,
        })
    }
}

/// `NAME=value` as an assignment.
fn split_assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first)) = w.parts.first() else {
        return None;
    };
    let eq = first.find('=')?;
    let name = &first[..eq];
    if !is_name(name) {
        return None;
    }
    let mut value = Word::default();
    let rest = &first[eq + 1..];
    if !rest.is_empty() {
        value.parts.push(Part::Lit(rest.to_owned()));
    }
    value.parts.extend(w.parts[1..].iter().cloned());
    Some((name.to_owned(), value))
}
