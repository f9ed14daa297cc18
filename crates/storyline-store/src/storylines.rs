//! Storylines: which events belong together over weeks and months, and their timelines.

use crate::db::{params, OptionalExtension};
use serde::Serialize;
use storyline_model::{Article, EventId};

use crate::batch::{read_article, ARTICLE_COLUMNS, ARTICLE_COLUMN_COUNT};
use crate::{Batch, EventSummary, Result, Store};

/// A storyline and a part of its events in time order: all of them (`storyline`), a page
/// (`storyline_page`) or those nearest one event (`storyline_around`). A storyline can hold
/// thousands of events, so what a page shows is bounded; the counts and dates are the whole
/// storyline's.
#[derive(Debug, Clone, Serialize)]
pub struct StorylineSummary {
    pub id: i64,
    /// The title of its largest event.
    pub title: String,
    /// How many events the whole storyline has.
    pub event_count: usize,
    /// The earliest and latest publication dates of all its events.
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    /// The place of `timeline`'s first event in the whole storyline's time order (0: its first).
    pub timeline_offset: usize,
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

    /// The `limit` events of a storyline created last (event ids grow with arrival), newest
    /// first: what an event that would join the storyline is compared with.
    pub fn latest_storyline_events(&self, storyline: i64, limit: usize) -> Result<Vec<EventId>> {
        self.tx()
            .prepare_cached("SELECT event_id FROM storylines WHERE storyline_id = ?1 ORDER BY event_id DESC LIMIT ?2")?
            .query_map(params![storyline, limit as i64], |r| r.get(0))?
            .collect()
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

/// An event of a storyline as its time order needs it.
struct OrderedEvent {
    id: EventId,
    members: i64,
    first: Option<String>,
    last: Option<String>,
}

impl Store {
    /// Storylines, the most recently active first, each with its whole timeline.
    pub fn storylines(&self, limit: usize) -> Result<Vec<StorylineSummary>> {
        self.recent_storylines(0, limit)?.into_iter().filter_map(|id| self.storyline(id).transpose()).collect()
    }

    /// The ids of storylines, the most recently active first: `limit` of them after `offset`.
    /// A storyline is placed by its most recently active event, so the events are walked in the
    /// events listing's index order, a page at a time, until enough distinct storylines are
    /// seen: a front page reads a few hundred event rows however large the store (grouping
    /// every event by storyline took 0.6 s at 100,000 articles).
    pub fn recent_storylines(&self, offset: usize, limit: usize) -> Result<Vec<i64>> {
        let wanted = offset.saturating_add(limit);
        let mut seen = std::collections::HashSet::new();
        let mut order = Vec::new();
        let mut walked = 0;
        let mut page = wanted.saturating_mul(4).max(64);
        let mut statement = self.conn.prepare_cached(
            "SELECT s.storyline_id FROM events e JOIN storylines s ON s.event_id = e.id WHERE e.members > 0
             ORDER BY e.last_published IS NULL, e.last_published DESC, e.last_seq DESC LIMIT ?1 OFFSET ?2",
        )?;
        while order.len() < wanted {
            let storylines: Vec<i64> =
                statement.query_map(params![page as i64, walked as i64], |r| r.get(0))?.collect::<Result<_>>()?;
            walked += storylines.len();
            let exhausted = storylines.len() < page;
            order.extend(storylines.into_iter().filter(|id| seen.insert(*id)));
            if exhausted {
                break;
            }
            // Long storylines fill pages with events already placed: read further each time.
            page = page.saturating_mul(2);
        }
        Ok(order.into_iter().skip(offset).take(limit).collect())
    }

    /// One storyline with all its events ordered by time.
    pub fn storyline(&self, id: i64) -> Result<Option<StorylineSummary>> {
        self.storyline_page(id, 0, usize::MAX)
    }

    /// One storyline with `limit` of its events in time order, from the `offset`-th.
    pub fn storyline_page(&self, id: i64, offset: usize, limit: usize) -> Result<Option<StorylineSummary>> {
        let order = self.storyline_order(id)?;
        self.storyline_part(id, &order, offset, limit)
    }

    /// The storyline of `event` with the events nearest it in time: up to `radius` before and
    /// after it (more on one side where the other runs out). What an event's page shows.
    pub fn storyline_around(&self, event: EventId, radius: usize) -> Result<Option<StorylineSummary>> {
        let Some(id) = self.storyline_of_event(event)? else { return Ok(None) };
        let order = self.storyline_order(id)?;
        let Some(position) = order.iter().position(|e| e.id == event) else {
            return self.storyline_part(id, &order, 0, 2 * radius + 1);
        };
        let width = 2 * radius + 1;
        let offset = position.saturating_sub(radius).min(order.len().saturating_sub(width));
        self.storyline_part(id, &order, offset, width)
    }

    /// The ids of a storyline's most reported events, in time order, whose articles number at
    /// most `max_articles` together (always at least its largest event); empty for an unknown
    /// storyline. A bound on what a summary of a long storyline reads.
    pub fn storyline_most_reported(&self, id: i64, max_articles: usize) -> Result<Vec<EventId>> {
        let order = self.storyline_order(id)?;
        let mut by_size: Vec<(usize, &OrderedEvent)> = order.iter().enumerate().collect();
        by_size.sort_by_key(|(place, e)| (std::cmp::Reverse(e.members), *place));
        let mut articles = 0;
        let mut kept: Vec<usize> = Vec::new();
        for (place, e) in by_size {
            articles += e.members.max(0) as usize;
            if articles > max_articles && !kept.is_empty() {
                break;
            }
            kept.push(place);
        }
        kept.sort_unstable();
        Ok(kept.into_iter().map(|place| order[place].id).collect())
    }

    /// The events of a storyline in time order: known publication dates first, then (for
    /// undated events) the earliest date their articles' text allows, then arrival (event ids
    /// grow with the arrival of an event's first article). Read from the event rows, the
    /// articles only for undated events.
    fn storyline_order(&self, id: i64) -> Result<Vec<OrderedEvent>> {
        let mut rows: Vec<(OrderedEvent, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT e.id, e.members, e.first_published, e.last_published,
                        CASE WHEN e.first_published IS NULL THEN
                            (SELECT MAX(n.not_before) FROM articles a
                             JOIN article_not_before n ON n.article_id = a.id WHERE a.event_id = e.id)
                        END
                 FROM storylines s JOIN events e ON e.id = s.event_id
                 WHERE s.storyline_id = ?1 AND e.members > 0",
            )?
            .query_map([id], |r| {
                Ok((OrderedEvent { id: r.get(0)?, members: r.get(1)?, first: r.get(2)?, last: r.get(3)? }, r.get(4)?))
            })?
            .collect::<Result<_>>()?;
        rows.sort_by(|(a, a_not_before), (b, b_not_before)| {
            let a_day = a.first.as_ref().or(a_not_before.as_ref());
            let b_day = b.first.as_ref().or(b_not_before.as_ref());
            (a_day.is_none(), a_day, a.id).cmp(&(b_day.is_none(), b_day, b.id))
        });
        Ok(rows.into_iter().map(|(event, _)| event).collect())
    }

    /// A storyline's counts and dates from its whole order, with the summaries of `limit`
    /// events from `offset`.
    fn storyline_part(
        &self,
        id: i64,
        order: &[OrderedEvent],
        offset: usize,
        limit: usize,
    ) -> Result<Option<StorylineSummary>> {
        let Some(largest) = order.iter().max_by_key(|e| (e.members, -e.id)) else { return Ok(None) };
        let title = self.event_summaries(&[largest.id])?.pop().map(|e| e.title).unwrap_or_default();
        let offset = offset.min(order.len());
        let shown: Vec<EventId> = order[offset..].iter().take(limit).map(|e| e.id).collect();
        let timeline = self.event_summaries(&shown)?.into_iter().map(|event| TimelineEntry { event }).collect();
        Ok(Some(StorylineSummary {
            id,
            title,
            event_count: order.len(),
            first_published: order.iter().filter_map(|e| e.first.clone()).min(),
            last_published: order.iter().filter_map(|e| e.last.clone()).max(),
            timeline_offset: offset,
            timeline,
        }))
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
