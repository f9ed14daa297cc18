//! Ingest: files → articles → fingerprints → duplicate relations → events → store.
//!
//! Parsing and fingerprinting are pure and run in parallel; deciding duplicates and events must
//! see every earlier article, so it runs in arrival order inside one store transaction per batch.
//! A batch commits whole or not at all, and re-ingesting skips what is already stored, so an
//! interrupted ingest is completed by running it again.
//!
//! Other processes may write the store at the same time (another ingest, a server storing
//! POSTs). A batch holds the store's write lock from its start, so whatever was decided before
//! it against an older state of the store (screening, the entity resolution's memory) is decided
//! again inside it: the outcome is that of the writers' batches stored one after another.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use storyline_cluster::{
    add_to_centroid, choose_event, tfidf, within_time_window, ClusterConfig, EventCandidate, TermVector,
};
use storyline_dedup::{
    align_texts_at_least, fingerprint_of_words, judge_with, republication_needs, AlignableText, Candidate, DedupConfig,
    Fingerprint,
};
use storyline_model::{Article, ArticleId, DuplicateKind, DuplicateRelation, EventId, Skipped};
use storyline_similarity::ArticleEmbedding;
use storyline_store::{ArticleStatus, Batch, NewArticle, Store, StoreReader, StoredArticle};
use storyline_story::{fits_storyline, link_score, may_link, EventProfile, StorylineConfig};

use crate::entities::{BatchEntities, EntityWrites, ResolutionMemory};
use crate::semantic::{self, Semantic};

/// Settings of one ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Files per batch (one transaction).
    pub batch_files: usize,
    pub dedup: DedupConfig,
    pub cluster: ClusterConfig,
    pub storyline: StorylineConfig,
    /// The models folder: `ner.bin` for entity extraction, the embedding model for events
    /// across languages (each skipped, with a note, when absent).
    pub models_dir: PathBuf,
    /// The sentence-embedding model events are matched with; `None`: by words only.
    pub embedding_model: Option<String>,
    /// Which files are found, symbolic links leading out of a folder included or not.
    pub discovery: storyline_ingest::Discovery,
    /// Event-join thresholds per pair of languages in place of the model's committed ones
    /// (`weights.json`): for measuring them before they are committed.
    pub join_thresholds: Option<storyline_similarity::JoinThresholds>,
    /// Keep every article's embedding, not only those of each event's most recent members (all
    /// that assignment reads): for scoring stored articles afterwards (`eval pairs`).
    pub keep_all_embeddings: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            batch_files: 64,
            dedup: DedupConfig::default(),
            cluster: ClusterConfig::default(),
            storyline: StorylineConfig::default(),
            models_dir: crate::entities::default_models_dir(),
            embedding_model: Some(storyline_embed::DEFAULT_MODEL.to_string()),
            discovery: storyline_ingest::Discovery::default(),
            join_thresholds: None,
            keep_all_embeddings: false,
        }
    }
}

/// How far an ingest has come, reported after each batch.
#[derive(Debug, Clone, Copy)]
pub struct IngestProgress {
    pub files_done: usize,
    pub files_total: usize,
    pub articles_done: usize,
    /// Set while the next batch waits for another writer of the store to finish its own: how
    /// long it has waited so far.
    pub waiting_for_writer: Option<Duration>,
}

/// What an ingest did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct IngestReport {
    pub files: usize,
    /// Articles read from the files (before dedup).
    pub articles: usize,
    /// Articles stored for the first time (duplicates included).
    pub new: usize,
    /// Articles already stored with the same text.
    pub unchanged: usize,
    /// New articles that duplicate a stored one, by kind.
    pub duplicates: BTreeMap<DuplicateKind, usize>,
    pub events_created: usize,
    /// Articles whose file-name id was taken by a different text (the same file name in two
    /// folders): stored under the id with a suffix, `{id}-{text hash}`, as (file, new id).
    pub renamed: Vec<(String, String)>,
    /// Inputs that did not become articles, each with its reason.
    pub skipped: Vec<Skipped>,
}

/// Batches prepared ahead of the one being stored.
const PREPARED_AHEAD: usize = 2;

/// How many of an article's strongest terms the republication-candidate index keeps, and how
/// many of them a candidate must share.
const INDEXED_ARTICLE_TERMS: usize = 12;
const MIN_SHARED_ARTICLE_TERMS: usize = 4;
/// At most this many candidates per look-up: the most similar ones come first.
const CANDIDATE_LIMIT: usize = 20;
/// How many of an event's strongest centroid terms the event index keeps, how many of an
/// article's terms are looked up in it, and how many must match.
const INDEXED_EVENT_TERMS: usize = 60;
const EVENT_QUERY_TERMS: usize = 40;
const MIN_SHARED_EVENT_TERMS: usize = 2;
const EVENT_CANDIDATE_LIMIT: usize = 50;
/// How many of a storyline's latest events an event that would join it is compared with.
const STORYLINE_EVENTS_COMPARED: usize = 5;
/// Candidate events from the ANN index over event centroids.
const SEMANTIC_CANDIDATE_LIMIT: usize = 10;

/// An article as screening keeps it: with its text's words and their hash, which dedup and
/// clustering read too.
struct Arrival {
    article: Article,
    words: Vec<String>,
    text_hash: u64,
    /// Whether the article takes `{id}-{text hash}` when its id turns out to belong to a
    /// different text ([`settle_id`]).
    renamable: bool,
}

impl Arrival {
    fn new(article: Article) -> Arrival {
        let words = storyline_text::words(&article.text);
        let text_hash = storyline_text::words_hash(&words);
        Arrival { article, words, text_hash, renamable: false }
    }
}

/// An article with everything computed before it meets the store.
#[derive(Serialize, Deserialize)]
struct Prepared {
    article: Article,
    fingerprint: Fingerprint,
    term_counts: rustc_hash::FxHashMap<String, f32>,
    /// Entity mentions and quotes, when the tagger model is there, with what resolving them
    /// needs that the store does not decide.
    entities: Option<(storyline_entities::Extraction, storyline_entities::ResolutionPlan)>,
    /// Coded events and resolved date expressions.
    events: crate::events::ArticleEvents,
    /// Sentence embeddings, when the model is installed.
    embedding: Option<ArticleEmbedding>,
    /// As [`Arrival::renamable`].
    renamable: bool,
}

impl Prepared {
    /// Gives the article a new id, in everything prepared that names it.
    fn rename(&mut self, id: String) {
        for event in &mut self.events.events {
            event.article.clone_from(&id);
        }
        self.article.id = id;
        self.renamable = false;
    }
}

/// The models an ingest run uses, loaded once.
struct Models {
    extractor: Option<Arc<storyline_entities::Extractor>>,
    /// Where the gazetteer that geocodes place entities is (loading from the start of the run).
    gazetteer_dir: Option<PathBuf>,
    semantic: Option<Arc<Semantic>>,
}

impl Models {
    fn load(options: &IngestOptions) -> Models {
        let extractor = crate::entities::load_extractor(&options.models_dir);
        let gazetteer_dir = extractor.as_ref().map(|_| crate::places::gazetteer_dir(&options.models_dir));
        if let Some(dir) = &gazetteer_dir {
            crate::places::load_in_background(dir.clone());
        }
        Models {
            extractor,
            gazetteer_dir,
            semantic: options.embedding_model.as_deref().and_then(|name| semantic::load(&options.models_dir, name)),
        }
    }

    /// Computes everything about the articles that needs no store: fingerprints, terms,
    /// entities and coded events in parallel, then embeddings (the model uses every core).
    fn prepare(&self, arrivals: Vec<Arrival>, options: &IngestOptions) -> Vec<Prepared> {
        // The articles apart, for the embedding model, which takes them together.
        type Rest = (Vec<String>, u64, bool);
        let (articles, words): (Vec<Article>, Vec<Rest>) =
            arrivals.into_iter().map(|a| (a.article, (a.words, a.text_hash, a.renamable))).unzip();
        let embeddings = match &self.semantic {
            Some(semantic) => semantic.embed(&articles),
            None => vec![None; articles.len()],
        };
        let coder = crate::events::coder(&options.models_dir);
        let gazetteer = self.gazetteer_dir.as_deref().and_then(crate::places::load_gazetteer);
        articles
            .into_par_iter()
            .zip(words)
            .zip(embeddings)
            .map(|((article, (words, text_hash, renamable)), embedding)| {
                let entities = self.extractor.as_ref().map(|x| {
                    let mut extraction = x.extract(&article);
                    if let Some(gazetteer) = &gazetteer {
                        crate::places::locate(gazetteer, &mut extraction);
                    }
                    let plan = storyline_entities::plan(&extraction);
                    (extraction, plan)
                });
                Prepared {
                    fingerprint: fingerprint_of_words(&words, text_hash, &options.dedup),
                    term_counts: storyline_cluster::term_counts(&article, &words, &options.cluster),
                    events: crate::events::code(&coder, &article, entities.as_ref().map(|(x, _)| x)),
                    entities,
                    embedding,
                    renamable,
                    article,
                }
            })
            .collect()
    }
}

/// Reads every file under `paths` into the store. `progress` is called after each batch.
pub fn ingest_paths(
    store: &mut Store,
    paths: &[PathBuf],
    options: &IngestOptions,
    progress: &dyn Fn(IngestProgress),
) -> Result<IngestReport> {
    let (files, skipped) = storyline_ingest::discover_with(paths, &options.discovery);
    let report = IngestReport { files: files.len(), skipped, ..Default::default() };
    let files = &files;
    let repeated = &repeated_lines(files);
    let batches = batch_bounds(files.len(), options.batch_files).map(|range| {
        let chunk = &files[range];
        (chunk.iter().flat_map(|file| read_among(file, repeated)).collect(), chunk.len())
    });
    ingest_batches(store, batches, files.len(), report, options, progress)
}

/// The opening and closing lines that a run's plain-text files share beside different articles
/// (a site's promoted headline and section name; its links, forms and account prompts below the
/// article): read before the run, cut from every file they open or close.
pub(crate) fn repeated_lines(files: &[storyline_ingest::InputFile]) -> storyline_ingest::RepeatedLines {
    let repeated = storyline_ingest::RepeatedLines::census(files);
    if !repeated.is_empty() {
        tracing::info!(
            lines = repeated.len(),
            "opening and closing lines repeated across files, cut as site furniture"
        );
    }
    repeated
}

/// One file of a run, its repeated opening and closing lines cut.
pub(crate) fn read_among(
    file: &storyline_ingest::InputFile,
    repeated: &storyline_ingest::RepeatedLines,
) -> Vec<Result<Article, Skipped>> {
    storyline_ingest::read_file_among(file, &storyline_ingest::Limits::DEFAULT, repeated)
}

/// Stores articles made elsewhere (a generator, another reader), batch by batch, as
/// [`ingest_paths`] stores files: each item is one batch's articles (or why an input was
/// skipped) and how many inputs it counts for in [`IngestProgress::files_done`].
pub fn ingest_article_batches<I>(
    store: &mut Store,
    batches: I,
    inputs_total: usize,
    options: &IngestOptions,
    progress: &dyn Fn(IngestProgress),
) -> Result<IngestReport>
where
    I: Iterator<Item = (Vec<Result<Article, Skipped>>, usize)> + Send,
{
    let report = IngestReport { files: inputs_total, ..Default::default() };
    ingest_batches(store, batches, inputs_total, report, options, progress)
}

fn ingest_batches<I>(
    store: &mut Store,
    batches: I,
    inputs_total: usize,
    mut report: IngestReport,
    options: &IngestOptions,
    progress: &dyn Fn(IngestProgress),
) -> Result<IngestReport>
where
    I: Iterator<Item = (Vec<Result<Article, Skipped>>, usize)> + Send,
{
    let mut done =
        IngestProgress { files_done: 0, files_total: inputs_total, articles_done: 0, waiting_for_writer: None };
    progress(done);
    let models = Models::load(options);

    // Three stages overlap: a reader thread parses batch N + 3, the workers prepare batches N + 1
    // and N + 2 (one after the other), and this thread stores batch N (SQLite has one writer).
    // Reading here instead made the writer queue behind the workers' preparation for the pool.
    // Batches are screened before the ones ahead of them are stored, so against their ids as
    // well as the store.
    std::thread::scope(|scope| -> Result<()> {
        let (read_tx, read_rx) = std::sync::mpsc::sync_channel::<(Vec<Result<Article, Skipped>>, usize)>(1);
        scope.spawn(move || {
            lower_thread_priority();
            for batch in batches {
                if read_tx.send(batch).is_err() {
                    return; // the writer stopped on an error
                }
            }
        });

        // A batch being prepared, and how many files it came from.
        type Preparing<'scope> = (std::thread::ScopedJoinHandle<'scope, Vec<Prepared>>, usize);
        let finish_preparing = |(handle, files_in_batch): Preparing| -> Result<(Vec<Prepared>, usize)> {
            let waited = std::time::Instant::now();
            let prepared = handle.join().map_err(|_| anyhow::anyhow!("preparing a batch of articles panicked"))?;
            tracing::debug!(waited_ms = waited.elapsed().as_millis() as u64, "batch prepared");
            Ok((prepared, files_in_batch))
        };
        // Entity resolution reads through a second connection while this one writes.
        let mut reader = store.reader()?;
        let mut memory = ResolutionMemory::default();
        let mut store_prepared = |(mut prepared, files_in_batch): (Vec<Prepared>, usize),
                                  store: &mut Store,
                                  report: &mut IngestReport,
                                  done: &mut IngestProgress|
         -> Result<()> {
            let storing = std::time::Instant::now();
            let resolution = Resolution { reader: reader.as_mut(), memory: &mut memory };
            let before = *done;
            let waiting = |waited| progress(IngestProgress { waiting_for_writer: Some(waited), ..before });
            let semantic = models.semantic.as_deref();
            store_batch(store, resolution, &mut prepared, semantic, options, report, &waiting, &|_| Ok(()))?;
            // Where a run's time goes: waiting on preparation (above), or storing (the one writer).
            tracing::debug!(
                articles = prepared.len(),
                stored_ms = storing.elapsed().as_millis() as u64,
                "batch stored"
            );
            done.files_done += files_in_batch;
            progress(*done);
            Ok(())
        };
        // Preparations under way, oldest first. Each starts when the one before it is ready, so
        // the batch the writer waits for has the workers; two ahead, the workers always have a
        // batch to prepare while the writer stores.
        let mut preparing: VecDeque<Preparing> = VecDeque::new();
        // The ids and text hashes of the batches screened and not yet stored, oldest first.
        let mut unstored: VecDeque<HashMap<String, u64>> = VecDeque::new();
        let mut previous_ready: Option<mpsc::Receiver<()>> = None;
        for (parsed, files_in_batch) in read_rx {
            let articles_read: Vec<Article> =
                parsed.into_iter().filter_map(|item| item.map_err(|skip| report.skipped.push(skip)).ok()).collect();
            report.articles += articles_read.len();
            done.articles_done += articles_read.len();
            let (articles, kept) = screen_arrivals(store, articles_read, &unstored, &mut report)?;
            unstored.push_back(kept);
            let ready = match preparing.len() {
                PREPARED_AHEAD => preparing.pop_front().map(finish_preparing).transpose()?,
                _ => None,
            };
            let (ready_tx, ready_rx) = mpsc::channel();
            let previous = previous_ready.replace(ready_rx);
            let models = &models;
            let handle = scope.spawn(move || {
                if let Some(previous) = previous {
                    let _ = previous.recv(); // ready, or failed: either way the workers are free
                }
                let prepared = models.prepare(articles, options);
                let _ = ready_tx.send(());
                prepared
            });
            preparing.push_back((handle, files_in_batch));
            if let Some(ready) = ready {
                store_prepared(ready, store, &mut report, &mut done)?;
                unstored.pop_front();
            }
        }
        while let Some(batch) = preparing.pop_front() {
            store_prepared(finish_preparing(batch)?, store, &mut report, &mut done)?;
        }
        Ok(())
    })?;
    Ok(report)
}

/// Lowers the calling thread's priority to the lowest (Linux's nice value is per thread).
/// Ingest stores on one thread (SQLite has one writer) while the others read and prepare the
/// next batches; with every core busy, the writer would get only its share of one and hold
/// everything up. The rayon workers and the reader call this, so the writer runs whenever it
/// can and they take what is left (at nice 10 they still slowed it: `bench ingest` with
/// entities ran 2–3 % longer).
pub fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only changes the calling thread's nice value; who = 0 names it.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// The files of each batch: small at both ends, `batch_files` in between. At the start the
/// writer waits while the first batch is prepared; at the end the workers are idle while the
/// last one is stored. Small batches there shorten both, and sizes double (then halve) so the
/// rest runs in full batches, whose commits are few.
fn batch_bounds(files: usize, batch_files: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let batch_files = batch_files.max(1);
    let ramp: Vec<usize> = std::iter::successors(Some((batch_files / 8).max(1)), |s| Some(s * 2))
        .take_while(|&s| s < batch_files)
        .collect();
    // The ramp's sizes, each as much as it can take of the files left.
    let take_ramp = |left: &mut usize| -> Vec<usize> {
        let sizes = ramp.iter().map(|&size| {
            let size = size.min(*left);
            *left -= size;
            size
        });
        sizes.filter(|&size| size > 0).collect()
    };
    let mut left = files;
    let mut sizes = take_ramp(&mut left);
    let tail_files: usize = ramp.iter().sum();
    while left > tail_files {
        let size = batch_files.min(left - tail_files);
        sizes.push(size);
        left -= size;
    }
    // The tail, filled from its end: the smallest batch last.
    sizes.extend(take_ramp(&mut left).into_iter().rev());
    sizes.into_iter().scan(0, |start, size| {
        let range = *start..*start + size;
        *start = range.end;
        Some(range)
    })
}

/// Screens a batch's articles before the costly preparation: those already stored with the
/// same text are counted as unchanged and go no further (re-ingesting a folder embeds nothing
/// again), and an article read from a file is renamed ([`settle_id`]) when its file-name id
/// already belongs to a different text, stored or earlier in this batch.
///
/// `unstored` holds the ids and text hashes of the batches ahead, screened but not yet stored:
/// an article meets them as it would meet them in the store. Returns the articles kept, and
/// their ids and text hashes (to be `unstored` for the batches after them). Screening reads a
/// snapshot of the store, which other writers may change before the batch is stored; the batch
/// settles each id again then ([`settle_arrivals`]), and what screening found stays true:
/// stored articles are never removed, so an article found unchanged stays unchanged, and an id
/// found taken stays taken.
fn screen_arrivals(
    store: &mut Store,
    articles: Vec<Article>,
    unstored: &VecDeque<HashMap<String, u64>>,
    report: &mut IngestReport,
) -> Result<(Vec<Arrival>, HashMap<String, u64>)> {
    let lookup = store.snapshot()?; // read only: dropped without commit
    let mut taken: HashMap<String, u64> = HashMap::new();
    let mut kept = Vec::with_capacity(articles.len());
    for article in articles {
        let mut arrival = Arrival::new(article);
        let hash = arrival.text_hash;
        let status_of = |id: &str| -> Result<ArticleStatus> {
            Ok(match taken.get(id) {
                Some(&earlier) if earlier == hash => ArticleStatus::New, // stored as unchanged in turn
                Some(_) => ArticleStatus::Conflict,
                None => match unstored.iter().find_map(|batch| batch.get(id)) {
                    Some(&stored) if stored == hash => ArticleStatus::Unchanged,
                    Some(_) => ArticleStatus::Conflict,
                    None => lookup.article_status(id, hash)?,
                },
            })
        };
        let from_file = arrival.article.source.path.is_some();
        let (status, renamed) = settle_id(&arrival.article.id, hash, from_file, status_of)?;
        arrival.renamable = from_file && renamed.is_none();
        if let Some(id) = renamed {
            note_renamed(&arrival.article, &id, report);
            arrival.article.id = id;
        }
        if status == ArticleStatus::Unchanged {
            report.unchanged += 1;
            continue;
        }
        taken.insert(arrival.article.id.clone(), hash);
        kept.push(arrival);
    }
    Ok((kept, taken))
}

/// An arriving article's status under its id, given the status of any id (`status_of`). When
/// the id belongs to a different text and the article may be `renamable` (it came from a file),
/// it takes a new id, `{id}-{text hash}`: two folders often hold files of the same name, and
/// neither should be lost. The suffix comes from the text, so ingesting the same files again
/// finds the same ids. Returns the status and the new id, if any.
fn settle_id(
    id: &str,
    text_hash: u64,
    renamable: bool,
    status_of: impl Fn(&str) -> Result<ArticleStatus>,
) -> Result<(ArticleStatus, Option<String>)> {
    let status = status_of(id)?;
    if status != ArticleStatus::Conflict || !renamable {
        return Ok((status, None));
    }
    let renamed = format!("{id}-{:08x}", text_hash as u32);
    Ok((status_of(&renamed)?, Some(renamed)))
}

fn note_renamed(article: &Article, id: &str, report: &mut IngestReport) {
    let path = article.source.path.clone().unwrap_or_default();
    tracing::info!(file = %path, from = %article.id, to = %id, "file-name id taken by another text");
    report.renamed.push((path, id.to_string()));
}

/// Stores articles that are already parsed (the HTTP API's `POST /api/articles`), in order, as
/// one batch, with the same rules as files: dedup, events, storylines.
pub fn ingest_articles(store: &mut Store, articles: Vec<Article>, options: &IngestOptions) -> Result<IngestReport> {
    let mut report = IngestReport { articles: articles.len(), ..Default::default() };
    let models = Models::load(options);
    let mut prepared = models.prepare(articles.into_iter().map(Arrival::new).collect(), options);
    let resolution = Resolution { reader: None, memory: &mut ResolutionMemory::default() };
    let semantic = models.semantic.as_deref();
    store_batch(store, resolution, &mut prepared, semantic, options, &mut report, &|_| {}, &|_| Ok(()))?;
    Ok(report)
}

/// An article prepared away from the store (`storyline worker`): everything ingest computes
/// before the store, in a form that crosses processes. The decisions that need the store are
/// made by [`Decider::store`], in the order the articles arrived.
#[derive(Serialize, Deserialize)]
pub struct PreparedArticle(Prepared);

impl PreparedArticle {
    pub fn id(&self) -> &str {
        &self.0.article.id
    }
}

/// Prepares articles without a store, the models loaded once (a stream worker).
pub struct Preparer {
    models: Models,
    options: IngestOptions,
}

impl Preparer {
    pub fn new(options: IngestOptions) -> Preparer {
        Preparer { models: Models::load(&options), options }
    }

    /// Prepares articles as ingest does, less screening against the store: ids are settled
    /// when they are stored ([`settle_arrivals`] renames an article from a file whose id
    /// another text took, as screening would have).
    pub fn prepare(&self, articles: Vec<Article>) -> Vec<PreparedArticle> {
        let arrivals = articles
            .into_iter()
            .map(|article| {
                let mut arrival = Arrival::new(article);
                arrival.renamable = arrival.article.source.path.is_some();
                arrival
            })
            .collect();
        self.models.prepare(arrivals, &self.options).into_iter().map(PreparedArticle).collect()
    }
}

/// Stores prepared articles batch by batch, as ingest stores its batches (the one writer of a
/// stream: `storyline consume`).
pub struct Decider {
    semantic: Option<Arc<Semantic>>,
    memory: ResolutionMemory,
    options: IngestOptions,
}

impl Decider {
    pub fn new(options: IngestOptions) -> Decider {
        let semantic = options.embedding_model.as_deref().and_then(|name| semantic::load(&options.models_dir, name));
        Decider { semantic, memory: ResolutionMemory::default(), options }
    }

    /// Stores `prepared` in order as one transaction, and moves the store's stream position
    /// from `position.0` to `position.1` in it. The position is checked under the write lock:
    /// if another decision process moved it meanwhile, nothing is stored (an error), so two
    /// consumers of one stream never apply a run twice.
    pub fn store(
        &mut self,
        store: &mut Store,
        mut prepared: Vec<PreparedArticle>,
        position: (u64, u64),
        report: &mut IngestReport,
    ) -> Result<()> {
        let (from, to) = position;
        let mut items: Vec<Prepared> = prepared.drain(..).map(|p| p.0).collect();
        report.articles += items.len();
        let resolution = Resolution { reader: None, memory: &mut self.memory };
        let record = |batch: &Batch| -> Result<()> {
            let found = batch.stream_position()?;
            anyhow::ensure!(
                found == from,
                "the store's stream position is {found}, not {from}: another consumer applied"
            );
            batch.set_stream_position(to)?;
            Ok(())
        };
        let semantic = self.semantic.as_deref();
        store_batch(store, resolution, &mut items, semantic, &self.options, report, &|_| {}, &record)
    }
}

/// Where a batch's entities are resolved: through a reader of the store file, or on the
/// writer's own transaction; with what the run's earlier batches learnt of the entities.
struct Resolution<'r> {
    reader: Option<&'r mut StoreReader>,
    memory: &'r mut ResolutionMemory,
}

/// Stores prepared articles in arrival order as one transaction: all of them or none. The
/// transaction holds the store's write lock from its start (`waiting` hears how long it has
/// waited for another writer), and each article's id is settled inside it.
///
/// Entity resolution needs only the entities and mentions, and the rest of storing never
/// reads them, so with a `reader` it runs on its own thread, reading what earlier batches
/// committed, while this thread stores the articles; its decisions are written last. Without
/// one (a store in memory) it runs first, here, reading the same.
fn store_batch(
    store: &mut Store,
    Resolution { reader, memory }: Resolution,
    prepared: &mut [Prepared],
    semantic: Option<&Semantic>,
    options: &IngestOptions,
    report: &mut IngestReport,
    waiting: &dyn Fn(Duration),
    before_commit: &dyn Fn(&Batch) -> Result<()>,
) -> Result<()> {
    let with_entities = prepared.iter().any(|item| item.entities.is_some());
    let batch = store.batch_noting_waits(waiting).context("starting a batch of writes")?;
    if with_entities {
        // Under the write lock: another writer's commit is seen now or never during this batch.
        memory.check(&batch)?;
    }
    let statuses = &settle_arrivals(&batch, prepared, report)?;
    let prepared = &*prepared;
    let mut resolve_entities = move |reads: &Batch| -> Result<EntityWrites> {
        let mut entities = BatchEntities::new(reads, memory)?;
        for (item, status) in prepared.iter().zip(statuses) {
            if let (ArticleStatus::New, Some((found, plan))) = (status, &item.entities) {
                entities
                    .resolve(&item.article.id, found, plan)
                    .with_context(|| format!("resolving the entities of article {}", item.article.id))?;
            }
        }
        Ok(entities.finish())
    };
    let store_articles = |report: &mut IngestReport| -> Result<std::collections::BTreeSet<EventId>> {
        let mut touched = std::collections::BTreeSet::new();
        for (item, status) in prepared.iter().zip(statuses) {
            let event = store_article(&batch, status, item, semantic, options, report)
                .with_context(|| format!("storing article {}", item.article.id))?;
            touched.extend(event);
        }
        Ok(touched)
    };
    let (touched, entities) = match reader {
        Some(reader) if with_entities => std::thread::scope(|scope| -> Result<_> {
            let resolving = scope.spawn(move || resolve_entities(&reader.batch()?));
            let touched = store_articles(report);
            let entities = resolving.join().map_err(|_| anyhow::anyhow!("resolving entities panicked"))?;
            Ok((touched?, entities?))
        })?,
        _ => {
            let entities = resolve_entities(&batch)?;
            (store_articles(report)?, entities)
        }
    };
    let stored: HashMap<&str, &Article> =
        prepared.iter().map(|item| (item.article.id.as_str(), &item.article)).collect();
    let full_text_of = |id: &str| stored.get(id).map(|article| article.full_text());
    entities.apply(&batch, &full_text_of).context("storing entities")?;
    link_storylines(&batch, &touched, options).context("linking events into storylines")?;
    before_commit(&batch)?;
    batch.commit().context("committing a batch of articles")?;
    Ok(())
}

/// Whether each article is new, in arrival order, renaming those whose id another text took
/// since screening (another writer stored it meanwhile) as screening renames them
/// ([`settle_id`]). An article meets the batch's earlier ones as it would meet them stored.
fn settle_arrivals(batch: &Batch, prepared: &mut [Prepared], report: &mut IngestReport) -> Result<Vec<ArticleStatus>> {
    let mut new_here: HashMap<String, u64> = HashMap::new();
    let mut statuses = Vec::with_capacity(prepared.len());
    for item in prepared {
        let hash = item.fingerprint.text_hash;
        let status_of = |id: &str| -> Result<ArticleStatus> {
            Ok(match new_here.get(id) {
                Some(&earlier) if earlier == hash => ArticleStatus::Unchanged,
                Some(_) => ArticleStatus::Conflict,
                None => batch.article_status(id, hash)?,
            })
        };
        let (status, renamed) = settle_id(&item.article.id, hash, item.renamable, status_of)?;
        if let Some(id) = renamed {
            note_renamed(&item.article, &id, report);
            item.rename(id);
        }
        if status == ArticleStatus::New {
            new_here.insert(item.article.id.clone(), hash);
        }
        statuses.push(status);
    }
    Ok(statuses)
}

/// Stores one article with its duplicate relations and event; returns the event it joined or
/// opened, or `None` when the article was already stored.
fn store_article(
    batch: &Batch,
    status: &ArticleStatus,
    item: &Prepared,
    semantic: Option<&Semantic>,
    options: &IngestOptions,
    report: &mut IngestReport,
) -> Result<Option<EventId>> {
    let article = &item.article;
    match status {
        ArticleStatus::Unchanged => {
            report.unchanged += 1;
            return Ok(None);
        }
        ArticleStatus::Conflict => {
            report.skipped.push(Skipped {
                origin: article.source.path.clone().unwrap_or_else(|| article.id.clone()),
                reason: format!(
                    "an article with id {} and a different text is already stored; kept the stored one",
                    article.id
                ),
            });
            return Ok(None);
        }
        ArticleStatus::New => {}
    }

    let frequencies = batch.count_document(item.term_counts.keys().map(String::as_str))?;
    let documents = batch.documents()?;
    let vector = tfidf(&item.term_counts, documents, |t| frequencies.get(t).copied().unwrap_or(1), &options.cluster);

    // The article's sentences, split and hashed once: for judging candidates and for its screen.
    let text = AlignableText::new(&article.text);
    let relations = find_duplicates(batch, item, &text, &vector, &options.dedup)?;
    let event = match relations.first() {
        // A copy belongs where its counterpart is.
        Some(best) => {
            let partner = if best.copy == article.id { &best.original } else { &best.copy };
            let event = batch.stored_article(partner)?.context("duplicate partner vanished")?.event;
            join_event(batch, event, &vector, options)?;
            *report.duplicates.entry(best.kind).or_default() += 1;
            event
        }
        None => {
            let meaning = semantic.zip(item.embedding.as_ref());
            assign_event(batch, article, &vector, meaning, options, report)?
        }
    };
    batch.insert_article(&NewArticle {
        article,
        text_hash: item.fingerprint.text_hash,
        // Not the signature (400 bytes an article; judging makes it again from the stored text),
        // but what rules the article out as a candidate without reading its text (~100 bytes).
        screen: &storyline_dedup::screen_bytes(&item.fingerprint, &text),
        band_keys: &item.fingerprint.band_keys,
        terms: &vector.0,
        indexed_terms: INDEXED_ARTICLE_TERMS,
        event,
    })?;
    for relation in &relations {
        batch.insert_duplicate(relation)?;
    }
    if let (Some(semantic), Some(embedding)) = (semantic, &item.embedding) {
        semantic
            .store(batch, &article.id, event, embedding, options.keep_all_embeddings)
            .context("storing the article's embedding")?;
    }
    crate::events::store_events(batch, &item.events).context("storing coded events")?;
    crate::events::store_dates(batch, article, &item.events).context("storing date expressions")?;
    report.new += 1;
    Ok(Some(event))
}

/// Duplicate relations between the article and stored ones, strongest first. Candidates come
/// from the store's indexes: the same text hash, shared LSH bands, shared strongest terms.
fn find_duplicates(
    batch: &Batch,
    item: &Prepared,
    incoming_text: &AlignableText,
    vector: &TermVector,
    config: &DedupConfig,
) -> Result<Vec<DuplicateRelation>> {
    let mut candidates: Vec<ArticleId> = batch.same_text(item.fingerprint.text_hash)?;
    // Candidates from the indexes come with their screens: most of them (on a large store,
    // older reports of other stories sharing strongest terms) are ruled out by it without
    // reading, inflating, signing and aligning their text, which grew with the store. The
    // screen's bounds are exact, so the same candidates are found duplicates.
    let indexed = batch.sharing_bands(&item.fingerprint.band_keys, CANDIDATE_LIMIT)?.into_iter().chain(
        batch.sharing_terms(&vector.top_terms(INDEXED_ARTICLE_TERMS), MIN_SHARED_ARTICLE_TERMS, CANDIDATE_LIMIT)?,
    );
    for candidate in indexed {
        let ruled_out = candidate.text_hash != item.fingerprint.text_hash
            && storyline_dedup::rules_out(&candidate.screen, &item.fingerprint, incoming_text, config);
        if !ruled_out {
            candidates.push(candidate.id);
        }
    }
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|id| *id != item.article.id && seen.insert(id.clone()));

    let incoming = Candidate { article: &item.article, fingerprint: &item.fingerprint };
    let mut relations = Vec::new();
    for id in candidates {
        let Some(stored) = batch.stored_article(&id)? else { continue };
        let (stored_article, stored_fingerprint) = stored_signature(stored, item.fingerprint.text_hash, config);
        let stored = Candidate { article: &stored_article, fingerprint: &stored_fingerprint };
        relations.extend(judge_with(&stored, &incoming, config, |original, copy| {
            let stored_text = stored_alignable_text(stored.article);
            let (original, copy) = if std::ptr::eq(original, &item.article) {
                (incoming_text, &*stored_text)
            } else {
                debug_assert!(std::ptr::eq(copy, &item.article));
                (&*stored_text, incoming_text)
            };
            align_texts_at_least(original, copy, config.sentence_similarity, |n, m| republication_needs(config, n, m))
        }));
    }
    relations.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.score.total_cmp(&a.score)));
    Ok(relations)
}

/// A stored article's sentences as alignment reads them, made once and kept: the same stored
/// articles are duplicate candidates of many arriving ones (the recent reports of a story, for
/// each next report), and splitting and tokenising their sentences again for each was most of
/// duplicate judging on a large store, growing with it as more candidates passed the
/// shared-term test. Kept by the writer's thread, by article id, and used only for the very
/// text it was made from (a stored text never changes, but a batch rolled back may leave one
/// whose id is later stored with another), in two generations of at most
/// [`ALIGNABLE_TEXTS_KEPT`]: a text met in either is moved to the newer; when the newer fills,
/// the older is dropped.
fn stored_alignable_text(article: &Article) -> std::rc::Rc<AlignableText<'static>> {
    type Kept = HashMap<ArticleId, std::rc::Rc<AlignableText<'static>>>;
    thread_local! {
        static KEPT: std::cell::RefCell<(Kept, Kept)> = Default::default();
    }
    KEPT.with_borrow_mut(|(newer, older)| {
        if let Some(text) = newer.get(&article.id).filter(|kept| kept.text() == article.text) {
            return text.clone();
        }
        let text = older
            .remove(&article.id)
            .filter(|kept| kept.text() == article.text)
            .unwrap_or_else(|| std::rc::Rc::new(AlignableText::new(&article.text).into_owned()));
        if newer.len() >= ALIGNABLE_TEXTS_KEPT {
            *older = std::mem::take(newer);
        }
        newer.insert(article.id.clone(), text.clone());
        text
    })
}

/// Stored articles' [`AlignableText`]s kept per generation ([`stored_alignable_text`]): about
/// 8 KB each.
const ALIGNABLE_TEXTS_KEPT: usize = 5_000;

/// A stored article's MinHash signature for judging it against an arrival whose text hash is
/// `arriving_hash`. Signatures are not stored since 2026-12-05 (400 bytes an article): the one
/// made again from the stored text (the words it was made from) is the same. Rows written before
/// keep theirs (4 bytes a value, a length no screen has). Texts with the same hash are judged
/// exact copies before signatures are compared, so none is made for those.
fn stored_signature(stored: StoredArticle, arriving_hash: u64, config: &DedupConfig) -> (Article, Fingerprint) {
    let values = config.bands * config.rows_per_band;
    let minhash = if stored.screen.len() == 4 * values {
        stored.screen.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
    } else if stored.text_hash != arriving_hash {
        storyline_dedup::fingerprint(&stored.article, config).minhash
    } else {
        Vec::new()
    };
    (stored.article, Fingerprint { text_hash: stored.text_hash, minhash, band_keys: Vec::new() })
}

/// The event an article joins (or opens). Candidates come from the event-term index and, with
/// embeddings, from the ANN index over event centroids.
fn assign_event(
    batch: &Batch,
    article: &Article,
    vector: &TermVector,
    meaning: Option<(&Semantic, &ArticleEmbedding)>,
    options: &IngestOptions,
    report: &mut IngestReport,
) -> Result<EventId> {
    let candidate = |e: storyline_store::StoredEvent| EventCandidate {
        id: e.id,
        centroid: e.centroid,
        first: e.first,
        last: e.last,
        semantic: None,
        cohesion: None,
    };
    // Words only, an event time rules out is never chosen (`choose_event`), so its centroid is
    // not copied out; with embeddings every candidate stays, as the semantic scoring ranks them
    // all.
    let may_join = |first, last| {
        meaning.is_some() || within_time_window(article.published, first, last, options.cluster.time_window)
    };
    let mut candidates: Vec<EventCandidate> = batch
        .candidate_events_where(
            &vector.top_terms(EVENT_QUERY_TERMS),
            MIN_SHARED_EVENT_TERMS,
            EVENT_CANDIDATE_LIMIT,
            may_join,
        )?
        .into_iter()
        .map(candidate)
        .collect();
    if let Some((semantic, embedding)) = meaning {
        for id in semantic.candidate_events(batch, embedding, SEMANTIC_CANDIDATE_LIMIT)? {
            if !candidates.iter().any(|c| c.id == id) {
                candidates.push(candidate(batch.event(id)?));
            }
        }
        semantic.score_candidates(
            batch,
            embedding,
            &mut candidates,
            &options.cluster,
            options.join_thresholds.as_ref(),
        )?;
    }
    for candidate in &candidates {
        tracing::debug!(article = %article.id, event = candidate.id, lexical = storyline_cluster::cosine(&vector.0, &candidate.centroid), semantic = ?candidate.semantic, cohesion = ?candidate.cohesion, "candidate event");
    }
    match choose_event(vector, article.published, &candidates, &options.cluster) {
        Some((event, _similarity)) => {
            join_event(batch, event, vector, options)?;
            Ok(event)
        }
        None => {
            report.events_created += 1;
            Ok(batch.create_event(&vector.0, INDEXED_EVENT_TERMS)?)
        }
    }
}

/// Links each touched event to the storylines it continues: candidates share centroid terms
/// (the event-term index), and the link score decays with the time between them. A candidate's
/// storyline and the event's own are merged only when each side fits the other as a whole (see
/// [`fits_storyline`]), not on one pair of events alone.
fn link_storylines(
    batch: &Batch,
    touched: &std::collections::BTreeSet<EventId>,
    options: &IngestOptions,
) -> Result<()> {
    let config = &options.storyline;
    for &event in touched {
        let mut own = batch.storyline_of(event)?;
        let this = event_profile(batch.event(event)?);
        // Events too far from this one in time to reach the link score are left out unread.
        let candidates = batch.candidate_events_where(
            &this.centroid.iter().take(INDEXED_EVENT_TERMS).map(|(t, _)| t.clone()).collect::<Vec<_>>(),
            MIN_SHARED_EVENT_TERMS,
            EVENT_CANDIDATE_LIMIT,
            |first, last| may_link((this.first, this.last), (first, last), config),
        )?;
        // Each other storyline is judged once for this event, on its best-linked candidate first.
        let mut judged = std::collections::HashSet::new();
        let mut linked: Vec<(f32, EventProfile)> = candidates
            .into_iter()
            .filter(|e| e.id != event)
            .map(event_profile)
            .map(|other| (link_score(&this, &other, config), other))
            .filter(|(score, _)| *score >= config.link_similarity)
            .collect();
        linked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        for (_, other) in linked {
            let theirs = batch.storyline_of(other.id)?;
            if theirs == own || !judged.insert(theirs) {
                continue;
            }
            if fits_storyline(&this, &latest_of_storyline(batch, theirs)?, config)
                && fits_storyline(&other, &latest_of_storyline(batch, own)?, config)
            {
                batch.link_storylines(event, other.id)?;
                own = own.min(theirs);
            }
        }
    }
    Ok(())
}

/// The events of a storyline an event that would join it is compared with: its latest few,
/// each read from its row (so the cost does not grow with the storyline).
fn latest_of_storyline(batch: &Batch, storyline: i64) -> Result<Vec<EventProfile>> {
    batch
        .latest_storyline_events(storyline, STORYLINE_EVENTS_COMPARED)?
        .into_iter()
        .map(|id| Ok(event_profile(batch.event(id)?)))
        .collect()
}

fn event_profile(e: storyline_store::StoredEvent) -> EventProfile {
    EventProfile { id: e.id, centroid: e.centroid, first: e.first, last: e.last }
}

fn join_event(batch: &Batch, event: EventId, vector: &TermVector, options: &IngestOptions) -> Result<()> {
    let stored = batch.event(event)?;
    let previous = TermVector(stored.centroid.to_vec());
    let centroid = add_to_centroid(&previous, stored.members, vector, &options.cluster);
    batch.update_event(event, &previous.0, &centroid.0, INDEXED_EVENT_TERMS)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use storyline_model::SourceFormat;

    /// Another writer stores two of the files' ids after screening saw them free, before their
    /// batches are stored: one with a different text (the file takes `{id}-{hash}`), one with
    /// the same (the file is unchanged). Nothing is skipped.
    #[test]
    fn ids_taken_by_another_writer_after_screening_are_settled_when_stored() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir(&input).unwrap();
        for (name, place) in [("1", "Aden"), ("2", "Sanaa"), ("3", "Taiz"), ("4", "Marib")] {
            let text = format!("Fighting in {place}\n\nFighting went on in {place} on Tuesday, officials said.");
            std::fs::write(input.join(format!("{name}.txt")), text).unwrap();
        }
        let db = dir.path().join("s.db");
        let options = IngestOptions {
            batch_files: 1,
            models_dir: dir.path().join("no-models"),
            embedding_model: None,
            ..Default::default()
        };
        let mut store = Store::open(&db).unwrap();
        let other = Mutex::new(Store::open(&db).unwrap());
        let other_wrote = |p: IngestProgress| {
            // One file per batch, two batches prepared ahead: after the first is stored, the
            // second and third have been screened.
            if p.files_done != 1 {
                return;
            }
            let mut other = other.lock().unwrap();
            ingest_paths(&mut other, &[input.join("2.txt")], &options, &|_| {}).unwrap();
            let taken = Article::new("3", "Another text altogether, from another folder.", SourceFormat::Text);
            ingest_articles(&mut other, vec![taken], &options).unwrap();
        };
        let report = ingest_paths(&mut store, std::slice::from_ref(&input), &options, &other_wrote).unwrap();

        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!((report.new, report.unchanged), (3, 1));
        assert_eq!(report.renamed.len(), 1);
        let (file, renamed) = &report.renamed[0];
        assert!(file.ends_with("3.txt") && renamed.starts_with("3-"), "{file} → {renamed}");
        let text = |id: &str| store.article(id).unwrap().map(|a| a.article.text);
        assert_eq!(text("3").unwrap(), "Another text altogether, from another folder.");
        assert!(text(renamed).unwrap().contains("Taiz"));
        assert_eq!(store.stats().unwrap().articles, 5);
        assert!(store.integrity_problems().unwrap().is_empty());
    }

    #[test]
    fn batches_are_small_at_both_ends_and_cover_every_file_once() {
        let sizes = |files, batch_files| batch_bounds(files, batch_files).map(|r| r.len()).collect::<Vec<_>>();
        assert_eq!(sizes(300, 64), [8, 16, 32, 64, 64, 60, 32, 16, 8]);
        assert_eq!(sizes(70, 64), [8, 16, 32, 6, 8]);
        assert_eq!(sizes(100, 64), [8, 16, 32, 20, 16, 8]);
        assert_eq!(sizes(5, 1), [1, 1, 1, 1, 1]);
        let ranges: Vec<_> = batch_bounds(300, 64).collect();
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(batch_bounds(3, 1).count(), 3);
        assert_eq!(batch_bounds(0, 64).count(), 0);
    }
}
