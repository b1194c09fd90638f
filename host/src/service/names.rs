//! The rules for names people give things (workspaces, tokens, secrets, variables), checked
//! in one place before anything is stored.
//!
//! A name is shown to other people (the audit log, the UI, the CLI) and often becomes part
//! of a path or an expression, so each kind has a length limit and a character set. Labels
//! may hold any printable text; ids and names used in expressions are ASCII.

use super::error::ApiError;

/// The longest name of any kind, in characters: enough for "Acme Corp — social team",
/// short enough that a name cannot flood a log line or a page. The same limit as a
/// workflow's name.
pub const MAX_NAME_CHARS: usize = crate::workflow::MAX_NAME_LEN;

/// How much of a refused name an error repeats, so an error cannot carry a flood either.
const SHOWN_CHARS: usize = 24;

/// What is being named, each with its own character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A workspace id, used in every path: ASCII letters, digits, `-`, `_`, `.`, starting
    /// with a letter or digit (so never `.` or `..`).
    WorkspaceId,
    /// A label for people (a workspace's or a token's name): printable text without control,
    /// format or bidirectional characters, and without space at either end.
    Label,
    /// A secret, written `secrets.NAME` and `{{secret:NAME}}`: `A-Z`, `0-9`, `_`.
    Secret,
    /// A variable, written `vars.NAME`: ASCII letters, digits and `_`.
    Variable,
}

impl NameKind {
    fn rule(self) -> &'static str {
        match self {
            Self::WorkspaceId => "letters, digits, `-`, `_` or `.`, starting with a letter or digit",
            Self::Label => "printable characters, without control characters or space at either end",
            Self::Secret => "uppercase letters, digits or `_`, starting with a letter or `_`",
            Self::Variable => "letters, digits or `_`, starting with a letter or `_`",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Self::WorkspaceId => "acme-corp",
            Self::Label => "Acme release bot",
            Self::Secret => "MASTODON_TOKEN",
            Self::Variable => "brand",
        }
    }

    fn allows(self, name: &str) -> bool {
        let first = name.chars().next();
        match self {
            Self::WorkspaceId => {
                first.is_some_and(|c| c.is_ascii_alphanumeric())
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            }
            Self::Label => {
                name.trim() == name
                    && name.chars().all(|c| !c.is_control() && !is_invisible(c) && (c == ' ' || !c.is_whitespace()))
            }
            Self::Secret => {
                first.is_some_and(|c| c.is_ascii_uppercase() || c == '_')
                    && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            }
            Self::Variable => {
                first.is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }
        }
    }
}

/// Characters that change how text around them looks without showing themselves: zero-width
/// marks, bidirectional overrides (which can make `rotarepo` read `operator`), word joiners.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Checks `name`, the value of `field`, as a name of `kind`; the error names the field, the
/// rule and an example.
pub fn check(kind: NameKind, field: &str, name: &str) -> Result<(), ApiError> {
    let count = name.chars().count();
    if (1..=MAX_NAME_CHARS).contains(&count) && kind.allows(name) {
        return Ok(());
    }
    let shown: String = name.chars().take(SHOWN_CHARS).collect::<String>().escape_debug().to_string();
    let more = if count > SHOWN_CHARS { "…" } else { "" };
    Err(ApiError::invalid(format!(
        "{field}: `{shown}{more}` ({count} characters) must be 1 to {MAX_NAME_CHARS} {}; e.g. `{}`",
        kind.rule(),
        kind.example()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(kind: NameKind, name: &str) -> bool {
        check(kind, "name", name).is_ok()
    }

    #[test]
    fn each_kind_has_its_rule() {
        assert!(ok(NameKind::WorkspaceId, "acme-corp.eu_1"));
        assert!(!ok(NameKind::WorkspaceId, ".."));
        assert!(ok(NameKind::Label, "Équipe sociale — Acme"));
        assert!(!ok(NameKind::Label, "bot\nnext line"));
        assert!(!ok(NameKind::Label, " operator"));
        assert!(!ok(NameKind::Label, "\u{202E}rotarepo"));
        assert!(ok(NameKind::Secret, "MASTODON_TOKEN"));
        assert!(!ok(NameKind::Secret, "mastodon_token"));
        assert!(ok(NameKind::Variable, "brand_2"));
        assert!(!ok(NameKind::Variable, "2brand"));
    }

    #[test]
    fn length_is_counted_in_characters_and_errors_stay_short() {
        assert!(ok(NameKind::Label, &"é".repeat(MAX_NAME_CHARS)));
        let long = "A".repeat(10_000);
        let err = check(NameKind::Secret, "path `name`", &long).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.message.starts_with("path `name`: `AAAA") && err.message.contains("(10000 characters)"));
        assert!(err.message.len() < 300, "{}", err.message);
        let err = check(NameKind::Label, "name", "a\u{7}b").unwrap_err();
        assert!(err.message.contains(r"`a\u{7}b`"), "{}", err.message);
    }
}
