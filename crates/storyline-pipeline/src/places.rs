//! Places geocoded at ingest: each article's place entities (LOC, GPE) are resolved together
//! by the GeoNames gazetteer of `storyline-geo`, the article's other places deciding between
//! namesakes ("Tripoli" beside "Misrata" is in Libya), and their point, country and GeoNames id
//! go into the stored entity.
//!
//! The gazetteer takes seconds and some 300 MB to load (`storyline bench ingest` reports both),
//! so it is loaded once per process, on a thread of its own that starts with the ingest run,
//! and only when entities are extracted at all. Without it, places are stored without
//! coordinates and ingest says so once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use storyline_entities::Extraction;
use storyline_geo::{Gazetteer, GeoContext, Place};
use storyline_model::{EntityType, Location};

use crate::loaded::{LoadOnce, OnceNote};

/// The gazetteer folder: `STORYLINE_GEONAMES`, else `geonames` in the models folder.
pub fn gazetteer_dir(models: &Path) -> PathBuf {
    std::env::var_os("STORYLINE_GEONAMES").map(PathBuf::from).unwrap_or_else(|| models.join("geonames"))
}

/// The gazetteer in `dir`, loaded once per process, or `None` after saying once why places
/// get no coordinates.
pub fn load_gazetteer(dir: &Path) -> Option<Arc<Gazetteer>> {
    static LOADED: LoadOnce<PathBuf, Option<Arc<Gazetteer>>> = LoadOnce::new();
    static NOTE: OnceNote = OnceNote::new();
    LOADED.get(dir.to_path_buf(), || {
        NOTE.ok_or_note(Gazetteer::load(dir), "places stored without coordinates").map(Arc::new)
    })
}

/// Starts loading the gazetteer on a thread of its own; [`load_gazetteer`] then waits for it.
pub fn load_in_background(dir: PathBuf) {
    std::thread::spawn(move || load_gazetteer(&dir));
}

fn location(place: &Place) -> Location {
    Location {
        lat: place.lat,
        lon: place.lon,
        country: place.country_code.clone(),
        feature: place.feature.as_str().to_string(),
        name: place.name.clone(),
        geonameid: place.geonameid.map(i64::from),
    }
}

/// Puts a location on each place entity of the article that the gazetteer knows: a country by
/// its code, other places by name, read together with the article's other places.
pub fn locate(gazetteer: &Gazetteer, extraction: &mut Extraction) {
    let places: Vec<usize> = (0..extraction.entities.len())
        .filter(|&i| matches!(extraction.entities[i].kind, EntityType::Loc | EntityType::Gpe))
        .collect();
    if places.is_empty() {
        return;
    }
    let names: Vec<&str> = places.iter().map(|&i| extraction.entities[i].name.as_str()).collect();
    let mut context: GeoContext = gazetteer.context_for(&names);
    // Countries named in the article weigh as much as any resolved place.
    for &i in &places {
        if let Some(code) = &extraction.entities[i].country {
            context.countries.insert(code.clone(), 1.0);
        }
    }
    let found: Vec<Option<Location>> = places
        .iter()
        .map(|&i| {
            let e = &extraction.entities[i];
            match &e.country {
                Some(code) => gazetteer.country(code).map(location),
                None => gazetteer.geocode(&e.name, &context).map(|p| location(&p)),
            }
        })
        .collect();
    for (&i, location) in places.iter().zip(found) {
        extraction.entities[i].location = location;
    }
}
