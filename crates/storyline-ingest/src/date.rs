//! Publication dates in the forms pages and feeds actually use.
//!
//! Dedup decides which article came first by publication date, so a date we can read is worth a
//! few extra formats. Times without a zone are taken as UTC: a few hours off beats no date.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Zone-less date-time forms, most common first.
const NAIVE_DATE_TIMES: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
];

/// Date-time forms with a numeric zone that RFC 3339 rejects ("+0000" without a colon, a space).
const ZONED_DATE_TIMES: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M%z",
];

/// Date-only forms; day-first forms use a dot or a month name, so they cannot be confused with
/// month-first US dates.
const DATES: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%A, %B %d, %Y",
    "%A %d %B %Y",
];

/// Parse a publication date; `None` when the text is not a date we know or is implausible.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc2822(text))
        .map(|date| date.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ZONED_DATE_TIMES
                .iter()
                .find_map(|format| DateTime::parse_from_str(text, format).ok())
                .map(|date| date.with_timezone(&Utc))
        })
        .or_else(|| {
            // "2020-08-18T10:00:00Z" with fractional seconds and a literal Z are RFC 3339 already;
            // a trailing " UTC"/" GMT" is not, but means the same.
            let bare = text.trim_end_matches(" UTC").trim_end_matches(" GMT").trim_end_matches('Z');
            NAIVE_DATE_TIMES
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(bare, format).ok())
                .map(|naive| naive.and_utc())
        })
        .or_else(|| {
            DATES
                .iter()
                .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|naive| naive.and_utc())
        })?;
    plausible(parsed).then_some(parsed)
}

/// Rejects values like "0001-01-01" that CMSs emit for "no date".
fn plausible(date: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    (1900..=2100).contains(&date.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).single().expect("valid date")
    }

    #[test]
    fn parses_common_forms() {
        let noon = utc(2020, 8, 18, 12, 0, 0);
        assert_eq!(parse_date("2020-08-18T12:00:00Z"), Some(noon));
        assert_eq!(parse_date("2020-08-18T15:00:00+03:00"), Some(noon));
        assert_eq!(parse_date("2020-08-18T15:00:00+0300"), Some(noon));
        assert_eq!(parse_date("2020-08-18T12:00:00.000Z"), Some(noon));
        assert_eq!(parse_date("Tue, 18 Aug 2020 12:00:00 GMT"), Some(noon));
        assert_eq!(parse_date("2020-08-18 12:00:00"), Some(noon));
        assert_eq!(parse_date("2020-08-18T12:00:00"), Some(noon));
        assert_eq!(parse_date("2020-08-18 12:00:00 UTC"), Some(noon));
        let midnight = utc(2020, 8, 18, 0, 0, 0);
        assert_eq!(parse_date("2020-08-18"), Some(midnight));
        assert_eq!(parse_date("2020/08/18"), Some(midnight));
        assert_eq!(parse_date("20200818"), Some(midnight));
        assert_eq!(parse_date("18.08.2020"), Some(midnight));
        assert_eq!(parse_date("August 18, 2020"), Some(midnight));
        assert_eq!(parse_date("Aug 18, 2020"), Some(midnight));
        assert_eq!(parse_date("18 August 2020"), Some(midnight));
        assert_eq!(parse_date(" 18 Aug 2020 "), Some(midnight));
    }

    #[test]
    fn rejects_non_dates() {
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_date("2020-13-45"), None);
    }
}
