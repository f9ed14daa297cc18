//! Paged listings for the HTTP API and the search index: articles with filters, events by page,
//! and articles in arrival order after a watermark (what an external index has not seen yet).

use crate::db::Value;
use chrono::{DateTime, Utc};
use serde::Serialize;
use storyline_model::{Article, EventId};

use crate::batch::{read_article, stated_date, ARTICLE_COLUMNS, ARTICLE_COLUMN_COUNT};
use crate::db::params;
use crate::queries::EventSummary;
use crate::{Result, Store};

/// Which articles a listing shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// ISO 639-1 code, e.g. "en".
    pub language: Option<String>,
    /// Exact outlet name.
    pub outlet: Option<String>,
    /// Published at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Published before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only articles of this event.
    pub event: Option<EventId>,
}

/// An article as a listing shows it: metadata and the opening of its text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleSummary {
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub language: Option<String>,
    pub event: EventId,
    /// The first characters of the body, cut at a word boundary.
    pub excerpt: String,
}

/// One page of a listing and the number of items on all pages.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// An article with its arrival number (the store's order of arrival) and its event.
#[derive(Debug, Clone)]
pub struct ArrivedArticle {
    pub seq: i64,
    pub event: EventId,
    pub article: Article,
}

const EXCERPT_CHARS: usize = 240;

impl Store {
    /// Articles matching `filter`, newest first (by publication date, then arrival).
    pub fn articles_page(&self, filter: &ArticleFilter, limit: usize, offset: usize) -> Result<Page<ArticleSummary>> {
        let mut conditions = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |condition: &str, value: Value| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("?{}", values.len())));
        };
        if let Some(language) = &filter.language {
            bind("language = ?", Value::Text(language.clone()));
        }
        if let Some(outlet) = &filter.outlet {
            bind("outlet = ?", Value::Text(outlet.clone()));
        }
        if let Some(from) = filter.from {
            bind("published >= ?", Value::Text(from.to_rfc3339()));
        }
        if let Some(to) = filter.to {
            bind("published < ?", Value::Text(to.to_rfc3339()));
        }
        if let Some(event) = filter.event {
            bind("event_id = ?", Value::Integer(event));
        }
        let condition = if conditions.is_empty() { "1".to_string() } else { conditions.join(" AND ") };
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM articles WHERE {condition}"),
            crate::db::params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        let n = values.len();
        values.push(Value::Integer(limit as i64));
        values.push(Value::Integer(offset as i64));
        let sql = format!(
            "SELECT id, title, url, outlet, published, language, event_id, text, published_offset FROM articles
             WHERE {condition} ORDER BY published IS NULL, published DESC, seq DESC LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        );
        let items = self
            .conn
            .prepare_cached(&sql)?
            .query_map(crate::db::params_from_iter(values.iter()), |r| {
                let text = crate::stored_text::read_opening(r.get_ref(7)?, EXCERPT_CHARS * 2)?;
                Ok(ArticleSummary {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    url: r.get(2)?,
                    outlet: r.get(3)?,
                    published: stated_date(r.get(4)?, r.get(8)?),
                    language: r.get(5)?,
                    event: r.get(6)?,
                    excerpt: excerpt(&text, EXCERPT_CHARS),
                })
            })?
            .collect::<crate::Result<_>>()?;
        Ok(Page { items, total: total as u64 })
    }

    /// Events, most recently active first, one page of them.
    pub fn events_page(&self, limit: usize, offset: usize) -> Result<Page<EventSummary>> {
        // Every committed event has a member (one is opened for the article that joins it, in the
        // same batch), so all are counted: SQLite counts them from its smallest index, where a
        // condition on `members` read every event's row, centroid and all.
        let total: i64 = self.conn.prepare_cached("SELECT COUNT(*) FROM events")?.query_row(params![], |r| r.get(0))?;
        let ids = self.recent_events(limit, offset)?;
        let items = self.event_summaries(&ids)?;
        Ok(Page { items, total: total as u64 })
    }

    /// Up to `limit` articles that arrived after arrival number `after_seq`, in arrival order, each
    /// with its arrival number and event: lets an external index catch up with the store.
    pub fn articles_after(&self, after_seq: i64, limit: usize) -> Result<Vec<ArrivedArticle>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS}, seq, event_id FROM articles WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map([after_seq, limit as i64], |r| {
                Ok((r.get::<i64>(ARTICLE_COLUMN_COUNT)?, r.get::<i64>(ARTICLE_COLUMN_COUNT + 1)?, read_article(r)?))
            })?
            .collect::<crate::Result<Vec<_>>>()?;
        rows.into_iter().map(|(seq, event, article)| Ok(ArrivedArticle { seq, event, article: article? })).collect()
    }

    /// The arrival number of the newest article; 0 for an empty store.
    pub fn last_article_seq(&self) -> Result<i64> {
        self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM articles", params![], |r| r.get(0))
    }
}

/// The first `max_chars` characters of a text on one line, cut at a word boundary.
fn excerpt(text: &str, max_chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let cut: String = flat.chars().take(max_chars).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewArticle;
    use storyline_model::{DateSource, Language, SourceFormat};

    fn add(store: &mut Store, id: &str, language: &str, outlet: &str, published: &str) {
        let mut article = Article::new(id, format!("Body of {id}.\n\nSecond paragraph."), SourceFormat::Text);
        article.language = Some(Language { code: language.into(), confidence: 1.0 });
        article.outlet = Some(outlet.into());
        article.set_published(chrono::DateTime::parse_from_rfc3339(published).unwrap(), DateSource::Metadata);
        let batch = store.batch().unwrap();
        let terms = vec![("body".to_string(), 1.0)];
        let event = batch.create_event(&terms, 10).unwrap();
        batch
            .insert_article(&NewArticle {
                article: &article,
                text_hash: id.len() as u64,
                screen: &[1],
                band_keys: &[1],
                terms: &terms,
                indexed_terms: 10,
                event,
            })
            .unwrap();
        batch.commit().unwrap();
    }

    #[test]
    fn article_pages_filter_and_sort_newest_first() {
        crate::testing::each_backend(|mut store| {
            add(&mut store, "a", "en", "Alpha", "2020-01-01T00:00:00Z");
            add(&mut store, "b", "fr", "Beta", "2020-02-01T00:00:00Z");
            add(&mut store, "c", "en", "Beta", "2020-03-01T00:00:00Z");
            let all = store.articles_page(&ArticleFilter::default(), 2, 0).unwrap();
            assert_eq!(all.total, 3);
            assert_eq!(all.items.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["c", "b"]);
            assert_eq!(all.items[0].excerpt, "Body of c. Second paragraph.");
            let second = store.articles_page(&ArticleFilter::default(), 2, 2).unwrap();
            assert_eq!(second.items[0].id, "a");
            let filter =
                ArticleFilter { language: Some("en".into()), outlet: Some("Beta".into()), ..Default::default() };
            assert_eq!(store.articles_page(&filter, 10, 0).unwrap().items[0].id, "c");
            let filter = ArticleFilter {
                from: Some("2020-01-15T00:00:00Z".parse().unwrap()),
                to: Some("2020-02-15T00:00:00Z".parse().unwrap()),
                ..Default::default()
            };
            let page = store.articles_page(&filter, 10, 0).unwrap();
            assert_eq!((page.total, page.items[0].id.as_str()), (1, "b"));
            // Bound parameters: a quote in a filter value is a value, not SQL.
            let filter = ArticleFilter { outlet: Some("x' OR '1'='1".into()), ..Default::default() };
            assert_eq!(store.articles_page(&filter, 10, 0).unwrap().total, 0);
        });
    }

    #[test]
    fn events_page_and_articles_after_a_watermark() {
        crate::testing::each_backend(|mut store| {
            assert_eq!(store.last_article_seq().unwrap(), 0);
            add(&mut store, "a", "en", "Alpha", "2020-01-01T00:00:00Z");
            add(&mut store, "b", "en", "Alpha", "2020-02-01T00:00:00Z");
            let events = store.events_page(1, 1).unwrap();
            assert_eq!((events.total, events.items[0].articles[0].as_str()), (2, "a"));
            let after = store.articles_after(1, 10).unwrap();
            assert_eq!(after.len(), 1);
            assert_eq!((after[0].seq, after[0].article.id.as_str()), (2, "b"));
            assert_eq!(store.last_article_seq().unwrap(), 2);
        });
    }

    #[test]
    fn a_date_keeps_the_offset_and_so_the_day_it_was_stated_in() {
        crate::testing::each_backend(|mut store| {
            add(&mut store, "ny", "en", "Alpha", "2019-11-18T21:30:00-05:00");
            let page = store.articles_page(&ArticleFilter::default(), 10, 0).unwrap();
            assert_eq!(page.items[0].published.as_deref(), Some("2019-11-18T21:30:00-05:00"));
            let stored = &store.articles_after(0, 10).unwrap()[0].article;
            assert_eq!(stored.publication_day(), chrono::NaiveDate::from_ymd_opt(2019, 11, 18));
            assert_eq!((stored.published_offset, stored.date_source), (Some(-5 * 3600), Some(DateSource::Metadata)));
            // Ranges compare moments: 2.30 UTC on the 19th.
            let filter = ArticleFilter { from: Some("2019-11-19T02:00:00Z".parse().unwrap()), ..Default::default() };
            assert_eq!(store.articles_page(&filter, 10, 0).unwrap().total, 1);
        });
    }

    #[test]
    fn a_version_1_store_gains_the_date_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        drop(Store::open(&path).unwrap());
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "ALTER TABLE articles DROP COLUMN published_offset; ALTER TABLE articles DROP COLUMN date_source;
                 UPDATE meta SET value = 1 WHERE key = 'schema_version';",
            )
            .unwrap();
            conn.execute_batch(crate::schema::MENTIONS_BY_ID_TEXT).unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        add(&mut store, "a", "en", "Alpha", "2020-01-01T10:00:00+02:00");
        assert_eq!(store.articles_after(0, 10).unwrap()[0].article.published_offset, Some(2 * 3600));
    }

    #[test]
    fn a_version_2_store_gains_entity_locations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        drop(Store::open(&path).unwrap());
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "ALTER TABLE entities DROP COLUMN location; UPDATE meta SET value = 2 WHERE key = 'schema_version';",
            )
            .unwrap();
            conn.execute_batch(crate::schema::MENTIONS_BY_ID_TEXT).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert!(store.entities(&Default::default()).unwrap().is_empty());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 =
            conn.query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 8);
        let band_key: Vec<i64> =
            crate::schema::tests::column(&path, "SELECT pk FROM pragma_table_info('event_vector_bands') ORDER BY cid");
        assert_eq!(band_key, [1, 2], "the ANN postings keyed by band, then event");
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("one two\n\nthree", 100), "one two three");
        assert_eq!(excerpt("one two three", 9), "one two…");
    }
}
