//! Compiler-style diagnostics: `FILE:LINE:COL: error: MESSAGE` with an optional help line.

use std::fmt;

/// A 1-based line and column in the workflow file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The start of the file, for errors about the file as a whole.
    pub const START: Pos = Pos { line: 1, column: 1 };

    pub fn new(line: usize, column: usize) -> Self {
        Pos { line, column }
    }
}

/// One error found while loading a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line of the offending node.
    pub line: usize,
    /// 1-based column of the offending node.
    pub column: usize,
    /// Lowercase, names the offending value.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic { line: pos.line, column: pos.column, message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }
}

/// Every error found in one workflow file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file name as given to [`load`](super::load), used as the prefix of each line.
    pub file: String,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Sorts by position (stable, so errors at one node keep the order they were found in).
    pub fn new(file: &str, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by_key(Diagnostic::pos);
        Diagnostics { file: file.to_string(), items }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: error: {}", self.file, d.line, d.column, d.message)?;
            if let Some(help) = &d.help {
                write!(f, "\n  help: {help}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Most of a workflow's own names (steps, inputs) compared with a misspelt one: a workflow
/// may have a thousand steps, and every bad reference would be compared with each of them.
pub const MAX_CANDIDATES: usize = 100;

/// Most names listed in a help text.
const MAX_LISTED: usize = 20;

/// The candidate closest to `word`, if any is close enough to be a likely typo.
pub fn nearest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // Swapped letters (`whit` for `with`) beat a closer-looking different word.
    let sorted = |s: &str| {
        let mut chars: Vec<char> = s.chars().collect();
        chars.sort_unstable();
        chars
    };
    let letters = sorted(word);
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c) + if sorted(c) == letters { 1.0 } else { 0.0 }, c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `did you mean `x`?` for the nearest candidate.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    nearest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// "`a`, `b`, `c`" for help texts.
/// Past [`MAX_LISTED`] items, the rest are counted rather than listed.
pub fn backticked<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().take(MAX_LISTED).map(|s| format!("`{}`", s.as_ref())).collect();
    match items.len().saturating_sub(MAX_LISTED) {
        0 => quoted.join(", "),
        more => format!("{} and {more} more", quoted.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_file_position_and_help() {
        let d = Diagnostics::new(
            "w.yaml",
            vec![
                Diagnostic::new(Pos::new(3, 1), "second"),
                Diagnostic::new(Pos::new(1, 2), "first").with_help("fix it"),
            ],
        );
        assert_eq!(d.to_string(), "w.yaml:1:2: error: first\n  help: fix it\nw.yaml:3:1: error: second");
    }

    #[test]
    fn nearest_finds_typos_only() {
        assert_eq!(nearest("setps", ["name", "steps"]), Some("steps"));
        assert_eq!(nearest("zzz", ["name", "steps"]), None);
        assert_eq!(nearest("whit", ["wait", "with"]), Some("with"));
    }
}
