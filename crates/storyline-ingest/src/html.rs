//! HTML pages: the main content via dom_smoothie (a Readability port), the metadata from
//! `<meta>` tags, JSON-LD and `<time>`.
//!
//! Metadata is read from the page ourselves rather than taken from the Readability result alone:
//! the publication date decides which copy of an article is the original, so it is worth looking
//! in every place publishers put it (JSON-LD `@graph` arrays included).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, FixedOffset};
use dom_query::Document;
use dom_smoothie::{Config, Readability, TextMode};
use serde_json::Value;
use storyline_model::{Article, DateSource, SourceFormat};

use crate::date::parse_stated_date;
use crate::depth::{self, MaxShape};
use crate::language::detect_language;
use crate::limits::Limits;
use crate::text::{apply_outlet_suffix, clean_body, normalise_line};

/// Parse an HTML page. `url` is where the page came from, when known; a canonical URL in the page
/// wins over it because it drops tracking parameters and mirrors.
pub fn parse_html(id: &str, html: &str, url: Option<&str>) -> Result<Article, String> {
    parse_html_within(id, html, url, &Limits::DEFAULT)
}

/// Stack for the thread that parses a page. Readability recurses once per level of nesting;
/// the depth limit keeps that far below this, which only costs address space until used.
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// [`parse_html`] within `limits`: pages too large or nested too deep are refused before they are
/// parsed, and the parse runs on a thread of its own with a large stack, so that a page the
/// depth model underrates cannot overflow the caller's stack, and a parser panic costs only
/// this page.
pub(crate) fn parse_html_within(id: &str, html: &str, url: Option<&str>, limits: &Limits) -> Result<Article, String> {
    limits.check_page(html.len())?;
    let max = MaxShape { depth: limits.max_html_depth, elements: limits.max_html_elements, work: limits.max_html_work };
    let shape = depth::measure(html, max);
    if shape.depth > max.depth {
        return Err(format!("HTML nested deeper than {} elements", max.depth));
    }
    if shape.elements > max.elements {
        return Err(format!("HTML page of more than {} elements", max.elements));
    }
    if shape.work > max.work {
        return Err(format!("HTML page too costly to parse (its elements' depths add up to over {})", max.work));
    }
    let article = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("html-parser".to_string())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || extract_article(id, html, url))
            .map_err(|error| format!("cannot start the HTML parser: {error}"))?
            .join()
            .map_err(|_| "the HTML parser failed on this page".to_string())?
    })?;
    limits.check_article(article.text.len())?;
    Ok(article)
}

fn extract_article(id: &str, html: &str, url: Option<&str>) -> Result<Article, String> {
    let doc = Document::from(html);
    let page = PageMetadata::read(&doc);

    let raw_text = main_text(html, url).unwrap_or_else(|| fallback_text(&doc));
    let body = clean_body(&raw_text, false);
    let mut removed = body.removed;

    let known_outlet = page.outlet.clone();
    let mut outlet = known_outlet.clone().or(body.site_outlet);
    let title = page.title.map(|title| apply_outlet_suffix(title, &mut outlet, known_outlet.as_deref(), &mut removed));

    // Readability often keeps the page's <h1>; the title is stored separately, so drop the repeat.
    let mut paragraphs: Vec<&str> = body.text.split("\n\n").filter(|p| !p.is_empty()).collect();
    if let (Some(title), Some(first)) = (&title, paragraphs.first()) {
        if first.eq_ignore_ascii_case(title)
            || page.raw_title.as_deref().is_some_and(|raw| first.eq_ignore_ascii_case(raw))
        {
            paragraphs.remove(0);
        }
    }
    if paragraphs.is_empty() {
        return Err("no extractable text in HTML".to_string());
    }

    let mut article = Article::new(id, paragraphs.join("\n\n"), SourceFormat::Html);
    article.url = page.url.or_else(|| url.map(str::to_string));
    article.title = title;
    article.outlet = outlet;
    article.author = page.author;
    if let Some((stated, source)) = page.published {
        article.set_published(stated, source);
    }
    crate::date_from_url(&mut article);
    article.language = detect_language(&article.full_text());
    article.removed = removed;
    crate::page_kind::check(&article)?;
    Ok(article)
}

/// The main content as text with paragraphs, or `None` when Readability finds none.
fn main_text(html: &str, url: Option<&str>) -> Option<String> {
    let config = Config { text_mode: TextMode::Formatted, ..Config::default() };
    // Readability rejects relative URLs; the page is still worth reading without one.
    let url = url.filter(|url| url.starts_with("http://") || url.starts_with("https://"));
    // dom_smoothie is a large heuristic parser fed untrusted pages; one page that trips it must not
    // take down a whole ingest run.
    let extracted = catch_unwind(AssertUnwindSafe(|| {
        let mut readability = Readability::new(html, url, Some(config.clone()))
            .or_else(|_| Readability::new(html, None, Some(config.clone())))
            .ok()?;
        readability.parse().ok().map(|article| article.text_content.to_string())
    }))
    .ok()
    .flatten()?;
    // On pages with little text Readability settles for whatever block scores best, navigation
    // included; the fallback, which drops navigation by tag, does better there.
    (extracted.trim().chars().count() >= MIN_READABLE_CHARS).then_some(extracted)
}

/// Below this, a Readability result is not trusted over the plain fallback (dom_smoothie's own
/// "probably readable" threshold).
const MIN_READABLE_CHARS: usize = 140;

/// Elements that never hold article text.
const NON_CONTENT: &str =
    "script, style, noscript, template, nav, header, footer, aside, form, iframe, svg, button, select, head";

/// The page's visible text minus navigation, for pages Readability gives up on (very short or
/// broken ones).
fn fallback_text(doc: &Document) -> String {
    doc.select(NON_CONTENT).remove();
    let body = doc.select("body");
    if body.exists() {
        body.formatted_text().to_string()
    } else {
        doc.select("html").formatted_text().to_string()
    }
}

/// What the page says about itself.
#[derive(Debug, Default)]
struct PageMetadata {
    title: Option<String>,
    /// The title as the page had it, before any outlet suffix was cut.
    raw_title: Option<String>,
    outlet: Option<String>,
    author: Option<String>,
    published: Option<(DateTime<FixedOffset>, DateSource)>,
    url: Option<String>,
}

/// `<meta>` keys that carry a publication date, most specific first.
const DATE_KEYS: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "dcterms.created",
    "dcterms.date",
    "date",
    "original-publish-date",
];

const TITLE_KEYS: &[&str] = &["og:title", "twitter:title", "dc.title"];
const OUTLET_KEYS: &[&str] = &["og:site_name", "application-name", "publisher", "dc.publisher"];
const AUTHOR_KEYS: &[&str] = &["author", "article:author", "dc.creator", "sailthru.author", "parsely-author"];

impl PageMetadata {
    fn read(doc: &Document) -> Self {
        let meta = meta_tags(doc);
        let ld = JsonLd::read(doc);
        let first_meta = |keys: &[&str]| keys.iter().find_map(|key| meta.get(*key)).map(|value| normalise_line(value));

        let raw_title = ld
            .headline
            .clone()
            .or_else(|| first_meta(TITLE_KEYS))
            .or_else(|| element_text(doc, "title"))
            .or_else(|| element_text(doc, "h1"))
            .filter(|title| !title.is_empty());
        let outlet = ld.publisher.clone().or_else(|| first_meta(OUTLET_KEYS)).filter(|o| !o.is_empty());
        // article:author is often a profile URL rather than a name.
        let author = ld
            .author
            .clone()
            .or_else(|| {
                AUTHOR_KEYS
                    .iter()
                    .filter_map(|key| meta.get(*key))
                    .find(|value| !is_url(value))
                    .map(|v| normalise_line(v))
            })
            .or_else(|| element_text(doc, "[rel=author]"))
            .filter(|author| !author.is_empty());
        let published = ld
            .published
            .as_deref()
            .and_then(parse_stated_date)
            .or_else(|| DATE_KEYS.iter().filter_map(|key| meta.get(*key)).find_map(|value| parse_stated_date(value)))
            .map(|stated| (stated, DateSource::Metadata))
            .or_else(|| time_element_date(doc).map(|stated| (stated, DateSource::TimeElement)));
        let url = doc
            .select("link[rel=canonical]")
            .attr("href")
            .map(|href| href.to_string())
            .filter(|href| is_url(href))
            .or_else(|| meta.get("og:url").filter(|href| is_url(href)).cloned());

        PageMetadata { title: raw_title.clone(), raw_title, outlet, author, published, url }
    }
}

fn is_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

/// The first element's text for `selector`, whitespace normalised.
fn element_text(doc: &Document, selector: &str) -> Option<String> {
    doc.select(selector).iter().map(|element| normalise_line(&element.text())).find(|text| !text.is_empty())
}

/// `<meta property|name|itemprop="key" content="value">`, keys lower-cased; the first value wins.
fn meta_tags(doc: &Document) -> HashMap<String, String> {
    let mut tags = HashMap::new();
    for element in doc.select("meta[content]").iter() {
        let Some(content) = element.attr("content").map(|c| c.trim().to_string()).filter(|c| !c.is_empty()) else {
            continue;
        };
        for attribute in ["property", "name", "itemprop"] {
            if let Some(key) = element.attr(attribute) {
                tags.entry(key.trim().to_lowercase()).or_insert_with(|| content.clone());
            }
        }
    }
    tags
}

/// A date from `itemprop=datePublished` elements or `<time datetime>`, preferring `<time pubdate>`.
fn time_element_date(doc: &Document) -> Option<DateTime<FixedOffset>> {
    ["[itemprop=datePublished]", "time[pubdate]", "time[datetime]"].iter().find_map(|selector| {
        doc.select(selector).iter().find_map(|element| {
            ["datetime", "content"]
                .iter()
                .find_map(|attribute| element.attr(attribute).and_then(|value| parse_stated_date(&value)))
                .or_else(|| parse_stated_date(&element.text()))
        })
    })
}

/// The fields we want from a page's JSON-LD.
#[derive(Debug, Default, PartialEq)]
struct JsonLd {
    headline: Option<String>,
    published: Option<String>,
    author: Option<String>,
    publisher: Option<String>,
}

/// schema.org types whose fields describe the article itself.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
];

const ORGANISATION_TYPES: &[&str] = &["NewsMediaOrganization", "Organization", "WebSite"];

impl JsonLd {
    fn read(doc: &Document) -> Self {
        let mut nodes = Vec::new();
        for script in doc.select("script[type*='ld+json']").iter() {
            let text = script.text();
            // Some CMSs wrap the JSON in CDATA or HTML comments.
            let json = text
                .trim()
                .trim_start_matches("<![CDATA[")
                .trim_end_matches("]]>")
                .trim_start_matches("<!--")
                .trim_end_matches("-->")
                .trim();
            if let Ok(value) = serde_json::from_str::<Value>(json) {
                flatten_nodes(value, &mut nodes, 0);
            }
        }
        Self::from_nodes(&nodes)
    }

    fn from_nodes(nodes: &[Value]) -> Self {
        let by_id: HashMap<&str, &Value> =
            nodes.iter().filter_map(|node| Some((node.get("@id")?.as_str()?, node))).collect();
        let resolve = |value: &'_ Value| -> Option<Value> {
            // In @graph pages, "publisher": {"@id": "…#organization"} points at another node.
            match value.get("@id").and_then(Value::as_str).and_then(|id| by_id.get(id)) {
                Some(target) if value.get("name").is_none() => Some((*target).clone()),
                _ => Some(value.clone()),
            }
        };
        let article = nodes.iter().find(|node| has_type(node, ARTICLE_TYPES)).or_else(|| {
            nodes.iter().find(|node| node.get("headline").is_some() || node.get("datePublished").is_some())
        });
        let organisation_name = || {
            ORGANISATION_TYPES.iter().find_map(|kind| {
                nodes.iter().filter(|node| has_type(node, &[kind])).find_map(|node| string_field(node, "name"))
            })
        };
        let Some(article) = article else {
            return JsonLd { publisher: organisation_name(), ..JsonLd::default() };
        };
        let author = article.get("author").and_then(|author| {
            let names: Vec<String> = match author {
                Value::Array(items) => items.iter().filter_map(|item| name_of(&resolve(item)?)).collect(),
                other => resolve(other).and_then(|item| name_of(&item)).into_iter().collect(),
            };
            (!names.is_empty()).then(|| names.join(", "))
        });
        let publisher = article
            .get("publisher")
            .and_then(|publisher| resolve(publisher).and_then(|p| name_of(&p)))
            .or_else(organisation_name);
        JsonLd {
            headline: string_field(article, "headline").or_else(|| string_field(article, "name")),
            published: string_field(article, "datePublished").or_else(|| string_field(article, "dateCreated")),
            author,
            publisher,
        }
    }
}

/// JSON-LD comes as one object, an array of objects, or an object with a `@graph` array.
fn flatten_nodes(value: Value, nodes: &mut Vec<Value>, depth: usize) {
    // Nesting deeper than a couple of levels is not JSON-LD any page produces on purpose.
    if depth > 3 {
        return;
    }
    match value {
        Value::Array(items) => items.into_iter().for_each(|item| flatten_nodes(item, nodes, depth + 1)),
        Value::Object(mut object) => {
            if let Some(graph) = object.remove("@graph") {
                flatten_nodes(graph, nodes, depth + 1);
            }
            nodes.push(Value::Object(object));
        }
        _ => {}
    }
}

fn has_type(node: &Value, types: &[&str]) -> bool {
    match node.get("@type") {
        Some(Value::String(kind)) => types.contains(&kind.as_str()),
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).any(|kind| types.contains(&kind)),
        _ => false,
    }
}

fn string_field(node: &Value, field: &str) -> Option<String> {
    node.get(field).and_then(Value::as_str).map(normalise_line).filter(|text| !text.is_empty())
}

/// A person or organisation given as a string or as an object with a name.
fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::String(name) => Some(normalise_line(name)).filter(|name| !name.is_empty() && !is_url(name)),
        Value::Object(_) => string_field(value, "name"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use proptest::prelude::*;

    const BODY: &str = "<p>Turkey and Qatar have signed a tripartite deal with the Libyan government for military \
        cooperation, in a new development set to enhance the government's defence against the forces of \
        Khalifa Haftar.</p>\
        <p>The agreement, which was announced by Libya's Deputy Defence Minister Salam Al-Namroush yesterday, \
        will establish military facilities and training programmes within the country.</p>\
        <p>READ: Turkey DM: Libya belongs to Libyans</p>\
        <p>This cooperation will include Qatar's funding of military training centres and the establishment \
        of a trilateral coordination centre and Turkish naval base in the city of Misrata.</p>";

    fn page(head: &str) -> String {
        format!(
            "<!doctype html><html lang=\"en\"><head>{head}</head><body>\
             <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>\
             <article><h1>Turkey, Qatar sign military deal with Libya</h1>{BODY}</article>\
             <footer>© 2020 Middle East Monitor. All rights reserved.</footer></body></html>"
        )
    }

    #[test]
    fn extracts_main_text_and_meta_tags() {
        let html = page(
            "<title>Turkey, Qatar sign military deal with Libya – Middle East Monitor</title>\
             <meta property=\"og:site_name\" content=\"Middle East Monitor\">\
             <meta property=\"article:published_time\" content=\"2020-08-18T10:30:00+03:00\">\
             <meta name=\"author\" content=\"MEMO staff\">\
             <link rel=\"canonical\" href=\"https://www.middleeastmonitor.com/20200818-turkey-qatar/\">",
        );
        let article = parse_html("a1", &html, None).expect("article");
        assert_eq!(article.title.as_deref(), Some("Turkey, Qatar sign military deal with Libya"));
        assert_eq!(article.outlet.as_deref(), Some("Middle East Monitor"));
        assert_eq!(article.author.as_deref(), Some("MEMO staff"));
        assert_eq!(article.published, Utc.with_ymd_and_hms(2020, 8, 18, 7, 30, 0).single());
        assert_eq!(article.published_offset, Some(3 * 3600));
        assert_eq!(article.date_source, Some(DateSource::Metadata));
        assert_eq!(article.url.as_deref(), Some("https://www.middleeastmonitor.com/20200818-turkey-qatar/"));
        assert!(article.text.starts_with("Turkey and Qatar have signed"), "{}", article.text);
        assert!(article.text.ends_with("in the city of Misrata."), "{}", article.text);
        assert_eq!(article.text.split("\n\n").count(), 3);
        assert!(!article.text.contains("Home"));
        assert!(article.removed.iter().any(|r| r.reason == "related-link"));
        assert!(article.removed.iter().any(|r| r.reason == "outlet-suffix" && r.text == "– Middle East Monitor"));
        assert_eq!(article.language_code(), Some("en"));
        assert_eq!(article.source.format, SourceFormat::Html);
    }

    #[test]
    fn reads_json_ld_graph() {
        let html = page(
            r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
                {"@type":"Organization","@id":"https://memo.example/#org","name":"Middle East Monitor"},
                {"@type":"WebSite","@id":"https://memo.example/#site","name":"MEMO"},
                {"@type":["NewsArticle"],"headline":"Turkey, Qatar sign military deal with Libya",
                 "datePublished":"2020-08-18T10:30:00Z",
                 "author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Person","name":"John Roe"}],
                 "publisher":{"@id":"https://memo.example/#org"}}]}</script>"#,
        );
        let article = parse_html("a2", &html, Some("https://memo.example/a2")).expect("article");
        assert_eq!(article.title.as_deref(), Some("Turkey, Qatar sign military deal with Libya"));
        assert_eq!(article.outlet.as_deref(), Some("Middle East Monitor"));
        assert_eq!(article.author.as_deref(), Some("Jane Doe, John Roe"));
        assert_eq!(article.published, Utc.with_ymd_and_hms(2020, 8, 18, 10, 30, 0).single());
        assert_eq!(article.url.as_deref(), Some("https://memo.example/a2"));
    }

    #[test]
    fn reads_time_element() {
        let html = page("<title>Deal signed</title>")
            .replace("<article>", "<article><time datetime=\"2019-12-19\">19 December 2019</time>");
        let article = parse_html("a3", &html, None).expect("article");
        assert_eq!(article.published, Utc.with_ymd_and_hms(2019, 12, 19, 0, 0, 0).single());
        assert_eq!(article.date_source, Some(DateSource::TimeElement));
    }

    #[test]
    fn an_evening_in_new_york_stays_on_its_day() {
        let html = page("<meta property=\"article:published_time\" content=\"2019-11-18T21:30:00-05:00\">");
        let article = parse_html("ny", &html, None).expect("article");
        assert_eq!(article.published, Utc.with_ymd_and_hms(2019, 11, 19, 2, 30, 0).single(), "the moment, in UTC");
        assert_eq!(article.publication_day(), NaiveDate::from_ymd_opt(2019, 11, 18), "the day the page states");
        assert_eq!(article.published_local().map(|d| d.to_rfc3339()).as_deref(), Some("2019-11-18T21:30:00-05:00"));
    }

    #[test]
    fn an_undated_page_is_dated_by_its_url_path() {
        let html = page("<title>Deal signed</title>");
        let article =
            parse_html("u", &html, Some("https://news.example/world/2019/11/18/deal-signed/")).expect("article");
        assert_eq!(article.publication_day(), NaiveDate::from_ymd_opt(2019, 11, 18));
        assert_eq!(article.date_source, Some(DateSource::Url));
        // A date the page states beats the URL's.
        let dated = page("<meta property=\"article:published_time\" content=\"2019-11-20T08:00:00Z\">");
        let article = parse_html("u2", &dated, Some("https://news.example/2019/11/18/deal/")).expect("article");
        assert_eq!(article.publication_day(), NaiveDate::from_ymd_opt(2019, 11, 20));
        assert_eq!(article.date_source, Some(DateSource::Metadata));
    }

    #[test]
    fn truncated_html_still_extracts() {
        let html = page("<title>Deal signed</title>");
        let cut = html.find("Misrata").expect("marker");
        // Cut in the middle of the closing tag that follows.
        let truncated =
            format!("{}Misrata.</p><p>More text follows here about the deal and its terms.</p><di", &html[..cut]);
        let article = parse_html("a4", &truncated, None).expect("article");
        assert!(article.text.contains("Turkey and Qatar have signed"));
        assert!(article.text.contains("More text follows"));

        let mid_tag = &html[..html.find("<p>The agreement").expect("marker") + 2];
        let article = parse_html("a5", mid_tag, None).expect("article from a page cut mid-tag");
        assert!(article.text.contains("Turkey and Qatar have signed"));
    }

    #[test]
    fn short_page_uses_fallback() {
        let article = parse_html("a6", "<html><body><p>Short note.</p></body></html>", None).expect("article");
        assert_eq!(article.text, "Short note.");
    }

    #[test]
    fn page_without_text_is_an_error() {
        let reason =
            parse_html("a7", "<html><head><title>Empty</title></head><body><nav>Home</nav></body></html>", None)
                .expect_err("no text");
        assert_eq!(reason, "no extractable text in HTML");
        assert!(parse_html("a8", "<script>var x = 1;</script>", None).is_err());
        assert!(parse_html("a9", "", None).is_err());
    }

    #[test]
    fn json_ld_variants() {
        let nodes = vec![serde_json::json!({
            "@type": "Article", "name": "Fallback headline", "author": "Jane Doe",
            "publisher": "Libya Herald", "dateCreated": "2020-08-18"
        })];
        let ld = JsonLd::from_nodes(&nodes);
        assert_eq!(ld.headline.as_deref(), Some("Fallback headline"));
        assert_eq!(ld.author.as_deref(), Some("Jane Doe"));
        assert_eq!(ld.publisher.as_deref(), Some("Libya Herald"));
        assert_eq!(ld.published.as_deref(), Some("2020-08-18"));
        assert_eq!(JsonLd::from_nodes(&[]), JsonLd::default());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn parse_html_never_panics(html in "(<[a-z/!]{0,6}[^<>]{0,20}>?|[^<>]{0,40}){0,40}") {
            let _ = parse_html("x", &html, Some("not a url"));
        }
    }
}
