//! What an operator asks of a running server: is it alive (`/healthz`), can it serve
//! (`/readyz`: the store answers and the search index is caught up), and how is it doing
//! (`/metrics`, Prometheus text format: requests by route and status, their latency, the store's
//! size, how far search lags behind the store).
//!
//! Liveness never touches the store, so a slow or unreachable store makes the server unready,
//! not dead: a supervisor restarts what is dead and a load balancer skips what is unready.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use serde_json::json;

use crate::error::ApiError;
use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/api/events/{id}`), never the path itself: one series per route,
    /// however many ids are asked for.
    route: String,
    /// `2xx`, `3xx`, `4xx` or `5xx`.
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The server's metrics and the registry that prints them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    articles: Gauge<i64, AtomicI64>,
    events: Gauge<i64, AtomicI64>,
    duplicates: Gauge<i64, AtomicI64>,
    search_lag: Gauge<i64, AtomicI64>,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 8 s, doubling.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("storyline");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status class",
            requests.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register("http_request_duration_seconds", "Time to answer a request, by route", latency.clone());
        let articles = Gauge::default();
        registry.register("store_articles", "Articles in the store", articles.clone());
        let events = Gauge::default();
        registry.register("store_events", "Events in the store", events.clone());
        let duplicates = Gauge::default();
        registry.register("store_duplicates", "Duplicate relations in the store", duplicates.clone());
        let search_lag = Gauge::default();
        registry.register(
            "search_lag_articles",
            "Stored articles the search index has not taken in yet (by arrival sequence)",
            search_lag.clone(),
        );
        Metrics { registry, requests, latency, articles, events, duplicates, search_lag }
    }
}

/// Counts and times every request that matched a route (a route layer, so the route's pattern
/// is known).
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_string();
    let response = next.run(request).await;
    let metrics = &state.metrics;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics.requests.get_or_create(&RequestLabels { method, route: route.clone(), status }).inc();
    metrics.latency.get_or_create(&RouteLabels { route }).observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /healthz`: the process answers. Touches nothing else.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: 200 when the store answers a query and the search index is caught up to what
/// it had when last synced; 503 with the reason otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let checked = state
        .read(|inner, store| {
            let stored = store.last_article_seq()?;
            Ok((stored, inner.search.watermark()))
        })
        .await;
    match checked {
        Ok((stored, indexed)) => Json(json!({
            "status": "ready",
            "store": "ok",
            "articles_through": stored,
            "search_indexed_through": indexed,
        }))
        .into_response(),
        Err(error) => {
            let body = json!({ "status": "unavailable", "store": error.message });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// `GET /metrics`: every metric in Prometheus' text format; the store's gauges are read now
/// (three counts and the newest arrival: milliseconds on a store of a million articles).
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let counted = state
        .read(|inner, store| {
            let stats = store.stats()?;
            let lag = store.last_article_seq()? - inner.search.watermark();
            Ok((stats, lag))
        })
        .await;
    let metrics: &Arc<Metrics> = &state.metrics;
    // A store that cannot be read leaves the gauges at their last values; the requests counted
    // still say what happened.
    if let Ok((stats, lag)) = counted {
        metrics.articles.set(stats.articles as i64);
        metrics.events.set(stats.events as i64);
        metrics.duplicates.set(stats.duplicates as i64);
        metrics.search_lag.set(lag.max(0));
    }
    let mut text = String::new();
    encode(&mut text, &metrics.registry).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}
