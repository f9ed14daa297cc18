//! Cross-document resolution: each entity of an arriving article is matched against the stored
//! entities that share a key with it, and joins the best one or becomes a new entity.
//!
//! Keys are cheap to look up and generous (a surname's consonant skeleton, a country code, an
//! acronym); the decision is then made on the names themselves:
//! - the same country or GeoNames place, the same normalised name, or an organisation's
//!   acronym → the same entity;
//! - persons: surnames must be spellings of one name ([`variant`]). Given names that fit
//!   (one list within the other, word by word as variants: "Mohammad Al-Attiyah" in "Khalid bin
//!   Mohammad Al Attiyah", "Khaled" ~ "Khalid") → the same person. Given names that do not fit
//!   ("Salam" / "Salah Al-Namroush") → the same person only with outside evidence: a shared role
//!   ("Deputy Defence Minister") or at least [`MIN_SHARED_NEIGHBOURS`] entities mentioned alongside
//!   in both; the disagreement is then recorded. A lone surname joins the one person it fits;
//! - places: names whose words are spellings of one another ("Jufra", "Jufrah", "Jafra").

use std::collections::{BTreeMap, HashSet};

use storyline_model::{ArticleId, Disagreement, Entity, EntityId, EntityType, Mention, Quote};

use crate::extract::org_key;
use crate::normalize::{edit_distance, english_transliteration, fold, name_words, skeleton, variant};
use crate::{DocEntity, Extraction};

/// Entities mentioned alongside in both articles that make two persons with the same surname
/// and different given names one person.
pub const MIN_SHARED_NEIGHBOURS: usize = 3;
/// Role words two persons must share for the same.
pub const MIN_SHARED_ROLE_WORDS: usize = 2;
/// The most name words a person's canonical name has: a longer one is a genealogy ("Muamar
/// Mohamed Abd As-Salam Abú Minyar al Gadafi"), not the name the news goes by. Particles and
/// articles do not count: "Khalid bin Mohammad Al Attiyah" has three.
pub const FULLEST_NAME_WORDS: usize = 4;

/// What resolution needs from the store.
pub trait EntityIndex {
    type Error;
    /// The ids of the stored entities filed under any of `keys`; [`EntityIndex::candidate`]
    /// then has each of them.
    fn candidates(&mut self, keys: &[String]) -> Result<Vec<EntityId>, Self::Error>;
    /// A stored entity [`EntityIndex::candidates`] returned, as it now stands.
    fn candidate(&self, id: EntityId) -> &Candidate;
    /// How many of `among`, other than `id`, are mentioned in the articles that mention `id`.
    fn shared_neighbours(&self, id: EntityId, among: &HashSet<EntityId>) -> Result<usize, Self::Error>;
    /// Articles that mention `id` by the surface form `form`.
    fn articles_with_form(&mut self, id: EntityId, form: &str) -> Result<Vec<ArticleId>, Self::Error>;
    /// Stores a new entity (its `id` is ignored) filed under `keys`; returns its id.
    fn create(&mut self, candidate: Candidate, keys: &[String]) -> Result<EntityId, Self::Error>;
    /// Changes the stored entity `id` in place by `change`, which returns the entity's keys
    /// when they changed.
    fn update(
        &mut self,
        id: EntityId,
        change: &mut dyn FnMut(&mut Candidate) -> Option<Vec<String>>,
    ) -> Result<(), Self::Error>;
}

/// A stored entity with its aliases' name keys and words, worked out once: an entity named in
/// many articles is compared with each of them, and folding its every alias for each was much
/// of resolution's time.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub entity: Entity,
    /// Each alias's name key, as `keys_kind` files it.
    alias_keys: Vec<String>,
    keys_kind: EntityType,
    /// Each alias's words.
    alias_words: Vec<Vec<String>>,
}

impl Candidate {
    pub fn new(entity: Entity) -> Candidate {
        let alias_words = words_of(&entity.aliases);
        Candidate::with_words(entity, alias_words)
    }

    /// A candidate whose aliases' words are at hand.
    fn with_words(entity: Entity, alias_words: Vec<Vec<String>>) -> Candidate {
        let mut candidate = Candidate { keys_kind: entity.kind, entity, alias_keys: Vec::new(), alias_words };
        candidate.refresh();
        candidate
    }

    /// Works out what is new of the entity's names: aliases are only ever added, and its
    /// kind decides how they are filed.
    fn refresh(&mut self) {
        let e = &self.entity;
        for form in &e.aliases[self.alias_words.len()..] {
            self.alias_words.push(name_words(form));
        }
        if self.keys_kind != e.kind {
            self.alias_keys.clear();
            self.keys_kind = e.kind;
        }
        for (form, words) in e.aliases.iter().zip(&self.alias_words).skip(self.alias_keys.len()) {
            self.alias_keys.push(form_key(e.kind, form, words));
        }
    }

    /// The keys the entity is filed and looked up under.
    pub fn filing_keys(&self) -> Vec<String> {
        let e = &self.entity;
        let mut all = keys(e.kind, &e.aliases, &self.alias_words, e.country.as_deref(), e.geonameid);
        // Filed under its other kinds too, so that a mislabelled mention still finds it.
        for (&kind, _) in e.kind_votes.iter().filter(|(k, _)| **k != e.kind) {
            all.extend(keys(kind, &e.aliases, &self.alias_words, None, None));
        }
        all.sort();
        all.dedup();
        all
    }
}

/// An article's mentions and quotes, with their entities resolved to stored ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The stored entity of each of the extraction's entities.
    pub entities: Vec<EntityId>,
    pub mentions: Vec<Mention>,
    pub quotes: Vec<Quote>,
}

fn family(kind: EntityType) -> u8 {
    match kind {
        EntityType::Person => 0,
        EntityType::Org => 1,
        EntityType::Loc | EntityType::Gpe => 2,
        EntityType::Misc => 3,
    }
}

fn is_acronym(word: &str) -> bool {
    let n = word.chars().count();
    (2..=7).contains(&n) && word.chars().all(|c| c.is_ascii_uppercase())
}

/// A word typed with the shift key let go one letter early ("OTAn"): capitals but for a last
/// small letter (a plural "s" aside: "NGOs"). Such a form is a typo, never the name to show.
fn is_shift_typo(name: &str) -> bool {
    name.split_whitespace().any(|word| {
        let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
        match letters.split_last() {
            Some((&last, head)) => {
                head.len() >= 2 && head.iter().all(|c| c.is_uppercase()) && last.is_lowercase() && last != 's'
            }
            None => false,
        }
    })
}

/// A form's name key as `kind` files it, from its [`name_words`].
fn form_key(kind: EntityType, form: &str, words: &[String]) -> String {
    if kind == EntityType::Org {
        org_key(form)
    } else {
        words.join(" ")
    }
}

fn words_of(forms: &[String]) -> Vec<Vec<String>> {
    forms.iter().map(|f| name_words(f)).collect()
}

/// The keys an entity of `kind` with these forms (and their [`name_words`]) is filed and looked
/// up under.
fn keys(
    kind: EntityType,
    forms: &[String],
    words: &[Vec<String>],
    country: Option<&str>,
    geonameid: Option<i64>,
) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(code) = country {
        keys.push(format!("country:{code}"));
    }
    if let Some(id) = geonameid {
        keys.push(format!("geo:{id}"));
    }
    for (form, words) in forms.iter().zip(words) {
        let key = form_key(kind, form, words);
        if key.is_empty() {
            continue;
        }
        keys.push(format!("name:{key}"));
        match family(kind) {
            0 => {
                if let Some(surname) = words.last() {
                    keys.push(format!("sur:{}", skeleton(surname)));
                }
            }
            1 if is_acronym(form) => keys.push(format!("acr:{form}")),
            2 => keys.push(format!("place:{}", words.iter().map(|w| skeleton(w)).collect::<Vec<_>>().join(" "))),
            _ => {}
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// How well two persons' names fit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum NameFit {
    /// The same surname, no given names to compare.
    Surname,
    /// The same surname, different given names: the stored form and the new one.
    Conflict { stored: String, new: String },
    /// Full names that fit.
    Full,
}

/// The given-name part of a form as written: "Salam Al-Namroush" → "Salam".
fn given_part(form: &str) -> String {
    let mut words: Vec<&str> = form.split_whitespace().collect();
    words.pop();
    while words.last().is_some_and(|w| matches!(fold(w).as_str(), "al" | "el" | "bin" | "ibn")) {
        words.pop();
    }
    words.join(" ")
}

/// How the new forms (with their words) fit the stored ones (with theirs).
fn person_fit(
    new_forms: &[String],
    new_words: &[Vec<String>],
    stored_forms: &[String],
    stored_words: &[Vec<String>],
) -> Option<NameFit> {
    let mut best: Option<NameFit> = None;
    // Full names are compared with full names: a bare "Gaddafi" the stored entity was once
    // called says nothing about which Gaddafi a full name is.
    let has_full = |words: &[Vec<String>]| words.iter().any(|w| w.len() > 1);
    let (new_full, stored_full) = (has_full(new_words), has_full(stored_words));
    for (a, wa) in new_forms.iter().zip(new_words) {
        if new_full && wa.len() < 2 {
            continue;
        }
        for (b, wb) in stored_forms.iter().zip(stored_words) {
            if stored_full && wb.len() < 2 {
                continue;
            }
            let (Some(sa), Some(sb)) = (wa.last(), wb.last()) else { continue };
            if !variant(sa, sb) {
                continue;
            }
            let (ga, gb) = (&wa[..wa.len() - 1], &wb[..wb.len() - 1]);
            let fit = if ga.is_empty() || gb.is_empty() {
                NameFit::Surname
            } else {
                let (short, long, long_form) = if ga.len() <= gb.len() { (ga, gb, b) } else { (gb, ga, a) };
                // One list within the other: from the start ("Saif" in "Saif al-Islam"), or
                // after a patronymic ("Mohammad" in "Khalid bin Mohammad"). "Muamar" at the end
                // of "Hana Muamar" is the father's name, and Hana another person.
                let prefix = short.iter().zip(long).all(|(s, l)| given_variant(s, l));
                let patronymic = long_form
                    .split_whitespace()
                    .any(|w| matches!(fold(w).as_str(), "bin" | "ibn" | "ben" | "bint" | "ould" | "b."));
                let within = short.iter().all(|s| long.iter().any(|l| given_variant(s, l)));
                if prefix || (patronymic && within) {
                    NameFit::Full
                } else if sa == sb && close_given_names(short, long) && !within {
                    NameFit::Conflict { stored: given_part(b), new: given_part(a) }
                } else {
                    continue;
                }
            };
            // A conflict outranks a bare surname: "Salah Al-Namroush" is not "Al-Namroush" alone.
            if best.as_ref().is_none_or(|b| fit > *b) {
                best = Some(fit);
            }
        }
    }
    best
}

/// Given names that are spellings of one name, French transliteration included ("Bachar" is
/// "Bashar").
fn given_variant(a: &str, b: &str) -> bool {
    variant(a, b) || variant(&english_transliteration(a), &english_transliteration(b))
}

/// Given names that may be one name misspelt ("Salam" / "Salah"), as opposed to a family's
/// different members ("Muammar" / "Saif al-Islam" / "Hannibal"): the first given names begin
/// alike and differ by at most one letter in four.
fn close_given_names(short: &[String], long: &[String]) -> bool {
    let (Some(a), Some(b)) = (short.first(), long.first()) else { return false };
    let shortest = a.chars().count().min(b.chars().count());
    a.chars().next() == b.chars().next() && edit_distance(a, b) <= (shortest / 4).max(1)
}

fn role_words(roles: &[String]) -> Vec<String> {
    roles
        .iter()
        .flat_map(|r| r.split_whitespace().map(|w| fold(w).trim_end_matches("'s").to_string()).collect::<Vec<_>>())
        .filter(|w| !matches!(w.as_str(), "of" | "the" | "for" | "his" | "her" | "and" | "'s"))
        .collect()
}

/// Role words the two share, spelling variants allowed ("Defence", "Defense").
fn shared_role_words(a: &[String], b: &[String]) -> usize {
    let (wa, wb) = (role_words(a), role_words(b));
    let mut seen = HashSet::new();
    wa.iter()
        .filter(|x| wb.iter().any(|y| *x == y || (x.len() >= 5 && edit_distance(x, y) <= 1)))
        .filter(|x| seen.insert((*x).clone()))
        .count()
}

/// A name that repeats a word ("Wladimir Putin Putin", a caption run into the text) is a
/// glitch, never a fuller name.
pub(crate) fn repeats_a_word(name: &str) -> bool {
    let words = name_words(name);
    words.windows(2).any(|pair| pair[0] == pair[1])
}

/// Mentions a person needs before a lone surname read as another kind is taken for theirs.
pub const PROMINENT_PERSON_MENTIONS: u32 = 20;

/// A surname alone that the tagger read as a place or an organisation ("las tropas de Gadafi",
/// "el régimen de Asad"), which no gazetteer knows as a place, borne by a prominent person
/// named in full before: the person's surname.
fn is_lone_surname_of(doc: &DocEntity, planned: &Planned, candidate: &Candidate) -> bool {
    let c = &candidate.entity;
    let [word] = planned.form_words.first().map(Vec::as_slice).unwrap_or_default() else { return false };
    family(doc.kind) != 0
        && family(c.kind) == 0
        && doc.country.is_none()
        && doc.geonameid.is_none()
        && planned.form_words.iter().all(|w| w.len() == 1 && w[0] == *word)
        && c.kind_votes.values().sum::<u32>() >= PROMINENT_PERSON_MENTIONS
        && candidate.alias_words.iter().any(|w| w.len() > 1 && w.last() == Some(word))
}

/// What to do with one entity of an article.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    New,
    Join { id: EntityId, disagreement: Option<(String, String)> },
}

fn decide(
    doc: &DocEntity,
    planned: &Planned,
    candidates: &[&Candidate],
    shared_neighbours: &mut dyn FnMut(EntityId) -> usize,
) -> Decision {
    let multiword = |k: &String| k.contains(' ');
    let mut strong = Vec::new();
    let mut conflicts = Vec::new();
    let mut surnames = Vec::new();
    let mut bearers = Vec::new();
    for &candidate in candidates {
        let c = &candidate.entity;
        match (&doc.country, &c.country) {
            (Some(a), Some(b)) if a == b => {
                strong.push(c);
                continue;
            }
            (Some(_), Some(_)) => continue,
            _ => {}
        }
        if let (Some(a), Some(b)) = (doc.geonameid, c.geonameid) {
            if a == b {
                strong.push(c);
            }
            continue;
        }
        let same_family = family(doc.kind) == family(c.kind);
        // The same full name is the same referent whatever the tagger called it. One word is
        // no full name of a person: a family's members all answer to "Gaddafi".
        let persons = family(doc.kind) == 0 || family(c.kind) == 0;
        let same_name = candidate
            .alias_keys
            .iter()
            .any(|k| planned.form_keys.contains(k) && (multiword(k) || (same_family && !persons)));
        if same_name && (doc.country.is_none() || c.country.is_none()) {
            strong.push(c);
            continue;
        }
        if !same_family {
            if is_lone_surname_of(doc, planned, candidate) {
                bearers.push(c);
            }
            continue;
        }
        match family(doc.kind) {
            0 => match person_fit(&doc.forms, &planned.form_words, &c.aliases, &candidate.alias_words) {
                Some(NameFit::Full) => strong.push(c),
                Some(NameFit::Conflict { stored, new }) => conflicts.push((c, stored, new)),
                Some(NameFit::Surname) => surnames.push(c),
                None => {}
            },
            1 => {
                let acronyms =
                    |forms: &[String]| forms.iter().filter(|f| is_acronym(f)).cloned().collect::<HashSet<_>>();
                if !acronyms(&doc.forms).is_disjoint(&acronyms(&c.aliases)) {
                    strong.push(c);
                }
            }
            2 if doc.country.is_none() && c.country.is_none() => {
                let fits = candidate.alias_words.iter().any(|wb| {
                    planned
                        .form_words
                        .iter()
                        .any(|wa| wa.len() == wb.len() && wa.iter().zip(wb).all(|(x, y)| variant(x, y)))
                });
                if fits {
                    strong.push(c);
                }
            }
            _ => {}
        }
    }
    let pick = |list: Vec<&Entity>, shared: &mut dyn FnMut(EntityId) -> usize| -> Option<EntityId> {
        // Company in common decides only between several; it costs a store look-up.
        if list.len() == 1 {
            return Some(list[0].id);
        }
        let mut scored: Vec<(usize, EntityId)> = list.iter().map(|c| (shared(c.id), c.id)).collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.first().map(|s| s.1)
    };
    // The bearer wins over a place or organisation of the same one word that no gazetteer
    // knows: that entity is the surname misread before.
    let mentions = |c: &Entity| c.kind_votes.values().sum::<u32>();
    if let Some(bearer) = bearers.iter().max_by_key(|c| (mentions(c), std::cmp::Reverse(c.id))) {
        return Decision::Join { id: bearer.id, disagreement: None };
    }
    if !strong.is_empty() {
        let id = pick(strong, shared_neighbours).unwrap_or_default();
        return Decision::Join { id, disagreement: None };
    }
    // Different given names: one person only with evidence beyond the name.
    let mut best_conflict: Option<(usize, &Entity, String, String)> = None;
    for (c, stored, new) in conflicts {
        let roles = shared_role_words(&doc.roles, &c.roles);
        let neighbours = shared_neighbours(c.id);
        if roles >= MIN_SHARED_ROLE_WORDS || neighbours >= MIN_SHARED_NEIGHBOURS {
            let score = roles + neighbours;
            if best_conflict.as_ref().is_none_or(|b| score > b.0) {
                best_conflict = Some((score, c, stored, new));
            }
        }
    }
    if let Some((_, c, stored, new)) = best_conflict {
        return Decision::Join { id: c.id, disagreement: Some((stored, new)) };
    }
    // A lone surname joins the one person it fits, else the most mentioned bearer (the most
    // prominent, not all of them), else the one with most company in common.
    match surnames.len() {
        0 => Decision::New,
        1 => Decision::Join { id: surnames[0].id, disagreement: None },
        _ => {
            let mut scored: Vec<(usize, u32, EntityId)> =
                surnames.iter().map(|c| (shared_neighbours(c.id), mentions(c), c.id)).collect();
            scored.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)).then(a.2.cmp(&b.2)));
            Decision::Join { id: scored[0].2, disagreement: None }
        }
    }
}

/// A new stored entity from an article's entity.
fn new_entity(doc: &DocEntity) -> Entity {
    Entity {
        id: 0,
        kind: doc.kind,
        name: doc.name.clone(),
        aliases: doc.forms.clone(),
        roles: doc.roles.clone(),
        disagreements: Vec::new(),
        country: doc.country.clone(),
        geonameid: doc.geonameid,
        kind_votes: doc.kind_votes.clone(),
        location: doc.location.clone(),
    }
}

/// Folds an article's entity into a stored one.
fn merge(stored: &mut Entity, doc: &DocEntity) {
    for form in &doc.forms {
        if !stored.aliases.contains(form) {
            stored.aliases.push(form.clone());
        }
    }
    for role in &doc.roles {
        // "coronel" at a sentence's start is "Coronel": one role.
        if !stored.roles.iter().any(|r| r.to_lowercase() == role.to_lowercase()) {
            stored.roles.push(role.clone());
        }
    }
    for (kind, n) in &doc.kind_votes {
        *stored.kind_votes.entry(*kind).or_default() += n;
    }
    stored.country = stored.country.clone().or(doc.country.clone());
    stored.geonameid = stored.geonameid.or(doc.geonameid);
    if stored.location.is_none() && matches!(doc.kind, EntityType::Loc | EntityType::Gpe) {
        stored.location.clone_from(&doc.location);
    }
    let kind_before = stored.kind;
    stored.kind = if stored.country.is_some() {
        EntityType::Gpe
    } else {
        stored
            .kind_votes
            .iter()
            .max_by_key(|(k, v)| (**v, std::cmp::Reverse(**k)))
            .map(|(k, _)| *k)
            .unwrap_or(stored.kind)
    };
    // A point belongs to a place: an entity its mentions make a person or an organisation
    // ("Obama", read as a place in a few articles) shows none.
    if !matches!(stored.kind, EntityType::Loc | EntityType::Gpe) {
        stored.location = None;
    }
    // A fuller person name becomes the canonical one, if its article read it as a person's
    // ("Gobierno de Bachar Al Asad", read as a place, is no fuller name of Bashar al-Assad); an
    // acronym gives way to a name; a typo gives way to any other form.
    // An entity that changes kind takes the name of an article that read it as its new kind:
    // the town of Douma, once read as a person of that surname, is not "Mohammed Douma".
    let better = (is_shift_typo(&stored.name) && !is_shift_typo(&doc.name))
        || (stored.kind != kind_before && doc.kind == stored.kind)
        || match stored.kind {
            EntityType::Person => {
                let (words, stored_words) = (name_words(&doc.name).len(), name_words(&stored.name).len());
                doc.kind == EntityType::Person
                    && !repeats_a_word(&doc.name)
                    && words <= FULLEST_NAME_WORDS
                    && (words > stored_words || (stored_words > FULLEST_NAME_WORDS && words > 1))
            }
            EntityType::Gpe if doc.country.is_some() => false,
            _ => is_acronym(&stored.name) && !is_acronym(&doc.name) && doc.name.to_uppercase() != stored.name,
        };
    if better && !doc.name.is_empty() {
        stored.name = doc.name.clone();
    }
    if let Some(acronym) = acronym_written_as_word(stored) {
        stored.name = acronym;
    }
}

/// Italian and some Spanish outlets write acronyms as words ("Onu", "Bbc", "Efe"); an
/// organisation so named is shown as its acronym once another article writes it in capitals.
fn acronym_written_as_word(entity: &Entity) -> Option<String> {
    const LONGEST: usize = 4; // "Otan"; "Hamas" is a word
    let name = &entity.name;
    let upper = name.to_uppercase();
    let word = entity.kind == EntityType::Org && name.chars().count() <= LONGEST && !is_acronym(name);
    (word && is_acronym(&upper) && entity.aliases.contains(&upper)).then_some(upper)
}

fn record_disagreement(stored: &mut Entity, field: &str, values: Vec<(String, Vec<ArticleId>)>) {
    let index = match stored.disagreements.iter().position(|d| d.field == field) {
        Some(i) => i,
        None => {
            stored.disagreements.push(Disagreement { field: field.to_string(), values: BTreeMap::new() });
            stored.disagreements.len() - 1
        }
    };
    let d = &mut stored.disagreements[index];
    for (value, articles) in values {
        let list = d.values.entry(value).or_default();
        for a in articles {
            if !list.contains(&a) {
                list.push(a);
            }
        }
    }
}

/// What resolving an article needs that no other article decides, worked out where the article
/// is prepared (in parallel), so that resolution, which goes in arrival order, only looks up
/// and decides.
// Serialisable: a stream worker prepares it, the decision consumer resolves with it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ResolutionPlan {
    /// The order the entities are resolved in: places, organisations and full names first, as
    /// they are the evidence for the harder cases.
    order: Vec<usize>,
    /// Per entity of the extraction.
    entities: Vec<Planned>,
}

/// One entity's keys and names, as resolution compares them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Planned {
    /// The keys it is looked up under.
    keys: Vec<String>,
    /// Its forms' name keys.
    form_keys: HashSet<String>,
    /// Its forms' words.
    form_words: Vec<Vec<String>>,
}

impl Planned {
    fn of(doc: &DocEntity) -> Planned {
        let form_words = words_of(&doc.forms);
        Planned {
            keys: keys(doc.kind, &doc.forms, &form_words, doc.country.as_deref(), doc.geonameid),
            form_keys: doc.forms.iter().zip(&form_words).map(|(f, w)| form_key(doc.kind, f, w)).collect(),
            form_words,
        }
    }
}

/// The resolution plan of an extraction.
pub fn plan(extraction: &Extraction) -> ResolutionPlan {
    let entities: Vec<Planned> = extraction.entities.iter().map(Planned::of).collect();
    let mut order: Vec<usize> = (0..entities.len()).collect();
    order.sort_by_key(|&i| {
        let longest = entities[i].form_words.iter().map(Vec::len).max().unwrap_or(0);
        (extraction.entities[i].kind == EntityType::Person, std::cmp::Reverse(longest))
    });
    ResolutionPlan { order, entities }
}

/// Resolves an article's entities against the stored ones, in place, and returns its mentions
/// and quotes pointing at stored entities. `plan` is the extraction's [`plan`].
pub fn resolve<I: EntityIndex>(
    index: &mut I,
    article: &ArticleId,
    extraction: &Extraction,
    plan: &ResolutionPlan,
) -> Result<Resolved, I::Error> {
    let n = extraction.entities.len();
    let mut ids: Vec<Option<EntityId>> = vec![None; n];
    // The entities of the article resolved so far.
    let mut here: HashSet<EntityId> = HashSet::new();
    for &i in &plan.order {
        let (doc, planned) = (&extraction.entities[i], &plan.entities[i]);
        let filed = index.candidates(&planned.keys)?;
        let candidates: Vec<&Candidate> = filed
            .iter()
            .map(|&id| index.candidate(id))
            .filter(|c| !here.contains(&c.entity.id) || family(c.entity.kind) == family(doc.kind))
            .collect();
        let mut failure = None;
        let mut shared = |id: EntityId| -> usize {
            index.shared_neighbours(id, &here).unwrap_or_else(|e| {
                failure = Some(e);
                0
            })
        };
        let decision = decide(doc, planned, &candidates, &mut shared);
        if let Some(e) = failure {
            return Err(e);
        }
        let id = match decision {
            Decision::New => {
                let candidate = Candidate::with_words(new_entity(doc), planned.form_words.clone());
                let keys = candidate.filing_keys();
                index.create(candidate, &keys)?
            }
            Decision::Join { id, disagreement } => {
                if !candidates.iter().any(|c| c.entity.id == id) {
                    continue;
                }
                let mut disagreement = match disagreement {
                    Some((old, new)) => {
                        let stored = &index.candidate(id).entity;
                        let old_form =
                            stored.aliases.iter().find(|a| given_part(a) == old).cloned().unwrap_or_default();
                        let old_articles = index.articles_with_form(id, &old_form)?;
                        Some(vec![(old, old_articles), (new, vec![article.clone()])])
                    }
                    None => None,
                };
                index.update(id, &mut |stored: &mut Candidate| {
                    // What the keys are made of; most joins add nothing to it and keep the keys.
                    let key_inputs =
                        |e: &Entity| (e.aliases.len(), e.kind, e.country.clone(), e.geonameid, e.kind_votes.len());
                    let inputs_before = key_inputs(&stored.entity);
                    if let Some(values) = disagreement.take() {
                        record_disagreement(&mut stored.entity, "given name", values);
                    }
                    merge(&mut stored.entity, doc);
                    stored.refresh();
                    (key_inputs(&stored.entity) != inputs_before).then(|| stored.filing_keys())
                })?;
                id
            }
        };
        ids[i] = Some(id);
        here.insert(id);
    }
    let entities: Vec<EntityId> = ids.into_iter().map(|id| id.unwrap_or_default()).collect();
    let mentions = extraction
        .mentions
        .iter()
        .map(|m| Mention {
            article: article.clone(),
            entity: entities.get(m.entity).copied(),
            text: m.text.clone(),
            kind: m.kind,
            byte_start: m.byte_start,
            byte_end: m.byte_end,
            sentence: m.sentence,
            role: m.role.clone(),
        })
        .collect();
    let quotes = extraction
        .quotes
        .iter()
        .map(|q| Quote {
            article: article.clone(),
            text: q.text.clone(),
            byte_start: q.byte_start,
            byte_end: q.byte_end,
            sentence: q.sentence,
            speaker: q.speaker.and_then(|s| entities.get(s).copied()),
            speaker_text: q.speaker_text.clone(),
            cue: q.cue.clone(),
        })
        .collect();
    Ok(Resolved { entities, mentions, quotes })
}

#[cfg(test)]
mod tests {
    #[test]
    fn shift_typos_are_recognised() {
        assert!(super::is_shift_typo("OTAn"));
        assert!(super::is_shift_typo("la OTAn"));
        for name in ["OTAN", "Otan", "NGOs", "McCain", "Al-Assad", "UN", "Ab"] {
            assert!(!super::is_shift_typo(name), "{name}");
        }
    }

    use super::*;

    fn person(forms: &[&str], roles: &[&str]) -> DocEntity {
        DocEntity {
            kind: EntityType::Person,
            name: forms[0].to_string(),
            forms: forms.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            country: None,
            geonameid: None,
            acronyms: Vec::new(),
            kind_votes: BTreeMap::from([(EntityType::Person, forms.len() as u32)]),
            location: None,
        }
    }

    #[test]
    fn an_acronym_written_as_a_word_is_shown_in_capitals() {
        let org = |forms: &[&str]| DocEntity {
            kind: EntityType::Org,
            kind_votes: BTreeMap::from([(EntityType::Org, 1)]),
            ..person(forms, &[])
        };
        let mut stored = new_entity(&org(&["Onu"]));
        merge(&mut stored, &org(&["Onu", "Risoluzione Onu"]));
        assert_eq!(stored.name, "Onu", "until an article writes it in capitals");
        merge(&mut stored, &org(&["ONU"]));
        assert_eq!(stored.name, "ONU");
        merge(&mut stored, &org(&["Onu"]));
        assert_eq!(stored.name, "ONU");
        let mut hamas = new_entity(&org(&["Hamas"]));
        merge(&mut hamas, &org(&["HAMAS"]));
        assert_eq!(hamas.name, "Hamas");
    }

    #[test]
    fn a_genealogy_is_no_canonical_name() {
        let mut stored = new_entity(&person(&["Muammar Gaddafi", "Gaddafi"], &[]));
        merge(&mut stored, &person(&["Muamar Mohamed Abd As-Salam Abú Minyar al Gadafi"], &[]));
        assert_eq!(stored.name, "Muammar Gaddafi");
        merge(&mut stored, &person(&["Gaddafi"], &["coronel", "Coronel", "líder"]));
        merge(&mut stored, &person(&["Gaddafi"], &["Líder"]));
        assert_eq!(stored.roles, ["coronel", "líder"], "roles in any case are one");
        merge(&mut stored, &person(&["Muammar Abu Minyar Gaddafi"], &[]));
        assert_eq!(stored.name, "Muammar Abu Minyar Gaddafi", "a fuller name of four words still is");
    }

    fn decide_for(doc: &DocEntity, candidates: &[Entity], shared: &mut dyn FnMut(EntityId) -> usize) -> Decision {
        let candidates: Vec<Candidate> = candidates.iter().cloned().map(Candidate::new).collect();
        decide(doc, &Planned::of(doc), &candidates.iter().collect::<Vec<_>>(), shared)
    }

    fn stored(id: EntityId, doc: &DocEntity) -> Entity {
        Entity { id, ..new_entity(doc) }
    }

    #[test]
    fn a_person_keeps_no_point_from_a_mention_read_as_a_place() {
        let mut obama = stored(1, &person(&["Barack Obama"], &[]));
        obama.kind_votes.insert(EntityType::Person, 5);
        let point = storyline_model::Location {
            lat: 35.5,
            lon: 135.7,
            country: "JP".into(),
            feature: "city".into(),
            name: "Obama".into(),
            geonameid: Some(1),
        };
        let as_place = DocEntity {
            kind: EntityType::Loc,
            kind_votes: BTreeMap::from([(EntityType::Loc, 1)]),
            location: Some(point),
            ..person(&["Obama"], &[])
        };
        merge(&mut obama, &as_place);
        assert_eq!(obama.kind, EntityType::Person);
        assert!(obama.location.is_none());
    }

    #[test]
    fn patronymic_and_variant_given_names_fit() {
        let a = stored(1, &person(&["Mohammad Al-Attiyah"], &["his Qatari counterpart"]));
        let b = person(&["Khalid bin Mohammad Al Attiyah"], &[]);
        assert_eq!(decide_for(&b, &[a.clone()], &mut |_| 0), Decision::Join { id: 1, disagreement: None });
        let mut merged = a;
        merge(&mut merged, &b);
        assert_eq!(merged.name, "Khalid bin Mohammad Al Attiyah");
        let c = person(&["Khaled Al-Attiyah"], &[]);
        assert_eq!(decide_for(&c, &[merged], &mut |_| 0), Decision::Join { id: 1, disagreement: None });
        // French transliteration of the same given name.
        let bashar = stored(2, &person(&["Bashar al-Assad"], &[]));
        let bachar = person(&["Bachar el-Assad"], &[]);
        assert_eq!(decide_for(&bachar, &[bashar], &mut |_| 0), Decision::Join { id: 2, disagreement: None });
    }

    #[test]
    fn a_lone_surname_read_as_a_place_is_a_prominent_bearer_s() {
        let mut muammar = stored(1, &person(&["Muammar Gadafi", "Gadafi"], &[]));
        let place = DocEntity { kind: EntityType::Loc, ..person(&["Gadafi"], &[]) };
        assert_eq!(decide_for(&place, &[muammar.clone()], &mut |_| 0), Decision::New, "not yet prominent");
        muammar.kind_votes.insert(EntityType::Person, PROMINENT_PERSON_MENTIONS);
        assert_eq!(decide_for(&place, &[muammar.clone()], &mut |_| 0), Decision::Join { id: 1, disagreement: None });
        // A place a gazetteer knows stays a place.
        let city = DocEntity { geonameid: Some(7), ..place };
        assert_eq!(decide_for(&city, &[muammar], &mut |_| 0), Decision::New);
    }

    #[test]
    fn different_given_names_need_evidence_and_are_recorded() {
        let salam = stored(7, &person(&["Salam Al-Namroush"], &["Libya’s Deputy Defence Minister"]));
        let salah = person(&["Salah Al-Namroush"], &["Libyan Deputy Defense Minister"]);
        assert_eq!(
            decide_for(&salah, &[salam.clone()], &mut |_| 0),
            Decision::Join { id: 7, disagreement: Some(("Salam".into(), "Salah".into())) }
        );
        let no_role = person(&["Salah Al-Namroush"], &[]);
        assert_eq!(decide_for(&no_role, &[salam.clone()], &mut |_| 0), Decision::New);
        assert!(matches!(decide_for(&no_role, &[salam], &mut |_| 3), Decision::Join { id: 7, .. }));
    }

    #[test]
    fn a_family_s_members_stay_apart() {
        let muammar = stored(1, &person(&["Muammar Gaddafi", "Gaddafi"], &["Colonel"]));
        let saif = person(&["Saif al-Islam Gaddafi", "Gaddafi"], &[]);
        assert_eq!(decide_for(&saif, &[muammar.clone()], &mut |_| 9), Decision::New);
        let hannibal = person(&["Hannibal Gadafi"], &["Colonel"]);
        assert_eq!(decide_for(&hannibal, &[muammar.clone()], &mut |_| 9), Decision::New);
        // Spellings of one name still join, in any order of words and articles.
        let moamar = person(&["Muamar el Gadafi"], &[]);
        assert_eq!(decide_for(&moamar, &[muammar.clone()], &mut |_| 0), Decision::Join { id: 1, disagreement: None });
        // A surname alone joins the most prominent bearer.
        let mut saif_stored = stored(2, &saif);
        saif_stored.kind_votes = BTreeMap::from([(EntityType::Person, 3)]);
        let mut muammar = muammar;
        muammar.kind_votes = BTreeMap::from([(EntityType::Person, 40)]);
        let bare = person(&["Gadafi"], &[]);
        assert_eq!(
            decide_for(&bare, &[saif_stored, muammar], &mut |_| 0),
            Decision::Join { id: 1, disagreement: None }
        );
    }

    #[test]
    fn different_people_stay_apart() {
        let maas = stored(1, &person(&["Heiko Maas"], &["German Foreign Minister"]));
        let siala = person(&["Mohamed Siala"], &[]);
        assert_eq!(decide_for(&siala, &[maas], &mut |_| 5), Decision::New);
    }

    #[test]
    fn place_spellings_fit_word_by_word() {
        let loc = |name: &str| DocEntity {
            kind: EntityType::Loc,
            name: name.into(),
            forms: vec![name.into()],
            roles: vec![],
            country: None,
            geonameid: None,
            acronyms: vec![],
            kind_votes: BTreeMap::new(),
            location: None,
        };
        let jufra = stored(3, &loc("Jufra"));
        assert!(matches!(decide_for(&loc("Jufrah"), &[jufra.clone()], &mut |_| 0), Decision::Join { id: 3, .. }));
        assert!(matches!(decide_for(&loc("Jafra"), &[jufra.clone()], &mut |_| 0), Decision::Join { id: 3, .. }));
        assert_eq!(decide_for(&loc("Sirte"), &[jufra], &mut |_| 0), Decision::New);
        let jafra = ["Jafra".to_string()];
        assert!(keys(EntityType::Loc, &jafra, &words_of(&jafra), None, None).contains(&"place:jfr".to_string()));
    }
}
