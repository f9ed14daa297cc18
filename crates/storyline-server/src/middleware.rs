//! Layers every response passes through: strong ETags with conditional GETs, a deadline, one
//! JSON shape for every error (each server error logged with its cause), and security headers
//! for the web page.

use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use xxhash_rust::xxh3::xxh3_128;

use crate::error::{code_for, ApiError};

/// Answers a request that is still running after `limit` with 503 `timeout`. Dropping the
/// handler's future abandons its work: blocking work that has not started is skipped (see
/// `AppState::read`), and a view being computed is kept for the next request (coverage).
pub async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(request = %what, seconds = limit.as_secs_f64(), "request stopped at its deadline");
            ApiError::timeout(limit).into_response()
        }
    }
}

/// Gives every successful GET a strong ETag (a hash of the body) and answers 304 Not Modified
/// when the client already holds that body (`If-None-Match`). Only bodies the handler built
/// whole (every JSON answer, the page, the assets) are tagged: they are hashed where they lie,
/// whatever their size. A streamed body passes through untagged rather than being gathered.
pub async fn etag(request: Request, next: Next) -> Response {
    let conditional = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if !conditional || response.status() != StatusCode::OK || response.body().size_hint().exact().is_none() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // A body of known size is already in memory: collecting it copies nothing.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => return ApiError::internal(format!("reading a response body: {error}")).into_response(),
    };
    let tag = format!("\"{:032x}\"", xxh3_128(&bytes));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    // Clients may keep the body but must ask whether it changed: the answer is cheap (304).
    parts.headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    if if_none_match.as_ref().is_some_and(|value| matches_tag(value, &tag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether an `If-None-Match` value names `tag` (weak comparison, as RFC 9110 asks for it).
fn matches_tag(value: &HeaderValue, tag: &str) -> bool {
    let Ok(value) = value.to_str() else { return false };
    value.split(',').map(str::trim).any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
}

/// Turns any error response that is not already JSON (no route, wrong method, a framework
/// rejection) into `{"error": {"code", "message"}}`, and adds the security headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        // The cause was logged where it happened (`ApiError::internal`); this says which request.
        tracing::error!(request = %what, "request failed");
    } else if status.is_server_error() {
        // A deadline or a missing capability: the client was told why.
        tracing::warn!(request = %what, status = status.as_u16(), "request not served");
    }
    let mut response = if (status.is_client_error() || status.is_server_error()) && !is_json(response.headers()) {
        let (parts, body) = response.into_parts();
        let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        let mut message = String::from_utf8_lossy(&text).trim().to_string();
        if message.is_empty() {
            message = status.canonical_reason().unwrap_or("error").to_string();
        }
        if status.is_server_error() {
            // Not from a handler (those answer JSON): the framework's text is the only cause.
            tracing::error!(request = %what, cause = %message, "server error outside a handler");
        }
        let mut fresh = ApiError::new(status, code_for(status), message).into_response();
        // Keep headers such as Allow (405) that tell the client what to do instead.
        for (name, value) in parts.headers.iter() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                fresh.headers_mut().insert(name.clone(), value.clone());
            }
        }
        fresh
    } else {
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("application/problem+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let tag = "\"abc\"";
        assert!(matches_tag(&HeaderValue::from_static("\"abc\""), tag));
        assert!(matches_tag(&HeaderValue::from_static("\"x\", W/\"abc\""), tag));
        assert!(matches_tag(&HeaderValue::from_static("*"), tag));
        assert!(!matches_tag(&HeaderValue::from_static("\"abd\""), tag));
    }

    #[tokio::test]
    async fn bodies_over_sixteen_mebibytes_are_tagged_not_refused() {
        const BIG: usize = 17 * 1024 * 1024;
        let app = Router::new().route("/big", get(|| async { vec![b'a'; BIG] })).layer(axum::middleware::from_fn(etag));
        let response = app.oneshot(Request::get("/big").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().contains_key(header::ETAG));
        assert_eq!(axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().len(), BIG);
    }

    #[tokio::test]
    async fn streamed_bodies_pass_through_untagged() {
        let streamed = || async {
            let chunks = ["streamed ", "body"].map(Ok::<_, std::io::Error>);
            Body::from_stream(futures_util::stream::iter(chunks))
        };
        let app = Router::new().route("/stream", get(streamed)).layer(axum::middleware::from_fn(etag));
        let response = app.oneshot(Request::get("/stream").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!response.headers().contains_key(header::ETAG));
        assert_eq!(axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap(), "streamed body");
    }

    #[tokio::test]
    async fn a_request_past_its_deadline_is_answered_503() {
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    std::future::pending::<()>().await;
                    "never"
                }),
            )
            .route("/fast", get(|| async { "done" }))
            .layer(axum::middleware::from_fn_with_state(Duration::from_millis(1), deadline));
        let slow = app.clone().oneshot(Request::get("/slow").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(slow.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(slow.into_body(), usize::MAX).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("\"timeout\""));
        let fast = app.oneshot(Request::get("/fast").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(fast.status(), StatusCode::OK);
    }
}
