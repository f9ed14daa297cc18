//! The store's tables. Bump `VERSION` and add a migration step when they change.

use rusqlite::Connection;

use crate::db::{params, Conn};
use crate::{Result, StoreError};

const VERSION: i64 = 8;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);

-- seq is the arrival order; id is the article's stable id. text is a compressed blob
-- (crate::stored_text) in rows written since 2026-12-05, plain text before.
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    url TEXT, title TEXT, text TEXT NOT NULL, outlet TEXT, author TEXT,
    published TEXT,          -- RFC 3339, UTC
    published_offset INTEGER, -- seconds east of UTC the date was stated in (its day is the local day)
    date_source TEXT,        -- where the date came from: metadata, time_element, feed, url, folder, archive
    language TEXT, language_confidence REAL,
    source_path TEXT, source_format TEXT NOT NULL,
    removed TEXT NOT NULL,   -- JSON array of {text, reason}
    text_hash INTEGER NOT NULL,
    minhash BLOB NOT NULL,   -- duplicate screen (storyline_dedup::screen_bytes) since 2026-12-05 afternoon; before: a little-endian u32 signature, then empty
    terms TEXT NOT NULL,     -- unused since version 4 (empty): nothing read the JSON TF-IDF vector kept here
    event_id INTEGER NOT NULL REFERENCES events(id),
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash);
CREATE INDEX IF NOT EXISTS articles_event ON articles(event_id);

-- LSH bands of MinHash signatures: articles sharing a key are near-duplicate candidates.
-- The posting lists (here and in article_terms, event_terms) are their own keys, without rowid:
-- a look-up reads one b-tree, newest entries first, and a posting is stored once.
CREATE TABLE IF NOT EXISTS lsh_bands (
    band_key INTEGER NOT NULL, article_seq INTEGER NOT NULL, PRIMARY KEY (band_key, article_seq)
) WITHOUT ROWID;

-- Each article's strongest terms: republication candidates share several of them.
CREATE TABLE IF NOT EXISTS article_terms (
    term TEXT NOT NULL, article_seq INTEGER NOT NULL, PRIMARY KEY (term, article_seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS duplicates (
    original TEXT NOT NULL, copy TEXT NOT NULL, kind TEXT NOT NULL,
    score REAL NOT NULL, evidence TEXT NOT NULL,
    PRIMARY KEY (original, copy, kind)
);
CREATE INDEX IF NOT EXISTS duplicates_copy ON duplicates(copy);

-- members, first_published, last_published (RFC 3339, UTC) and last_seq (the latest member's
-- arrival) are kept as articles join, so that neither clustering nor the events listing reads
-- an event's articles to learn them.
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    centroid TEXT NOT NULL,  -- term vector: a blob (crate::terms_blob) since version 4, JSON before
    members INTEGER NOT NULL DEFAULT 0,
    first_published TEXT,
    last_published TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0
);
-- Each event's strongest centroid terms: candidate events for an arriving article.
CREATE TABLE IF NOT EXISTS event_terms (
    term TEXT NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY (term, event_id)
) WITHOUT ROWID;

-- Sentence embeddings of each article (storyline-similarity's binary form, self-describing:
-- one byte per dimension since its version 3, four bits for sentence vectors since version 4,
-- six bits for title, lead and chunks since version 6, f32 before), by model. Ingest keeps them for each event's most recent members only, the ones
-- event assignment reads, and their sentence vectors for the 4 most recent (unless told to keep all).
CREATE TABLE IF NOT EXISTS article_embeddings (article_id TEXT PRIMARY KEY, model TEXT NOT NULL, data BLOB NOT NULL);
-- Each event's centroid in embedding space (binary16 after a 5-byte header since 2026-12-05,
-- bare little-endian f32 before) and, for the ANN index, its
-- random-hyperplane band keys: candidate events for an arriving article in any language.
CREATE TABLE IF NOT EXISTS event_vectors (
    event_id INTEGER PRIMARY KEY, model TEXT NOT NULL, members INTEGER NOT NULL, vector BLOB NOT NULL
);
-- A posting list like those above, keyed by its look-up without rowid since 2026-12-05 (a rowid
-- table with an index on the key before; `bands_without_rowid` remakes it); the index on the
-- event (made in INDEXES) serves replacing an event's entries.
CREATE TABLE IF NOT EXISTS event_vector_bands (
    band_key INTEGER NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY (band_key, event_id)
) WITHOUT ROWID;

-- Document frequencies for incremental IDF.
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;

-- Storylines: events linked over time. A storyline is named by its smallest event id.
CREATE TABLE IF NOT EXISTS storylines (event_id INTEGER PRIMARY KEY, storyline_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS storylines_storyline ON storylines(storyline_id);
-- For undated articles: the earliest publication date their text allows (RFC 3339), inferred
-- from the latest date the text mentions. Orders undated events on a timeline.
CREATE TABLE IF NOT EXISTS article_not_before (article_id TEXT PRIMARY KEY, not_before TEXT NOT NULL) WITHOUT ROWID;

-- Subscribed feeds, with the HTTP validators of their last fetch for conditional requests.
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT, added_at TEXT NOT NULL,
    last_polled_at TEXT, last_status TEXT, etag TEXT, last_modified TEXT
);
-- Feed items already handled (stored, or skipped for good): a poll fetches only the others.
CREATE TABLE IF NOT EXISTS feed_items (
    feed_url TEXT NOT NULL, item_key TEXT NOT NULL, link TEXT,
    outcome TEXT NOT NULL, article_id TEXT, seen_at TEXT NOT NULL,
    PRIMARY KEY (feed_url, item_key)
) WITHOUT ROWID;

-- Entities: one row per real-world referent, with every name it goes by (JSON arrays), the
-- roles the articles give it, and facts the articles disagree on.
CREATE TABLE IF NOT EXISTS entities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,            -- PERSON, ORG, LOC, GPE, MISC
    name TEXT NOT NULL,            -- canonical name
    aliases TEXT NOT NULL,         -- JSON array of surface forms
    roles TEXT NOT NULL,           -- JSON array
    disagreements TEXT NOT NULL,   -- JSON array of {field, values: {value: [article ids]}}
    country TEXT,                  -- ISO 3166 alpha-2, for countries
    geonameid INTEGER,             -- for places a gazetteer knew
    kind_votes TEXT NOT NULL,      -- JSON {type: mentions}
    location TEXT                  -- JSON {lat, lon, country, feature, name, geonameid}: a geocoded place
);
-- Normalised names, surname skeletons, acronyms, country codes: candidates for resolution.
-- Keys are only ever added, so nothing looks them up by entity (an index for that cost ingest time).
CREATE TABLE IF NOT EXISTS entity_keys (key TEXT NOT NULL, entity_id INTEGER NOT NULL, PRIMARY KEY (key, entity_id)) WITHOUT ROWID;
DROP INDEX IF EXISTS entity_keys_entity;
-- Byte spans and sentence indexes point into the article's full text (title, blank line, body).
-- The article is its arrival number (articles.seq) since version 5, its id text before: about
-- 20 mentions an article. Since version 8 they are keyed by article and their order in it (n,
-- from 0), without rowid: an article's mentions are one range of the table, with no index of
-- their own beside the one on entity and article (made in INDEXES).
CREATE TABLE IF NOT EXISTS mentions (
    article_seq INTEGER NOT NULL, n INTEGER NOT NULL, entity_id INTEGER, text TEXT NOT NULL, kind TEXT NOT NULL,
    byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL, sentence INTEGER NOT NULL, role TEXT,
    PRIMARY KEY (article_seq, n)
) WITHOUT ROWID;
-- Quotes, coded events and date expressions name their article by its arrival number too since
-- version 6 (its id text before).
CREATE TABLE IF NOT EXISTS quotes (
    article_seq INTEGER NOT NULL, text TEXT NOT NULL, byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL,
    sentence INTEGER NOT NULL, speaker_entity INTEGER, speaker_text TEXT, cue TEXT
);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_entity);
-- Coded events: actor – action – target triples (PLOVER types) from article sentences.
-- actors/targets/location are JSON ({text, code}); date is a label (2020-08-17, 2020-08, 2020).
-- sentence is empty in rows written since 2026-12-05: the sentence is the article text's at
-- byte sentence_start (as storyline_text::sentences cuts it), not copied. Nothing reads them by
-- article, so no index on it since version 6.
CREATE TABLE IF NOT EXISTS coded_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_seq INTEGER NOT NULL, sentence_index INTEGER NOT NULL, sentence_start INTEGER NOT NULL,
    sentence TEXT NOT NULL, event_type TEXT NOT NULL, trigger_text TEXT NOT NULL,
    actors TEXT NOT NULL, targets TEXT NOT NULL, location TEXT,
    date_start TEXT, date_end TEXT, date_granularity TEXT, date_text TEXT
);
CREATE INDEX IF NOT EXISTS coded_events_type ON coded_events(event_type);
-- Date expressions found in article bodies, resolved against the publication date when known.
-- Kept for export; nothing reads them by article, so no index on it since version 6.
CREATE TABLE IF NOT EXISTS date_mentions (
    article_seq INTEGER NOT NULL, text TEXT NOT NULL, byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL,
    relative INTEGER NOT NULL, date_start TEXT, date_end TEXT, date_granularity TEXT
);
";

/// Indexes on columns that versions 4 to 6 added: made once the store has them.
const INDEXES: &str = "
-- The events listing, most recently active first.
CREATE INDEX IF NOT EXISTS events_recent ON events(last_published IS NULL, last_published DESC, last_seq DESC);
-- An entity's mentions newest first (its window of company), and its mention and article counts
-- (listings, entity pages), from the index alone: its rows are ordered by article, then n (the
-- table's key, which the index holds).
CREATE INDEX IF NOT EXISTS mentions_entity_article ON mentions(entity_id, article_seq);
CREATE INDEX IF NOT EXISTS quotes_article ON quotes(article_seq);
CREATE INDEX IF NOT EXISTS event_vector_bands_event ON event_vector_bands(event_id);
";

/// The same tables and columns on PostgreSQL, in its types: every integer a BIGINT (hashes are
/// i64 bit patterns, as on SQLite), blobs BYTEA, reals DOUBLE PRECISION. Tables SQLite orders by
/// `rowid` get a `rowid` identity column. Version 4 is PostgreSQL's first; version 5 keys mentions by
/// article number ([`POSTGRES_MENTIONS_FROM_4`]), version 6 quotes, coded events and date
/// expressions ([`postgres_by_article_number_from_5`]).
const POSTGRES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    centroid BYTEA NOT NULL,
    members BIGINT NOT NULL DEFAULT 0,
    first_published TEXT,
    last_published TEXT,
    last_seq BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS articles (
    seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT, title TEXT, text TEXT NOT NULL, outlet TEXT, author TEXT,
    published TEXT,
    published_offset BIGINT,
    date_source TEXT,
    language TEXT, language_confidence DOUBLE PRECISION,
    source_path TEXT, source_format TEXT NOT NULL,
    removed TEXT NOT NULL,
    text_hash BIGINT NOT NULL,
    minhash BYTEA NOT NULL,
    terms TEXT NOT NULL,
    event_id BIGINT NOT NULL REFERENCES events(id),
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash);
CREATE INDEX IF NOT EXISTS articles_event ON articles(event_id);
CREATE TABLE IF NOT EXISTS lsh_bands (band_key BIGINT NOT NULL, article_seq BIGINT NOT NULL, PRIMARY KEY (band_key, article_seq));
CREATE TABLE IF NOT EXISTS article_terms (term TEXT NOT NULL, article_seq BIGINT NOT NULL, PRIMARY KEY (term, article_seq));
CREATE TABLE IF NOT EXISTS duplicates (
    original TEXT NOT NULL, copy TEXT NOT NULL, kind TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL, evidence TEXT NOT NULL,
    PRIMARY KEY (original, copy, kind)
);
CREATE INDEX IF NOT EXISTS duplicates_copy ON duplicates(copy);
CREATE TABLE IF NOT EXISTS event_terms (term TEXT NOT NULL, event_id BIGINT NOT NULL, PRIMARY KEY (term, event_id));
CREATE TABLE IF NOT EXISTS article_embeddings (article_id TEXT PRIMARY KEY, model TEXT NOT NULL, data BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS event_vectors (
    event_id BIGINT PRIMARY KEY, model TEXT NOT NULL, members BIGINT NOT NULL, vector BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS event_vector_bands (band_key BIGINT NOT NULL, event_id BIGINT NOT NULL, PRIMARY KEY (band_key, event_id));
CREATE INDEX IF NOT EXISTS event_vector_bands_event ON event_vector_bands(event_id);
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS storylines (event_id BIGINT PRIMARY KEY, storyline_id BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS storylines_storyline ON storylines(storyline_id);
CREATE TABLE IF NOT EXISTS article_not_before (article_id TEXT PRIMARY KEY, not_before TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,
    url TEXT PRIMARY KEY, title TEXT, added_at TEXT NOT NULL,
    last_polled_at TEXT, last_status TEXT, etag TEXT, last_modified TEXT
);
CREATE TABLE IF NOT EXISTS feed_items (
    feed_url TEXT NOT NULL, item_key TEXT NOT NULL, link TEXT,
    outcome TEXT NOT NULL, article_id TEXT, seen_at TEXT NOT NULL,
    PRIMARY KEY (feed_url, item_key)
);
CREATE TABLE IF NOT EXISTS entities (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL, name TEXT NOT NULL, aliases TEXT NOT NULL, roles TEXT NOT NULL,
    disagreements TEXT NOT NULL, country TEXT, geonameid BIGINT, kind_votes TEXT NOT NULL, location TEXT
);
CREATE TABLE IF NOT EXISTS entity_keys (key TEXT NOT NULL, entity_id BIGINT NOT NULL, PRIMARY KEY (key, entity_id));
CREATE TABLE IF NOT EXISTS mentions (
    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    article_seq BIGINT NOT NULL, n BIGINT NOT NULL, entity_id BIGINT, text TEXT NOT NULL, kind TEXT NOT NULL,
    byte_start BIGINT NOT NULL, byte_end BIGINT NOT NULL, sentence BIGINT NOT NULL, role TEXT
);
CREATE INDEX IF NOT EXISTS mentions_article ON mentions(article_seq, n);
CREATE INDEX IF NOT EXISTS mentions_entity_article ON mentions(entity_id, article_seq, n);
CREATE TABLE IF NOT EXISTS quotes (
    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    article_seq BIGINT NOT NULL, text TEXT NOT NULL, byte_start BIGINT NOT NULL, byte_end BIGINT NOT NULL,
    sentence BIGINT NOT NULL, speaker_entity BIGINT, speaker_text TEXT, cue TEXT
);
CREATE INDEX IF NOT EXISTS quotes_article ON quotes(article_seq);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_entity);
CREATE TABLE IF NOT EXISTS coded_events (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    article_seq BIGINT NOT NULL, sentence_index BIGINT NOT NULL, sentence_start BIGINT NOT NULL,
    sentence TEXT NOT NULL, event_type TEXT NOT NULL, trigger_text TEXT NOT NULL,
    actors TEXT NOT NULL, targets TEXT NOT NULL, location TEXT,
    date_start TEXT, date_end TEXT, date_granularity TEXT, date_text TEXT
);
CREATE INDEX IF NOT EXISTS coded_events_type ON coded_events(event_type);
CREATE TABLE IF NOT EXISTS date_mentions (
    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    article_seq BIGINT NOT NULL, text TEXT NOT NULL, byte_start BIGINT NOT NULL, byte_end BIGINT NOT NULL,
    relative BIGINT NOT NULL, date_start TEXT, date_end TEXT, date_granularity TEXT
);
CREATE INDEX IF NOT EXISTS events_recent ON events((last_published IS NULL), last_published DESC, last_seq DESC);
";

/// Version 5 on PostgreSQL, as on SQLite ([`migrate_mentions_from_4`]): mentions keyed by the
/// article's number. One simple query: one transaction, under the schema lock.
const POSTGRES_MENTIONS_FROM_4: &str = "
ALTER TABLE mentions ADD COLUMN article_seq BIGINT;
UPDATE mentions m SET article_seq = a.seq FROM articles a WHERE a.id = m.article_id;
DELETE FROM mentions WHERE article_seq IS NULL;
ALTER TABLE mentions ALTER COLUMN article_seq SET NOT NULL;
DROP INDEX IF EXISTS mentions_article;
DROP INDEX IF EXISTS mentions_entity;
DROP INDEX IF EXISTS mentions_entity_article;
ALTER TABLE mentions DROP COLUMN article_id;
CREATE INDEX mentions_article ON mentions(article_seq);
CREATE INDEX mentions_entity_article ON mentions(entity_id, article_seq, rowid);
UPDATE meta SET value = 5 WHERE key = 'schema_version';
";

/// Version 8 on PostgreSQL, as on SQLite ([`mentions_keyed_from_7`]): each mention's place among
/// its article's (`n`, in the order they were stored), which readers order by instead of the rowid.
const POSTGRES_MENTIONS_NUMBERED_FROM_7: &str = "
ALTER TABLE mentions ADD COLUMN n BIGINT;
UPDATE mentions m SET n = r.n
    FROM (SELECT rowid, ROW_NUMBER() OVER (PARTITION BY article_seq ORDER BY rowid) - 1 AS n FROM mentions) r
    WHERE r.rowid = m.rowid;
ALTER TABLE mentions ALTER COLUMN n SET NOT NULL;
DROP INDEX IF EXISTS mentions_article;
DROP INDEX IF EXISTS mentions_entity_article;
CREATE INDEX mentions_article ON mentions(article_seq, n);
CREATE INDEX mentions_entity_article ON mentions(entity_id, article_seq, n);
UPDATE meta SET value = 8 WHERE key = 'schema_version';
";

/// PostgreSQL's ANN postings keyed by band, then event (as `bands_without_rowid` remakes them on
/// SQLite), so that a band is read newest event first and stops. A band holds an event once.
const POSTGRES_BANDS_KEYED: &str = "
DROP INDEX IF EXISTS event_vector_bands_key;
ALTER TABLE event_vector_bands ADD PRIMARY KEY (band_key, event_id);
";

/// The tables version 6 keys by the article's number, each with whether a query reads it by
/// article (and so keeps an index on it).
const BY_ARTICLE_NUMBER_FROM_5: [(&str, bool); 3] =
    [("quotes", true), ("coded_events", false), ("date_mentions", false)];

/// Version 6 on PostgreSQL, as on SQLite ([`migrate_by_article_number_from_5`]): each table of
/// [`BY_ARTICLE_NUMBER_FROM_5`] that still has the article's id text gains its number instead,
/// loses the index on the id, and gets one on the number where a query reads by article.
fn postgres_by_article_number_from_5(conn: &Conn) -> Result<()> {
    let mut sql = String::new();
    for (table, indexed) in BY_ARTICLE_NUMBER_FROM_5 {
        let old: bool = conn.query_row(
            "SELECT COUNT(*) > 0 FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 AND column_name = 'article_id'",
            [table],
            |r| r.get(0),
        )?;
        if !old {
            continue;
        }
        sql += &format!(
            "ALTER TABLE {table} ADD COLUMN article_seq BIGINT;
             UPDATE {table} t SET article_seq = a.seq FROM articles a WHERE a.id = t.article_id;
             DELETE FROM {table} WHERE article_seq IS NULL;
             ALTER TABLE {table} ALTER COLUMN article_seq SET NOT NULL;
             DROP INDEX IF EXISTS {table}_article;
             ALTER TABLE {table} DROP COLUMN article_id;\n"
        );
        if indexed {
            sql += &format!("CREATE INDEX {table}_article ON {table}(article_seq);\n");
        }
    }
    conn.execute_batch(&(sql + "UPDATE meta SET value = 6 WHERE key = 'schema_version';"))
}

/// The lock two processes creating one PostgreSQL store at once take in turn.
const POSTGRES_SCHEMA_LOCK: i64 = 0x5354_4f52_5953_4348;

pub(crate) fn migrate(conn: &Conn, path: &str) -> Result<()> {
    match conn {
        Conn::Sqlite(conn) => {
            migrate_tables(conn, path)?;
            bands_without_rowid(conn)?;
            conn.execute_batch(INDEXES)?;
            Ok(())
        }
        Conn::Postgres(_) => migrate_postgres(conn, path),
    }
}

fn migrate_postgres(conn: &Conn, location: &str) -> Result<()> {
    conn.query_row("SELECT pg_advisory_lock(?1)", [POSTGRES_SCHEMA_LOCK], |_| Ok(()))?;
    let made = (|| -> Result<i64> {
        let exists: bool = conn.query_row("SELECT to_regclass('meta') IS NOT NULL", params![], |r| r.get(0))?;
        if !exists {
            conn.execute_batch(POSTGRES_SCHEMA)?;
        }
        for (key, value) in [("schema_version", VERSION), ("documents", 0), ("data_version", 0)] {
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)", params![key, value])?;
        }
        let found =
            conn.query_row("SELECT value FROM meta WHERE key = 'schema_version'", params![], |r| r.get::<i64>(0))?;
        if found == 4 {
            conn.execute_batch(POSTGRES_MENTIONS_FROM_4)?;
        }
        if found == 4 || found == 5 {
            postgres_by_article_number_from_5(conn)?;
        }
        if (4..=6).contains(&found) {
            // Version 7: screens where signatures were (see `screens_from_6`).
            conn.execute_batch("UPDATE meta SET value = 7 WHERE key = 'schema_version';")?;
        }
        if (4..=7).contains(&found) {
            let bands_keyed: bool = conn.query_row(
                "SELECT COUNT(*) > 0 FROM information_schema.table_constraints
                 WHERE table_schema = current_schema() AND table_name = 'event_vector_bands'
                 AND constraint_type = 'PRIMARY KEY'",
                params![],
                |r| r.get(0),
            )?;
            if !bands_keyed {
                conn.execute_batch(POSTGRES_BANDS_KEYED)?;
            }
            let numbered: bool = conn.query_row(
                "SELECT COUNT(*) > 0 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'mentions' AND column_name = 'n'",
                params![],
                |r| r.get(0),
            )?;
            conn.execute_batch(match numbered {
                true => "UPDATE meta SET value = 8 WHERE key = 'schema_version';",
                false => POSTGRES_MENTIONS_NUMBERED_FROM_7,
            })?;
            return Ok(VERSION);
        }
        Ok(found)
    })();
    conn.query_row("SELECT pg_advisory_unlock(?1)", [POSTGRES_SCHEMA_LOCK], |_| Ok(()))?;
    match made? {
        VERSION => Ok(()),
        found => Err(StoreError::SchemaVersion { path: location.to_string(), found, expected: VERSION }),
    }
}

fn migrate_tables(conn: &Connection, path: &str) -> Result<()> {
    // Creating what exists already only reads, so opening a store another process is writing
    // does not wait for it.
    conn.execute_batch(SCHEMA)?;
    let stored_version =
        || conn.query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get::<_, i64>(0)).ok();
    let found = match stored_version() {
        Some(found) => found,
        None => {
            // A new store. Two processes may create it at once: the first insert wins, and both
            // read the version it wrote.
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1)", [VERSION])?;
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('documents', 0)", [])?;
            stored_version().unwrap_or(VERSION)
        }
    };
    match found {
        VERSION => Ok(()),
        1..=7 => {
            for (from, step) in MIGRATIONS.into_iter().filter(|(from, _)| *from >= found) {
                migrate_step(conn, from, step)?;
            }
            Ok(())
        }
        found => Err(StoreError::SchemaVersion { path: path.to_string(), found, expected: VERSION }),
    }
}

/// Remakes the ANN index of a store made before 2026-12-05 (a rowid table, indexed on the band
/// key and on the event) as [`SCHEMA`] has it: a table without rowid keyed by (band key, event),
/// its entries stored once instead of three times. Same rows, so the same look-ups; no version:
/// an older binary writes the new table as it wrote the old one. Told apart by its shape, under
/// the write lock, so two processes opening the store at once remake it once.
fn bands_without_rowid(conn: &Connection) -> Result<()> {
    let old_form = |conn: &Connection| -> Result<bool> {
        Ok(conn.query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'event_vector_bands'
             AND sql NOT LIKE '%WITHOUT ROWID%'",
            [],
            |r| r.get(0),
        )?)
    };
    if !old_form(conn)? {
        return Ok(());
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    if old_form(&tx)? {
        tx.execute_batch(
            "CREATE TABLE event_vector_bands_keyed (
                 band_key INTEGER NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY (band_key, event_id)
             ) WITHOUT ROWID;
             INSERT OR IGNORE INTO event_vector_bands_keyed SELECT band_key, event_id FROM event_vector_bands;
             DROP TABLE event_vector_bands;
             ALTER TABLE event_vector_bands_keyed RENAME TO event_vector_bands;",
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The step from each older version to the next, in order.
const MIGRATIONS: [(i64, fn(&Connection) -> Result<()>); 7] = [
    (1, migrate_from_1),
    (2, migrate_from_2_entity_locations),
    (3, migrate_growth_from_3),
    (4, migrate_mentions_from_4),
    (5, migrate_by_article_number_from_5),
    (6, screens_from_6),
    (7, mentions_keyed_from_7),
];

/// Version 7 writes each new article's duplicate screen where its MinHash signature was kept
/// (`articles.minhash`, empty since the signature went); rows already stored keep what they
/// hold, which judging tells apart by its length. Nothing to change: the version only keeps
/// older binaries, which would read a screen as a signature, from opening the store.
fn screens_from_6(_tx: &Connection) -> Result<()> {
    Ok(())
}

/// Version 8 keys mentions by article and their order in it (`n`, from 0, in the order they were
/// stored), in a table without rowid: an article's mentions are one range of the table, so the
/// index on the article (about 250 bytes an article) is gone, and the index on entity and article
/// holds `n` instead of a rowid. The table is made again, rows in their order.
fn mentions_keyed_from_7(tx: &Connection) -> Result<()> {
    // A table made after the store (by SCHEMA, opening it) has the new form already.
    let numbered: bool =
        tx.query_row("SELECT COUNT(*) > 0 FROM pragma_table_info('mentions') WHERE name = 'n'", [], |r| r.get(0))?;
    if numbered {
        return Ok(());
    }
    tx.execute_batch(
        "CREATE TABLE mentions_v8 (
             article_seq INTEGER NOT NULL, n INTEGER NOT NULL, entity_id INTEGER, text TEXT NOT NULL,
             kind TEXT NOT NULL, byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL, sentence INTEGER NOT NULL,
             role TEXT, PRIMARY KEY (article_seq, n)
         ) WITHOUT ROWID;
         INSERT INTO mentions_v8 (article_seq, n, entity_id, text, kind, byte_start, byte_end, sentence, role)
             SELECT article_seq, ROW_NUMBER() OVER (PARTITION BY article_seq ORDER BY rowid) - 1,
                    entity_id, text, kind, byte_start, byte_end, sentence, role
             FROM mentions;
         DROP TABLE mentions;
         ALTER TABLE mentions_v8 RENAME TO mentions;",
    )?;
    Ok(())
}

/// Takes the store from version `from` to the next by `step`, in one transaction under the write
/// lock. The version is read again under the lock, so two processes opening an old store at once
/// migrate it once: the second finds the step done and does nothing.
fn migrate_step(conn: &Connection, from: i64, step: fn(&Connection) -> Result<()>) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))?;
    if version == from {
        step(&tx)?;
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'schema_version'", [from + 1])?;
    }
    tx.commit()?;
    Ok(())
}

/// Version 2 keeps the offset a publication date was stated in, and where it came from.
fn migrate_from_1(tx: &Connection) -> Result<()> {
    tx.execute_batch(
        "ALTER TABLE articles ADD COLUMN published_offset INTEGER;
         ALTER TABLE articles ADD COLUMN date_source TEXT;",
    )?;
    Ok(())
}

/// Version 3 keeps where a place entity is (geocoded at ingest).
fn migrate_from_2_entity_locations(tx: &Connection) -> Result<()> {
    let has_column: bool =
        tx.query_row("SELECT COUNT(*) > 0 FROM pragma_table_info('entities') WHERE name = 'location'", [], |r| {
            r.get(0)
        })?;
    if !has_column {
        tx.execute_batch("ALTER TABLE entities ADD COLUMN location TEXT;")?;
    }
    Ok(())
}

/// Version 4 ("growth": flat ingest cost as the store grows): events keep their member count,
/// dates and latest arrival; the posting lists become tables without rowid keyed by their
/// look-up (one b-tree instead of a table and an index); the unread TF-IDF JSON of each article
/// is emptied (`VACUUM` returns the space). Centroids written from now on are blobs; JSON ones
/// are still read.
fn migrate_growth_from_3(tx: &Connection) -> Result<()> {
    let columns: Vec<String> = tx
        .prepare("SELECT name FROM pragma_table_info('events')")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (column, declaration) in [
        ("members", "INTEGER NOT NULL DEFAULT 0"),
        ("first_published", "TEXT"),
        ("last_published", "TEXT"),
        ("last_seq", "INTEGER NOT NULL DEFAULT 0"),
    ] {
        if !columns.iter().any(|c| c == column) {
            tx.execute_batch(&format!("ALTER TABLE events ADD COLUMN {column} {declaration}"))?;
        }
    }
    // Each posting list again, as a table keyed by its look-up.
    for (table, key, key_type, id) in [
        ("lsh_bands", "band_key", "INTEGER", "article_seq"),
        ("article_terms", "term", "TEXT", "article_seq"),
        ("event_terms", "term", "TEXT", "event_id"),
    ] {
        tx.execute_batch(&format!(
            "CREATE TABLE {table}_v4 (
                 {key} {key_type} NOT NULL, {id} INTEGER NOT NULL, PRIMARY KEY ({key}, {id})
             ) WITHOUT ROWID;
             INSERT OR IGNORE INTO {table}_v4 SELECT {key}, {id} FROM {table};
             DROP TABLE {table};
             ALTER TABLE {table}_v4 RENAME TO {table};"
        ))?;
    }
    tx.execute_batch(
        "UPDATE events SET (members, first_published, last_published, last_seq) =
             (SELECT COUNT(*), MIN(published), MAX(published), COALESCE(MAX(seq), 0)
              FROM articles WHERE event_id = events.id);
         UPDATE articles SET terms = '';",
    )?;
    Ok(())
}

/// Version 5 keys each mention by its article's arrival number (`articles.seq`, a few bytes)
/// instead of the article's id text, which the table and each of its three indexes repeated for
/// every mention; and drops the index on the entity alone, whose look-up (an entity's latest
/// mentions) the index on entity and article now answers in the same order. The table is made
/// again, rows in their order (same rowids); mentions of no stored article go. `VACUUM` returns
/// the space.
fn migrate_mentions_from_4(tx: &Connection) -> Result<()> {
    tx.execute_batch(
        "CREATE TABLE mentions_v5 (
             article_seq INTEGER NOT NULL, entity_id INTEGER, text TEXT NOT NULL, kind TEXT NOT NULL,
             byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL, sentence INTEGER NOT NULL, role TEXT
         );
         INSERT INTO mentions_v5 (rowid, article_seq, entity_id, text, kind, byte_start, byte_end, sentence, role)
             SELECT m.rowid, a.seq, m.entity_id, m.text, m.kind, m.byte_start, m.byte_end, m.sentence, m.role
             FROM mentions m JOIN articles a ON a.id = m.article_id ORDER BY m.rowid;
         DROP TABLE mentions;
         ALTER TABLE mentions_v5 RENAME TO mentions;",
    )?;
    Ok(())
}

/// Version 6 keys quotes, coded events and date expressions by their article's arrival number
/// (`articles.seq`), as version 5 did mentions, instead of the article's id text in each row and
/// index entry; and keeps no index on the article for coded events and date expressions, which
/// nothing reads by article. Each table is made again as [`SCHEMA`] has it, rows in their order
/// (same rowids and ids); rows of no stored article go. `VACUUM` returns the space.
fn migrate_by_article_number_from_5(tx: &Connection) -> Result<()> {
    let names = |sql: &str, table: &str| -> Result<Vec<String>> {
        Ok(tx.prepare(sql)?.query_map([table], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    };
    // A table made after the store (by SCHEMA, opening it) has the new form already.
    let mut old_tables = Vec::new();
    for (table, _) in BY_ARTICLE_NUMBER_FROM_5 {
        if !names("SELECT name FROM pragma_table_info(?1) WHERE name = 'article_id'", table)?.is_empty() {
            old_tables.push(table);
        }
    }
    for table in &old_tables {
        // Its indexes go with it (SCHEMA makes the new table's, under the same names).
        let indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL";
        for index in names(indexes, table)? {
            tx.execute_batch(&format!("DROP INDEX {index}"))?;
        }
        tx.execute_batch(&format!("ALTER TABLE {table} RENAME TO {table}_v5"))?;
    }
    tx.execute_batch(SCHEMA)?;
    for table in &old_tables {
        let mut columns = names("SELECT name FROM pragma_table_info(?1) WHERE name <> 'article_seq'", table)?;
        if !columns.iter().any(|c| c == "id") {
            columns.insert(0, "rowid".to_string());
        }
        let old: Vec<String> = columns.iter().map(|c| format!("t.{c}")).collect();
        tx.execute_batch(&format!(
            "INSERT INTO {table} (article_seq, {}) SELECT a.seq, {} FROM {table}_v5 t
                 JOIN articles a ON a.id = t.article_id ORDER BY t.rowid;
             DROP TABLE {table}_v5;",
            columns.join(", "),
            old.join(", ")
        ))?;
    }
    Ok(())
}

/// The mentions table as versions 1 to 4 kept it (by the article's id text, three indexes), for
/// tests that make an old store from a new one.
#[cfg(test)]
pub(crate) const MENTIONS_BY_ID_TEXT: &str = "
    DROP TABLE mentions;
    CREATE TABLE mentions (
        article_id TEXT NOT NULL, entity_id INTEGER, text TEXT NOT NULL, kind TEXT NOT NULL,
        byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL, sentence INTEGER NOT NULL, role TEXT
    );
    CREATE INDEX mentions_article ON mentions(article_id);
    CREATE INDEX mentions_entity ON mentions(entity_id);
    CREATE INDEX mentions_entity_article ON mentions(entity_id, article_id);";

#[cfg(test)]
pub(crate) mod tests {
    use super::MENTIONS_BY_ID_TEXT;
    use crate::{Batch, NewArticle, Store};
    use storyline_model::{Article, SourceFormat};

    /// The first column of every row `sql` gives on the store file at `path`: what the tests of a
    /// store's shape (its indexes, keys) read.
    pub(crate) fn column<T: rusqlite::types::FromSql>(path: &std::path::Path, sql: &str) -> Vec<T> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let values = conn.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>();
        values.unwrap()
    }

    fn add(batch: &Batch, id: &str, published: &str, event: i64) {
        let mut article = Article::new(id, "Floods in the valley.", SourceFormat::Text);
        article.published = Some(published.parse().unwrap());
        batch
            .insert_article(&NewArticle {
                article: &article,
                text_hash: id.len() as u64,
                screen: &[1, 2],
                band_keys: &[7, 8],
                terms: &[("flood".to_string(), 1.0)],
                indexed_terms: 1,
                event,
            })
            .unwrap();
    }

    /// A store as version 2 left it (rowid posting tables, no event columns, JSON centroids)
    /// opens as version 4 with the same events, dates and postings.
    #[test]
    fn a_version_2_store_gains_event_columns_and_keyed_postings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        drop(Store::open(&path).unwrap());
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "DROP INDEX events_recent;
                 ALTER TABLE events DROP COLUMN members; ALTER TABLE events DROP COLUMN first_published;
                 ALTER TABLE events DROP COLUMN last_published; ALTER TABLE events DROP COLUMN last_seq;
                 DROP TABLE lsh_bands; DROP TABLE article_terms; DROP TABLE event_terms;
                 CREATE TABLE lsh_bands (band_key INTEGER NOT NULL, article_seq INTEGER NOT NULL);
                 CREATE INDEX lsh_bands_key ON lsh_bands(band_key);
                 CREATE TABLE article_terms (term TEXT NOT NULL, article_seq INTEGER NOT NULL);
                 CREATE TABLE event_terms (term TEXT NOT NULL, event_id INTEGER NOT NULL);
                 INSERT INTO events (id, centroid) VALUES (1, '[[\"flood\",1.0]]');
                 INSERT INTO event_terms VALUES ('flood', 1);
                 UPDATE meta SET value = 2 WHERE key = 'schema_version';",
            )
            .unwrap();
            conn.execute_batch(MENTIONS_BY_ID_TEXT).unwrap();
            for (seq, (id, published)) in
                [("a", "2020-01-02T00:00:00+00:00"), ("b", "2020-01-01T00:00:00+00:00")].into_iter().enumerate()
            {
                conn.execute(
                    "INSERT INTO articles (seq, id, text, published, source_format, removed, text_hash, minhash,
                     terms, event_id, ingested_at) VALUES (?1, ?2, 'x', ?3, 'text', '[]', ?1, x'', '[]', 1, '')",
                    rusqlite::params![seq as i64 + 1, id, published],
                )
                .unwrap();
                conn.execute("INSERT INTO lsh_bands VALUES (7, ?1)", [seq as i64 + 1]).unwrap();
            }
        }
        let mut store = Store::open(&path).unwrap();
        let batch = store.batch().unwrap();
        let event = batch.event(1).unwrap();
        assert_eq!(event.members, 2);
        assert_eq!(event.first.unwrap().to_rfc3339(), "2020-01-01T00:00:00+00:00");
        assert_eq!(*event.centroid, [("flood".to_string(), 1.0)]);
        assert_eq!(
            batch.sharing_bands(&[7], 10).unwrap().iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(batch.candidate_events(&["flood".to_string()], 1, 10).unwrap()[0].id, 1);
        add(&batch, "c", "2020-01-03T00:00:00+00:00", 1);
        let event = batch.event(1).unwrap();
        assert_eq!((event.members, event.last.unwrap().to_rfc3339().as_str()), (3, "2020-01-03T00:00:00+00:00"));
        batch.commit().unwrap();
        assert_eq!(store.events(10).unwrap()[0].article_count, 3);
    }

    /// A store's ANN bands as a rowid table (before 2026-12-05) come back as a table without
    /// rowid with the same entries, found as before, and one index, on the event.
    #[test]
    fn rowid_bands_are_remade_keyed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bands.db");
        drop(Store::open(&path).unwrap());
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "DROP TABLE event_vector_bands;
                 CREATE TABLE event_vector_bands (band_key INTEGER NOT NULL, event_id INTEGER NOT NULL);
                 CREATE INDEX event_vector_bands_key ON event_vector_bands(band_key);
                 CREATE INDEX event_vector_bands_event ON event_vector_bands(event_id);
                 INSERT INTO event_vector_bands VALUES (5, 1), (6, 1), (5, 2), (7, 3);",
            )
            .unwrap();
        let mut store = Store::open(&path).unwrap();
        let batch = store.batch().unwrap();
        assert_eq!(batch.events_sharing_vector_bands(&[5, 6], 10).unwrap(), [1, 2]);
        let centroid = crate::EventVector { model: "m".into(), members: 1, vector: vec![1.0] };
        batch.set_event_vector(1, &centroid, &[7]).unwrap();
        assert_eq!(batch.events_sharing_vector_bands(&[7], 10).unwrap(), [1, 3]);
        batch.commit().unwrap();
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let sql: String = conn
            .query_row("SELECT sql FROM sqlite_master WHERE name = 'event_vector_bands'", [], |r| r.get(0))
            .unwrap();
        assert!(sql.contains("WITHOUT ROWID"), "{sql}");
        let indexes: Vec<String> = column(
            &path,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_vector_bands' AND sql IS NOT NULL",
        );
        assert_eq!(indexes, ["event_vector_bands_event"]);
    }

    /// A version 4 store's mentions (by article id text) come back keyed by article number, in
    /// their order, readable by article and by entity as before; mentions of no stored article go.
    #[test]
    fn a_version_4_store_keys_mentions_by_article_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v4.db");
        store_two_articles(&mut Store::open(&path).unwrap());
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(MENTIONS_BY_ID_TEXT).unwrap();
            conn.execute_batch(MENTIONS_OF_VERSION_4).unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        mentions_read_as_before(&mut store);
        drop(store);
        let indexes: Vec<String> = column(
            &path,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mentions' ORDER BY name",
        );
        assert_eq!(
            indexes,
            ["mentions_entity_article"],
            "an article's mentions are a range of the table since version 8"
        );
    }

    /// What [`MENTIONS_OF_VERSION_4`] wrote, read from the store it became.
    fn mentions_read_as_before(store: &mut Store) {
        let of_a = store.article_entities("a").unwrap();
        assert_eq!(of_a.mentions.iter().map(|m| m.byte_start).collect::<Vec<_>>(), [0, 7]);
        let batch = store.batch().unwrap();
        let mut stored = Vec::new();
        batch
            .each_mention(|m| -> Result<(), crate::StoreError> {
                stored.push((m.article, m.text));
                Ok(())
            })
            .unwrap();
        // In article order (then each article's in the order stored), as export reads them.
        let expected = [("a", "Hulusi Akar"), ("a", "Akar"), ("b", "Akar")];
        assert_eq!(stored, expected.map(|(a, t)| (a.to_string(), t.to_string())));
        assert_eq!(batch.articles_with_form(1, "Akar").unwrap(), ["a", "b"]);
    }

    /// Old mentions of "a" and "b" (and of an article not stored), as version 4 wrote them.
    const MENTIONS_OF_VERSION_4: &str = "
        INSERT INTO entities (id, kind, name, aliases, roles, disagreements, kind_votes)
            VALUES (1, 'PERSON', 'Akar', '[\"Akar\"]', '[]', '[]', '{}');
        INSERT INTO mentions (article_id, entity_id, text, kind, byte_start, byte_end, sentence, role) VALUES
            ('b', 1, 'Akar', 'PERSON', 0, 4, 0, NULL),
            ('gone', 1, 'Akar', 'PERSON', 0, 4, 0, NULL),
            ('a', 1, 'Hulusi Akar', 'PERSON', 7, 18, 1, NULL),
            ('a', 1, 'Akar', 'PERSON', 0, 4, 0, NULL);
        UPDATE meta SET value = 4 WHERE key = 'schema_version';";

    /// A version 5 store's quotes, coded events and date expressions (by article id text) come
    /// back keyed by article number, in their order, readable as before; rows of an article not
    /// stored go, and so do the indexes on the article of coded events and date expressions.
    #[test]
    fn a_version_5_store_keys_quotes_and_events_by_article_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.db");
        store_two_articles(&mut Store::open(&path).unwrap());
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(&format!("{BY_ID_TEXT_OF_VERSION_5}{ROWS_OF_VERSION_5}"))
            .unwrap();
        let mut store = Store::open(&path).unwrap();
        rows_of_version_5_read_as_before(&mut store);
        drop(store);
        let indexes: Vec<String> = column(
            &path,
            "SELECT name FROM sqlite_master WHERE type = 'index'
             AND tbl_name IN ('quotes', 'coded_events', 'date_mentions') ORDER BY name",
        );
        assert_eq!(indexes, ["coded_events_type", "quotes_article", "quotes_speaker"]);
    }

    /// The same on PostgreSQL.
    #[test]
    fn a_version_5_postgres_store_keys_quotes_and_events_by_article_number() {
        let Some(database) = crate::testing::postgres_database() else { return };
        {
            let mut store = Store::open_postgres(database.url()).unwrap();
            store_two_articles(&mut store);
            let identity = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
            let old_tables = BY_ID_TEXT_OF_VERSION_5
                .replace("INTEGER PRIMARY KEY AUTOINCREMENT", identity)
                .replace("quotes (", &format!("quotes (rowid {identity},"))
                .replace("date_mentions (", &format!("date_mentions (rowid {identity},"));
            store.conn.execute_batch(&format!("{old_tables}{ROWS_OF_VERSION_5}")).unwrap();
        }
        let mut store = Store::open_postgres(database.url()).unwrap();
        rows_of_version_5_read_as_before(&mut store);
    }

    /// What [`ROWS_OF_VERSION_5`] wrote, read from the store it became.
    fn rows_of_version_5_read_as_before(store: &mut Store) {
        let quotes = store.article_entities("a").unwrap().quotes;
        assert_eq!(
            quotes.iter().map(|q| (q.article.as_str(), q.text.as_str())).collect::<Vec<_>>(),
            [("a", "We hold.")]
        );
        let mut exported = Vec::new();
        store
            .batch()
            .unwrap()
            .each_quote(|q| -> Result<(), crate::StoreError> {
                exported.push((q.article, q.text));
                Ok(())
            })
            .unwrap();
        assert_eq!(exported, [("b", "No."), ("a", "We hold.")].map(|(a, t)| (a.to_string(), t.to_string())));
        let coded = store.coded_events(&crate::CodedEventFilter::default()).unwrap();
        assert_eq!(coded.iter().map(|e| (e.id, e.article.as_str())).collect::<Vec<_>>(), [(3, "a"), (2, "b")]);
        let dates: Vec<(i64, String)> = store
            .conn
            .prepare("SELECT d.article_seq, d.text FROM date_mentions d ORDER BY d.rowid")
            .unwrap()
            .query_map(crate::db::params![], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<crate::Result<_>>()
            .unwrap();
        assert_eq!(dates, [(2, "yesterday".to_string())]);
        // Ids go on after the largest kept.
        let batch = store.batch().unwrap();
        batch.insert_coded_events(&[coded_event("b")]).unwrap();
        batch.commit().unwrap();
        let ids: Vec<i64> = store.coded_events(&Default::default()).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(ids, [3, 2, 4]);
    }

    fn coded_event(article: &str) -> crate::NewCodedEvent<'_> {
        crate::NewCodedEvent {
            article,
            sentence_index: 0,
            sentence_start: 0,
            event_type: "SUPPORT",
            trigger: "backed",
            actors: vec![],
            targets: vec![],
            location: None,
            date: None,
            date_text: None,
        }
    }

    /// The three tables as versions 1 to 5 kept them (by the article's id text, each indexed on it).
    const BY_ID_TEXT_OF_VERSION_5: &str = "
        DROP TABLE quotes; DROP TABLE coded_events; DROP TABLE date_mentions;
        CREATE TABLE quotes (
            article_id TEXT NOT NULL, text TEXT NOT NULL, byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL,
            sentence INTEGER NOT NULL, speaker_entity INTEGER, speaker_text TEXT, cue TEXT
        );
        CREATE INDEX quotes_article ON quotes(article_id);
        CREATE INDEX quotes_speaker ON quotes(speaker_entity);
        CREATE TABLE coded_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id TEXT NOT NULL, sentence_index INTEGER NOT NULL, sentence_start INTEGER NOT NULL,
            sentence TEXT NOT NULL, event_type TEXT NOT NULL, trigger_text TEXT NOT NULL,
            actors TEXT NOT NULL, targets TEXT NOT NULL, location TEXT,
            date_start TEXT, date_end TEXT, date_granularity TEXT, date_text TEXT
        );
        CREATE INDEX coded_events_article ON coded_events(article_id);
        CREATE INDEX coded_events_type ON coded_events(event_type);
        CREATE TABLE date_mentions (
            article_id TEXT NOT NULL, text TEXT NOT NULL, byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL,
            relative INTEGER NOT NULL, date_start TEXT, date_end TEXT, date_granularity TEXT
        );
        CREATE INDEX date_mentions_article ON date_mentions(article_id);";

    /// Rows of "a" and "b" (and of an article not stored), as version 5 wrote them.
    const ROWS_OF_VERSION_5: &str = "
        INSERT INTO quotes (article_id, text, byte_start, byte_end, sentence) VALUES
            ('b', 'No.', 0, 3, 0), ('gone', 'Never.', 0, 6, 0), ('a', 'We hold.', 0, 8, 0);
        INSERT INTO coded_events (article_id, sentence_index, sentence_start, sentence, event_type,
            trigger_text, actors, targets) VALUES
            ('gone', 0, 0, '', 'SUPPORT', 'backed', '[]', '[]'),
            ('b', 0, 0, '', 'SUPPORT', 'backed', '[]', '[]'),
            ('a', 0, 0, '', 'SUPPORT', 'backed', '[]', '[]');
        INSERT INTO date_mentions (article_id, text, byte_start, byte_end, relative) VALUES
            ('gone', 'today', 0, 5, 1), ('b', 'yesterday', 0, 9, 1);
        UPDATE meta SET value = 5 WHERE key = 'schema_version';";

    fn store_two_articles(store: &mut Store) {
        let batch = store.batch().unwrap();
        let event = batch.create_event(&[], 0).unwrap();
        add(&batch, "a", "2020-01-01T00:00:00+00:00", event);
        add(&batch, "b", "2020-01-02T00:00:00+00:00", event);
        batch.commit().unwrap();
    }

    /// The same on PostgreSQL (whose version 4 had an index on entity and rowid).
    #[test]
    fn a_version_4_postgres_store_keys_mentions_by_article_number() {
        let Some(database) = crate::testing::postgres_database() else { return };
        {
            let mut store = Store::open_postgres(database.url()).unwrap();
            store_two_articles(&mut store);
            store
                .conn
                .execute_batch(
                    "DROP TABLE mentions;
                     CREATE TABLE mentions (
                         rowid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                         article_id TEXT NOT NULL, entity_id BIGINT, text TEXT NOT NULL, kind TEXT NOT NULL,
                         byte_start BIGINT NOT NULL, byte_end BIGINT NOT NULL, sentence BIGINT NOT NULL, role TEXT
                     );
                     CREATE INDEX mentions_article ON mentions(article_id);
                     CREATE INDEX mentions_entity ON mentions(entity_id, rowid);
                     CREATE INDEX mentions_entity_article ON mentions(entity_id, article_id);",
                )
                .unwrap();
            store.conn.execute_batch(MENTIONS_OF_VERSION_4).unwrap();
        }
        let mut store = Store::open_postgres(database.url()).unwrap();
        mentions_read_as_before(&mut store);
    }
}
