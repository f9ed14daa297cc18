//! `storyline entities`, `storyline entity`, and the entity sections of `show` and `article`.

use anyhow::{bail, Result};
use storyline_model::{EntityType, EventId, Quote};
use storyline_store::{ArticleDetail, EntityDetail, EntityFilter, EntitySummary, EventDetail, Store};

use crate::render::print_json;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TypeArg {
    Person,
    Org,
    Loc,
    Gpe,
    Misc,
}

impl From<TypeArg> for EntityType {
    fn from(t: TypeArg) -> Self {
        match t {
            TypeArg::Person => EntityType::Person,
            TypeArg::Org => EntityType::Org,
            TypeArg::Loc => EntityType::Loc,
            TypeArg::Gpe => EntityType::Gpe,
            TypeArg::Misc => EntityType::Misc,
        }
    }
}

fn entity_line(s: &EntitySummary) -> String {
    let e = &s.entity;
    let others: Vec<&str> = e.aliases.iter().map(String::as_str).filter(|a| *a != e.name).collect();
    let mut line = format!(
        "#{:<4} {:<6} {}  ({} mentions in {} article{}",
        e.id,
        e.kind.as_str(),
        e.name,
        s.mentions,
        s.articles,
        if s.articles == 1 { "" } else { "s" }
    );
    if s.quotes > 0 {
        line.push_str(&format!(", {} quote{}", s.quotes, if s.quotes == 1 { "" } else { "s" }));
    }
    line.push(')');
    if let Some(l) = &e.location {
        line.push_str(&format!("  @ {}", location_text(l)));
    }
    if !others.is_empty() {
        line.push_str(&format!("\n       also: {}", others.join(" · ")));
    }
    for d in &e.disagreements {
        let values: Vec<String> = d.values.iter().map(|(v, a)| format!("{v} ({})", a.join(", "))).collect();
        line.push_str(&format!("\n       disputed {}: {}", d.field, values.join(" vs ")));
    }
    line
}

/// "Tripoli, LY (city) 32.8874, 13.1873": where a place is, as the gazetteer has it.
fn location_text(l: &storyline_model::Location) -> String {
    let country =
        if l.country.is_empty() || l.feature == "country" { String::new() } else { format!(", {}", l.country) };
    format!("{}{country} ({}) {:.4}, {:.4}", l.name, l.feature, l.lat, l.lon)
}

/// `storyline entities [--type T] [--event ID]`.
pub fn list(store: &Store, kind: Option<TypeArg>, event: Option<EventId>, limit: usize, json: bool) -> Result<()> {
    let filter = EntityFilter { kind: kind.map(Into::into), event, limit: Some(limit) };
    let entities = store.entities(&filter)?;
    if json {
        return print_json(&entities);
    }
    if entities.is_empty() {
        println!("No entities: ingest articles with models/ner.bin in place (see `storyline train-ner`).");
    }
    for s in &entities {
        println!("{}", entity_line(s));
    }
    Ok(())
}

/// `storyline entity NAME|ID`.
pub fn show(store: &Store, name_or_id: &str, json: bool) -> Result<()> {
    let id = match name_or_id.trim_start_matches('#').parse::<i64>() {
        Ok(id) => id,
        Err(_) => match store.entities_named(name_or_id)?.first() {
            Some(s) => s.entity.id,
            None => bail!("no entity named {name_or_id:?} (see `storyline entities`)"),
        },
    };
    let Some(detail) = store.entity_detail(id)? else { bail!("no entity #{id} (see `storyline entities`)") };
    if json {
        return print_json(&detail);
    }
    print_detail(&detail);
    Ok(())
}

fn print_quote(q: &Quote, speaker: Option<&str>) {
    let who = speaker.or(q.speaker_text.as_deref()).unwrap_or("unattributed");
    println!("  “{}” — {} [{} sentence {}]", q.text, who, q.article, q.sentence);
}

fn print_detail(d: &EntityDetail) {
    println!("{}", entity_line(&d.summary));
    if !d.summary.entity.roles.is_empty() {
        println!("roles: {}", d.summary.entity.roles.join(" · "));
    }
    if d.article_count as usize > d.articles.len() {
        println!("Articles (the first {} of {}):", d.articles.len(), d.article_count);
    } else {
        println!("Articles:");
    }
    for a in &d.articles {
        println!("  {}  {}  [event #{}; {} mentions: {}]", a.id, a.headline, a.event, a.mentions, a.forms.join(", "));
    }
    if !d.quotes.is_empty() {
        println!("Quotes:");
        for q in &d.quotes {
            print_quote(q, q.speaker_text.as_deref());
        }
    }
    if !d.places.is_empty() {
        let places: Vec<String> = d
            .places
            .iter()
            .map(|p| match p.coordinates {
                Some([lon, lat]) => format!("{} ({}; {lat:.2}, {lon:.2})", p.name, p.mentions),
                None => format!("{} ({})", p.name, p.mentions),
            })
            .collect();
        println!("Places (mentions; latitude, longitude): {}", places.join(", "));
    }
}

/// `storyline article ID`, with the article's entities and quotes.
pub fn article(store: &Store, detail: &ArticleDetail, json: bool) -> Result<()> {
    let found = store.article_entities(&detail.article.id)?;
    if json {
        let mut value = serde_json::to_value(detail)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("entities".into(), serde_json::to_value(&found)?);
        }
        return print_json(&value);
    }
    crate::render::article(detail, false)?;
    if !found.entities.is_empty() {
        println!("Entities:");
        for s in &found.entities {
            println!("  #{:<4} {:<6} {} ({})", s.entity.id, s.entity.kind.as_str(), s.entity.name, s.mentions);
        }
    }
    if !found.quotes.is_empty() {
        println!("Quotes:");
        for q in &found.quotes {
            let name = found.entities.iter().find(|s| Some(s.entity.id) == q.speaker).map(|s| s.entity.name.as_str());
            print_quote(q, name);
        }
    }
    Ok(())
}

/// `storyline show EVENT`, with the event's entities.
pub fn event(store: &Store, detail: &EventDetail, json: bool) -> Result<()> {
    let entities =
        store.entities(&EntityFilter { event: Some(detail.summary.id), limit: Some(30), ..Default::default() })?;
    if json {
        let mut value = serde_json::to_value(detail)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("entities".into(), serde_json::to_value(&entities)?);
        }
        return print_json(&value);
    }
    crate::render::event(detail, false)?;
    if !entities.is_empty() {
        println!("Entities:");
        for s in &entities {
            println!("  #{:<4} {:<6} {} ({} mentions)", s.entity.id, s.entity.kind.as_str(), s.entity.name, s.mentions);
        }
    }
    Ok(())
}
