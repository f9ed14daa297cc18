//! The labelled corpora of `../shared/eval/ner`, by language, with the part of each file a
//! model is fitted on and the part it is checked on.
//!
//! The split of every file is fixed here, once, so that training (`storyline train-ner
//! --lang`), the per-language table (`storyline eval ner --all`) and the peer comparison all
//! read the same sentences: CoNLL-2003 and CoNLL-2002 are fitted on their train files and
//! checked on dev/val; WikiANN likewise (train/val); WikiNEuRal ships only a validation file,
//! whose first 80 % of sentences are fitted on and last 20 % checked ([`Part`]). Choices of
//! features and recipes are measured on a development slice that is the last 10 % of the fit
//! part ([`Use::Dev`]), never on the check part.

use crate::conll::{read_corpus, Document, Part};
use crate::error::{NerError, Result};
use crate::taggers::MULTILINGUAL;
use serde::Serialize;
use std::path::Path;

/// A labelled corpus and its terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Corpus {
    Conll2003,
    Conll2002,
    WikiAnn,
    WikiNeural,
}

impl Corpus {
    pub fn as_str(self) -> &'static str {
        match self {
            Corpus::Conll2003 => "conll2003",
            Corpus::Conll2002 => "conll2002",
            Corpus::WikiAnn => "wikiann",
            Corpus::WikiNeural => "wikineural",
        }
    }

    pub fn from_name(name: &str) -> Option<Corpus> {
        [Corpus::Conll2003, Corpus::Conll2002, Corpus::WikiAnn, Corpus::WikiNeural]
            .into_iter()
            .find(|c| c.as_str() == name)
    }

    /// The terms a model trained on this corpus carries with it.
    pub fn licence(self) -> &'static str {
        match self {
            Corpus::Conll2003 => "CoNLL-2003 (Reuters text): research use",
            Corpus::Conll2002 => "CoNLL-2002 (EFE, De Morgen): research use",
            Corpus::WikiAnn => "WikiANN (from Wikipedia): CC BY-SA",
            Corpus::WikiNeural => "WikiNEuRal: CC BY-NC-SA 4.0, non-commercial use only",
        }
    }
}

/// One file's slice: a path under the data folder and the part of its sentences taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slice {
    pub file: &'static str,
    pub part: Part,
}

/// A corpus in one language, with its fit and check slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Source {
    pub lang: &'static str,
    pub corpus: Corpus,
    pub fit: Slice,
    pub check: Slice,
}

/// What a source is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    /// The whole fit slice: what shipped models are trained on.
    Fit,
    /// The first 90 % of the fit slice: what models are trained on while choices are measured.
    Tune,
    /// The last 10 % of the fit slice: where choices are measured.
    Dev,
    /// The check slice: reported, never tuned on.
    Check,
}

const fn whole(file: &'static str) -> Slice {
    Slice { file, part: Part::All }
}

const fn fit(file: &'static str) -> Slice {
    Slice { file, part: Part::Fit }
}

const fn check(file: &'static str) -> Slice {
    Slice { file, part: Part::Check }
}

macro_rules! sources {
    ($($lang:literal $corpus:ident $fit:expr, $check:expr;)*) => {
        &[$(Source { lang: $lang, corpus: Corpus::$corpus, fit: $fit, check: $check }),*]
    };
}

/// Every source, by language.
pub const SOURCES: &[Source] = sources! {
    "en" Conll2003 whole("conll2003.train.txt"), whole("conll2003.dev.txt");
    "en" WikiNeural fit("wikineural/en.val.conllu"), check("wikineural/en.val.conllu");
    "en" WikiAnn whole("wikiann/en.train.conllu"), whole("wikiann/en.val.conllu");
    "de" WikiNeural fit("wikineural/de.val.conllu"), check("wikineural/de.val.conllu");
    "de" WikiAnn whole("wikiann/de.train.conllu"), whole("wikiann/de.val.conllu");
    "es" Conll2002 whole("conll2002/es.train.conllu"), whole("conll2002/es.val.conllu");
    "es" WikiNeural fit("wikineural/es.val.conllu"), check("wikineural/es.val.conllu");
    "es" WikiAnn whole("wikiann/es.train.conllu"), whole("wikiann/es.val.conllu");
    "fr" WikiNeural fit("wikineural/fr.val.conllu"), check("wikineural/fr.val.conllu");
    "it" WikiNeural fit("wikineural/it.val.conllu"), check("wikineural/it.val.conllu");
    "nl" Conll2002 whole("conll2002/nl.train.conllu"), whole("conll2002/nl.val.conllu");
    "nl" WikiNeural fit("wikineural/nl.val.conllu"), check("wikineural/nl.val.conllu");
    "nl" WikiAnn whole("wikiann/nl.train.conllu"), whole("wikiann/nl.val.conllu");
    "pl" WikiNeural fit("wikineural/pl.val.conllu"), check("wikineural/pl.val.conllu");
    "pl" WikiAnn whole("wikiann/pl.train.conllu"), whole("wikiann/pl.val.conllu");
    "pt" WikiNeural fit("wikineural/pt.val.conllu"), check("wikineural/pt.val.conllu");
    "ru" WikiNeural fit("wikineural/ru.val.conllu"), check("wikineural/ru.val.conllu");
    "ru" WikiAnn whole("wikiann/ru.train.conllu"), whole("wikiann/ru.val.conllu");
};

/// The languages with a source, in table order.
pub fn languages() -> Vec<&'static str> {
    let mut langs: Vec<&'static str> = Vec::new();
    for s in SOURCES {
        if !langs.contains(&s.lang) {
            langs.push(s.lang);
        }
    }
    langs
}

/// The sources of one language.
pub fn sources_of(lang: &str) -> impl Iterator<Item = &'static Source> + '_ {
    SOURCES.iter().filter(move |s| s.lang == lang)
}

/// The source of `lang` in `corpus`, if there is one.
pub fn source(lang: &str, corpus: Corpus) -> Option<&'static Source> {
    sources_of(lang).find(|s| s.corpus == corpus)
}

impl Source {
    /// The file a use of this source reads, relative to the data folder.
    pub fn slice(&self, usage: Use) -> Slice {
        match usage {
            Use::Check => self.check,
            _ => self.fit,
        }
    }

    /// The documents of this source for `usage`, read from `data` (`../shared/eval/ner`).
    pub fn read(&self, data: &Path, usage: Use) -> Result<Vec<Document>> {
        let slice = self.slice(usage);
        let docs = slice.part.select(read_corpus(data.join(slice.file))?);
        Ok(match usage {
            Use::Fit | Use::Check => docs,
            Use::Tune | Use::Dev => {
                let cut = docs.len() * 9 / 10;
                let mut docs = docs;
                let dev = docs.split_off(cut);
                if usage == Use::Tune {
                    docs
                } else {
                    dev
                }
            }
        })
    }
}

impl Use {
    /// How a slice of `part` reads for this use, for descriptions: "whole", "fit", "check", …
    pub fn describe(self, part: Part) -> &'static str {
        match (self, part) {
            (Use::Tune, _) => "first 90 % of the fit",
            (Use::Dev, _) => "last 10 % of the fit",
            (_, Part::All) => "whole",
            (_, p) => p.as_str(),
        }
    }
}

/// What a language's tagger is trained on. [`Recipe::for_language`] is what the shipped
/// taggers use, each choice measured on the development slices (docs/EVALUATION.md, "Named
/// entities in other languages").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipe {
    /// The language's own corpora (for the multilingual tagger: every language's).
    pub corpora: Vec<Corpus>,
    /// Sentences of every other language's WikiNEuRal fit part added (spread evenly over it).
    pub others: usize,
    /// At most this many sentences of each of the language's corpora.
    pub limit: Option<usize>,
    /// Features seen fewer times than this in training are dropped.
    pub min_feature_count: u32,
    /// Whether the Snowball stems of each word and its neighbours are features too.
    pub stems: bool,
}

impl Recipe {
    /// The shipped recipe of `lang` (`xx`: the multilingual tagger).
    ///
    /// - Spanish and Dutch are fitted on CoNLL-2002 and WikiNEuRal, Polish on WikiNEuRal and
    ///   WikiANN, the rest on WikiNEuRal (English keeps CoNLL-2003).
    /// - Names and their contexts carry across the Latin-script languages: 4,000 sentences of
    ///   every other language's WikiNEuRal help each (development F1: fr 0.873 → 0.897, pt 0.871
    ///   → 0.896), 6,000 Italian's (0.881 with 4,000, 0.894 with 6,000, 0.890 with 8,000), not
    ///   Russian (0.757 → 0.745). Spanish takes none: they cost its CoNLL-2002 news, the further
    ///   of its two corpora from the bar of 0.85 (0.763 → 0.744), and WikiNEuRal stays above it
    ///   without them (0.913 → 0.881).
    /// - With them, dropping features seen once or twice halves a tagger (fr: 263,438 → 123,206
    ///   features) at the same development F1 (within ±0.006 each; multilingual 0.828 → 0.827).
    /// - The multilingual tagger takes 3,000 sentences of each language's WikiNEuRal.
    /// - Russian, whose names inflect (Москвы, Москве), takes stem features: development F1
    ///   0.756 → 0.766 (mean of five training orders, each order better); Spanish and Dutch
    ///   gain nothing from them on CoNLL-2002.
    pub fn for_language(lang: &str) -> Recipe {
        let corpora = match lang {
            "en" => vec![Corpus::Conll2003],
            "es" | "nl" => vec![Corpus::Conll2002, Corpus::WikiNeural],
            "pl" => vec![Corpus::WikiNeural, Corpus::WikiAnn],
            _ => vec![Corpus::WikiNeural],
        };
        let others = match lang {
            "en" | "ru" | "es" | MULTILINGUAL => 0,
            "it" => 6000,
            _ => 4000,
        };
        Recipe {
            corpora,
            others,
            limit: (lang == MULTILINGUAL).then_some(3000),
            min_feature_count: if matches!(lang, "en" | "ru") { 1 } else { 3 },
            stems: lang == "ru",
        }
    }
}

/// The sentences a tagger is trained on, the development slices to score it on (when tuning),
/// and a description of them with their terms, which the model file keeps.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    pub docs: Vec<Document>,
    /// Named development slices: filled for [`Use::Tune`] only.
    pub dev: Vec<(String, Vec<Document>)>,
    pub about: String,
}

/// Reads the training set of `lang`'s tagger (`xx`: multilingual) under `data` for `usage`
/// ([`Use::Fit`] for a shipped model, [`Use::Tune`] to measure a choice).
pub fn training_set(data: &Path, lang: &str, recipe: &Recipe, usage: Use) -> Result<TrainingSet> {
    let multilingual = lang == MULTILINGUAL;
    let langs: Vec<&str> = if multilingual { languages() } else { vec![lang] };
    let (mut docs, mut dev, mut used, mut terms) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut take = |corpus: Corpus, docs: &mut Vec<Document>, part: Vec<Document>| {
        if !terms.contains(&corpus.licence()) {
            terms.push(corpus.licence());
        }
        let sentences: usize = part.iter().map(|d| d.sentences.len()).sum();
        docs.extend(part);
        sentences
    };
    for l in &langs {
        for &corpus in &recipe.corpora {
            let Some(source) = source(l, corpus) else {
                if multilingual {
                    continue;
                }
                return Err(NerError::Training(format!("no {} corpus in {l}", corpus.as_str())));
            };
            let mut part = source.read(data, usage)?;
            if let Some(limit) = recipe.limit {
                part = sample(part, limit);
            }
            let slice = source.slice(usage);
            let sentences = take(corpus, &mut docs, part);
            used.push(format!("{} ({} part, {sentences} sentences)", slice.file, usage.describe(slice.part)));
            if usage == Use::Tune {
                dev.push((format!("{l} {}", corpus.as_str()), source.read(data, Use::Dev)?));
            }
        }
    }
    if recipe.others > 0 && !multilingual {
        let mut added = 0;
        for l in languages().into_iter().filter(|l| *l != lang) {
            let Some(source) = source(l, Corpus::WikiNeural) else { continue };
            added += take(Corpus::WikiNeural, &mut docs, sample(source.read(data, usage)?, recipe.others));
        }
        used.push(format!(
            "{added} sentences of the other languages' wikineural/LANG.val.conllu ({} part)",
            usage.describe(Part::Fit)
        ));
    }
    if docs.is_empty() {
        return Err(NerError::Training(format!("no training sentences for {lang}")));
    }
    let about = format!(
        "storyline NER tagger for {}, trained on {}. Terms of the training data: {}.",
        if multilingual { "any language (multilingual)" } else { lang },
        used.join(", "),
        terms.join("; ")
    );
    Ok(TrainingSet { docs, dev, about })
}

/// Up to `limit` documents spread evenly over `docs` (every k-th), keeping their order.
pub fn sample(docs: Vec<Document>, limit: usize) -> Vec<Document> {
    if docs.len() <= limit || limit == 0 {
        return docs;
    }
    let n = docs.len();
    docs.into_iter().enumerate().filter(|(i, _)| (i * limit) / n != ((i + 1) * limit) / n).map(|(_, d)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_of_the_issue_has_a_source_and_one_check_per_corpus() {
        for lang in ["en", "de", "es", "fr", "it", "nl", "pl", "pt", "ru"] {
            assert!(sources_of(lang).any(|s| s.corpus == Corpus::WikiNeural), "{lang}");
        }
        for (i, a) in SOURCES.iter().enumerate() {
            assert!(!SOURCES[..i].iter().any(|b| b.lang == a.lang && b.corpus == a.corpus));
            // A file either has its own check file or is cut in two.
            if a.fit.file == a.check.file {
                assert_eq!((a.fit.part, a.check.part), (Part::Fit, Part::Check));
            }
        }
    }

    #[test]
    fn every_recipe_names_corpora_its_language_has() {
        for lang in languages() {
            let recipe = Recipe::for_language(lang);
            for corpus in &recipe.corpora {
                assert!(source(lang, *corpus).is_some(), "{lang} has no {}", corpus.as_str());
            }
        }
        // Russian gains nothing from the Latin-script languages, nor Spanish's news corpus;
        // English keeps CoNLL-2003.
        assert_eq!(Recipe::for_language("ru").others, 0);
        assert_eq!(Recipe::for_language("es").others, 0);
        assert_eq!(Recipe::for_language("en").corpora, [Corpus::Conll2003]);
        assert_eq!(Recipe::for_language(MULTILINGUAL).limit, Some(3000));
    }

    #[test]
    fn samples_are_spread_and_sized() {
        let docs: Vec<Document> = (0..10).map(|_| Document::default()).collect();
        assert_eq!(sample(docs.clone(), 3).len(), 3);
        assert_eq!(sample(docs.clone(), 20).len(), 10);
    }
}
