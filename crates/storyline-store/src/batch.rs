//! Writes, and the index look-ups the pipeline makes while writing, inside one transaction.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::db::{params, OptionalExtension, Tx};
use chrono::{DateTime, Utc};
use storyline_model::{
    Article, ArticleId, DateSource, DuplicateRelation, EntityId, EventId, Language, Source, SourceFormat,
};

use crate::embeddings::RecentCentroids;
use crate::entities::{MentionWindow, MentionedEntities};
use crate::{from_json, to_json, Result, StoreError};

/// One SQLite transaction. Dropping it without [`Batch::commit`] rolls everything back.
pub struct Batch<'a> {
    tx: Tx<'a>,
    /// The store's memory of which entities committed articles mention.
    mentioned: &'a Mutex<MentionedEntities>,
    /// The same for this batch's articles: remembered by the store only once committed.
    pub(crate) mentioned_here: RefCell<HashMap<ArticleId, Vec<EntityId>>>,
    /// The articles of the latest mentions of the entities whose neighbours this batch asked
    /// for, kept up to date as it stores mentions.
    pub(crate) neighbour_articles: RefCell<HashMap<EntityId, MentionWindow>>,
    /// Mentions noted but not (yet) written, per entity, in order: the windows read from SQLite
    /// afterwards must still see them ([`Batch::note_mentions`]).
    pub(crate) noted_unwritten: RefCell<HashMap<EntityId, Vec<ArticleId>>>,
    /// The event-term posting lists this batch has read (newest first, at most
    /// [`EVENT_POSTINGS_READ`]), kept as it writes them. Each arriving article and each event it
    /// touches looks up 40 to 60 terms, the common ones in nearly every look-up; read from SQLite
    /// each time, the lists' postings were most of the writer's time on a large store, and grew
    /// with it as more lists filled. The batch holds the write lock, so no one else changes them.
    event_postings: RefCell<HashMap<String, Vec<EventId>>>,
    /// Event rows this batch has read and decoded ([`Batch::events`]), by id, starting with
    /// those earlier batches of the store kept ([`KeptEvents`]); an event this batch changes is
    /// dropped from them, so the next read sees the change.
    events_read: RefCell<BTreeMap<EventId, StoredEvent>>,
    /// The dates of event rows read whose centroid was not decoded: candidates that their
    /// look-up's time test ruled out ([`Batch::candidate_events_where`]), kept as
    /// [`Batch::events_read`] is, so that the next look-up meeting them tests them unread.
    event_dates: RefCell<HashMap<EventId, EventDates>>,
    /// Where the events read go back when the batch commits, and the data version they hold
    /// for; `None` for a reader's batches, which keep nothing.
    kept_events: Option<(&'a Mutex<KeptEvents>, i64)>,
    /// The recent centroids this batch has read, kept as it writes them, from and back to
    /// [`KeptEvents`] as the event rows are.
    pub(crate) recent_centroids: RefCell<Option<RecentCentroids>>,
}

/// Decoded event rows kept between a store's batches. Each arriving article and each event it
/// touches reads up to 50 candidate events, mostly the same recent ones batch after batch; read
/// from SQLite and decoded each time (a 200-term centroid each), they were the largest part of
/// storing an article into a large store, and grew with it as the rows spread over a file
/// larger than SQLite's page cache. Valid only while no other connection commits (the data
/// version they were read at) and only with the batches that read them committed: a batch takes
/// them and gives them back when it commits, so one rolled back leaves none.
#[derive(Default)]
pub(crate) struct KeptEvents {
    data_version: Option<i64>,
    events: BTreeMap<EventId, StoredEvent>,
    dates: HashMap<EventId, EventDates>,
    recent_centroids: Option<RecentCentroids>,
}

/// An event's first and last article dates, what candidate events are first tested by.
type EventDates = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The most event dates kept between batches ([`KeptEvents`]): 40 bytes each; beyond this the
/// lot is dropped, which means only reading those rows again.
const EVENT_DATES_KEPT: usize = 200_000;

/// The most event rows kept between batches ([`KeptEvents`]), the oldest (lowest ids) dropped
/// first: candidates are mostly recent events. About 10 KB each (200 terms).
const EVENTS_KEPT: usize = 10_000;

/// The most posting lists a batch keeps ([`Batch::candidate_events`]): at most
/// [`EVENT_POSTINGS_READ`] entries each; a batch of the default 64 articles reads a few thousand.
const EVENT_POSTINGS_KEPT: usize = 20_000;

/// Whether an arriving article is already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleStatus {
    New,
    /// The same id with the same text: re-ingesting it changes nothing.
    Unchanged,
    /// The same id with a different text; the stored version is kept.
    Conflict,
}

/// Everything stored about a new article, computed by the pipeline's stages.
pub struct NewArticle<'a> {
    pub article: &'a Article,
    pub text_hash: u64,
    /// What duplicate judging keeps of the article to rule it out as a candidate without
    /// reading its text (`storyline_dedup::screen_bytes`), stored in the `minhash` column.
    pub screen: &'a [u8],
    pub band_keys: &'a [u64],
    /// The article's TF-IDF vector at arrival, strongest first.
    pub terms: &'a [(String, f32)],
    /// How many of the strongest terms go into the republication-candidate index.
    pub indexed_terms: usize,
    pub event: EventId,
}

#[cfg(test)]
impl<'a> NewArticle<'a> {
    /// An article in `event` with no fingerprint or terms, for tests of what is stored beside it.
    pub(crate) fn bare(article: &'a Article, event: EventId) -> Self {
        NewArticle { article, text_hash: 0, screen: &[], band_keys: &[], terms: &[], indexed_terms: 0, event }
    }
}

/// A stored article with what dedup needs to compare against it.
pub struct StoredArticle {
    pub article: Article,
    pub text_hash: u64,
    /// The `minhash` column: a screen ([`NewArticle::screen`]), a little-endian u32 MinHash
    /// signature (rows written before 2026-12-05), or nothing (rows written between).
    pub screen: Vec<u8>,
    pub event: EventId,
}

/// A stored article met as a duplicate candidate: its id, text hash and screen (as
/// [`StoredArticle`]), read without its text.
pub struct DuplicateCandidate {
    pub id: ArticleId,
    pub text_hash: u64,
    pub screen: Vec<u8>,
}

/// A stored event as clustering needs it.
#[derive(Clone)]
pub struct StoredEvent {
    pub id: EventId,
    /// Shared, not copied, with the rows a batch keeps ([`KeptEvents`]): each look-up hands out
    /// up to 50 candidates of 200 terms, and copying a string per term was most of reading them.
    pub centroid: std::sync::Arc<[(String, f32)]>,
    pub members: usize,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

/// Signed 64-bit is SQLite's integer; hashes are stored by their bit pattern.
fn as_sql(hash: u64) -> i64 {
    hash as i64
}

/// How many entries of one posting list (an LSH band, an indexed term) a look-up reads, newest
/// first. A common term's list grows with the store; reading all of it made each arriving
/// article's look-ups cost more than the last. Older entries stay reachable through the
/// article's rarer terms and bands; lists this short (the common case below some 100,000
/// articles, and every list of a small store) are read whole, so decisions are those of an
/// unbounded read.
pub const POSTINGS_READ: usize = 1000;
/// The same for the event-term index: each arriving article looks up 40 terms there, and each
/// touched event 60 when storylines link. Bounded at 400, a look-up's cost still grew with the
/// store for as long as its lists filled towards 400 (on the synthetic stream, 500 postings per
/// look-up at 1,000 events, 3,500 at 10,000, 14,500 at 63,000); at 30 the lists fill while the
/// store is young and the cost stops growing. Why decisions keep: the events an article can join
/// are those of its last days (`ClusterConfig::time_window`; streams arrive roughly in date
/// order), and a list is read newest first, so they come first on every list they are on; an
/// event of the same story shares many terms, rarer ones among them, so it is still counted on
/// several lists where a common word's 30 entries are all from the last day. The older entries
/// a longer read reached were mostly events sharing a common word or two, which crowded the
/// 50 candidates (an article checked on a
/// 100,000-article store: the recent event it joined ranked first of its candidates read 30
/// deep, third read 400 deep). Storyline linking reads the same lists, so it links an event
/// to the recent events of its terms; see docs/PERFORMANCE.md, "Flat: …", for what changed.
pub const EVENT_POSTINGS_READ: usize = 30;

/// Counts how many of `keys`' posting lists (each read newest first, at most `cap` entries)
/// hold each id; returns the ids held at least `min_shared` times, most held first, then
/// oldest first, at most `limit`: what `GROUP BY id HAVING COUNT(*) >= min_shared ORDER BY
/// COUNT(*) DESC, id LIMIT limit` gives over the lists read.
pub(crate) fn most_shared<K: crate::db::ToValue>(
    tx: &Tx,
    postings: &str,
    keys: &[K],
    cap: usize,
    min_shared: usize,
    limit: usize,
) -> Result<Vec<i64>> {
    let mut counts = SharedCounts::with_capacity(keys.len() * cap.min(64));
    // Each key's list is its own bounded query; a statement holds many of them (UNION ALL), as
    // each statement is a round trip to a PostgreSQL server.
    let rows: Vec<(&K, i64)> = keys.iter().map(|key| (key, cap as i64)).collect();
    tx.select_rows(postings, &rows, |row| {
        counts.add(row.get(0)?);
        Ok(())
    })?;
    Ok(counts.most_shared(min_shared, limit))
}

/// How many of the posting lists read hold each id. Tens of thousands of postings per look-up
/// on a large store: a fast hash (the ids are the store's own numbers, not an attacker's).
struct SharedCounts(rustc_hash::FxHashMap<i64, usize>);

impl SharedCounts {
    fn with_capacity(capacity: usize) -> Self {
        SharedCounts(rustc_hash::FxHashMap::with_capacity_and_hasher(capacity, Default::default()))
    }

    fn add(&mut self, id: i64) {
        *self.0.entry(id).or_default() += 1;
    }

    /// The ids counted at least `min_shared` times, most counted first, then oldest first.
    fn most_shared(self, min_shared: usize, limit: usize) -> Vec<i64> {
        let mut shared: Vec<(i64, usize)> = self.0.into_iter().filter(|&(_, n)| n >= min_shared).collect();
        shared.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        shared.into_iter().take(limit).map(|(id, _)| id).collect()
    }
}

pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(",")
}

impl<'a> Batch<'a> {
    pub(crate) fn new(tx: Tx<'a>, mentioned: &'a Mutex<MentionedEntities>) -> Self {
        Batch {
            tx,
            mentioned,
            mentioned_here: RefCell::default(),
            neighbour_articles: RefCell::default(),
            noted_unwritten: RefCell::default(),
            event_postings: RefCell::default(),
            events_read: RefCell::default(),
            event_dates: RefCell::default(),
            kept_events: None,
            recent_centroids: RefCell::default(),
        }
    }

    /// This batch starts from the event rows `kept` holds when no other connection has
    /// committed since they were read, and gives them back when it commits.
    pub(crate) fn keeping_events(mut self, kept: &'a Mutex<KeptEvents>) -> Result<Self> {
        let version = self.tx.data_version()?;
        let mut home = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if home.data_version == Some(version) {
            *self.events_read.get_mut() = std::mem::take(&mut home.events);
            *self.event_dates.get_mut() = std::mem::take(&mut home.dates);
            *self.recent_centroids.get_mut() = home.recent_centroids.take();
        } else {
            home.events.clear();
            home.dates.clear();
            home.recent_centroids = None;
        }
        drop(home);
        self.kept_events = Some((kept, version));
        Ok(self)
    }

    pub(crate) fn tx(&self) -> &Tx<'a> {
        &self.tx
    }

    pub fn commit(self) -> Result<()> {
        self.tx.commit()?;
        if let Some((kept, data_version)) = self.kept_events {
            let mut events = self.events_read.into_inner();
            while events.len() > EVENTS_KEPT {
                events.pop_first();
            }
            let mut dates = self.event_dates.into_inner();
            if dates.len() > EVENT_DATES_KEPT {
                dates.clear();
            }
            *kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = KeptEvents {
                data_version: Some(data_version),
                events,
                dates,
                recent_centroids: self.recent_centroids.into_inner(),
            };
        }
        let mut mentioned = self.mentioned.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (article, entities) in self.mentioned_here.into_inner() {
            mentioned.insert(article, entities);
        }
        Ok(())
    }

    /// The data version of this connection: it changes when another connection (or process)
    /// commits, never for this one's own commits (SQLite's `data_version`; on PostgreSQL a
    /// counter each batch bumps). A batch holds the write lock, so what it reads stays as it is
    /// until the batch commits.
    pub fn data_version(&self) -> Result<i64> {
        self.tx.data_version()
    }

    pub(crate) fn mentioned(&self) -> std::sync::MutexGuard<'_, MentionedEntities> {
        self.mentioned.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn article_status(&self, id: &str, text_hash: u64) -> Result<ArticleStatus> {
        let stored: Option<i64> = self
            .tx
            .prepare_cached("SELECT text_hash FROM articles WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(match stored {
            None => ArticleStatus::New,
            Some(h) if h == as_sql(text_hash) => ArticleStatus::Unchanged,
            Some(_) => ArticleStatus::Conflict,
        })
    }

    /// Articles whose normalised text has this hash.
    pub fn same_text(&self, text_hash: u64) -> Result<Vec<ArticleId>> {
        let mut stmt = self.tx.prepare_cached("SELECT id FROM articles WHERE text_hash = ?1 ORDER BY seq")?;
        let ids = stmt.query_map([as_sql(text_hash)], |r| r.get(0))?.collect::<crate::Result<_>>()?;
        Ok(ids)
    }

    /// Articles sharing at least one LSH band key: near-duplicate candidates.
    pub fn sharing_bands(&self, band_keys: &[u64], limit: usize) -> Result<Vec<DuplicateCandidate>> {
        let keys: Vec<i64> = band_keys.iter().map(|k| as_sql(*k)).collect();
        let seqs = most_shared(
            &self.tx,
            "SELECT article_seq FROM lsh_bands WHERE band_key = ? ORDER BY article_seq DESC LIMIT ?",
            &keys,
            POSTINGS_READ,
            1,
            limit,
        )?;
        self.duplicate_candidates(&seqs)
    }

    /// Articles by arrival number, in the order given, with what screens them as duplicate
    /// candidates: not their text.
    fn duplicate_candidates(&self, seqs: &[i64]) -> Result<Vec<DuplicateCandidate>> {
        let mut found: HashMap<i64, DuplicateCandidate> = HashMap::with_capacity(seqs.len());
        let rows: Vec<[i64; 1]> = seqs.iter().map(|seq| [*seq]).collect();
        self.tx.select_rows("SELECT seq, id, text_hash, minhash FROM articles WHERE seq = ?", &rows, |r| {
            let candidate = DuplicateCandidate { id: r.get(1)?, text_hash: r.get::<i64>(2)? as u64, screen: r.get(3)? };
            found.insert(r.get(0)?, candidate);
            Ok(())
        })?;
        seqs.iter().map(|seq| found.remove(seq).ok_or(StoreError::NoRow)).collect()
    }

    /// Articles sharing at least `min_shared` of these indexed terms, most shared first:
    /// republication candidates.
    pub fn sharing_terms(&self, terms: &[String], min_shared: usize, limit: usize) -> Result<Vec<DuplicateCandidate>> {
        let seqs = most_shared(
            &self.tx,
            "SELECT article_seq FROM article_terms WHERE term = ? ORDER BY article_seq DESC LIMIT ?",
            terms,
            POSTINGS_READ,
            min_shared,
            limit,
        )?;
        self.duplicate_candidates(&seqs)
    }

    pub fn stored_article(&self, id: &str) -> Result<Option<StoredArticle>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS}, text_hash, minhash, event_id FROM articles WHERE id = ?1"
        ))?;
        let row = stmt
            .query_row([id], |r| {
                Ok((
                    read_article(r)?,
                    r.get::<i64>(ARTICLE_COLUMN_COUNT)?,
                    r.get::<Vec<u8>>(ARTICLE_COLUMN_COUNT + 1)?,
                    r.get::<i64>(ARTICLE_COLUMN_COUNT + 2)?,
                ))
            })
            .optional()?;
        let Some((article, text_hash, screen, event)) = row else { return Ok(None) };
        Ok(Some(StoredArticle { article: article?, text_hash: text_hash as u64, screen, event }))
    }

    /// Counts one more document containing each of `terms` (distinct) for incremental IDF, and
    /// gives each term's document frequency, this document counted.
    pub fn count_document<'t>(&self, terms: impl IntoIterator<Item = &'t str>) -> Result<HashMap<String, u64>> {
        let terms: Vec<[&str; 1]> = terms.into_iter().map(|t| [t]).collect();
        let mut frequencies = HashMap::with_capacity(terms.len());
        self.tx.execute_rows(
            (
                "INSERT INTO term_df (term, df)",
                "(?, 1)",
                " ON CONFLICT(term) DO UPDATE SET df = term_df.df + 1 RETURNING term, df",
            ),
            &terms,
            |r| {
                frequencies.insert(r.get::<String>(0)?, r.get::<i64>(1)? as u64);
                Ok(())
            },
        )?;
        self.tx.execute("UPDATE meta SET value = value + 1 WHERE key = 'documents'", params![])?;
        Ok(frequencies)
    }

    /// The last raw-stream sequence applied to this store (`storyline consume`); 0 for none.
    pub fn stream_position(&self) -> Result<u64> {
        let n: Option<i64> = self
            .tx
            .query_row("SELECT value FROM meta WHERE key = 'stream_position'", params![], |r| r.get::<i64>(0))
            .optional()?;
        Ok(n.unwrap_or(0) as u64)
    }

    /// Records the last raw-stream sequence applied, in this batch: it commits with the
    /// articles it covers, or not at all.
    pub fn set_stream_position(&self, sequence: u64) -> Result<()> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('stream_position', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
            [sequence as i64],
        )?;
        Ok(())
    }

    /// Documents counted so far.
    pub fn documents(&self) -> Result<u64> {
        let n: i64 = self.tx.query_row("SELECT value FROM meta WHERE key = 'documents'", params![], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Events whose strongest terms include at least `min_shared` of `terms`, most shared first.
    pub fn candidate_events(&self, terms: &[String], min_shared: usize, limit: usize) -> Result<Vec<StoredEvent>> {
        self.candidate_events_where(terms, min_shared, limit, |_, _| true)
    }

    /// [`Batch::candidate_events`], less those `keep` rejects by their first and last article
    /// dates (events that cannot be chosen whatever their centroid), whose centroids are then
    /// not decoded. The `limit` most shared are taken first, then filtered.
    pub fn candidate_events_where(
        &self,
        terms: &[String],
        min_shared: usize,
        limit: usize,
        keep: impl Fn(Option<DateTime<Utc>>, Option<DateTime<Utc>>) -> bool,
    ) -> Result<Vec<StoredEvent>> {
        let mut known = self.event_postings.borrow_mut();
        if known.len() > EVENT_POSTINGS_KEPT {
            // A batch of thousands of articles (`--batch-files`) would otherwise hold lists of
            // most of the store's terms; dropping them only means reading them again.
            known.clear();
        }
        let unread: Vec<(&String, i64)> = terms
            .iter()
            .filter(|term| !known.contains_key(term.as_str()))
            .map(|term| (term, EVENT_POSTINGS_READ as i64))
            .collect();
        for term in &unread {
            known.insert(term.0.clone(), Vec::new());
        }
        self.tx.select_rows(
            "SELECT term, event_id FROM event_terms WHERE term = ? ORDER BY event_id DESC LIMIT ?",
            &unread,
            |row| {
                if let crate::db::ValueRef::Text(term) = row.get_ref(0)? {
                    if let Some(list) = known.get_mut(term) {
                        list.push(row.get(1)?);
                    }
                }
                Ok(())
            },
        )?;
        for (term, _) in &unread {
            if let Some(list) = known.get_mut(term.as_str()) {
                list.sort_unstable_by(|a, b| b.cmp(a));
            }
        }
        let mut counts = SharedCounts::with_capacity(terms.len() * 64);
        for term in terms {
            for &id in &known[term.as_str()] {
                counts.add(id);
            }
        }
        drop(known);
        self.events_where(&counts.most_shared(min_shared, limit), keep)
    }

    /// An event as clustering needs it: one row (its members, dates and centroid are kept on
    /// it as articles join).
    pub fn event(&self, id: EventId) -> Result<StoredEvent> {
        self.events_where(&[id], |_, _| true)?.pop().ok_or(StoreError::NoRow)
    }

    /// Events as clustering needs them, in the order of `ids`, those `keep` accepts by their
    /// dates: those this batch (or an earlier one, [`KeptEvents`]) has read as they are, the
    /// others read from their rows. The centroid of a row `keep` rejects is not decoded: on a
    /// large store most candidates of the event-term look-ups are older events outside
    /// assignment's time window or too far to link, and decoding their 200-term centroids (and
    /// reading them again in every batch, since the rows kept are the newest) grew with the
    /// store; their dates are kept instead.
    fn events_where(
        &self,
        ids: &[EventId],
        keep: impl Fn(Option<DateTime<Utc>>, Option<DateTime<Utc>>) -> bool,
    ) -> Result<Vec<StoredEvent>> {
        let mut read = self.events_read.borrow_mut();
        let mut dates = self.event_dates.borrow_mut();
        let unread: Vec<[EventId; 1]> = ids
            .iter()
            .filter(|id| !read.contains_key(id) && dates.get(id).is_none_or(|&(first, last)| keep(first, last)))
            .map(|id| [*id])
            .collect();
        self.tx.select_rows(
            "SELECT id, centroid, members, first_published, last_published FROM events WHERE id = ?",
            &unread,
            |r| {
                let id = r.get(0)?;
                let first = r.get::<Option<String>>(3)?.as_deref().and_then(parse_date);
                let last = r.get::<Option<String>>(4)?.as_deref().and_then(parse_date);
                if !keep(first, last) {
                    dates.insert(id, (first, last));
                    return Ok(());
                }
                dates.remove(&id);
                let event = StoredEvent {
                    id,
                    centroid: crate::terms_blob::read(r.get_ref(1)?)?.into(),
                    members: r.get::<i64>(2)? as usize,
                    first,
                    last,
                };
                read.insert(event.id, event);
                Ok(())
            },
        )?;
        ids.iter()
            .filter_map(|id| match read.get(id) {
                Some(event) => keep(event.first, event.last).then(|| Ok(event.clone())),
                None if dates.contains_key(id) => None,
                None => Some(Err(StoreError::NoRow)),
            })
            .collect()
    }

    /// Forgets what this batch read of an event it changes.
    fn event_changed(&self, id: EventId) {
        self.events_read.borrow_mut().remove(&id);
        self.event_dates.borrow_mut().remove(&id);
    }

    /// Opens a new event and returns its id.
    pub fn create_event(&self, centroid: &[(String, f32)], indexed_terms: usize) -> Result<EventId> {
        let id = self.tx.insert_returning(
            "INSERT INTO events (centroid) VALUES (?1)",
            "id",
            [crate::terms_blob::encode(centroid)],
        )?;
        self.index_event_terms(id, &[], centroid, indexed_terms)?;
        Ok(id)
    }

    /// Replaces an event's centroid, `previous` with `centroid`, and its entries in the event-term
    /// index (only those that changed).
    pub fn update_event(
        &self,
        id: EventId,
        previous: &[(String, f32)],
        centroid: &[(String, f32)],
        indexed_terms: usize,
    ) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE events SET centroid = ?2 WHERE id = ?1")?
            .execute(params![id, crate::terms_blob::encode(centroid)])?;
        self.event_changed(id);
        self.index_event_terms(id, previous, centroid, indexed_terms)
    }

    /// Moves an event's entries in the event-term index from the strongest terms of `previous`
    /// to those of `centroid`: an article joining an event changes a few of them, and rewriting
    /// all of them was a large part of storing it.
    fn index_event_terms(
        &self,
        id: EventId,
        previous: &[(String, f32)],
        centroid: &[(String, f32)],
        indexed_terms: usize,
    ) -> Result<()> {
        let strongest = |v: &'_ [(String, f32)]| -> std::collections::HashSet<String> {
            v.iter().take(indexed_terms).map(|(t, _)| t.clone()).collect()
        };
        let (before, after) = (strongest(previous), strongest(centroid));
        let mut delete = self.tx.prepare_cached("DELETE FROM event_terms WHERE term = ?1 AND event_id = ?2")?;
        let mut known = self.event_postings.borrow_mut();
        for term in before.difference(&after) {
            delete.execute(params![term, id])?;
            // A full list would now end with an entry it has not read: read it again if asked.
            if known.get(term.as_str()).is_some_and(|list| list.len() >= EVENT_POSTINGS_READ) {
                known.remove(term.as_str());
            } else if let Some(list) = known.get_mut(term.as_str()) {
                list.retain(|&e| e != id);
            }
        }
        let added: Vec<(&String, EventId)> = after.difference(&before).map(|term| (term, id)).collect();
        for (term, id) in &added {
            if let Some(list) = known.get_mut(term.as_str()) {
                // Newest first, at most EVENT_POSTINGS_READ: where the store's list would have it.
                let at = list.partition_point(|&e| e > *id);
                if at < EVENT_POSTINGS_READ && list.get(at) != Some(id) {
                    list.insert(at, *id);
                    list.truncate(EVENT_POSTINGS_READ);
                }
            }
        }
        drop(known);
        self.tx.execute_rows(("INSERT OR IGNORE INTO event_terms (term, event_id)", "(?, ?)", ""), &added, |_| Ok(()))
    }

    pub fn insert_article(&self, new: &NewArticle) -> Result<()> {
        let a = new.article;
        let seq = self.tx.insert_returning(
            "INSERT INTO articles (id, url, title, text, outlet, author, published, language,
                 language_confidence, source_path, source_format, removed, text_hash, minhash, terms,
                 event_id, ingested_at, published_offset, date_source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            "seq",
            params![
                a.id,
                a.url,
                a.title,
                crate::stored_text::value(&a.text, self.tx.backend()),
                a.outlet,
                a.author,
                a.published.map(|d| d.to_rfc3339()),
                a.language.as_ref().map(|l| &l.code),
                a.language.as_ref().map(|l| l.confidence),
                a.source.path,
                a.source.format.as_str(),
                to_json(&a.removed),
                as_sql(new.text_hash),
                new.screen,
                "",
                new.event,
                Utc::now().to_rfc3339(),
                a.published_offset,
                a.date_source.map(DateSource::as_str),
            ],
        )?;
        // RFC 3339 in UTC, one format: its text order is time order, as MIN and MAX over the
        // articles gave. The CAST tells PostgreSQL the parameter's type where nothing else does.
        self.tx
            .prepare_cached(
                "UPDATE events SET members = members + 1,
                 first_published = CASE WHEN CAST(?2 AS TEXT) IS NOT NULL
                     AND (first_published IS NULL OR ?2 < first_published) THEN ?2 ELSE first_published END,
                 last_published = CASE WHEN CAST(?2 AS TEXT) IS NOT NULL
                     AND (last_published IS NULL OR ?2 > last_published) THEN ?2 ELSE last_published END,
                 last_seq = ?3
                 WHERE id = ?1",
            )?
            .execute(params![new.event, a.published.map(|d| d.to_rfc3339()), seq])?;
        self.event_changed(new.event);
        let bands: Vec<[i64; 2]> = new.band_keys.iter().map(|key| [as_sql(*key), seq]).collect();
        self.tx.execute_rows(
            ("INSERT OR IGNORE INTO lsh_bands (band_key, article_seq)", "(?, ?)", ""),
            &bands,
            |_| Ok(()),
        )?;
        let terms: Vec<(&String, i64)> =
            new.terms.iter().take(new.indexed_terms).map(|(term, _)| (term, seq)).collect();
        self.tx
            .execute_rows(("INSERT OR IGNORE INTO article_terms (term, article_seq)", "(?, ?)", ""), &terms, |_| Ok(()))
    }

    pub fn insert_duplicate(&self, relation: &DuplicateRelation) -> Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO duplicates (original, copy, kind, score, evidence) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                relation.original,
                relation.copy,
                relation.kind.as_str(),
                relation.score,
                to_json(&relation.evidence)
            ],
        )?;
        Ok(())
    }
}

/// How many [`ARTICLE_COLUMNS`] there are: columns selected after them start at this index.
pub(crate) const ARTICLE_COLUMN_COUNT: usize = 14;

/// The article columns, in the order [`read_article`] expects.
pub(crate) const ARTICLE_COLUMNS: &str = "id, url, title, text, outlet, author, published, language, \
     language_confidence, source_path, source_format, removed, published_offset, date_source";

/// Reads the [`ARTICLE_COLUMNS`] of a row. The outer result is SQLite's; the inner one is ours
/// (a stored JSON field that no longer parses).
pub(crate) fn read_article(r: &crate::db::Row) -> Result<Result<Article>> {
    let published: Option<String> = r.get(6)?;
    let code: Option<String> = r.get(7)?;
    let format: String = r.get(10)?;
    let removed: String = r.get(11)?;
    let removed = match from_json("removed text", &removed) {
        Ok(removed) => removed,
        Err(e) => return Ok(Err(e)),
    };
    let text = match crate::stored_text::read(r.get_ref(3)?) {
        Ok(text) => text,
        Err(e) => return Ok(Err(e)),
    };
    let format = match format.as_str() {
        "html" => SourceFormat::Html,
        "jsonl" => SourceFormat::Jsonl,
        "text" => SourceFormat::Text,
        "warc" => SourceFormat::Warc,
        other => return Ok(Err(StoreError::Corrupt { what: "source format", detail: other.to_string() })),
    };
    Ok(Ok(Article {
        id: r.get(0)?,
        url: r.get(1)?,
        title: r.get(2)?,
        text,
        outlet: r.get(4)?,
        author: r.get(5)?,
        published: published.as_deref().and_then(parse_date),
        published_offset: r.get(12)?,
        date_source: r.get::<Option<String>>(13)?.as_deref().and_then(DateSource::parse),
        language: match code {
            Some(code) => Some(Language { code, confidence: r.get::<Option<f32>>(8)?.unwrap_or(0.0) }),
            None => None,
        },
        source: Source { path: r.get(9)?, format },
        removed,
    }))
}

/// A stored (UTC) publication date written in the offset its source stated, so that its first ten
/// characters are the article's own day.
pub(crate) fn stated_date(published: Option<String>, offset: Option<i32>) -> Option<String> {
    let offset = offset.filter(|seconds| *seconds != 0).and_then(chrono::FixedOffset::east_opt);
    match (published, offset) {
        (Some(published), Some(offset)) => match parse_date(&published) {
            Some(instant) => Some(instant.with_timezone(&offset).to_rfc3339()),
            None => Some(published),
        },
        (published, _) => published,
    }
}

pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|d| d.with_timezone(&Utc))
}
