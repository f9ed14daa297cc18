//! Sentence embeddings: each article's (an opaque blob that `storyline-similarity` reads, kept
//! for an event's most recent members only) and each event's centroid in embedding space (half
//! precision since 2026-12-05, f32 before) with its ANN band keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::db::{params, OptionalExtension};
use storyline_model::{ArticleId, EventId};

use crate::{Batch, Result, Store};

/// An event's centroid in embedding space.
#[derive(Debug, Clone, PartialEq)]
pub struct EventVector {
    pub model: String,
    /// Articles averaged into it.
    pub members: usize,
    pub vector: Vec<f32>,
}

/// The decoded centroids of the most recently opened events of one model, as
/// [`Batch::recent_event_vectors`] gives them: each arriving article is compared with all of
/// them, and reading and decoding a thousand rows for each was a sixth of the writer's time.
/// Kept between a store's batches with the event rows (`KeptEvents`, the same validity) and
/// moved as centroids are written.
#[derive(Debug, Default)]
pub(crate) struct RecentCentroids {
    model: String,
    limit: usize,
    /// By event id (the most recently opened have the highest), as stored: half precision.
    centroids: BTreeMap<EventId, Arc<[f32]>>,
}

impl RecentCentroids {
    /// A centroid just written: kept if its event is among the `limit` most recent. False when
    /// a kept event went to another model: an older event takes its place, which only a new
    /// read can find.
    fn note(&mut self, event: EventId, model: &str, vector: Arc<[f32]>) -> bool {
        if model != self.model {
            return self.centroids.remove(&event).is_none();
        }
        let oldest = self.centroids.first_key_value().map(|(&id, _)| id);
        if self.centroids.len() < self.limit || oldest.is_some_and(|oldest| event > oldest) {
            self.centroids.insert(event, vector);
            while self.centroids.len() > self.limit {
                self.centroids.pop_first();
            }
        }
        true
    }
}

/// How deep each band of the ANN index is read, newest events first. Embeddings crowd into a
/// few directions, so a band's busiest keys held a quarter of all events (861 of 3,543 after
/// 14,000 articles of `bench growth`); read whole and grouped, they made each arrival cost more
/// than the last. The most recent events are searched exactly anyway (the pipeline's
/// `RECENT_EVENTS`); the bands add older ones, and an old event in a crowded band is reached
/// through its other bands.
pub const EVENT_BANDS_READ: usize = 200;

/// What opens a centroid stored in half precision. Centroids written before are bare
/// little-endian f32 values, and a unit vector's first component never reads as these four
/// bytes (about 5.4e13).
const HALF_PRECISION_CENTROID: &[u8] = b"SLEV\x02";

/// A centroid's stored form: each component in half precision (IEEE binary16), half of f32's
/// bytes, so that an event's row shares its page with two others. The centroid is a unit vector
/// (components of a few hundredths) moved by each arrival; binary16 keeps each component within
/// 2^-11 of itself, and an older rounding weighs less with every arrival, so it does not drift.
fn to_bytes(vector: &[f32]) -> Vec<u8> {
    let mut out = HALF_PRECISION_CENTROID.to_vec();
    out.extend(vector.iter().flat_map(|v| half::f16::from_f32(*v).to_le_bytes()));
    out
}

fn from_bytes(bytes: &[u8]) -> Vec<f32> {
    match bytes.strip_prefix(HALF_PRECISION_CENTROID) {
        Some(halves) => halves.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        None => bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
    }
}

impl Batch<'_> {
    pub fn insert_article_embedding(&self, article: &str, model: &str, data: &[u8]) -> Result<()> {
        self.tx()
            .prepare_cached("INSERT OR REPLACE INTO article_embeddings (article_id, model, data) VALUES (?1, ?2, ?3)")?
            .execute(params![article, model, data])?;
        Ok(())
    }

    /// The embeddings of an event's `limit` most recently arrived members made by `model`.
    pub fn event_member_embeddings(
        &self,
        event: EventId,
        model: &str,
        limit: usize,
    ) -> Result<Vec<(ArticleId, Vec<u8>)>> {
        let rows = self
            .tx()
            .prepare_cached(
                "SELECT a.id, e.data FROM articles a JOIN article_embeddings e ON e.article_id = a.id
                 WHERE a.event_id = ?1 AND e.model = ?2 ORDER BY a.seq DESC LIMIT ?3",
            )?
            .query_map(params![event, model, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::Result<_>>()?;
        Ok(rows)
    }

    /// The embedding of the event's member that is `offset` places behind its most recent one
    /// with an embedding of `model` (counting from 0), if any, with the member's id. Only the
    /// event's `2 × offset` most recent members are looked at, as in
    /// [`Batch::drop_member_embedding_beyond`].
    pub fn member_embedding_at(
        &self,
        event: EventId,
        model: &str,
        offset: usize,
    ) -> Result<Option<(ArticleId, Vec<u8>)>> {
        self.tx()
            .prepare_cached(
                "SELECT a.id, e.data FROM (SELECT id, seq FROM articles WHERE event_id = ?1 ORDER BY seq DESC LIMIT ?4) a
                 JOIN article_embeddings e ON e.article_id = a.id
                 WHERE e.model = ?2 ORDER BY a.seq DESC LIMIT 1 OFFSET ?3",
            )?
            .query_row(params![event, model, offset as i64, 2 * offset as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
    }

    /// Deletes the embedding of the event's member that is `kept` places behind its most recent
    /// one with an embedding of `model` (counting from 0), if any: called as each member arrives,
    /// it keeps only the embeddings [`Batch::event_member_embeddings`] with `limit` = `kept` reads.
    /// Only the event's `2 × kept` most recent members are looked at, so that the look-up does not
    /// grow with the event (members without an embedding there may leave one unread behind).
    pub fn drop_member_embedding_beyond(&self, event: EventId, model: &str, kept: usize) -> Result<()> {
        self.tx()
            .prepare_cached(
                "DELETE FROM article_embeddings WHERE article_id =
                 (SELECT a.id FROM (SELECT id, seq FROM articles WHERE event_id = ?1 ORDER BY seq DESC LIMIT ?4) a
                  JOIN article_embeddings e ON e.article_id = a.id
                  WHERE e.model = ?2 ORDER BY a.seq DESC LIMIT 1 OFFSET ?3)",
            )?
            .execute(params![event, model, kept as i64, 2 * kept as i64])?;
        Ok(())
    }

    pub fn event_vector(&self, event: EventId) -> Result<Option<EventVector>> {
        let row = self
            .tx()
            .prepare_cached("SELECT model, members, vector FROM event_vectors WHERE event_id = ?1")?
            .query_row([event], |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?, r.get::<Vec<u8>>(2)?)))
            .optional()?;
        Ok(row.map(|(model, members, bytes)| EventVector {
            model,
            members: members as usize,
            vector: from_bytes(&bytes),
        }))
    }

    /// Replaces an event's centroid and its entries in the ANN index.
    pub fn set_event_vector(&self, event: EventId, centroid: &EventVector, band_keys: &[i64]) -> Result<()> {
        let stored = to_bytes(&centroid.vector);
        self.tx()
            .prepare_cached(
                "INSERT OR REPLACE INTO event_vectors (event_id, model, members, vector) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![event, centroid.model, centroid.members as i64, stored])?;
        self.tx().execute("DELETE FROM event_vector_bands WHERE event_id = ?1", [event])?;
        let mut insert =
            self.tx().prepare_cached("INSERT INTO event_vector_bands (band_key, event_id) VALUES (?1, ?2)")?;
        for key in band_keys {
            insert.execute(params![key, event])?;
        }
        let mut recent = self.recent_centroids.borrow_mut();
        if recent.as_mut().is_some_and(|kept| !kept.note(event, &centroid.model, from_bytes(&stored).into())) {
            *recent = None;
        }
        Ok(())
    }

    /// The centroids made by `model` of the `limit` most recently opened events (the highest
    /// ids), newest first: an exact nearest-centroid search over them costs `limit` dot products
    /// whatever the size of the store. Read once, then kept ([`RecentCentroids`]).
    pub fn recent_event_vectors(&self, model: &str, limit: usize) -> Result<Vec<(EventId, Arc<[f32]>)>> {
        let mut recent = self.recent_centroids.borrow_mut();
        let recent = match recent.as_mut() {
            Some(kept) if kept.model == model && kept.limit == limit => kept,
            _ => {
                let centroids = self
                    .tx()
                    .prepare_cached(
                        "SELECT event_id, vector FROM event_vectors WHERE model = ?1 ORDER BY event_id DESC LIMIT ?2",
                    )?
                    .query_map(params![model, limit as i64], |r| {
                        Ok((r.get(0)?, from_bytes(&r.get::<Vec<u8>>(1)?).into()))
                    })?
                    .collect::<crate::Result<_>>()?;
                recent.insert(RecentCentroids { model: model.to_string(), limit, centroids })
            }
        };
        Ok(recent.centroids.iter().rev().map(|(id, vector)| (*id, Arc::clone(vector))).collect())
    }

    /// Events whose centroid shares a band key with `band_keys`, most shared first, each band
    /// read newest event first and at most [`EVENT_BANDS_READ`] deep.
    pub fn events_sharing_vector_bands(&self, band_keys: &[i64], limit: usize) -> Result<Vec<EventId>> {
        crate::batch::most_shared(
            self.tx(),
            "SELECT event_id FROM event_vector_bands WHERE band_key = ? ORDER BY event_id DESC LIMIT ?",
            band_keys,
            EVENT_BANDS_READ,
            1,
            limit,
        )
    }
}

impl Store {
    /// An article's stored embedding blob made by `model`, if any.
    pub fn article_embedding(&self, article: &str, model: &str) -> Result<Option<Vec<u8>>> {
        self.conn
            .prepare_cached("SELECT data FROM article_embeddings WHERE article_id = ?1 AND model = ?2")?
            .query_row([article, model], |r| r.get(0))
            .optional()
    }
}

#[cfg(test)]
mod tests {
    use crate::{NewArticle, Store};
    use storyline_model::{Article, SourceFormat};

    /// Centroids come back within binary16's rounding; those stored as f32 before still read.
    #[test]
    fn centroids_are_stored_in_half_precision_and_f32_ones_still_read() {
        let vector: Vec<f32> = (0..512).map(|i| ((i as f32) * 0.37).sin() / 16.0).collect();
        let stored = super::to_bytes(&vector);
        assert_eq!(stored.len(), super::HALF_PRECISION_CENTROID.len() + 2 * vector.len());
        let read = super::from_bytes(&stored);
        assert_eq!(read.len(), vector.len());
        assert!(read.iter().zip(&vector).all(|(r, v)| (r - v).abs() <= v.abs() / 2048.0 + 1e-7));
        let f32_bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(super::from_bytes(&f32_bytes), vector);
    }

    /// The exact search reads the most recently opened events' centroids of the model asked for,
    /// newest first, and no more than asked.
    #[test]
    fn recent_event_vectors_are_the_newest_events_of_the_model() {
        let mut store = Store::open_in_memory().unwrap();
        let batch = store.batch().unwrap();
        let events: Vec<i64> = (0..4).map(|_| batch.create_event(&[], 0).unwrap()).collect();
        for (i, &event) in events.iter().enumerate() {
            let model = if i == 2 { "other" } else { "m" };
            let centroid = super::EventVector { model: model.into(), members: 1, vector: vec![i as f32, 1.0] };
            batch.set_event_vector(event, &centroid, &[]).unwrap();
        }
        let ids = |limit| -> Vec<i64> {
            batch.recent_event_vectors("m", limit).unwrap().into_iter().map(|(id, _)| id).collect()
        };
        assert_eq!(ids(10), [events[3], events[1], events[0]]);
        assert_eq!(ids(2), [events[3], events[1]]);
        assert_eq!(*batch.recent_event_vectors("m", 1).unwrap()[0].1, [3.0, 1.0]);
    }

    /// The centroids kept between reads, moved as centroids are written (new events, changed
    /// ones, one moved to another model), in this batch and the next, are what the store holds.
    #[test]
    fn kept_recent_centroids_are_what_the_store_holds() {
        let mut store = Store::open_in_memory().unwrap();
        let set = |batch: &crate::Batch, event: i64, model: &str, x: f32| {
            let centroid = super::EventVector { model: model.into(), members: 1, vector: vec![x, 0.1] };
            batch.set_event_vector(event, &centroid, &[]).unwrap();
        };
        let kept_and_stored = |batch: &crate::Batch| {
            let kept = batch.recent_event_vectors("m", 3).unwrap();
            *batch.recent_centroids.borrow_mut() = None;
            (kept, batch.recent_event_vectors("m", 3).unwrap())
        };
        let batch = store.batch().unwrap();
        let events: Vec<i64> = (0..4).map(|_| batch.create_event(&[], 0).unwrap()).collect();
        for (i, &event) in events.iter().enumerate() {
            set(&batch, event, "m", i as f32);
        }
        batch.recent_event_vectors("m", 3).unwrap();
        let newer = batch.create_event(&[], 0).unwrap();
        set(&batch, newer, "m", 0.7);
        set(&batch, events[0], "m", 9.0);
        set(&batch, events[3], "m", 0.3);
        let (kept, stored) = kept_and_stored(&batch);
        assert_eq!(kept, stored);
        batch.commit().unwrap();

        let batch = store.batch().unwrap();
        assert!(batch.recent_centroids.borrow().is_some(), "kept from the batch before");
        set(&batch, newer, "other", 0.5);
        set(&batch, events[2], "m", 0.2);
        let (kept, stored) = kept_and_stored(&batch);
        assert_eq!(kept, stored);
        assert_eq!(kept.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [events[3], events[2], events[1]]);
    }

    /// Only the members the next read takes keep their embeddings; other models' and other
    /// events' are left alone.
    #[test]
    fn members_beyond_those_read_lose_their_embeddings() {
        let mut store = Store::open_in_memory().unwrap();
        let batch = store.batch().unwrap();
        let (event, other) = (batch.create_event(&[], 0).unwrap(), batch.create_event(&[], 0).unwrap());
        let add = |id: &str, event: i64, model: &str| {
            let article = Article::new(id, format!("Text of {id}."), SourceFormat::Text);
            batch.insert_article(&NewArticle::bare(&article, event)).unwrap();
            batch.insert_article_embedding(id, model, id.as_bytes()).unwrap();
            batch.drop_member_embedding_beyond(event, model, 2).unwrap();
        };
        add("a", event, "m");
        add("x", other, "m");
        add("b", event, "m");
        add("c", event, "other model");
        add("d", event, "m");
        let kept = |event| -> Vec<String> {
            batch.event_member_embeddings(event, "m", 10).unwrap().into_iter().map(|(id, _)| id).collect()
        };
        assert_eq!(kept(event), ["d", "b"]);
        assert_eq!(kept(other), ["x"]);
        // The member one behind the most recent, looked for among the 2 most recent members.
        let at = |offset| batch.member_embedding_at(event, "m", offset).unwrap();
        assert_eq!(at(1), None, "c, of the other model, is the other one of the 2");
        add("e", event, "m");
        assert_eq!(at(1), Some(("d".to_string(), b"d".to_vec())));
        assert_eq!(batch.event_member_embeddings(event, "other model", 10).unwrap().len(), 1);
    }
}
