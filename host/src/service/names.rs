//! The rules for names people give things (workspaces, tokens, secrets, variables), checked
//! in one place before anything is stored.
//!
//! A name is shown to other people (the audit log, the UI, the CLI) and often becomes part
//! of a path or an expression, so each kind has a length limit and a character set. Labels
//! may hold any printable text; ids and names used in expressions are ASCII.

use unicode_general_category::{GeneralCategory, get_general_category};

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
                    && name.chars().any(is_visible)
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

/// Characters that change how text around them looks without showing themselves: every
/// format character (general category Cf: zero-width marks, bidirectional overrides and
/// isolates, which can make `rotarepo` read `operator`, the soft hyphen, the Arabic letter
/// mark, tag characters), characters that draw as nothing (Hangul fillers, the Braille
/// blank, the combining grapheme joiner, Khmer inherent vowels), variation selectors, and
/// the unassigned code points of the invisible blocks.
fn is_invisible(c: char) -> bool {
    get_general_category(c) == GeneralCategory::Format
        || matches!(c,
            '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{2800}'
            | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// A character that shows by itself: not a control, space, invisible character or a mark
/// that combines with the one before (a name of marks only shows nothing, or its neighbour).
fn is_visible(c: char) -> bool {
    let mark = matches!(
        get_general_category(c),
        GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark | GeneralCategory::SpacingMark
    );
    !c.is_control() && !c.is_whitespace() && !is_invisible(c) && !mark
}

/// Checks free `text` people write for others to read (an approval's comment), the value of
/// `field`: at most `max_chars` characters, no control, format or bidirectional character
/// (no terminal escapes, bells or reordered text), newlines included.
pub fn check_text(field: &str, text: &str, max_chars: usize) -> Result<(), ApiError> {
    let count = text.chars().count();
    if count > max_chars {
        return Err(ApiError::invalid(format!("{field}: {count} characters, more than the {max_chars} allowed")));
    }
    match text.chars().position(|c| c.is_control() || is_invisible(c)) {
        None => Ok(()),
        Some(at) => {
            let c = text.chars().nth(at).expect("found at this position");
            Err(ApiError::invalid(format!(
                "{field}: character {} (U+{:04X}) is a control, format or bidirectional character; write plain text",
                at + 1,
                u32::from(c)
            )))
        }
    }
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
    fn labels_refuse_every_invisible_character_and_need_a_visible_one() {
        let hidden = [
            '\u{061C}',
            '\u{00AD}',
            '\u{034F}',
            '\u{115F}',
            '\u{1160}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{180E}',
            '\u{2066}',
            '\u{FE0F}',
            '\u{E0001}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{E0100}',
            '\u{E01EF}',
            '\u{2800}',
        ];
        for c in hidden {
            assert!(!ok(NameKind::Label, &format!("ops{c}bot")), "U+{:04X} accepted", u32::from(c));
        }
        assert!(!ok(NameKind::Label, "\u{0301}\u{0308}\u{20DD}"), "marks only show nothing by themselves");
        assert!(ok(NameKind::Label, "Cafe\u{0301} crème"), "a mark on a letter is text");
        assert!(ok(NameKind::Label, "東京チーム"));
    }

    #[test]
    fn text_is_bounded_and_refuses_controls_and_bidi() {
        assert!(check_text("comment", "Looks good — ship it.", 20).is_err(), "21 characters");
        assert!(check_text("comment", "Looks good — ship it", 20).is_ok());
        for bad in ["\u{1b}[31mred", "ding\u{7}", "ok\u{202E}reversed", "two\nlines"] {
            let err = check_text("comment", bad, 100).unwrap_err();
            assert!(err.message.starts_with("comment: character "), "{}", err.message);
        }
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
