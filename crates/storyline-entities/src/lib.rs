//! Who is in the news: entity mentions, cross-document alias resolution, and quotes with their
//! speakers.
//!
//! Data path, per article: full text → tokens → the statistical tagger of `storyline-ner` →
//! rule repairs and gazetteers ([`extract`]) → the article's entities (in-document
//! coreference) and quotes with speakers ([`quotes`]) — all pure, run in parallel at ingest.
//! Then, in arrival order, [`resolve()`] matches each of the article's entities against the stored
//! ones through an [`EntityIndex`] (the store) and returns mentions and quotes that point at
//! stored entities. Places (LOC, GPE) carry a country code or GeoNames id when a gazetteer knew
//! them, for geocoding to build on.
//!
//! ```
//! use storyline_entities::{Extractor, Gazetteer};
//! use storyline_model::EntityType;
//! use storyline_ner::{conll, Tagger, TrainConfig};
//!
//! // A toy tagger; real ones come from `storyline train-ner` on CoNLL-2003.
//! let corpus = "Hulusi NNP O B-PER\nAkar NNP O I-PER\nvisited VBD O O\nTripoli NNP O B-LOC\n. . O O\n";
//! let docs = conll::parse_conll(corpus, "example").unwrap();
//! let tagger = Tagger::train(&docs, &TrainConfig { min_feature_count: 1, ..TrainConfig::default() });
//! let extractor = Extractor::new(tagger, Gazetteer::built_in());
//!
//! let text = "Turkish Defence Minister Hulusi Akar visited Tripoli. “We are here,” Akar said.";
//! let found = extractor.extract_text(text);
//! let akar = found.entities.iter().position(|e| e.name == "Hulusi Akar").unwrap();
//! assert_eq!(found.entities[akar].kind, EntityType::Person);
//! assert_eq!(found.entities[akar].roles, ["Turkish Defence Minister"]);
//! assert_eq!(found.quotes[0].speaker, Some(akar));
//! ```

mod clean;
mod extract;
pub mod gazetteer;
pub mod normalize;
mod quotes;
pub mod resolve;
mod words;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use storyline_model::{Article, EntityType, Location};
use storyline_ner::{Tagger, Taggers};

pub use gazetteer::Gazetteer;
pub use resolve::{plan, resolve, Candidate, EntityIndex, ResolutionPlan, Resolved};

#[derive(Debug, thiserror::Error)]
pub enum EntitiesError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the entity tagger model {path} is missing; build it with `bash scripts/setup.d/60-ner-model.sh` or `storyline train-ner --train ../shared/eval/ner/conll2003.train.txt --out {path}`")]
    MissingModel { path: String },
    #[error(transparent)]
    Ner(#[from] storyline_ner::NerError),
}

/// A mention in one article, pointing at one of the article's entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocMention {
    pub text: String,
    pub kind: EntityType,
    pub byte_start: usize,
    pub byte_end: usize,
    pub sentence: usize,
    pub role: Option<String>,
    /// Index into [`Extraction::entities`].
    pub entity: usize,
}

/// An entity as one article knows it: all the names it goes by there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocEntity {
    pub kind: EntityType,
    pub name: String,
    pub forms: Vec<String>,
    pub roles: Vec<String>,
    pub country: Option<String>,
    pub geonameid: Option<i64>,
    pub acronyms: Vec<String>,
    pub kind_votes: BTreeMap<EntityType, u32>,
    /// Where the place is: filled by a geocoding step after extraction, when one runs.
    pub location: Option<Location>,
}

/// A quote in one article; `speaker` indexes [`Extraction::entities`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocQuote {
    pub text: String,
    pub byte_start: usize,
    pub byte_end: usize,
    pub sentence: usize,
    pub speaker: Option<usize>,
    pub speaker_text: Option<String>,
    pub cue: Option<String>,
}

/// Everything found in one article, before resolution against other articles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    pub mentions: Vec<DocMention>,
    pub entities: Vec<DocEntity>,
    pub quotes: Vec<DocQuote>,
}

/// Finds entities and quotes in articles. Load it once and share it: it holds the tagger.
#[derive(Debug, Clone)]
pub struct Extractor {
    taggers: Taggers,
    gazetteer: Gazetteer,
}

/// The tagger model's path in a models folder.
pub fn model_path(models: &Path) -> PathBuf {
    models.join("ner.bin")
}

impl Extractor {
    pub fn new(tagger: Tagger, gazetteer: Gazetteer) -> Extractor {
        Extractor { taggers: Taggers::single(tagger), gazetteer }
    }

    /// An extractor that tags each language with its own tagger (see [`Taggers`]).
    pub fn with_taggers(taggers: Taggers, gazetteer: Gazetteer) -> Extractor {
        Extractor { taggers, gazetteer }
    }

    /// The taggers, by language.
    pub fn taggers(&self) -> &Taggers {
        &self.taggers
    }

    /// Loads `ner.bin`, the per-language taggers `ner/LANG.bin` and the multilingual
    /// `ner/xx.bin` where built, and the gazetteer (`entities/places.tsv`, if built) from a
    /// models folder.
    pub fn load(models: &Path) -> Result<Extractor, EntitiesError> {
        let path = model_path(models);
        if !path.exists() {
            return Err(EntitiesError::MissingModel { path: path.display().to_string() });
        }
        Ok(Extractor { taggers: Taggers::load(models)?, gazetteer: Gazetteer::load(models)? })
    }

    /// Entities and quotes of an article, tagged by the tagger of its detected language;
    /// offsets point into [`Article::full_text`].
    pub fn extract(&self, article: &Article) -> Extraction {
        self.extract_text_in(&article.full_text(), article.language_code())
    }

    /// Entities and quotes of a text, by the primary (English) tagger and English function words.
    pub fn extract_text(&self, text: &str) -> Extraction {
        self.extract_text_in(text, None)
    }

    /// Entities and quotes of a text in `language` (ISO 639-1: it picks the tagger, and the
    /// language's function words are never names; `None`: the primary tagger, English words).
    pub fn extract_text_in(&self, text: &str, language: Option<&str>) -> Extraction {
        let (toks, sentences) = extract::tokens(text);
        if toks.is_empty() {
            return Extraction::default();
        }
        let grouped = self.mentions(text, &toks, &sentences, language);
        let quotes = quotes::find_quotes(text, &toks, &grouped, &self.gazetteer);
        let mentions = grouped.mentions(text, &toks);
        Extraction { mentions, entities: grouped.entities, quotes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_ner::{conll, TrainConfig};

    fn toy_extractor() -> Extractor {
        let corpus = "Hulusi NNP O B-PER\nAkar NNP O I-PER\nvisited VBD O O\nTripoli NNP O B-LOC\n. . O O\n";
        let docs = conll::parse_conll(corpus, "toy").expect("corpus");
        let tagger = Tagger::train(&docs, &TrainConfig { min_feature_count: 1, ..TrainConfig::default() });
        Extractor::new(tagger, Gazetteer::built_in())
    }

    /// A long article is read like a short one: thousands of quotes, pronouns and hyphenated
    /// names, each resolved as in a single paragraph (lookups, not scans of the whole article).
    #[test]
    fn a_long_article_is_read_like_its_paragraphs() {
        let paragraph = "Turkish Defence Minister Hulusi Akar visited the Tripoli-based government. \
                         “We are here to stay,” he said.\n\n";
        let extractor = toy_extractor();
        let speakers = |found: &Extraction| -> Vec<Option<String>> {
            found.quotes.iter().map(|quote| quote.speaker.map(|e| found.entities[e].name.clone())).collect()
        };
        let one = extractor.extract_text(paragraph);
        assert_eq!(one.quotes.len(), 1);
        assert!(one.quotes[0].speaker.is_some());
        let repeats = 3000;
        let long = extractor.extract_text(&paragraph.repeat(repeats));
        assert_eq!(speakers(&long), vec![speakers(&one)[0].clone(); repeats]);
        assert_eq!(long.mentions.len(), one.mentions.len() * repeats);
        assert_eq!(long.entities.len(), one.entities.len());
    }
}
