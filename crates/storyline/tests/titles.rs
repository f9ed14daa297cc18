//! Event titles of a real ingest read like headlines: the first 300 events of the Spanish
//! timelines about Syria and Libya plus every STS22 text (written out as one `.txt` file each) are
//! titled by no CSS, script, consent, log-in, subscription or error text, say nothing twice and
//! are cut only between words. The patterns are `FORBIDDEN` below (documented in
//! docs/EVALUATION.md). Skips when ../shared/eval is absent.

mod common;
use common::{json, storyline};

/// Text no headline contains (lower-cased), by what it gives away.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("CSS", &["{", "}", "px;", "display:", "transition:", "padding", "margin:"]),
    ("script", &["==", "&&", "||", "function(", "typeof", "document.", "window.", "javascript"]),
    ("cookie notice", &["cookie", "témoins de navigation", "votre vie privée"]),
    (
        "log-in prompt",
        &["contraseña", "password", "mot de passe", "iniciar sesión", "cuenta de usuario", "recordar mi usuario"],
    ),
    (
        "subscription",
        &["suscríbete", "suscriptor", "subscribe", "abonnez", "s'abonner", "abbonati", "noticia por ver", "newsletter"],
    ),
    ("notification prompt", &["notificaciones", "notifications", "notifiche"]),
    (
        "site navigation",
        &["navegación", "navigazione", "función de búsqueda", "form di ricerca", " > ", "encontrarás tus noticias"],
    ),
    (
        "error page",
        &[
            "too many connections",
            "amount of connections",
            "not a robot",
            "robotem",
            "captcha",
            "access denied",
            "not found",
            "ip address",
            "adres ip",
        ],
    ),
    ("copyright", &["©", "all rights reserved", "derechos reservados"]),
];

/// The Spanish timelines of two crises give more than 300 events; the STS22 texts bring the
/// error pages, walls and other languages.
#[test]
fn the_first_300_event_titles_read_like_headlines() {
    let Some(eval) = common::shared("eval", &["sts22/train.csv", "timelines/es"]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let sts = dir.path().join("sts22");
    std::fs::create_dir(&sts).unwrap();
    let pairs = storyline_similarity::sts::read_pairs(&eval.join("sts22/train.csv")).unwrap();
    for pair in &pairs {
        for (side, text) in [(1, &pair.text1), (2, &pair.text2)] {
            std::fs::write(sts.join(format!("{}_{side}.txt", pair.pair_id)), text).unwrap();
        }
    }
    let db = dir.path().join("t.db");
    let timelines = eval.join("timelines/es");
    let report = json(
        storyline(&db)
            .args(["ingest", "--model", "none"])
            .arg(timelines.join("syria"))
            .arg(timelines.join("libya"))
            .arg(&sts),
    );
    eprintln!(
        "ingest: {} new, {} skipped: {}",
        report["new"],
        report["skipped"].as_array().unwrap().len(),
        report["skipped"]
    );

    let events = json(storyline(&db).args(["stories", "--limit", "300"]));
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 300);
    let mut problems = Vec::new();
    for event in events {
        let title = event["title"].as_str().unwrap();
        let lower = title.to_lowercase();
        for (what, patterns) in FORBIDDEN {
            if let Some(pattern) = patterns.iter().find(|pattern| lower.contains(*pattern)) {
                problems.push(format!("{what} ({pattern}): {title}"));
            }
        }
        let words: Vec<&str> = title.trim_end_matches('…').split_whitespace().collect();
        let half = words.len() / 2;
        if words.len() >= 6 && words[..half] == words[half..] {
            problems.push(format!("said twice: {title}"));
        }
        // An untitled event is named by its first article's opening words, cut at a space.
        if let Some(cut) = title.strip_suffix('…') {
            let whole_words = event["articles"].as_array().unwrap().iter().any(|id| {
                let article = json(storyline(&db).args(["article", id.as_str().unwrap()]));
                format!("{} ", article["text"].as_str().unwrap()).starts_with(&format!("{cut} "))
            });
            if !whole_words {
                problems.push(format!("cut mid-word: {title}"));
            }
        }
    }
    assert!(problems.is_empty(), "{} of 300 titles:\n{}", problems.len(), problems.join("\n"));
}
