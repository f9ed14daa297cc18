//! Subscribed feeds and what has been seen of them, so a poll fetches only new items.

use crate::db::{params, OptionalExtension};
use chrono::Utc;
use serde::Serialize;

use crate::{Result, Store};

/// A subscribed feed and the state of its last poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedRecord {
    pub url: String,
    pub title: Option<String>,
    pub added_at: String,
    pub last_polled_at: Option<String>,
    /// What the last poll found: "ok", "not modified", or the error.
    pub last_status: Option<String>,
    /// HTTP validators of the last fetch, sent back for a conditional request.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Items remembered as seen.
    pub items_seen: usize,
}

/// The result of a poll of one feed, for [`Store::record_feed_poll`].
#[derive(Debug, Clone, Default)]
pub struct FeedPoll<'a> {
    pub title: Option<&'a str>,
    pub status: &'a str,
    /// New validators; `None` keeps the stored ones (a 304 or a failed fetch issues none).
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

impl Store {
    /// Subscribes to a feed; `false` when it was already subscribed.
    pub fn add_feed(&self, url: &str) -> Result<bool> {
        let added =
            self.conn.execute("INSERT OR IGNORE INTO feeds (url, added_at) VALUES (?1, ?2)", params![url, now()])?;
        Ok(added > 0)
    }

    /// Unsubscribes and forgets the feed's seen items; `false` when it was not subscribed.
    pub fn remove_feed(&self, url: &str) -> Result<bool> {
        self.conn.execute("DELETE FROM feed_items WHERE feed_url = ?1", [url])?;
        Ok(self.conn.execute("DELETE FROM feeds WHERE url = ?1", [url])? > 0)
    }

    /// Every subscribed feed, in the order they were added.
    pub fn feeds(&self) -> Result<Vec<FeedRecord>> {
        let mut statement = self.conn.prepare(
            "SELECT url, title, added_at, last_polled_at, last_status, etag, last_modified,
                    (SELECT COUNT(*) FROM feed_items WHERE feed_url = feeds.url)
             FROM feeds ORDER BY rowid",
        )?;
        let rows = statement.query_map(params![], |r| {
            Ok(FeedRecord {
                url: r.get(0)?,
                title: r.get(1)?,
                added_at: r.get(2)?,
                last_polled_at: r.get(3)?,
                last_status: r.get(4)?,
                etag: r.get(5)?,
                last_modified: r.get(6)?,
                items_seen: r.get::<i64>(7)? as usize,
            })
        })?;
        rows.collect::<crate::Result<_>>()
    }

    /// Whether an item of a feed has been seen (fetched, or given up on for good).
    pub fn feed_item_seen(&self, feed_url: &str, item_key: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM feed_items WHERE feed_url = ?1 AND item_key = ?2")?
            .query_row([feed_url, item_key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Remembers an item as seen, with what became of it ("stored", or why it was skipped) and
    /// the article it became, if any.
    pub fn mark_feed_item_seen(
        &self,
        feed_url: &str,
        item_key: &str,
        link: Option<&str>,
        outcome: &str,
        article_id: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO feed_items (feed_url, item_key, link, outcome, article_id, seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![feed_url, item_key, link, outcome, article_id, now()],
        )?;
        Ok(())
    }

    /// Records a poll of a feed.
    pub fn record_feed_poll(&self, url: &str, poll: &FeedPoll) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET last_polled_at = ?2, last_status = ?3,
                 title = COALESCE(?4, title), etag = COALESCE(?5, etag),
                 last_modified = COALESCE(?6, last_modified)
             WHERE url = ?1",
            params![url, now(), poll.status, poll.title, poll.etag, poll.last_modified],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_and_seen_items() {
        let store = Store::open_in_memory().expect("store");
        assert!(store.add_feed("https://a.example/feed").expect("add"));
        assert!(!store.add_feed("https://a.example/feed").expect("add again"));
        assert!(store.add_feed("https://b.example/rss").expect("add"));

        assert!(!store.feed_item_seen("https://a.example/feed", "item-1").expect("query"));
        store
            .mark_feed_item_seen("https://a.example/feed", "item-1", Some("https://a.example/1"), "stored", Some("u1"))
            .expect("mark");
        assert!(store.feed_item_seen("https://a.example/feed", "item-1").expect("query"));
        assert!(!store.feed_item_seen("https://b.example/rss", "item-1").expect("query"), "seen state is per feed");

        let poll = FeedPoll { title: Some("A news"), status: "ok", etag: Some("\"v1\""), last_modified: None };
        store.record_feed_poll("https://a.example/feed", &poll).expect("record");
        let unchanged = FeedPoll { status: "not modified", ..Default::default() };
        store.record_feed_poll("https://a.example/feed", &unchanged).expect("record");
        let feeds = store.feeds().expect("list");
        assert_eq!(feeds.len(), 2);
        assert_eq!(feeds[0].url, "https://a.example/feed");
        assert_eq!(feeds[0].title.as_deref(), Some("A news"));
        assert_eq!(feeds[0].etag.as_deref(), Some("\"v1\""), "a 304 keeps the validators");
        assert_eq!(feeds[0].last_status.as_deref(), Some("not modified"));
        assert_eq!(feeds[0].items_seen, 1);

        assert!(store.remove_feed("https://a.example/feed").expect("remove"));
        assert!(!store.remove_feed("https://a.example/feed").expect("remove again"));
        assert!(!store.feed_item_seen("https://a.example/feed", "item-1").expect("query"));
        assert_eq!(store.feeds().expect("list").len(), 1);
    }
}
