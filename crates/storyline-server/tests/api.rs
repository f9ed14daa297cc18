//! The HTTP API in-process (the router through `tower::ServiceExt::oneshot`), on a store holding
//! the seed articles, ingested with the real pipeline.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use storyline_model::{Article, EventId};
use storyline_pipeline::{ingest_paths, IngestOptions};
use storyline_server::{
    openapi_document, router, AppState, Backend, BoxError, IngestCounts, ServeOptions, ServerError,
};
use storyline_store::Store;
use tower::ServiceExt;

/// The storyline library behind the server, as `storyline serve` wires it.
#[derive(Default)]
struct ServerBackend;

impl Backend for ServerBackend {
    fn ingest(&self, store: &mut Store, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        let report = storyline_pipeline::ingest_articles(store, articles, &IngestOptions::default())?;
        Ok(IngestCounts { new: report.new, unchanged: report.unchanged, skipped: report.skipped })
    }

    fn can_ingest(&self) -> bool {
        true
    }

    fn coverage(&self, store: &Store, event: EventId) -> Result<Option<Value>, BoxError> {
        Ok(storyline_pipeline::event_coverage(store, event)?.map(serde_json::to_value).transpose()?)
    }

    fn has_coverage(&self) -> bool {
        true
    }
}

fn seeds() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds")
}

/// The state of a server over a fresh store with the seeds ingested; `None` when the seeds
/// are not there.
fn state_with(backend: Arc<dyn Backend>) -> Option<(tempfile::TempDir, AppState)> {
    if !seeds().exists() {
        eprintln!("skipping: {} not found", seeds().display());
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("storyline.db");
    let mut store = Store::open(&db).unwrap();
    ingest_paths(&mut store, &[seeds()], &IngestOptions::default(), &|_| {}).unwrap();
    drop(store);
    let state = AppState::open(&db, backend).unwrap();
    Some((dir, state))
}

/// A router over a fresh store with the seeds ingested; `None` when the seeds are not there.
fn app_with(backend: Arc<dyn Backend>) -> Option<(tempfile::TempDir, Router)> {
    state_with(backend).map(|(dir, state)| (dir, router(state)))
}

/// The same, served with `options`.
fn app_with_options(options: ServeOptions) -> Option<(tempfile::TempDir, Router)> {
    state_with(Arc::new(ServerBackend)).map(|(dir, state)| (dir, router(state.with_options(options))))
}

fn app() -> Option<(tempfile::TempDir, Router)> {
    app_with(Arc::new(ServerBackend))
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Checks the one error shape every 4xx has, and returns its code.
    fn error_code(&self) -> String {
        let body = self.json();
        assert!(body["error"]["message"].is_string(), "no message in {body}");
        body["error"]["code"].as_str().expect("an error code").to_string()
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
    Reply { status, headers, body }
}

async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(app: &Router, uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    send(app, Request::post(uri).header(header::CONTENT_TYPE, content_type).body(body.into()).unwrap()).await
}

const SEED_000: &str = "000_ea50157a1f620560";
const SEED_001: &str = "001_39be850b2c363a0b";

#[tokio::test]
async fn openapi_document_describes_exactly_the_served_routes() {
    let Some((_dir, app)) = app() else { return };
    let reply = get(&app, "/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            // Every path parameter in the template is declared.
            for name in path.split('{').skip(1).map(|s| s.split('}').next().unwrap()) {
                let declared =
                    operation["parameters"].as_array().unwrap().iter().any(|p| p["name"] == name && p["in"] == "path");
                assert!(declared, "{method} {path} does not declare {name}");
            }
            documented.push((method.clone(), path.clone()));
        }
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(doc["components"]["schemas"][name].is_object(), "dangling $ref {name}");
    }

    let mut served: Vec<(String, String)> =
        storyline_server::api_routes(&ServerBackend).into_iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    served.sort();
    documented.sort();
    assert_eq!(served, documented);

    // And every listed route answers (not 404 for the route, not 405).
    for (method, path) in &served {
        let uri = path.replace("{id}", if path.contains("articles") { SEED_000 } else { "1" });
        let uri = if path.ends_with("/search") { format!("{uri}?q=libya") } else { uri };
        let reply = if method == "post" {
            post(&app, &uri, "application/json", r#"{"id": "probe", "text": "A short probe article about nothing."}"#)
                .await
        } else {
            get(&app, &uri).await
        };
        if path == "/api/entities/{id}" && reply.status == StatusCode::NOT_FOUND {
            // Without the NER model the seeds have no entity 1; the route itself still answers.
            assert!(reply.text().contains("no entity 1"), "{uri}: {}", reply.text());
            continue;
        }
        if path == "/api/map/countries" && reply.status == StatusCode::NOT_FOUND {
            // This test backend has no country outlines; the route says how to install them.
            assert!(reply.text().contains("scripts/setup.sh"), "{uri}: {}", reply.text());
            continue;
        }
        assert!(reply.status.is_success(), "{method} {uri}: {} {}", reply.status, reply.text());
    }
}

#[tokio::test]
async fn openapi_leaves_out_what_the_backend_lacks() {
    struct ReadOnly;
    impl Backend for ReadOnly {}
    let doc = openapi_document(false);
    assert!(doc["paths"].get("/api/events/{id}/coverage").is_none());
    let Some((_dir, app)) = app_with(Arc::new(ReadOnly)) else { return };
    assert_eq!(get(&app, "/api/events/1/coverage").await.status, StatusCode::NOT_FOUND);
    let reply = post(&app, "/api/articles", "application/json", r#"{"text": "Some text here."}"#).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::SERVICE_UNAVAILABLE, "read_only"));
}

#[tokio::test]
async fn articles_list_with_pagination_and_filters() {
    let Some((_dir, app)) = app() else { return };
    let page = get(&app, "/api/articles?limit=2").await.json();
    assert_eq!(page["total"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_offset"], 2);
    let last = get(&app, "/api/articles?limit=2&offset=4").await.json();
    assert_eq!(last["items"].as_array().unwrap().len(), 1);
    assert!(last.get("next_offset").is_none());
    // Pages do not overlap and cover everything.
    let mut ids: Vec<String> = Vec::new();
    for offset in [0, 2, 4] {
        let page = get(&app, &format!("/api/articles?limit=2&offset={offset}")).await.json();
        ids.extend(page["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);

    assert_eq!(get(&app, "/api/articles?language=en").await.json()["total"], 5);
    assert_eq!(get(&app, "/api/articles?language=fr").await.json()["total"], 0);
    let outlet = get(&app, "/api/articles?outlet=Middle%20East%20Monitor").await.json();
    assert!(outlet["items"].as_array().unwrap().iter().all(|a| a["outlet"] == "Middle East Monitor"));
    // The seeds are undated: a date range excludes them all.
    assert_eq!(get(&app, "/api/articles?from=2020-01-01&to=2021-01-01").await.json()["total"], 0);
    let event = get(&app, &format!("/api/articles/{SEED_000}")).await.json()["event"].clone();
    let members = get(&app, &format!("/api/articles?event={event}")).await.json();
    assert!(members["items"].as_array().unwrap().iter().any(|a| a["id"] == SEED_001));
}

#[tokio::test]
async fn bad_query_parameters_are_400_with_a_json_error() {
    let Some((_dir, app)) = app() else { return };
    for uri in [
        "/api/articles?limit=0",
        "/api/articles?limit=101",
        "/api/articles?limit=abc",
        "/api/articles?offset=-1",
        "/api/articles?from=yesterday",
        "/api/articles?event=one",
        "/api/articles?colour=red",
        "/api/events?limit=1000",
        "/api/duplicates?kind=twin",
        "/api/search",
        "/api/search?q=%20%20",
        "/api/events/abc",
        "/api/storylines/abc",
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", reply.text());
        assert!(["bad_query", "bad_path"].contains(&reply.error_code().as_str()), "{uri}");
    }
    let long = format!("/api/search?q={}", "a".repeat(600));
    assert_eq!(get(&app, &long).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn injection_attempts_are_just_values() {
    let Some((_dir, app)) = app() else { return };
    for uri in [
        "/api/articles?outlet=x%27%20OR%20%271%27%3D%271",
        "/api/articles?language=en%27%3B%20DROP%20TABLE%20articles%3B%20--",
        "/api/search?q=%27%3B%20DROP%20TABLE%20articles%3B%20--",
        "/api/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.json()["total"], 0, "{uri}");
        assert!(reply.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    }
    // The store is intact, and markup in an id comes back as a JSON string, never as a page.
    assert_eq!(get(&app, "/api/stats").await.json()["articles"], 5);
    let reply = get(&app, "/api/articles/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn article_by_id_with_duplicates_and_unknown_ids() {
    let Some((_dir, app)) = app() else { return };
    let copy = get(&app, &format!("/api/articles/{SEED_001}")).await;
    assert_eq!(copy.status, StatusCode::OK);
    let copy = copy.json();
    assert_eq!(copy["id"], SEED_001);
    assert!(copy["text"].as_str().unwrap().len() > 200);
    let relation = &copy["duplicates"][0];
    assert_eq!((relation["original"].as_str(), relation["kind"].as_str()), (Some(SEED_000), Some("republication")));
    let dupes = get(&app, &format!("/api/articles/{SEED_000}/duplicates")).await.json();
    assert_eq!(dupes["duplicates"][0]["copy"], SEED_001);
    let all = get(&app, "/api/duplicates?kind=republication").await.json();
    assert_eq!(all["total"], 1);

    for uri in [
        "/api/articles/nope",
        "/api/articles/nope/duplicates",
        "/api/events/999999",
        "/api/storylines/999999",
        "/api/events/999999/coverage",
    ] {
        let reply = get(&app, uri).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::NOT_FOUND, "not_found"), "{uri}");
    }
}

#[tokio::test]
async fn events_list_detail_storyline_and_coverage() {
    let Some((_dir, app)) = app() else { return };
    let events = get(&app, "/api/events").await.json();
    let items = events["items"].as_array().unwrap();
    assert_eq!(events["total"].as_u64().unwrap() as usize, items.len());
    let event = get(&app, &format!("/api/articles/{SEED_000}")).await.json()["event"].as_i64().unwrap();
    let detail = get(&app, &format!("/api/events/{event}")).await.json();
    let members = detail["members"].as_array().unwrap();
    let copy = members.iter().find(|m| m["id"] == SEED_001).expect("001 is in 000's event");
    assert_eq!(copy["copy_of"], json!([SEED_000, "republication"]));
    assert!(detail["storyline"]["timeline"].as_array().is_some_and(|t| !t.is_empty()));
    let storyline = detail["storyline"]["id"].as_i64().unwrap();
    assert_eq!(get(&app, &format!("/api/storylines/{storyline}")).await.status, StatusCode::OK);
    // A storyline's timeline is paged; the counts are the whole storyline's.
    let count = detail["storyline"]["event_count"].as_u64().unwrap();
    let page = get(&app, &format!("/api/storylines/{storyline}?limit=1")).await.json();
    assert_eq!(page["timeline"].as_array().unwrap().len(), 1);
    assert_eq!((page["event_count"].as_u64(), page["timeline_offset"].as_u64()), (Some(count), Some(0)));
    assert_eq!(page["next_offset"], if count > 1 { json!(1) } else { json!(null) });
    assert!(!get(&app, "/api/storylines").await.json()["items"].as_array().unwrap().is_empty());
    let coverage = get(&app, &format!("/api/events/{event}/coverage")).await;
    assert_eq!(coverage.status, StatusCode::OK, "{}", coverage.text());
    assert!(coverage.json()["outlets"].is_array());
}

#[tokio::test]
async fn search_finds_the_seeds_with_highlights() {
    let Some((_dir, app)) = app() else { return };
    let results = get(&app, "/api/search?q=Misrata").await.json();
    assert!(results["total"].as_u64().unwrap() >= 1, "{results}");
    let hit = &results["items"][0];
    let marked: Vec<&str> = hit["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["mark"] == true)
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(marked.iter().any(|m| m.eq_ignore_ascii_case("misrata")), "{hit}");
    let paged = get(&app, "/api/search?q=Libya&limit=1").await.json();
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged["next_offset"], 1);
}

#[tokio::test]
async fn etags_are_strong_and_if_none_match_gives_304() {
    let Some((_dir, app)) = app() else { return };
    let first = get(&app, "/api/events").await;
    let tag = first.headers[header::ETAG].to_str().unwrap().to_string();
    assert!(tag.starts_with('"') && !tag.starts_with("W/"), "{tag}");
    assert_eq!(get(&app, "/api/events").await.headers[header::ETAG], tag.as_str());
    let request = Request::get("/api/events").header(header::IF_NONE_MATCH, &tag).body(Body::empty()).unwrap();
    let cached = send(&app, request).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.body.is_empty());
    let request = Request::get("/api/events").header(header::IF_NONE_MATCH, "\"other\"").body(Body::empty()).unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
    // The page and its assets are tagged too.
    assert!(get(&app, "/").await.headers.contains_key(header::ETAG));
}

#[tokio::test]
async fn post_ingests_json_and_html_with_the_cli_rules() {
    let Some((_dir, app)) = app() else { return };
    let body = json!({
        "id": "posted-1",
        "title": "Misrata port reopens after repairs",
        "text": "The port of Misrata reopened on Tuesday after months of repairs, officials said. Ships queued outside the harbour.",
        "source": "Test Wire",
        "published": "2024-03-05T09:00:00Z",
        "lang": "en"
    });
    let created = post(&app, "/api/articles", "application/json", body.to_string()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let outcome = created.json();
    assert_eq!((outcome["id"].as_str(), outcome["status"].as_str()), (Some("posted-1"), Some("created")));
    assert_eq!(created.headers[header::LOCATION], "/api/articles/posted-1");
    assert!(outcome["event"].is_i64());
    // Searchable at once, readable at its URL, listed with its outlet.
    let found = get(&app, "/api/search?q=harbour").await.json();
    assert_eq!(found["items"][0]["id"], "posted-1");
    assert_eq!(get(&app, "/api/articles/posted-1").await.json()["outlet"], "Test Wire");
    assert_eq!(get(&app, "/api/articles?from=2024-01-01").await.json()["total"], 1);

    // Again: unchanged. The same id with another text: conflict.
    let again = post(&app, "/api/articles", "application/json", body.to_string()).await;
    assert_eq!((again.status, again.json()["status"].as_str()), (StatusCode::OK, Some("unchanged")));
    let other = json!({"id": "posted-1", "text": "Entirely different words in this one."});
    let conflict = post(&app, "/api/articles", "application/json", other.to_string()).await;
    assert_eq!((conflict.status, conflict.error_code().as_str()), (StatusCode::CONFLICT, "conflict"));

    // A copy of a seed is found as a duplicate, as on the command line.
    let seed_text = std::fs::read_to_string(seeds().join(format!("{SEED_000}.txt"))).unwrap();
    let copy = json!({"id": "posted-copy", "text": seed_text});
    let outcome = post(&app, "/api/articles", "application/json", copy.to_string()).await.json();
    assert_eq!(outcome["duplicate_of"]["original"], SEED_000, "{outcome}");
    let seed_event = get(&app, &format!("/api/articles/{SEED_000}")).await.json()["event"].clone();
    assert_eq!(outcome["event"], seed_event);

    // Raw HTML with its URL.
    let html = "<html><head><title>Jufra airbase talks</title></head><body><article><p>Officials met near the Jufra airbase to discuss a ceasefire on Wednesday, a spokesman said.</p><p>No agreement was reached.</p></article></body></html>";
    let created = post(&app, "/api/articles?url=https://example.org/jufra", "text/html; charset=utf-8", html).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    let stored = get(&app, &format!("/api/articles/{id}")).await.json();
    assert_eq!(stored["url"], "https://example.org/jufra");
    assert_eq!(stored["title"], "Jufra airbase talks");
}

#[tokio::test]
async fn post_refuses_bad_bodies_with_json_errors() {
    let Some((_dir, app)) = app() else { return };
    let cases: Vec<(&str, Body, StatusCode, &str)> = vec![
        ("application/json", Body::from("{\"text\": "), StatusCode::BAD_REQUEST, "malformed_json"),
        ("application/json", Body::from("not json at all"), StatusCode::BAD_REQUEST, "malformed_json"),
        ("application/json", Body::from("[1, 2]"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_article"),
        ("application/json", Body::from("{\"text\": 42}"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_article"),
        (
            "application/json",
            Body::from("{\"title\": \"no text\"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_article",
        ),
        (
            "application/json",
            Body::from("{\"text\": \"ok\", \"id\": [1]}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_article",
        ),
        ("image/png", Body::from("\u{89}PNG"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (
            "application/json",
            Body::from(vec![b' '; 6 * 1024 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (content_type, body, status, code) in cases {
        let reply = post(&app, "/api/articles", content_type, body).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (status, code), "{content_type}: {}", reply.text());
    }
    assert_eq!(get(&app, "/api/stats").await.json()["articles"], 5, "nothing was stored");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let Some((_dir, app)) = app() else { return };
    let reply = get(&app, "/api/nothing-here").await;
    assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let reply =
        send(&app, Request::builder().method(Method::DELETE).uri("/api/events").body(Body::empty()).unwrap()).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    assert_eq!(get(&app, "/assets/nothing.js").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_web_page_and_its_assets_are_served() {
    let Some((_dir, app)) = app() else { return };
    for uri in ["/", "/event/1", "/article/abc", "/search?q=x", "/storyline/1"] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert!(reply.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        assert!(reply.text().contains("/assets/app.js"));
        assert!(reply.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("script-src 'self'"));
    }
    let js = get(&app, "/assets/app.js").await;
    assert!(js.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    // Data reaches the page as text nodes only.
    assert!(!js.text().contains("innerHTML"));
    assert!(get(&app, "/assets/style.css").await.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}

#[tokio::test]
async fn entities_quotes_and_coded_events_answer_and_refuse_bad_input() {
    let Some((_dir, app)) = app() else { return };
    let people = get(&app, "/api/entities?type=PERSON&limit=5").await;
    assert_eq!(people.status, StatusCode::OK, "{}", people.text());
    assert!(people.json()["items"].as_array().unwrap().len() <= 5);
    let own = get(&app, &format!("/api/articles/{SEED_000}/entities")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.json()["quotes"].is_array());
    let agree = get(&app, "/api/coded-events?type=agree&limit=50").await.json();
    let items = agree["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the seeds hold AGREE events: {agree}");
    assert!(items.iter().all(|e| e["event_type"] == "AGREE" && e["article"].is_string()));

    for (uri, status) in [
        ("/api/entities?type=ANIMAL", StatusCode::BAD_REQUEST),
        ("/api/entities?limit=0", StatusCode::BAD_REQUEST),
        ("/api/entities?colour=red", StatusCode::BAD_REQUEST),
        ("/api/entities/abc", StatusCode::BAD_REQUEST),
        ("/api/entities/999999", StatusCode::NOT_FOUND),
        ("/api/events/999999/entities", StatusCode::NOT_FOUND),
        ("/api/articles/nope/entities", StatusCode::NOT_FOUND),
        ("/api/coded-events?since=yesterday", StatusCode::BAD_REQUEST),
        ("/api/coded-events?limit=1000", StatusCode::BAD_REQUEST),
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.text());
        reply.error_code();
    }
}

/// With the tagger model the project trains (scripts/setup.d/60-ner-model.sh), the seeds'
/// entities resolve and the entity endpoint shows aliases, the disputed name and quotes.
#[tokio::test]
async fn entity_detail_shows_aliases_disputes_and_quotes() {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    if !models.join("ner.bin").is_file() || !seeds().exists() {
        eprintln!("SKIPPED: no NER model in {} or no seeds", models.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("storyline.db");
    let mut store = Store::open(&db).unwrap();
    let options = IngestOptions { models_dir: models, embedding_model: None, ..IngestOptions::default() };
    ingest_paths(&mut store, &[seeds()], &options, &|_| {}).unwrap();
    drop(store);
    let app = router(AppState::open(&db, Arc::new(ServerBackend)).unwrap());

    let people = get(&app, "/api/entities?type=PERSON&limit=100").await.json();
    let namroush = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str().unwrap().contains("Namroush"))
        .unwrap_or_else(|| panic!("Al-Namroush is an entity: {people:#}"));
    let detail = get(&app, &format!("/api/entities/{}", namroush["id"])).await.json();
    let aliases = detail["aliases"].to_string();
    assert!(aliases.contains("Salam") && aliases.contains("Salah"), "{detail:#}");
    assert!(!detail["disagreements"].as_array().unwrap().is_empty(), "{detail:#}");
    // One key per thing: the count, and the spans it counts.
    assert_eq!(detail["mentions"].as_u64().unwrap() as usize, detail["mention_spans"].as_array().unwrap().len());

    let akar =
        people["items"].as_array().unwrap().iter().find(|e| e["name"].as_str().unwrap().contains("Akar")).unwrap();
    let detail = get(&app, &format!("/api/entities/{}", akar["id"])).await.json();
    let quotes = detail["quotes"].as_array().unwrap();
    assert!(quotes.iter().any(|q| q["text"].as_str().unwrap().contains("We believe that we will")), "{detail:#}");
}

/// A small JSON article to post.
fn probe(id: &str) -> String {
    json!({"id": id, "text": format!("A short probe article numbered {id}, about nothing at all.")}).to_string()
}

fn post_with(uri: &str, content_type: &str, body: String, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post(uri).header(header::CONTENT_TYPE, content_type);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let Some((_dir, app)) = app() else { return };
    let host = ("host", "127.0.0.1:8080");
    // What a form or a no-cors fetch on another site sends: text/plain needs no preflight.
    for headers in [
        vec![host, ("origin", "https://evil.example")],
        vec![host, ("origin", "null")],
        vec![host, ("origin", "http://127.0.0.1:9999")],
        vec![host, ("sec-fetch-site", "cross-site")],
        vec![host, ("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:8080")],
    ] {
        let request =
            post_with("/api/articles", "text/plain", "Cross-site words posted by a page elsewhere.".into(), &headers);
        let reply = send(&app, request).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::FORBIDDEN, "cross_site"), "{headers:?}");
    }
    assert_eq!(get(&app, "/api/stats").await.json()["articles"], 5, "nothing was stored");
    // The server's own page, and clients that are not browsers, may write.
    let own = [host, ("origin", "http://127.0.0.1:8080"), ("sec-fetch-site", "same-origin")];
    let reply = send(&app, post_with("/api/articles", "application/json", probe("same-origin"), &own)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let reply = send(&app, post_with("/api/articles", "application/json", probe("no-browser"), &[host])).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

#[tokio::test]
async fn foreign_host_names_are_refused() {
    let options = ServeOptions { allowed_hosts: vec!["news.example".into()], ..ServeOptions::default() };
    let Some((_dir, app)) = app_with_options(options) else { return };
    let with_host =
        |host: &'static str| Request::get("/api/stats").header(header::HOST, host).body(Body::empty()).unwrap();
    for host in ["evil.example", "evil.example:8080", "localhost.evil.example:8080", "10.1.2.3:8080"] {
        let reply = send(&app, with_host(host)).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::FORBIDDEN, "host_not_allowed"), "{host}");
    }
    for host in ["localhost:8080", "127.0.0.1:8080", "[::1]:8080", "news.example", "NEWS.example:8080"] {
        assert_eq!(send(&app, with_host(host)).await.status, StatusCode::OK, "{host}");
    }
    // The page too: a rebound name must not read the store through it.
    let page = Request::get("/").header(header::HOST, "evil.example").body(Body::empty()).unwrap();
    assert_eq!(send(&app, page).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn writes_need_a_valid_token_when_the_server_has_tokens() {
    let token = "a-token-of-enough-length-42";
    let options = ServeOptions { tokens: vec![token.into()], ..ServeOptions::default() };
    let Some((_dir, app)) = app_with_options(options) else { return };
    let missing = send(&app, post_with("/api/articles", "application/json", probe("t1"), &[])).await;
    assert_eq!((missing.status, missing.error_code().as_str()), (StatusCode::UNAUTHORIZED, "unauthorized"));
    assert_eq!(missing.headers[header::WWW_AUTHENTICATE], "Bearer");
    for wrong in [
        "Bearer a-token-of-enough-length-4",
        "Bearer a-token-of-enough-length-420",
        "Basic a-token-of-enough-length-42",
        token,
    ] {
        let reply =
            send(&app, post_with("/api/articles", "application/json", probe("t1"), &[("authorization", wrong)])).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{wrong}");
    }
    assert_eq!(get(&app, "/api/stats").await.json()["articles"], 5, "reads stay open; nothing was stored");
    let bearer = format!("Bearer {token}");
    let reply =
        send(&app, post_with("/api/articles", "application/json", probe("t1"), &[("authorization", &bearer)])).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

#[tokio::test]
async fn serving_beyond_loopback_without_tokens_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("storyline.db");
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let options = ServeOptions { addr: addr.parse().unwrap(), ..ServeOptions::default() };
        let error = storyline_server::run(&db, Arc::new(ServerBackend), options).unwrap_err();
        assert!(matches!(error, ServerError::Unprotected { .. }), "{addr}: {error}");
        assert!(error.to_string().contains("--token-file"), "{error}");
    }
    assert!(!db.exists(), "refused before the store was opened");
    let weak =
        ServeOptions { addr: "0.0.0.0:0".parse().unwrap(), tokens: vec!["1234".into()], ..ServeOptions::default() };
    assert!(matches!(storyline_server::run(&db, Arc::new(ServerBackend), weak), Err(ServerError::WeakToken { .. })));
}

#[tokio::test]
async fn offsets_past_any_store_do_not_wrap() {
    let Some((_dir, app)) = app() else { return };
    for uri in [
        "/api/articles?offset=18446744073709551615",
        "/api/events?offset=18446744073709551615",
        "/api/storylines?offset=18446744073709551615",
        "/api/duplicates?offset=9223372036854775808",
        "/api/coded-events?offset=1000000001",
        "/api/search?q=libya&offset=18446744073709551615",
        "/api/articles?offset=18446744073709551616",
    ] {
        let reply = get(&app, uri).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::BAD_REQUEST, "bad_query"), "{uri}");
    }
    // The largest offset allowed answers an empty last page.
    for uri in ["/api/articles", "/api/events", "/api/duplicates", "/api/coded-events", "/api/search?q=libya"] {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let reply = get(&app, &format!("{uri}{sep}offset=1000000000&limit=100")).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        let page = reply.json();
        assert_eq!(page["items"].as_array().map(Vec::len), Some(0), "{uri}");
        assert!(page.get("next_offset").is_none_or(Value::is_null), "{uri}");
    }
    let storylines = get(&app, "/api/storylines?offset=1000000000").await.json();
    assert_eq!(storylines["items"], json!([]));
}

/// The server's backend, counting the coverage computations per event, and able to hold them
/// at a gate until the test lets them finish.
#[derive(Default)]
struct CountingBackend {
    computed: std::sync::Mutex<std::collections::HashMap<EventId, usize>>,
    gate: std::sync::Mutex<()>,
    started: std::sync::Mutex<Option<std::sync::mpsc::Sender<EventId>>>,
}

impl CountingBackend {
    fn computed(&self, event: EventId) -> usize {
        self.computed.lock().unwrap().get(&event).copied().unwrap_or(0)
    }
}

impl Backend for CountingBackend {
    fn ingest(&self, store: &mut Store, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        ServerBackend.ingest(store, articles)
    }

    fn can_ingest(&self) -> bool {
        true
    }

    fn coverage(&self, store: &Store, event: EventId) -> Result<Option<Value>, BoxError> {
        if let Some(started) = self.started.lock().unwrap().as_ref() {
            started.send(event).unwrap();
        }
        drop(self.gate.lock().unwrap());
        *self.computed.lock().unwrap().entry(event).or_default() += 1;
        ServerBackend.coverage(store, event)
    }

    fn has_coverage(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn coverage_is_computed_once_per_version_of_its_event() {
    let backend = Arc::new(CountingBackend::default());
    let Some((_dir, app)) = app_with(backend.clone()) else { return };
    let event = get(&app, &format!("/api/articles/{SEED_000}")).await.json()["event"].as_i64().unwrap();
    let uri = format!("/api/events/{event}/coverage");
    let first = get(&app, &uri).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let second = get(&app, &uri).await;
    assert_eq!(second.body, first.body);
    assert_eq!(backend.computed(event), 1, "the second call was answered from the cache");
    // A new article joins the event (a copy of 000): the next call sees it.
    let seed_text = std::fs::read_to_string(seeds().join(format!("{SEED_000}.txt"))).unwrap();
    let copy = json!({"id": "posted-copy", "text": seed_text});
    let posted = post(&app, "/api/articles", "application/json", copy.to_string()).await.json();
    assert_eq!(posted["event"], event, "{posted}");
    let third = get(&app, &uri).await;
    assert_eq!(backend.computed(event), 2);
    assert!(third.text().contains("posted-copy"), "{}", third.text());
    assert_eq!(get(&app, &uri).await.body, third.body);
    assert_eq!(backend.computed(event), 2);
    // Unknown events are not cached as anything.
    assert_eq!(get(&app, "/api/events/999999/coverage").await.status, StatusCode::NOT_FOUND);
}

// The gate is a std mutex on purpose: it holds the blocking thread that computes the coverage.
#[allow(clippy::await_holding_lock)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_coverage_neither_blocks_reads_nor_runs_for_requests_that_gave_up() {
    let backend = Arc::new(CountingBackend::default());
    let (started_tx, started) = std::sync::mpsc::channel();
    *backend.started.lock().unwrap() = Some(started_tx);
    let Some((_dir, state)) = state_with(backend.clone()) else { return };
    let patient = router(state.clone());
    let hasty = router(state.with_options(ServeOptions {
        request_timeout: std::time::Duration::from_millis(300),
        ..ServeOptions::default()
    }));
    let events: Vec<i64> = get(&patient, "/api/events").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let (a, b) = (events[0], events[1]);

    // A's computation starts and is held at the gate: A's request reaches its deadline.
    let gate = backend.gate.lock().unwrap();
    let reply = get(&hasty, &format!("/api/events/{a}/coverage")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::SERVICE_UNAVAILABLE, "timeout"));
    assert_eq!(started.recv().unwrap(), a);
    // Reads are answered meanwhile: the computation holds none of the read connections.
    assert_eq!(get(&patient, "/api/stats").await.status, StatusCode::OK);
    assert_eq!(get(&patient, &format!("/api/events/{b}")).await.status, StatusCode::OK);
    // B waits behind A and gives up: it never computes.
    let reply = get(&hasty, &format!("/api/events/{b}/coverage")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    drop(gate);
    // A finished after all, and its result is kept for the next request.
    let reply = get(&patient, &format!("/api/events/{a}/coverage")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!((backend.computed(a), backend.computed(b)), (1, 0));
    assert!(started.try_recv().is_err(), "nothing else started computing");
}

#[derive(Debug, thiserror::Error)]
#[error("writing the batch")]
struct WriteFailed(#[source] std::io::Error);

/// A backend whose every ingest fails, with a cause under the error.
struct FailingBackend;

impl Backend for FailingBackend {
    fn ingest(&self, _store: &mut Store, _articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        Err(Box::new(WriteFailed(std::io::Error::other("disk quota exceeded"))))
    }

    fn can_ingest(&self) -> bool {
        true
    }
}

/// What the server logs, gathered (the only test in this binary that installs a subscriber).
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_server_error_logs_its_cause() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let Some((_dir, app)) = app_with(Arc::new(FailingBackend)) else { return };
    let reply = post(&app, "/api/articles", "application/json", probe("fails")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (StatusCode::INTERNAL_SERVER_ERROR, "internal"));
    assert!(!reply.text().contains("quota"), "internals stay in the log: {}", reply.text());
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("writing the batch: disk quota exceeded"), "{log}");
    assert!(log.contains("POST /api/articles"), "{log}");
}

#[tokio::test]
async fn operators_see_liveness_readiness_and_metrics() {
    let Some((_dir, app)) = app() else { return };
    let live = get(&app, "/healthz").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.text().trim(), "ok");

    let ready = get(&app, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    let ready = ready.json();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["articles_through"], ready["search_indexed_through"], "search caught up at start");

    // Two reads of one route with different ids are one series, by the route's pattern.
    for uri in ["/api/events/1", "/api/events/2", "/api/nothing-here"] {
        get(&app, uri).await;
    }
    let metrics = get(&app, "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    let text = metrics.text();
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).map(str::to_string);
    let events = line("storyline_http_requests_total{method=\"GET\",route=\"/api/events/{id}\"")
        .unwrap_or_else(|| panic!("no series for /api/events/{{id}} in\n{text}"));
    let served: usize = ["2xx", "4xx"]
        .iter()
        .filter_map(|class| {
            let series = format!(
                "storyline_http_requests_total{{method=\"GET\",route=\"/api/events/{{id}}\",status=\"{class}\"}}"
            );
            line(&series).and_then(|l| l.rsplit(' ').next()?.parse::<usize>().ok())
        })
        .sum();
    assert_eq!(served, 2, "{events}");
    assert!(!text.contains("nothing-here"), "unmatched paths make no series");
    assert!(text.contains("storyline_http_request_duration_seconds_bucket"));
    // The seeds: five articles stored, none waiting for the search index.
    assert_eq!(line("storyline_store_articles ").as_deref(), Some("storyline_store_articles 5"));
    assert_eq!(line("storyline_search_lag_articles ").as_deref(), Some("storyline_search_lag_articles 0"));
}
