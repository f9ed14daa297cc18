//! Country outlines for maps drawn without a tile server: Natural Earth's admin-0 countries
//! (installed as GeoJSON by `scripts/setup.d/15-world-map.sh`) turned into SVG path data on an
//! equirectangular plane, x = longitude + 180 and y = 90 − latitude, both in degrees, which is
//! the plane the web page places its dots on.

use std::path::Path;

use geojson::{GeoJson, Value};
use serde::Serialize;

use crate::GeoError;

/// The file the set-up installs into the gazetteer's folder.
pub const OUTLINES_FILE: &str = "countries-50m.geojson";

/// A number of tenths of a degree, written in degrees as SVG allows, shortest (`12`, `-.3`).
struct Tenths(i32);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, tenth) = (self.0.unsigned_abs() / 10, self.0.unsigned_abs() % 10);
        match tenth {
            0 => write!(f, "{sign}{whole}"),
            _ if whole == 0 => write!(f, "{sign}.{tenth}"),
            _ => write!(f, "{sign}{whole}.{tenth}"),
        }
    }
}

/// One country's outline as SVG path data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryOutline {
    pub name: String,
    /// `M x y l dx dy dx dy … Z` per ring, coordinates rounded to [`PRECISION_DEGREES`].
    pub path: String,
}

/// A tenth of a degree (about 11 km): finer than a news map needs, and it keeps the whole
/// world to a few hundred kilobytes.
pub const PRECISION_DEGREES: f64 = 0.1;

/// Reads the outlines from `dir` ([`OUTLINES_FILE`]).
pub fn load_outlines(dir: &Path) -> Result<Vec<CountryOutline>, GeoError> {
    let path = dir.join(OUTLINES_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| GeoError::Missing { path: path.clone(), source })?;
    outlines_from_geojson(&text).map_err(|problem| GeoError::Shape { file: path.display().to_string(), problem })
}

/// Turns a GeoJSON feature collection of (multi)polygons into outlines; features of other
/// geometries are skipped, rings that round to fewer than three points are dropped.
pub fn outlines_from_geojson(text: &str) -> Result<Vec<CountryOutline>, String> {
    let GeoJson::FeatureCollection(collection) = text.parse::<GeoJson>().map_err(|e| e.to_string())? else {
        return Err("not a GeoJSON feature collection".to_string());
    };
    let mut outlines = Vec::new();
    for feature in collection.features {
        let name = feature.property("name").and_then(|n| n.as_str()).unwrap_or_default().to_string();
        let polygons = match feature.geometry.map(|g| g.value) {
            Some(Value::Polygon(rings)) => vec![rings],
            Some(Value::MultiPolygon(polygons)) => polygons,
            _ => continue,
        };
        let mut path = String::new();
        for ring in polygons.iter().flatten() {
            push_ring(&mut path, ring);
        }
        if !path.is_empty() {
            outlines.push(CountryOutline { name, path });
        }
    }
    Ok(outlines)
}

fn push_ring(path: &mut String, ring: &[Vec<f64>]) {
    use std::fmt::Write;
    let per_degree = 1.0 / PRECISION_DEGREES;
    let mut points: Vec<(i32, i32)> = Vec::with_capacity(ring.len());
    for position in ring {
        let (Some(&lon), Some(&lat)) = (position.first(), position.get(1)) else { continue };
        let point = (((lon + 180.0) * per_degree).round() as i32, ((90.0 - lat) * per_degree).round() as i32);
        if points.last() != Some(&point) {
            points.push(point);
        }
    }
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    if points.len() < 3 {
        return;
    }
    // The first point absolute, then each step relative to the one before (`l dx dy dx dy …`):
    // steps are small numbers, about a third of the bytes of absolute coordinates.
    let (first_x, first_y) = points[0];
    let _ = write!(path, "M{} {}l", Tenths(first_x), Tenths(first_y));
    for (i, pair) in points.windows(2).enumerate() {
        let separator = if i == 0 { "" } else { " " };
        let _ = write!(path, "{separator}{} {}", Tenths(pair[1].0 - pair[0].0), Tenths(pair[1].1 - pair[0].1));
    }
    path.push('Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_become_closed_paths_on_the_plane_of_the_page() {
        let geojson = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"Squareland"},"geometry":{"type":"Polygon",
             "coordinates":[[[10,20],[11,20],[11,21],[10.001,21.001],[10,21],[10,20]]]}},
            {"type":"Feature","properties":{"name":"Islands"},"geometry":{"type":"MultiPolygon",
             "coordinates":[[[[-180,90],[-179,90],[-179,89],[-180,90]]],[[[0,0],[0.01,0],[0,0.01],[0,0]]]]}},
            {"type":"Feature","properties":{"name":"A point"},"geometry":{"type":"Point","coordinates":[1,2]}}
        ]}"#;
        let outlines = outlines_from_geojson(geojson).unwrap();
        assert_eq!(outlines.len(), 2, "the point is not an outline");
        assert_eq!(outlines[0].name, "Squareland");
        // Lon 10 → x 190, lat 20 → y 70; the near-duplicate corner merges with (10, 21).
        assert_eq!(outlines[0].path, "M190 70l1 0 0 -1 -1 0Z");
        // The second island rounds to one point and is dropped.
        assert_eq!(outlines[1].path, "M0 0l1 0 0 1Z");
    }

    #[test]
    fn tenths_are_written_as_degrees() {
        let written: Vec<String> = [0, 5, -5, 10, -13, 1799].into_iter().map(|v| Tenths(v).to_string()).collect();
        assert_eq!(written, ["0", ".5", "-.5", "1", "-1.3", "179.9"]);
    }

    #[test]
    fn other_json_is_refused_with_a_reason() {
        assert!(outlines_from_geojson(r#"{"type":"Point","coordinates":[1,2]}"#).is_err());
        assert!(outlines_from_geojson("not json").is_err());
    }
}
