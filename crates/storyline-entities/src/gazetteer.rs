//! Known places: countries with their adjectives, and cities with their alternate names.
//!
//! A small list of countries is built in, so that "Qatar" and "Turkish" are countries even
//! without any data installed. When `models/entities/places.tsv` is present (derived from
//! GeoNames by `scripts/setup.d/60-ner-model.sh`) it adds every country's alternate spellings,
//! its names in Arabic and Cyrillic script, and cities of 15,000 people or more with their
//! alternate names, so that "Misurata" and "Misrata" are known to be one city.

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;

use crate::normalize::{english_transliteration, fold, inflection_key, is_non_latin};
use crate::EntitiesError;

const BUILT_IN: &str = include_str!("countries.txt");
/// The given names' file in the models' `entities/` folder.
pub const GIVEN_NAMES_FILE: &str = "given-names.tsv";

/// A place the gazetteer knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A country by its ISO 3166 alpha-2 code.
    Country { code: String },
    /// A city by its GeoNames id.
    City { geonameid: i64, country: String, population: u64, name: String },
}

#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    /// Country code → canonical English name.
    country_names: FxHashMap<String, String>,
    /// Folded country name → code.
    countries: FxHashMap<String, String>,
    /// The first words of country names of several words: no other word starts one.
    country_first_words: FxHashSet<String>,
    /// Folded adjective ("turkish") → code.
    adjectives: FxHashMap<String, String>,
    /// Folded city name → the most populous city of that name.
    cities: FxHashMap<String, Place>,
    /// Non-Latin names by [`inflection_key`] → place.
    non_latin: FxHashMap<String, Place>,
    /// Lower-cased words that open person names and hardly any others
    /// (`entities/given-names.tsv`, learnt from the NER corpora by `train-ner --given-names`).
    given_names: FxHashSet<String>,
    /// Lower-cased words among the [`COMMON_WORDS`] most frequent of a language written in a
    /// script other than Latin (`wordfreq/small_LANG.msgpack.gz`, installed by set-up).
    common_words: FxHashSet<String>,
}

/// How many of a language's most frequent words count as everyday words. Arabic كان ("was",
/// a name of Cannes) ranks 19th, ثورة ("revolution", of Al-Thawra) 1,559th, Russian Полиция
/// ("police", of Police in Poland) 1,153rd; the news' cities rank from 190 (Medina) to 9,000.
pub const COMMON_WORDS: usize = 2_500;
/// A town this populous keeps its name even when the name is an everyday word: Cairo (القاهرة,
/// 578th), Moscow (Москва, 330th), Gaza (غزة, 847th, 410,000 people) are named more often than
/// most words. Smaller towns whose names are everyday words are far more often the word: Cannes
/// (74,000), Khobar (خبر, "news", 165,000), El Jadida (الجديدة, "the new", 194,000).
pub const LARGE_TOWN: u64 = 300_000;

impl Gazetteer {
    /// The built-in country list only.
    pub fn built_in() -> Gazetteer {
        let mut g = Gazetteer::default();
        for line in BUILT_IN.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let mut parts = line.split('|');
            let (Some(code), Some(names), adjectives) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let mut names = names.split(';').filter(|n| !n.is_empty());
            let Some(canonical) = names.next() else { continue };
            g.country_names.insert(code.to_string(), canonical.to_string());
            for name in std::iter::once(canonical).chain(names).map(fold) {
                g.note_first_word(&name);
                g.countries.insert(name, code.to_string());
            }
            for adjective in adjectives.unwrap_or("").split(';').filter(|a| !a.is_empty()) {
                g.adjectives.insert(fold(adjective), code.to_string());
            }
        }
        g
    }

    fn note_first_word(&mut self, country_name: &str) {
        if let Some((first, _)) = country_name.split_once(' ') {
            self.country_first_words.insert(first.to_string());
        }
    }

    /// Whether a country's name of several words starts with `word` (folded).
    pub fn starts_country_name(&self, word: &str) -> bool {
        self.country_first_words.contains(word)
    }

    /// The built-in list, plus `places.tsv` from `dir` when it exists.
    pub fn load(dir: &Path) -> Result<Gazetteer, EntitiesError> {
        let mut g = Gazetteer::built_in();
        let path = dir.join("entities").join("places.tsv");
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|source| EntitiesError::Io { path: path.display().to_string(), source })?;
            g.add_tsv(&text);
        }
        let path = dir.join("entities").join(GIVEN_NAMES_FILE);
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|source| EntitiesError::Io { path: path.display().to_string(), source })?;
            g.add_given_names_tsv(&text);
        }
        let frequencies = dir.join("wordfreq");
        if let Ok(entries) = std::fs::read_dir(&frequencies) {
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.retain(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".msgpack.gz")));
            paths.sort();
            for path in paths {
                let bytes = std::fs::read(&path)
                    .map_err(|source| EntitiesError::Io { path: path.display().to_string(), source })?;
                g.add_word_frequencies(&bytes).map_err(|source| EntitiesError::Io {
                    path: path.display().to_string(),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidData, source),
                })?;
            }
        }
        // Country names in the languages of the news ("Libia", "Libye", "Libyen"): GeoNames'
        // list of country names, when installed, in Latin script (places.tsv has the others).
        let names = dir.join("geonames").join("countrynames.yaml");
        if names.exists() {
            let text = std::fs::read_to_string(&names)
                .map_err(|source| EntitiesError::Io { path: names.display().to_string(), source })?;
            g.add_country_names_yaml(&text);
        }
        Ok(g)
    }

    /// Adds the most frequent words of one of wordfreq's lists: gzip of MessagePack, a header
    /// map, then lists of words, each list one frequency band, most frequent first.
    pub fn add_word_frequencies(&mut self, gzipped: &[u8]) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Entry {
            Words(Vec<String>),
            Header(serde::de::IgnoredAny),
        }
        let entries: Vec<Entry> = rmp_serde::from_read(flate2::read::GzDecoder::new(gzipped))
            .map_err(|e| format!("not a wordfreq list: {e}"))?;
        let words = entries.into_iter().filter_map(|e| match e {
            Entry::Words(words) => Some(words),
            Entry::Header(_) => None,
        });
        self.common_words.extend(words.flatten().take(COMMON_WORDS).map(|w| w.to_lowercase()));
        Ok(())
    }

    /// Whether `word` is one of the everyday words of a language written in a script other
    /// than Latin.
    pub fn is_common_word(&self, word: &str) -> bool {
        self.common_words.contains(&word.to_lowercase())
    }

    /// Adds the first column of a given-names TSV file (`#` lines are comments).
    pub fn add_given_names_tsv(&mut self, text: &str) {
        let words = text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').next());
        self.given_names.extend(words.filter(|w| !w.is_empty()).map(str::to_lowercase));
    }

    /// Whether `word` opens person names and hardly any others ("Bashar", "Vladimir"), also in
    /// French transliteration ("Bachar", "Mouammar": ch for sh, ou for u), which the corpora
    /// rarely hold for Arabic and Russian names.
    pub fn is_given_name(&self, word: &str) -> bool {
        if self.given_names.is_empty() {
            return false;
        }
        let lower = word.to_lowercase();
        self.given_names.contains(&lower) || self.given_names.contains(&english_transliteration(&lower))
    }

    /// Adds the Latin-script names of `CODE:` / `  - name` lines for countries already known.
    pub fn add_country_names_yaml(&mut self, text: &str) {
        let mut code: Option<String> = None;
        for line in text.lines() {
            if let Some(head) = line.strip_suffix(':') {
                let known = head.len() == 2 && head.chars().all(|c| c.is_ascii_uppercase());
                code = known.then(|| head.to_string()).filter(|c| self.country_names.contains_key(c));
                continue;
            }
            let (Some(code), Some(name)) = (&code, line.trim_start().strip_prefix("- ")) else { continue };
            let name = name.trim().trim_matches(|c| c == '"' || c == '\'');
            // Some names are written with spaces before their hyphen ("États  -Unis").
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ").replace(" -", "-");
            let name = name.as_str();
            let latin = name.chars().all(|c| c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c));
            let shaped = name.chars().count() >= 4
                && name.chars().next().is_some_and(char::is_uppercase)
                && name.chars().any(char::is_lowercase)
                && !name.chars().any(|c| c.is_ascii_digit() || matches!(c, '(' | ')' | ',' | '/'));
            // The list also maps a country's cities to it ("Barcelona" under ES): no city here.
            // Nor a function word of the news' languages ("Here", listed under GB).
            if latin && shaped && !self.cities.contains_key(&fold(name)) && !is_function_word(name) {
                let folded = fold(name);
                self.note_first_word(&folded);
                self.countries.entry(folded).or_insert_with(|| code.clone());
            }
        }
    }
}

/// Whether `name` is one word that a news language uses as a function word.
fn is_function_word(name: &str) -> bool {
    const LANGUAGES: [&str; 9] = ["en", "es", "fr", "it", "de", "nl", "pt", "pl", "ru"];
    let word = storyline_text::fold_word(name);
    !name.contains(' ') && LANGUAGES.iter().any(|code| storyline_text::stop_words(Some(code)).contains(&word))
}

impl Gazetteer {
    /// Adds rows of `kind \t id \t country \t population \t canonical \t name`.
    pub fn add_tsv(&mut self, text: &str) {
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            let [kind, id, country, population, canonical, name] = cols[..] else { continue };
            let population: u64 = population.parse().unwrap_or(0);
            match kind {
                "country" => {
                    self.country_names.entry(id.to_string()).or_insert_with(|| canonical.to_string());
                    let place = Place::Country { code: id.to_string() };
                    if is_non_latin(name) {
                        self.non_latin.entry(inflection_key(name)).or_insert(place);
                    } else {
                        let name = fold(name);
                        self.note_first_word(&name);
                        self.countries.entry(name).or_insert_with(|| id.to_string());
                    }
                }
                "adjective" => {
                    self.adjectives.entry(fold(name)).or_insert_with(|| id.to_string());
                }
                "city" => {
                    let Ok(geonameid) = id.parse::<i64>() else { continue };
                    if is_short_alphabetic_word(name) {
                        continue;
                    }
                    let place = Place::City {
                        geonameid,
                        country: country.to_string(),
                        population,
                        name: canonical.to_string(),
                    };
                    let (map, key) = if is_non_latin(name) {
                        (&mut self.non_latin, inflection_key(name))
                    } else {
                        (&mut self.cities, fold(name))
                    };
                    // A country name wins over a city of the same name; else the most populous.
                    let keep = match map.get(&key) {
                        None => true,
                        Some(Place::City { population: p, .. }) => population > *p,
                        Some(Place::Country { .. }) => false,
                    };
                    if keep {
                        map.insert(key, place);
                    }
                }
                _ => {}
            }
        }
    }

    /// The country named `name` ("Qatar", "Turkey’s", "UAE"), by code.
    pub fn country(&self, name: &str) -> Option<&str> {
        let key = fold(name);
        let key = key.strip_suffix("'s").unwrap_or(&key);
        self.countries.get(key).map(String::as_str)
    }

    /// The country whose adjective `word` is ("Turkish" → TR).
    pub fn adjective(&self, word: &str) -> Option<&str> {
        self.adjectives.get(&fold(word)).map(String::as_str)
    }

    /// The canonical English name of a country code.
    pub fn country_name(&self, code: &str) -> Option<&str> {
        self.country_names.get(code).map(String::as_str)
    }

    /// The most populous city named `name`.
    pub fn city(&self, name: &str) -> Option<&Place> {
        self.cities.get(&fold(name))
    }

    /// A place named in Arabic or Cyrillic script, allowing for common inflections.
    /// An everyday word of one word ("كان", "was") names no small town that GeoNames spells so.
    pub fn non_latin(&self, name: &str) -> Option<&Place> {
        let key = inflection_key(name);
        let (place, bare) = match self.non_latin.get(&key) {
            Some(place) => (place, None),
            None => {
                // Arabic attaches "and", "by", "for", "so" to the next word: وطرابلس = "and Tripoli".
                let mut chars = key.chars();
                match chars.next() {
                    Some('و' | 'ب' | 'ل' | 'ف') => (self.non_latin.get(chars.as_str())?, Some(chars.as_str())),
                    _ => return None,
                }
            }
        };
        let small_town = matches!(place, Place::City { population, .. } if *population < LARGE_TOWN);
        let everyday =
            !name.contains(' ') && (self.is_common_word(name) || bare.is_some_and(|w| self.is_common_word(w)));
        (!(small_town && everyday)).then_some(place)
    }

    /// Whether non-Latin names are known at all (only with `places.tsv`, or built-in ones).
    pub fn has_non_latin(&self) -> bool {
        !self.non_latin.is_empty()
    }
}

/// A town's name of one or two letters in an alphabet other than Latin ("ان", Arabic for
/// "that", is a name of Ans in Belgium; "По" is the Po): far more often a function word than
/// the town. Two Chinese, Japanese or Korean characters are a name ("北京").
fn is_short_alphabetic_word(name: &str) -> bool {
    let syllabic = |c: char| matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x9FFF | 0xAC00..=0xD7AF);
    is_non_latin(name) && name.chars().filter(|c| c.is_alphabetic()).count() < 3 && !name.chars().any(syllabic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_countries_and_adjectives() {
        let g = Gazetteer::built_in();
        assert_eq!(g.country("Qatar"), Some("QA"));
        assert_eq!(g.country("Qatar’s"), Some("QA"));
        assert_eq!(g.country("UAE"), Some("AE"));
        assert_eq!(g.adjective("Turkish"), Some("TR"));
        assert_eq!(g.adjective("Emirati"), Some("AE"));
        assert_eq!(g.country_name("TR"), Some("Turkey"));
        assert_eq!(g.country("Turkish Minute"), None);
    }

    #[test]
    fn tsv_rows_add_cities_and_non_latin_names() {
        let mut g = Gazetteer::built_in();
        g.add_tsv(
            "city\t2214846\tLY\t355657\tMisratah\tMisurata\n\
             city\t2214846\tLY\t355657\tMisratah\tMisrata\n\
             city\t2210247\tLY\t1302947\tTripoli\tطرابلس\n\
             city\t266826\tLB\t229398\tTripoli\tطرابلس\n\
             country\tLY\tLY\t0\tLibya\tЛивия\n\
             city\t2803160\tBE\t27297\tAns\tان\n\
             city\t1816670\tCN\t11716620\tBeijing\t北京\n",
        );
        assert_eq!(g.non_latin("ان"), None);
        assert!(matches!(g.non_latin("北京"), Some(Place::City { geonameid: 1816670, .. })));
        assert_eq!(g.city("Misurata"), g.city("Misrata"));
        assert!(matches!(g.non_latin("وطرابلس"), Some(Place::City { geonameid: 2210247, .. })));
        assert_eq!(g.non_latin("Ливии"), Some(&Place::Country { code: "LY".into() }));
    }

    /// wordfreq's format, made here: gzip of MessagePack, a header, then bands of words.
    fn word_list(bands: &[&[&str]]) -> Vec<u8> {
        use std::io::Write;
        let mut entries = vec![serde_json::json!({"format": "cB", "version": 1})];
        entries.extend(bands.iter().map(|band| serde_json::json!(band)));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&rmp_serde::to_vec(&entries).unwrap()).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn an_everyday_word_names_no_small_town() {
        let mut g = Gazetteer::built_in();
        g.add_tsv(
            "city\t3028808\tFR\t74545\tCannes\tكان\n\
             city\t360630\tEG\t9606916\tCairo\tالقاهرة\n\
             city\t3088171\tPL\t30000\tPolice\tПолиция\n\
             city\t281133\tPS\t410000\tGaza\tغزة\n\
             city\t170592\tSY\t110000\tDouma\tدوما\n",
        );
        assert!(g.non_latin("كان").is_some(), "without the lists every name is a place");
        g.add_word_frequencies(&word_list(&[&["في", "كان"], &["القاهرة", "غزة"]])).unwrap();
        g.add_word_frequencies(&word_list(&[&["и", "полиция"]])).unwrap();
        assert_eq!(g.non_latin("كان"), None);
        assert_eq!(g.non_latin("وكان"), None, "and with a clitic");
        assert_eq!(g.non_latin("Полиция"), None);
        assert!(matches!(g.non_latin("القاهرة"), Some(Place::City { geonameid: 360630, .. })));
        assert!(matches!(g.non_latin("غزة"), Some(Place::City { geonameid: 281133, .. })), "a large town");
        assert!(
            matches!(g.non_latin("دوما"), Some(Place::City { geonameid: 170592, .. })),
            "not an everyday word here"
        );
        assert!(g.add_word_frequencies(b"not gzip").is_err());
    }

    #[test]
    fn country_names_in_other_languages() {
        let mut g = Gazetteer::built_in();
        g.add_country_names_yaml(
            "FAIL:\n  - Africa\nLY:\n  - Libia\n  - Libye\n  - LBY\n  - Ливия\nZZ:\n  - Nowhere\nUS:\n  - États  -Unis\n",
        );
        assert_eq!(g.country("États-Unis"), Some("US"));
        assert_eq!(g.country("Etats-Unis"), Some("US"));
        g.add_country_names_yaml("GB:\n  - Here\n");
        assert_eq!(g.country("Here"), None);
        assert_eq!(g.country("Libia"), Some("LY"));
        assert_eq!(g.country("Libye"), Some("LY"));
        assert_eq!(g.country("Africa"), None);
        assert_eq!(g.country("Nowhere"), None);
    }
}
