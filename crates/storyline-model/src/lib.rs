//! The data types that cross storyline's pipeline stages.
//!
//! Every stage speaks these types and nothing else: ingest produces [`Article`]s (or a
//! [`Skipped`] with its reason), dedup produces [`DuplicateRelation`]s, clustering decides an
//! [`EventId`] for each article, and the store persists them. Keeping them in one small crate is what lets the stages stay independent of each other.
//!
//! ```
//! use storyline_model::{Article, SourceFormat};
//! let article = Article::new("000_ea50157a1f620560", "Turkey and Qatar have signed a deal.", SourceFormat::Text);
//! assert_eq!(article.id, "000_ea50157a1f620560");
//! assert!(article.removed.is_empty());
//! ```

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use serde::{Deserialize, Serialize};

mod entities;
pub mod int4;
pub mod int6;
pub mod int8;
pub use entities::{Disagreement, Entity, EntityId, EntityType, Location, Mention, Quote};
pub use int4::Int4Vector;
pub use int6::Int6Vector;
pub use int8::Int8Vector;

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
    /// The moment of publication. Its day is [`Article::publication_day`], not this value's UTC day.
    pub published: Option<DateTime<Utc>>,
    /// The UTC offset, in seconds east, that `published` was stated in: an article's day is the
    /// local day its source gave (an evening in New York is already the next day in UTC).
    #[serde(default)]
    pub published_offset: Option<i32>,
    /// Where `published` came from.
    #[serde(default)]
    pub date_source: Option<DateSource>,
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
            published_offset: None,
            date_source: None,
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

    /// Sets the publication date as its source stated it, keeping the stated offset.
    pub fn set_published(&mut self, stated: DateTime<FixedOffset>, source: DateSource) {
        self.published = Some(stated.with_timezone(&Utc));
        self.published_offset = Some(stated.offset().local_minus_utc());
        self.date_source = Some(source);
    }

    /// The publication date in the offset its source stated (UTC when none was stated).
    pub fn published_local(&self) -> Option<DateTime<FixedOffset>> {
        let offset = self.published_offset.and_then(FixedOffset::east_opt).unwrap_or_else(|| Utc.fix());
        self.published.map(|instant| instant.with_timezone(&offset))
    }

    /// The day the article was published on, as its source dated it.
    pub fn publication_day(&self) -> Option<NaiveDate> {
        self.published_local().map(|local| local.date_naive())
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

/// Where an article's publication date came from, most trustworthy first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// The article's own metadata: `<meta>` tags, JSON-LD, a JSON Lines record's `published`.
    Metadata,
    /// A `<time>` element (or `itemprop=datePublished`) in the page.
    TimeElement,
    /// The feed item the article was fetched from.
    Feed,
    /// The date in the article's URL path (`/2019/11/18/`, `/20191118/`).
    Url,
    /// The date in the name of a folder the file was read from (`2011-03-19/`).
    Folder,
    /// When a web archive captured the page (`WARC-Date`): the page was published by then.
    Archive,
}

impl DateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::Metadata => "metadata",
            DateSource::TimeElement => "time_element",
            DateSource::Feed => "feed",
            DateSource::Url => "url",
            DateSource::Folder => "folder",
            DateSource::Archive => "archive",
        }
    }

    /// Where the date came from, in words ("published: … (from the URL path)").
    pub fn describe(self) -> &'static str {
        match self {
            DateSource::Metadata => "page's metadata",
            DateSource::TimeElement => "page's <time> element",
            DateSource::Feed => "feed item",
            DateSource::Url => "URL path",
            DateSource::Folder => "folder name",
            DateSource::Archive => "archive's capture date",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Metadata, Self::TimeElement, Self::Feed, Self::Url, Self::Folder, Self::Archive]
            .into_iter()
            .find(|source| source.as_str() == s)
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
