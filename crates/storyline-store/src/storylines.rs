//! Storylines: which events belong together over weeks and months, and their timelines.

use crate::db::{params, OptionalExtension};
use serde::Serialize;
use storyline_model::{Article, EventId};

use crate::batch::{read_article, ARTICLE_COLUMNS, ARTICLE_COLUMN_COUNT};
use crate::{Batch, EventSummary, Result, Store};

/// A storyline with its events in time order.
#[derive(Debug, Clone, Serialize)]
pub struct StorylineSummary {
    pub id: i64,
    /// The title of its largest event.
    pub title: String,
    pub timeline: Vec<TimelineEntry>,
}

/// One event on a storyline's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    #[serde(flatten)]
    pub event: EventSummary,
}

/// An article of an event with the original it copies, if any.
#[derive(Debug, Clone)]
pub struct EventArticle {
    pub article: Article,
    pub copy_of: Option<String>,
}

impl Batch<'_> {
    /// The storyline an event belongs to, creating a storyline of its own if it has none.
    pub fn storyline_of(&self, event: EventId) -> Result<i64> {
        let found: Option<i64> = self
            .tx()
            .prepare_cached("SELECT storyline_id FROM storylines WHERE event_id = ?1")?
            .query_row([event], |r| r.get(0))
            .optional()?;
        match found {
            Some(id) => Ok(id),
            None => {
                self.tx().execute("INSERT INTO storylines (event_id, storyline_id) VALUES (?1, ?1)", [event])?;
                Ok(event)
            }
        }
    }

    /// Records the earliest publication date an undated article's text allows.
    pub fn set_not_before(&self, article: &str, not_before: chrono::DateTime<chrono::Utc>) -> Result<()> {
        self.tx().execute(
            "INSERT OR REPLACE INTO article_not_before (article_id, not_before) VALUES (?1, ?2)",
            params![article, not_before.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Puts two events' storylines together; the merged storyline keeps the smaller id.
    pub fn link_storylines(&self, a: EventId, b: EventId) -> Result<()> {
        let (sa, sb) = (self.storyline_of(a)?, self.storyline_of(b)?);
        if sa != sb {
            let (keep, drop) = (sa.min(sb), sa.max(sb));
            self.tx()
                .execute("UPDATE storylines SET storyline_id = ?1 WHERE storyline_id = ?2", params![keep, drop])?;
        }
        Ok(())
    }
}

impl Store {
    /// Storylines, the most recently active first, each with its timeline.
    pub fn storylines(&self, limit: usize) -> Result<Vec<StorylineSummary>> {
        let ids: Vec<i64> = self
            .conn
            .prepare(
                "SELECT s.storyline_id FROM storylines s JOIN articles a ON a.event_id = s.event_id
                 GROUP BY s.storyline_id
                 ORDER BY MAX(a.published) IS NULL, MAX(a.published) DESC, MAX(a.seq) DESC LIMIT ?1",
            )?
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<crate::Result<_>>()?;
        ids.into_iter().filter_map(|id| self.storyline(id).transpose()).collect()
    }

    /// One storyline with its events ordered by time: known publication dates first, then
    /// (for undated events) the earliest date their articles' text allows, then arrival.
    pub fn storyline(&self, id: i64) -> Result<Option<StorylineSummary>> {
        let events: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT s.event_id FROM storylines s JOIN articles a ON a.event_id = s.event_id
                 LEFT JOIN article_not_before n ON n.article_id = a.id
                 WHERE s.storyline_id = ?1 GROUP BY s.event_id
                 ORDER BY COALESCE(MIN(a.published), MAX(n.not_before)) IS NULL,
                          COALESCE(MIN(a.published), MAX(n.not_before)), MIN(a.seq)",
            )?
            .query_map([id], |r| r.get(0))?
            .collect::<crate::Result<_>>()?;
        if events.is_empty() {
            return Ok(None);
        }
        let timeline: Vec<TimelineEntry> =
            self.event_summaries(&events)?.into_iter().map(|event| TimelineEntry { event }).collect();
        let title = timeline.iter().max_by_key(|t| (t.event.article_count, -t.event.id)).map(|t| t.event.title.clone());
        Ok(Some(StorylineSummary { id, title: title.unwrap_or_default(), timeline }))
    }

    /// The storyline an event belongs to.
    pub fn storyline_of_event(&self, event: EventId) -> Result<Option<i64>> {
        self.conn.query_row("SELECT storyline_id FROM storylines WHERE event_id = ?1", [event], |r| r.get(0)).optional()
    }

    /// An event's articles in arrival order, each with the original it copies (if any).
    pub fn event_articles(&self, event: EventId) -> Result<Vec<EventArticle>> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS},
                    (SELECT d.original FROM duplicates d WHERE d.copy = articles.id ORDER BY d.score DESC LIMIT 1)
             FROM articles WHERE event_id = ?1 ORDER BY seq"
        );
        let rows = self
            .conn
            .prepare(&sql)?
            .query_map([event], |r| Ok((read_article(r)?, r.get::<Option<String>>(ARTICLE_COLUMN_COUNT)?)))?
            .collect::<crate::Result<Vec<_>>>()?;
        rows.into_iter().map(|(article, copy_of)| Ok(EventArticle { article: article?, copy_of })).collect()
    }
}
