//! A polite HTTP client: one that a site's operator would not mind.
//!
//! Every request names itself (`storyline/<version>`), asks robots.txt first, waits between
//! requests to the same host, gives up after a timeout, and retries only what may succeed later
//! (server errors, 429, timeouts) a bounded number of times with exponential backoff. Redirects
//! are followed here rather than by the HTTP library so each hop gets the same checks. Unless
//! the operator allows it, no request goes to a loopback, private, link-local or otherwise
//! non-public address ([`crate::guard`]), whatever the feed or a redirect names.

use std::collections::HashMap;
use std::net::IpAddr;
use std::thread::sleep;
use std::time::{Duration, Instant};

use texting_robots::Robot;
use url::Url;

use crate::guard::{PublicOnlyResolver, Refused};
use crate::FeedError;

/// How the fetcher behaves. The defaults suit polling news sites.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    /// For a whole request, body included.
    pub timeout: Duration,
    /// Retries after the first attempt, for 5xx, 429 and network failures.
    pub retries: u32,
    /// The first retry waits this long; each later one twice as long as the one before.
    pub backoff: Duration,
    /// No retry waits longer than this, whatever a `Retry-After` header asks for.
    pub max_backoff: Duration,
    /// Least time between two requests to the same host (robots.txt `Crawl-delay` may raise it).
    pub host_interval: Duration,
    /// A `Crawl-delay` above this is capped: a feed poll must finish some day.
    pub max_crawl_delay: Duration,
    pub max_body_bytes: u64,
    pub max_redirects: u32,
    /// Fetch from loopback, private, link-local and other non-public addresses too. Off by
    /// default: feeds and redirects are written by others and must not reach the operator's
    /// network. (With it off, proxies from the environment are not used either: the guard must
    /// see the addresses actually connected to.)
    pub allow_private_addresses: bool,
    /// Non-public addresses fetched from even so (an intranet feed, a test server).
    pub allowed_addresses: Vec<IpAddr>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: format!("storyline/{}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            host_interval: Duration::from_secs(1),
            max_crawl_delay: Duration::from_secs(30),
            max_body_bytes: 20 * 1024 * 1024,
            max_redirects: 5,
            allow_private_addresses: false,
            allowed_addresses: Vec::new(),
        }
    }
}

/// Validators from an earlier fetch, sent back so an unchanged resource costs nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A fetched resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// 304: the resource has not changed since the validators were issued.
    NotModified,
    Body(Page),
}

/// A successful (2xx) response.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The URL after redirects.
    pub url: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub validators: Validators,
}

/// What robots.txt says about one origin, and when that host was last asked for something.
#[derive(Default)]
struct Host {
    rules: Rules,
    last_request: Option<Instant>,
}

#[derive(Default)]
enum Rules {
    #[default]
    Unchecked,
    /// No robots.txt (or one we cannot read): nothing is restricted.
    AllowAll,
    /// robots.txt failed with a server error or could not be reached: keep out for now.
    DenyAll,
    Robot(Box<Robot>),
}

/// A polite HTTP client. It remembers robots.txt and request times per host for its lifetime,
/// so one fetcher should serve a whole poll.
pub struct Fetcher {
    agent: ureq::Agent,
    config: FetchConfig,
    hosts: HashMap<String, Host>,
}

/// Status, headers and body of a response.
type Response = (u16, Vec<(String, String)>, Vec<u8>);

/// The outcome of one HTTP exchange, before retries are decided.
enum Attempt {
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    Failed {
        error: String,
        retry: bool,
    },
    /// The address guard refused the host: nothing was sent.
    Refused(String),
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Fetcher {
        let builder = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(config.user_agent.as_str());
        let agent = if config.allow_private_addresses {
            builder.build().into()
        } else {
            let resolver = PublicOnlyResolver::new(config.allowed_addresses.clone());
            let connector = ureq::unversioned::transport::DefaultConnector::new();
            ureq::Agent::with_parts(builder.proxy(None).build(), connector, resolver)
        };
        Fetcher { agent, config, hosts: HashMap::new() }
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url` if robots.txt allows it, following redirects, retrying what is worth
    /// retrying. `validators` make the request conditional.
    pub fn fetch(&mut self, url: &str, validators: Option<&Validators>) -> Result<Fetched, FeedError> {
        let mut current = parse_url(url)?;
        for _ in 0..=self.config.max_redirects {
            if !self.allowed(&current)? {
                return Err(FeedError::Disallowed(current.to_string()));
            }
            let (status, headers, body) = self.get_with_retries(&current, validators)?;
            match status {
                200..=299 => {
                    let header = |name: &str| header(&headers, name).map(str::to_string);
                    return Ok(Fetched::Body(Page {
                        url: current.to_string(),
                        content_type: header("content-type"),
                        body,
                        validators: Validators { etag: header("etag"), last_modified: header("last-modified") },
                    }));
                }
                304 => return Ok(Fetched::NotModified),
                301 | 302 | 303 | 307 | 308 => {
                    let location =
                        header(&headers, "location").ok_or(FeedError::Status { url: current.to_string(), status })?;
                    current = current
                        .join(location)
                        .map_err(|error| FeedError::Url { url: location.to_string(), reason: error.to_string() })?;
                }
                _ => return Err(FeedError::Status { url: current.to_string(), status }),
            }
        }
        Err(FeedError::TooManyRedirects(url.to_string()))
    }

    fn get_with_retries(&mut self, url: &Url, validators: Option<&Validators>) -> Result<Response, FeedError> {
        let mut wait = self.config.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for_host(url);
            let result = self.get(url.as_str(), validators);
            let last = attempt > self.config.retries;
            match result {
                Attempt::Response { status, headers, body } => {
                    let retryable = status >= 500 || status == 429;
                    if !retryable || last {
                        return Ok((status, headers, body));
                    }
                    // A server that says when to come back is believed, within reason.
                    let asked = header(&headers, "retry-after").and_then(|s| s.trim().parse().ok());
                    let pause = asked.map(Duration::from_secs).unwrap_or(wait).min(self.config.max_backoff);
                    tracing::info!(%url, status, attempt, ?pause, "retrying");
                    sleep(pause);
                }
                Attempt::Refused(reason) => return Err(FeedError::Refused(reason)),
                Attempt::Failed { error, retry } => {
                    if !retry || last {
                        return Err(FeedError::Network { url: url.to_string(), reason: error });
                    }
                    tracing::info!(%url, %error, attempt, ?wait, "retrying");
                    sleep(wait.min(self.config.max_backoff));
                }
            }
            wait = wait.saturating_mul(2);
        }
    }

    fn get(&self, url: &str, validators: Option<&Validators>) -> Attempt {
        let mut request = self.agent.get(url);
        if let Some(validators) = validators {
            if let Some(etag) = &validators.etag {
                request = request.header("If-None-Match", etag);
            }
            if let Some(modified) = &validators.last_modified {
                request = request.header("If-Modified-Since", modified);
            }
        }
        let mut response = match request.call() {
            Ok(response) => response,
            Err(error) => return failed(error),
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
            .collect();
        match response.body_mut().with_config().limit(self.config.max_body_bytes).read_to_vec() {
            Ok(body) => Attempt::Response { status, headers, body },
            Err(error) => failed(error),
        }
    }

    /// Sleeps until this host may be asked again.
    fn wait_for_host(&mut self, url: &Url) {
        let interval = self.host_interval(url);
        let host = self.hosts.entry(origin(url)).or_default();
        if let Some(last) = host.last_request {
            let ready = last + interval;
            let now = Instant::now();
            if ready > now {
                sleep(ready - now);
            }
        }
        host.last_request = Some(Instant::now());
    }

    fn host_interval(&self, url: &Url) -> Duration {
        let crawl_delay = match self.hosts.get(&origin(url)) {
            Some(Host { rules: Rules::Robot(robot), .. }) => robot.delay,
            _ => None,
        };
        let crawl_delay = crawl_delay
            .filter(|delay| delay.is_finite() && *delay > 0.0)
            .map(|delay| Duration::from_secs_f32(delay).min(self.config.max_crawl_delay))
            .unwrap_or_default();
        crawl_delay.max(self.config.host_interval)
    }

    /// Whether robots.txt lets us fetch `url`, fetching robots.txt on first contact with a host.
    /// Following RFC 9309: no robots.txt (4xx) allows everything; a server error or an
    /// unreachable robots.txt means "keep out" for now.
    /// A host the address guard refuses is an error, not a robots.txt verdict.
    fn allowed(&mut self, url: &Url) -> Result<bool, FeedError> {
        let key = origin(url);
        if matches!(self.hosts.get(&key).map(|host| &host.rules), None | Some(Rules::Unchecked)) {
            let rules = self.robots(url)?;
            self.hosts.entry(key.clone()).or_default().rules = rules;
        }
        Ok(match self.hosts.get(&key).map(|host| &host.rules) {
            Some(Rules::DenyAll) => false,
            Some(Rules::Robot(robot)) => robot.allowed(url.as_str()),
            _ => true,
        })
    }

    fn robots(&mut self, url: &Url) -> Result<Rules, FeedError> {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Ok(Rules::AllowAll);
        };
        // robots.txt is fetched with the same politeness as anything else, redirects included.
        let mut current = robots_url;
        for _ in 0..=self.config.max_redirects {
            let result = self.get_with_retries(&current, None);
            let (status, headers, body) = match result {
                Ok(response) => response,
                Err(error @ FeedError::Refused(_)) => return Err(error),
                Err(error) => {
                    tracing::warn!(%url, %error, "robots.txt unreachable; not fetching from this host");
                    return Ok(Rules::DenyAll);
                }
            };
            match status {
                200..=299 => {
                    // Rules name products ("User-agent: storyline"), not versions.
                    let product = self.config.user_agent.split('/').next().unwrap_or_default();
                    return Ok(match Robot::new(product, &body) {
                        Ok(robot) => Rules::Robot(Box::new(robot)),
                        // An unparseable robots.txt restricts nothing we can read.
                        Err(_) => Rules::AllowAll,
                    });
                }
                301 | 302 | 303 | 307 | 308 => match header(&headers, "location").and_then(|l| current.join(l).ok()) {
                    Some(next) => current = next,
                    None => return Ok(Rules::AllowAll),
                },
                400..=499 => return Ok(Rules::AllowAll),
                _ => return Ok(Rules::DenyAll),
            }
        }
        Ok(Rules::AllowAll)
    }
}

fn failed(error: ureq::Error) -> Attempt {
    if let ureq::Error::Other(inner) = &error {
        if let Some(Refused(reason)) = inner.downcast_ref::<Refused>() {
            return Attempt::Refused(reason.clone());
        }
    }
    let retry = matches!(
        error,
        ureq::Error::Timeout(_) | ureq::Error::Io(_) | ureq::Error::ConnectionFailed | ureq::Error::HostNotFound
    );
    let error = match error {
        ureq::Error::BodyExceedsLimit(limit) => format!("response larger than {limit} bytes"),
        other => other.to_string(),
    };
    Attempt::Failed { error, retry }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Only http and https URLs are fetched.
pub fn parse_url(url: &str) -> Result<Url, FeedError> {
    let parsed =
        Url::parse(url.trim()).map_err(|error| FeedError::Url { url: url.to_string(), reason: error.to_string() })?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        _ => {
            Err(FeedError::Url { url: url.to_string(), reason: "only http and https URLs can be fetched".to_string() })
        }
    }
}
