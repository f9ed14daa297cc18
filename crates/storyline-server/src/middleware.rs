//! Layers every response passes through: strong ETags with conditional GETs, one JSON shape for
//! every error, and security headers for the web page.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use xxhash_rust::xxh3::xxh3_128;

use crate::error::{code_for, ApiError};

/// Bodies up to this size are hashed for an ETag; larger ones pass through untagged.
const MAX_TAGGED_BYTES: usize = 16 * 1024 * 1024;

/// Gives every successful GET a strong ETag (a hash of the body) and answers 304 Not Modified
/// when the client already holds that body (`If-None-Match`).
pub async fn etag(request: Request, next: Next) -> Response {
    let conditional = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if !conditional || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_TAGGED_BYTES).await {
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
    let response = next.run(request).await;
    let status = response.status();
    let mut response = if (status.is_client_error() || status.is_server_error()) && !is_json(response.headers()) {
        let (parts, body) = response.into_parts();
        let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        let mut message = String::from_utf8_lossy(&text).trim().to_string();
        if message.is_empty() {
            message = status.canonical_reason().unwrap_or("error").to_string();
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

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let tag = "\"abc\"";
        assert!(matches_tag(&HeaderValue::from_static("\"abc\""), tag));
        assert!(matches_tag(&HeaderValue::from_static("\"x\", W/\"abc\""), tag));
        assert!(matches_tag(&HeaderValue::from_static("*"), tag));
        assert!(!matches_tag(&HeaderValue::from_static("\"abd\""), tag));
    }
}
