//! The expression lexer: turns the text after `${{` into tokens up to the closing `}}`;
//! and [`ExprError`], why an expression does not parse.

use std::fmt;

use super::limits::{MAX_EXPR_BYTES, MAX_EXPR_DEPTH};

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
    #[error("invalid number `{0}`")]
    BadNumber(String),
    #[error("expected {expected}, found {found}")]
    Expected { expected: &'static str, found: String },
    #[error("the expression is longer than {} bytes", MAX_EXPR_BYTES)]
    TooLong,
    #[error("the expression nests deeper than {} levels", MAX_EXPR_DEPTH)]
    TooDeep,
}

impl ExprError {
    pub fn help(&self) -> &'static str {
        match self {
            ExprError::Unterminated => "close the expression with `}}`",
            ExprError::BadIndex(_) => "use a number like `[0]` or a quoted key like `['key with space']`",
            ExprError::UnterminatedString => "close the string with a matching quote",
            ExprError::TooLong => "split it into several expressions or steps, or compute the value in a plugin",
            ExprError::TooDeep => "split it into steps; redundant `!` and parentheses can be removed",
            ExprError::UnexpectedChar(_) => {
                "expressions support `==` `!=` `<` `<=` `>` `>=` `&&` `||` `!`, `( )` and functions; \
                 strings use single quotes"
            }
            _ => "write a reference such as `${{ inputs.name }}` or `${{ steps.id.output }}`",
        }
    }
}

/// One token of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    /// A number as written (`3`, `1.5`).
    Num(String),
    Str(String),
    Dot,
    Comma,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Minus,
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||` or `!`.
    Op(&'static str),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Str(s) => write!(f, "string '{s}'"),
            other => write!(f, "`{}`", other.text()),
        }
    }
}

impl Tok {
    /// The token as it would be written.
    pub fn text(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::Num(s) => s.clone(),
            Tok::Str(s) => format!("'{}'", s.replace('\'', "''")),
            Tok::Dot => ".".into(),
            Tok::Comma => ",".into(),
            Tok::LBracket => "[".into(),
            Tok::RBracket => "]".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Minus => "-".into(),
            Tok::Op(op) => (*op).into(),
        }
    }
}

pub fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// `-` is allowed because step ids and input names may contain it (as in GitHub Actions).
pub fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

/// Tokens up to the closing `}}`, and the byte length consumed including it; at most
/// [`MAX_EXPR_BYTES`] are read.
pub fn lex(text: &str) -> Result<(Vec<Tok>, usize), ExprError> {
    let mut toks = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if at > MAX_EXPR_BYTES {
            return Err(ExprError::TooLong);
        }
        let tok = match c {
            c if c.is_whitespace() => continue,
            '}' if next_is(&mut chars, '}') => return Ok((toks, at + 2)),
            '.' => Tok::Dot,
            ',' => Tok::Comma,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '-' => Tok::Minus,
            '\'' => Tok::Str(lex_string(&mut chars)?),
            '=' | '!' | '<' | '>' | '&' | '|' => operator(c, &mut chars)?,
            c if c.is_ascii_digit() => Tok::Num(number(c, &mut chars)),
            c if is_ident_start(c) => Tok::Ident(take_while(c, &mut chars, is_ident_char)),
            c => return Err(ExprError::UnexpectedChar(c)),
        };
        toks.push(tok);
    }
    Err(ExprError::Unterminated)
}

/// Consumes the next character if it is `c`.
fn next_is(chars: &mut Chars<'_>, c: char) -> bool {
    chars.next_if(|&(_, n)| n == c).is_some()
}

fn operator(c: char, chars: &mut Chars<'_>) -> Result<Tok, ExprError> {
    let op = match c {
        '=' if next_is(chars, '=') => "==",
        '!' if next_is(chars, '=') => "!=",
        '!' => "!",
        '<' if next_is(chars, '=') => "<=",
        '<' => "<",
        '>' if next_is(chars, '=') => ">=",
        '>' => ">",
        '&' if next_is(chars, '&') => "&&",
        '|' if next_is(chars, '|') => "||",
        c => return Err(ExprError::UnexpectedChar(c)),
    };
    Ok(Tok::Op(op))
}

fn number(first: char, chars: &mut Chars<'_>) -> String {
    let mut s = take_while(first, chars, |c| c.is_ascii_digit());
    let mut ahead = chars.clone();
    if ahead.next().is_some_and(|(_, c)| c == '.') && ahead.peek().is_some_and(|&(_, c)| c.is_ascii_digit()) {
        chars.next();
        let digits = take_while('.', chars, |c| c.is_ascii_digit());
        s.push_str(&digits);
    }
    s
}

fn take_while(first: char, chars: &mut Chars<'_>, keep: impl Fn(char) -> bool) -> String {
    let mut s = String::from(first);
    while let Some((_, c)) = chars.next_if(|&(_, c)| keep(c)) {
        s.push(c);
    }
    s
}

/// A single-quoted string; `''` stands for one quote, as in GitHub Actions.
fn lex_string(chars: &mut Chars<'_>) -> Result<String, ExprError> {
    let mut s = String::new();
    while let Some((_, c)) = chars.next() {
        if c != '\'' {
            s.push(c);
        } else if next_is(chars, '\'') {
            s.push('\'');
        } else {
            return Ok(s);
        }
    }
    Err(ExprError::UnterminatedString)
}
