//! Entities, their mentions, and quotes: written by the pipeline's entity resolution, read by
//! `storyline entities`, `storyline entity` and the article and event views.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::db::{params, params_from_iter, OptionalExtension};
use serde::Serialize;
use storyline_model::{ArticleId, Entity, EntityId, EntityType, EventId, Mention, Quote};

use crate::batch::placeholders;
use crate::queries::{opening_words, TITLE_FALLBACK_CHARS};
use crate::{from_json, to_json, Batch, Result, Store, StoreError};

/// An entity with how much the store has on it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EntitySummary {
    #[serde(flatten)]
    pub entity: Entity,
    pub mentions: u64,
    pub articles: u64,
    pub quotes: u64,
}

/// Which entities to list.
#[derive(Debug, Clone, Default)]
pub struct EntityFilter {
    pub kind: Option<EntityType>,
    /// Only entities mentioned in this event's articles.
    pub event: Option<EventId>,
    pub limit: Option<usize>,
}

/// An article in which an entity appears.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EntityArticle {
    pub id: ArticleId,
    pub title: Option<String>,
    /// What to call it: its title, or the opening words of an untitled article.
    pub headline: String,
    pub event: EventId,
    pub mentions: u64,
    /// The names the article uses for the entity.
    pub forms: Vec<String>,
}

/// A place for a map: the geocoder fills `coordinates` once it knows them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MapPlace {
    pub entity: EntityId,
    pub name: String,
    pub kind: EntityType,
    pub country: Option<String>,
    pub geonameid: Option<i64>,
    /// `[longitude, latitude]`, as GeoJSON orders them; `None` until geocoded.
    pub coordinates: Option<[f64; 2]>,
    /// Mentions of the place in the articles concerned.
    pub mentions: u64,
}

/// Articles an entity page shows (its first in arrival order), and quotes.
pub const ENTITY_PAGE_ARTICLES: usize = 100;
pub const ENTITY_PAGE_QUOTES: usize = 50;

/// What the store knows about one entity, its articles bounded (see [`Store::entity_detail`]).
#[derive(Debug, Clone, Serialize)]
pub struct EntityDetail {
    #[serde(flatten)]
    pub summary: EntitySummary,
    /// How many articles mention the entity (`articles` lists the first of them).
    pub article_count: u64,
    pub articles: Vec<EntityArticle>,
    /// The mentions in the articles listed, with their spans (the summary's `mentions` counts
    /// them all).
    pub mention_spans: Vec<Mention>,
    /// Quotes the entity said (the first of them).
    pub quotes: Vec<Quote>,
    /// The entity itself when it is a place, else the places mentioned alongside it.
    pub places: Vec<MapPlace>,
}

/// The entities of one article, for the article view.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ArticleEntities {
    pub entities: Vec<EntitySummary>,
    pub mentions: Vec<Mention>,
    pub quotes: Vec<Quote>,
}

pub(crate) const ENTITY_COLUMNS: &str =
    "id, kind, name, aliases, roles, disagreements, country, geonameid, kind_votes, location";

pub(crate) fn read_entity(r: &crate::db::Row) -> crate::Result<Result<Entity>> {
    let kind: String = r.get(1)?;
    let aliases: String = r.get(3)?;
    let roles: String = r.get(4)?;
    let disagreements: String = r.get(5)?;
    let votes: String = r.get(8)?;
    let location: Option<String> = r.get(9)?;
    let build = || -> Result<Entity> {
        Ok(Entity {
            id: r.get(0)?,
            kind: EntityType::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt { what: "entity type", detail: kind.clone() })?,
            name: r.get(2)?,
            aliases: from_json("entity aliases", &aliases)?,
            roles: from_json("entity roles", &roles)?,
            disagreements: from_json("entity disagreements", &disagreements)?,
            country: r.get(6)?,
            geonameid: r.get(7)?,
            kind_votes: from_json("entity type votes", &votes)?,
            location: location.as_deref().map(|l| from_json("entity location", l)).transpose()?,
        })
    };
    Ok(build())
}

pub(crate) fn read_mention(r: &crate::db::Row) -> crate::Result<Result<Mention>> {
    let kind: String = r.get(3)?;
    let Some(kind) = EntityType::parse(&kind) else {
        return Ok(Err(StoreError::Corrupt { what: "mention type", detail: kind }));
    };
    Ok(Ok(Mention {
        article: r.get(0)?,
        entity: r.get(1)?,
        text: r.get(2)?,
        kind,
        byte_start: r.get::<i64>(4)? as usize,
        byte_end: r.get::<i64>(5)? as usize,
        sentence: r.get::<i64>(6)? as usize,
        role: r.get(7)?,
    }))
}

/// A mention's columns as [`read_mention`] reads them, from [`MENTIONS_WITH_IDS`]: the article
/// as its id (the table keeps its arrival number).
pub(crate) const MENTION_COLUMNS: &str =
    "a.id, m.entity_id, m.text, m.kind, m.byte_start, m.byte_end, m.sentence, m.role";
/// The mentions (`m`) with their articles (`a`), whose ids they are read by.
pub(crate) const MENTIONS_WITH_IDS: &str = "mentions m JOIN articles a ON a.seq = m.article_seq";
/// A quote's columns as [`read_quote`] reads them, from [`QUOTES_WITH_IDS`] (the table keeps the
/// article's arrival number, since version 6), and the article's title and text, where the
/// quote's words are (see [`Batch::insert_quotes`]).
pub(crate) const QUOTE_COLUMNS: &str =
    "a.id, q.text, q.byte_start, q.byte_end, q.sentence, q.speaker_entity, q.speaker_text, q.cue, a.title, a.text";
/// The quotes (`q`) with their articles (`a`), whose ids they are read by.
pub(crate) const QUOTES_WITH_IDS: &str = "quotes q JOIN articles a ON a.seq = q.article_seq";

pub(crate) fn read_quote(r: &crate::db::Row) -> crate::Result<Quote> {
    let (byte_start, byte_end) = (r.get::<i64>(2)? as usize, r.get::<i64>(3)? as usize);
    let text = match r.get::<String>(1)? {
        // Written since the quote is no longer copied: its span of the article's full text.
        stored if stored.is_empty() => {
            let full = full_text(r.get(8)?, crate::stored_text::read(r.get_ref(9)?)?);
            full.get(byte_start..byte_end).unwrap_or_default().to_string()
        }
        stored => stored,
    };
    Ok(Quote {
        article: r.get(0)?,
        text,
        byte_start,
        byte_end,
        sentence: r.get::<i64>(4)? as usize,
        speaker: r.get(5)?,
        speaker_text: r.get(6)?,
        cue: r.get(7)?,
    })
}

/// An article's full text (title, blank line, body), which quotes' and mentions' spans point into.
fn full_text(title: Option<String>, text: String) -> String {
    let mut article = storyline_model::Article::new("", text, storyline_model::SourceFormat::Text);
    article.title = title;
    article.full_text()
}

fn collect<T>(rows: Vec<crate::Result<Result<T>>>) -> Result<Vec<T>> {
    rows.into_iter().map(|r| r?).collect()
}

/// How many of an entity's latest mentions [`Batch::shared_neighbours`] looks through.
pub const NEIGHBOUR_ARTICLES: i64 = 200;
/// Articles whose entities the store keeps in memory before it starts over (about 300 bytes each).
const MENTIONED_ARTICLES_KEPT: usize = 100_000;

/// Which entities each committed article mentions, kept in memory across batches: resolution
/// asks for the company of several entities per article, each a union over up to
/// [`NEIGHBOUR_ARTICLES`] articles, and an article's mentions never change once committed, so
/// reading each article's entities from SQLite once is enough.
#[derive(Debug, Default)]
pub(crate) struct MentionedEntities {
    by_article: std::collections::HashMap<ArticleId, std::sync::Arc<[EntityId]>>,
}

/// The articles of an entity's latest [`NEIGHBOUR_ARTICLES`] mentions, oldest first, each with
/// how many of those mentions it holds. Read from the store once per batch and then moved along
/// as the batch stores mentions, so that it always equals what the store would answer: how a
/// run is cut into batches changes nothing.
#[derive(Debug, Default)]
pub(crate) struct MentionWindow {
    articles: std::collections::VecDeque<(ArticleId, i64)>,
    mentions: i64,
}

impl MentionWindow {
    fn add(&mut self, article: &ArticleId) {
        match self.articles.back_mut() {
            Some((last, n)) if last == article => *n += 1,
            _ => self.articles.push_back((article.clone(), 1)),
        }
        self.mentions += 1;
        // The oldest article stays while any of its mentions is among the latest.
        while let Some(&(_, oldest)) = self.articles.front() {
            if self.mentions - oldest < NEIGHBOUR_ARTICLES {
                break;
            }
            self.mentions -= oldest;
            self.articles.pop_front();
        }
    }
}

impl MentionedEntities {
    pub(crate) fn insert(&mut self, article: ArticleId, entities: Vec<EntityId>) {
        if self.by_article.len() >= MENTIONED_ARTICLES_KEPT {
            self.by_article.clear();
        }
        self.by_article.insert(article, entities.into());
    }
}

impl Batch<'_> {
    /// Every entity key with its entity, when the store has no more than `limit` of them.
    pub fn entity_keys_if_at_most(&self, limit: i64) -> Result<Option<Vec<(String, EntityId)>>> {
        let count: i64 = self.tx().query_row("SELECT COUNT(*) FROM entity_keys", params![], |r| r.get(0))?;
        if count > limit {
            return Ok(None);
        }
        let mut stmt = self.tx().prepare("SELECT key, entity_id FROM entity_keys")?;
        let pairs = stmt.query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<crate::Result<_>>()?;
        Ok(Some(pairs))
    }

    /// The entities filed under each of `keys`, as (key, entity id) pairs.
    pub fn entity_ids_with_keys(&self, keys: &[&str]) -> Result<Vec<(String, EntityId)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT key, entity_id FROM entity_keys WHERE key IN ({})", placeholders(keys.len()));
        let pairs = self
            .tx()
            .prepare_cached(&sql)?
            .query_map(params_from_iter(keys), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::Result<_>>()?;
        Ok(pairs)
    }

    /// The stored entities among `ids`, by id.
    pub fn entities_by_id(&self, ids: &[EntityId]) -> Result<Vec<Entity>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql =
            format!("SELECT {ENTITY_COLUMNS} FROM entities WHERE id IN ({}) ORDER BY id", placeholders(ids.len()));
        let rows = self.tx().prepare_cached(&sql)?.query_map(params_from_iter(ids), read_entity)?.collect();
        collect(rows)
    }

    /// The id the next entity stored without one gets.
    pub fn next_entity_id(&self) -> Result<EntityId> {
        self.tx().query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM entities", params![], |r| r.get(0))
    }

    /// Stores a new entity filed under `keys`, under its `id`, or the next free one when that
    /// is 0. Returns its id.
    pub fn insert_entity(&self, entity: &Entity, keys: &[String]) -> Result<EntityId> {
        // The next free id spelt out, not left to the database: PostgreSQL fills a missing id
        // from a sequence that ids given explicitly would not advance.
        let id = self.tx().insert_returning(
            "INSERT INTO entities (id, kind, name, aliases, roles, disagreements, country, geonameid, kind_votes, location)
             VALUES (COALESCE(?1, (SELECT COALESCE(MAX(id), 0) + 1 FROM entities)), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            "id",
            params![
                (entity.id != 0).then_some(entity.id),
                entity.kind.as_str(),
                entity.name,
                to_json(&entity.aliases),
                to_json(&entity.roles),
                to_json(&entity.disagreements),
                entity.country,
                entity.geonameid,
                to_json(&entity.kind_votes),
                entity.location.as_ref().map(to_json),
            ],
        )?;
        self.file_entity(id, keys)?;
        Ok(id)
    }

    /// Replaces a stored entity, and files it under `keys` too when given. An entity's keys
    /// only grow (its aliases, kinds and codes are only ever added to), so none is removed.
    pub fn update_entity(&self, entity: &Entity, keys: Option<&[String]>) -> Result<()> {
        self.tx()
            .prepare_cached(
                "UPDATE entities SET kind = ?2, name = ?3, aliases = ?4, roles = ?5, disagreements = ?6,
                 country = ?7, geonameid = ?8, kind_votes = ?9, location = ?10 WHERE id = ?1",
            )?
            .execute(params![
                entity.id,
                entity.kind.as_str(),
                entity.name,
                to_json(&entity.aliases),
                to_json(&entity.roles),
                to_json(&entity.disagreements),
                entity.country,
                entity.geonameid,
                to_json(&entity.kind_votes),
                entity.location.as_ref().map(to_json),
            ])?;
        let Some(keys) = keys else { return Ok(()) };
        self.file_entity(entity.id, keys)
    }

    fn file_entity(&self, id: EntityId, keys: &[String]) -> Result<()> {
        let rows: Vec<(&String, EntityId)> = keys.iter().map(|key| (key, id)).collect();
        self.tx().execute_rows(("INSERT OR IGNORE INTO entity_keys (key, entity_id)", "(?, ?)", ""), &rows, |_| Ok(()))
    }

    /// How many of `among`, other than `id` itself, are mentioned in the articles of the latest
    /// [`NEIGHBOUR_ARTICLES`] mentions of `id` (read once per batch, then moved along as it
    /// stores mentions): the company in common an entity keeps now. Bounded, so that an entity
    /// named in every article ("Libya") costs the same in a store of millions; counted without
    /// building that company, which can be thousands of entities.
    pub fn shared_neighbours(&self, id: EntityId, among: &HashSet<EntityId>) -> Result<usize> {
        let mut shared: HashSet<EntityId> = HashSet::new();
        self.for_each_neighbour_list(id, |entities| {
            shared.extend(entities.iter().filter(|e| **e != id && among.contains(e)));
        })?;
        Ok(shared.len())
    }

    /// The whole company whose members [`Batch::shared_neighbours`] counts.
    #[cfg(test)]
    fn entity_neighbours(&self, id: EntityId) -> Result<HashSet<EntityId>> {
        let mut neighbours = HashSet::new();
        self.for_each_neighbour_list(id, |entities| neighbours.extend(entities))?;
        Ok(neighbours)
    }

    /// Calls `f` with the entities of each article in `id`'s window of latest mentions.
    fn for_each_neighbour_list(&self, id: EntityId, mut f: impl FnMut(&[EntityId])) -> Result<()> {
        if !self.neighbour_articles.borrow().contains_key(&id) {
            let mut latest: Vec<ArticleId> = self
                .tx()
                .prepare_cached(
                    // An entity's mentions are stored in arrival order, so their latest are its
                    // latest articles' (the index on entity and article answers in that order).
                    "SELECT a.id FROM mentions m JOIN articles a ON a.seq = m.article_seq WHERE m.entity_id = ?1
                     ORDER BY m.article_seq DESC, m.n DESC LIMIT ?2",
                )?
                .query_map(params![id, NEIGHBOUR_ARTICLES], |r| r.get(0))?
                .collect::<crate::Result<_>>()?;
            latest.reverse();
            let mut window = MentionWindow::default();
            for article in latest.iter().chain(self.noted_unwritten.borrow().get(&id).into_iter().flatten()) {
                window.add(article);
            }
            self.neighbour_articles.borrow_mut().insert(id, window);
        }
        let windows = self.neighbour_articles.borrow();
        for (article, _) in &windows[&id].articles {
            if let Some(here) = self.mentioned_here.borrow().get(article) {
                f(here);
                continue;
            }
            let remembered = self.mentioned().by_article.get(article).cloned();
            let entities = match remembered {
                Some(entities) => entities,
                None => {
                    // Not written by this batch, so committed: it will not change.
                    let entities: Vec<EntityId> = self
                        .tx()
                        .prepare_cached(
                            "SELECT DISTINCT m.entity_id FROM mentions m JOIN articles a ON a.seq = m.article_seq
                             WHERE a.id = ?1 AND m.entity_id IS NOT NULL",
                        )?
                        .query_map([article], |r| r.get(0))?
                        .collect::<crate::Result<_>>()?;
                    self.mentioned().insert(article.clone(), entities.clone());
                    entities.into()
                }
            };
            f(&entities);
        }
        Ok(())
    }

    /// Articles that mention `id` by exactly `form`.
    pub fn articles_with_form(&self, id: EntityId, form: &str) -> Result<Vec<ArticleId>> {
        let mut stmt = self.tx().prepare_cached(
            // Grouped rather than DISTINCT: PostgreSQL orders a DISTINCT list only by what it selects.
            "SELECT a.id FROM mentions m JOIN articles a ON a.seq = m.article_seq
             WHERE m.entity_id = ?1 AND m.text = ?2 GROUP BY a.id ORDER BY MIN(a.seq)",
        )?;
        let ids = stmt.query_map(params![id, form], |r| r.get(0))?.collect::<crate::Result<_>>()?;
        Ok(ids)
    }

    /// Takes note of mentions that another batch will write (resolution reads through one
    /// transaction while the store's writer holds another): the company entities keep, as
    /// this batch answers it, includes them from now on.
    pub fn note_mentions(&self, mentions: &[Mention]) {
        self.remember_mentions(mentions);
        let mut unwritten = self.noted_unwritten.borrow_mut();
        for m in mentions {
            if let Some(entity) = m.entity {
                unwritten.entry(entity).or_default().push(m.article.clone());
            }
        }
    }

    fn remember_mentions(&self, mentions: &[Mention]) {
        let mut here = self.mentioned_here.borrow_mut();
        let mut neighbour_articles = self.neighbour_articles.borrow_mut();
        for m in mentions {
            let Some(entity) = m.entity else { continue };
            let entities = here.entry(m.article.clone()).or_default();
            if !entities.contains(&entity) {
                entities.push(entity);
            }
            if let Some(window) = neighbour_articles.get_mut(&entity) {
                window.add(&m.article);
            }
        }
    }

    /// A stored article's arrival number, which keys its mentions, quotes, coded events and date
    /// expressions.
    pub(crate) fn article_seq(&self, article: &str) -> Result<i64> {
        self.tx().query_row("SELECT seq FROM articles WHERE id = ?1", params![article], |r| r.get(0)).map_err(|error| {
            match error {
                StoreError::NoRow => StoreError::Corrupt { what: "mentioned article", detail: article.to_string() },
                error => error,
            }
        })
    }

    /// The arrival numbers of these stored articles, each looked up once (a batch's rows come
    /// many to an article).
    pub(crate) fn article_seqs<'a>(
        &self,
        articles: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<&'a str, i64>> {
        let mut seqs = HashMap::new();
        for article in articles {
            if !seqs.contains_key(article) {
                seqs.insert(article, self.article_seq(article)?);
            }
        }
        Ok(seqs)
    }

    /// Stores mentions of stored articles (the table keys each by its article's number and its
    /// place among the article's mentions, after any stored before).
    pub fn insert_mentions(&self, mentions: &[Mention]) -> Result<()> {
        self.remember_mentions(mentions);
        let seqs = self.article_seqs(mentions.iter().map(|m| m.article.as_str()))?;
        let mut next: HashMap<i64, i64> = HashMap::new();
        let mut rows = Vec::with_capacity(mentions.len());
        for m in mentions {
            let seq = seqs[m.article.as_str()];
            let n = match next.get_mut(&seq) {
                Some(n) => n,
                None => {
                    let first = self.tx().query_row(
                        "SELECT COALESCE(MAX(n) + 1, 0) FROM mentions WHERE article_seq = ?1",
                        [seq],
                        |r| r.get::<i64>(0),
                    )?;
                    next.entry(seq).or_insert(first)
                }
            };
            rows.push((seq, *n, m.entity, &m.text, m.kind.as_str(), m.byte_start, m.byte_end, m.sentence, &m.role));
            *n += 1;
        }
        let head = "INSERT INTO mentions (article_seq, n, entity_id, text, kind, byte_start, byte_end, sentence, role)";
        self.tx().execute_rows((head, "(?, ?, ?, ?, ?, ?, ?, ?, ?)", ""), &rows, |_| Ok(()))
    }

    /// Stores quotes of stored articles (the table keys each by its article's number). A quote
    /// whose text is its span of the article's full text, as extraction makes every one, keeps
    /// the span alone (its text is written empty, and [`read_quote`] takes it from the article):
    /// about 75 bytes a quote, 190 an article, since 2026-12-05. Rows written before keep their copy.
    /// `full_text_of` gives the full text of an article the caller holds (the batch's own, just
    /// stored), so that it is not read and inflated again; any other is read from the store.
    pub fn insert_quotes(&self, quotes: &[Quote], full_text_of: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let seqs = self.article_seqs(quotes.iter().map(|q| q.article.as_str()))?;
        let mut texts: HashMap<i64, String> = HashMap::new();
        let mut rows = Vec::with_capacity(quotes.len());
        for q in quotes {
            let seq = seqs[q.article.as_str()];
            if let std::collections::hash_map::Entry::Vacant(entry) = texts.entry(seq) {
                let text = match full_text_of(&q.article) {
                    Some(text) => text,
                    None => {
                        let (title, text) =
                            self.tx().query_row("SELECT title, text FROM articles WHERE seq = ?1", [seq], |r| {
                                Ok((r.get::<Option<String>>(0)?, crate::stored_text::read(r.get_ref(1)?)?))
                            })?;
                        full_text(title, text)
                    }
                };
                entry.insert(text);
            }
            let spanned = !q.text.is_empty() && texts[&seq].get(q.byte_start..q.byte_end) == Some(q.text.as_str());
            let text = if spanned { "" } else { q.text.as_str() };
            rows.push((seq, text, q.byte_start, q.byte_end, q.sentence, q.speaker, &q.speaker_text, &q.cue));
        }
        let head = "INSERT INTO quotes (article_seq, text, byte_start, byte_end, sentence, speaker_entity, \
                    speaker_text, cue)";
        self.tx().execute_rows((head, "(?, ?, ?, ?, ?, ?, ?, ?)", ""), &rows, |_| Ok(()))
    }
}

impl Store {
    fn summaries(&self, entities: Vec<Entity>) -> Result<Vec<EntitySummary>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT COUNT(*), COUNT(DISTINCT article_seq),
                    (SELECT COUNT(*) FROM quotes WHERE speaker_entity = ?1)
             FROM mentions WHERE entity_id = ?1",
        )?;
        entities
            .into_iter()
            .map(|entity| {
                let (mentions, articles, quotes): (i64, i64, i64) =
                    stmt.query_row([entity.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                Ok(EntitySummary {
                    entity,
                    mentions: mentions as u64,
                    articles: articles as u64,
                    quotes: quotes as u64,
                })
            })
            .collect()
    }

    /// Entities named in the most articles first, then the most mentioned: a place a long local
    /// chronicle names 400 times is not more prominent than one that 60 articles name.
    pub fn entities(&self, filter: &EntityFilter) -> Result<Vec<EntitySummary>> {
        let mut sql = format!(
            "SELECT {} FROM entities e WHERE 1",
            ENTITY_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ")
        );
        let mut values: Vec<crate::db::Value> = Vec::new();
        if let Some(kind) = filter.kind {
            sql.push_str(" AND e.kind = ?");
            values.push(kind.as_str().to_string().into());
        }
        if let Some(event) = filter.event {
            sql.push_str(
                " AND e.id IN (SELECT m.entity_id FROM mentions m JOIN articles a ON a.seq = m.article_seq
                  WHERE a.event_id = ?)",
            );
            values.push(event.into());
        }
        sql.push_str(
            " ORDER BY (SELECT COUNT(DISTINCT m.article_seq) FROM mentions m WHERE m.entity_id = e.id) DESC,
              (SELECT COUNT(*) FROM mentions m WHERE m.entity_id = e.id) DESC, e.id",
        );
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let rows = self.conn.prepare(&sql)?.query_map(params_from_iter(values), read_entity)?.collect();
        self.summaries(collect(rows)?)
    }

    pub fn entity_by_id(&self, id: EntityId) -> Result<Option<Entity>> {
        let row = self
            .conn
            .query_row(&format!("SELECT {ENTITY_COLUMNS} FROM entities WHERE id = ?1"), [id], read_entity)
            .optional()?;
        row.transpose()
    }

    /// Entities whose name or one of whose aliases is `name` (ignoring case), in the order of
    /// [`Store::entities`].
    pub fn entities_named(&self, name: &str) -> Result<Vec<EntitySummary>> {
        let wanted = name.trim().to_lowercase();
        let all = self.entities(&EntityFilter::default())?;
        Ok(all
            .into_iter()
            .filter(|s| {
                s.entity.name.to_lowercase() == wanted || s.entity.aliases.iter().any(|a| a.to_lowercase() == wanted)
            })
            .collect())
    }

    /// Everything about one entity, its articles bounded: the first [`ENTITY_PAGE_ARTICLES`] in
    /// arrival order with their mentions of it, its first [`ENTITY_PAGE_QUOTES`] quotes, and the
    /// places mentioned in those articles (the counts are the entity's own, over every article).
    /// `None` if there is no such entity.
    pub fn entity_detail(&self, id: EntityId) -> Result<Option<EntityDetail>> {
        let Some(entity) = self.entity_by_id(id)? else { return Ok(None) };
        let summary = self.summaries(vec![entity])?.remove(0);
        let shown: Vec<(String, Option<String>, String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.title, a.event_id, CASE WHEN a.title IS NULL THEN a.text END FROM articles a
                 WHERE a.seq IN (SELECT DISTINCT article_seq FROM mentions WHERE entity_id = ?1)
                 ORDER BY a.seq LIMIT ?2",
            )?
            .query_map(params![id, ENTITY_PAGE_ARTICLES as i64], |r| {
                let title: Option<String> = r.get(1)?;
                let headline = match &title {
                    Some(title) => title.clone(),
                    None => opening_words(&crate::stored_text::read_opening(r.get_ref(3)?, 400)?, TITLE_FALLBACK_CHARS),
                };
                Ok((r.get(0)?, title, headline, r.get(2)?))
            })?
            .collect::<crate::Result<_>>()?;
        let mut mention_stmt = self.conn.prepare_cached(&format!(
            "SELECT {MENTION_COLUMNS} FROM {MENTIONS_WITH_IDS} WHERE m.entity_id = ?1 AND a.id = ?2 ORDER BY m.byte_start"
        ))?;
        let mut mentions: Vec<Mention> = Vec::new();
        let mut articles: Vec<EntityArticle> = Vec::with_capacity(shown.len());
        for (article, title, headline, event) in shown {
            let rows = mention_stmt.query_map(params![id, article.as_str()], read_mention)?.collect();
            let of_article: Vec<Mention> = collect(rows)?;
            let mut forms: Vec<String> = Vec::new();
            for m in &of_article {
                if !forms.contains(&m.text) {
                    forms.push(m.text.clone());
                }
            }
            articles.push(EntityArticle {
                id: article,
                title,
                headline,
                event,
                mentions: of_article.len() as u64,
                forms,
            });
            mentions.extend(of_article);
        }
        let quotes = self
            .conn
            .prepare(&format!(
                "SELECT {QUOTE_COLUMNS} FROM {QUOTES_WITH_IDS}
                 WHERE q.speaker_entity = ?1 ORDER BY q.article_seq, q.byte_start LIMIT ?2"
            ))?
            .query_map(params![id, ENTITY_PAGE_QUOTES as i64], read_quote)?
            .collect::<crate::Result<Vec<_>>>()?;
        let places = if summary.entity.kind.is_place() {
            vec![map_place(&summary.entity, summary.mentions)]
        } else {
            let shown: Vec<&str> = articles.iter().map(|a| a.id.as_str()).collect();
            self.places_alongside(&shown)?
        };
        Ok(Some(EntityDetail {
            article_count: summary.articles,
            summary,
            articles,
            mention_spans: mentions,
            quotes,
            places,
        }))
    }

    /// Places mentioned in these articles, most mentioned first.
    fn places_alongside(&self, articles: &[&str]) -> Result<Vec<MapPlace>> {
        if articles.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT m.entity_id, COUNT(*) FROM {MENTIONS_WITH_IDS} JOIN entities e ON e.id = m.entity_id
             WHERE e.kind IN ('LOC', 'GPE') AND a.id IN ({})
             GROUP BY m.entity_id ORDER BY COUNT(*) DESC, m.entity_id",
            placeholders(articles.len())
        );
        let counts: Vec<(i64, i64)> = self
            .conn
            .prepare(&sql)?
            .query_map(params_from_iter(articles), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::Result<_>>()?;
        let mut places = Vec::new();
        for (place, n) in counts {
            if let Some(entity) = self.entity_by_id(place)? {
                places.push(map_place(&entity, n as u64));
            }
        }
        Ok(places)
    }

    /// The entities, mentions and quotes of one article.
    pub fn article_entities(&self, article: &str) -> Result<ArticleEntities> {
        let rows = self
            .conn
            .prepare(&format!(
                "SELECT {MENTION_COLUMNS} FROM {MENTIONS_WITH_IDS} WHERE a.id = ?1 ORDER BY m.byte_start"
            ))?
            .query_map([article], read_mention)?
            .collect();
        let mentions: Vec<Mention> = collect(rows)?;
        let quotes = self
            .conn
            .prepare(&format!("SELECT {QUOTE_COLUMNS} FROM {QUOTES_WITH_IDS} WHERE a.id = ?1 ORDER BY q.byte_start"))?
            .query_map([article], read_quote)?
            .collect::<crate::Result<Vec<_>>>()?;
        let mut per_entity: BTreeMap<EntityId, u64> = BTreeMap::new();
        for m in &mentions {
            if let Some(e) = m.entity {
                *per_entity.entry(e).or_default() += 1;
            }
        }
        let mut entities = Vec::new();
        for (id, n) in per_entity {
            if let Some(entity) = self.entity_by_id(id)? {
                let quotes = quotes.iter().filter(|q| q.speaker == Some(id)).count() as u64;
                entities.push(EntitySummary { entity, mentions: n, articles: 1, quotes });
            }
        }
        entities.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.entity.id.cmp(&b.entity.id)));
        Ok(ArticleEntities { entities, mentions, quotes })
    }
}

fn map_place(entity: &Entity, mentions: u64) -> MapPlace {
    MapPlace {
        entity: entity.id,
        name: entity.name.clone(),
        kind: entity.kind,
        country: entity.country.clone(),
        geonameid: entity.geonameid,
        coordinates: entity.location.as_ref().map(|l| [l.lon, l.lat]),
        mentions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(name: &str, kind: EntityType) -> Entity {
        Entity {
            id: 0,
            kind,
            name: name.into(),
            aliases: vec![name.into()],
            roles: vec![],
            disagreements: vec![],
            country: None,
            geonameid: None,
            kind_votes: BTreeMap::from([(kind, 1)]),
            location: None,
        }
    }

    /// Stores articles named `ids`: mentions are of stored articles.
    fn store_articles(batch: &Batch, ids: &[&str]) {
        let event = batch.create_event(&[], 0).unwrap();
        for id in ids {
            let article = storyline_model::Article::new(*id, "Text.", storyline_model::SourceFormat::Text);
            batch.insert_article(&crate::NewArticle::bare(&article, event)).unwrap();
        }
    }

    fn mention(article: &str, entity: EntityId) -> Mention {
        Mention {
            article: article.into(),
            entity: Some(entity),
            text: "x".into(),
            kind: EntityType::Person,
            byte_start: 0,
            byte_end: 1,
            sentence: 0,
            role: None,
        }
    }

    /// A quote whose text is its span of the article's full text keeps the span alone and reads
    /// back whole, on every reader's path; one that is not (none extraction makes) keeps its copy.
    #[test]
    fn quotes_read_their_text_from_the_article() {
        crate::testing::each_backend(|mut store| {
            let batch = store.batch().unwrap();
            let event = batch.create_event(&[], 0).unwrap();
            let mut article = storyline_model::Article::new(
                "a",
                "Dbeibah said: \u{201c}We hold the line.\u{201d} Then he left.",
                storyline_model::SourceFormat::Text,
            );
            article.title = Some("Tripoli \u{201c}calm\u{201d}".into());
            batch.insert_article(&crate::NewArticle::bare(&article, event)).unwrap();
            let full = article.full_text();
            let quote = |text: &str, at: &str| {
                let byte_start = full.find(at).unwrap();
                Quote {
                    article: "a".into(),
                    text: text.into(),
                    byte_start,
                    byte_end: byte_start + at.len(),
                    sentence: 0,
                    speaker: None,
                    speaker_text: Some("Dbeibah".into()),
                    cue: Some("said".into()),
                }
            };
            let quotes =
                [quote("calm", "calm"), quote("We hold the line.", "We hold the line."), quote("Other.", "Then")];
            batch.insert_quotes(&quotes, &|_| None).unwrap();
            batch.commit().unwrap();
            let stored: Vec<String> = store
                .conn
                .prepare("SELECT text FROM quotes ORDER BY rowid")
                .unwrap()
                .query_map(params![], |r| r.get(0))
                .unwrap()
                .collect::<crate::Result<_>>()
                .unwrap();
            assert_eq!(stored, ["", "", "Other."]);
            assert_eq!(store.article_entities("a").unwrap().quotes, quotes);
            let mut exported = Vec::new();
            store
                .batch()
                .unwrap()
                .each_quote(|q| -> std::result::Result<(), StoreError> {
                    exported.push(q);
                    Ok(())
                })
                .unwrap();
            assert_eq!(exported, quotes);
        });
    }

    #[test]
    fn neighbours_see_this_batch_and_forget_a_rolled_back_one() {
        crate::testing::each_backend(|mut store| {
            let batch = store.batch().unwrap();
            let [a, b, c] =
                ["Akar", "Maas", "Siala"].map(|n| batch.insert_entity(&entity(n, EntityType::Person), &[]).unwrap());
            store_articles(&batch, &["one"]);
            batch.insert_mentions(&[mention("one", a), mention("one", b), mention("one", a)]).unwrap();
            assert_eq!(batch.entity_neighbours(a).unwrap(), HashSet::from([a, b]));
            batch.commit().unwrap();

            let batch = store.batch().unwrap();
            store_articles(&batch, &["two"]);
            batch.insert_mentions(&[mention("two", a), mention("two", c)]).unwrap();
            assert_eq!(batch.entity_neighbours(a).unwrap(), HashSet::from([a, b, c]));
            drop(batch); // rolled back

            let batch = store.batch().unwrap();
            assert_eq!(batch.entity_neighbours(a).unwrap(), HashSet::from([a, b]));
            assert_eq!(batch.entity_neighbours(c).unwrap(), HashSet::new());
        });
    }

    #[test]
    fn the_neighbour_window_moves_as_the_store_would() {
        crate::testing::each_backend(|mut store| {
            let batch = store.batch().unwrap();
            let [x, y] = ["Akar", "Maas"].map(|n| batch.insert_entity(&entity(n, EntityType::Person), &[]).unwrap());
            let mut old = vec![mention("old", y)];
            old.extend((0..150).map(|_| mention("old", x)));
            store_articles(&batch, &["old"]);
            batch.insert_mentions(&old).unwrap();
            batch.commit().unwrap();

            let batch = store.batch().unwrap();
            assert_eq!(batch.entity_neighbours(x).unwrap(), HashSet::from([x, y]));
            // 150 + 60 + 100 mentions: 40 of "old"'s are still among the latest 200.
            store_articles(&batch, &["new", "newer", "newest"]);
            batch.insert_mentions(&vec![mention("new", x); 60]).unwrap();
            batch.insert_mentions(&vec![mention("newer", x); 100]).unwrap();
            assert_eq!(batch.entity_neighbours(x).unwrap(), HashSet::from([x, y]));
            batch.insert_mentions(&vec![mention("newest", x); 50]).unwrap();
            assert_eq!(batch.entity_neighbours(x).unwrap(), HashSet::from([x]));
            batch.commit().unwrap();
            // Read afresh from the store: the same.
            assert_eq!(store.batch().unwrap().entity_neighbours(x).unwrap(), HashSet::from([x]));
        });
    }

    #[test]
    fn a_reader_sees_committed_batches_and_the_mentions_it_noted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("store.db")).unwrap();
        let batch = store.batch().unwrap();
        let [x, y] = ["Akar", "Maas"].map(|n| batch.insert_entity(&entity(n, EntityType::Person), &[]).unwrap());
        store_articles(&batch, &["old"]);
        batch.insert_mentions(&[mention("old", x), mention("old", y)]).unwrap();
        batch.commit().unwrap();

        let mut reader = store.reader().unwrap().expect("a store file has readers");
        let writing = store.batch().unwrap();
        let z = writing.insert_entity(&entity("Siala", EntityType::Person), &[]).unwrap();
        let reads = reader.batch().unwrap();
        // The writer's open batch is not seen; the next id is the one it will take.
        assert_eq!(reads.next_entity_id().unwrap(), z);
        assert_eq!(reads.entity_neighbours(x).unwrap(), HashSet::from([x, y]));
        // Noted before the window is read, and after: both count, as once written.
        reads.note_mentions(&[mention("new", z), mention("new", x)]);
        assert_eq!(reads.entity_neighbours(x).unwrap(), HashSet::from([x, y, z]));
        assert_eq!(reads.entity_neighbours(z).unwrap(), HashSet::from([x, z]));
        assert!(Store::open_in_memory().unwrap().reader().unwrap().is_none());
    }

    #[test]
    fn entities_are_found_by_key_and_updated() {
        crate::testing::each_backend(|mut store| {
            let batch = store.batch().unwrap();
            let id = batch.insert_entity(&entity("Hulusi Akar", EntityType::Person), &["sur:akr".into()]).unwrap();
            assert_eq!(batch.entity_ids_with_keys(&["sur:akr", "other"]).unwrap(), [("sur:akr".to_string(), id)]);
            let mut akar = batch.entities_by_id(&[id, id + 1]).unwrap().remove(0);
            akar.aliases.push("Akar".into());
            batch.update_entity(&akar, Some(&["sur:akr".into(), "name:akar".into()])).unwrap();
            assert_eq!(batch.entity_ids_with_keys(&["name:akar"]).unwrap(), [("name:akar".to_string(), id)]);
            assert_eq!(batch.entities_by_id(&[id]).unwrap()[0].aliases, ["Hulusi Akar", "Akar"]);
            store_articles(&batch, &["a"]);
            batch
                .insert_mentions(&[Mention {
                    article: "a".into(),
                    entity: Some(id),
                    text: "Akar".into(),
                    kind: EntityType::Person,
                    byte_start: 0,
                    byte_end: 4,
                    sentence: 0,
                    role: None,
                }])
                .unwrap();
            assert_eq!(batch.entity_neighbours(id).unwrap(), HashSet::from([id]));
            batch.commit().unwrap();
            let listed =
                store.entities(&EntityFilter { kind: Some(EntityType::Person), ..Default::default() }).unwrap();
            assert_eq!((listed.len(), listed[0].mentions), (1, 1));
            assert_eq!(store.entities_named("akar").unwrap().len(), 1);
            assert!(store
                .entities(&EntityFilter { kind: Some(EntityType::Org), ..Default::default() })
                .unwrap()
                .is_empty());
        });
    }
}
