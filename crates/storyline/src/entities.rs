//! Entities at ingest: the tagger is loaded once per run, extraction runs in the parallel
//! preparation step, and resolution against the stored entities runs in arrival order inside
//! the batch's transaction.

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

/// The store as resolution sees it.
struct StoreIndex<'b, 'a>(&'b Batch<'a>);

impl EntityIndex for StoreIndex<'_, '_> {
    type Error = StoreError;

    fn candidates(&mut self, keys: &[String]) -> Result<Vec<Entity>, StoreError> {
        self.0.entities_with_keys(keys)
    }
    fn neighbours(&mut self, id: EntityId) -> Result<std::collections::HashSet<EntityId>, StoreError> {
        self.0.entity_neighbours(id)
    }
    fn articles_with_form(&mut self, id: EntityId, form: &str) -> Result<Vec<ArticleId>, StoreError> {
        self.0.articles_with_form(id, form)
    }
    fn create(&mut self, entity: &Entity, keys: &[String]) -> Result<EntityId, StoreError> {
        self.0.insert_entity(entity, keys)
    }
    fn update(&mut self, entity: &Entity, keys: Option<&[String]>) -> Result<(), StoreError> {
        self.0.update_entity(entity, keys)
    }
}

/// Resolves an article's entities against the stored ones and stores its mentions and quotes.
pub fn store_entities(batch: &Batch, article: &ArticleId, extraction: &Extraction) -> Result<()> {
    let resolved = resolve(&mut StoreIndex(batch), article, extraction)?;
    batch.insert_mentions(&resolved.mentions)?;
    batch.insert_quotes(&resolved.quotes)?;
    Ok(())
}
