//! Expressions inside `${{ }}`: the AST, a lexer and a recursive-descent parser.
//!
//! This version knows only paths (`inputs.text`, `steps.score.output.items[0]['a key']`);
//! the lexer/parser split leaves room for literals, operators and function calls.

use std::fmt;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `root.a.b[0]['k']`: a reference into the run's scope.
    Path { root: String, segments: Vec<Segment> },
}

/// One step of a path after its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// `.name` or `['name']`.
    Key(String),
    /// `[3]`.
    Index(usize),
}

impl Expr {
    /// Calls `f` with the root and segments of every path in the expression.
    pub fn visit_paths<'a>(&'a self, f: &mut impl FnMut(&'a str, &'a [Segment])) {
        match self {
            Expr::Path { root, segments } => f(root, segments),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Path { root, segments } => {
                f.write_str(root)?;
                segments.iter().try_for_each(|s| write!(f, "{s}"))
            }
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Key(k) if is_ident(k) => write!(f, ".{k}"),
            Segment::Key(k) => write!(f, "['{}']", k.replace('\'', "''")),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_char)
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

// `-` is allowed because step ids and input names may contain it (as in GitHub Actions).
fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Why an expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("unterminated expression: `${{{{` has no closing `}}}}`")]
    Unterminated,
    #[error("empty expression")]
    Empty,
    #[error("unexpected character `{0}`")]
    UnexpectedChar(char),
    #[error("unterminated string")]
    UnterminatedString,
    #[error("invalid index `[{0}]`")]
    BadIndex(String),
    #[error("expected {expected}, found {found}")]
    Expected { expected: &'static str, found: String },
}

impl ExprError {
    pub fn help(&self) -> &'static str {
        match self {
            ExprError::Unterminated => "close the expression with `}}`",
            ExprError::BadIndex(_) => "use a number like `[0]` or a quoted key like `['key with space']`",
            ExprError::UnterminatedString => "close the string with a matching quote",
            _ => "write a reference such as `${{ inputs.name }}` or `${{ steps.id.output }}`",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Int(String),
    Str(String),
    Dot,
    LBracket,
    RBracket,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) | Tok::Int(s) => write!(f, "`{s}`"),
            Tok::Str(s) => write!(f, "string '{s}'"),
            Tok::Dot => f.write_str("`.`"),
            Tok::LBracket => f.write_str("`[`"),
            Tok::RBracket => f.write_str("`]`"),
        }
    }
}

/// Tokens up to the closing `}}`, and the byte length consumed including it.
fn lex(text: &str) -> Result<(Vec<(Tok, usize)>, usize), ExprError> {
    let mut toks = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let tok = match c {
            c if c.is_whitespace() => continue,
            '}' if chars.peek().is_some_and(|&(_, n)| n == '}') => return Ok((toks, at + 2)),
            '.' => Tok::Dot,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '\'' => Tok::Str(lex_string(&mut chars)?),
            c if c.is_ascii_digit() => Tok::Int(take_while(c, &mut chars, |n| n.is_ascii_digit())),
            c if is_ident_start(c) => Tok::Ident(take_while(c, &mut chars, is_ident_char)),
            c => return Err(ExprError::UnexpectedChar(c)),
        };
        toks.push((tok, at));
    }
    Err(ExprError::Unterminated)
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

fn take_while(first: char, chars: &mut Chars<'_>, keep: impl Fn(char) -> bool) -> String {
    let mut s = String::from(first);
    while let Some(&(_, c)) = chars.peek().filter(|(_, c)| keep(*c)) {
        s.push(c);
        chars.next();
    }
    s
}

/// A single-quoted string; `''` stands for one quote, as in GitHub Actions.
fn lex_string(chars: &mut Chars<'_>) -> Result<String, ExprError> {
    let mut s = String::new();
    while let Some((_, c)) = chars.next() {
        if c != '\'' {
            s.push(c);
        } else if chars.peek().is_some_and(|&(_, n)| n == '\'') {
            s.push('\'');
            chars.next();
        } else {
            return Ok(s);
        }
    }
    Err(ExprError::UnterminatedString)
}

/// Parses the expression that starts right after a `${{`. Returns it and the number of
/// bytes of `text` it spans, including the closing `}}`.
pub fn parse_embedded(text: &str) -> Result<(Expr, usize), ExprError> {
    let (toks, len) = lex(text)?;
    if toks.is_empty() {
        return Err(ExprError::Empty);
    }
    let mut parser = Parser { toks: toks.into_iter().map(|(t, _)| t).collect(), at: 0 };
    let expr = parser.postfix()?;
    match parser.next() {
        None => Ok((expr, len)),
        Some(tok) => Err(ExprError::Expected { expected: "the end of the expression", found: tok.to_string() }),
    }
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.at).cloned();
        self.at += 1;
        tok
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let root = self.ident("a name such as `inputs` or `steps`")?;
        let mut segments = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.at += 1;
                    segments.push(Segment::Key(self.ident("a name after `.`")?));
                }
                Some(Tok::LBracket) => {
                    self.at += 1;
                    segments.push(self.index()?);
                }
                _ => return Ok(Expr::Path { root, segments }),
            }
        }
    }

    fn ident(&mut self, expected: &'static str) -> Result<String, ExprError> {
        match self.next() {
            Some(Tok::Ident(name)) => Ok(name),
            other => Err(ExprError::Expected {
                expected,
                found: other.map_or_else(|| "the end".to_string(), |t| t.to_string()),
            }),
        }
    }

    /// The inside of `[...]`, after the `[`.
    fn index(&mut self) -> Result<Segment, ExprError> {
        let inner: Vec<Tok> = self.toks[self.at..].iter().take_while(|t| **t != Tok::RBracket).cloned().collect();
        let closed = self.toks.get(self.at + inner.len()) == Some(&Tok::RBracket);
        self.at += inner.len() + 1;
        match (inner.as_slice(), closed) {
            ([Tok::Int(n)], true) => n.parse().map(Segment::Index).map_err(|_| ExprError::BadIndex(n.clone())),
            ([Tok::Str(s)], true) => Ok(Segment::Key(s.clone())),
            _ => Err(ExprError::BadIndex(index_text(&inner, closed))),
        }
    }
}

fn index_text(inner: &[Tok], closed: bool) -> String {
    let parts: Vec<String> = inner
        .iter()
        .map(|t| match t {
            Tok::Ident(s) | Tok::Int(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Dot => ".".into(),
            Tok::LBracket => "[".into(),
            Tok::RBracket => "]".into(),
        })
        .collect();
    let text = parts.join("");
    if closed { text } else { format!("{text} (no closing `]`)") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Expr, ExprError> {
        parse_embedded(text).map(|(e, _)| e)
    }

    #[test]
    fn parses_paths_with_keys_and_indexes() {
        let text = " steps.a.output.x[0]['key with space'] }} tail";
        let (expr, len) = parse_embedded(text).expect("valid");
        assert_eq!(&text[len..], " tail");
        assert_eq!(expr.to_string(), "steps.a.output.x[0]['key with space']");
    }

    #[test]
    fn reports_malformed_expressions() {
        assert_eq!(parse(" inputs.x "), Err(ExprError::Unterminated));
        assert_eq!(parse("  }}"), Err(ExprError::Empty));
        assert_eq!(parse("a[b] }}"), Err(ExprError::BadIndex("b".into())));
        assert_eq!(parse("a[] }}"), Err(ExprError::BadIndex(String::new())));
        assert_eq!(parse("a + b }}"), Err(ExprError::UnexpectedChar('+')));
        assert_eq!(parse("a['x }}"), Err(ExprError::UnterminatedString));
        assert!(matches!(parse("a. }}"), Err(ExprError::Expected { .. })));
        assert!(matches!(parse("a b }}"), Err(ExprError::Expected { .. })));
    }

    #[test]
    fn quoted_keys_may_hold_braces() {
        let expr = parse("a['}}'] }}").expect("valid");
        assert_eq!(expr.to_string(), "a['}}']");
    }
}
