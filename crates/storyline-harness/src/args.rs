//! Arguments shared by the commands that load an embedding model.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use storyline_embed::{load_model, models_dir, Embedder, DEFAULT_MODEL};

/// Where the models are and which one to use.
#[derive(Args, Clone)]
pub struct ModelArgs {
    /// The embedding model (see `storyline models`).
    #[arg(long, env = "STORYLINE_MODEL", default_value = DEFAULT_MODEL)]
    pub model: String,
    /// The models folder (filled by scripts/setup.d/20-models.sh).
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
}

impl ModelArgs {
    /// Loads the model; returns it with the seconds loading took.
    pub fn load(&self) -> Result<(Box<dyn Embedder>, f64)> {
        let started = Instant::now();
        let model = load_model(&self.model, &models_dir(Some(&self.models_dir)))?;
        Ok((model, started.elapsed().as_secs_f64()))
    }
}
