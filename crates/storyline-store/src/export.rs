//! Every row of the tables analysts take out of the store (`storyline export`), streamed: each
//! query steps through SQLite's rows and hands them over one at a time, so a store of any size
//! is exported in bounded memory. Run them on one [`Store::snapshot`](crate::Store::snapshot),
//! and the tables agree with each other (every event's articles are among the articles).

use crate::db::OptionalExtension;
use chrono::{DateTime, Utc};
use storyline_model::{EventId, Mention, Quote};

use crate::batch::{parse_date, read_article, ARTICLE_COLUMNS, ARTICLE_COLUMN_COUNT};
use crate::db::params;
use crate::entities::{
    read_entity, read_mention, read_quote, ENTITY_COLUMNS, MENTIONS_WITH_IDS, MENTION_COLUMNS, QUOTES_WITH_IDS,
    QUOTE_COLUMNS,
};
use crate::events::{read_coded_event, CODED_EVENTS_WITH_ARTICLES, CODED_EVENT_COLUMNS};
use crate::queries::{opening_words, TITLE_FALLBACK_CHARS};
use crate::{ArrivedArticle, Batch, EntitySummary, Result, StoreError, StoredCodedEvent};

/// The tables an export can hold, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTable {
    Articles,
    Events,
    Storylines,
    Entities,
    Mentions,
    Quotes,
    CodedEvents,
}

impl ExportTable {
    pub const ALL: [ExportTable; 7] = [
        ExportTable::Articles,
        ExportTable::Events,
        ExportTable::Storylines,
        ExportTable::Entities,
        ExportTable::Mentions,
        ExportTable::Quotes,
        ExportTable::CodedEvents,
    ];

    /// The table's name, which its exported file is named after.
    pub fn name(self) -> &'static str {
        match self {
            ExportTable::Articles => "articles",
            ExportTable::Events => "events",
            ExportTable::Storylines => "storylines",
            ExportTable::Entities => "entities",
            ExportTable::Mentions => "mentions",
            ExportTable::Quotes => "quotes",
            ExportTable::CodedEvents => "coded_events",
        }
    }

    pub fn parse(name: &str) -> Option<ExportTable> {
        ExportTable::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// An event as an export row: what `EventSummary` says of it, with its dates as moments and
/// without its lists of members (the articles table names each article's event).
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: EventId,
    /// The headline of its earliest-arrived article that has one, else its opening words.
    pub title: String,
    pub first_published: Option<DateTime<Utc>>,
    pub last_published: Option<DateTime<Utc>>,
    pub article_count: u64,
    pub storyline: Option<i64>,
}

/// A storyline as an export row.
#[derive(Debug, Clone, PartialEq)]
pub struct StorylineRecord {
    pub id: i64,
    /// The title of its largest event.
    pub title: String,
    /// Its events in time order: dated events first, then undated ones by arrival.
    pub events: Vec<EventId>,
    pub article_count: u64,
    pub first_published: Option<DateTime<Utc>>,
    pub last_published: Option<DateTime<Utc>>,
}

/// What a step of an export returns: its own errors, or the store's converted to them.
type Each<E> = std::result::Result<(), E>;

impl Batch<'_> {
    /// How many rows the `each_…` method of `table` hands over.
    pub fn export_count(&self, table: ExportTable) -> Result<u64> {
        let sql = match table {
            ExportTable::Articles => "SELECT COUNT(*) FROM articles",
            ExportTable::Events => "SELECT COUNT(DISTINCT event_id) FROM articles",
            ExportTable::Storylines => {
                "SELECT COUNT(DISTINCT s.storyline_id) FROM storylines s
                 WHERE EXISTS (SELECT 1 FROM articles a WHERE a.event_id = s.event_id)"
            }
            ExportTable::Entities => "SELECT COUNT(*) FROM entities",
            ExportTable::Mentions => "SELECT COUNT(*) FROM mentions",
            ExportTable::Quotes => "SELECT COUNT(*) FROM quotes",
            ExportTable::CodedEvents => "SELECT COUNT(*) FROM coded_events",
        };
        Ok(self.tx().query_row(sql, params![], |r| r.get::<i64>(0))? as u64)
    }

    /// Every article in arrival order.
    pub fn each_article<E: From<StoreError>>(&self, each: impl FnMut(ArrivedArticle) -> Each<E>) -> Each<E> {
        let sql = format!("SELECT {ARTICLE_COLUMNS}, seq, event_id FROM articles ORDER BY seq");
        self.each_row(&sql, each, |r| {
            let (seq, event) = (r.get(ARTICLE_COLUMN_COUNT)?, r.get(ARTICLE_COLUMN_COUNT + 1)?);
            Ok(read_article(r)?.map(|article| ArrivedArticle { seq, event, article }))
        })
    }

    /// Every event (that has articles), by id.
    pub fn each_event<E: From<StoreError>>(&self, each: impl FnMut(EventRecord) -> Each<E>) -> Each<E> {
        // An event is in at most one storyline; MAX picks it in a form PostgreSQL accepts too.
        let sql = "SELECT a.event_id, COUNT(*), MIN(a.published), MAX(a.published), MAX(s.storyline_id)
                   FROM articles a LEFT JOIN storylines s ON s.event_id = a.event_id
                   GROUP BY a.event_id ORDER BY a.event_id";
        self.each_row(sql, each, |r| {
            let (id, count, first, last, storyline): (EventId, i64, Option<String>, Option<String>, Option<i64>) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            Ok(self.event_title(id).map(|title| EventRecord {
                id,
                title,
                first_published: first.as_deref().and_then(parse_date),
                last_published: last.as_deref().and_then(parse_date),
                article_count: count as u64,
                storyline,
            }))
        })
    }

    /// Every storyline (that has articles), by id.
    pub fn each_storyline<E: From<StoreError>>(&self, each: impl FnMut(StorylineRecord) -> Each<E>) -> Each<E> {
        let sql = "SELECT DISTINCT s.storyline_id FROM storylines s
                   WHERE EXISTS (SELECT 1 FROM articles a WHERE a.event_id = s.event_id) ORDER BY s.storyline_id";
        self.each_row(sql, each, |r| Ok(self.storyline_record(r.get(0)?)))
    }

    fn storyline_record(&self, id: i64) -> Result<StorylineRecord> {
        // Dated events first, by their first publication, then the undated ones by arrival.
        let events: Vec<(EventId, i64, Option<String>, Option<String>)> = self
            .tx()
            .prepare_cached(
                "SELECT s.event_id, COUNT(*), MIN(a.published), MAX(a.published)
                 FROM storylines s JOIN articles a ON a.event_id = s.event_id
                 WHERE s.storyline_id = ?1 GROUP BY s.event_id
                 ORDER BY MIN(a.published) IS NULL, MIN(a.published), MIN(a.seq)",
            )?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<crate::Result<_>>()?;
        let Some(largest) = events.iter().max_by_key(|e| (e.1, -e.0)) else {
            return Err(StoreError::Corrupt { what: "storyline", detail: format!("storyline {id} has no articles") });
        };
        Ok(StorylineRecord {
            id,
            title: self.event_title(largest.0)?,
            article_count: events.iter().map(|e| e.1 as u64).sum(),
            first_published: events.iter().filter_map(|e| e.2.as_deref().and_then(parse_date)).min(),
            last_published: events.iter().filter_map(|e| e.3.as_deref().and_then(parse_date)).max(),
            events: events.into_iter().map(|e| e.0).collect(),
        })
    }

    /// An event's title as [`crate::EventSummary`] gives it.
    fn event_title(&self, id: EventId) -> Result<String> {
        let (title, opening): (Option<String>, Option<String>) = self
            .tx()
            .prepare_cached(
                "SELECT (SELECT title FROM articles WHERE event_id = ?1 AND title IS NOT NULL ORDER BY seq LIMIT 1),
                        (SELECT text FROM articles WHERE event_id = ?1 ORDER BY seq LIMIT 1)",
            )?
            .query_row([id], |r| {
                let opening = match r.get_ref(1)? {
                    crate::db::ValueRef::Null => None,
                    text => Some(crate::stored_text::read_opening(text, 1000)?),
                };
                Ok((r.get(0)?, opening))
            })
            .optional()?
            .unwrap_or_default();
        Ok(title.unwrap_or_else(|| opening_words(opening.as_deref().unwrap_or_default(), TITLE_FALLBACK_CHARS)))
    }

    /// Every entity by id, with how often it is mentioned and quoted.
    pub fn each_entity<E: From<StoreError>>(&self, each: impl FnMut(EntitySummary) -> Each<E>) -> Each<E> {
        let sql = format!(
            "SELECT {ENTITY_COLUMNS},
                    (SELECT COUNT(*) FROM mentions m WHERE m.entity_id = e.id),
                    (SELECT COUNT(DISTINCT m.article_seq) FROM mentions m WHERE m.entity_id = e.id),
                    (SELECT COUNT(*) FROM quotes q WHERE q.speaker_entity = e.id)
             FROM entities e ORDER BY e.id"
        );
        self.each_row(&sql, each, |r| {
            let counts: (i64, i64, i64) = (r.get(10)?, r.get(11)?, r.get(12)?);
            Ok(read_entity(r)?.map(|entity| EntitySummary {
                entity,
                mentions: counts.0 as u64,
                articles: counts.1 as u64,
                quotes: counts.2 as u64,
            }))
        })
    }

    /// Every mention of an entity, in the order they were stored.
    pub fn each_mention<E: From<StoreError>>(&self, each: impl FnMut(Mention) -> Each<E>) -> Each<E> {
        self.each_row(
            &format!("SELECT {MENTION_COLUMNS} FROM {MENTIONS_WITH_IDS} ORDER BY m.article_seq, m.n"),
            each,
            read_mention,
        )
    }

    /// Every quote, in the order they were stored.
    pub fn each_quote<E: From<StoreError>>(&self, each: impl FnMut(Quote) -> Each<E>) -> Each<E> {
        self.each_row(&format!("SELECT {QUOTE_COLUMNS} FROM {QUOTES_WITH_IDS} ORDER BY q.rowid"), each, |r| {
            Ok(Ok(read_quote(r)?))
        })
    }

    /// Every coded event by id.
    pub fn each_coded_event<E: From<StoreError>>(&self, each: impl FnMut(StoredCodedEvent) -> Each<E>) -> Each<E> {
        let sql = format!("SELECT {CODED_EVENT_COLUMNS} FROM {CODED_EVENTS_WITH_ARTICLES} ORDER BY c.id");
        self.each_row(&sql, each, read_coded_event)
    }

    /// Steps through the rows of `sql`, reading each with `read` and handing it to `each`.
    fn each_row<T, E: From<StoreError>>(
        &self,
        sql: &str,
        mut each: impl FnMut(T) -> Each<E>,
        read: impl Fn(&crate::db::Row) -> crate::Result<Result<T>>,
    ) -> Each<E> {
        let mut stmt = self.tx().prepare(sql)?;
        let mut rows = stmt.query(params![])?;
        while let Some(row) = rows.next()? {
            each(read(&row)??)?;
        }
        Ok(())
    }
}
