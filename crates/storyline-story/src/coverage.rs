//! Coverage comparison: which outlets report which facts of an event, which facts only one
//! outlet reports, and where outlets disagree.
//!
//! A *claim* is a group of sentences from different articles that say the same thing, found by
//! greedy alignment in arrival order. Republications are not separate voices: they are listed
//! under their original and do not count as another outlet reporting a claim.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use storyline_model::Article;

/// An article of the event, in arrival order, with the original it copies if it is a duplicate.
pub struct CoverageArticle<'a> {
    pub article: &'a Article,
    pub copy_of: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Coverage {
    /// One row per outlet of an original article.
    pub outlets: Vec<OutletRow>,
    pub claims: Vec<Claim>,
    /// Indexes into `claims` of the facts that only one outlet reports.
    pub unique: Vec<usize>,
    pub disagreements: Vec<Disagreement>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutletRow {
    pub outlet: String,
    pub articles: Vec<String>,
    /// Republications of this outlet's articles: (copy, its outlet, original).
    pub republished_by: Vec<Republication>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Republication {
    pub article: String,
    pub outlet: String,
    pub original: String,
}

/// One sentence of one article.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statement {
    pub article: String,
    pub outlet: String,
    /// Sentence index in the article's text.
    pub sentence: usize,
    pub text: String,
    /// The article's position in arrival order.
    #[serde(skip)]
    pub order: usize,
}

/// Sentences from different articles that say the same thing.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Claim {
    pub statements: Vec<Statement>,
    pub outlets: Vec<String>,
}

/// The same slot filled with different values by different outlets.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Disagreement {
    /// "name" (a name spelled two ways) or "number".
    pub slot: String,
    /// What the values are about, e.g. the surname "Al-Namroush" or the counted thing.
    pub subject: String,
    pub values: Vec<DisputedValue>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DisputedValue {
    pub value: String,
    pub outlets: Vec<String>,
    /// Where each outlet says it: (article, sentence index, sentence).
    pub evidence: Vec<(String, usize, String)>,
}

/// Sentences at least this similar (token-set Dice of stem prefixes) state the same claim.
const CLAIM_SIMILARITY: f32 = 0.4;

/// The name an article's outlet goes by; unnamed outlets are told apart by article.
pub fn outlet_of(article: &Article) -> String {
    match &article.outlet {
        Some(outlet) => outlet.clone(),
        None => format!("unknown outlet ({})", article.id),
    }
}

/// Compares how the articles of one event cover it. `similarity` scores two sentences in [0, 1];
/// pass [`lexical_similarity`] or a cross-lingual one.
pub fn compare_coverage(articles: &[CoverageArticle], similarity: &dyn Fn(&str, &str) -> f32) -> Coverage {
    let outlets = outlet_rows(articles);
    let originals: Vec<(usize, &Article)> =
        articles.iter().enumerate().filter(|(_, a)| a.copy_of.is_none()).map(|(i, a)| (i, a.article)).collect();

    let mut claims: Vec<Claim> = Vec::new();
    for (order, article) in &originals {
        let outlet = outlet_of(article);
        for (index, sentence) in storyline_text::sentences(&article.text).iter().enumerate() {
            let statement = Statement {
                article: article.id.clone(),
                outlet: outlet.clone(),
                sentence: index,
                text: sentence.text.to_string(),
                order: *order,
            };
            let best = claims
                .iter()
                .enumerate()
                .filter(|(_, c)| c.statements.iter().all(|s| s.article != article.id))
                .map(|(i, c)| (i, c.statements.iter().map(|s| similarity(&s.text, sentence.text)).fold(0.0, f32::max)))
                .filter(|(_, score)| *score >= CLAIM_SIMILARITY)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((i, _)) => {
                    if !claims[i].outlets.contains(&outlet) {
                        claims[i].outlets.push(outlet.clone());
                    }
                    claims[i].statements.push(statement);
                }
                None => claims.push(Claim { statements: vec![statement], outlets: vec![outlet.clone()] }),
            }
        }
    }
    // Facts worth flagging as one outlet's own: not headings or fragments.
    let unique = claims
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.outlets.len() == 1 && originals.len() > 1 && c.statements[0].text.split_whitespace().count() >= 6
        })
        .map(|(i, _)| i)
        .collect();
    let mut disagreements = name_disagreements(&originals);
    disagreements.extend(number_disagreements(&claims));
    Coverage { outlets, claims, unique, disagreements }
}

/// Sentence similarity from shared word stems (cut to a prefix so spelling variants meet).
pub fn lexical_similarity(a: &str, b: &str) -> f32 {
    let (a, b) = (storyline_dedup::sentence_tokens(a), storyline_dedup::sentence_tokens(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(&b).count() as f32 / (a.len() + b.len()) as f32
}

fn outlet_rows(articles: &[CoverageArticle]) -> Vec<OutletRow> {
    let mut rows: Vec<OutletRow> = Vec::new();
    for item in articles.iter().filter(|a| a.copy_of.is_none()) {
        let outlet = outlet_of(item.article);
        match rows.iter_mut().find(|r| r.outlet == outlet) {
            Some(row) => row.articles.push(item.article.id.clone()),
            None => {
                rows.push(OutletRow { outlet, articles: vec![item.article.id.clone()], republished_by: Vec::new() })
            }
        }
    }
    for item in articles {
        let Some(original) = &item.copy_of else { continue };
        let republication = Republication {
            article: item.article.id.clone(),
            outlet: outlet_of(item.article),
            original: original.clone(),
        };
        match rows.iter_mut().find(|r| r.articles.contains(original)) {
            Some(row) => row.republished_by.push(republication),
            // The original is in another event: the copy stands as its own row.
            None => rows.push(OutletRow {
                outlet: republication.outlet.clone(),
                articles: vec![item.article.id.clone()],
                republished_by: Vec::new(),
            }),
        }
    }
    rows
}

/// Words that join the parts of a personal name (Khalid bin Mohammad Al Attiyah).
const NAME_PARTICLES: &[&str] = &["al", "el", "bin", "ibn", "bint", "abu", "de", "van", "von", "der", "da", "di", "le"];

/// Personal names whose surname agrees while the given name is spelled two ways by different
/// outlets (Salam / Salah Al-Namroush): the given name just before the same surname differs by
/// at most two letters, and starts with the same one.
fn name_disagreements(originals: &[(usize, &Article)]) -> Vec<Disagreement> {
    // surname key → given name → evidence
    let mut by_surname: BTreeMap<String, (String, BTreeMap<String, Vec<(String, String, usize, String)>>)> =
        BTreeMap::new();
    for (_, article) in originals {
        let outlet = outlet_of(article);
        for (index, sentence) in storyline_text::sentences(&article.text).iter().enumerate() {
            for (given, surname) in given_and_surnames(sentence.text) {
                let key = surname_key(&surname);
                if key.chars().count() < 4 || given.chars().count() < 3 {
                    continue;
                }
                let entry = by_surname.entry(key).or_insert_with(|| (surname.clone(), BTreeMap::new()));
                entry.1.entry(given).or_default().push((
                    outlet.clone(),
                    article.id.clone(),
                    index,
                    sentence.text.to_string(),
                ));
            }
        }
    }
    let mut found = Vec::new();
    for (_, (surname, givens)) in by_surname {
        let names: Vec<&String> = givens.keys().collect();
        let mut disputed: BTreeSet<&String> = BTreeSet::new();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                let outlets_a: BTreeSet<&String> = givens[*a].iter().map(|e| &e.0).collect();
                let outlets_b: BTreeSet<&String> = givens[*b].iter().map(|e| &e.0).collect();
                if spelling_variants(a, b) && outlets_a != outlets_b {
                    disputed.insert(a);
                    disputed.insert(b);
                }
            }
        }
        if disputed.len() < 2 {
            continue;
        }
        let values = disputed
            .into_iter()
            .map(|given| {
                let evidence = &givens[given];
                let outlets: BTreeSet<String> = evidence.iter().map(|e| e.0.clone()).collect();
                DisputedValue {
                    value: given.clone(),
                    outlets: outlets.into_iter().collect(),
                    evidence: evidence.iter().map(|e| (e.1.clone(), e.2, e.3.clone())).collect(),
                }
            })
            .collect();
        found.push(Disagreement { slot: "name".into(), subject: surname, values });
    }
    found
}

/// (given name, surname) for each run of two or more capitalised words in a sentence.
fn given_and_surnames(sentence: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, pairs: &mut Vec<(String, String)>| {
        // Drop trailing particles, then take the last word as surname and the nearest
        // non-particle word before it as the given name.
        while run.last().is_some_and(|w| is_particle(w)) {
            run.pop();
        }
        if run.len() >= 2 {
            let surname = run[run.len() - 1];
            if let Some(given) = run[..run.len() - 1].iter().rev().find(|w| !is_particle(w)) {
                pairs.push((given.to_string(), surname.to_string()));
            }
        }
        run.clear();
    };
    for raw in sentence.split_whitespace() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        let ends_run = raw.ends_with([',', '.', ';', ':', ')', '"', '”']) || raw.ends_with("’s") || raw.ends_with("'s");
        let word = word.trim_end_matches("’s").trim_end_matches("'s");
        if word.chars().next().is_some_and(char::is_uppercase) || (!run.is_empty() && is_particle(word)) {
            run.push(word);
        } else {
            flush(&mut run, &mut pairs);
        }
        if ends_run {
            flush(&mut run, &mut pairs);
        }
    }
    flush(&mut run, &mut pairs);
    pairs
}

fn is_particle(word: &str) -> bool {
    NAME_PARTICLES.contains(&storyline_text::fold_word(word).as_str())
}

/// Surnames compared without case, diacritics or an Arabic article (Al-Namroush = al Namroush).
fn surname_key(surname: &str) -> String {
    let folded = storyline_text::fold_word(surname);
    let stripped = ["al-", "el-"].iter().find_map(|p| folded.strip_prefix(p)).unwrap_or(&folded);
    stripped.replace('-', "")
}

fn spelling_variants(a: &str, b: &str) -> bool {
    let (a, b) = (storyline_text::fold_word(a), storyline_text::fold_word(b));
    a != b
        && a.chars().next() == b.chars().next()
        && a.chars().count().min(b.chars().count()) >= 4
        && edit_distance(&a, &b) <= 2
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            current.push((previous[j] + usize::from(ca != *cb)).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Numbers that differ between outlets' statements of one claim, where the same word follows
/// them ("12 people" vs "15 people").
fn number_disagreements(claims: &[Claim]) -> Vec<Disagreement> {
    let mut found = Vec::new();
    for claim in claims.iter().filter(|c| c.outlets.len() > 1) {
        let mut by_unit: BTreeMap<String, BTreeMap<String, Vec<&Statement>>> = BTreeMap::new();
        for statement in &claim.statements {
            let words: Vec<String> = storyline_text::words(&statement.text);
            for pair in words.windows(2) {
                if pair[0].chars().all(|c| c.is_ascii_digit()) && !pair[1].chars().all(|c| c.is_ascii_digit()) {
                    by_unit.entry(pair[1].clone()).or_default().entry(pair[0].clone()).or_default().push(statement);
                }
            }
        }
        for (unit, values) in by_unit {
            let outlet_sets: Vec<BTreeSet<&String>> =
                values.values().map(|s| s.iter().map(|st| &st.outlet).collect()).collect();
            if values.len() < 2 || outlet_sets.windows(2).all(|w| w[0] == w[1]) {
                continue;
            }
            let values = values
                .into_iter()
                .map(|(value, statements)| DisputedValue {
                    value,
                    outlets: statements.iter().map(|s| s.outlet.clone()).collect::<BTreeSet<_>>().into_iter().collect(),
                    evidence: statements.iter().map(|s| (s.article.clone(), s.sentence, s.text.clone())).collect(),
                })
                .collect();
            found.push(Disagreement { slot: "number".into(), subject: unit, values });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_model::SourceFormat;

    fn article(id: &str, outlet: Option<&str>, text: &str) -> Article {
        let mut a = Article::new(id, text, SourceFormat::Text);
        a.outlet = outlet.map(str::to_string);
        a
    }

    #[test]
    fn names_split_into_given_and_surname() {
        let pairs = given_and_surnames(
            "Libyan Deputy Defence Minister Salam Al-Namroush announced it, said Khalid bin Mohammad Al Attiyah.",
        );
        assert_eq!(pairs, vec![("Salam".into(), "Al-Namroush".into()), ("Mohammad".into(), "Attiyah".into())]);
    }

    #[test]
    fn coverage_groups_republications_and_finds_shared_unique_and_disputed_facts() {
        let a = article("a", Some("Alpha News"), "Deputy Minister Salam Al-Namroush announced the military deal with Turkey and Qatar on Monday.\n\nThe deal covers training centres in Misrata for the army.");
        let copy = article(
            "b",
            Some("Copy Site"),
            "Deputy Minister Salam Al-Namroush announced the military deal with Turkey and Qatar on Monday.",
        );
        let c = article("c", None, "It was Deputy Minister Salah Al-Namroush who announced the military deal with Turkey and Qatar on Monday.\n\nMass graves were found in Tarhuna after the forces withdrew from the town.");
        let inputs = [
            CoverageArticle { article: &a, copy_of: None },
            CoverageArticle { article: &copy, copy_of: Some("a".into()) },
            CoverageArticle { article: &c, copy_of: None },
        ];
        let coverage = compare_coverage(&inputs, &lexical_similarity);
        assert_eq!(coverage.outlets.len(), 2);
        assert_eq!(coverage.outlets[0].republished_by[0].article, "b");
        let shared = &coverage.claims[0];
        assert_eq!(shared.outlets.len(), 2, "{:#?}", coverage.claims);
        let unique: Vec<&str> =
            coverage.unique.iter().map(|&i| coverage.claims[i].statements[0].text.as_str()).collect();
        assert!(unique.iter().any(|t| t.contains("Tarhuna")), "{unique:?}");
        let names = &coverage.disagreements[0];
        assert_eq!((names.slot.as_str(), names.subject.as_str()), ("name", "Al-Namroush"));
        let values: Vec<&str> = names.values.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, vec!["Salah", "Salam"]);
    }

    #[test]
    fn different_numbers_for_the_same_thing_are_flagged() {
        let a = article("a", Some("A"), "The attack on the town killed 12 people on Sunday, officials said.");
        let b = article("b", Some("B"), "The attack on the town killed 15 people on Sunday, officials said.");
        let inputs = [CoverageArticle { article: &a, copy_of: None }, CoverageArticle { article: &b, copy_of: None }];
        let coverage = compare_coverage(&inputs, &lexical_similarity);
        assert_eq!(coverage.disagreements.len(), 1);
        assert_eq!(coverage.disagreements[0].subject, "people");
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("salam", "salah"), 1);
        assert_eq!(edit_distance("khalid", "khaled"), 1);
        assert!(!spelling_variants("Mohammad", "Khalid"));
    }
}
