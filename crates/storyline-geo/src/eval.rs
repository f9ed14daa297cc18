//! Measuring the geocoder on gold corpora: GeoWebNews (Gritta et al. 2019) and LGL (Lieberman et
//! al. 2010), as `storyline eval geo` reports them.
//!
//! For every gold toponym with coordinates, the geocoder resolves the toponym's surface form
//! together with the article's other gold toponyms (the names, not their gold places) through
//! [`Gazetteer::resolve_document`]. Measures:
//! - `exact`: share of toponyms whose gold has a GeoNames id that got a place with that id. A
//!   county (no id in our data) counts as exact when its name and state equal the gold's. Gold
//!   toponyms without an id (GeoWebNews streets and buildings) are left out of this measure.
//! - `acc_161km`: share of all gold toponyms with coordinates whose place lies within 161 km
//!   (100 miles) of the gold point; a name left unresolved counts as a miss.
//! - `acc_161km_or_exact`: the same, also counting an exact id match as correct: countries and
//!   states have representative points from other sources than the gold's GeoNames points (the
//!   United States' points lie 210 km apart), so a right country can be "far" from itself.
//! - `mean_error_km` / `median_error_km`: over resolved toponyms.

use std::path::Path;

use serde::Serialize;

use crate::{distance_km, normalize_name, Feature, Gazetteer, Place};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("reading {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("parsing {path} as XML: {source}")]
    Xml { path: String, source: roxmltree::Error },
}

/// One gold toponym with coordinates.
#[derive(Debug, Clone)]
pub struct GoldToponym {
    /// The text as written in the article.
    pub surface: String,
    pub geonameid: Option<u32>,
    /// The gold place's name and first-level region name, where the corpus gives them (LGL).
    pub name: Option<String>,
    pub admin1_name: Option<String>,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone)]
pub struct GoldArticle {
    pub id: String,
    pub toponyms: Vec<GoldToponym>,
}

fn read_xml(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|source| EvalError::Read { path: path.display().to_string(), source })
}

fn child_text<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> Option<&'a str> {
    node.children().find(|c| c.has_tag_name(tag)).and_then(|c| c.text()).map(str::trim).filter(|t| !t.is_empty())
}

/// Reads GeoWebNews' `GWN.xml`: `<toponym>` elements with `<extractedName>`, optional
/// `<geonamesID>`, `<latitude>` and `<longitude>`.
pub fn read_gwn(path: &Path) -> Result<Vec<GoldArticle>, EvalError> {
    let text = read_xml(path)?;
    let doc = roxmltree::Document::parse(&text)
        .map_err(|source| EvalError::Xml { path: path.display().to_string(), source })?;
    let mut articles = Vec::new();
    for article in doc.descendants().filter(|n| n.has_tag_name("article")) {
        let id = article.attribute("file").unwrap_or_default().to_string();
        let mut toponyms = Vec::new();
        for t in article.descendants().filter(|n| n.has_tag_name("toponym")) {
            let lat = child_text(t, "latitude").and_then(|v| v.parse().ok());
            let lon = child_text(t, "longitude").and_then(|v| v.parse().ok());
            let (Some(lat), Some(lon), Some(surface)) = (lat, lon, child_text(t, "extractedName")) else {
                continue;
            };
            toponyms.push(GoldToponym {
                surface: surface.to_string(),
                geonameid: child_text(t, "geonamesID").and_then(|v| v.parse().ok()),
                name: child_text(t, "normalisedName").map(str::to_string),
                admin1_name: None,
                lat,
                lon,
            });
        }
        articles.push(GoldArticle { id, toponyms });
    }
    Ok(articles)
}

/// Reads LGL's `lgl.xml`: `<toponym>` elements with `<phrase>` and a `<gaztag geonameid=…>`
/// holding `<name>`, `<lat>`, `<lon>` and `<admin1>`.
pub fn read_lgl(path: &Path) -> Result<Vec<GoldArticle>, EvalError> {
    let text = read_xml(path)?;
    let doc = roxmltree::Document::parse(&text)
        .map_err(|source| EvalError::Xml { path: path.display().to_string(), source })?;
    let mut articles = Vec::new();
    for article in doc.descendants().filter(|n| n.has_tag_name("article")) {
        let id = article.attribute("docid").unwrap_or_default().to_string();
        let mut toponyms = Vec::new();
        for t in article.descendants().filter(|n| n.has_tag_name("toponym")) {
            let Some(gaz) = t.children().find(|c| c.has_tag_name("gaztag")) else { continue };
            let lat = child_text(gaz, "lat").and_then(|v| v.parse().ok());
            let lon = child_text(gaz, "lon").and_then(|v| v.parse().ok());
            let (Some(lat), Some(lon), Some(surface)) = (lat, lon, child_text(t, "phrase")) else {
                continue;
            };
            toponyms.push(GoldToponym {
                surface: surface.to_string(),
                geonameid: gaz.attribute("geonameid").and_then(|v| v.parse().ok()),
                name: child_text(gaz, "name").map(str::to_string),
                admin1_name: child_text(gaz, "admin1").map(str::to_string),
                lat,
                lon,
            });
        }
        articles.push(GoldArticle { id, toponyms });
    }
    Ok(articles)
}

/// The figures `storyline eval geo` reports for one corpus.
#[derive(Debug, Clone, Serialize)]
pub struct GeoScore {
    pub corpus: String,
    pub articles: usize,
    /// Gold toponyms with coordinates.
    pub n: usize,
    /// Of those, how many the geocoder resolved to some place.
    pub resolved: usize,
    /// Gold toponyms with a GeoNames id (the denominator of `exact`).
    pub n_with_id: usize,
    pub exact: f64,
    pub acc_161km: f64,
    pub acc_161km_or_exact: f64,
    pub mean_error_km: f64,
    pub median_error_km: f64,
    /// Accuracy within 161 km by the kind of place the geocoder chose, and how many.
    pub by_feature: Vec<FeatureScore>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeatureScore {
    pub feature: &'static str,
    pub n: usize,
    pub acc_161km_or_exact: f64,
}

/// One gold toponym and what the geocoder made of it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub article: String,
    pub surface: String,
    pub gold_geonameid: Option<u32>,
    pub gold_lat: f64,
    pub gold_lon: f64,
    pub place: Option<Place>,
    pub error_km: Option<f64>,
    pub exact: bool,
}

/// Geocodes every gold toponym of the corpus, an article at a time.
pub fn geocode_corpus(gazetteer: &Gazetteer, articles: &[GoldArticle]) -> Vec<Outcome> {
    use rayon::prelude::*;
    articles
        .par_iter()
        .flat_map_iter(|article| {
            let names: Vec<&str> = article.toponyms.iter().map(|t| t.surface.as_str()).collect();
            let places = gazetteer.resolve_document(&names);
            article.toponyms.iter().zip(places).map(move |(gold, place)| {
                let error_km = place.as_ref().map(|p| distance_km(p.lat, p.lon, gold.lat, gold.lon));
                let exact = place.as_ref().is_some_and(|p| is_exact(gazetteer, gold, p));
                Outcome {
                    article: article.id.clone(),
                    surface: gold.surface.clone(),
                    gold_geonameid: gold.geonameid,
                    gold_lat: gold.lat,
                    gold_lon: gold.lon,
                    place,
                    error_km,
                    exact,
                }
            })
        })
        .collect()
}

fn is_exact(gazetteer: &Gazetteer, gold: &GoldToponym, place: &Place) -> bool {
    match (gold.geonameid, place.geonameid) {
        (Some(g), Some(p)) => g == p,
        // A county: the data has no id, so compare name and state.
        (Some(_), None) => {
            let same_name = gold.name.as_deref().map(normalize_name) == Some(normalize_name(&place.name));
            let state = gazetteer.region_name(&place.country_code, &place.admin1);
            let same_state = gold.admin1_name.as_deref().map(normalize_name) == state.map(normalize_name);
            same_name && same_state
        }
        (None, _) => false,
    }
}

/// Sums outcomes up into the reported figures.
pub fn score(corpus: &str, articles: usize, outcomes: &[Outcome]) -> GeoScore {
    let n = outcomes.len();
    let rate = |k: usize, of: usize| if of == 0 { 0.0 } else { k as f64 / of as f64 };
    let near = |o: &Outcome| o.error_km.is_some_and(|e| e <= 161.0);
    let mut errors: Vec<f64> = outcomes.iter().filter_map(|o| o.error_km).collect();
    errors.sort_by(f64::total_cmp);
    let n_with_id = outcomes.iter().filter(|o| o.gold_geonameid.is_some()).count();
    let mut by_feature = Vec::new();
    for feature in [Feature::City, Feature::Admin2, Feature::Admin1, Feature::Country, Feature::Continent] {
        let of: Vec<&Outcome> =
            outcomes.iter().filter(|o| o.place.as_ref().map(|p| p.feature) == Some(feature)).collect();
        if !of.is_empty() {
            let right = of.iter().filter(|o| near(o) || o.exact).count();
            by_feature.push(FeatureScore {
                feature: feature.as_str(),
                n: of.len(),
                acc_161km_or_exact: rate(right, of.len()),
            });
        }
    }
    let unresolved = outcomes.iter().filter(|o| o.place.is_none()).count();
    by_feature.push(FeatureScore { feature: "unresolved", n: unresolved, acc_161km_or_exact: 0.0 });
    GeoScore {
        corpus: corpus.to_string(),
        articles,
        n,
        resolved: errors.len(),
        n_with_id,
        exact: rate(outcomes.iter().filter(|o| o.exact).count(), n_with_id),
        acc_161km: rate(outcomes.iter().filter(|o| near(o)).count(), n),
        acc_161km_or_exact: rate(outcomes.iter().filter(|o| near(o) || o.exact).count(), n),
        mean_error_km: if errors.is_empty() { 0.0 } else { errors.iter().sum::<f64>() / errors.len() as f64 },
        median_error_km: errors.get(errors.len() / 2).copied().unwrap_or(0.0),
        by_feature,
    }
}
