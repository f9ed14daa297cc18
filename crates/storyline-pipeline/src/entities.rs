//! Entities at ingest: the tagger is loaded once per run, extraction runs in the parallel
//! preparation step, and resolution against the stored entities runs in arrival order, once
//! per batch, beside the writer that stores the batch's articles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use rustc_hash::FxHashMap;
use storyline_entities::{resolve, Candidate, EntityIndex, Extraction, Extractor, ResolutionPlan};
use storyline_model::{ArticleId, Entity, EntityId, Mention, Quote};
use storyline_store::{Batch, StoreError};

use crate::loaded::{LoadOnce, OnceNote};

/// The models folder: `STORYLINE_MODELS`, else `models` in the working directory.
pub fn default_models_dir() -> PathBuf {
    std::env::var_os("STORYLINE_MODELS").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"))
}

/// The entity extractor of `models`, loaded once per process and folder, or `None` after
/// saying once on stderr why entities are skipped.
pub fn load_extractor(models: &Path) -> Option<Arc<Extractor>> {
    static LOADED: LoadOnce<PathBuf, Option<Arc<Extractor>>> = LoadOnce::new();
    static NOTE: OnceNote = OnceNote::new();
    LOADED.get(models.to_path_buf(), || NOTE.ok_or_note(Extractor::load(models), "entities skipped").map(Arc::new))
}

/// What resolution learnt of the stored entities in the batches an ingest run committed: the
/// entities read or written, and the entities filed under each key looked up. Looking keys up
/// and reading entities again in every batch was a third of resolution's time. It stays true
/// while nothing but the run writes the store, which [`ResolutionMemory::check`] makes sure
/// of at the start of each batch (under the write lock, so no other writer can commit before
/// the batch does).
#[derive(Default)]
pub struct ResolutionMemory {
    known: FxHashMap<EntityId, Candidate>,
    filed: FxHashMap<String, Vec<EntityId>>,
    /// Whether `filed` holds every key in the store (a store with few is read whole, so that
    /// keys new to it are not looked up one by one).
    complete: bool,
    /// The store's data version when last checked: it changes when another connection commits.
    data_version: Option<i64>,
}

/// Entity keys read whole from a store that has no more.
const KEYS_READ_WHOLE: i64 = 200_000;
/// Keys and entities kept before the memory starts over.
const KEYS_REMEMBERED: usize = 1_000_000;
const ENTITIES_REMEMBERED: usize = 200_000;

impl ResolutionMemory {
    /// Forgets everything when another connection wrote the store since the last check (or
    /// when too much is kept); a store read anew with few keys is then read whole. `batch` is
    /// the writer's batch about to store what resolution decides.
    pub fn check(&mut self, batch: &Batch) -> Result<()> {
        let version = batch.data_version()?;
        let full = self.filed.len() > KEYS_REMEMBERED || self.known.len() > ENTITIES_REMEMBERED;
        if self.data_version == Some(version) && !full {
            return Ok(());
        }
        *self = ResolutionMemory { data_version: Some(version), ..Default::default() };
        if let Some(pairs) = batch.entity_keys_if_at_most(KEYS_READ_WHOLE)? {
            for (key, id) in pairs {
                add_id(self.filed.entry(key).or_default(), id);
            }
            self.complete = true;
        }
        Ok(())
    }
}

/// The store as resolution sees it during one batch. It reads through `reads`, one transaction
/// (the writer's own, or a reader's beside it) and writes nothing there: what the batch
/// decides (new and changed entities, mentions, quotes) is kept here and written at once by
/// [`EntityWrites::apply`]. So resolution can run on its own thread while the writer stores
/// the batch's articles. What it reads and decides is kept in `memory`: a country named in
/// every article was otherwise read and rewritten for each. Nothing else writes while the
/// batch's transaction does, so what was read stays true.
pub struct BatchEntities<'b, 'a> {
    reads: &'b Batch<'a>,
    memory: &'b mut ResolutionMemory,
    /// What the batch filed under keys not looked up yet (when the memory is not complete):
    /// the store is read for those only when they are.
    filed_unread: FxHashMap<String, Vec<EntityId>>,
    /// The id the next new entity gets.
    next_id: EntityId,
    /// New entities, in the order they were made, with the keys they are filed under.
    created: BTreeMap<EntityId, Vec<String>>,
    /// Stored entities changed, with their full list of keys when those changed too.
    changed: BTreeMap<EntityId, Option<Vec<String>>>,
    mentions: Vec<Mention>,
    quotes: Vec<Quote>,
}

/// What resolving a batch decided, to be written in the batch's transaction.
#[derive(Debug, Default)]
pub struct EntityWrites {
    /// New entities, in the order they were made, with the keys they are filed under.
    created: Vec<(Entity, Vec<String>)>,
    /// Stored entities as they now stand, with their full list of keys when those changed.
    changed: Vec<(Entity, Option<Vec<String>>)>,
    mentions: Vec<Mention>,
    quotes: Vec<Quote>,
}

impl EntityWrites {
    /// Writes everything into the batch: entities first, then what points at them. `full_text_of`
    /// gives the full text of the batch's articles (see [`Batch::insert_quotes`]).
    pub fn apply(&self, batch: &Batch, full_text_of: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        for (entity, keys) in &self.created {
            batch.insert_entity(entity, keys)?;
        }
        for (entity, keys) in &self.changed {
            batch.update_entity(entity, keys.as_deref())?;
        }
        batch.insert_mentions(&self.mentions)?;
        batch.insert_quotes(&self.quotes, full_text_of)?;
        Ok(())
    }
}

fn add_id(ids: &mut Vec<EntityId>, id: EntityId) {
    if !ids.contains(&id) {
        ids.push(id);
    }
}

impl<'b, 'a> BatchEntities<'b, 'a> {
    pub fn new(reads: &'b Batch<'a>, memory: &'b mut ResolutionMemory) -> Result<Self> {
        Ok(BatchEntities {
            reads,
            memory,
            filed_unread: FxHashMap::default(),
            next_id: reads.next_entity_id()?,
            created: BTreeMap::new(),
            changed: BTreeMap::new(),
            mentions: Vec::new(),
            quotes: Vec::new(),
        })
    }

    /// Resolves an article's entities (by the extraction's plan) and keeps its mentions and
    /// quotes for writing.
    pub fn resolve(&mut self, article: &ArticleId, extraction: &Extraction, plan: &ResolutionPlan) -> Result<()> {
        let resolved = resolve(self, article, extraction, plan)?;
        self.reads.note_mentions(&resolved.mentions);
        self.mentions.extend(resolved.mentions);
        self.quotes.extend(resolved.quotes);
        Ok(())
    }

    /// What the batch decided. The memory keeps it as well: if the batch is not committed,
    /// the memory must not be used again.
    pub fn finish(self) -> EntityWrites {
        let known = &self.memory.known;
        let now = |id: &EntityId| known.get(id).expect("made or read in this batch").entity.clone();
        EntityWrites {
            created: self.created.into_iter().map(|(id, keys)| (now(&id), keys)).collect(),
            changed: self.changed.into_iter().map(|(id, keys)| (now(&id), keys)).collect(),
            mentions: self.mentions,
            quotes: self.quotes,
        }
    }

    /// The ids filed under any of `keys`: from the store once per key and batch.
    fn filed_under(&mut self, keys: &[String]) -> Result<Vec<EntityId>, StoreError> {
        let filed = &mut self.memory.filed;
        let missing: Vec<&str> = keys.iter().filter(|k| !filed.contains_key(*k)).map(String::as_str).collect();
        if !missing.is_empty() {
            let pairs = if self.memory.complete { Vec::new() } else { self.reads.entity_ids_with_keys(&missing)? };
            for key in missing {
                let filed_here = self.filed_unread.remove(key).unwrap_or_default();
                filed.insert(key.to_string(), filed_here);
            }
            for (key, id) in pairs {
                add_id(filed.entry(key).or_default(), id);
            }
        }
        let filed = &self.memory.filed;
        let mut ids: Vec<EntityId> = keys.iter().flat_map(|k| filed[k].iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Files `id` under `keys` here (the store learns them when the batch is written).
    fn file(&mut self, id: EntityId, keys: &[String]) {
        for key in keys {
            match self.memory.filed.get_mut(key) {
                Some(filed) => add_id(filed, id),
                None if self.memory.complete => {
                    self.memory.filed.insert(key.clone(), vec![id]);
                }
                None => add_id(self.filed_unread.entry(key.clone()).or_default(), id),
            }
        }
    }
}

impl EntityIndex for BatchEntities<'_, '_> {
    type Error = StoreError;

    fn candidates(&mut self, keys: &[String]) -> Result<Vec<EntityId>, StoreError> {
        let mut ids = self.filed_under(keys)?;
        let known = &mut self.memory.known;
        let unknown: Vec<EntityId> = ids.iter().copied().filter(|id| !known.contains_key(id)).collect();
        for entity in self.reads.entities_by_id(&unknown)? {
            known.insert(entity.id, Candidate::new(entity));
        }
        ids.retain(|id| known.contains_key(id));
        Ok(ids)
    }
    fn candidate(&self, id: EntityId) -> &Candidate {
        &self.memory.known[&id]
    }
    fn shared_neighbours(
        &self,
        id: EntityId,
        among: &std::collections::HashSet<EntityId>,
    ) -> Result<usize, StoreError> {
        self.reads.shared_neighbours(id, among)
    }
    fn articles_with_form(&mut self, id: EntityId, form: &str) -> Result<Vec<ArticleId>, StoreError> {
        let mut articles = if self.created.contains_key(&id) {
            Vec::new() // nothing stored names it yet
        } else {
            self.reads.articles_with_form(id, form)?
        };
        for m in self.mentions.iter().filter(|m| m.entity == Some(id) && m.text == form) {
            if articles.last() != Some(&m.article) {
                articles.push(m.article.clone());
            }
        }
        Ok(articles)
    }
    fn create(&mut self, mut candidate: Candidate, keys: &[String]) -> Result<EntityId, StoreError> {
        let id = self.next_id;
        self.next_id += 1;
        candidate.entity.id = id;
        self.memory.known.insert(id, candidate);
        self.file(id, keys);
        self.created.insert(id, keys.to_vec());
        Ok(id)
    }
    fn update(
        &mut self,
        id: EntityId,
        change: &mut dyn FnMut(&mut Candidate) -> Option<Vec<String>>,
    ) -> Result<(), StoreError> {
        let keys = change(self.memory.known.get_mut(&id).expect("a candidate of this batch"));
        let keys = keys.as_deref();
        if let Some(keys) = keys {
            self.file(id, keys);
        }
        match self.created.get_mut(&id) {
            Some(filed) => {
                if let Some(keys) = keys {
                    *filed = keys.to_vec();
                }
            }
            None => {
                let changed = self.changed.entry(id).or_default();
                if let Some(keys) = keys {
                    *changed = Some(keys.to_vec());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_model::EntityType;
    use storyline_store::Store;

    fn person(name: &str) -> Entity {
        Entity {
            id: 0,
            kind: EntityType::Person,
            name: name.to_string(),
            aliases: vec![name.to_string()],
            roles: Vec::new(),
            disagreements: Vec::new(),
            country: None,
            geonameid: None,
            kind_votes: BTreeMap::new(),
            location: None,
        }
    }

    fn store_entity(store: &mut Store, name: &str, key: &str) -> EntityId {
        let batch = store.batch().unwrap();
        let id = batch.insert_entity(&person(name), &[key.to_string()]).unwrap();
        batch.commit().unwrap();
        id
    }

    #[test]
    fn memory_forgets_what_another_connection_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let (mut ours, mut theirs) = (Store::open(&path).unwrap(), Store::open(&path).unwrap());
        let akar = store_entity(&mut ours, "Hulusi Akar", "sur:akr");
        let mut memory = ResolutionMemory::default();
        memory.check(&ours.batch().unwrap()).unwrap();
        assert!(memory.complete, "a small store is read whole");
        assert_eq!(memory.filed["sur:akr"], vec![akar]);

        // The run's own commits keep the memory; another writer's clear it.
        memory.known.insert(akar, Candidate::new(Entity { id: akar, ..person("Hulusi Akar") }));
        store_entity(&mut ours, "Fayez al-Sarraj", "sur:sr");
        memory.check(&ours.batch().unwrap()).unwrap();
        assert!(memory.known.contains_key(&akar));
        let other = store_entity(&mut theirs, "Heiko Maas", "sur:ms");
        memory.check(&ours.batch().unwrap()).unwrap();
        assert!(memory.known.is_empty());
        assert_eq!(memory.filed["sur:ms"], vec![other]);
    }
}
