//! JSON Lines: one article per line, as scrapers and dataset dumps write them.
//!
//! ```text
//! {"id": "a1", "url": "https://…", "title": "…", "text": "…", "published": "2020-08-18T10:00:00Z",
//!  "source": "Middle East Monitor", "lang": "en", "author": "…"}
//! ```
//!
//! Only `text` is required. A line that cannot be read is reported on its own and the other lines
//! still load: one bad record in a million-line dump must not cost the rest.

use serde_json::{Map, Value};
use storyline_model::{Article, DateSource, Language, RemovedText, SourceFormat};

use crate::language::{detect_language, normalise_code};
use crate::limits::Limits;
use crate::stable_id;
use crate::text::{apply_outlet_suffix, clean_body, normalise_line};

/// Reason recorded when a `published` value is present but not a date we can read: the article is
/// kept, the value is reported rather than silently dropped.
pub(crate) const UNPARSEABLE_DATE: &str = "unparseable-date";

/// Parse one JSON Lines record. `Err` carries the reason the line is not an article.
pub fn parse_jsonl_line(line: &str) -> Result<Article, String> {
    parse_jsonl_line_within(line, &Limits::DEFAULT)
}

/// [`parse_jsonl_line`], refusing a `text` over the article limit before cleaning it.
pub(crate) fn parse_jsonl_line_within(line: &str, limits: &Limits) -> Result<Article, String> {
    let value: Value = serde_json::from_str(line.trim()).map_err(|error| format!("invalid JSON: {error}"))?;
    let Value::Object(record) = value else {
        return Err(format!("expected a JSON object, got {}", type_name(&value)));
    };

    let raw_text = match record.get("text") {
        None | Some(Value::Null) => return Err("missing `text` field".to_string()),
        Some(Value::String(text)) => text,
        Some(other) => return Err(format!("`text` must be a string, got {}", type_name(other))),
    };
    limits.check_article(raw_text.len())?;
    let url = optional_string(&record, "url")?;
    let title = optional_string(&record, "title")?;
    let published = optional_string(&record, "published")?;
    let source = optional_string(&record, "source")?;
    let lang = optional_string(&record, "lang")?;
    let author = optional_string(&record, "author")?;
    let id = match record.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.trim().to_string()).filter(|id| !id.is_empty()),
        // Numeric ids are common in dataset dumps; their decimal form is the id.
        Some(Value::Number(number)) if number.is_u64() || number.is_i64() => Some(number.to_string()),
        Some(other) => return Err(format!("`id` must be a string or an integer, got {}", type_name(other))),
    };

    let body = clean_body(raw_text, true);
    if body.text.is_empty() {
        return Err(if body.removed.is_empty() {
            "empty `text` field".to_string()
        } else {
            "`text` has only web clutter".to_string()
        });
    }
    let mut removed = body.removed;

    let mut article = Article::new(String::new(), body.text, SourceFormat::Jsonl);
    article.id = id.unwrap_or_else(|| stable_id(url.as_deref(), &article.text));
    article.outlet = source.clone().or(body.site_outlet);
    article.title = title.map(|title| apply_outlet_suffix(title, &mut article.outlet, source.as_deref(), &mut removed));
    article.url = url;
    article.author = author;
    if let Some(published) = published {
        match crate::date::parse_stated_date(&published) {
            Some(stated) => article.set_published(stated, DateSource::Metadata),
            None => removed.push(RemovedText { text: published, reason: UNPARSEABLE_DATE.to_string() }),
        }
    }
    crate::date_from_url(&mut article);
    // A declared language is the producer's knowledge and beats a statistical guess.
    article.language = match lang.as_deref().and_then(normalise_code) {
        Some(code) => Some(Language { code, confidence: 1.0 }),
        None => detect_language(&article.full_text()),
    };
    article.removed = removed;
    Ok(article)
}

/// A string field that may be absent or null; empty strings count as absent.
fn optional_string(record: &Map<String, Value>, field: &str) -> Result<Option<String>, String> {
    match record.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(normalise_line(text)).filter(|text| !text.is_empty())),
        Some(other) => Err(format!("`{field}` must be a string, got {}", type_name(other))),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    #[test]
    fn reads_all_fields() {
        let line = r#"{"id":"a1","url":"https://memo.example/a1","title":"Turkey, Qatar sign deal – Middle East Monitor","text":"Turkey and Qatar signed a deal.\n\nREAD: Other story\n\nIt was announced yesterday.","published":"2020-08-18T10:00:00Z","source":"Middle East Monitor","lang":"EN","author":"Jane Doe"}"#;
        let article = parse_jsonl_line(line).expect("article");
        assert_eq!(article.id, "a1");
        assert_eq!(article.url.as_deref(), Some("https://memo.example/a1"));
        assert_eq!(article.title.as_deref(), Some("Turkey, Qatar sign deal"));
        assert_eq!(article.outlet.as_deref(), Some("Middle East Monitor"));
        assert_eq!(article.text, "Turkey and Qatar signed a deal.\n\nIt was announced yesterday.");
        assert_eq!(article.published, Utc.with_ymd_and_hms(2020, 8, 18, 10, 0, 0).single());
        assert_eq!(article.date_source, Some(DateSource::Metadata));
        assert_eq!(article.language, Some(Language { code: "en".to_string(), confidence: 1.0 }));
        assert_eq!(article.author.as_deref(), Some("Jane Doe"));
        let reasons: Vec<&str> = article.removed.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons, vec!["related-link", "outlet-suffix"]);
        assert_eq!(article.source.format, SourceFormat::Jsonl);
    }

    #[test]
    fn only_text_is_required() {
        let text =
            "Turkey and Qatar have signed a tripartite deal with the Libyan government for military cooperation.";
        let article = parse_jsonl_line(&serde_json::json!({ "text": text }).to_string()).expect("article");
        assert_eq!(article.id, stable_id(None, text));
        assert!(article.id.starts_with('c'));
        assert_eq!(article.title, None);
        assert_eq!(article.language_code(), Some("en"));

        let with_url =
            parse_jsonl_line(r#"{"url":"https://x.example/1","text":"Some text.","id":null}"#).expect("article");
        assert_eq!(with_url.id, stable_id(Some("https://x.example/1"), "Some text."));
        assert!(with_url.id.starts_with('u'));
        assert_eq!(parse_jsonl_line(r#"{"id":42,"text":"x"}"#).expect("article").id, "42");
    }

    #[test]
    fn bad_lines_have_clear_reasons() {
        let reason = |line: &str| parse_jsonl_line(line).expect_err("bad line");
        assert!(reason("{not json").starts_with("invalid JSON"));
        assert_eq!(reason("[1, 2]"), "expected a JSON object, got an array");
        assert_eq!(reason(r#"{"title":"t"}"#), "missing `text` field");
        assert_eq!(reason(r#"{"text":"   "}"#), "empty `text` field");
        assert_eq!(reason(r#"{"text":"Leave A Reply"}"#), "`text` has only web clutter");
        assert_eq!(reason(r#"{"text":5}"#), "`text` must be a string, got a number");
        assert_eq!(reason(r#"{"text":"x","title":["a"]}"#), "`title` must be a string, got an array");
        assert_eq!(reason(r#"{"text":"x","id":true}"#), "`id` must be a string or an integer, got a boolean");
    }

    #[test]
    fn unreadable_date_is_reported_not_fatal() {
        let article = parse_jsonl_line(r#"{"text":"Some text.","published":"last Tuesday"}"#).expect("article");
        assert_eq!(article.published, None);
        let by_url =
            parse_jsonl_line(r#"{"text":"Some text.","url":"https://news.example/2019/11/18/x"}"#).expect("article");
        assert_eq!(by_url.publication_day(), chrono::NaiveDate::from_ymd_opt(2019, 11, 18));
        assert_eq!(by_url.date_source, Some(DateSource::Url));
        assert_eq!(
            article.removed,
            vec![RemovedText { text: "last Tuesday".to_string(), reason: UNPARSEABLE_DATE.to_string() }]
        );
    }

    proptest! {
        #[test]
        fn parse_jsonl_line_never_panics(line in "\\PC{0,300}") {
            let _ = parse_jsonl_line(&line);
        }

        #[test]
        fn parse_jsonl_line_never_panics_on_records(text in "\\PC{0,200}", title in "\\PC{0,80}", published in "\\PC{0,40}") {
            let line = serde_json::json!({ "text": text, "title": title, "published": published }).to_string();
            let _ = parse_jsonl_line(&line);
        }
    }
}
