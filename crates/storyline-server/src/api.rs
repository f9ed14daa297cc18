//! The JSON API under `/api/`: handlers, their query parameters, and the list of routes the
//! OpenAPI document must describe.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use storyline_model::{Article, DuplicateKind, EntityType, SourceFormat};
use storyline_store::{ArticleFilter, CodedEventFilter, EntityFilter, Page};

use crate::coverage::EventVersion;
use crate::error::{code_for, ApiError};
use crate::AppState;

/// Items per page when the client does not say, and the most it may ask for.
pub(crate) const DEFAULT_LIMIT: usize = 20;
pub(crate) const MAX_LIMIT: usize = 100;
/// The furthest a listing may be paged: no store holds this many items, and with it every
/// `offset + limit` sum (and its conversion to SQLite's signed integers) stays exact.
pub(crate) const MAX_OFFSET: usize = 1_000_000_000;
/// An event's page shows this many events of its storyline either side of it (the storyline
/// itself is paged): a storyline can hold thousands.
pub(crate) const EVENT_TIMELINE_RADIUS: usize = 5;
/// A storyline listing shows this many events of each storyline's timeline (the first ones),
/// beside its counts and dates.
pub(crate) const LISTED_TIMELINE_EVENTS: usize = 5;
/// Longest search query accepted.
pub(crate) const MAX_QUERY_CHARS: usize = 500;
/// Longest article id accepted.
pub(crate) const MAX_ID_CHARS: usize = 200;

/// Every API route as (method, OpenAPI path), given what the backend offers. The router and the
/// OpenAPI document are both checked against this list by the tests.
pub fn api_routes(backend: &dyn crate::Backend) -> Vec<(&'static str, &'static str)> {
    let mut routes = vec![
        ("get", "/api/stats"),
        ("get", "/api/articles"),
        ("post", "/api/articles"),
        ("get", "/api/articles/{id}"),
        ("get", "/api/articles/{id}/duplicates"),
        ("get", "/api/duplicates"),
        ("get", "/api/events"),
        ("get", "/api/events/{id}"),
        ("get", "/api/storylines"),
        ("get", "/api/storylines/{id}"),
        ("get", "/api/search"),
        ("get", "/api/entities"),
        ("get", "/api/entities/{id}"),
        ("get", "/api/events/{id}/entities"),
        ("get", "/api/articles/{id}/entities"),
        ("get", "/api/coded-events"),
        ("get", "/api/map/countries"),
    ];
    if backend.has_coverage() {
        routes.push(("get", "/api/events/{id}/coverage"));
    }
    routes
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new()
        .route("/api/stats", get(stats))
        .route("/api/articles", get(list_articles).post(post_article))
        .route("/api/articles/{id}", get(get_article))
        .route("/api/articles/{id}/duplicates", get(article_duplicates))
        .route("/api/duplicates", get(list_duplicates))
        .route("/api/events", get(list_events))
        .route("/api/events/{id}", get(get_event))
        .route("/api/storylines", get(list_storylines))
        .route("/api/storylines/{id}", get(get_storyline))
        .route("/api/search", get(search))
        .route("/api/entities", get(list_entities))
        .route("/api/entities/{id}", get(get_entity))
        .route("/api/events/{id}/entities", get(event_entities))
        .route("/api/articles/{id}/entities", get(article_entities))
        .route("/api/coded-events", get(list_coded_events))
        .route("/api/map/countries", get(country_outlines));
    if state.inner.backend.has_coverage() {
        router = router.route("/api/events/{id}/coverage", get(event_coverage));
    }
    router
}

/// Anything no route matched.
pub async fn no_route(uri: Uri) -> ApiError {
    ApiError::not_found(format!("nothing at {}", uri.path()))
}

type ApiResult<T> = Result<T, ApiError>;

fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(q)| q).map_err(|rejection| ApiError::bad_query(rejection.body_text()))
}

fn event_id(path: Result<Path<String>, PathRejection>) -> ApiResult<i64> {
    let Path(raw) = path.map_err(|rejection| ApiError::bad_query(rejection.body_text()))?;
    raw.parse().map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "bad_path", format!("{raw:?} is not a number")))
}

fn text_id(path: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    path.map(|Path(id)| id).map_err(|rejection| ApiError::bad_query(rejection.body_text()))
}

/// `limit` and `offset` of a listing.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    limit: Option<usize>,
    offset: Option<usize>,
}

fn page_bounds(limit: Option<usize>, offset: Option<usize>) -> ApiResult<(usize, usize)> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_query(format!("limit must be between 1 and {MAX_LIMIT}, got {limit}")));
    }
    let offset = offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::bad_query(format!("offset must be at most {MAX_OFFSET}, got {offset}")));
    }
    Ok((limit, offset))
}

/// A page of a listing as the API answers it.
#[derive(Debug, Serialize)]
pub struct Paged<T> {
    items: Vec<T>,
    total: u64,
    limit: usize,
    offset: usize,
    /// The offset of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_offset: Option<usize>,
}

fn paged<T>(page: Page<T>, limit: usize, offset: usize) -> Paged<T> {
    let next = offset + page.items.len();
    Paged {
        next_offset: (next < page.total as usize && !page.items.is_empty()).then_some(next),
        items: page.items,
        total: page.total,
        limit,
        offset,
    }
}

/// The country outlines the page draws maps on; the same bytes every time, so clients keep them
/// by their ETag.
async fn country_outlines(State(state): State<AppState>) -> ApiResult<Response> {
    let Some(outlines) = state.inner.backend.country_outlines() else {
        return Err(ApiError::not_found(
            "country outlines are not installed: run scripts/setup.sh (its step 15-world-map.sh)",
        ));
    };
    let mut response = outlines.as_str().to_owned().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

async fn stats(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state
        .read(|inner, store| {
            let stats = store.stats()?;
            Ok(Json(json!({
                "articles": stats.articles,
                "events": stats.events,
                "duplicates": stats.duplicates,
                "copies": stats.copies,
                "search_indexed_through": inner.search.watermark(),
                // Which optional parts this server offers, for the web page.
                "features": {
                    "ingest": inner.backend.can_ingest() || inner.backend.publishes(),
                    "publishes": inner.backend.publishes(),
                    "coverage": inner.backend.has_coverage(),
                    "entities": true,
                },
            })))
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticlesQuery {
    limit: Option<usize>,
    offset: Option<usize>,
    language: Option<String>,
    outlet: Option<String>,
    /// Published at or after: a date (`2020-08-01`) or an RFC 3339 instant.
    from: Option<String>,
    /// Published before: a date or an RFC 3339 instant.
    to: Option<String>,
    event: Option<i64>,
}

fn instant(name: &str, value: &str) -> ApiResult<DateTime<Utc>> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        return Ok(instant.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| ApiError::bad_query(format!("`{name}` must be a date (YYYY-MM-DD) or an RFC 3339 instant")))
}

async fn list_articles(
    State(state): State<AppState>,
    q: Result<Query<ArticlesQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<storyline_store::ArticleSummary>>> {
    let q = query(q)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let filter = ArticleFilter {
        language: q.language.filter(|s| !s.is_empty()),
        outlet: q.outlet.filter(|s| !s.is_empty()),
        from: q.from.as_deref().map(|v| instant("from", v)).transpose()?,
        to: q.to.as_deref().map(|v| instant("to", v)).transpose()?,
        event: q.event,
    };
    state.read(move |_, store| Ok(Json(paged(store.articles_page(&filter, limit, offset)?, limit, offset)))).await
}

async fn get_article(State(state): State<AppState>, id: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let id = text_id(id)?;
    state
        .read(move |_, store| match store.article(&id)? {
            Some(detail) => Ok(Json(detail).into_response()),
            None => Err(ApiError::not_found(format!("no article with id {id:?}"))),
        })
        .await
}

async fn article_duplicates(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let id = text_id(id)?;
    state
        .read(move |_, store| match store.article(&id)? {
            Some(detail) => Ok(Json(json!({ "article": id, "duplicates": detail.duplicates })).into_response()),
            None => Err(ApiError::not_found(format!("no article with id {id:?}"))),
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicatesQuery {
    limit: Option<usize>,
    offset: Option<usize>,
    kind: Option<String>,
}

async fn list_duplicates(
    State(state): State<AppState>,
    q: Result<Query<DuplicatesQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<storyline_model::DuplicateRelation>>> {
    let q = query(q)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(DuplicateKind::parse(k).ok_or_else(|| {
            ApiError::bad_query(format!("`kind` must be exact, near_duplicate or republication, got {k:?}"))
        })?),
    };
    state
        .read(move |_, store| {
            let all = store.duplicates(kind)?;
            let total = all.len() as u64;
            let items = all.into_iter().skip(offset).take(limit).collect();
            Ok(Json(paged(Page { items, total }, limit, offset)))
        })
        .await
}

async fn list_events(
    State(state): State<AppState>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<storyline_store::EventSummary>>> {
    let q = query(q)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    state.read(move |_, store| Ok(Json(paged(store.events_page(limit, offset)?, limit, offset)))).await
}

async fn get_event(State(state): State<AppState>, id: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let id = event_id(id)?;
    state
        .read(move |_, store| {
            let Some(detail) = store.event_detail(id)? else {
                return Err(ApiError::not_found(format!("no event {id}")));
            };
            let storyline = store.storyline_around(id, EVENT_TIMELINE_RADIUS)?;
            let mut body = serde_json::to_value(&detail).map_err(ApiError::internal)?;
            body["storyline"] = serde_json::to_value(&storyline).map_err(ApiError::internal)?;
            Ok(Json(body).into_response())
        })
        .await
}

/// How outlets covered an event: computed once per version of the event (see `coverage.rs`),
/// on the views connection, one at a time, so a large event never holds the readers.
async fn event_coverage(State(state): State<AppState>, id: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let id = event_id(id)?;
    let version = state.read(move |_, store| EventVersion::read(store, id)).await?;
    if let Some(json) = version.and_then(|version| state.inner.coverage.get(version)) {
        return Ok(json_bytes(json));
    }
    // Waiting for the views connection is asynchronous: a request that gives up stops waiting
    // and computes nothing. One that started computing finishes, and its result is kept.
    let views = state.inner.views.clone().lock_owned().await;
    let inner = state.inner.clone();
    let json = tokio::task::spawn_blocking(move || -> ApiResult<Option<Bytes>> {
        let version = EventVersion::read(&views, id)?;
        if let Some(json) = version.and_then(|version| inner.coverage.get(version)) {
            // Computed by the request this one waited behind.
            return Ok(Some(json));
        }
        let Some(coverage) = inner.backend.coverage(&views, id).map_err(ApiError::internal)? else {
            return Ok(None);
        };
        let json = Bytes::from(serde_json::to_vec(&coverage).map_err(ApiError::internal)?);
        if let Some(version) = version {
            inner.coverage.put(version, json.clone());
        }
        Ok(Some(json))
    })
    .await??;
    json.map(json_bytes).ok_or_else(|| ApiError::not_found(format!("no event {id}")))
}

/// A response of JSON already serialised.
fn json_bytes(json: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], Body::from(json)).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    event: Option<i64>,
    limit: Option<usize>,
}

fn entity_filter(kind: Option<&str>, event: Option<i64>, limit: Option<usize>) -> ApiResult<EntityFilter> {
    let kind =
        match kind {
            Some(raw) => Some(EntityType::parse(raw).ok_or_else(|| {
                ApiError::bad_query(format!("type must be PERSON, ORG, LOC, GPE or MISC, got {raw:?}"))
            })?),
            None => None,
        };
    let (limit, _) = page_bounds(limit, None)?;
    Ok(EntityFilter { kind, event, limit: Some(limit) })
}

/// Entities (people, organisations, places), named in the most articles first.
async fn list_entities(
    State(state): State<AppState>,
    q: Result<Query<EntityQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let filter = entity_filter(q.kind.as_deref(), q.event, q.limit)?;
    state.read(move |_, store| Ok(Json(json!({ "items": store.entities(&filter)? })))).await
}

/// One entity: aliases, roles, disputed facts, its first articles with their mentions, quotes,
/// places for a map (bounded by the store: `Store::entity_detail`).
async fn get_entity(State(state): State<AppState>, id: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let id = event_id(id)?;
    state
        .read(move |_, store| match store.entity_detail(id)? {
            Some(detail) => Ok(Json(detail).into_response()),
            None => Err(ApiError::not_found(format!("no entity {id}"))),
        })
        .await
}

/// The entities of one event's articles.
async fn event_entities(State(state): State<AppState>, id: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let id = event_id(id)?;
    let filter = entity_filter(None, Some(id), Some(MAX_LIMIT))?;
    state
        .read(move |_, store| match store.event_exists(id)? {
            true => Ok(Json(json!({ "event": id, "items": store.entities(&filter)? })).into_response()),
            false => Err(ApiError::not_found(format!("no event {id}"))),
        })
        .await
}

/// One article's entities, mentions (with spans) and quotes (with speakers).
async fn article_entities(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let id = text_id(id)?;
    state
        .read(move |_, store| match store.article_exists(&id)? {
            true => Ok(Json(store.article_entities(&id)?).into_response()),
            false => Err(ApiError::not_found(format!("no article with id {id:?}"))),
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodedEventQuery {
    actor: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    since: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// Coded events (who did what to whom, PLOVER types), each pointing at its article and sentence.
async fn list_coded_events(
    State(state): State<AppState>,
    q: Result<Query<CodedEventQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<storyline_store::StoredCodedEvent>>> {
    let q = query(q)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let since = q.since.map(|s| instant("since", &s).map(|d| d.format("%Y-%m-%d").to_string())).transpose()?;
    let filter = CodedEventFilter { actor: q.actor, event_type: q.event_type.map(|t| t.to_ascii_uppercase()), since };
    state
        .read(move |_, store| {
            let all = store.coded_events(&filter)?;
            let total = all.len() as u64;
            let items = all.into_iter().skip(offset).take(limit).collect();
            Ok(Json(paged(Page { items, total }, limit, offset)))
        })
        .await
}

async fn list_storylines(
    State(state): State<AppState>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    state
        .read(move |_, store| {
            // One more than asked tells whether another page follows.
            let mut ids = store.recent_storylines(offset, limit + 1)?;
            let more = ids.len() > limit;
            ids.truncate(limit);
            let mut items = Vec::with_capacity(ids.len());
            for id in ids {
                items.extend(store.storyline_page(id, 0, LISTED_TIMELINE_EVENTS)?);
            }
            let next = more.then_some(offset + items.len());
            Ok(Json(json!({ "items": items, "limit": limit, "offset": offset, "next_offset": next })))
        })
        .await
}

/// One storyline with a page of its timeline (`limit` events from the `offset`-th in time
/// order), and the backend's summary of the whole storyline where it has one.
async fn get_storyline(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let id = event_id(id)?;
    let q = query(q)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    state
        .read(move |inner, store| {
            let Some(storyline) = store.storyline_page(id, offset, limit)? else {
                return Err(ApiError::not_found(format!("no storyline {id}")));
            };
            let mut body = serde_json::to_value(&storyline).map_err(ApiError::internal)?;
            let next = storyline.timeline_offset + storyline.timeline.len();
            body["next_offset"] = json!((next < storyline.event_count).then_some(next));
            if let Some(summary) = inner.backend.storyline_summary(store, id).map_err(ApiError::internal)? {
                body["summary"] = summary;
            }
            Ok(Json(body).into_response())
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    q: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

async fn search(
    State(state): State<AppState>,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let raw = q.q.unwrap_or_default();
    // Counted before trimming, as the OpenAPI document's maxLength counts.
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_query(format!("`q` is longer than {MAX_QUERY_CHARS} characters")));
    }
    let text = raw.trim().to_string();
    if text.is_empty() {
        return Err(ApiError::bad_query("`q` (the words to search for) is required"));
    }
    state
        .read(move |inner, store| {
            inner.sync_search(store)?;
            let results = inner.search.search(&text, limit, offset)?;
            let next = offset + results.hits.len();
            let next_offset = (next < results.total && !results.hits.is_empty()).then_some(next);
            Ok(Json(json!({
                "query": text,
                "total": results.total,
                "limit": limit,
                "offset": offset,
                "next_offset": next_offset,
                "items": results.hits,
            })))
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestQuery {
    /// The page's address (HTML and plain text bodies): gives the article its stable id.
    url: Option<String>,
    /// An explicit id (HTML and plain text bodies).
    id: Option<String>,
}

/// `POST /api/articles`: a JSON object with the JSON Lines fields, or a raw HTML page
/// (`Content-Type: text/html`, `?url=`), or plain text; stored with the CLI's rules, or
/// published to the article stream when the server was started with one.
async fn post_article(
    State(state): State<AppState>,
    q: Result<Query<IngestQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    // Checked whatever the body: the document bounds the parameter, not only its use.
    if q.id.as_deref().is_some_and(|id| id.chars().count() > MAX_ID_CHARS) {
        return Err(ApiError::bad_query(format!("`id` is longer than {MAX_ID_CHARS} characters")));
    }
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the body is larger than {} bytes", crate::MAX_BODY_BYTES)
        } else {
            rejection.body_text()
        };
        ApiError::new(status, code_for(status), message)
    })?;
    let publishes = state.inner.backend.publishes();
    if !publishes && !state.inner.backend.can_ingest() {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "read_only", "this server does not ingest"));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    // Parsing a page is CPU work that hostile input can make long: never on an async worker.
    let article = state.compute(move || parse_body(&body, &content_type, &q)).await?;
    let id = article.id.clone();

    if publishes {
        // To the article stream: stored later by its consumer, so nothing to say yet about the
        // article's event or duplicates. Publishing waits for the NATS server: off the async
        // workers too.
        let inner = state.inner.clone();
        let counts = state
            .compute(move || {
                inner.backend.publish(vec![article]).map_err(|error| ApiError::stream_unavailable(&*error))
            })
            .await?;
        let body = json!({
            "ids": [id],
            "status": if counts.new > 0 { "published" } else { "already published" },
        });
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    }

    state
        .write(move |inner, store| {
            let counts = inner.backend.ingest(store, vec![article]).map_err(ApiError::internal)?;
            if let Some(skipped) = counts.skipped.first() {
                return Err(ApiError::new(StatusCode::CONFLICT, "conflict", skipped.reason.clone()));
            }
            inner.sync_search(store)?;
            let detail =
                store.article(&id)?.ok_or_else(|| ApiError::internal(format!("article {id} vanished after ingest")))?;
            let status = if counts.new > 0 { StatusCode::CREATED } else { StatusCode::OK };
            let duplicate_of = detail
                .duplicates
                .iter()
                .find(|d| d.copy == id)
                .map(|d| json!({ "original": d.original, "kind": d.kind }));
            let location = format!("/api/articles/{}", percent_encode(&id));
            let body = json!({
                "id": id,
                "status": if counts.new > 0 { "created" } else { "unchanged" },
                "event": detail.event,
                "duplicate_of": duplicate_of,
                "duplicates": detail.duplicates,
                "url": location,
            });
            Ok((status, [(header::LOCATION, location)], Json(body)).into_response())
        })
        .await
}

fn parse_body(body: &[u8], content_type: &str, q: &IngestQuery) -> ApiResult<Article> {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let invalid = |message: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_article", message);
    let mut article = match essence.as_str() {
        "application/json" | "" => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("invalid JSON: {e}")))?;
            if !value.is_object() {
                return Err(invalid("the body must be a JSON object with at least a `text` field".into()));
            }
            // from_slice accepted it, so it is UTF-8.
            let line = String::from_utf8_lossy(body);
            storyline_ingest::parse_jsonl_line(&line).map_err(invalid)?
        }
        "text/html" | "application/xhtml+xml" | "text/plain" => {
            let decoded =
                storyline_ingest::decode_http(body, Some(content_type)).map_err(|e| invalid(e.to_string()))?;
            let url = q.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
            let provisional = q.id.clone().unwrap_or_default();
            let mut article = if essence == "text/plain" {
                storyline_ingest::parse_text(&provisional, &decoded.text)
            } else {
                storyline_ingest::parse_html(&provisional, &decoded.text, url)
            }
            .map_err(invalid)?;
            article.url = article.url.or_else(|| url.map(str::to_string));
            if q.id.as_deref().is_none_or(|id| id.trim().is_empty()) {
                article.id = storyline_ingest::stable_id(url, &article.text);
            }
            article.source.format = if essence == "text/plain" { SourceFormat::Text } else { SourceFormat::Html };
            article
        }
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("cannot ingest {other:?}: send application/json, text/html or text/plain"),
            ))
        }
    };
    if article.id.chars().count() > MAX_ID_CHARS {
        return Err(invalid(format!("`id` is longer than {MAX_ID_CHARS} characters")));
    }
    article.source.path.get_or_insert_with(|| "POST /api/articles".to_string());
    Ok(article)
}

/// Percent-encodes an id for use as one path segment.
fn percent_encode(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_bounds_are_checked() {
        assert_eq!(page_bounds(None, None).unwrap(), (DEFAULT_LIMIT, 0));
        assert!(page_bounds(Some(0), None).is_err());
        assert!(page_bounds(Some(MAX_LIMIT + 1), None).is_err());
        assert_eq!(page_bounds(Some(5), Some(10)).unwrap(), (5, 10));
        assert_eq!(page_bounds(Some(MAX_LIMIT), Some(MAX_OFFSET)).unwrap(), (MAX_LIMIT, MAX_OFFSET));
        assert!(page_bounds(None, Some(MAX_OFFSET + 1)).is_err());
        assert!(page_bounds(None, Some(usize::MAX)).is_err());
    }

    #[test]
    fn dates_and_instants_parse() {
        assert_eq!(instant("from", "2020-08-01").unwrap().to_rfc3339(), "2020-08-01T00:00:00+00:00");
        assert_eq!(instant("to", "2020-08-01T12:00:00+02:00").unwrap().to_rfc3339(), "2020-08-01T10:00:00+00:00");
        assert_eq!(instant("from", "yesterday").unwrap_err().code, "bad_query");
    }

    #[test]
    fn ids_are_percent_encoded_for_paths() {
        assert_eq!(percent_encode("000_ab-c.d"), "000_ab-c.d");
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn bodies_parse_by_content_type() {
        let q = IngestQuery { url: Some("https://example.org/a".into()), id: None };
        let html = b"<html><head><title>Deal signed in Tripoli today</title></head><body><p>Turkey and Qatar signed a deal in Tripoli on Monday.</p></body></html>";
        let article = parse_body(html, "text/html; charset=utf-8", &q).unwrap();
        assert_eq!(article.id, storyline_ingest::stable_id(Some("https://example.org/a"), ""));
        assert_eq!(article.url.as_deref(), Some("https://example.org/a"));
        let json = br#"{"id": "x1", "text": "Turkey and Qatar signed a deal."}"#;
        assert_eq!(parse_body(json, "application/json", &q).unwrap().id, "x1");
        assert_eq!(parse_body(b"{", "application/json", &q).unwrap_err().code, "malformed_json");
        assert_eq!(parse_body(b"[1]", "application/json", &q).unwrap_err().code, "invalid_article");
        assert_eq!(parse_body(br#"{"text": 5}"#, "application/json", &q).unwrap_err().code, "invalid_article");
        assert_eq!(parse_body(b"x", "image/png", &q).unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
