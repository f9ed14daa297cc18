//! The data types that cross storyline's pipeline stages.
//!
//! Every stage speaks these types and nothing else: ingest produces [`Article`]s, dedup produces
//! [`DuplicateRelation`]s, clustering produces [`EventAssignment`]s, and the store persists all
//! three. Keeping them in one small crate is what lets the stages stay independent of each other.
//!
//! ```
//! use storyline_model::{Article, SourceFormat};
//! let article = Article::new("000_ea50157a1f620560", "Turkey and Qatar have signed a deal.", SourceFormat::Text);
//! assert_eq!(article.id, "000_ea50157a1f620560");
//! assert!(article.removed.is_empty());
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod entities;
pub use entities::{Disagreement, Entity, EntityId, EntityType, Mention, Quote};

/// A stable article identifier: the file stem for files, else derived from the URL or content.
pub type ArticleId = String;

/// An event (a cluster of articles about one happening), numbered by the store.
pub type EventId = i64;

/// One news article, cleaned and ready for the later stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    pub url: Option<String>,
    pub title: Option<String>,
    /// Clean body text without the title; paragraphs separated by a blank line.
    pub text: String,
    /// The outlet (publisher) name, e.g. "Middle East Monitor".
    pub outlet: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub language: Option<Language>,
    pub source: Source,
    /// Everything ingest cut from the input (web clutter, outlet suffixes), so nothing is lost silently.
    pub removed: Vec<RemovedText>,
}

/// What [`Article::full_text`] puts between the title and the body.
const TITLE_SEPARATOR: &str = "\n\n";

impl Article {
    /// An article with only an id and a body; everything else empty.
    pub fn new(id: impl Into<ArticleId>, text: impl Into<String>, format: SourceFormat) -> Self {
        Article {
            id: id.into(),
            url: None,
            title: None,
            text: text.into(),
            outlet: None,
            author: None,
            published: None,
            language: None,
            source: Source { path: None, format },
            removed: Vec::new(),
        }
    }

    /// Title and body as one text, the form most similarity measures want.
    pub fn full_text(&self) -> String {
        match &self.title {
            Some(title) if !title.is_empty() => format!("{title}{TITLE_SEPARATOR}{}", self.text),
            _ => self.text.clone(),
        }
    }

    /// The detected language's ISO 639-1 code, when there is one.
    pub fn language_code(&self) -> Option<&str> {
        self.language.as_ref().map(|l| l.code.as_str())
    }

    /// Where [`Article::text`] starts in [`Article::full_text`].
    pub fn body_offset(&self) -> usize {
        match &self.title {
            Some(title) if !title.is_empty() => title.len() + TITLE_SEPARATOR.len(),
            _ => 0,
        }
    }
}

/// A detected language: ISO 639-1 code and the detector's confidence in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    pub code: String,
    pub confidence: f32,
}

/// Where an article came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The file it was read from (and line, for JSON Lines: `path:LINE`).
    pub path: Option<String>,
    pub format: SourceFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Text,
    Html,
    Jsonl,
    /// A page read from a web archive (WARC) response record.
    Warc,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Text => "text",
            SourceFormat::Html => "html",
            SourceFormat::Jsonl => "jsonl",
            SourceFormat::Warc => "warc",
        }
    }
}

/// A piece of input that ingest cut, with the reason it was cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedText {
    pub text: String,
    /// Why it was cut, e.g. "related-link", "comment-prompt", "outlet-suffix".
    pub reason: String,
}

/// An input that could not become an article, and why. Reported, never silently dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file (and line, for JSON Lines) that was skipped.
    pub origin: String,
    pub reason: String,
}

/// The kinds of duplicate relation storyline records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateKind {
    /// The same text after normalisation.
    Exact,
    /// Mostly the same words in the same order (MinHash over word shingles).
    NearDuplicate,
    /// Rewritten from another article: most sentences have an in-order reworded counterpart.
    Republication,
}

impl DuplicateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateKind::Exact => "exact",
            DuplicateKind::NearDuplicate => "near_duplicate",
            DuplicateKind::Republication => "republication",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "exact" => Some(DuplicateKind::Exact),
            "near_duplicate" => Some(DuplicateKind::NearDuplicate),
            "republication" => Some(DuplicateKind::Republication),
            _ => None,
        }
    }
}

/// `copy` duplicates `original` (the one that was published, or arrived, first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateRelation {
    pub original: ArticleId,
    pub copy: ArticleId,
    pub kind: DuplicateKind,
    /// Strength of the relation in [0, 1]; its meaning depends on the kind (see `evidence`).
    pub score: f32,
    pub evidence: Evidence,
}

/// Why two articles were judged duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// Both texts normalise to the same hash.
    SameText { hash: String },
    /// Estimated Jaccard similarity of word shingles, from MinHash signatures.
    Shingles { estimated_jaccard: f32, shingle_size: usize },
    /// Sentences aligned in order between the two articles.
    AlignedSentences {
        /// Share of the copy's sentences that have a counterpart in the original.
        copy_coverage: f32,
        /// Share of the original's sentences that have a counterpart in the copy.
        original_coverage: f32,
        pairs: Vec<AlignedSentence>,
    },
}

/// One sentence of the original aligned with its rewritten counterpart in the copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlignedSentence {
    /// Sentence index in the original and in the copy.
    pub original_index: usize,
    pub copy_index: usize,
    pub original: String,
    pub copy: String,
    pub similarity: f32,
}

/// Where clustering put an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventAssignment {
    pub article: ArticleId,
    pub event: EventId,
    /// Similarity to the event it joined; `None` when it opened a new event.
    pub similarity: Option<f32>,
}
