//! A statistical named-entity tagger for news text, trained by storyline itself.
//!
//! It finds people, organisations, locations and other names (nationalities, events, …) in
//! article text so that later stages can link stories by who and where they are about. The model
//! is a structured averaged perceptron over BILOU labels with Viterbi decoding; features are
//! word forms, shapes, affixes, context, names listed in the training data, and evidence from
//! the rest of the same story (a word in an all-caps headline that is capitalised mid-sentence
//! further down is probably a name). It uses no part-of-speech tags, since article text at run
//! time has none. There is one model per language ([`Taggers`] picks it by the article's
//! language): English from CoNLL-2003; German, Spanish, French, Italian, Dutch, Polish,
//! Portuguese and Russian from the fit parts of CoNLL-2002, WikiANN and WikiNEuRal
//! ([`corpora`]); a multilingual one for the rest.
//!
//! Data path: corpus file (CoNLL-2003 or `.conllu`) → [`conll::Document`]s → [`Tagger::train`]
//! → [`Tagger::save`]; at run time [`Taggers::load`] → [`Taggers::for_language`] →
//! [`Tagger::tag_text`] → [`Mention`]s.
//!
//! ```
//! use storyline_ner::{conll, EntityKind, Tagger, TrainConfig};
//!
//! // A toy corpus; real models come from `train_from_conll` on CoNLL-2003.
//! let corpus = "Hulusi NNP O B-PER\nAkar NNP O I-PER\nvisited VBD O O\nTripoli NNP O B-LOC\n. . O O\n";
//! let docs = conll::parse_conll(corpus, "example").unwrap();
//! let tagger = Tagger::train(&docs, &TrainConfig { min_feature_count: 1, ..TrainConfig::default() });
//!
//! let mentions = tagger.tag_text("Hulusi Akar visited Tripoli.");
//! assert_eq!(mentions[0].text, "Hulusi Akar");
//! assert_eq!(mentions[0].kind, EntityKind::Person);
//! assert_eq!(mentions[0].kind.as_str(), "PER");
//! ```
//!
//! Where is what: `conll` reads corpora and scores predictions; `corpora` names the labelled
//! corpora and how each file is split; `taggers` chooses a tagger by language; `features` turns tokens into
//! hashed features; `perceptron` holds decoding and the learning rule; `tagger` trains and
//! applies models; `model_file` is the on-disk format; `tokenize` cuts raw text the way the
//! training data was cut.

pub mod conll;
pub mod corpora;
mod entity;
mod error;
mod features;
mod gazetteer;
pub mod given_names;
mod model_file;
mod perceptron;
mod tagger;
mod taggers;
pub mod tokenize;

pub use conll::{evaluate, Document, Report, Scores, Sentence};
pub use entity::{EntityKind, Span};
pub use error::{NerError, Result};
pub use model_file::verify_file;
pub use tagger::{EpochProgress, Mention, Tagger, TrainConfig};
pub use taggers::{language_path, primary_path, Choice, Taggers, MULTILINGUAL};

use std::path::Path;

/// Trains a tagger on a CoNLL-2003 file.
pub fn train_from_conll(path: impl AsRef<Path>, config: &TrainConfig) -> Result<Tagger> {
    let docs = conll::read_conll(path.as_ref())?;
    if docs.is_empty() {
        return Err(NerError::Training(format!("{} holds no sentences", path.as_ref().display())));
    }
    Ok(Tagger::train(&docs, config))
}

/// Tags every story of `docs` and scores the result against their gold entities.
pub fn evaluate_documents(tagger: &Tagger, docs: &[Document]) -> Report {
    let mut gold = Vec::new();
    let mut predicted = Vec::new();
    for doc in docs {
        let tokens = doc.token_lists();
        predicted.extend(tagger.tag_document(&tokens));
        gold.extend(doc.sentences.iter().map(|s| s.entities.clone()));
    }
    evaluate(&gold, &predicted)
}

/// Scores `tagger` on a corpus file (CoNLL-2003 or `.conllu`), with exact span match as
/// `conlleval` does.
pub fn evaluate_file(tagger: &Tagger, conll_path: impl AsRef<Path>) -> Result<Report> {
    let docs = conll::read_corpus(conll_path)?;
    Ok(evaluate_documents(tagger, &docs))
}
