//! Tests of the listening cues through the analyzer, English and German: complaints,
//! sarcasm, compounds, idioms, questions, language detection and the reasons given.

use crate::{Analyzer, Label, Language, LanguageChoice, detect};

/// The label and reasons of `text`, with the language detected as the actions do.
fn explain(text: &str) -> (Label, Vec<String>) {
    let (scores, reasons) = Analyzer::new().explain(text, LanguageChoice::Auto.resolve(text));
    (scores.label(), reasons)
}

fn label(text: &str) -> Label {
    explain(text).0
}

#[track_caller]
fn all_are(expected: Label, texts: &[&str]) {
    for text in texts {
        let (got, reasons) = explain(text);
        assert_eq!(got, expected, "{text:?}: {reasons:?}");
    }
}

#[test]
fn english_service_failures_are_negative() {
    all_are(
        Label::Negative,
        &[
            "@acme internet not working since this morning",
            "on hold with @airline for 2 hours now",
            "@shop charged me twice for one order",
            "still waiting for my refund @airline",
            "Hi @bank, the app keeps crashing, can you please help? Thanks in advance",
            "outage again in my area, any update?",
            "no response to my ticket from last week",
            "my flight got cancelled and nobody told me",
        ],
    );
}

#[test]
fn german_service_failures_are_negative() {
    all_are(
        Label::Negative,
        &[
            "@netz Internet geht seit gestern nicht",
            "Seit Tagen hänge ich in der Warteschleife",
            "Mir wurde der Betrag doppelt abgebucht",
            "Störung in ganz Köln, bitte um Info",
            "Die Rückerstattung ist immer noch nicht da",
            "Die App stürzt ständig ab",
            "Hallo, mein Paket ist seit einer Woche verschollen. Danke für eure Hilfe",
        ],
    );
}

#[test]
fn failures_denied_or_put_right_are_not_complaints() {
    all_are(
        Label::Positive,
        &[
            "Been with them 10 years and never had an issue. great bank",
            "Outage this morning but it was fixed within an hour, thanks!",
            "Seit 12 Jahren Kunde und nie Probleme gehabt, danke",
            "Störung heute früh, aber nach einer Stunde lief alles wieder. Danke!",
            "Kein Problem, gern geschehen.",
            "Der Support hat das defekte Gerät ohne Rückfrage ersetzt, danke!",
            "Parcel was late, but the chair is gorgeous",
        ],
    );
    all_are(
        Label::Negative,
        &["the outage is \"resolved\" they say, router still red", "Still not fixed after 3 days"],
    );
}

#[test]
fn english_sarcasm_is_negative() {
    all_are(
        Label::Negative,
        &[
            "great, another update that broke the login",
            "'great' customer service today",
            "Thanks for nothing @airline",
            "well done @power... not",
            "thanks a lot @airline, flight cancelled 👏👏",
            "love paying more every month 🙄",
            "oh wonderful, the app logged me out mid order",
            "Impressive how you can reply in seconds here but not to my ticket",
        ],
    );
}

#[test]
fn german_sarcasm_is_negative() {
    all_are(
        Label::Negative,
        &[
            "Na toll, schon wieder kein Internet",
            "Danke auch, dass ihr meine Karte gesperrt habt",
            "Vielen Dank auch @bank",
            "Super gemacht, Paket verschwunden 👏",
            "Herrlich, Strom weg mitten im Kochen 🙃",
            "Ganz großes Kino, drei Stunden Verspätung",
        ],
    );
}

#[test]
fn praise_stays_praise() {
    all_are(
        Label::Positive,
        &[
            "@shop great service, thank you!",
            "Thanks @airline, the crew was lovely",
            "Danke @post, Paket kam einen Tag früher, super",
            "Toller Service, schnelle Lieferung 👏",
        ],
    );
}

#[test]
fn german_compounds_take_their_heads_sentiment() {
    all_are(
        Label::Negative,
        &[
            "Totalversagen heute",
            "Was für ein Lieferchaos",
            "Das ist eine Servicewüste",
            "Das Abo ist Geldverschwendung",
            "Mega-Chaos am Bahnhof",
            "Umzugskatastrophe mit euch",
            "Reisefrust pur",
        ],
    );
    all_are(Label::Positive, &["Traumwetter heute", "Spitzenservice, danke"]);
    assert_eq!(label("Der Kundenservice ist erreichbar"), Label::Neutral);
}

#[test]
fn idioms_of_refusal_are_negative() {
    all_are(
        Label::Negative,
        &[
            "Nie wieder bestelle ich da",
            "Der Service ist unter aller Sau",
            "Das ist echt das Letzte",
            "Diese Hotline ist zum Kotzen",
            "Finger weg von diesem Anbieter",
            "never again @airline",
            "this subscription is a waste of money",
            "last time I order from you",
        ],
    );
    assert_eq!(label("Das letzte Update hat mir gefallen"), Label::Positive, "\"das letzte\" as a plain adjective");
}

#[test]
fn information_questions_are_neutral() {
    for text in [
        "Which payment methods do you accept?",
        "What is the number for support?",
        "Wann öffnet ihr?",
        "Is the new burger any good?",
        "Welche Zahlungsmethoden akzeptiert ihr?",
    ] {
        let (got, reasons) = explain(text);
        assert_eq!(got, Label::Neutral, "{text}: {reasons:?}");
    }
    assert_eq!(explain("What is the number for support?").1, ["question:neutral"]);
    all_are(
        Label::Negative,
        &["why is the app STILL not working??", "Warum geht die App IMMER NOCH nicht?", "Why is your service so bad?"],
    );
    assert_eq!(label("loving the new classes, will there be more?"), Label::Positive);
}

#[test]
fn short_german_texts_are_detected_and_scored_in_german() {
    for text in [
        "Die App stürzt ständig ab",
        "Die Lieferung kam nie an",
        "Die Hotline ist ein Witz",
        "Lieferdesaster Teil 3",
        "Also man will das nicht",
    ] {
        assert_eq!(detect(text), Language::De, "{text}");
    }
    for text in ["I will never die for this", "Also, the man was nice", "Die hard fans only"] {
        assert_eq!(detect(text), Language::En, "{text}");
    }
    // "Gift" is poison and "die" an article in German: no English valence applies.
    assert_eq!(label("Das Gift ist weg, die Wohnung sauber"), label("Die Wohnung ist sauber"));
    assert_eq!(label("Die Sitzung ist um acht"), Label::Neutral);
}

#[test]
fn reasons_name_the_deciding_cues() {
    let has = |text: &str, reason: &str| {
        let (_, reasons) = explain(text);
        assert!(reasons.iter().any(|r| r == reason), "{text}: {reasons:?} lacks {reason}");
    };
    has("my app is not working", "complaint:\"not working\"");
    has("Thanks for nothing @airline", "sarcasm:\"Thanks for nothing\"");
    has("Totalversagen bei der Bahn", "compound:\"Totalversagen\"");
    has("Das Essen ist nicht gut", "negation:\"nicht gut\"");
    has("Ich mag das neue Design nicht", "negation:\"mag das neue Design nicht\"");
    has("great, another update that broke everything", "sarcasm:\"great\"");
    has("Nie wieder!", "idiom:\"Nie wieder\"");
    has("I love it 😍", "emoji:\"😍\"");
    let (_, reasons) = explain("Heute ist Dienstag.");
    assert!(reasons.is_empty(), "{reasons:?}");
    let long = "bad ".repeat(50);
    assert!(explain(&long).1.len() <= crate::explain::MAX_REASONS);
    // Reasons stay short and need no escapes, whatever the text holds.
    let odd = format!("not\n\"working\" {}", "x".repeat(300));
    let (_, reasons) = explain(&format!("{odd} never again {}", "\"".repeat(100)));
    assert!(reasons.iter().all(|r| r.chars().count() <= 80 && r.matches('"').count() == 2), "{reasons:?}");
}
