//! Meaning at ingest: articles are embedded in the parallel preparation step (when a sentence
//! embedding model is installed), and event assignment compares a newcomer with the members of
//! candidate events by the event-join score (`Combiner::event_join`), which crosses languages.
//! Candidate events come from the ANN index over event centroids (`storyline_cluster::semantic`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Result;
use storyline_cluster::semantic::{add_to_dense_centroid, HyperplaneLsh};
use storyline_cluster::{ClusterConfig, Cohesion, EventCandidate};
use storyline_embed::{cosine, Embedder};
use storyline_model::{Article, EventId};
use storyline_similarity::{signals, ArticleEmbedding, Combiner, JoinThresholds, Signals, Weights};
use storyline_store::{Batch, EventVector};

use crate::loaded::{LoadOnce, OnceNote};

/// Members of a candidate event compared with a newcomer: the most recent ones, enough to
/// represent an event whose reports drift, few enough to keep assignment cheap. Only their
/// embeddings are kept (older members' are dropped as new ones arrive).
const MEMBERS_COMPARED: usize = 8;
/// Candidate events given the full similarity: the closest by centroid. The centroid cosine
/// is cheap (one dot product); the full similarity aligns sentences with every compared member.
const EVENTS_SCORED: usize = 6;
/// Events whose centroids are searched exactly for each newcomer: the most recently opened, so
/// that the cost is bounded (this many dot products) and does not grow with the store. 1,000
/// gave the best fit-part F1 of STS22's pairs (50–500 less; docs/EVALUATION.md).
const RECENT_EVENTS: usize = 1000;
/// Articles embedded per model call: large enough to keep both cores busy.
const EMBED_BATCH: usize = 16;
/// Members whose pairs give an event's cohesion: the most recent few (six pairs of four).
const COHESION_MEMBERS: usize = 4;
/// Events whose members' cohesion is kept ([`Semantic::members_cohesion`]): those a stream's
/// arrivals meet again, a few hundred bytes each.
const COHESIONS_KEPT: usize = 100_000;

/// What an event-join score is compared with: the clusterer's threshold, and where it was
/// calibrated per pair of languages.
struct Scale<'a> {
    config: &'a ClusterConfig,
    thresholds: &'a JoinThresholds,
}

/// A loaded embedding model with what event assignment needs around it.
pub struct Semantic {
    model: Box<dyn Embedder>,
    /// The event-join score: the probability of one happening.
    combiner: Combiner,
    /// The closeness behind the cohesion check: the linear score, which keeps ranking among
    /// close pairs where the probability has levelled off (the seeds' 2019 story scores 0.97
    /// against the 2020 reports, as they do against each other).
    closeness: Combiner,
    /// Where the event-join score means "same happening", per pair of languages.
    thresholds: JoinThresholds,
    index: HyperplaneLsh,
    /// Each event's members' cohesion, by the members it was computed from.
    cohesion_kept: Mutex<HashMap<EventId, (Vec<String>, f32)>>,
}

/// The semantic side of ingest for a models folder, loaded once per process and folder; `None`
/// (with one note on stderr) when the model is not installed.
pub fn load(models: &Path, name: &str) -> Option<Arc<Semantic>> {
    static LOADED: LoadOnce<(PathBuf, String), Option<Arc<Semantic>>> = LoadOnce::new();
    static NOTE: OnceNote = OnceNote::new();
    LOADED.get((models.to_path_buf(), name.to_string()), || {
        let model = NOTE.ok_or_note(
            storyline_embed::load_model(name, models),
            "events by words only (no cross-language matching)",
        )?;
        Some(Arc::new(Semantic {
            combiner: Combiner::event_join(model.name()),
            closeness: Combiner::Linear(Weights::for_model(model.name())),
            thresholds: Weights::for_model(model.name()).join_thresholds,
            index: HyperplaneLsh::for_dimension(model.dimension()),
            cohesion_kept: Mutex::default(),
            model,
        }))
    })
}

impl Semantic {
    /// Embeddings of the articles, in order; an article the model fails on gets `None` (and
    /// is then clustered by its words only), with the reason in the log.
    pub fn embed(&self, articles: &[Article]) -> Vec<Option<ArticleEmbedding>> {
        let mut out = Vec::with_capacity(articles.len());
        for chunk in articles.chunks(EMBED_BATCH) {
            let inputs: Vec<(Option<&str>, &str)> =
                chunk.iter().map(|a| (a.title.as_deref(), a.text.as_str())).collect();
            match ArticleEmbedding::compute_many(self.model.as_ref(), &inputs) {
                Ok(embedded) => out.extend(embedded.into_iter().zip(chunk).map(|(e, a)| {
                    Some(e.with_published(a.published).with_language(a.language_code().map(str::to_string)))
                })),
                Err(error) => {
                    tracing::warn!(%error, "embedding failed; these articles are clustered by words only");
                    out.extend(chunk.iter().map(|_| None));
                }
            }
        }
        out
    }

    /// Events whose centroid is near the article's direction: up to `limit` from the ANN index,
    /// and the `limit` nearest by centroid among the `RECENT_EVENTS` most recently opened events
    /// (an exact search, which finds what the bands miss at cosines of 0.5–0.8, as across
    /// languages).
    pub fn candidate_events(&self, batch: &Batch, embedding: &ArticleEmbedding, limit: usize) -> Result<Vec<EventId>> {
        let Some(document) = embedding.document() else { return Ok(Vec::new()) };
        let mut events = batch.events_sharing_vector_bands(&self.index.band_keys(&document), limit)?;
        let mut nearest: Vec<(f32, EventId)> = batch
            .recent_event_vectors(self.model.name(), RECENT_EVENTS)?
            .into_iter()
            .map(|(id, centroid)| (cosine(&document, &centroid), id))
            .collect();
        nearest.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, id) in nearest.into_iter().take(limit) {
            if !events.contains(&id) {
                events.push(id);
            }
        }
        Ok(events)
    }

    /// Gives the candidates closest to the article by centroid their semantic score, on the
    /// clusterer's scale (a pair of languages with a calibrated threshold has its scores moved by
    /// the difference to `config.semantic_join`), and their cohesion.
    pub fn score_candidates(
        &self,
        batch: &Batch,
        embedding: &ArticleEmbedding,
        candidates: &mut [EventCandidate],
        config: &ClusterConfig,
        thresholds: Option<&JoinThresholds>,
    ) -> Result<()> {
        let scale = Scale { config, thresholds: thresholds.unwrap_or(&self.thresholds) };
        let Some(document) = embedding.document() else { return Ok(()) };
        let mut by_centroid = Vec::new();
        for (i, candidate) in candidates.iter().enumerate() {
            if let Some(centroid) = batch.event_vector(candidate.id)?.filter(|v| v.model == self.model.name()) {
                by_centroid.push((cosine(&document, &centroid.vector), i));
            }
        }
        by_centroid.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, i) in by_centroid.into_iter().take(EVENTS_SCORED) {
            let (semantic, cohesion) = self.event_similarity(batch, candidates[i].id, embedding, &scale)?;
            candidates[i].semantic = semantic;
            candidates[i].cohesion = cohesion;
        }
        Ok(())
    }

    /// The event-join score of two articles' signals on the clusterer's scale.
    fn join_score(&self, pair: &Signals, scale: &Scale) -> f32 {
        // The score alone: explaining it (Shapley values of the trees) would cost far more.
        let score = self.combiner.score(pair);
        let [a, b] = &pair.languages;
        let shift = match scale.thresholds.for_languages(a.as_deref(), b.as_deref()) {
            Some(threshold) => f64::from(scale.config.semantic_join) - threshold,
            None => 0.0,
        };
        (score + shift) as f32
    }

    /// The best score between the article and the event's most recent members, if any of them
    /// has an embedding of this model; and, when the cohesion check is on and two or more of them
    /// have one, the event's cohesion and the article's closeness to it (both by the linear
    /// score, unshifted).
    fn event_similarity(
        &self,
        batch: &Batch,
        event: EventId,
        embedding: &ArticleEmbedding,
        scale: &Scale,
    ) -> Result<(Option<f32>, Option<Cohesion>)> {
        let check = scale.config.cohesion_margin.is_finite();
        let mut best: Option<f32> = None;
        let mut closest = f32::MIN;
        let mut members = Vec::new();
        for (id, bytes) in batch.event_member_embeddings(event, self.model.name(), MEMBERS_COMPARED)? {
            match ArticleEmbedding::from_bytes(&bytes) {
                Ok(member) => {
                    let pair = signals(embedding, &member);
                    let score = self.join_score(&pair, scale);
                    tracing::debug!(event, member = %id, score, "semantic similarity");
                    best = Some(best.map_or(score, |b| b.max(score)));
                    if check {
                        closest = closest.max(self.closeness.score(&pair) as f32);
                    }
                    members.push((id, member));
                }
                Err(error) => tracing::warn!(article = %id, %error, "unreadable stored embedding skipped"),
            }
        }
        let cohesion = if check && members.len() >= 2 {
            let members = &members[..members.len().min(COHESION_MEMBERS)];
            Some(Cohesion { members: self.members_cohesion(event, members), newcomer: closest })
        } else {
            None
        };
        Ok((best, cohesion))
    }

    /// The mean closeness of the pairs among an event's most recent members: the same until one
    /// of them changes, while each arrival that has the event among its candidates asks for it
    /// (six pair alignments each time were a sixth of the writer's time), so kept by the
    /// members' ids, which name their texts and so their embeddings.
    fn members_cohesion(&self, event: EventId, members: &[(String, ArticleEmbedding)]) -> f32 {
        let ids: Vec<String> = members.iter().map(|(id, _)| id.clone()).collect();
        let mut kept = self.cohesion_kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((kept_ids, cohesion)) = kept.get(&event) {
            if *kept_ids == ids {
                return *cohesion;
            }
        }
        let pairs: Vec<f32> = members
            .iter()
            .enumerate()
            .flat_map(|(i, (_, a))| members[i + 1..].iter().map(move |(_, b)| (a, b)))
            .map(|(a, b)| self.closeness.score(&signals(a, b)) as f32)
            .collect();
        let cohesion = pairs.iter().sum::<f32>() / pairs.len() as f32;
        if kept.len() >= COHESIONS_KEPT {
            kept.clear();
        }
        kept.insert(event, (ids, cohesion));
        cohesion
    }

    /// Rewrites the embedding of the event's member `COHESION_MEMBERS` places behind its most
    /// recent one without its sentence vectors. Its other vectors are read and written again:
    /// quantised once more they come back as they were (the largest component sets the scale).
    fn drop_member_sentences(&self, batch: &Batch, event: EventId) -> Result<()> {
        let Some((id, bytes)) = batch.member_embedding_at(event, self.model.name(), COHESION_MEMBERS)? else {
            return Ok(());
        };
        let Ok(mut member) = ArticleEmbedding::from_bytes(&bytes) else { return Ok(()) };
        if !member.sentences.is_empty() {
            member.sentences.clear();
            batch.insert_article_embedding(&id, self.model.name(), &member.to_bytes())?;
        }
        Ok(())
    }

    /// Stores the article's embedding and moves its event's centroid (and index entries). Unless
    /// `keep_all`, the member that this arrival pushes out of the `MEMBERS_COMPARED` most recent
    /// loses its embedding: nothing reads it again; and the one it pushes out of the
    /// `COHESION_MEMBERS` most recent loses its sentence vectors (about half of its blob): an
    /// older member is still compared by its title, lead and chunks, without the alignment signals.
    pub fn store(
        &self,
        batch: &Batch,
        article: &str,
        event: EventId,
        embedding: &ArticleEmbedding,
        keep_all: bool,
    ) -> Result<()> {
        batch.insert_article_embedding(article, self.model.name(), &embedding.to_bytes())?;
        if !keep_all {
            batch.drop_member_embedding_beyond(event, self.model.name(), MEMBERS_COMPARED)?;
            self.drop_member_sentences(batch, event)?;
        }
        let Some(document) = embedding.document() else { return Ok(()) };
        let (vector, members) = match batch.event_vector(event)? {
            Some(old) if old.model == self.model.name() => {
                (add_to_dense_centroid(&old.vector, old.members, &document), old.members + 1)
            }
            _ => (document, 1),
        };
        let keys = self.index.band_keys(&vector);
        let centroid = EventVector { model: self.model.name().to_string(), members, vector };
        batch.set_event_vector(event, &centroid, &keys)?;
        Ok(())
    }
}
