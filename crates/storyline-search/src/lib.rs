//! Full-text search over storyline's articles: an embedded tantivy index kept in a folder beside
//! the store file (`storyline.db` → `storyline.db.search/`).
//!
//! The store knows nothing of this index. The index remembers the arrival number of the last
//! article it holds (in its commit payload) and [`SearchIndex::sync`] adds whatever the store
//! received since, so articles ingested by any route — the CLI, the HTTP API, a watched folder —
//! become searchable at the next sync. [`SearchIndex::rebuild`] starts over from the store.
//!
//! ```
//! use storyline_search::SearchIndex;
//! use storyline_store::Store;
//! let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(&dir.path().join("s.db")).unwrap();
//! let index = SearchIndex::open(&dir.path().join("s.db.search")).unwrap();
//! assert_eq!(index.sync(&store).unwrap(), 0);
//! assert_eq!(index.search("Misrata", 10, 0).unwrap().total, 0);
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use storyline_store::Store;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, INDEXED, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("cannot create the search index folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("store error while indexing: {0}")]
    Store(#[from] storyline_store::StoreError),
    #[error("the search index writer lock was poisoned by a panic")]
    Poisoned,
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// The tokenizer: words, lower-cased, accents folded, so "Çavuşoğlu" matches "Cavusoglu".
const ANALYZER: &str = "storyline_folded";
/// Articles read from the store per round while catching up.
const SYNC_CHUNK: usize = 500;
/// Characters of body text around the matches in a result.
const SNIPPET_CHARS: usize = 220;
/// The writer's memory budget (tantivy needs at least 15 MB per indexing thread).
const WRITER_HEAP_BYTES: usize = 32_000_000;

/// The index folder that belongs to a store file: `storyline.db` → `storyline.db.search`.
pub fn index_dir_for(db_path: &Path) -> PathBuf {
    // A PostgreSQL store (its URL given as the path): an index in the working folder, named by
    // the server, port and database, each server process keeping its own.
    let location = db_path.to_string_lossy();
    if storyline_store::is_postgres_location(&location) {
        let shown = storyline_store::redacted_location(&location);
        let place = shown.split_once("://").map_or(shown.as_str(), |(_, rest)| rest);
        let place = place.rsplit_once('@').map_or(place, |(_, host)| host);
        let name: String = place.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
        return PathBuf::from(format!("postgres-{name}.search"));
    }
    let mut name = db_path.as_os_str().to_owned();
    name.push(".search");
    PathBuf::from(name)
}

/// A part of a highlighted text: `mark` is true where the query matched.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

/// One matching article.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchHit {
    pub id: String,
    pub event: i64,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub language: Option<String>,
    pub published: Option<String>,
    pub score: f32,
    /// The title with matches marked (the whole title).
    pub title_highlight: Vec<Segment>,
    /// The passage of the body that matches best, with matches marked.
    pub snippet: Vec<Segment>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchResults {
    /// Matching articles in all pages.
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

struct Fields {
    id: Field,
    seq: Field,
    event: Field,
    title: Field,
    text: Field,
    outlet: Field,
    language: Field,
    published: Field,
}

/// An open search index. Reads run concurrently; writes (sync, rebuild) take turns.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// Arrival number of the last article in the index.
    watermark: AtomicI64,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text_options = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        seq: builder.add_i64_field("seq", INDEXED | STORED),
        event: builder.add_i64_field("event", STORED),
        title: builder.add_text_field("title", text_options.clone()),
        text: builder.add_text_field("text", text_options),
        outlet: builder.add_text_field("outlet", STRING | STORED),
        language: builder.add_text_field("language", STRING | STORED),
        published: builder.add_text_field("published", STORED),
    };
    (builder.build(), fields)
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the folder) if needed.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)
            .map_err(|source| SearchError::Folder { path: dir.display().to_string(), source })?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let index = Index::open_or_create(directory, schema)?;
        index.tokenizers().register(
            ANALYZER,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let watermark = index.load_metas()?.payload.and_then(|p| p.parse().ok()).unwrap_or(0);
        let writer = index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, writer: Mutex::new(writer), fields, watermark: AtomicI64::new(watermark) })
    }

    /// The arrival number of the last article the index holds.
    pub fn watermark(&self) -> i64 {
        self.watermark.load(Ordering::SeqCst)
    }

    /// Adds every article the store received since the last sync; returns how many.
    pub fn sync(&self, store: &Store) -> Result<usize> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        // Another caller may have synced while this one waited for the lock.
        if store.last_article_seq()? <= self.watermark() {
            return Ok(0);
        }
        self.add_since(&mut writer, store, self.watermark())
    }

    /// Empties the index and indexes every stored article again; returns how many.
    pub fn rebuild(&self, store: &Store) -> Result<usize> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        writer.delete_all_documents()?;
        self.add_since(&mut writer, store, 0)
    }

    fn add_since(&self, writer: &mut IndexWriter, store: &Store, mut watermark: i64) -> Result<usize> {
        let f = &self.fields;
        let mut added = 0;
        loop {
            let chunk = store.articles_after(watermark, SYNC_CHUNK)?;
            let Some(last) = chunk.last() else { break };
            watermark = last.seq;
            for arrived in &chunk {
                let a = &arrived.article;
                let mut doc = TantivyDocument::default();
                doc.add_text(f.id, &a.id);
                doc.add_i64(f.seq, arrived.seq);
                doc.add_i64(f.event, arrived.event);
                if let Some(title) = &a.title {
                    doc.add_text(f.title, title);
                }
                doc.add_text(f.text, &a.text);
                if let Some(outlet) = &a.outlet {
                    doc.add_text(f.outlet, outlet);
                }
                if let Some(language) = &a.language {
                    doc.add_text(f.language, &language.code);
                }
                if let Some(published) = a.published {
                    doc.add_text(f.published, published.to_rfc3339());
                }
                writer.add_document(doc)?;
                added += 1;
            }
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&watermark.to_string());
        commit.commit()?;
        self.reader.reload()?;
        self.watermark.store(watermark, Ordering::SeqCst);
        Ok(added)
    }

    /// Articles matching `query`, best first. Words must all match (AND); quotes make phrases;
    /// query syntax errors are forgiven rather than reported, since people type freely.
    pub fn search(&self, query: &str, limit: usize, offset: usize) -> Result<SearchResults> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 2.0);
        let (query, _errors) = parser.parse_query_lenient(query);
        let (top, total) = searcher
            .search(&*query, &(TopDocs::with_limit(limit.max(1)).and_offset(offset).order_by_score(), Count))?;
        let mut text_snippets = SnippetGenerator::create(&searcher, &*query, f.text)?;
        text_snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut title_snippets = SnippetGenerator::create(&searcher, &*query, f.title)?;
        title_snippets.set_max_num_chars(1000);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top.into_iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            let int = |field: Field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or_default();
            let title = text(f.title);
            let title_snippet = title_snippets.snippet_from_doc(&doc);
            let title_highlight = match &title {
                // The snippet of a short field is the whole field; fall back to it unmarked.
                Some(t) if title_snippet.fragment() == t => {
                    segments(title_snippet.fragment(), title_snippet.highlighted())
                }
                Some(t) => vec![Segment { text: t.clone(), mark: false }],
                None => Vec::new(),
            };
            let body = text_snippets.snippet_from_doc(&doc);
            let snippet = if body.fragment().is_empty() {
                let opening: String = text(f.text).unwrap_or_default().chars().take(SNIPPET_CHARS).collect();
                vec![Segment { text: opening, mark: false }]
            } else {
                segments(body.fragment(), body.highlighted())
            };
            hits.push(SearchHit {
                id: text(f.id).unwrap_or_default(),
                event: int(f.event),
                title,
                outlet: text(f.outlet),
                language: text(f.language),
                published: text(f.published),
                score,
                title_highlight,
                snippet,
            });
        }
        Ok(SearchResults { total, hits })
    }
}

/// Splits `fragment` into unmarked and marked parts at the highlighted byte ranges.
fn segments(fragment: &str, highlighted: &[std::ops::Range<usize>]) -> Vec<Segment> {
    let mut parts = Vec::new();
    let mut at = 0;
    for range in highlighted {
        let (Some(before), Some(marked)) = (fragment.get(at..range.start), fragment.get(range.clone())) else {
            continue;
        };
        if !before.is_empty() {
            parts.push(Segment { text: before.to_string(), mark: false });
        }
        parts.push(Segment { text: marked.to_string(), mark: true });
        at = range.end;
    }
    if let Some(rest) = fragment.get(at..).filter(|rest| !rest.is_empty()) {
        parts.push(Segment { text: rest.to_string(), mark: false });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_model::{Article, SourceFormat};
    use storyline_store::NewArticle;

    fn add(store: &mut Store, id: &str, title: &str, text: &str) {
        let mut article = Article::new(id, text, SourceFormat::Text);
        article.title = Some(title.to_string());
        let batch = store.batch().unwrap();
        let terms = vec![("x".to_string(), 1.0)];
        let event = batch.create_event(&terms, 10).unwrap();
        let new = NewArticle {
            article: &article,
            text_hash: id.len() as u64 + text.len() as u64,
            screen: &[1],
            band_keys: &[1],
            terms: &terms,
            indexed_terms: 10,
            event,
        };
        batch.insert_article(&new).unwrap();
        batch.commit().unwrap();
    }

    #[test]
    fn syncs_incrementally_searches_with_highlights_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let index_dir = index_dir_for(&dir.path().join("s.db"));
        add(&mut store, "a", "Deal signed in Tripoli", "Ministers met in Misrata on Monday. Çavuşoğlu spoke.");
        add(&mut store, "b", "Weather", "Rain in Oslo.");
        let index = SearchIndex::open(&index_dir).unwrap();
        assert_eq!(index.sync(&store).unwrap(), 2);
        assert_eq!(index.sync(&store).unwrap(), 0);

        let results = index.search("misrata", 10, 0).unwrap();
        assert_eq!(results.total, 1);
        let hit = &results.hits[0];
        assert_eq!(hit.id, "a");
        assert!(hit.snippet.iter().any(|s| s.mark && s.text == "Misrata"), "{:?}", hit.snippet);
        // Accents folded: plain ASCII finds the Turkish spelling.
        assert_eq!(index.search("cavusoglu", 10, 0).unwrap().total, 1);
        let titled = index.search("tripoli", 10, 0).unwrap();
        assert!(titled.hits[0].title_highlight.iter().any(|s| s.mark && s.text == "Tripoli"));
        // Broken syntax is forgiven, not an error.
        assert_eq!(index.search("misrata AND (", 10, 0).unwrap().total, 1);
        assert_eq!(index.search("\"'; DROP TABLE articles; --", 10, 0).unwrap().total, 0);

        add(&mut store, "c", "More", "Misrata again.");
        drop(index);
        let index = SearchIndex::open(&index_dir).unwrap();
        assert_eq!(index.watermark(), 2);
        assert_eq!(index.sync(&store).unwrap(), 1);
        assert_eq!(index.search("misrata", 10, 0).unwrap().total, 2);
        assert_eq!(index.search("misrata", 1, 1).unwrap().hits.len(), 1);
        assert_eq!(index.rebuild(&store).unwrap(), 3);
        assert_eq!(index.search("misrata", 10, 0).unwrap().total, 2);
    }

    #[test]
    fn segments_split_at_highlights() {
        let parts = segments("a Misrata b", &[2..9]);
        assert_eq!(
            parts.iter().map(|s| (s.text.as_str(), s.mark)).collect::<Vec<_>>(),
            [("a ", false), ("Misrata", true), (" b", false)]
        );
    }
}
