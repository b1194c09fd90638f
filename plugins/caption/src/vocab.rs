//! The English and German words `kind` reads topics by: what makes a topic sensitive or an
//! incident, and the neighbours that make such a word harmless ("prices down", "bug
//! fixes", "issue 12", "störungsfrei"). All lowercase.

/// Words of a death, a legal dispute, a recall, a security breach or harm to people.
pub const SENSITIVE_WORDS: &[&str] = &[
    "accident",
    "anklage",
    "beerdigung",
    "beileid",
    "breach",
    "breached",
    "breaches",
    "compromised",
    "condolences",
    "cyberattack",
    "dead",
    "death",
    "deaths",
    "died",
    "explosion",
    "fire",
    "fires",
    "funeral",
    "gehackt",
    "gestorben",
    "hack",
    "hacked",
    "hacker",
    "hackers",
    "killed",
    "lawsuit",
    "lawsuits",
    "leak",
    "leaked",
    "leaks",
    "leck",
    "litigation",
    "malware",
    "mourn",
    "mourning",
    "nachruf",
    "obituary",
    "phishing",
    "ransomware",
    "recall",
    "recalled",
    "recalls",
    "rechtsstreit",
    "starb",
    "sued",
    "tod",
    "todesfall",
    "tot",
    "unfall",
    "verklagt",
    "verstarb",
    "verstorben",
];

/// Parts of words, found inside compounds too ("Rückrufaktion", "Sicherheitslücke").
pub const SENSITIVE_STEMS: &[&str] = &[
    "contamina",
    "cyberangriff",
    "datenleck",
    "datenpanne",
    "evacuat",
    "evakuier",
    "gasleck",
    "hackerangriff",
    "injur",
    "kontamin",
    "poison",
    "rückruf",
    "sicherheitslück",
    "trauer",
    "verletz",
    "vergift",
    "verunreinig",
    "vulnerab",
];

/// Endings of German compounds that are sensitive ("Sammelklage", "Arbeitsunfall").
pub const SENSITIVE_ENDINGS: &[&str] = &["klage", "unfall", "großbrand", "waldbrand"];

/// Two words that together are sensitive.
pub const SENSITIVE_PAIRS: &[(&str, &str)] =
    &[("passed", "away"), ("class", "action"), ("data", "exposed"), ("security", "advisory")];

/// Words of an outage, a delay, a cancellation or an apology (and their inflected forms).
pub const INCIDENT_WORDS: &[&str] = &[
    "abgesagt",
    "absage",
    "apologies",
    "apologise",
    "apologize",
    "apology",
    "broken",
    "bug",
    "bugs",
    "canceled",
    "cancelled",
    "crash",
    "crashed",
    "crashes",
    "degraded",
    "delay",
    "delayed",
    "delays",
    "down",
    "downtime",
    "entfällt",
    "entfallen",
    "entschuldigen",
    "entschuldigung",
    "error",
    "errors",
    "failed",
    "failing",
    "failure",
    "fehler",
    "incident",
    "issue",
    "issues",
    "leider",
    "outage",
    "outages",
    "postponed",
    "problem",
    "probleme",
    "problemen",
    "problems",
    "sorry",
    "strike",
    "strikes",
    "unavailable",
    "unterbrochen",
    "verschoben",
    "warning",
    "warnings",
];

/// Parts of words, found inside compounds too ("Serverausfall", "Warnstreik").
pub const INCIDENT_STEMS: &[&str] = &[
    "ausfall",
    "ausfälle",
    "beeinträchtigung",
    "disruption",
    "interruption",
    "maintenance",
    "panne",
    "störung",
    "streik",
    "unterbrechung",
    "verspät",
    "verzöger",
    "warnung",
    "wartung",
];

/// Two words that together are an incident; the second may follow within two words
/// ("fällt heute aus").
pub const INCIDENT_PAIRS: &[(&str, &str)] = &[
    ("not", "working"),
    ("not", "available"),
    ("nicht", "erreichbar"),
    ("nicht", "verfügbar"),
    ("funktioniert", "nicht"),
    ("fällt", "aus"),
    ("fallen", "aus"),
    ("called", "off"),
];

/// Words before a problem word that deny it: "no downtime", "ohne Verzögerung", "kein Problem".
pub const NEGATORS: &[&str] =
    &["kein", "keine", "keinem", "keinen", "keiner", "never", "nie", "niemals", "no", "not", "ohne", "without", "zero"];

/// Endings of German compounds that deny their stem: störungsfrei, fehlerlos, ausfallsicher.
pub const DENYING_ENDINGS: &[&str] = &[
    "frei", "freie", "freiem", "freien", "freier", "freies", "los", "lose", "losem", "losen", "loser", "loses",
    "sicher", "sichere", "sicherem", "sicheren", "sicherer", "sicheres",
];

/// Beginnings of German compounds that are no problem: Fehlerbehebung is a fix.
pub const HARMLESS_BEGINNINGS: &[&str] = &["fehlerbehebung", "fehlerkorrektur", "rückrufservice", "rückrufbitte"];

/// What is down when "down" is an incident: a service, not a price.
pub const SERVICE_NOUNS: &[&str] = &[
    "api",
    "app",
    "apps",
    "checkout",
    "cloud",
    "dashboard",
    "email",
    "login",
    "network",
    "payment",
    "payments",
    "platform",
    "portal",
    "server",
    "servers",
    "service",
    "services",
    "site",
    "system",
    "systems",
    "we",
    "website",
    "websites",
];

/// Words before "down" that make it a price or a mood: "prices down", "wind down".
pub const NOT_A_SERVICE_DOWN: &[&str] =
    &["calm", "costs", "count", "fees", "marked", "price", "prices", "rates", "settle", "slow", "wind"];

/// Neighbours that make a problem word harmless: (word, word before or after, after?).
pub const HARMLESS_NEIGHBOURS: &[(&str, &str, bool)] = &[
    ("bug", "fix", true),
    ("bug", "fixes", true),
    ("bug", "fixed", true),
    ("bug", "fixing", true),
    ("bug", "bounty", true),
    ("bug", "bash", true),
    ("bugs", "fixed", true),
    ("crash", "course", true),
    ("crash", "kurs", true),
    ("fire", "sale", true),
    ("fire", "sales", true),
    ("fire", "pit", true),
    ("fire", "on", false),
    ("hack", "day", true),
    ("hack", "night", true),
    ("hack", "life", false),
    ("hack", "growth", false),
    ("recall", "may", false),
    ("recall", "might", false),
    ("recall", "you", false),
    ("recall", "we", false),
    ("recall", "to", false),
    ("recall", "total", false),
    ("rückruf", "service", true),
    ("dead", "simple", true),
    ("dead", "easy", true),
    ("strike", "lucky", false),
    ("strike", "a", true),
];

/// Words before "issue" that make it a magazine's or newsletter's issue.
pub const ISSUE_OF_A_SERIES: &[&str] = &["new", "latest", "next", "first", "current", "this", "our", "special"];

/// Words that, anywhere in the text, make "issue" a magazine's or newsletter's issue.
pub const SERIES_NOUNS: &[&str] = &["edition", "magazine", "newsletter", "zine", "journal", "comic", "podcast"];
