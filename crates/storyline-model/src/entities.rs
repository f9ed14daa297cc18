//! Who is in the news: entity types, mentions, resolved entities and quotes.
//!
//! Byte offsets of mentions and quotes point into [`crate::Article::full_text`] (the title, a blank
//! line, then the body), and `sentence` counts the sentences of that same text from 0.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ArticleId;

/// An entity as the store numbers it.
pub type EntityId = i64;

/// What kind of thing an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EntityType {
    Person,
    /// Organisations: governments, armies, parties, companies, outlets.
    Org,
    /// Places as places: cities, regions, seas.
    Loc,
    /// Geo-political entities: countries (also named by their adjectives: "Turkish").
    Gpe,
    /// Other names: events, nationalities with no country, products.
    Misc,
}

impl EntityType {
    pub const ALL: [EntityType; 5] =
        [EntityType::Person, EntityType::Org, EntityType::Loc, EntityType::Gpe, EntityType::Misc];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Person => "PERSON",
            EntityType::Org => "ORG",
            EntityType::Loc => "LOC",
            EntityType::Gpe => "GPE",
            EntityType::Misc => "MISC",
        }
    }

    /// Parses "PERSON", "ORG", "LOC", "GPE" or "MISC", in any case; "PER" is taken too.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "PERSON" | "PER" => Some(EntityType::Person),
            "ORG" => Some(EntityType::Org),
            "LOC" => Some(EntityType::Loc),
            "GPE" => Some(EntityType::Gpe),
            "MISC" => Some(EntityType::Misc),
            _ => None,
        }
    }

    /// Places of either kind: what a map can show.
    pub fn is_place(self) -> bool {
        matches!(self, EntityType::Loc | EntityType::Gpe)
    }
}

/// One occurrence of a name in an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub article: ArticleId,
    /// The entity it was resolved to; `None` until resolution has run.
    pub entity: Option<EntityId>,
    /// The text exactly as in the article.
    pub text: String,
    pub kind: EntityType,
    pub byte_start: usize,
    pub byte_end: usize,
    pub sentence: usize,
    /// The role the article gives the person here, e.g. "Turkish Defence Minister".
    pub role: Option<String>,
}

/// A direct quote and who said it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub article: ArticleId,
    /// The quoted words, without the quotation marks.
    pub text: String,
    pub byte_start: usize,
    pub byte_end: usize,
    /// The sentence the quote opens in.
    pub sentence: usize,
    pub speaker: Option<EntityId>,
    /// How the article names the speaker there: "Akar", "he", "the Turkish minister".
    pub speaker_text: Option<String>,
    /// The reporting verb that attributes it ("said", "stated"), if any.
    pub cue: Option<String>,
}

/// Facts about one entity that sources report differently, e.g. a first name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disagreement {
    /// What differs, e.g. "given name".
    pub field: String,
    /// Each value with the articles that give it.
    pub values: BTreeMap<String, Vec<ArticleId>>,
}

/// Where a place is, as the gazetteer (GeoNames) placed it at ingest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    /// ISO 3166 alpha-2 code of the country the place lies in; empty for continents.
    pub country: String,
    /// continent, country, admin1, admin2 or city.
    pub feature: String,
    /// GeoNames' name of the place.
    pub name: String,
    pub geonameid: Option<i64>,
}

/// One real-world referent with every name it goes by across the articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: EntityId,
    pub kind: EntityType,
    /// The canonical name: the fullest form seen.
    pub name: String,
    /// Every surface form seen, the canonical name included.
    pub aliases: Vec<String>,
    /// Roles the articles give it ("Turkish Defence Minister").
    pub roles: Vec<String>,
    pub disagreements: Vec<Disagreement>,
    /// ISO 3166 alpha-2 code, for countries and their adjectives.
    pub country: Option<String>,
    /// The GeoNames id of the place, when a gazetteer knew it.
    pub geonameid: Option<i64>,
    /// Mentions seen of each type: the evidence behind `kind`.
    pub kind_votes: BTreeMap<EntityType, u32>,
    /// Where a place (LOC, GPE) is, when geocoded at ingest.
    #[serde(default)]
    pub location: Option<Location>,
}
