//! The web page: one HTML shell, a script and a style sheet, compiled into the binary. The
//! script routes on the path (`/`, `/event/N`, `/article/ID`, `/storyline/N`, `/search?q=`) and
//! draws everything from the JSON API.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};

use crate::error::ApiError;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");
const FAVICON_SVG: &str = include_str!("../assets/favicon.svg");

pub async fn page() -> Html<&'static str> {
    Html(INDEX_HTML)
}

pub async fn asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    let (body, content_type) = match name.as_str() {
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "style.css" => (STYLE_CSS, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON_SVG, "image/svg+xml"),
        _ => return Err(ApiError::not_found(format!("no asset {name:?}"))),
    };
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}
