//! Feed documents: RSS 0.9x and 2.0, RSS 1.0 (RDF) and Atom, read by `feed-rs`.

use chrono::{DateTime, Utc};
use feed_rs::model::Entry;

use crate::FeedError;

/// A feed as storyline needs it: where each item's page is, and what the feed says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub title: Option<String>,
    pub items: Vec<FeedItem>,
}

/// One item (RSS) or entry (Atom).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// What identifies the item across polls: its guid or Atom id, else its link.
    pub key: String,
    /// The item's page (absolute: relative links are resolved against the feed's URL).
    pub link: Option<String>,
    pub title: Option<String>,
    /// Publication date, else the date it was last updated.
    pub published: Option<DateTime<Utc>>,
    pub author: Option<String>,
    /// The item's content or summary as the feed gives it (often HTML).
    pub content: Option<String>,
}

/// Parses a feed document. `feed_url` resolves relative links.
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<Feed, FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url))
        // feed-rs invents an id (a hash of link and title) for items without one; an item whose
        // title is corrected would then look new. An empty id makes us fall back to the link.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(bytes).map_err(|error| FeedError::Parse(error.to_string()))?;
    let items = feed.entries.into_iter().filter_map(item).collect();
    Ok(Feed { title: feed.title.map(|title| clean(&title.content)).filter(|t| !t.is_empty()), items })
}

fn item(entry: Entry) -> Option<FeedItem> {
    // Atom entries may carry several links; the page is the "alternate" one (or the unlabelled).
    let link = entry
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .or(entry.links.first())
        .map(|link| link.href.trim().to_string())
        .filter(|href| !href.is_empty());
    let key = Some(entry.id.trim().to_string()).filter(|id| !id.is_empty()).or_else(|| link.clone())?;
    let content = entry
        .content
        .and_then(|content| content.body)
        .or(entry.summary.map(|summary| summary.content))
        .filter(|content| !content.trim().is_empty());
    Some(FeedItem {
        key,
        link,
        title: entry.title.map(|title| clean(&title.content)).filter(|title| !title.is_empty()),
        published: entry.published.or(entry.updated),
        author: entry.authors.first().map(|person| person.name.trim().to_string()).filter(|name| !name.is_empty()),
        content,
    })
}

fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED_URL: &str = "https://news.example/feeds/world.xml";

    #[test]
    fn rss_2() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>World  news</title><link>https://news.example/</link>
<item><title>Deal signed in Tripoli</title><link>https://news.example/a</link>
<guid isPermaLink="false">item-a</guid><pubDate>Mon, 02 Dec 2019 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Turkey and Qatar signed a deal.&lt;/p&gt;</description></item>
<item><title>Relative link</title><link>/b</link></item>
<item><description>No link, no guid: nothing to fetch or remember</description></item>
</channel></rss>"#;
        let feed = parse_feed(xml.as_bytes(), FEED_URL).expect("parses");
        assert_eq!(feed.title.as_deref(), Some("World news"));
        assert_eq!(feed.items.len(), 2);
        let first = &feed.items[0];
        assert_eq!(first.key, "item-a");
        assert_eq!(first.link.as_deref(), Some("https://news.example/a"));
        assert_eq!(first.title.as_deref(), Some("Deal signed in Tripoli"));
        assert_eq!(first.published.map(|d| d.to_rfc3339()), Some("2019-12-02T10:00:00+00:00".to_string()));
        assert_eq!(first.content.as_deref(), Some("<p>Turkey and Qatar signed a deal.</p>"));
        let second = &feed.items[1];
        assert_eq!(second.link.as_deref(), Some("https://news.example/b"));
        assert_eq!(second.key, "https://news.example/b");
    }

    #[test]
    fn rss_1_rdf() {
        let xml = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
 <channel rdf:about="https://news.example/rdf"><title>RDF news</title><link>https://news.example/</link>
  <description>d</description></channel>
 <item rdf:about="https://news.example/r1"><title>First RDF item</title><link>https://news.example/r1</link>
  <dc:date>2020-03-04T05:06:07Z</dc:date><dc:creator>A. Writer</dc:creator></item>
</rdf:RDF>"#;
        let feed = parse_feed(xml.as_bytes(), FEED_URL).expect("parses");
        assert_eq!(feed.title.as_deref(), Some("RDF news"));
        assert_eq!(feed.items.len(), 1);
        let item = &feed.items[0];
        assert_eq!(item.link.as_deref(), Some("https://news.example/r1"));
        assert_eq!(item.title.as_deref(), Some("First RDF item"));
        assert_eq!(item.published.map(|d| d.to_rfc3339()), Some("2020-03-04T05:06:07+00:00".to_string()));
    }

    #[test]
    fn atom() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title><id>urn:feed</id>
<updated>2021-01-01T00:00:00Z</updated>
<entry><title>Atom entry</title><id>urn:entry:1</id>
 <link rel="self" href="https://news.example/api/1"/><link rel="alternate" href="https://news.example/atom-1"/>
 <updated>2021-01-02T00:00:00Z</updated><author><name>B. Reporter</name></author>
 <content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry>
</feed>"#;
        let feed = parse_feed(xml.as_bytes(), FEED_URL).expect("parses");
        let entry = &feed.items[0];
        assert_eq!(entry.key, "urn:entry:1");
        assert_eq!(entry.link.as_deref(), Some("https://news.example/atom-1"));
        assert_eq!(entry.author.as_deref(), Some("B. Reporter"));
        assert_eq!(entry.published.map(|d| d.to_rfc3339()), Some("2021-01-02T00:00:00+00:00".to_string()));
        assert_eq!(entry.content.as_deref(), Some("<p>Body</p>"));
    }

    #[test]
    fn not_a_feed() {
        assert!(matches!(parse_feed(b"<html><body>hi</body></html>", FEED_URL), Err(FeedError::Parse(_))));
    }
}
