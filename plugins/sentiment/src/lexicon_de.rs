//! The German lexicon: valences, boosters and negators, all written for this plugin.
//!
//! Keys are lowercase and *folded*: ä→ae, ö→oe, ü→ue, ß→ss, exactly as the tokenizer
//! folds German tokens, so "schön", "Schön" and "schoen" all find `schoen`. Valences use
//! VADER's scale (-4 extremely negative .. +4 extremely positive) and were set by hand
//! for everyday and social-media German, including common English loanwords. Inflected
//! forms are reached by stripping endings (see [`valence`]), so mostly stems are listed.

use crate::lexicon::BOOST;
use crate::table::Table;

/// Endings tried, longest first, when a word is not in the table as written:
/// superlatives (with the e of "schlechteste"), adjective declension, comparative and
/// verb endings.
#[rustfmt::skip]
const SUFFIXES: &[&str] = &[
    "esten", "ester", "estes", "este", "sten", "ster", "stes", "ste",
    "en", "em", "er", "es", "st", "e", "n", "s", "t",
];

/// The valence of a folded German word as listed, without trying stems.
pub(crate) fn word_valence(key: &str) -> Option<f32> {
    WORDS.get(key)
}

/// The valence of a folded German word, trying its stem when the word itself is unknown.
pub(crate) fn valence(key: &str) -> Option<f32> {
    if let Some(v) = WORDS.get(key) {
        return Some(v);
    }
    SUFFIXES.iter().find_map(|suffix| {
        let stem = key.strip_suffix(suffix)?;
        if stem.len() < 3 { None } else { WORDS.get(stem) }
    })
}

const UP: f32 = BOOST;
const DOWN: f32 = -BOOST;

/// Intensifiers ("sehr", "mega", "voll") and dampeners ("etwas", "kaum"), sorted.
#[rustfmt::skip]
pub(crate) static BOOSTERS: Table<f32, 128> = Table::new(&[
    ("absolut", UP), ("aeusserst", UP), ("arg", UP), ("ausgesprochen", UP),
    ("ausserordentlich", UP), ("besonders", UP), ("bisschen", DOWN), ("bissl", DOWN),
    ("brutal", UP), ("derbe", UP), ("echt", UP), ("eher", DOWN), ("einigermassen", DOWN),
    ("enorm", UP), ("etwas", DOWN), ("extrem", UP), ("fast", DOWN), ("furchtbar", UP),
    ("halbwegs", DOWN), ("hoechst", UP), ("hoellisch", UP), ("irre", UP), ("kaum", DOWN),
    ("komplett", UP), ("krass", UP), ("leicht", DOWN), ("mega", UP), ("relativ", DOWN),
    ("richtig", UP), ("sau", UP), ("schrecklich", UP), ("sehr", UP), ("so", UP), ("soo", UP),
    ("super", UP), ("teilweise", DOWN), ("tierisch", UP), ("total", UP), ("uebelst", UP),
    ("ueberaus", UP), ("ultra", UP), ("unendlich", UP), ("unfassbar", UP), ("unglaublich", UP),
    ("unheimlich", UP), ("ur", UP), ("verdammt", UP), ("voellig", UP), ("voll", UP),
    ("vollkommen", UP), ("wahnsinnig", UP), ("wenig", DOWN), ("weniger", DOWN), ("wirklich", UP),
    ("ziemlich", UP), ("zutiefst", UP),
]);

/// Negation words, sorted. "kaum" is a dampener, not a negator.
#[rustfmt::skip]
pub(crate) static NEGATORS: Table<(), 64> = Table::new(&[
    ("kein", ()), ("keine", ()), ("keinem", ()), ("keinen", ()), ("keiner", ()), ("keines", ()),
    ("nich", ()), ("nicht", ()), ("nichts", ()), ("nie", ()), ("niemals", ()), ("niemand", ()),
    ("nimmer", ()), ("nirgends", ()), ("nirgendwo", ()), ("ohne", ()), ("weder", ()),
]);

/// Negators that, in German word order, usually follow the word they negate
/// ("Ich mag das nicht").
pub(crate) fn is_trailing_negator(key: &str) -> bool {
    matches!(key, "nicht" | "nich" | "nie" | "niemals")
}

/// Words that comment on a whole sentence and are not negated by a "nicht" after them:
/// in "Leider nicht." the regret stays.
pub(crate) fn is_sentence_adverb(key: &str) -> bool {
    matches!(key, "leider" | "schade" | "hoffentlich" | "endlich" | "danke" | "sorry" | "naja")
}

/// Valences by folded word, sorted by bytes.
#[rustfmt::skip]
static WORDS: Table<f32, 2048> = Table::new(&[
    ("abartig", -2.4), ("abgelehnt", -1.6), ("abgesagt", -1.4), ("abgestuerzt", -1.8),
    ("abgezockt", -2.5), ("absage", -1.3), ("abscheulich", -3.0), ("abstossend", -2.6),
    ("absturz", -1.8), ("abzocke", -2.6), ("aengstlich", -1.8), ("aerger", -2.0),
    ("aergerlich", -2.1), ("aergern", -1.9), ("aergert", -2.0), ("aetzend", -2.3),
    ("affengeil", 3.0), ("aggressiv", -2.0), ("albtraum", -2.8), ("allein", -1.0),
    ("alptraum", -2.8), ("amuesant", 1.9), ("angegriffen", -2.2), ("angenehm", 2.0),
    ("angriff", -2.2), ("angst", -2.1), ("anschlag", -2.6), ("anstrengend", -1.3), ("applaus", 2.0),
    ("arbeitslos", -2.0), ("argh", -1.6), ("armselig", -2.2), ("armut", -2.3), ("arrogant", -2.1),
    ("arsch", -2.1), ("arschloch", -3.0), ("asozial", -2.4), ("assi", -2.3), ("atemberaubend", 3.0),
    ("attraktiv", 2.0), ("aua", -1.3), ("aufmerksam", 1.6), ("aufrichtig", 1.8),
    ("ausbeutung", -2.4), ("ausfall", -1.4), ("ausgezeichnet", 3.0), ("aussergewoehnlich", 2.2),
    ("autsch", -1.3), ("awesome", 3.0), ("baeh", -1.8), ("bastard", -2.6), ("bedanke", 1.8),
    ("bedanken", 1.8), ("bedauerlich", -1.7), ("bedauern", -1.5), ("bedaure", -1.4),
    ("bedrohlich", -2.1), ("bedroht", -2.1), ("bedrohung", -2.2), ("beeindruckend", 2.4),
    ("beeindruckt", 2.2), ("befuerchte", -1.4), ("befuerchten", -1.4), ("begabt", 2.0),
    ("begeistern", 2.5), ("begeisternd", 2.7), ("begeistert", 2.8), ("begeisterung", 2.6),
    ("behaemmert", -2.0), ("beifall", 1.8), ("bekloppt", -1.9), ("belaestigung", -2.5),
    ("beleidigend", -2.3), ("beleidigt", -2.0), ("beleidigung", -2.3), ("bequem", 1.6),
    ("bereue", -1.6), ("bereuen", -1.6), ("beruhigt", 1.4), ("beschaedigt", -1.8),
    ("bescheuert", -2.2), ("beschissen", -2.9), ("beschwerde", -1.5), ("beschweren", -1.3),
    ("besorgniserregend", -2.0), ("besorgt", -1.6), ("besser", 1.8), ("best", 2.6), ("beste", 2.8),
    ("besten", 2.8), ("bestens", 2.6), ("betrogen", -2.7), ("betrueger", -2.8), ("betrug", -2.8),
    ("beunruhigend", -1.9), ("bewundere", 2.2), ("bewundern", 2.2), ("bezaubernd", 2.7),
    ("billig", -0.5), ("bitch", -2.8), ("blamage", -2.0), ("bloed", -2.0), ("bloedsinn", -1.8),
    ("boese", -2.1), ("bombastisch", 2.8), ("bravo", 2.6), ("brillant", 2.9), ("brutal", -2.0),
    ("bug", -1.2), ("bugs", -1.2), ("buh", -1.6), ("bullshit", -2.5), ("bussi", 2.0),
    ("chaos", -1.7), ("chaotisch", -1.5), ("charmant", 2.1), ("chillen", 1.4), ("chillig", 1.7),
    ("clever", 1.6), ("cool", 2.1), ("cringe", -1.8), ("daemlich", -2.1), ("dank", 1.6),
    ("dankbar", 2.4), ("dankbarkeit", 2.4), ("danke", 1.9), ("dankeschoen", 2.1), ("debakel", -2.5),
    ("defekt", -1.9), ("depp", -2.0), ("depression", -2.5), ("depressiv", -2.6),
    ("deprimierend", -2.5), ("deprimiert", -2.5), ("desaster", -2.7), ("diskriminierung", -2.4),
    ("doof", -1.9), ("dreck", -2.0), ("dreckig", -1.9), ("drecksau", -2.8), ("dumm", -2.0), ("durchnaesst", -1.5),
    ("easy", 1.0), ("egoistisch", -2.0), ("ehre", 1.8), ("ehrlich", 1.6), ("eifersuechtig", -1.6),
    ("einsam", -2.1), ("einsamkeit", -2.2), ("einwandfrei", 2.3), ("einzigartig", 2.3),
    ("ekel", -2.4), ("ekelhaft", -2.8), ("eklig", -2.5), ("elegant", 1.6), ("elend", -2.5),
    ("empfehle", 1.9), ("empfehlen", 1.8), ("empfehlenswert", 2.3), ("empfehlung", 1.6),
    ("empoerend", -2.5), ("empoert", -2.2), ("endlich", 0.8), ("entsetzlich", -3.0),
    ("entsetzt", -2.4), ("entspannend", 1.9), ("entspannt", 1.9), ("enttaeuschend", -2.3),
    ("enttaeuscht", -2.2), ("enttaeuschung", -2.3), ("entzueckend", 2.6), ("epic", 2.2),
    ("episch", 2.2), ("erbaermlich", -2.6), ("erdbeben", -2.1), ("erfolg", 2.3),
    ("erfolgreich", 2.4), ("erfrischend", 2.0), ("erfuellt", 1.5), ("erfuellung", 2.0),
    ("erleichtert", 1.9), ("erleichterung", 1.9), ("ermordet", -3.1), ("erschoepft", -1.6),
    ("erschreckend", -2.2), ("erschrocken", -1.6), ("erstaunlich", 2.3), ("explosion", -1.8),
    ("exzellent", 3.0), ("fail", -1.8), ("fair", 1.5), ("fake", -1.8), ("falsch", -1.4),
    ("fantastisch", 3.2), ("faschist", -2.9), ("faszinierend", 2.3), ("fehler", -1.5),
    ("fehlerfrei", 1.9), ("fehlerhaft", -1.8), ("fehlgeschlagen", -1.8), ("feier", 1.9),
    ("feiern", 2.0), ("feind", -2.0), ("feindlich", -2.0), ("fick", -2.5), ("fies", -2.0),
    ("fit", 1.5), ("fleissig", 1.5), ("flop", -2.0), ("fluchen", -1.4), ("fml", -2.2),
    ("folter", -3.2), ("fortschritt", 1.5), ("frech", -1.0), ("frechheit", -2.3), ("frei", 1.3),
    ("freiheit", 2.1), ("freude", 2.6), ("freue", 2.3), ("freuen", 2.3), ("freunde", 1.5),
    ("freundlich", 1.9), ("freundschaft", 2.3), ("freut", 2.3), ("frieden", 2.2),
    ("friedlich", 2.0), ("frisch", 1.2), ("froehlich", 2.4), ("froh", 2.2), ("frust", -2.0),
    ("frustrierend", -2.2), ("frustriert", -2.2), ("fuck", -2.5), ("fuerchte", -1.6),
    ("fuerchterlich", -2.8), ("fuersorglich", 2.1), ("funktioniert", 1.0), ("furcht", -2.0),
    ("furchtbar", -2.8), ("geaergert", -1.9), ("geduldig", 1.6), ("geehrt", 2.0),
    ("gefaehrlich", -2.0), ("gefaellt", 2.0), ("gefahr", -2.0), ("gefallen", 1.8), ("gefiel", 1.9),
    ("gefreut", 2.2), ("gehasst", -2.8), ("geheilt", 2.0), ("geholfen", 1.6), ("geil", 2.6),
    ("geklappt", 1.4), ("gekuendigt", -1.8), ("gelacht", 1.7), ("geliebt", 2.8), ("gelobt", 1.9),
    ("geloest", 1.5), ("gelogen", -2.2), ("gelungen", 2.3), ("gelungenes", 2.3), ("gemein", -2.1),
    ("gemobbt", -2.5), ("gemuetlich", 2.0), ("genervt", -2.1), ("genial", 3.0), ("geniesse", 2.2),
    ("geniessen", 2.2), ("geniesst", 2.2), ("genossen", 2.1), ("genuss", 2.2), ("gepflegt", 1.5),
    ("gequaelt", -2.5), ("gerettet", 1.9), ("gern", 1.3), ("gerne", 1.4), ("geschafft", 2.0),
    ("gescheitert", -2.2), ("geschenk", 2.0), ("geschmackvoll", 2.0), ("gesegnet", 2.2),
    ("gestoert", -2.0), ("gestorben", -2.5), ("gestresst", -1.9), ("gesund", 2.0),
    ("gesundheit", 1.8), ("getoetet", -2.9), ("gewalt", -2.8), ("geweint", -2.1), ("gewinn", 1.8),
    ("gewinnen", 2.2), ("gewinner", 2.2), ("gewonnen", 2.5), ("gier", -1.8), ("gierig", -1.9),
    ("glaenzend", 2.0), ("glg", 1.5), ("glueck", 2.4), ("gluecklich", 2.8), ("gluecksgefuehl", 2.6),
    ("glueckwuensche", 2.6), ("glueckwunsch", 2.6), ("goettlich", 2.9), ("graesslich", -2.8),
    ("grandios", 3.1), ("gratis", 1.2), ("gratulation", 2.5), ("gratuliere", 2.5),
    ("gratulieren", 2.4), ("grauenhaft", -3.0), ("grauenvoll", -3.0), ("grausam", -2.8),
    ("grinse", 1.4), ("grinsen", 1.4), ("grossartig", 3.1), ("grosszuegig", 2.2), ("grr", -1.6),
    ("gruesse", 1.0), ("gruss", 0.8), ("guenstig", 1.2), ("gut", 1.9), ("haesslich", -2.3),
    ("haha", 2.0), ("hahaha", 2.2), ("hammer", 1.8), ("happy", 2.6), ("harmonisch", 1.9),
    ("hass", -3.0), ("hasse", -3.0), ("hassen", -3.0), ("hasserfuellt", -3.0), ("hasst", -3.0),
    ("hate", -2.8), ("hater", -1.9), ("hdgdl", 2.8), ("hdl", 2.5), ("hehe", 1.6), ("heiter", 1.8),
    ("held", 2.2), ("helden", 2.2), ("heldin", 2.2), ("helfen", 1.2), ("herausragend", 2.9),
    ("herrlich", 2.9), ("hervorragend", 3.0), ("herz", 1.9), ("herzchen", 2.1), ("herzlich", 2.3),
    ("hetze", -2.3), ("heuchler", -2.3), ("heuchlerisch", -2.2), ("heul", -1.6), ("heulen", -1.8),
    ("highlight", 2.2), ("hihi", 1.6), ("hilfe", 0.8), ("hilfreich", 2.0), ("hilfsbereit", 2.0),
    ("himmlisch", 2.8), ("hirnlos", -2.3), ("hirnrissig", -2.3), ("hochwasser", -1.6),
    ("hoerenswert", 2.0), ("hoffe", 0.9), ("hoffentlich", 0.9), ("hoffnung", 1.8),
    ("hoffnungslos", -2.7), ("horror", -2.5), ("huebsch", 2.0), ("humorvoll", 2.0),
    ("hunger", -1.7), ("hurensohn", -3.2), ("hurra", 2.6), ("hype", 1.0), ("hyped", 1.6),
    ("ideal", 2.2), ("idiot", -2.5), ("idioten", -2.5), ("idiotisch", -2.4), ("igitt", -2.2),
    ("inkompetent", -2.4), ("inkompetenz", -2.4), ("innovativ", 1.8), ("inspirierend", 2.3),
    ("inspiriert", 2.0), ("intelligent", 1.8), ("interessant", 1.4), ("irre", 0.3),
    ("jaemmerlich", -2.2), ("jammern", -1.5), ("jubel", 2.5), ("jubeln", 2.4), ("juchhu", 2.6),
    ("juhu", 2.6), ("juwel", 1.8), ("kacke", -2.3), ("kaputt", -2.0), ("katastrophal", -3.0),
    ("katastrophe", -2.9), ("kitschig", -0.8), ("klaeglich", -2.0), ("klappt", 1.0),
    ("klasse", 2.6), ("klug", 1.8), ("knuddel", 2.0), ("knuddeln", 2.0), ("knuffig", 2.0),
    ("koestlich", 2.7), ("kompetent", 1.9), ("kompliment", 2.1), ("komplimente", 2.1),
    ("kompliziert", -1.0), ("korrekt", 0.8), ("korrupt", -2.5), ("korruption", -2.6),
    ("kostenlos", 1.0), ("kotz", -2.2), ("kotzbrocken", -2.8), ("kotzen", -2.4), ("kotzt", -2.3),
    ("krank", -1.9), ("krankheit", -2.0), ("krass", 0.4), ("kreativ", 1.8), ("krieg", -2.9),
    ("kriminell", -2.3), ("krise", -2.0), ("kuendigung", -1.8), ("kuesschen", 2.2), ("kuesse", 2.2),
    ("kuscheln", 2.2), ("kuss", 2.2), ("lache", 1.6), ("lachen", 1.7), ("lacht", 1.6),
    ("laecheln", 2.0), ("laechelt", 2.0), ("laecherlich", -2.0), ("laessig", 1.5),
    ("laestig", -1.8), ("lahm", -1.6), ("langeweile", -1.8), ("langsam", -0.9),
    ("langweilig", -1.9), ("lebensfreude", 2.8), ("lecker", 2.4), ("legendaer", 2.6),
    ("legende", 2.0), ("leid", -1.4), ("leiden", -2.2), ("leider", -1.3), ("lesenswert", 2.0),
    ("lg", 1.0), ("lieb", 2.0), ("liebe", 2.9), ("lieben", 3.0), ("liebenswert", 2.4),
    ("liebenswuerdig", 2.3), ("liebevoll", 2.6), ("liebling", 2.4), ("liebst", 3.0), ("liebt", 3.0),
    ("lmao", 2.0), ("lob", 2.0), ("loben", 2.0), ("locker", 0.9), ("loesung", 1.2),
    ("lohnenswert", 2.0), ("lohnt", 1.6), ("lol", 1.8), ("looser", -2.2), ("loser", -2.2),
    ("love", 2.8), ("loyal", 1.7), ("luege", -2.3), ("luegen", -2.2), ("luegenpresse", -2.3),
    ("luegner", -2.5), ("lustig", 2.0), ("maessig", -0.8), ("mag", 1.6), ("magisch", 2.2),
    ("magst", 1.5), ("makellos", 2.4), ("mangel", -1.4), ("mangelhaft", -2.2),
    ("manipulation", -1.9), ("manipuliert", -2.0), ("meckern", -1.3), ("mega", 2.0),
    ("megageil", 3.2), ("meisterhaft", 2.9), ("meisterwerk", 3.0), ("merci", 1.6), ("mies", -2.3),
    ("mimimi", -1.2), ("minderwertig", -2.1), ("miserabel", -2.7), ("miserabl", -2.7), ("missbrauch", -3.0),
    ("misstrauen", -1.7), ("mist", -1.9), ("mistkerl", -2.5), ("mittelmaessig", -1.0),
    ("mobbing", -2.6), ("mochte", 1.4), ("moegen", 1.5), ("moerder", -3.1), ("mord", -3.2),
    ("motivierend", 1.9), ("motiviert", 1.8), ("muede", -1.0), ("muell", -2.1), ("mutig", 2.0),
    ("naja", -0.5), ("nazi", -3.0), ("nazis", -3.0), ("neid", -1.6), ("neidisch", -1.4),
    ("nein", -0.8), ("nerven", -1.2), ("nervensaege", -1.8), ("nervig", -2.0), ("nervt", -2.0),
    ("nervtoetend", -2.5), ("nett", 1.8), ("nice", 2.2), ("niedergeschlagen", -2.3),
    ("niederlage", -2.0), ("niedlich", 2.0), ("noergeln", -1.3), ("nope", -0.8), ("nuetzlich", 1.6),
    ("nutzlos", -2.2), ("obdachlos", -2.1), ("oberaffengeil", 3.3), ("oed", -1.8), ("oede", -1.8),
    ("oje", -1.3), ("ok", 0.9), ("okay", 0.9), ("opfer", -2.0), ("optimal", 2.2),
    ("pandemie", -1.6), ("panik", -2.4), ("panne", -1.6), ("paradies", 2.3), ("party", 1.8),
    ("passt", 1.0), ("pech", -1.7), ("peinlich", -1.8), ("penner", -2.0), ("perfekt", 3.0),
    ("perle", 1.6), ("pervers", -2.3), ("pfui", -2.0), ("phaenomenal", 3.1), ("phantastisch", 3.2),
    ("pisser", -2.7), ("pleite", -2.0), ("praktisch", 1.4), ("preiswert", 1.5), ("prima", 2.4),
    ("problem", -1.5), ("problematisch", -1.5), ("probleme", -1.5), ("problemlos", 1.7),
    ("professionell", 1.8), ("prolet", -1.8), ("propaganda", -1.8), ("prost", 1.5),
    ("puenktlich", 1.2), ("putzig", 1.8), ("quaelen", -2.5), ("qual", -2.5), ("quatsch", -1.3),
    ("rabatt", 1.0), ("ramsch", -1.9), ("rassismus", -2.7), ("rassist", -2.8),
    ("rassistisch", -2.8), ("reibungslos", 1.9), ("reinfall", -2.2), ("reizend", 2.1),
    ("reklamation", -1.3), ("respekt", 2.0), ("respektlos", -2.2), ("retten", 1.4),
    ("rettung", 1.6), ("reue", -1.4), ("richtig", 0.5), ("rofl", 2.3), ("romantisch", 2.0),
    ("ruhig", 0.9), ("ruiniert", -2.5), ("sad", -1.8), ("sau", -1.5), ("sauber", 1.3),
    ("sauer", -1.9), ("saugeil", 3.0), ("schade", -1.5), ("schande", -2.4), ("schatz", 2.2),
    ("scheiss", -2.6), ("scheisse", -2.8), ("scheitern", -2.0), ("schick", 1.7),
    ("schimpfen", -1.5), ("schlaegerei", -2.3), ("schlampe", -2.8), ("schlau", 1.6),
    ("schlecht", -2.3), ("schleimig", -1.3), ("schlimm", -2.2), ("schluchz", -1.8),
    ("schmackhaft", 1.9), ("schmerz", -2.1), ("schmerzen", -2.1), ("schmerzhaft", -2.2),
    ("schmutzig", -1.7), ("schnell", 0.7), ("schock", -2.0), ("schockierend", -2.4),
    ("schockiert", -2.2), ("schoen", 2.3), ("schrecklich", -2.9), ("schrott", -2.4),
    ("schuld", -1.6), ("schulden", -1.8), ("schuldig", -1.7), ("schwach", -1.4),
    ("schwachsinn", -2.3), ("schwachsinnig", -2.3), ("schwein", -1.8), ("schweine", -1.8),
    ("schwierig", -0.9), ("segen", 2.0), ("sehenswert", 2.1), ("sensationell", 3.0),
    ("seuche", -2.0), ("seufz", -1.2), ("sexy", 2.1), ("shit", -2.6), ("shitstorm", -2.5),
    ("sicher", 1.0), ("sieg", 2.3), ("siegen", 2.0), ("sinnlos", -1.9), ("sinnvoll", 1.4),
    ("skandal", -2.4), ("skandaloes", -2.6), ("sonne", 1.2), ("sonnenschein", 2.0), ("sonnig", 1.6),
    ("sorge", -1.5), ("sorgen", -1.4), ("sorry", -0.8), ("spam", -1.5), ("spannend", 1.8),
    ("spass", 2.3), ("spast", -2.6), ("spektakulaer", 2.6), ("spinner", -1.5), ("spinnt", -1.4),
    ("spitze", 2.6), ("spitzenklasse", 3.0), ("stark", 1.6), ("sterben", -2.6), ("stickig", -1.2),
    ("stilvoll", 2.0), ("stinken", -2.0), ("stinkig", -1.8), ("stinkt", -2.1), ("stirbt", -2.5),
    ("stoeren", -1.2), ("stoert", -1.3), ("stoerung", -1.5), ("stolz", 2.1), ("strahlen", 1.6),
    ("strahlt", 1.6), ("streit", -1.9), ("streiten", -1.7), ("stress", -1.8), ("stressig", -1.8),
    ("suess", 2.0), ("super", 2.8), ("sympathisch", 2.0), ("tadellos", 2.4), ("talentiert", 2.2),
    ("tapfer", 1.9), ("terror", -3.0), ("teuer", -1.0), ("tod", -2.6), ("toeten", -3.0),
    ("toll", 2.8), ("top", 2.3), ("tot", -2.4), ("tote", -2.4), ("traege", -1.0), ("traenen", -1.4),
    ("tragisch", -2.6), ("tragoedie", -2.8), ("trauer", -2.3), ("trauern", -2.2), ("trauma", -2.4),
    ("traumatisch", -2.8), ("traumhaft", 3.0), ("traurig", -2.3), ("treu", 1.8), ("trottel", -2.1),
    ("uebel", -2.2), ("ueberfluessig", -1.5), ("ueberfuellt", -1.4), ("ueberragend", 3.0),
    ("ueberraschung", 1.5), ("ueberschwemmung", -1.8), ("ueberteuert", -2.0), ("umarmen", 2.1),
    ("umarmung", 2.3), ("umstaendlich", -1.4), ("umwerfend", 2.9), ("unbrauchbar", -2.4),
    ("unertraeglich", -2.6), ("unfaehig", -2.3), ("unfair", -2.0), ("unfall", -2.2),
    ("unfreundlich", -2.0), ("ungenuegend", -2.1), ("ungerecht", -2.1), ("ungerechtigkeit", -2.2),
    ("unglueck", -2.2), ("ungluecklich", -2.3), ("unheimlich", -1.0), ("unhoeflich", -2.0),
    ("unmoeglich", -1.5), ("unprofessionell", -2.1), ("unpuenktlich", -1.6), ("unschlagbar", 2.6),
    ("unsicher", -1.2), ("unsinn", -1.6), ("unterdrueckung", -2.4), ("unterhaltsam", 1.8),
    ("unterstuetzen", 1.3), ("unterstuetzung", 1.5), ("unvergesslich", 2.6), ("unverschaemt", -2.4),
    ("unverschaemtheit", -2.5), ("unzufrieden", -2.0), ("unzumutbar", -2.5), ("unzureichend", -1.8),
    ("unzuverlaessig", -2.0), ("urlaub", 1.8), ("verarsche", -2.4), ("verarschen", -2.3),
    ("verarscht", -2.4), ("verbessert", 1.6), ("verbesserung", 1.6), ("verbrechen", -2.7),
    ("verdaechtig", -1.4), ("verdammt", -2.0), ("verflixt", -1.5), ("verflucht", -2.0),
    ("vergewaltigung", -3.3), ("vergnuegen", 2.2), ("verheerend", -2.8), ("verkackt", -2.4),
    ("verletzt", -2.0), ("verletzung", -1.9), ("verliebt", 2.7), ("verlieren", -1.5),
    ("verlogen", -2.5), ("verloren", -1.8), ("verlust", -1.9), ("vermasselt", -2.0),
    ("vermisse", -0.9), ("vermissen", -0.9), ("vermisst", -0.9), ("vermuellt", -1.8),
    ("verpiss", -2.8), ("verpisst", -2.5), ("verrueckt", -0.5), ("versagen", -2.1),
    ("versager", -2.6), ("versagt", -2.2), ("versaut", -2.2), ("verschlechtert", -1.7),
    ("verschwendet", -1.8), ("verschwendung", -1.9), ("versifft", -2.2), ("verspaetet", -1.5),
    ("verspaetung", -1.6), ("verstaendnisvoll", 2.0), ("vertrauen", 1.8), ("verwirrend", -1.2),
    ("verwirrt", -1.0), ("verzweifelt", -2.6), ("verzweiflung", -2.7), ("vollidiot", -2.8),
    ("vorbildlich", 2.4), ("vorfreude", 2.4), ("vorteil", 1.4), ("vorteile", 1.4),
    ("wahnsinn", 0.8), ("warmherzig", 2.3), ("weh", -1.5), ("weine", -2.1), ("weinen", -2.1),
    ("weltklasse", 3.0), ("wertlos", -2.2), ("wichser", -3.0), ("widerlich", -2.9),
    ("willkommen", 1.8), ("win", 2.0), ("witzig", 1.9), ("wohltuend", 2.1), ("wow", 2.3),
    ("wtf", -1.8), ("wucher", -2.2), ("wuetend", -2.6), ("wunder", 2.0), ("wunderbar", 3.1),
    ("wunderschoen", 3.2), ("wundervoll", 3.1), ("wunsch", 1.0), ("wut", -2.5), ("yay", 2.4),
    ("yeah", 1.8), ("yes", 1.2), ("yippie", 2.4), ("yummy", 2.3), ("zaertlich", 2.0),
    ("zauberhaft", 2.7), ("zeitverschwendung", -2.2), ("zensur", -1.7), ("zerstoeren", -2.2),
    ("zerstoert", -2.4), ("zerstoerung", -2.5), ("zicke", -1.8), ("zickig", -1.7), ("zoff", -1.6),
    ("zorn", -2.5), ("zornig", -2.5), ("zufrieden", 1.9), ("zufriedenheit", 2.0),
    ("zusammenhalt", 1.8), ("zuverlaessig", 1.9), ("zuvorkommend", 2.1), ("zweifel", -1.2),
    ("zweifelhaft", -1.4),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::sorted_unique;

    #[test]
    fn tables_are_sorted_folded_and_on_scale() {
        assert!(sorted_unique(WORDS.entries()));
        assert!(sorted_unique(BOOSTERS.entries()) && sorted_unique(NEGATORS.entries()));
        assert!(WORDS.entries().len() > 800, "{} words", WORDS.entries().len());
        let folded = |k: &str| k.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        for (key, v) in WORDS.entries() {
            assert!(folded(key), "{key} is not folded");
            assert!((-4.0..=4.0).contains(v) && *v != 0.0, "{key}");
        }
        assert!(BOOSTERS.entries().iter().all(|(k, _)| folded(k)));
        assert!(NEGATORS.entries().iter().all(|(k, _)| folded(k)));
    }

    #[test]
    fn finds_words_and_inflected_forms() {
        assert!(valence("gut").unwrap() > 1.0);
        assert!(valence("schoen").unwrap() > 1.0);
        assert!(valence("schoenste").unwrap() > 1.0);
        assert!(valence("schlechteste").unwrap() < -1.0);
        assert!(valence("tollen").unwrap() > 1.0);
        assert!(valence("schlechtes").unwrap() < -1.0);
        assert!(valence("enttaeuscht").unwrap() < -1.0);
        assert!(valence("scheisse").unwrap() < -2.0);
        assert_eq!(valence("tisch"), None);
        // Stems shorter than three letters are never tried: "ist" is not "is".
        assert_eq!(valence("ist"), None);
    }

    #[test]
    fn boosters_and_negators() {
        assert_eq!(BOOSTERS.get("sehr"), Some(BOOST));
        assert_eq!(BOOSTERS.get("kaum"), Some(-BOOST));
        assert!(NEGATORS.contains("nicht") && NEGATORS.contains("keinen"));
        assert!(!NEGATORS.contains("kaum"));
        assert!(is_trailing_negator("nicht") && !is_trailing_negator("kein"));
    }
}
