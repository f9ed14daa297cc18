use std::path::PathBuf;

/// Everything that can go wrong while reading corpora, training, or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum NerError {
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}:{line}: {message}")]
    Conll { origin: String, line: usize, message: String },
    #[error("{path}: not a usable storyline NER model: {reason}")]
    BadModel { path: PathBuf, reason: String },
    #[error("cannot train: {0}")]
    Training(String),
}

pub type Result<T> = std::result::Result<T, NerError>;
