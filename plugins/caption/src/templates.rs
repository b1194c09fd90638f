//! The built-in sentences of offline captions, per language, tone and kind of topic.
//!
//! The topic never fills a slot that needs grammatical case or agreement ("zu {topic}",
//! "über {topic}"): it stands alone as a headline (`{Topic}.`) or follows a colon, so
//! "unser neuer Online-Shop" and "We are down since 9:00." both read well. Keyword lists
//! follow a colon too. Incident sentences carry no emoji, ask no question and end by
//! apologising or promising updates, in every tone. Sensitive sentences (a death, a
//! recall, a breach) are the most sober: no emoji, no question, no apology formula, no
//! call to engage; only a promise of further information.

use crate::voice::Tone;
use crate::{Kind, Language};

/// The three parts of an offline caption, in the order they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Carries `{topic}` or `{Topic}`.
    Opener,
    /// Carries `{kw}`, the keywords as a list; used only when there are keywords.
    Keywords,
    Closer,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Opener, Part::Keywords, Part::Closer];

    /// The key of this part in workspace templates, for `kind`.
    pub fn key(self, kind: Kind) -> &'static str {
        match (kind, self) {
            (Kind::Announcement, Part::Opener) => "openers",
            (Kind::Announcement, Part::Keywords) => "keywords",
            (Kind::Announcement, Part::Closer) => "closers",
            (Kind::Incident, Part::Opener) => "incident_openers",
            (Kind::Incident, Part::Keywords) => "incident_keywords",
            (Kind::Incident, Part::Closer) => "incident_closers",
            (Kind::Sensitive, Part::Opener) => "sensitive_openers",
            (Kind::Sensitive, Part::Keywords) => "sensitive_keywords",
            (Kind::Sensitive, Part::Closer) => "sensitive_closers",
        }
    }

    /// How explanations name one sentence of this part.
    pub fn noun(self) -> &'static str {
        match self {
            Part::Opener => "opener",
            Part::Keywords => "keyword sentence",
            Part::Closer => "closer",
        }
    }
}

/// The sentences of one kind: five of each part.
pub struct Set {
    pub openers: [&'static str; 5],
    pub keywords: [&'static str; 5],
    pub closers: [&'static str; 5],
}

impl Set {
    pub fn part(&self, part: Part) -> &[&'static str] {
        match part {
            Part::Opener => &self.openers,
            Part::Keywords => &self.keywords,
            Part::Closer => &self.closers,
        }
    }
}

/// The sentences of one language and tone.
pub struct Builtin {
    pub announcement: Set,
    pub incident: Set,
    pub sensitive: Set,
    /// The word before the last keyword of a list: "a, b and c".
    pub and: &'static str,
}

impl Builtin {
    pub fn set(&self, kind: Kind) -> &Set {
        match kind {
            Kind::Announcement => &self.announcement,
            Kind::Incident => &self.incident,
            Kind::Sensitive => &self.sensitive,
        }
    }
}

const EN_NEUTRAL: Builtin = Builtin {
    announcement: Set {
        openers: [
            "New from us: {topic}.",
            "In brief: {topic}.",
            "Worth knowing: {topic}.",
            "Here is what's new: {topic}.",
            "Our news: {topic}.",
        ],
        keywords: [
            "Key points: {kw}.",
            "In focus: {kw}.",
            "Featuring: {kw}.",
            "At a glance: {kw}.",
            "Highlights: {kw}.",
        ],
        closers: [
            "What do you think?",
            "Share your thoughts below.",
            "Find out more on our website.",
            "We look forward to your feedback.",
            "Stay tuned for more.",
        ],
    },
    incident: Set {
        openers: [
            "Service notice: {topic}.",
            "Update: {topic}.",
            "{Topic}.",
            "Please note: {topic}.",
            "Status update: {topic}.",
        ],
        keywords: ["Affected: {kw}.", "This concerns: {kw}.", "Related: {kw}.", "Details: {kw}.", "Scope: {kw}."],
        closers: [
            "We're sorry for the trouble and will post updates here.",
            "We apologise for the inconvenience and will keep you posted here.",
            "We're working on it and will update this post as we learn more.",
            "Thank you for your patience; updates will follow here.",
            "We're sorry for the disruption. Further updates will follow here.",
        ],
    },
    sensitive: EN_SENSITIVE,
    and: "and",
};

const EN_CASUAL: Builtin = Builtin {
    announcement: Set {
        openers: [
            "Big news: {topic} 🎉",
            "Fresh from us: {topic} ✨",
            "Heads up: {topic} 👇",
            "Guess what? {Topic} 🙌",
            "It's here: {topic} 🚀",
        ],
        keywords: ["The short version: {kw}.", "Think: {kw}.", "Expect: {kw}.", "Yep: {kw}.", "On board: {kw}."],
        closers: [
            "What do you think? 💬",
            "Tell us below! 👇",
            "Come have a look! 👀",
            "Spread the word! 📣",
            "More soon! 🚀",
        ],
    },
    incident: Set {
        openers: [
            "Heads up: {topic}.",
            "Quick update: {topic}.",
            "{Topic}.",
            "A note from us: {topic}.",
            "Status: {topic}.",
        ],
        keywords: ["Affected: {kw}.", "This is about: {kw}.", "Related: {kw}.", "Details: {kw}.", "Scope: {kw}."],
        closers: [
            "Sorry for the trouble. We'll post updates here.",
            "We're on it and will keep you posted here.",
            "Thanks for bearing with us; updates will follow here.",
            "We're sorry about this and will update this post as we go.",
            "Apologies for the hassle. More here as soon as we know it.",
        ],
    },
    sensitive: EN_SENSITIVE,
    and: "and",
};

const DE_NEUTRAL: Builtin = Builtin {
    announcement: Set {
        openers: [
            "Neu bei uns: {topic}.",
            "Kurz notiert: {topic}.",
            "Das Wichtigste in Kürze: {topic}.",
            "Unsere Neuigkeit: {topic}.",
            "Gut zu wissen: {topic}.",
        ],
        keywords: [
            "Im Fokus: {kw}.",
            "Stichworte: {kw}.",
            "Mit dabei: {kw}.",
            "Kurz gesagt: {kw}.",
            "Das Wichtigste: {kw}.",
        ],
        closers: [
            "Was meinen Sie?",
            "Teilen Sie Ihre Meinung in den Kommentaren.",
            "Mehr dazu auf unserer Website.",
            "Wir freuen uns auf Ihr Feedback.",
            "Bleiben Sie dran.",
        ],
    },
    incident: Set {
        openers: [
            "Hinweis: {topic}.",
            "Aktuelle Information: {topic}.",
            "{Topic}.",
            "Bitte beachten Sie: {topic}.",
            "Statusmeldung: {topic}.",
        ],
        keywords: ["Betroffen: {kw}.", "Es betrifft: {kw}.", "Im Einzelnen: {kw}.", "Details: {kw}.", "Bereich: {kw}."],
        closers: [
            "Wir entschuldigen uns und halten Sie hier auf dem Laufenden.",
            "Wir bitten um Entschuldigung und informieren Sie hier über den weiteren Stand.",
            "Wir arbeiten an einer Lösung und melden uns hier mit Neuigkeiten.",
            "Vielen Dank für Ihre Geduld; Updates folgen hier.",
            "Wir bedauern die Unannehmlichkeiten und halten Sie hier auf dem Laufenden.",
        ],
    },
    sensitive: DE_SENSITIVE_SIE,
    and: "und",
};

const DE_CASUAL: Builtin = Builtin {
    announcement: Set {
        openers: [
            "Große Neuigkeiten: {topic} 🎉",
            "Frisch von uns: {topic} ✨",
            "Kurz und knapp: {topic} 👇",
            "Schon gehört? {Topic} 🙌",
            "Es ist so weit: {topic} 🚀",
        ],
        keywords: [
            "Stichwort: {kw}.",
            "Kurz: {kw}.",
            "Mit dabei: {kw}.",
            "Das erwartet dich: {kw}.",
            "Darum geht's: {kw}.",
        ],
        closers: [
            "Was meinst du? 💬",
            "Schreib's in die Kommentare! 👇",
            "Schau vorbei! 👀",
            "Sag's weiter! 📣",
            "Bald mehr! 🚀",
        ],
    },
    incident: Set {
        openers: [
            "Kurzer Hinweis: {topic}.",
            "Update: {topic}.",
            "{Topic}.",
            "Eine Info von uns: {topic}.",
            "Stand der Dinge: {topic}.",
        ],
        keywords: ["Betroffen: {kw}.", "Es betrifft: {kw}.", "Im Einzelnen: {kw}.", "Details: {kw}.", "Bereich: {kw}."],
        closers: [
            "Das tut uns leid. Wir halten dich hier auf dem Laufenden.",
            "Wir entschuldigen uns und halten dich hier auf dem Laufenden.",
            "Wir arbeiten dran und sagen dir hier Bescheid, sobald es Neues gibt.",
            "Danke für deine Geduld; Updates folgen hier.",
            "Sorry für den Ärger. Hier erfährst du, sobald es Neues gibt.",
        ],
    },
    sensitive: DE_SENSITIVE_DU,
    and: "und",
};

const EN_SENSITIVE: Set = Set {
    openers: [
        "{Topic}.",
        "Important: {topic}.",
        "Please note: {topic}.",
        "Notice: {topic}.",
        "An important notice: {topic}.",
    ],
    keywords: ["This concerns: {kw}.", "Related: {kw}.", "Details: {kw}.", "Regarding: {kw}.", "Scope: {kw}."],
    closers: [
        "We will share further information here.",
        "Further information will follow here.",
        "We will keep you informed here.",
        "More information will follow as soon as we have it.",
        "We will post verified updates here.",
    ],
};

const DE_SENSITIVE_SIE: Set = Set {
    openers: [
        "{Topic}.",
        "Wichtiger Hinweis: {topic}.",
        "Bitte beachten Sie: {topic}.",
        "Mitteilung: {topic}.",
        "Eine wichtige Mitteilung: {topic}.",
    ],
    keywords: ["Es betrifft: {kw}.", "Im Einzelnen: {kw}.", "Details: {kw}.", "Bereich: {kw}.", "Dazu: {kw}."],
    closers: [
        "Weitere Informationen folgen hier.",
        "Wir informieren Sie hier über den weiteren Stand.",
        "Wir halten Sie hier auf dem Laufenden.",
        "Sobald wir mehr wissen, informieren wir Sie hier.",
        "Weitere Informationen veröffentlichen wir an dieser Stelle.",
    ],
};

const DE_SENSITIVE_DU: Set = Set {
    openers: [
        "{Topic}.",
        "Wichtiger Hinweis: {topic}.",
        "Bitte beachte: {topic}.",
        "Mitteilung: {topic}.",
        "Eine wichtige Mitteilung: {topic}.",
    ],
    keywords: DE_SENSITIVE_SIE.keywords,
    closers: [
        "Weitere Informationen folgen hier.",
        "Wir informieren dich hier über den weiteren Stand.",
        "Wir halten dich hier auf dem Laufenden.",
        "Sobald wir mehr wissen, informieren wir dich hier.",
        "Weitere Informationen veröffentlichen wir an dieser Stelle.",
    ],
};

/// The built-in sentences of `language` and `tone`.
pub fn builtin(language: Language, tone: Tone) -> &'static Builtin {
    match (language, tone) {
        (Language::En, Tone::Neutral) => &EN_NEUTRAL,
        (Language::En, Tone::Casual) => &EN_CASUAL,
        (Language::De, Tone::Neutral) => &DE_NEUTRAL,
        (Language::De, Tone::Casual) => &DE_CASUAL,
    }
}

/// Every built-in table with its language and tone, for checks over all of them.
#[cfg(test)]
pub fn all() -> [(Language, Tone, &'static Builtin); 4] {
    [
        (Language::En, Tone::Neutral, &EN_NEUTRAL),
        (Language::En, Tone::Casual, &EN_CASUAL),
        (Language::De, Tone::Neutral, &DE_NEUTRAL),
        (Language::De, Tone::Casual, &DE_CASUAL),
    ]
}
