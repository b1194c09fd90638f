//! Expressions inside `${{ }}`: the AST and a recursive-descent parser over [`lex`](super::lex).
//!
//! Grammar, loosest first: `a || b`, `a && b`, comparisons (`==` `!=` `<` `<=` `>` `>=`),
//! `!a`, then postfix access (`.key`, `[0]`, `['key']`) on a primary: a literal
//! (`'text'`, `3`, `-1.5`, `true`, `false`, `null`), a name, a call `f(a, b)` or `( ... )`.

use std::fmt;

use serde_json::Value;

pub use super::lex::ExprError;
use super::lex::{Tok, is_ident_char, is_ident_start, lex};
use super::limits::{MAX_EXPR_DEPTH, expr_depth};

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `'text'`, `3`, `true`, `null`.
    Literal(Value),
    /// `root.a.b[0]['k']`: a reference into the run's scope.
    Path {
        root: String,
        segments: Vec<Segment>,
    },
    /// Access into a computed value: `from_json(x).a`, `(a || b)[0]`.
    Member {
        target: Box<Expr>,
        segments: Vec<Segment>,
    },
    Not(Box<Expr>),
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Call {
        name: String,
        args: Vec<Expr>,
    },
}

/// One step of a path after its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// `.name` or `['name']`.
    Key(String),
    /// `[3]`.
    Index(usize),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    fn from_op(op: &str) -> Option<Self> {
        Some(match op {
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            "&&" => BinOp::And,
            "||" => BinOp::Or,
            _ => return None,
        })
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }

    /// Binding strength: higher binds tighter.
    fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            _ => 3,
        }
    }
}

impl Expr {
    /// Calls `f` with the root and segments of every path in the expression.
    pub fn visit_paths<'a>(&'a self, f: &mut impl FnMut(&'a str, &'a [Segment])) {
        self.visit(&mut |e| {
            if let Expr::Path { root, segments } = e {
                f(root, segments);
            }
        });
    }

    /// Calls `f` with this expression and every sub-expression, parents first.
    pub fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Literal(_) | Expr::Path { .. } => {}
            Expr::Member { target, .. } | Expr::Not(target) => target.visit(f),
            Expr::Binary { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            Expr::Call { args, .. } => args.iter().for_each(|a| a.visit(f)),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(Value::String(s)) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Literal(v) => write!(f, "{v}"),
            Expr::Path { root, segments } => {
                f.write_str(root)?;
                segments.iter().try_for_each(|s| write!(f, "{s}"))
            }
            Expr::Member { target, segments } => {
                write!(f, "({target})")?;
                segments.iter().try_for_each(|s| write!(f, "{s}"))
            }
            Expr::Not(e) => write!(f, "!{e}"),
            Expr::Binary { op, left, right } => write!(f, "({left} {} {right})", op.symbol()),
            Expr::Call { name, args } => {
                let args: Vec<String> = args.iter().map(Expr::to_string).collect();
                write!(f, "{name}({})", args.join(", "))
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

/// Parses the expression that starts right after a `${{`. Returns it and the number of
/// bytes of `text` it spans, including the closing `}}`.
pub fn parse_embedded(text: &str) -> Result<(Expr, usize), ExprError> {
    let (toks, len) = lex(text)?;
    if toks.is_empty() {
        return Err(ExprError::Empty);
    }
    let mut parser = Parser { toks, at: 0, level: 0 };
    let expr = parser.binary(0)?;
    if let Some(tok) = parser.next() {
        return Err(ExprError::Expected { expected: "the end of the expression", found: tok.to_string() });
    }
    if expr_depth(&expr) > MAX_EXPR_DEPTH {
        return Err(ExprError::TooDeep);
    }
    Ok((expr, len))
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    /// How deeply the parser has recursed (`!`, parentheses, call arguments, operands).
    level: usize,
}

fn found(tok: Option<Tok>) -> String {
    tok.map_or_else(|| "the end".to_string(), |t| t.to_string())
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

    fn expect(&mut self, tok: Tok, expected: &'static str) -> Result<(), ExprError> {
        match self.next() {
            Some(t) if t == tok => Ok(()),
            other => Err(ExprError::Expected { expected, found: found(other) }),
        }
    }

    /// One level deeper, unless that passes [`MAX_EXPR_DEPTH`]; the caller steps back out.
    fn descend(&mut self) -> Result<(), ExprError> {
        self.level += 1;
        if self.level > MAX_EXPR_DEPTH { Err(ExprError::TooDeep) } else { Ok(()) }
    }

    /// Operators binding at least as tightly as `min` (precedence climbing, left-associative).
    /// Every recursion of the parser but `!` passes through here, so this bounds its depth.
    fn binary(&mut self, min: u8) -> Result<Expr, ExprError> {
        self.descend()?;
        let mut left = self.unary()?;
        while let Some(op) = self.peek_op().filter(|op| op.precedence() > min) {
            self.at += 1;
            let right = self.binary(op.precedence())?;
            left = Expr::Binary { op, left: Box::new(left), right: Box::new(right) };
        }
        self.level -= 1;
        Ok(left)
    }

    fn peek_op(&self) -> Option<BinOp> {
        match self.peek() {
            Some(Tok::Op(op)) => BinOp::from_op(op),
            _ => None,
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek() == Some(&Tok::Op("!")) {
            self.at += 1;
            self.descend()?;
            let operand = self.unary()?;
            self.level -= 1;
            return Ok(Expr::Not(Box::new(operand)));
        }
        let primary = self.primary()?;
        let segments = self.segments()?;
        Ok(match primary {
            _ if segments.is_empty() => primary,
            Expr::Path { root, segments: mut first } => {
                first.extend(segments);
                Expr::Path { root, segments: first }
            }
            target => Expr::Member { target: Box::new(target), segments },
        })
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Expr::Literal(Value::String(s))),
            Some(Tok::Num(n)) => number(&n),
            Some(Tok::Minus) => match self.next() {
                Some(Tok::Num(n)) => number(&format!("-{n}")),
                other => Err(ExprError::Expected { expected: "a number after `-`", found: found(other) }),
            },
            Some(Tok::LParen) => {
                let inner = self.binary(0)?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(inner)
            }
            Some(Tok::Ident(name)) => self.name(name),
            other => Err(ExprError::Expected { expected: "a name such as `inputs` or `steps`", found: found(other) }),
        }
    }

    fn name(&mut self, name: String) -> Result<Expr, ExprError> {
        match name.as_str() {
            "true" => return Ok(Expr::Literal(Value::Bool(true))),
            "false" => return Ok(Expr::Literal(Value::Bool(false))),
            "null" => return Ok(Expr::Literal(Value::Null)),
            _ => {}
        }
        if self.peek() != Some(&Tok::LParen) {
            return Ok(Expr::Path { root: name, segments: Vec::new() });
        }
        self.at += 1;
        let mut args = Vec::new();
        if self.peek() == Some(&Tok::RParen) {
            self.at += 1;
            return Ok(Expr::Call { name, args });
        }
        loop {
            args.push(self.binary(0)?);
            match self.next() {
                Some(Tok::Comma) => {}
                Some(Tok::RParen) => return Ok(Expr::Call { name, args }),
                other => return Err(ExprError::Expected { expected: "`,` or `)`", found: found(other) }),
            }
        }
    }

    fn segments(&mut self) -> Result<Vec<Segment>, ExprError> {
        let mut segments = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.at += 1;
                    match self.next() {
                        Some(Tok::Ident(name)) => segments.push(Segment::Key(name)),
                        other => return Err(ExprError::Expected { expected: "a name after `.`", found: found(other) }),
                    }
                }
                Some(Tok::LBracket) => {
                    self.at += 1;
                    segments.push(self.index()?);
                }
                _ => return Ok(segments),
            }
        }
    }

    /// The inside of `[...]`, after the `[`.
    fn index(&mut self) -> Result<Segment, ExprError> {
        let inner: Vec<Tok> = self.toks[self.at..].iter().take_while(|t| **t != Tok::RBracket).cloned().collect();
        let closed = self.toks.get(self.at + inner.len()) == Some(&Tok::RBracket);
        self.at += inner.len() + 1;
        match (inner.as_slice(), closed) {
            ([Tok::Num(n)], true) => n.parse().map(Segment::Index).map_err(|_| ExprError::BadIndex(n.clone())),
            ([Tok::Str(s)], true) => Ok(Segment::Key(s.clone())),
            _ => {
                let text: String = inner.iter().map(Tok::text).collect();
                Err(ExprError::BadIndex(if closed { text } else { format!("{text} (no closing `]`)") }))
            }
        }
    }
}

fn number(text: &str) -> Result<Expr, ExprError> {
    let bad = || ExprError::BadNumber(text.to_string());
    if let Ok(n) = text.parse::<i64>() {
        return Ok(Expr::Literal(Value::from(n)));
    }
    let f = text.parse::<f64>().map_err(|_| bad())?;
    serde_json::Number::from_f64(f).map(|n| Expr::Literal(Value::Number(n))).ok_or_else(bad)
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
    fn parses_operators_with_precedence() {
        let expr = parse("!a || b == 'x' && c < -1.5 }}").expect("valid");
        assert_eq!(expr.to_string(), "(!a || ((b == 'x') && (c < -1.5)))");
        let expr = parse("default(from_json(x).a[0], null) != (true) }}").expect("valid");
        assert_eq!(expr.to_string(), "(default((from_json(x)).a[0], null) != true)");
        assert_eq!(parse("now() }}").expect("valid"), Expr::Call { name: "now".into(), args: vec![] });
    }

    #[test]
    fn reports_malformed_expressions() {
        assert_eq!(parse(" inputs.x "), Err(ExprError::Unterminated));
        assert_eq!(parse("  }}"), Err(ExprError::Empty));
        assert_eq!(parse("a[b] }}"), Err(ExprError::BadIndex("b".into())));
        assert_eq!(parse("a[] }}"), Err(ExprError::BadIndex(String::new())));
        assert_eq!(parse("a + b }}"), Err(ExprError::UnexpectedChar('+')));
        assert_eq!(parse("a = b }}"), Err(ExprError::UnexpectedChar('=')));
        assert_eq!(parse("a['x }}"), Err(ExprError::UnterminatedString));
        assert!(matches!(parse("a. }}"), Err(ExprError::Expected { .. })));
        assert!(matches!(parse("a b }}"), Err(ExprError::Expected { .. })));
        assert!(matches!(parse("f(a b) }}"), Err(ExprError::Expected { .. })));
        assert!(matches!(parse("(a }}"), Err(ExprError::Expected { .. })));
        assert!(matches!(parse("a == }}"), Err(ExprError::Expected { .. })));
    }

    #[test]
    fn quoted_keys_may_hold_braces() {
        let expr = parse("a['}}'] }}").expect("valid");
        assert_eq!(expr.to_string(), "a['}}']");
    }
}
