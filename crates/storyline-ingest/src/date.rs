//! Publication dates in the forms pages and feeds actually use.
//!
//! Dedup decides which article came first by publication date, so a date we can read is worth a
//! few extra formats. Times without a zone are taken as UTC: a few hours off beats no date.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

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
    parse_stated_date(text).map(|stated| stated.with_timezone(&Utc))
}

/// Parse a publication date keeping the offset it was stated in (UTC for forms without a zone),
/// so that its day is the day the source meant.
pub fn parse_stated_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let utc = |naive: NaiveDateTime| naive.and_utc().fixed_offset();
    let parsed = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc2822(text))
        .ok()
        .or_else(|| ZONED_DATE_TIMES.iter().find_map(|format| DateTime::parse_from_str(text, format).ok()))
        .or_else(|| {
            // "2020-08-18T10:00:00Z" with fractional seconds and a literal Z are RFC 3339 already;
            // a trailing " UTC"/" GMT" is not, but means the same.
            let bare = text.trim_end_matches(" UTC").trim_end_matches(" GMT").trim_end_matches('Z');
            NAIVE_DATE_TIMES.iter().find_map(|format| NaiveDateTime::parse_from_str(bare, format).ok()).map(utc)
        })
        .or_else(|| {
            DATES
                .iter()
                .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(utc)
        })?;
    plausible(parsed.date_naive()).then_some(parsed)
}

/// The date in a URL's path, as news sites put it: `/2019/11/18/`, `/2019-11-18/`, `/20191118/`
/// (eight digits as a whole path segment, or at the start of one: `/20191118-title`).
pub fn date_in_url(url: &str) -> Option<NaiveDate> {
    let path = url.split_once("://").map_or(url, |(_, rest)| rest.split_once('/').map_or("", |(_, path)| path));
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let number = |segment: &str, digits: usize| {
        (segment.len() == digits && segment.bytes().all(|b| b.is_ascii_digit()))
            .then(|| segment.parse::<u32>().ok())
            .flatten()
    };
    for window in segments.windows(3) {
        if let (Some(year), Some(month), Some(day)) = (number(window[0], 4), number(window[1], 2), number(window[2], 2))
        {
            if let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day).filter(|d| plausible(*d)) {
                return Some(date);
            }
        }
    }
    segments.iter().find_map(|segment| compact_or_dashed_date(segment))
}

/// The date a folder name gives (`2011-03-19`, `20110319`), for files filed by day.
pub fn date_in_folder(path: &std::path::Path) -> Option<NaiveDate> {
    path.parent()?.ancestors().take(3).find_map(|folder| {
        let name = folder.file_name()?.to_str()?;
        NaiveDate::parse_from_str(name, "%Y-%m-%d")
            .ok()
            .or_else(|| (name.len() == 8).then(|| NaiveDate::parse_from_str(name, "%Y%m%d").ok()).flatten())
            .filter(|date| plausible(*date))
    })
}

/// `2019-11-18` or `20191118` at the start of a URL path segment, followed by nothing or a
/// non-digit (`20191118-some-title`); a longer number is an id, not a date.
fn compact_or_dashed_date(segment: &str) -> Option<NaiveDate> {
    let date_only = |text: &str, format: &str, len: usize| {
        let head = text.get(..len)?;
        let rest = &text[len..];
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        NaiveDate::parse_from_str(head, format).ok().filter(|d| plausible(*d))
    };
    date_only(segment, "%Y-%m-%d", 10).or_else(|| {
        segment.get(..8).filter(|head| head.bytes().all(|b| b.is_ascii_digit()))?;
        date_only(segment, "%Y%m%d", 8)
    })
}

/// Rejects values like "0001-01-01" that CMSs emit for "no date".
fn plausible(date: NaiveDate) -> bool {
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
    fn keeps_the_stated_offset_and_so_the_stated_day() {
        // 9.30 pm in New York on the 18th is 2.30 am on the 19th in UTC: the article's day is the 18th.
        let stated = parse_stated_date("2019-11-18T21:30:00-05:00").expect("a date");
        assert_eq!(stated.date_naive(), NaiveDate::from_ymd_opt(2019, 11, 18).unwrap());
        assert_eq!(stated.offset().local_minus_utc(), -5 * 3600);
        assert_eq!(parse_date("2019-11-18T21:30:00-05:00"), Some(utc(2019, 11, 19, 2, 30, 0)));
        let rfc2822 = parse_stated_date("Mon, 18 Nov 2019 21:30:00 -0500").expect("a date");
        assert_eq!(rfc2822.date_naive(), NaiveDate::from_ymd_opt(2019, 11, 18).unwrap());
        // Without a zone the time is taken as it is written.
        assert_eq!(
            parse_stated_date("2019-11-18 23:59").unwrap().date_naive(),
            NaiveDate::from_ymd_opt(2019, 11, 18).unwrap()
        );
    }

    #[test]
    fn finds_dates_in_url_paths() {
        let day = NaiveDate::from_ymd_opt(2019, 11, 18);
        assert_eq!(date_in_url("https://news.example/world/2019/11/18/libya-deal.html"), day);
        assert_eq!(date_in_url("https://news.example/2019-11-18/libya-deal"), day);
        assert_eq!(date_in_url("https://news.example/news/20191118/libya"), day);
        assert_eq!(date_in_url("https://news.example/news/20191118-libya-deal"), day);
        assert_eq!(date_in_url("https://news.example/a/b?date=2019/11/18"), None, "the query is not the path");
        assert_eq!(date_in_url("https://news.example/article/201911181234567"), None, "a long number is an id");
        assert_eq!(date_in_url("https://news.example/2019/13/45/x"), None);
        assert_eq!(date_in_url("https://2019.example/11/18"), None, "the host is not the path");
    }

    #[test]
    fn finds_dates_in_folder_names() {
        use std::path::Path;
        let day = NaiveDate::from_ymd_opt(2011, 3, 19);
        assert_eq!(date_in_folder(Path::new("timelines/es/libya/2011-03-19/a.txt")), day);
        assert_eq!(date_in_folder(Path::new("inbox/20110319/a.html")), day);
        assert_eq!(date_in_folder(Path::new("inbox/libya/a.txt")), None);
        assert_eq!(date_in_folder(Path::new("a.txt")), None);
    }

    #[test]
    fn rejects_non_dates() {
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_date("2020-13-45"), None);
    }
}
