//! The OpenAPI 3.1 document of the API, written by hand next to the routes it describes. The
//! tests check that it names exactly the routes the router serves.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::api::{DEFAULT_LIMIT, MAX_ID_CHARS, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS};
use crate::AppState;

pub async fn serve(State(state): State<AppState>) -> Json<Value> {
    Json(openapi_document(state.inner.backend.has_coverage()))
}

fn param(name: &str, location: &str, schema: Value, description: &str, required: bool) -> Value {
    json!({ "name": name, "in": location, "required": required, "description": description, "schema": schema })
}

fn page_params() -> Vec<Value> {
    vec![
        param(
            "limit",
            "query",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
            "Items per page.",
            false,
        ),
        param(
            "offset",
            "query",
            json!({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
            "Items to skip.",
            false,
        ),
    ]
}

/// A stored number (event, storyline, entity): a signed 64-bit integer.
fn number_schema() -> Value {
    json!({"type": "integer", "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX})
}

/// A day (`2020-08-01`) or an RFC 3339 instant, as the date filters take them.
fn day_or_instant() -> Value {
    json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn paged(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": { "type": "array", "items": schema_ref(item) },
            "total": { "type": "integer" },
            "limit": { "type": "integer" },
            "offset": { "type": "integer" },
            "next_offset": { "type": "integer", "description": "Absent on the last page." }
        }
    })
}

fn get_op(summary: &str, params: Vec<Value>, response: Value, errors: &[(&str, &str)]) -> Value {
    let mut responses =
        json!({ "200": response, "304": { "description": "Not modified (the If-None-Match ETag matches)." } });
    for (status, description) in errors {
        responses[*status] = error(description);
    }
    json!({ "summary": summary, "parameters": params, "responses": with_guard_errors(responses) })
}

/// What any request may meet before its handler: a refused host or cross-site write (403), and
/// the deadline (503).
fn with_guard_errors(mut responses: Value) -> Value {
    responses["403"] = error("Refused: a host name this server does not answer to, or a write from another site.");
    responses["503"] = error("The request ran past the server's deadline, the server does not ingest, or the article stream did not take the article.");
    responses
}

/// The document; `coverage` says whether the coverage endpoint is served.
pub fn openapi_document(coverage: bool) -> Value {
    let id = |what: &str| param("id", "path", json!({"type": "string"}), what, true);
    let num = |what: &str| param("id", "path", number_schema(), what, true);
    let mut article_params = page_params();
    article_params.extend([
        param("language", "query", json!({"type": "string"}), "ISO 639-1 language code, e.g. en.", false),
        param("outlet", "query", json!({"type": "string"}), "Exact outlet name.", false),
        param("from", "query", day_or_instant(), "Published at or after (YYYY-MM-DD or RFC 3339).", false),
        param("to", "query", day_or_instant(), "Published before (YYYY-MM-DD or RFC 3339).", false),
        param("event", "query", number_schema(), "Only articles of this event.", false),
    ]);
    let mut duplicate_params = page_params();
    duplicate_params.push(param(
        "kind",
        "query",
        json!({"type": "string", "enum": ["exact", "near_duplicate", "republication"]}),
        "Only relations of this kind.",
        false,
    ));
    let mut search_params = vec![param(
        "q",
        "query",
        // At least one character that is not a space: the words are trimmed.
        json!({"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS, "pattern": "\\S"}),
        "Words to find (all must match; \"quotes\" for phrases).",
        true,
    )];
    search_params.extend(page_params());

    let mut paths = json!({
        "/api/stats": { "get": get_op("Counts of what the store holds.", vec![], ok("Counts.", schema_ref("Stats")), &[]) },
        "/api/articles": {
            "get": get_op("Articles, newest first, with filters.", article_params, ok("A page of articles.", paged("ArticleSummary")), &[("400", "Bad query parameters.")]),
            "post": {
                "summary": "Ingest one article with the command line's rules (dedup, events); on a server started with `--publish-to`, publish it to the article stream instead (202).",
                "parameters": [
                    param("url", "query", json!({"type": "string"}), "The page's address, for HTML or plain text bodies.", false),
                    param("id", "query", json!({"type": "string", "maxLength": MAX_ID_CHARS}), "An explicit id, for HTML or plain text bodies.", false)
                ],
                "requestBody": {
                    "required": true,
                    "content": {
                        "application/json": { "schema": schema_ref("ArticleInput") },
                        // Any bytes: a page, decoded by its charset. (A string schema would have
                        // tools send `null` as an invalid page: on the wire it is a valid one.)
                        "text/html": { "schema": {}, "description": "An HTML page." },
                        "text/plain": { "schema": { "type": "string" } }
                    }
                },
                "responses": with_guard_errors(json!({
                    "201": ok("Stored.", schema_ref("IngestOutcome")),
                    "200": ok("Already stored with the same text.", schema_ref("IngestOutcome")),
                    "202": ok("Published to the article stream (a server started with `--publish-to`): stored later by `storyline consume`.", schema_ref("PublishOutcome")),
                    "400": error("Malformed JSON or bad query parameters."),
                    "409": error("An article with this id and another text is stored."),
                    "413": error("The body is larger than 5 MB."),
                    "401": error("This server needs a write token (Authorization: Bearer), and none or a wrong one was sent."),
                    "415": error("Unsupported content type."),
                    "422": error("Not an article: a missing or mistyped field, no text (empty, or only web clutter), an id longer than 200 characters.")
                }))
            }
        },
        "/api/articles/{id}": { "get": get_op("One article: text, metadata, removed clutter, duplicate relations.", vec![id("Article id.")], ok("The article.", schema_ref("ArticleDetail")), &[("404", "No such article.")]) },
        "/api/articles/{id}/duplicates": { "get": get_op("Duplicate relations of one article.", vec![id("Article id.")], ok("Relations.", json!({"type": "object", "properties": {"article": {"type": "string"}, "duplicates": {"type": "array", "items": schema_ref("DuplicateRelation")}}})), &[("404", "No such article.")]) },
        "/api/duplicates": { "get": get_op("Duplicate relations, strongest first.", duplicate_params, ok("A page of relations.", paged("DuplicateRelation")), &[("400", "Bad query parameters.")]) },
        "/api/events": { "get": get_op("Events, most recently active first.", page_params(), ok("A page of events.", paged("EventSummary")), &[("400", "Bad query parameters.")]) },
        "/api/events/{id}": { "get": get_op("One event with its articles (copies name their original) and its storyline: the storyline's counts and dates, with the events nearest this one in time (up to five either side; `timeline_offset` is the first's place on the whole storyline, paged at /api/storylines/{id}).", vec![num("Event number.")], ok("The event.", schema_ref("EventDetail")), &[("400", "Not a number."), ("404", "No such event.")]) },
        "/api/storylines": { "get": get_op("Storylines (events linked over time), most recently active first, each with its counts, dates and the first five events of its timeline.", page_params(), ok("A page of storylines.", json!({"type": "object", "properties": {"items": {"type": "array", "items": schema_ref("Storyline")}, "limit": {"type": "integer"}, "offset": {"type": "integer"}, "next_offset": {"type": ["integer", "null"]}}})), &[("400", "Bad query parameters.")]) },
        "/api/storylines/{id}": { "get": get_op("One storyline with a page of its timeline (`limit` events from the `offset`-th, in time order) and, where the server has a summariser, what happened on the storyline's most reported days, read from its most reported events (each sentence with its article and event).", [vec![num("Storyline number.")], page_params()].concat(), ok("The storyline.", json!({ "allOf": [ schema_ref("Storyline"), { "type": "object", "properties": { "next_offset": { "description": "The offset of the timeline's next page; null on the last.", "type": ["integer", "null"] }, "summary": { "type": "array", "items": { "type": "object", "properties": { "date": {"type": "string"}, "sentences": { "type": "array", "items": { "type": "object", "properties": { "text": {"type": "string"}, "article": {"type": "string"}, "event": {"type": "integer"} } } } } } } } } ] })), &[("400", "Not a number, or bad query parameters."), ("404", "No such storyline.")]) },
        "/api/search": { "get": get_op("Full-text search over articles, with the matches highlighted.", search_params, ok("Matching articles, best first.", schema_ref("SearchResults")), &[("400", "Missing or bad query.")]) }
    });
    let entity_params = vec![
        param(
            "type",
            "query",
            json!({"type": "string", "enum": ["PERSON", "PER", "ORG", "LOC", "GPE", "MISC"]}),
            "Only entities of this type.",
            false,
        ),
        param("event", "query", number_schema(), "Only entities mentioned in this event's articles.", false),
        param(
            "limit",
            "query",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
            "At most this many (default 20).",
            false,
        ),
    ];
    let mut coded_params = vec![
        param(
            "actor",
            "query",
            json!({"type": "string"}),
            "An actor's or target's text contains this, or its country code is this.",
            false,
        ),
        param("type", "query", json!({"type": "string"}), "PLOVER event type, e.g. AGREE.", false),
        param(
            "since",
            "query",
            day_or_instant(),
            "Dated (or, undated, published) on or after this day (YYYY-MM-DD or RFC 3339).",
            false,
        ),
    ];
    coded_params.extend(page_params());
    let items = json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}});
    paths["/api/entities"] = json!({ "get": get_op("Entities (people, organisations, places), named in the most articles first, with their aliases.", entity_params, ok("Entities.", items.clone()), &[("400", "Bad query parameters.")]) });
    paths["/api/entities/{id}"] = json!({ "get": get_op("One entity: aliases, roles, disputed facts, counts, and its first 100 articles (`article_count` counts them all) with their mentions of it, its first 50 quotes, and the places those articles mention, for a map.", vec![num("Entity number.")], ok("The entity.", json!({"type": "object"})), &[("400", "Not a number."), ("404", "No such entity.")]) });
    paths["/api/events/{id}/entities"] = json!({ "get": get_op("The entities of one event's articles.", vec![num("Event number.")], ok("Entities.", items.clone()), &[("400", "Not a number."), ("404", "No such event.")]) });
    paths["/api/articles/{id}/entities"] = json!({ "get": get_op("One article's entities, mentions with spans, and quotes with speakers.", vec![id("Article id.")], ok("Entities, mentions, quotes.", json!({"type": "object"})), &[("404", "No such article.")]) });
    paths["/api/map/countries"] = json!({ "get": get_op("Country outlines for maps drawn without a tile server (Natural Earth 1:50m): an array of {name, path}, the path SVG path data with x = longitude + 180 and y = 90 - latitude, in degrees.", vec![], ok("The outlines.", json!({ "type": "array", "items": { "type": "object", "properties": { "name": { "type": "string" }, "path": { "type": "string" } } } })), &[("404", "The outlines are not installed.")]) });
    paths["/api/coded-events"] = json!({ "get": get_op("Coded events (who did what to whom, PLOVER types), each pointing at its article and sentence.", coded_params, ok("A page of coded events.", paged("CodedEvent")), &[("400", "Bad query parameters.")]) });
    if coverage {
        paths["/api/events/{id}/coverage"] = json!({ "get": get_op("How outlets covered an event: shared facts, facts one outlet alone reports, disagreements, a summary.", vec![num("Event number.")], ok("The coverage comparison.", json!({"type": "object"})), &[("400", "Not a number."), ("404", "No such event.")]) });
    }

    let nullable_string = json!({"type": ["string", "null"]});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "storyline",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "News articles grouped into events and storylines, with duplicates and republications found. Every error answers {\"error\": {\"code\", \"message\"}}. Successful GETs carry a strong ETag; send it back in If-None-Match for a 304."
        },
        "paths": paths,
        "components": { "schemas": {
            "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": {"type": "string"}, "message": {"type": "string"} } } } },
            "CodedEvent": { "type": "object", "required": ["article", "sentence", "event_type", "actors", "targets"], "properties": { "id": {"type": "integer"}, "article": {"type": "string"}, "url": nullable_string.clone(), "sentence_index": {"type": "integer"}, "sentence": {"type": "string"}, "event_type": {"type": "string", "description": "PLOVER type."}, "trigger": {"type": "string"}, "actors": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"}, "code": nullable_string.clone()}}}, "targets": {"type": "array", "items": {"type": "object"}}, "location": {"type": ["object", "null"]}, "date_start": nullable_string.clone(), "date_end": nullable_string.clone(), "date_granularity": nullable_string.clone(), "date_text": nullable_string.clone(), "published": nullable_string.clone() } },
            "Stats": { "type": "object", "properties": { "articles": {"type": "integer"}, "events": {"type": "integer"}, "duplicates": {"type": "integer", "description": "Duplicate relations."}, "copies": {"type": "integer", "description": "Articles that copy another."}, "search_indexed_through": {"type": "integer"} } },
            "ArticleInput": { "type": "object", "required": ["text"], "properties": {
                "id": { "anyOf": [ {"type": "string", "maxLength": MAX_ID_CHARS}, {"type": "integer", "minimum": i64::MIN, "maximum": u64::MAX}, {"type": "null"} ], "description": "Absent, null or blank: an id is made from the URL or the text." },
                "url": nullable_string.clone(), "title": nullable_string.clone(),
                "text": {"type": "string", "minLength": 1, "pattern": "\\S", "description": "The article's text; refused (422) when nothing but web clutter is left."},
                "published": nullable_string.clone(), "source": { "type": ["string", "null"], "description": "The outlet." }, "lang": nullable_string.clone(), "author": nullable_string.clone() } },
            "PublishOutcome": { "type": "object", "properties": { "ids": {"type": "array", "items": {"type": "string"}}, "status": {"type": "string", "enum": ["published", "already published"]} } },
            "IngestOutcome": { "type": "object", "properties": { "id": {"type": "string"}, "status": {"type": "string", "enum": ["created", "unchanged"]}, "event": {"type": "integer"}, "duplicate_of": { "type": ["object", "null"], "properties": { "original": {"type": "string"}, "kind": {"type": "string"} } }, "duplicates": {"type": "array", "items": schema_ref("DuplicateRelation")}, "url": {"type": "string"} } },
            "ArticleSummary": { "type": "object", "properties": { "id": {"type": "string"}, "title": nullable_string, "url": nullable_string, "outlet": nullable_string, "published": nullable_string, "language": nullable_string, "event": {"type": "integer"}, "excerpt": {"type": "string"} } },
            "ArticleDetail": { "type": "object", "properties": { "id": {"type": "string"}, "url": nullable_string, "title": nullable_string, "text": {"type": "string"}, "outlet": nullable_string, "author": nullable_string, "published": nullable_string, "language": { "type": ["object", "null"] }, "source": {"type": "object"}, "removed": {"type": "array", "items": {"type": "object"}}, "event": {"type": "integer"}, "ingested_at": {"type": "string"}, "duplicates": {"type": "array", "items": schema_ref("DuplicateRelation")} } },
            "DuplicateRelation": { "type": "object", "properties": { "original": {"type": "string"}, "copy": {"type": "string"}, "kind": {"type": "string", "enum": ["exact", "near_duplicate", "republication"]}, "score": {"type": "number"}, "evidence": {"type": "object"} } },
            "EventSummary": { "type": "object", "properties": { "id": {"type": "integer"}, "title": {"type": "string"}, "first_published": nullable_string, "last_published": nullable_string, "article_count": {"type": "integer"}, "outlets": {"type": "array", "items": {"type": "string"}}, "languages": {"type": "array", "items": {"type": "string"}}, "articles": {"type": "array", "items": {"type": "string"}} } },
            "EventDetail": { "allOf": [ schema_ref("EventSummary"), { "type": "object", "properties": { "members": { "type": "array", "items": { "type": "object", "properties": { "id": {"type": "string"}, "title": nullable_string, "outlet": nullable_string, "published": nullable_string, "language": nullable_string, "copy_of": { "description": "[original id, kind] when this article is a copy", "type": ["array", "null"] } } } }, "storyline": { "oneOf": [ schema_ref("Storyline"), {"type": "null"} ] } } } ] },
            "Storyline": { "type": "object", "properties": { "id": {"type": "integer"}, "title": {"type": "string"}, "event_count": { "description": "Events on the whole storyline.", "type": "integer" }, "first_published": nullable_string, "last_published": nullable_string, "timeline_offset": { "description": "The place of the timeline's first event on the whole storyline, in time order.", "type": "integer" }, "timeline": { "description": "A part of the storyline's events, in time order.", "type": "array", "items": schema_ref("EventSummary") } } },
            "Segment": { "type": "object", "properties": { "text": {"type": "string"}, "mark": {"type": "boolean"} } },
            "SearchResults": { "type": "object", "properties": { "query": {"type": "string"}, "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}, "next_offset": {"type": ["integer", "null"]}, "items": { "type": "array", "items": { "type": "object", "properties": { "id": {"type": "string"}, "event": {"type": "integer"}, "title": nullable_string, "outlet": nullable_string, "language": nullable_string, "published": nullable_string, "score": {"type": "number"}, "title_highlight": {"type": "array", "items": schema_ref("Segment")}, "snippet": {"type": "array", "items": schema_ref("Segment")} } } } } }
        } }
    })
}
