//! One tagger per language, and the choice among them by an article's detected language.
//!
//! Layout of a models folder: `ner.bin` is the English tagger (CoNLL-2003), the one every
//! caller without a language gets; `ner/LANG.bin` (ISO 639-1) a language's own tagger;
//! `ner/xx.bin` the multilingual tagger, trained on a sample of every language, for a language
//! that has no tagger of its own.

use crate::error::{NerError, Result};
use crate::model_file::verify_file;
use crate::tagger::Tagger;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The code under which the multilingual fallback is saved.
pub const MULTILINGUAL: &str = "xx";

/// The English tagger's path in a models folder.
pub fn primary_path(models: &Path) -> PathBuf {
    models.join("ner.bin")
}

/// The path of a language's tagger (`xx` for the multilingual one) in a models folder.
pub fn language_path(models: &Path, lang: &str) -> PathBuf {
    models.join("ner").join(format!("{lang}.bin"))
}

/// Which tagger a language gets, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice<'a> {
    /// The language's own tagger.
    Own(&'a str),
    /// The multilingual tagger, for a language without one.
    Multilingual,
    /// The primary (English) tagger: no language given, or no other tagger loaded.
    Primary,
}

/// A language's tagger, read from its file the first time a text in that language comes: a
/// process that meets three languages holds three taggers, not ten (all ten take 213 MB).
#[derive(Debug, Clone)]
struct Lazy {
    /// `None` for a tagger given whole.
    path: Option<PathBuf>,
    tagger: OnceLock<Option<Tagger>>,
}

impl Lazy {
    fn loaded(tagger: Tagger) -> Lazy {
        Lazy { path: None, tagger: OnceLock::from(Some(tagger)) }
    }

    /// A tagger whose file was verified (whole, this build's features): reading it later
    /// cannot fail but for the file changing meanwhile, and then the next choice serves.
    fn from_file(path: PathBuf) -> Result<Lazy> {
        verify_file(&path)?;
        Ok(Lazy { path: Some(path), tagger: OnceLock::new() })
    }

    fn get(&self) -> Option<&Tagger> {
        self.tagger.get_or_init(|| self.path.as_ref().and_then(|p| Tagger::load(p).ok())).as_ref()
    }
}

/// Taggers by language.
#[derive(Debug, Clone)]
pub struct Taggers {
    primary: Tagger,
    primary_lang: String,
    by_lang: BTreeMap<String, Lazy>,
    multilingual: Option<Lazy>,
}

impl Taggers {
    /// One tagger for every language.
    pub fn single(tagger: Tagger) -> Taggers {
        Taggers { primary: tagger, primary_lang: "en".into(), by_lang: BTreeMap::new(), multilingual: None }
    }

    /// Adds `lang`'s own tagger (`xx`: the multilingual one).
    pub fn insert(&mut self, lang: &str, tagger: Tagger) {
        self.insert_lazy(lang, Lazy::loaded(tagger));
    }

    fn insert_lazy(&mut self, lang: &str, tagger: Lazy) {
        if lang == MULTILINGUAL {
            self.multilingual = Some(tagger);
        } else {
            self.by_lang.insert(lang.to_string(), tagger);
        }
    }

    /// Loads `ner.bin` and finds every `ner/*.bin` of a models folder; those are checked now
    /// and read when first needed. A missing `ner.bin` is an error; so is any tagger file that
    /// would not load (a stale or truncated model is refused, not skipped).
    pub fn load(models: &Path) -> Result<Taggers> {
        let mut taggers = Taggers::single(Tagger::load(primary_path(models))?);
        let dir = models.join("ner");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(taggers),
            Err(source) => return Err(NerError::Io { path: dir, source }),
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .collect();
        paths.sort();
        for path in paths {
            let Some(lang) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
            taggers.insert_lazy(&lang, Lazy::from_file(path)?);
        }
        Ok(taggers)
    }

    /// Which tagger text in `lang` (ISO 639-1, as ingest detects it) is tagged with.
    pub fn choice<'a>(&self, lang: Option<&'a str>) -> Choice<'a> {
        match lang {
            None => Choice::Primary,
            Some(l) if self.by_lang.contains_key(l) => Choice::Own(l),
            Some(l) if l == self.primary_lang => Choice::Primary,
            Some(_) if self.multilingual.is_some() => Choice::Multilingual,
            Some(_) => Choice::Primary,
        }
    }

    /// The tagger for text in `lang`; `None` (language unknown) gets the primary tagger.
    pub fn for_language(&self, lang: Option<&str>) -> &Tagger {
        let multilingual = || self.multilingual.as_ref().and_then(Lazy::get);
        let found = match self.choice(lang) {
            Choice::Own(l) => self.by_lang[l].get().or_else(multilingual),
            Choice::Multilingual => multilingual(),
            Choice::Primary => None,
        };
        found.unwrap_or(&self.primary)
    }

    /// The tagger of callers that give no language (English).
    pub fn primary(&self) -> &Tagger {
        &self.primary
    }

    /// The languages with their own tagger, the primary one's first.
    pub fn languages(&self) -> Vec<&str> {
        std::iter::once(self.primary_lang.as_str()).chain(self.by_lang.keys().map(String::as_str)).collect()
    }

    /// Whether a multilingual fallback is loaded.
    pub fn has_multilingual(&self) -> bool {
        self.multilingual.is_some()
    }
}
