//! Who may do what. Reads are open; writes need a bearer token when the server was given any.
//! Two checks keep other web sites away from a server on the user's own machine: a write whose
//! `Origin` or `Sec-Fetch-Site` says it comes from another site is refused (a page the user
//! visits could otherwise POST to it), and a request whose `Host` is not one of the server's
//! own names is refused (DNS rebinding: a foreign name made to resolve to this machine).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::{AppState, ServerError};

/// Write tokens shorter than this are refused at start: they could be guessed.
pub const MIN_TOKEN_CHARS: usize = 16;

/// How a server is exposed: where it listens, who may write, which host names it answers to,
/// and how long a request may take.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Bearer tokens that may write; none: writes are open (allowed on loopback only).
    pub tokens: Vec<String>,
    /// Host names the server answers to besides `localhost` and its own IP addresses.
    pub allowed_hosts: Vec<String>,
    /// A request still running after this is answered 503 and its work abandoned.
    pub request_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            tokens: Vec::new(),
            allowed_hosts: Vec::new(),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl ServeOptions {
    /// Refuses what would leave the store open to writes from the network: a non-loopback
    /// address without tokens, or a token too short to be secret.
    pub fn check(&self) -> Result<(), ServerError> {
        if self.tokens.is_empty() && !self.addr.ip().is_loopback() {
            return Err(ServerError::Unprotected { addr: self.addr });
        }
        if let Some(short) = self.tokens.iter().find(|t| t.chars().count() < MIN_TOKEN_CHARS) {
            return Err(ServerError::WeakToken { chars: short.chars().count() });
        }
        Ok(())
    }

    /// Whether a `Host` header value (`name[:port]`) names this server.
    fn is_own_host(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        if name == "localhost" || self.allowed_hosts.iter().any(|allowed| allowed.eq_ignore_ascii_case(&name)) {
            return true;
        }
        // An IP address cannot be rebound: a page that reaches us by our address is ours. When
        // bound to every interface, any of the machine's addresses may be used.
        let bound = self.addr.ip();
        match name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || ip == bound || bound.is_unspecified(),
            Err(_) => false,
        }
    }

    /// Whether `value` (the `Authorization` header) carries one of the tokens.
    fn is_authorized(&self, value: Option<&HeaderValue>) -> bool {
        let Some(presented) = value.and_then(|v| v.to_str().ok()).and_then(bearer_token) else {
            return false;
        };
        // Every token is compared, each in constant time, so the timing tells nothing of which
        // (or how much of one) matched.
        self.tokens
            .iter()
            .fold(subtle::Choice::from(0), |found, token| found | token.as_bytes().ct_eq(presented.as_bytes()))
            .into()
    }
}

/// Reads write tokens from a file: one per line; blank lines and `#` comments are skipped.
pub fn read_token_file(path: &Path) -> Result<Vec<String>, ServerError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ServerError::TokenFile { path: path.to_path_buf(), problem: source.to_string() })?;
    let tokens: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    if tokens.is_empty() {
        return Err(ServerError::TokenFile { path: path.to_path_buf(), problem: "it holds no token".into() });
    }
    Ok(tokens)
}

/// The host name of a `Host` value or an origin's authority, without the port.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]:8080`.
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(name, _port)| name)
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Why a write looks cross-site, if it does. Browsers send `Origin` with every POST and
/// `Sec-Fetch-Site` with every request; clients that are not browsers send neither and are let
/// through (they cannot be made to act for a web page).
fn cross_site(headers: &HeaderMap) -> Option<String> {
    let text = |name| headers.get(name).map(|v: &HeaderValue| v.to_str().unwrap_or("(not text)"));
    if let Some(site) = text("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return Some(format!("the request comes from another site (Sec-Fetch-Site: {site})"));
        }
    }
    let origin = text(header::ORIGIN.as_str())?;
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    let host = text(header::HOST.as_str());
    match (authority, host) {
        (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host) => None,
        _ => Some(format!("the request comes from another site (Origin: {origin})")),
    }
}

/// Refuses requests for a foreign host, cross-site writes, and writes without a valid token.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let options = state.options();
    let headers = request.headers();
    // HTTP/1.0 clients may leave Host out; browsers (the rebinding vector) never do.
    if let Some(host) = headers.get(header::HOST) {
        let host = host.to_str().unwrap_or("");
        if !options.is_own_host(host) {
            let message = format!(
                "this server does not answer to the host {host:?}; start it with --allowed-host {:?} if that is its name",
                host_name(host)
            );
            return ApiError::new(StatusCode::FORBIDDEN, "host_not_allowed", message).into_response();
        }
    }
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes {
        if let Some(reason) = cross_site(headers) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "cross_site",
                format!(
                    "{reason}; writes must come from this server's own pages or from a client that is not a browser"
                ),
            )
            .into_response();
        }
        if !options.tokens.is_empty() && !options.is_authorized(headers.get(header::AUTHORIZATION)) {
            let message = match headers.get(header::AUTHORIZATION) {
                None => "writing needs a token: send Authorization: Bearer <token>",
                Some(_) => "the token is not valid",
            };
            let mut response = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(addr: &str) -> ServeOptions {
        ServeOptions { addr: addr.parse().unwrap(), ..ServeOptions::default() }
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("[::1]"), "::1");
        assert_eq!(host_name("example.org"), "example.org");
    }

    #[test]
    fn own_hosts_are_loopback_the_bound_address_and_allowed_names() {
        let local = on("127.0.0.1:8080");
        for host in ["localhost:8080", "LOCALHOST", "127.0.0.1:8080", "[::1]:8080"] {
            assert!(local.is_own_host(host), "{host}");
        }
        for host in ["evil.example", "evil.example:8080", "10.0.0.9:8080", "localhost.evil.example", ""] {
            assert!(!local.is_own_host(host), "{host}");
        }
        let named = ServeOptions { allowed_hosts: vec!["News.Example".into()], ..on("10.0.0.5:80") };
        assert!(named.is_own_host("news.example") && named.is_own_host("10.0.0.5") && !named.is_own_host("10.0.0.6"));
        assert!(on("0.0.0.0:80").is_own_host("192.168.1.20:80"));
    }

    #[test]
    fn tokens_are_bearer_and_exact() {
        let options = ServeOptions {
            tokens: vec!["a-long-enough-token-1".into(), "second-token-here-2".into()],
            ..on("0.0.0.0:80")
        };
        let value = |s: &'static str| HeaderValue::from_static(s);
        assert!(options.is_authorized(Some(&value("Bearer second-token-here-2"))));
        assert!(options.is_authorized(Some(&value("bearer a-long-enough-token-1"))));
        assert!(!options.is_authorized(Some(&value("Bearer a-long-enough-token"))));
        assert!(!options.is_authorized(Some(&value("Basic a-long-enough-token-1"))));
        assert!(!options.is_authorized(Some(&value("Bearer "))));
        assert!(!options.is_authorized(None));
    }

    #[test]
    fn binding_beyond_loopback_needs_strong_tokens() {
        assert!(on("127.0.0.1:0").check().is_ok());
        assert!(on("[::1]:0").check().is_ok());
        assert!(matches!(on("0.0.0.0:0").check(), Err(ServerError::Unprotected { .. })));
        assert!(matches!(on("192.168.1.2:0").check(), Err(ServerError::Unprotected { .. })));
        let weak = ServeOptions { tokens: vec!["short".into()], ..on("0.0.0.0:0") };
        assert!(matches!(weak.check(), Err(ServerError::WeakToken { chars: 5 })));
        let strong = ServeOptions { tokens: vec!["x".repeat(MIN_TOKEN_CHARS)], ..on("0.0.0.0:0") };
        assert!(strong.check().is_ok());
    }

    #[test]
    fn token_files_skip_blanks_and_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# writers\n\n  first-token-0123456789  \nsecond-token-0123456789\n").unwrap();
        assert_eq!(read_token_file(&path).unwrap(), ["first-token-0123456789", "second-token-0123456789"]);
        std::fs::write(&path, "# nothing\n\n").unwrap();
        assert!(read_token_file(&path).is_err());
        assert!(read_token_file(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn writes_from_other_sites_are_recognised() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        assert_eq!(cross_site(&headers(&[])), None);
        assert_eq!(cross_site(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")])), None);
        assert_eq!(cross_site(&headers(&[("sec-fetch-site", "same-origin")])), None);
        for case in [
            &[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")][..],
            &[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:9999")],
            &[("host", "127.0.0.1:8080"), ("origin", "null")],
            &[("origin", "http://127.0.0.1:8080")],
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
        ] {
            assert!(cross_site(&headers(case)).is_some(), "{case:?}");
        }
    }
}
