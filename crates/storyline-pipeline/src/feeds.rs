//! Polling subscribed feeds: fetch each feed (conditionally), fetch each new item's page
//! politely, and send the articles to their sink: the same pipeline as files, or the article
//! stream.
//!
//! The feed list and which items were seen live in the store polling is given, whichever way
//! the articles go. An item is remembered as seen once its article is safe (committed to the
//! store, or acknowledged by the stream) or it has failed for good (a 404, robots.txt, a page
//! without text); items that failed for a reason that may pass (a server error, a timeout) are
//! tried again at the next poll. Articles are sent before their items are marked seen, so an
//! interrupted poll fetches at most a few pages twice and never loses an article.

use anyhow::{Context, Result};
use serde::Serialize;
use storyline_feeds::{
    article_from_item, article_from_page, parse_feed, FeedError, FeedItem, Fetched, Fetcher, Validators,
};
use storyline_model::{Article, Skipped};
use storyline_store::{FeedPoll, Store};

use crate::{ArticlePublisher, ArticleSink, IngestOptions, IngestReport};

/// What one poll did, per feed and in total.
#[derive(Debug, Default, Clone, Serialize)]
pub struct PollReport {
    pub feeds: Vec<FeedPollReport>,
    /// The ingest of every fetched article together.
    pub ingest: IngestReport,
}

/// What happened to one feed.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FeedPollReport {
    pub url: String,
    /// "ok", "not modified", or why the feed could not be read.
    pub status: String,
    pub items: usize,
    /// Items not seen before.
    pub new_items: usize,
    /// Pages fetched and turned into articles.
    pub fetched: usize,
    /// Items that will be tried again at the next poll.
    pub retry_later: usize,
}

/// An item whose article is waiting to be stored.
struct Pending {
    feed: String,
    item: FeedItem,
    article: Article,
}

/// Polls every feed subscribed in `store` once, and stores the new articles there, or publishes
/// them to the article stream when given a publisher. `progress` gets a line per feed for
/// people watching.
pub fn poll_feeds(
    store: &mut Store,
    fetcher: &mut Fetcher,
    publisher: Option<&ArticlePublisher>,
    options: &IngestOptions,
    progress: &dyn Fn(&FeedPollReport),
) -> Result<PollReport> {
    let mut report = PollReport::default();
    let mut skipped = Vec::new();
    let mut pending = Vec::new();
    for feed in store.feeds()? {
        let validators = Validators { etag: feed.etag.clone(), last_modified: feed.last_modified.clone() };
        let mut feed_report = FeedPollReport { url: feed.url.clone(), ..Default::default() };
        let mut poll = FeedPoll::default();
        let page = match fetcher.fetch(&feed.url, Some(&validators)) {
            Ok(Fetched::Body(page)) => Some(page),
            Ok(Fetched::NotModified) => {
                feed_report.status = "not modified".to_string();
                None
            }
            Err(error) => {
                feed_report.status = error.to_string();
                None
            }
        };
        let parsed = page.as_ref().map(|page| parse_feed(&page.body, &page.url));
        let title;
        match (&page, parsed) {
            (Some(page), Some(Ok(parsed))) => {
                feed_report.status = "ok".to_string();
                poll.etag = page.validators.etag.as_deref();
                poll.last_modified = page.validators.last_modified.as_deref();
                title = parsed.title;
                poll.title = title.as_deref();
                feed_report.items = parsed.items.len();
                for item in parsed.items {
                    if store.feed_item_seen(&feed.url, &item.key)? {
                        continue;
                    }
                    feed_report.new_items += 1;
                    match fetch_item(fetcher, &item) {
                        Ok(article) => {
                            feed_report.fetched += 1;
                            pending.push(Pending { feed: feed.url.clone(), item, article });
                        }
                        Err(error) if error.is_transient() => {
                            feed_report.retry_later += 1;
                            skipped.push(Skipped { origin: origin(&item), reason: format!("{error} (will retry)") });
                        }
                        Err(error) => {
                            let reason = error.to_string();
                            store.mark_feed_item_seen(&feed.url, &item.key, item.link.as_deref(), &reason, None)?;
                            skipped.push(Skipped { origin: origin(&item), reason });
                        }
                    }
                }
            }
            (_, Some(Err(error))) => feed_report.status = error.to_string(),
            _ => {}
        }
        poll.status = &feed_report.status;
        store.record_feed_poll(&feed.url, &poll)?;
        progress(&feed_report);
        report.feeds.push(feed_report);
    }

    let articles: Vec<Article> = pending.iter().map(|p| p.article.clone()).collect();
    let mut sink = ArticleSink::choose(store, publisher);
    let (sent, what) = if sink.publishes() { ("published", "publishing") } else { ("stored", "storing") };
    let mut ingest = sink.send_articles(articles, options).with_context(|| format!("{what} the fetched articles"))?;
    for p in &pending {
        store.mark_feed_item_seen(&p.feed, &p.item.key, p.item.link.as_deref(), sent, Some(&p.article.id))?;
    }
    ingest.files = 0;
    // Fetch failures first, then what the pipeline skipped.
    skipped.append(&mut ingest.skipped);
    ingest.skipped = skipped;
    report.ingest = ingest;
    Ok(report)
}

/// Why an item gave no article: a fetch error, or a page that is not an article.
enum ItemError {
    Fetch(FeedError),
    Page(String),
}

impl ItemError {
    fn is_transient(&self) -> bool {
        matches!(self, ItemError::Fetch(error) if error.is_transient())
    }
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemError::Fetch(error) => error.fmt(f),
            ItemError::Page(reason) => f.write_str(reason),
        }
    }
}

/// The item's article: its page when it links one, else (or when the page has no text) the
/// content the feed carries.
fn fetch_item(fetcher: &mut Fetcher, item: &FeedItem) -> Result<Article, ItemError> {
    let Some(link) = &item.link else {
        return article_from_item(item).map_err(ItemError::Page);
    };
    match fetcher.fetch(link, None).map_err(ItemError::Fetch)? {
        Fetched::Body(page) => article_from_page(item, &page)
            .or_else(|page_error| article_from_item(item).map_err(|_| ItemError::Page(page_error))),
        // Not asked conditionally, so a 304 would be a confused server.
        Fetched::NotModified => Err(ItemError::Page("unexpected 304 Not Modified".to_string())),
    }
}

fn origin(item: &FeedItem) -> String {
    item.link.clone().unwrap_or_else(|| item.key.clone())
}
