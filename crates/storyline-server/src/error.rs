//! Every error the API answers with has one JSON shape: `{"error": {"code", "message"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error answered to the client: an HTTP status, a stable machine-readable code and a message
/// for people.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn bad_query(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message)
    }

    /// A failure of ours, not the client's: logged in full (the error and every cause under
    /// it), answered without internals.
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let error = error.into();
        tracing::error!(error = %chain(error.as_ref()), "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server could not answer; see its log")
    }

    /// The article stream (NATS) failed to take articles: logged in full, answered
    /// without internals, as something to try again later.
    pub fn stream_unavailable(error: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %chain(error), "publishing to the article stream failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the article stream did not take the article; try again later",
        )
    }

    /// The request took longer than the server allows.
    pub fn timeout(limit: std::time::Duration) -> Self {
        let message =
            format!("the request took longer than {} s and was stopped; try again later", limit.as_secs_f64());
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", message)
    }

    /// The request was given up (deadline passed, client gone) before its work started: nobody
    /// reads this answer.
    pub fn abandoned() -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "abandoned", "the request was given up before it ran")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

impl From<storyline_store::StoreError> for ApiError {
    fn from(error: storyline_store::StoreError) -> Self {
        ApiError::internal(error)
    }
}

impl From<storyline_search::SearchError> for ApiError {
    fn from(error: storyline_search::SearchError) -> Self {
        ApiError::internal(error)
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(error: tokio::task::JoinError) -> Self {
        ApiError::internal(error)
    }
}

/// An error and its causes, outermost first: `reading x: permission denied`.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let next = inner.to_string();
        // Some errors repeat their source in their own message.
        if !text.ends_with(&next) {
            text = format!("{text}: {next}");
        }
        cause = inner.source();
    }
    text
}

/// The code that goes with a status when the error did not come from a handler (no route,
/// wrong method, a body over the limit).
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("opening the store")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn chains_name_every_cause() {
        let error = Outer(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied"));
        assert_eq!(chain(&error), "opening the store: permission denied");
    }
}
