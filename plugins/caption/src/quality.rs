//! Hashtag quality on a simulated, labelled set: four weeks of listened-to mentions in
//! English and German (community tags, filler tags, and the brand's problem tags in the
//! negative mentions of a three-day incident, and a coin's tag pushed daily by two
//! accounts), and 30 topics, each labelled with the tags a social-media editor would
//! accept. The suggester is measured against the word extractor it replaced and against
//! itself without the author rule; the figures are printed and quoted in the README.

use crate::kind::Kind;
use crate::legacy;
use crate::observed::{DayCounts, MIN_AUTHORS, Observed, author_hash};
use crate::suggest::suggest;
use crate::{Language, hashtags};

/// A fixed linear congruential generator: the same set on every run and platform.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Community tags (spellings as people write them) and mentions per day, at most.
const COMMUNITY: &[(&[&str], u64)] = &[
    (&["RustLang", "rustlang"], 4),
    (&["WebAssembly", "webassembly"], 3),
    (&["OpenSource", "opensource"], 4),
    (&["Automation"], 1),
    (&["Sommerfest"], 2),
    (&["Köln", "koeln"], 3),
    (&["Kaffee"], 2),
    (&["Coffee"], 2),
    (&["Barista"], 1),
    (&["Nachhaltigkeit"], 2),
    (&["Sustainability"], 2),
    (&["OnlineShop", "onlineshop"], 2),
    (&["Ecommerce", "eCommerce"], 2),
    (&["Fahrrad"], 2),
    (&["Berlin"], 3),
    (&["Berliner"], 1),
    (&["Hamburg"], 2),
    (&["Meetup"], 2),
    (&["Workshop"], 2),
    (&["Datenschutz"], 2),
    (&["Privacy"], 2),
    (&["Podcast"], 2),
    (&["Hiring"], 1),
    (&["Ausbildung"], 1),
    (&["Karriere"], 1),
    (&["Weihnachtsmarkt"], 1),
    (&["Fediverse"], 3),
    (&["Accessibility", "a11y"], 1),
    (&["DarkMode"], 1),
    (&["Acme"], 3),
    (&["AcmeJobs"], 1),
    (&["Rustikal"], 1),
];

/// Filler that rides along on community mentions.
const FILLER: &[&str] = &["news", "heute", "today", "update", "neu", "Tag", "photo", "love", "MondayMotivation"];

/// Tags of the brand's incident, days 19 to 21: mostly in negative mentions.
const INCIDENT: &[&str] =
    &["AcmeOutage", "AcmeDown", "AcmeFail", "Störung", "AcmeAusfall", "BoycottAcme", "AcmeApp", "AcmeSupport", "Login"];

/// The accounts that write the simulated mentions.
const USERS: u64 = 120;

/// The author hash of simulated user `n`.
fn user(n: u64) -> String {
    author_hash(&format!("mastodon:user{n}@example.social"))
}

/// Four weeks of mentions, counted per day as `observe` counts them, each by one of
/// [`USERS`] accounts.
fn listened(today: i64) -> Observed {
    let mut rng = Rng(0x5eed);
    let mut days = Vec::new();
    for day in today - 27..=today {
        let mut counts = DayCounts::default();
        for (spellings, rate) in COMMUNITY {
            for _ in 0..rng.below(rate + 1) {
                let spelling = spellings[rng.below(spellings.len() as u64) as usize];
                let filler =
                    if rng.below(3) == 0 { format!(" #{}", FILLER[rng.below(9) as usize]) } else { String::new() };
                let author = user(rng.below(USERS));
                counts.add_mention(&format!("Great to see #{spelling} here{filler}"), rng.below(10) == 0, &author);
            }
        }
        // The app has friendly mentions too, but fewer than in the incident's days.
        if rng.below(2) == 0 {
            counts.add_mention("Loving the new #AcmeApp", false, &user(rng.below(USERS)));
        }
        // Two accounts push a coin's tag every day: neutral words, but no community.
        for i in 0..4 {
            counts.add_mention("To the moon #CoffeeCoin", false, &user(USERS + i % 2));
        }
        if (today - 8..today - 5).contains(&day) {
            for i in 0..30 {
                let tag = INCIDENT[i % INCIDENT.len()];
                counts.add_mention(&format!("Still broken! #{tag} #Acme"), i % 5 != 0, &user(rng.below(USERS)));
            }
        }
        days.push((day, counts));
    }
    Observed::from_days(today, &days)
}

/// Topics with their language and the tags an editor would accept (lowercase bodies).
/// An incident accepts none: its post carries no tags from the problem.
const TOPICS: &[(&str, Language, &[&str])] = &[
    ("Our Rust SDK for WebAssembly plugins is out", Language::En, &["rustlang", "webassembly", "rust", "wasm"]),
    ("Roost 1.0: open source workflow automation", Language::En, &["opensource", "automation", "roost"]),
    ("Join our Berlin meetup on privacy", Language::En, &["berlin", "meetup", "privacy", "datenschutz"]),
    ("New podcast episode: sustainability in ecommerce", Language::En, &["podcast", "sustainability", "ecommerce"]),
    ("We're hiring: backend engineers in Hamburg", Language::En, &["hiring", "jobs", "hamburg", "acmejobs"]),
    ("Our online shop now ships bikes", Language::En, &["onlineshop", "ecommerce", "bikes", "fahrrad"]),
    ("Accessibility improvements in the Acme app", Language::En, &["accessibility", "a11y", "acme", "acmeapp"]),
    ("Workshop: getting started with the Fediverse", Language::En, &["workshop", "fediverse"]),
    ("The Acme app now has a dark mode", Language::En, &["acme", "acmeapp", "darkmode"]),
    ("Five tips for better coffee at home", Language::En, &["coffee", "barista"]),
    ("Rust meetup in Köln next Thursday", Language::En, &["rustlang", "rust", "meetup", "köln"]),
    ("Open Source Day at our Berlin office", Language::En, &["opensource", "berlin"]),
    ("Unser Sommerfest in Köln am Samstag", Language::De, &["sommerfest", "köln"]),
    ("Unser neuer Online-Shop ist da", Language::De, &["onlineshop", "ecommerce"]),
    ("Neuer Podcast: Nachhaltigkeit im Alltag", Language::De, &["podcast", "nachhaltigkeit"]),
    ("Ausbildung bei Acme: jetzt bewerben", Language::De, &["ausbildung", "karriere", "acme", "acmejobs"]),
    ("Barista-Workshop in unserem Kölner Café", Language::De, &["barista", "workshop", "kaffee", "köln"]),
    ("Datenschutz: Was sich mit der neuen App ändert", Language::De, &["datenschutz", "privacy", "acmeapp"]),
    ("Weihnachtsmarkt-Stand mit Kaffee und Kuchen", Language::De, &["weihnachtsmarkt", "kaffee"]),
    ("Mit dem Fahrrad zur Arbeit: Aktion für Nachhaltigkeit", Language::De, &["fahrrad", "nachhaltigkeit"]),
    ("Acme jetzt im Fediverse", Language::De, &["fediverse", "acme"]),
    ("Die letzten Tage unseres Sommerfests", Language::De, &["sommerfest"]),
    ("Login outage this morning, we're sorry", Language::En, &[]),
    ("The Acme app is down for some users", Language::En, &[]),
    ("Delayed deliveries from our online shop", Language::En, &[]),
    ("Payment errors in the checkout, a fix is in progress", Language::En, &[]),
    ("Störung: Der Online-Shop ist gerade nicht erreichbar", Language::De, &[]),
    ("Leider verspäten sich Lieferungen in dieser Woche", Language::De, &[]),
    ("Wartungsarbeiten am Samstag von 2 bis 4 Uhr", Language::De, &[]),
    ("Ausfall der Acme App, wir entschuldigen uns", Language::De, &[]),
];

/// What an editor calls a problem tag: it names the incident or attacks the brand.
const PROBLEM: &[&str] = &[
    "outage",
    "down",
    "fail",
    "boycott",
    "scam",
    "broken",
    "sorry",
    "error",
    "delay",
    "störung",
    "ausfall",
    "verspät",
    "wartung",
    "entschuldig",
    "leider",
];

/// What an editor calls filler: the simulation's filler tags and words that say nothing.
const GENERIC: &[&str] = &[
    "news",
    "heute",
    "today",
    "update",
    "neu",
    "tag",
    "tage",
    "photo",
    "love",
    "mondaymotivation",
    "letzten",
    "five",
    "tips",
    "home",
    "morning",
    "jetzt",
    "samstag",
    "uhr",
    "woche",
    "users",
    "thursday",
    "next",
    "dieser",
];

#[derive(Debug, Default)]
struct Score {
    suggested: usize,
    acceptable: usize,
    problem: usize,
    generic: usize,
    /// Announcements that got at least one acceptable tag.
    covered: usize,
    /// Each suggestion that is not acceptable, with its topic.
    misses: Vec<String>,
}

impl Score {
    fn precision(&self) -> f64 {
        if self.suggested == 0 { 1.0 } else { self.acceptable as f64 / self.suggested as f64 }
    }
}

fn measure(suggester: impl Fn(&str, Language) -> Vec<String>) -> Score {
    let mut score = Score::default();
    for (topic, language, acceptable) in TOPICS {
        let tags = suggester(topic, *language);
        let mut hit = false;
        for tag in &tags {
            let body = tag[1..].to_lowercase();
            score.suggested += 1;
            if acceptable.contains(&body.as_str()) {
                score.acceptable += 1;
                hit = true;
            } else {
                score.misses.push(format!("{tag} for \"{topic}\""));
            }
            score.problem += usize::from(PROBLEM.iter().any(|p| body.contains(p)));
            score.generic += usize::from(GENERIC.contains(&body.as_str()));
        }
        score.covered += usize::from(hit);
    }
    score
}

fn report(name: &str, s: &Score) {
    eprintln!(
        "{name:>10}: {} tags suggested, precision {:.2} ({} acceptable), problem tags {}, generic tags {}, \
         announcements with an acceptable tag {}/22",
        s.suggested,
        s.precision(),
        s.acceptable,
        s.problem,
        s.generic,
        s.covered
    );
    eprintln!("{name:>10}: not acceptable: {}", s.misses.join(", "));
}

#[test]
fn observed_tags_beat_the_word_extractor() {
    let today = 20_000;
    let observed = listened(today);
    let old = measure(|topic, language| legacy::extract(topic, 4, Some(language)));
    let new = measure(|topic, _| {
        let kind = Kind::of([topic]);
        suggest(topic, &[], kind, &observed, 4).into_iter().map(|s| s.tag).collect()
    });
    // The same suggester as if every tag had enough distinct authors.
    let mut no_author_rule = observed.clone();
    no_author_rule.tags.values_mut().for_each(|stat| stat.authors = MIN_AUTHORS);
    let unguarded = measure(|topic, _| {
        suggest(topic, &[], Kind::of([topic]), &no_author_rule, 4).into_iter().map(|s| s.tag).collect()
    });
    report("extractor", &old);
    report("no author", &unguarded);
    report("suggester", &new);
    assert!(unguarded.misses.iter().any(|m| m.starts_with("#CoffeeCoin")), "the push works without the rule");
    assert!(!new.misses.iter().any(|m| m.starts_with("#CoffeeCoin")), "{new:?}");
    assert!(old.precision() < 0.5 && old.problem + old.generic >= 10, "the old extractor: {old:?}");
    assert!(new.precision() >= 0.9, "{new:?}");
    assert_eq!((new.problem, new.generic), (0, 0), "{new:?}");
    assert!(new.covered >= 18, "most announcements get a fitting tag: {new:?}");
    assert!(observed.tags.contains_key("acmeoutage") && observed.tags.contains_key("news"), "the set has both");
    assert!(hashtags::is_hashtag("#AcmeApp"));
}
