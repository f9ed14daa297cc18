//! Checks on the real gazetteer in `models/geonames/`. Skipped, with a message, when the data is
//! not installed (`bash scripts/setup.d/10-geonames.sh` installs it; `scripts/test.sh` runs that).

use std::path::PathBuf;
use std::sync::OnceLock;

use storyline_geo::{Feature, Gazetteer, GeoContext};

fn gazetteer() -> Option<&'static Gazetteer> {
    static GAZETTEER: OnceLock<Option<Gazetteer>> = OnceLock::new();
    GAZETTEER
        .get_or_init(|| {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/geonames");
            if !dir.join("cities500.json").is_file() {
                eprintln!("skipping: no gazetteer in {} (run `bash scripts/setup.d/10-geonames.sh`)", dir.display());
                return None;
            }
            Some(Gazetteer::load(&dir).expect("the installed gazetteer loads"))
        })
        .as_ref()
}

fn code(place: Option<storyline_geo::Place>) -> Option<(String, Feature)> {
    place.map(|p| (p.country_code, p.feature))
}

#[test]
fn countries_from_names_adjectives_and_other_scripts() {
    let Some(gaz) = gazetteer() else { return };
    let none = GeoContext::default();
    for (name, iso) in [
        ("Turkish", "TR"),
        ("Libyan", "LY"),
        ("Libya", "LY"),
        ("ليبيا", "LY"),
        ("Россия", "RU"),
        ("U.S.", "US"),
        ("Britain", "GB"),
        ("Syrian", "SY"),
        ("Egyptians", "EG"),
    ] {
        assert_eq!(code(gaz.geocode(name, &none)), Some((iso.to_string(), Feature::Country)), "{name}");
    }
}

#[test]
fn libyan_places_and_their_variants() {
    let Some(gaz) = gazetteer() else { return };
    let libya = GeoContext::with_countries(["LY"]);
    let misrata: Vec<_> = ["Misrata", "Misurata", "Misratah", "مصراتة"]
        .iter()
        .map(|n| gaz.geocode(n, &libya).and_then(|p| p.geonameid))
        .collect();
    assert!(misrata.iter().all(|m| m.is_some() && *m == misrata[0]), "{misrata:?}");
    let sirte = gaz.geocode("Sirte", &libya).expect("Sirte");
    assert_eq!(sirte.country_code, "LY");
    let tripoli = gaz.resolve_document(&["Tripoli", "Benghazi", "Libya"]);
    assert_eq!(tripoli[0].as_ref().map(|p| p.country_code.as_str()), Some("LY"));
}

#[test]
fn american_local_news() {
    let Some(gaz) = gazetteer() else { return };
    let places = gaz.resolve_document(&["Alexandria", "Rapides Parish", "Cottonport"]);
    assert_eq!(places[0].as_ref().map(|p| (p.geonameid, p.admin1.as_str())), Some((Some(4314550), "LA")));
    assert_eq!(places[1].as_ref().map(|p| p.feature), Some(Feature::Admin2));
    let georgia = gaz.resolve_document(&["Georgia", "Atlanta", "Macon"]);
    assert_eq!(georgia[0].as_ref().map(|p| p.feature), Some(Feature::Admin1));
    let georgia = gaz.resolve_document(&["Georgia", "Tbilisi", "Russia"]);
    assert_eq!(georgia[0].as_ref().map(|p| p.feature), Some(Feature::Country));
}

#[test]
fn regions_of_other_countries() {
    let Some(gaz) = gazetteer() else { return };
    if gaz.geocode("Tamil Nadu", &GeoContext::default()).is_none() {
        eprintln!("skipping: no rg_cities1000.csv in models/geonames (run `bash scripts/setup.d/10-geonames.sh`)");
        return;
    }
    let none = GeoContext::default();
    for (name, iso, feature) in [
        ("Tamil Nadu", "IN", Feature::Admin1),
        ("Gilgit-Baltistan", "PK", Feature::Admin1),
        ("Eastern Cape", "ZA", Feature::Admin1),
        ("Ontario", "CA", Feature::Admin1),
        ("Manitoba", "CA", Feature::Admin1),
        ("Cambridgeshire", "GB", Feature::Admin2),
        ("Gaza", "PS", Feature::City),
        ("Aleppo", "SY", Feature::City),
        ("Lagos", "NG", Feature::City),
    ] {
        assert_eq!(code(gaz.geocode(name, &none)), Some((iso.to_string(), feature)), "{name}");
    }
    let places = gaz.resolve_document(&["Kent", "Maidstone", "England"]);
    assert_eq!(code(places[0].clone()), Some(("GB".to_string(), Feature::Admin2)));
}
