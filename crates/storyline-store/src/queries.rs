//! Read-only queries behind the CLI (and, later, the HTTP API).

use crate::db::{params, OptionalExtension};
use serde::Serialize;
use storyline_model::{Article, DuplicateKind, DuplicateRelation, EventId};

use crate::batch::{read_article, stated_date, ARTICLE_COLUMNS, ARTICLE_COLUMN_COUNT};
use crate::{from_json, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    pub articles: u64,
    pub events: u64,
    /// Duplicate relations: a republication may name several originals.
    pub duplicates: u64,
    /// Articles that are a copy of another (each counted once, however many originals it has).
    pub copies: u64,
}

/// An event as a listing shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventSummary {
    pub id: EventId,
    /// The headline of its earliest-arrived article that has one, else its opening words.
    pub title: String,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    pub article_count: u64,
    pub outlets: Vec<String>,
    pub languages: Vec<String>,
    pub articles: Vec<String>,
}

/// An event with its articles, each with the duplicate relation that makes it a copy, if any.
#[derive(Debug, Clone, Serialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub summary: EventSummary,
    pub members: Vec<EventMember>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventMember {
    pub id: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub language: Option<String>,
    /// The article this one copies, and how, when it is a duplicate.
    pub copy_of: Option<(String, DuplicateKind)>,
}

/// An article with everything known about it.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleDetail {
    #[serde(flatten)]
    pub article: Article,
    pub event: EventId,
    pub ingested_at: String,
    /// Relations in which this article is the original or the copy.
    pub duplicates: Vec<DuplicateRelation>,
}

pub(crate) const TITLE_FALLBACK_CHARS: usize = 100;

impl Store {
    pub fn stats(&self) -> Result<Stats> {
        let count = |sql: &str| -> Result<u64> { Ok(self.conn.query_row(sql, params![], |r| r.get::<i64>(0))? as u64) };
        Ok(Stats {
            articles: count("SELECT COUNT(*) FROM articles")?,
            events: count("SELECT COUNT(*) FROM events")?,
            duplicates: count("SELECT COUNT(*) FROM duplicates")?,
            copies: count("SELECT COUNT(DISTINCT copy) FROM duplicates")?,
        })
    }

    /// Events, most recently active first (by latest publication date, then latest arrival).
    pub fn events(&self, limit: usize) -> Result<Vec<EventSummary>> {
        let ids = self.recent_events(limit, 0)?;
        self.event_summaries(&ids)
    }

    /// Event ids, most recently active first (by latest publication date, then latest arrival):
    /// read from the events' own columns, in the order of their index.
    pub(crate) fn recent_events(&self, limit: usize, offset: usize) -> Result<Vec<EventId>> {
        let ids = self
            .conn
            .prepare_cached(
                "SELECT id FROM events WHERE members > 0
                 ORDER BY last_published IS NULL, last_published DESC, last_seq DESC LIMIT ?1 OFFSET ?2",
            )?
            .query_map([limit as i64, offset as i64], |r| r.get(0))?
            .collect::<crate::Result<_>>()?;
        Ok(ids)
    }

    pub fn event_summary(&self, id: EventId) -> Result<EventSummary> {
        let mut summaries = self.event_summaries(&[id])?;
        summaries
            .pop()
            .ok_or_else(|| StoreError::Corrupt { what: "event", detail: format!("event {id} has no articles") })
    }

    /// Summaries of events, in the order given, from one query over their articles (a listing
    /// asked once per event before).
    pub fn event_summaries(&self, ids: &[EventId]) -> Result<Vec<EventSummary>> {
        // SQLite takes at most 32,766 values in one statement.
        const PER_QUERY: usize = 500;
        if ids.len() > PER_QUERY {
            let mut out = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(PER_QUERY) {
                out.extend(self.event_summaries(chunk)?);
            }
            return Ok(out);
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            // Sorted here, by arrival: ordered by seq, SQLite could walk the whole table in its
            // order rather than look up the events' articles by the event index.
            "SELECT event_id, id, title, outlet, language, published, published_offset, seq FROM articles
             WHERE event_id IN ({})",
            crate::batch::placeholders(ids.len())
        );
        type Row = (String, Option<String>, Option<String>, Option<String>, Option<String>);
        let mut by_event: std::collections::HashMap<EventId, Vec<(i64, Row)>> = std::collections::HashMap::new();
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(crate::db::params_from_iter(ids))?;
        while let Some(r) = rows.next()? {
            by_event
                .entry(r.get(0)?)
                .or_default()
                .push((r.get(7)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, stated_date(r.get(5)?, r.get(6)?))));
        }
        ids.iter()
            .map(|&id| match by_event.remove(&id) {
                Some(mut rows) => {
                    rows.sort_unstable_by_key(|(seq, _)| *seq);
                    self.summarise_event(id, rows.into_iter().map(|(_, row)| row).collect())
                }
                None => Err(StoreError::Corrupt { what: "event", detail: format!("event {id} has no articles") }),
            })
            .collect()
    }

    /// An event's summary from its articles' (id, title, outlet, language, stated date), in arrival
    /// order; the first article's text is read only when none has a title.
    fn summarise_event(
        &self,
        id: EventId,
        rows: Vec<(String, Option<String>, Option<String>, Option<String>, Option<String>)>,
    ) -> Result<EventSummary> {
        let title = match rows.iter().find_map(|r| r.1.clone()) {
            Some(title) => title,
            None => {
                let text = self
                    .conn
                    .prepare_cached("SELECT text FROM articles WHERE id = ?1")?
                    .query_row([&rows[0].0], |r| crate::stored_text::read(r.get_ref(0)?))?;
                opening_words(&text, TITLE_FALLBACK_CHARS)
            }
        };
        let mut outlets: Vec<String> = rows.iter().filter_map(|r| r.2.clone()).collect();
        let mut languages: Vec<String> = rows.iter().filter_map(|r| r.3.clone()).collect();
        let mut dates: Vec<String> = rows.iter().filter_map(|r| r.4.clone()).collect();
        for list in [&mut outlets, &mut languages, &mut dates] {
            list.sort();
            list.dedup();
        }
        Ok(EventSummary {
            id,
            title,
            first_published: dates.first().cloned(),
            last_published: dates.last().cloned(),
            article_count: rows.len() as u64,
            outlets,
            languages,
            articles: rows.into_iter().map(|r| r.0).collect(),
        })
    }

    /// An event with its members; `None` if there is no such event.
    pub fn article_exists(&self, id: &str) -> Result<bool> {
        Ok(self.conn.query_row("SELECT 1 FROM articles WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some())
    }

    pub fn event_exists(&self, id: EventId) -> Result<bool> {
        Ok(self.conn.query_row("SELECT id FROM events WHERE id = ?1", [id], |r| r.get::<i64>(0)).optional()?.is_some())
    }

    pub fn event_detail(&self, id: EventId) -> Result<Option<EventDetail>> {
        if !self.event_exists(id)? {
            return Ok(None);
        }
        let summary = self.event_summary(id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.title, a.outlet, a.published, a.language,
                    (SELECT d.original || char(31) || d.kind FROM duplicates d WHERE d.copy = a.id
                     ORDER BY d.score DESC LIMIT 1), a.published_offset
             FROM articles a WHERE a.event_id = ?1 ORDER BY a.seq",
        )?;
        let members = stmt
            .query_map([id], |r| {
                let copy_of: Option<String> = r.get(5)?;
                Ok(EventMember {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    outlet: r.get(2)?,
                    published: stated_date(r.get(3)?, r.get(6)?),
                    language: r.get(4)?,
                    copy_of: copy_of.and_then(|c| {
                        let (original, kind) = c.split_once('\u{1f}')?;
                        Some((original.to_string(), DuplicateKind::parse(kind)?))
                    }),
                })
            })?
            .collect::<crate::Result<_>>()?;
        Ok(Some(EventDetail { summary, members }))
    }

    /// An article with its event and duplicate relations; `None` if there is no such article.
    pub fn article(&self, id: &str) -> Result<Option<ArticleDetail>> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {ARTICLE_COLUMNS}, event_id, ingested_at FROM articles WHERE id = ?1"),
                [id],
                |r| {
                    Ok((
                        read_article(r)?,
                        r.get::<i64>(ARTICLE_COLUMN_COUNT)?,
                        r.get::<String>(ARTICLE_COLUMN_COUNT + 1)?,
                    ))
                },
            )
            .optional()?;
        let Some((article, event, ingested_at)) = row else { return Ok(None) };
        let duplicates = self.duplicates_where("original = ?1 OR copy = ?1", params![id])?;
        Ok(Some(ArticleDetail { article: article?, event, ingested_at, duplicates }))
    }

    /// Every duplicate relation, optionally of one kind, strongest first.
    pub fn duplicates(&self, kind: Option<DuplicateKind>) -> Result<Vec<DuplicateRelation>> {
        match kind {
            Some(kind) => self.duplicates_where("kind = ?1", params![kind.as_str()]),
            None => self.duplicates_where("1", params![]),
        }
    }

    fn duplicates_where(&self, condition: &str, values: impl crate::db::Params) -> Result<Vec<DuplicateRelation>> {
        let sql = format!(
            "SELECT original, copy, kind, score, evidence FROM duplicates WHERE {condition}
             ORDER BY score DESC, original, copy"
        );
        let rows = self
            .conn
            .prepare(&sql)?
            .query_map(values, |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<f32>(3)?,
                    r.get::<String>(4)?,
                ))
            })?
            .collect::<crate::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(original, copy, kind, score, evidence)| {
                let kind = DuplicateKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt { what: "duplicate kind", detail: kind.clone() })?;
                Ok(DuplicateRelation {
                    original,
                    copy,
                    kind,
                    score,
                    evidence: from_json("duplicate evidence", &evidence)?,
                })
            })
            .collect()
    }

    /// Problems found by SQLite's integrity check and by checking that every stored article is
    /// whole: its event exists and its index entries are present. Empty when all is well.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        // PostgreSQL checks its own pages as it reads them; SQLite's file is checked here.
        let mut problems: Vec<String> = match self.conn.backend() {
            crate::Backend::Sqlite => self
                .conn
                .prepare("PRAGMA integrity_check")?
                .query_map(params![], |r| r.get::<String>(0))?
                .collect::<crate::Result<Vec<_>>>()?
                .into_iter()
                .filter(|line| line != "ok")
                .collect(),
            crate::Backend::Postgres => Vec::new(),
        };
        let checks = [
            ("articles whose event is missing", "SELECT COUNT(*) FROM articles a LEFT JOIN events e ON e.id = a.event_id WHERE e.id IS NULL"),
            ("articles without LSH band entries", "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM lsh_bands b WHERE b.article_seq = a.seq)"),
            ("events without articles", "SELECT COUNT(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.event_id = e.id)"),
            ("duplicate relations naming a missing article", "SELECT COUNT(*) FROM duplicates d WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = d.original) OR NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = d.copy)"),
            ("a document count that differs from the article count", "SELECT (SELECT value FROM meta WHERE key = 'documents') != (SELECT COUNT(*) FROM articles)"),
        ];
        for (what, sql) in checks {
            let count: i64 = self.conn.query_row(sql, params![], |r| r.get(0))?;
            if count > 0 {
                problems.push(format!("{what}: {count}"));
            }
        }
        Ok(problems)
    }
}

pub(crate) fn opening_words(text: &str, max_chars: usize) -> String {
    let first_line = before_furniture(text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim());
    if first_line.chars().count() <= max_chars {
        return first_line.to_string();
    }
    let cut: String = first_line.chars().take(max_chars).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}

/// The line up to a photo credit ("… ganz nah Esa-Mission + © picture alliance") or a breadcrumb
/// ("… de las empresas Sección > Una comunidad …"), which pages without a headline run into
/// from their opening words; the whole line when too little would be left (three words, or
/// twelve characters in scripts written without spaces).
fn before_furniture(line: &str) -> &str {
    let credit = line.find('©');
    let breadcrumb = line.find(" > ").map(|at| line[..at].rfind(' ').unwrap_or(0));
    let Some(end) = [credit, breadcrumb].into_iter().flatten().min() else { return line };
    let kept =
        line[..end].trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '+' | '|' | '-' | '–' | '·' | ':'));
    if kept.split_whitespace().count() >= 3 || kept.chars().count() >= 12 {
        kept
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewArticle;
    use storyline_model::{Evidence, SourceFormat};

    fn add(store: &mut Store, id: &str, title: Option<&str>, event: Option<EventId>) -> EventId {
        let mut article = Article::new(id, format!("Body of {id}. It has words."), SourceFormat::Text);
        article.title = title.map(str::to_string);
        let batch = store.batch().unwrap();
        let terms = vec![("body".to_string(), 1.0)];
        let event = match event {
            Some(e) => e,
            None => batch.create_event(&terms, 10).unwrap(),
        };
        batch
            .insert_article(&NewArticle {
                article: &article,
                text_hash: id.len() as u64,
                screen: &[1, 2, 3],
                band_keys: &[42],
                terms: &terms,
                indexed_terms: 10,
                event,
            })
            .unwrap();
        batch.commit().unwrap();
        event
    }

    #[test]
    fn articles_round_trip_with_their_event_and_duplicates() {
        crate::testing::each_backend(|mut store| {
            let event = add(&mut store, "a", None, None);
            add(&mut store, "b", Some("Headline"), Some(event));
            let batch = store.batch().unwrap();
            let relation = DuplicateRelation {
                original: "a".into(),
                copy: "b".into(),
                kind: DuplicateKind::NearDuplicate,
                score: 0.9,
                evidence: Evidence::Shingles { estimated_jaccard: 0.9, shingle_size: 5 },
            };
            batch.insert_duplicate(&relation).unwrap();
            assert_eq!(
                batch.sharing_bands(&[42], 10).unwrap().iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
                ["a", "b"]
            );
            batch.commit().unwrap();

            let detail = store.article("b").unwrap().unwrap();
            assert_eq!(detail.duplicates, vec![relation]);
            assert_eq!(detail.event, event);
            let summary = store.event_summary(event).unwrap();
            assert_eq!((summary.title.as_str(), summary.article_count), ("Headline", 2));
            let members = store.event_detail(event).unwrap().unwrap().members;
            assert_eq!(members[1].copy_of, Some(("a".to_string(), DuplicateKind::NearDuplicate)));
            assert!(store.article("zzz").unwrap().is_none());
        });
    }

    #[test]
    fn an_uncommitted_batch_leaves_the_store_unchanged() {
        crate::testing::each_backend(|mut store| {
            {
                let batch = store.batch().unwrap();
                batch.create_event(&[("x".to_string(), 1.0)], 5).unwrap();
                batch.count_document(["x"]).unwrap();
            }
            assert_eq!(store.stats().unwrap(), Stats { articles: 0, events: 0, duplicates: 0, copies: 0 });
            assert_eq!(store.batch().unwrap().documents().unwrap(), 0);
        });
    }

    #[test]
    fn many_rows_in_few_statements_read_and_write_as_one_by_one() {
        // 100 = 64 + 32 + 4: rows in chunks of several sizes, counts returned for each.
        let terms: Vec<String> = (0..100).map(|i| format!("term{i}")).collect();
        crate::testing::each_backend(|mut store| {
            let batch = store.batch().unwrap();
            batch.count_document(terms.iter().map(String::as_str)).unwrap();
            let counted = batch.count_document(terms.iter().take(70).map(String::as_str)).unwrap();
            assert_eq!(counted.len(), 70);
            assert!(counted.values().all(|&df| df == 2), "{counted:?}");
            // Candidate events read through many keys' lists at once, in the order asked.
            let centroid = |from: usize| -> Vec<(String, f32)> {
                terms[from..from + 70].iter().map(|t| (t.clone(), 1.0)).collect()
            };
            let (a, b) =
                (batch.create_event(&centroid(0), 70).unwrap(), batch.create_event(&centroid(30), 70).unwrap());
            let found: Vec<_> = batch.candidate_events(&terms, 50, 10).unwrap().into_iter().map(|e| e.id).collect();
            assert_eq!(found, vec![a, b]);
            assert_eq!(batch.candidate_events(&terms[..40], 35, 10).unwrap()[0].centroid.len(), 70);
        });
    }

    /// Event rows kept between batches are the rows as stored: an event a batch changes is read
    /// again, and what a batch that did not commit read or changed is not kept.
    #[test]
    fn events_kept_between_batches_are_the_stored_rows() {
        let vector = |term: &str| vec![(term.to_string(), 1.0f32)];
        crate::testing::each_backend(|mut store| {
            let batch = store.batch().unwrap();
            let event = batch.create_event(&vector("flood"), 1).unwrap();
            assert_eq!(*batch.event(event).unwrap().centroid, *vector("flood"));
            batch.update_event(event, &vector("flood"), &vector("storm"), 1).unwrap();
            assert_eq!(*batch.event(event).unwrap().centroid, *vector("storm"));
            batch.commit().unwrap();
            let batch = store.batch().unwrap();
            assert_eq!(*batch.event(event).unwrap().centroid, *vector("storm"));
            batch.update_event(event, &vector("storm"), &vector("fire"), 1).unwrap();
            assert_eq!(*batch.event(event).unwrap().centroid, *vector("fire"));
            drop(batch);
            let batch = store.batch().unwrap();
            assert_eq!(*batch.event(event).unwrap().centroid, *vector("storm"));
        });
    }

    /// A candidate a look-up's time test rejected (its centroid not decoded, its dates kept) is
    /// read whole when a later look-up accepts it, in the same batch or the next.
    #[test]
    fn candidates_rejected_by_their_dates_are_read_when_accepted() {
        let vector = |term: &str| vec![(term.to_string(), 1.0f32)];
        let terms = ["flood".to_string()];
        crate::testing::each_backend(|mut store| {
            let batch = store.batch().unwrap();
            let event = batch.create_event(&vector("flood"), 1).unwrap();
            batch.commit().unwrap();
            // An event with no articles has no dates.
            let undated = |first: Option<_>, _| first.is_some();
            let batch = store.batch().unwrap();
            assert!(batch.candidate_events_where(&terms, 1, 10, undated).unwrap().is_empty());
            batch.commit().unwrap();
            let batch = store.batch().unwrap();
            assert!(batch.candidate_events_where(&terms, 1, 10, undated).unwrap().is_empty());
            let found = batch.candidate_events(&terms, 1, 10).unwrap();
            assert_eq!((found[0].id, &*found[0].centroid), (event, &*vector("flood")));
            assert!(batch.candidate_events_where(&terms, 1, 10, undated).unwrap().is_empty());
        });
    }

    #[test]
    fn untitled_events_are_named_by_their_opening_words() {
        assert_eq!(opening_words("Short line.\nMore", 100), "Short line.");
        assert_eq!(opening_words("one two three four", 10), "one two…");
        assert_eq!(
            opening_words("Merkur-Sonde kam der Erde ganz nah Esa-Mission + © picture alliance/dpa Die Sonde", 100),
            "Merkur-Sonde kam der Erde ganz nah Esa-Mission"
        );
        assert_eq!(
            opening_words("Una comunidad portuaria unida Sección > Una comunidad portuaria unida", 100),
            "Una comunidad portuaria unida"
        );
        assert_eq!(opening_words("© AFP. Photo of the day", 100), "© AFP. Photo of the day");
        assert_eq!(
            opening_words("生态焦虑正在上升。这是您需要知道的 © Getty MSN 的特别信息", 100),
            "生态焦虑正在上升。这是您需要知道的"
        );
    }

    #[test]
    fn a_store_file_reopens_and_refuses_unknown_schema_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        add(&mut store, "a", None, None);
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.stats().unwrap().articles, 1);
        store.conn.execute("UPDATE meta SET value = 99 WHERE key = 'schema_version'", crate::db::params![]).unwrap();
        drop(store);
        assert!(matches!(Store::open(&path), Err(StoreError::SchemaVersion { found: 99, .. })));
    }
}
