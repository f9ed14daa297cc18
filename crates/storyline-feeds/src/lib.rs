//! Live sources for storyline: RSS and Atom feeds, and the pages they link to, fetched politely.
//!
//! [`parse_feed`] reads RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom documents into [`FeedItem`]s;
//! [`Fetcher`] is an HTTP client that respects robots.txt, rate-limits itself per host, retries
//! with backoff and makes conditional requests; [`article_from_page`] turns a fetched page into an
//! [`Article`], with the feed item's title, link and date as fallbacks. What has been seen is
//! remembered by the caller (the store): this crate keeps no state between runs.
//!
//! ```
//! use storyline_feeds::parse_feed;
//! let rss = r#"<rss version="2.0"><channel><title>News</title>
//!   <item><title>Deal signed</title><link>https://news.example/a</link></item>
//! </channel></rss>"#;
//! let feed = parse_feed(rss.as_bytes(), "https://news.example/feed.xml").unwrap();
//! assert_eq!(feed.items[0].link.as_deref(), Some("https://news.example/a"));
//! ```
//!
//! Fetching (not run here: it needs a network):
//!
//! ```no_run
//! use storyline_feeds::{Fetched, Fetcher, FetchConfig};
//! let mut fetcher = Fetcher::new(FetchConfig::default());
//! if let Fetched::Body(page) = fetcher.fetch("https://news.example/feed.xml", None)? {
//!     println!("{} bytes, ETag {:?}", page.body.len(), page.validators.etag);
//! }
//! # Ok::<(), storyline_feeds::FeedError>(())
//! ```

mod feed;
mod fetch;
mod guard;

pub use feed::{parse_feed, Feed, FeedItem};
pub use fetch::{parse_url, FetchConfig, Fetched, Fetcher, Page, Validators};
pub use guard::{check_url, non_public_kind, refusal};

use storyline_ingest::{decode_http, parse_html, stable_id};
use storyline_model::{Article, DateSource, SourceFormat};

/// Why a feed or page could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("invalid URL {url}: {reason}")]
    Url { url: String, reason: String },
    #[error("robots.txt disallows {0}")]
    Disallowed(String),
    #[error("HTTP {status} from {url}")]
    Status { url: String, status: u16 },
    #[error("cannot fetch {url}: {reason}")]
    Network { url: String, reason: String },
    #[error("too many redirects from {0}")]
    TooManyRedirects(String),
    #[error("not a feed: {0}")]
    Parse(String),
    /// The address guard would not fetch from this host ("127.0.0.1 is a loopback address").
    #[error("refused: {0}")]
    Refused(String),
}

impl FeedError {
    /// Whether trying again later may succeed (a server or network problem), as opposed to an
    /// answer that will not change (404, robots.txt, a bad URL).
    pub fn is_transient(&self) -> bool {
        match self {
            FeedError::Network { .. } => true,
            FeedError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// Turns a page fetched for a feed item into an article. The id comes from the item's link, so
/// the same item always gets the same id; the item's title, date and author fill what the page
/// does not say.
pub fn article_from_page(item: &FeedItem, page: &Page) -> Result<Article, String> {
    let is_html = page.content_type.as_deref().is_none_or(|kind| kind.to_ascii_lowercase().contains("html"));
    if !is_html {
        return Err(format!("not an HTML page ({})", page.content_type.as_deref().unwrap_or_default()));
    }
    let decoded = decode_http(&page.body, page.content_type.as_deref()).map_err(|error| error.to_string())?;
    let link = item.link.as_deref().unwrap_or(&page.url);
    let mut article = parse_html(&stable_id(Some(link), ""), &decoded.text, Some(&page.url))?;
    fill_from_item(&mut article, item, link);
    Ok(article)
}

/// An article from the content the feed itself carries, for items whose page cannot be read
/// (no link, or a page without extractable text).
pub fn article_from_item(item: &FeedItem) -> Result<Article, String> {
    let content = item.content.as_deref().ok_or("the item has no content")?;
    let id = stable_id(item.link.as_deref(), content);
    let mut article = parse_html(&id, content, item.link.as_deref())?;
    fill_from_item(&mut article, item, item.link.as_deref().unwrap_or_default());
    Ok(article)
}

fn fill_from_item(article: &mut Article, item: &FeedItem, link: &str) {
    if article.url.is_none() && !link.is_empty() {
        article.url = Some(link.to_string());
    }
    article.title = article.title.take().or_else(|| item.title.clone());
    // The feed's own date beats one guessed from the link's path (feeds state it in UTC).
    if let Some(published) = item.published.filter(|_| matches!(article.date_source, None | Some(DateSource::Url))) {
        article.set_published(published.fixed_offset(), DateSource::Feed);
    }
    article.author = article.author.take().or_else(|| item.author.clone());
    article.source.format = SourceFormat::Html;
    article.source.path = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn item() -> FeedItem {
        FeedItem {
            key: "a".to_string(),
            link: Some("https://news.example/a".to_string()),
            title: Some("Deal signed in Tripoli".to_string()),
            published: chrono::Utc.with_ymd_and_hms(2019, 12, 2, 10, 0, 0).single(),
            author: Some("A. Writer".to_string()),
            content: Some("<p>Turkey and Qatar signed a deal with Libya's government.</p>".to_string()),
        }
    }

    #[test]
    fn page_with_item_fallbacks() {
        let page = Page {
            url: "https://news.example/a?utm=x".to_string(),
            content_type: Some("text/html; charset=utf-8".to_string()),
            body: b"<html><body><p>Turkey and Qatar signed a military deal with Libya on Monday.</p></body></html>"
                .to_vec(),
            validators: Validators::default(),
        };
        let article = article_from_page(&item(), &page).expect("an article");
        assert_eq!(article.id, stable_id(Some("https://news.example/a"), ""));
        assert_eq!(article.title.as_deref(), Some("Deal signed in Tripoli"));
        assert_eq!(article.published, item().published);
        assert_eq!(article.author.as_deref(), Some("A. Writer"));
        assert!(article.text.contains("military deal"));

        let image = Page { content_type: Some("image/png".to_string()), ..page };
        assert_eq!(article_from_page(&item(), &image).expect_err("not a page"), "not an HTML page (image/png)");
    }

    #[test]
    fn the_feed_date_beats_the_url_but_not_the_page_metadata() {
        let page = |body: &str, url: &str| Page {
            url: url.to_string(),
            content_type: Some("text/html".to_string()),
            body: body.as_bytes().to_vec(),
            validators: Validators::default(),
        };
        let text = "<p>Turkey and Qatar signed a military deal with Libya on Monday, officials said.</p>";
        // A date only in the link's path: the feed's stated moment replaces it.
        let by_url = page(&format!("<html><body>{text}</body></html>"), "https://news.example/2019/11/30/a");
        let article = article_from_page(&item(), &by_url).expect("an article");
        assert_eq!(article.date_source, Some(DateSource::Feed));
        assert_eq!(article.published, item().published);
        // No date at all in the page: the feed's.
        let bare = page(&format!("<html><body>{text}</body></html>"), "https://news.example/a");
        assert_eq!(article_from_page(&item(), &bare).expect("an article").date_source, Some(DateSource::Feed));
        // The page's own metadata stays: the publisher states it with its offset.
        let stated = page(
            &format!(
                "<html><head><meta property=\"article:published_time\" content=\"2019-12-01T21:30:00-05:00\"></head>\
                 <body>{text}</body></html>"
            ),
            "https://news.example/a",
        );
        let article = article_from_page(&item(), &stated).expect("an article");
        assert_eq!(article.date_source, Some(DateSource::Metadata));
        assert_eq!(article.published_offset, Some(-5 * 3600));
    }

    #[test]
    fn item_content_as_article() {
        let article = article_from_item(&item()).expect("an article");
        assert_eq!(article.text, "Turkey and Qatar signed a deal with Libya's government.");
        assert_eq!(article.url.as_deref(), Some("https://news.example/a"));
        let empty = FeedItem { content: None, ..item() };
        assert!(article_from_item(&empty).is_err());
    }

    #[test]
    fn transient_errors() {
        assert!(FeedError::Status { url: "u".into(), status: 503 }.is_transient());
        assert!(!FeedError::Status { url: "u".into(), status: 404 }.is_transient());
        assert!(!FeedError::Disallowed("u".into()).is_transient());
    }
}
