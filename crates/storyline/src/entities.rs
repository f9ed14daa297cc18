//! Entities at ingest: the tagger is loaded once per run, extraction runs in the parallel
//! preparation step, and resolution against the stored entities runs in arrival order inside
//! the batch's transaction.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use storyline_entities::{resolve, EntityIndex, Extraction, Extractor};
use storyline_model::{ArticleId, Entity, EntityId};
use storyline_store::{Batch, StoreError};

use crate::loaded::LoadOnce;

/// The models folder: `STORYLINE_MODELS`, else `models` in the working directory.
pub fn default_models_dir() -> PathBuf {
    std::env::var_os("STORYLINE_MODELS").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"))
}

/// Whether the "entities skipped" notice was given: once per process is enough.
static WARNED: AtomicBool = AtomicBool::new(false);

/// The entity extractor of `models`, loaded once per process and folder, or `None` after
/// saying once on stderr why entities are skipped.
pub fn load_extractor(models: &Path) -> Option<Arc<Extractor>> {
    static LOADED: LoadOnce<PathBuf, Option<Arc<Extractor>>> = LoadOnce::new();
    LOADED.get(models.to_path_buf(), || match Extractor::load(models) {
        Ok(extractor) => Some(Arc::new(extractor)),
        Err(error) => {
            if !WARNED.swap(true, Ordering::Relaxed) {
                eprintln!("note: entities skipped: {error}");
            }
            None
        }
    })
}

/// The store as resolution sees it during one batch. The entities the batch reads are kept
/// here, and its changes are written once, at [`BatchEntities::flush`], however many of its
/// articles named them: a country named in every article was otherwise read and rewritten for
/// each. Nothing else writes while the batch's transaction does, so what was read stays true.
pub struct BatchEntities<'b, 'a> {
    batch: &'b Batch<'a>,
    /// Every entity read or written in this batch, as it now stands.
    known: HashMap<EntityId, Entity>,
    /// The entities filed under each key looked up in this batch, with what it filed since.
    filed: HashMap<String, Vec<EntityId>>,
    /// Entities changed in this batch, with their full list of keys when those changed too.
    changed: BTreeMap<EntityId, Option<Vec<String>>>,
}

fn add_id(ids: &mut Vec<EntityId>, id: EntityId) {
    if !ids.contains(&id) {
        ids.push(id);
    }
}

impl<'b, 'a> BatchEntities<'b, 'a> {
    pub fn new(batch: &'b Batch<'a>) -> Self {
        BatchEntities { batch, known: HashMap::new(), filed: HashMap::new(), changed: BTreeMap::new() }
    }

    /// Resolves an article's entities and stores its mentions and quotes.
    pub fn store(&mut self, article: &ArticleId, extraction: &Extraction) -> Result<()> {
        let resolved = resolve(self, article, extraction)?;
        self.batch.insert_mentions(&resolved.mentions)?;
        self.batch.insert_quotes(&resolved.quotes)?;
        Ok(())
    }

    /// Writes the changed entities (and their new keys) into the batch's transaction.
    pub fn flush(&mut self) -> Result<()> {
        for (id, keys) in std::mem::take(&mut self.changed) {
            self.batch.update_entity(&self.known[&id], keys.as_deref())?;
        }
        Ok(())
    }

    /// The ids filed under any of `keys`: from the store once per key and batch.
    fn filed_under(&mut self, keys: &[String]) -> Result<Vec<EntityId>, StoreError> {
        let missing: Vec<&str> = keys.iter().filter(|k| !self.filed.contains_key(*k)).map(String::as_str).collect();
        if !missing.is_empty() {
            let pairs = self.batch.entity_ids_with_keys(&missing)?;
            for key in missing {
                self.filed.insert(key.to_string(), Vec::new());
            }
            for (key, id) in pairs {
                add_id(self.filed.entry(key).or_default(), id);
            }
        }
        let mut ids: Vec<EntityId> = keys.iter().flat_map(|k| self.filed[k].iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

impl EntityIndex for BatchEntities<'_, '_> {
    type Error = StoreError;

    fn candidates(&mut self, keys: &[String]) -> Result<Vec<Entity>, StoreError> {
        let ids = self.filed_under(keys)?;
        let unknown: Vec<EntityId> = ids.iter().copied().filter(|id| !self.known.contains_key(id)).collect();
        for entity in self.batch.entities_by_id(&unknown)? {
            self.known.insert(entity.id, entity);
        }
        Ok(ids.iter().filter_map(|id| self.known.get(id).cloned()).collect())
    }
    fn shared_neighbours(
        &mut self,
        id: EntityId,
        among: &std::collections::HashSet<EntityId>,
    ) -> Result<usize, StoreError> {
        self.batch.shared_neighbours(id, among)
    }
    fn articles_with_form(&mut self, id: EntityId, form: &str) -> Result<Vec<ArticleId>, StoreError> {
        self.batch.articles_with_form(id, form)
    }
    fn create(&mut self, entity: &Entity, keys: &[String]) -> Result<EntityId, StoreError> {
        // Filed in the store at once: a key looked up later finds it there.
        let id = self.batch.insert_entity(entity, keys)?;
        self.known.insert(id, Entity { id, ..entity.clone() });
        for key in keys {
            if let Some(ids) = self.filed.get_mut(key) {
                add_id(ids, id);
            }
        }
        Ok(id)
    }
    fn update(&mut self, entity: &Entity, keys: Option<&[String]>) -> Result<(), StoreError> {
        self.known.insert(entity.id, entity.clone());
        match keys {
            Some(keys) => {
                // Filed in the store only at the flush: until then, here.
                self.filed_under(keys)?;
                for key in keys {
                    add_id(self.filed.get_mut(key).expect("looked up just now"), entity.id);
                }
                self.changed.insert(entity.id, Some(keys.to_vec()));
            }
            None => {
                self.changed.entry(entity.id).or_default();
            }
        }
        Ok(())
    }
}
