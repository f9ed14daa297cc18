//! Web clutter: the lines a copy-paste or a scraper drags along with an article ("READ: …",
//! "Leave A Reply", share buttons, cookie banners) and the " – Outlet" suffix on titles.
//!
//! Clutter matters because later stages compare texts: two copies of one article should not look
//! different because one of them kept a "Related:" link. Every cut is reported with a reason
//! (see [`storyline_model::RemovedText`]) so nothing is lost silently.
//!
//! Matching is deliberately conservative: a rule only ever matches a *whole line*, prefix rules only
//! match short lines, and article content that merely resembles clutter ("Al-Sarraj comments:")
//! is kept.

/// How a [`Pattern`] matches a line (after trimming and lower-casing).
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The whole line equals this text (ignoring a trailing ':', '»', '…' or '.').
    Exact(&'static str),
    /// The line starts with this text and is short (at most [`MAX_PREFIX_LINE_CHARS`]).
    Prefix(&'static str),
    /// The line is short and contains the first word and at least one of the others.
    Mentions(&'static str, &'static [&'static str]),
    /// The line is short and contains this text.
    Contains(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Pattern {
    rule: Rule,
    reason: &'static str,
}

const fn exact(text: &'static str, reason: &'static str) -> Pattern {
    Pattern { rule: Rule::Exact(text), reason }
}

const fn prefix(text: &'static str, reason: &'static str) -> Pattern {
    Pattern { rule: Rule::Prefix(text), reason }
}

/// Reasons recorded in [`storyline_model::RemovedText::reason`].
pub const RELATED_LINK: &str = "related-link";
pub const COMMENT_PROMPT: &str = "comment-prompt";
pub const SITE_CHROME: &str = "site-chrome";
pub const SHARE_PROMPT: &str = "share-prompt";
pub const ADVERTISEMENT: &str = "advertisement";
pub const COOKIE_NOTICE: &str = "cookie-notice";
pub const SUBSCRIBE_PROMPT: &str = "subscribe-prompt";
pub const COPYRIGHT: &str = "copyright";
pub const OUTLET_SUFFIX: &str = "outlet-suffix";

/// Related links are headlines of other articles; longer lines are likely real sentences
/// that happen to start with "Read:" and must stay.
const MAX_PREFIX_LINE_CHARS: usize = 200;

/// The pattern table. Lines are compared lower-cased and trimmed.
const PATTERNS: &[Pattern] = &[
    // Links to other articles, inserted mid-article by many CMSs ("READ: Turkey DM: …").
    prefix("read:", RELATED_LINK),
    prefix("read more:", RELATED_LINK),
    prefix("read also:", RELATED_LINK),
    prefix("also read:", RELATED_LINK),
    prefix("related:", RELATED_LINK),
    prefix("see also:", RELATED_LINK),
    prefix("more on this:", RELATED_LINK),
    prefix("recommended:", RELATED_LINK),
    exact("read more", RELATED_LINK),
    exact("related", RELATED_LINK),
    exact("related articles", RELATED_LINK),
    exact("related stories", RELATED_LINK),
    exact("related posts", RELATED_LINK),
    exact("you may also like", RELATED_LINK),
    exact("more stories", RELATED_LINK),
    // Comment-section prompts at the end of the page.
    exact("leave a reply", COMMENT_PROMPT),
    exact("leave a comment", COMMENT_PROMPT),
    exact("post a comment", COMMENT_PROMPT),
    exact("add a comment", COMMENT_PROMPT),
    exact("comments", COMMENT_PROMPT),
    exact("show comments", COMMENT_PROMPT),
    exact("view comments", COMMENT_PROMPT),
    prefix("you must be logged in to post a comment", COMMENT_PROMPT),
    // Theme and navigation leftovers ("Site icon Turkish Minute", AMP's "Exit mobile version").
    prefix("site icon ", SITE_CHROME),
    exact("site icon", SITE_CHROME),
    exact("exit mobile version", SITE_CHROME),
    exact("skip to content", SITE_CHROME),
    exact("skip to main content", SITE_CHROME),
    exact("toggle navigation", SITE_CHROME),
    exact("back to top", SITE_CHROME),
    exact("menu", SITE_CHROME),
    exact("home", SITE_CHROME),
    // Share buttons rendered as text.
    exact("share this", SHARE_PROMPT),
    exact("share this article", SHARE_PROMPT),
    exact("share this story", SHARE_PROMPT),
    exact("share", SHARE_PROMPT),
    exact("share on facebook", SHARE_PROMPT),
    exact("share on twitter", SHARE_PROMPT),
    exact("tweet", SHARE_PROMPT),
    prefix("click to share on ", SHARE_PROMPT),
    // Ad slots.
    exact("advertisement", ADVERTISEMENT),
    exact("advertising", ADVERTISEMENT),
    exact("sponsored", ADVERTISEMENT),
    exact("sponsored content", ADVERTISEMENT),
    exact("scroll to continue with content", ADVERTISEMENT),
    // Newsletter and social prompts.
    prefix("subscribe to our ", SUBSCRIBE_PROMPT),
    prefix("sign up for our ", SUBSCRIBE_PROMPT),
    prefix("sign up to our ", SUBSCRIBE_PROMPT),
    prefix("join our newsletter", SUBSCRIBE_PROMPT),
    prefix("follow us on ", SUBSCRIBE_PROMPT),
    exact("subscribe", SUBSCRIBE_PROMPT),
    exact("newsletter", SUBSCRIBE_PROMPT),
    // Cookie banners phrase themselves many ways, but always mention cookies plus consent.
    Pattern {
        rule: Rule::Mentions("cookie", &["we use", "this site uses", "this website uses", "accept", "consent"]),
        reason: COOKIE_NOTICE,
    },
    // Footers.
    prefix("©", COPYRIGHT),
    prefix("copyright ©", COPYRIGHT),
    Pattern { rule: Rule::Contains("all rights reserved"), reason: COPYRIGHT },
];

/// Trailing characters that do not change what a short line is ("Related »", "Read more…").
const IGNORED_TRAILING: &[char] = &[':', '»', '›', '…', '.', '|', '-', '–', ' '];

/// Why `line` is clutter, or `None` when it is (or may be) article content.
pub fn classify_line(line: &str) -> Option<&'static str> {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > MAX_PREFIX_LINE_CHARS {
        return None;
    }
    let lower = line.to_lowercase();
    let bare = lower.trim_end_matches(IGNORED_TRAILING);
    PATTERNS.iter().find_map(|pattern| {
        let hit = match pattern.rule {
            Rule::Exact(text) => bare == text,
            Rule::Prefix(text) => lower.starts_with(text) && lower.len() > text.len(),
            Rule::Mentions(word, others) => lower.contains(word) && others.iter().any(|other| lower.contains(other)),
            Rule::Contains(text) => lower.contains(text),
        };
        hit.then_some(pattern.reason)
    })
}

/// The outlet named by a "Site icon Outlet Name" line, which WordPress themes leave in copied text.
pub fn outlet_from_site_icon(line: &str) -> Option<&str> {
    let line = line.trim();
    if !line.get(..10)?.eq_ignore_ascii_case("site icon ") {
        return None;
    }
    let outlet = line.get(10..)?.trim();
    looks_like_outlet(outlet).then_some(outlet)
}

/// A title split into the headline proper and the outlet suffix it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitTitle {
    pub title: String,
    pub outlet: String,
    /// The exact piece cut from the title, separator included (" – Middle East Monitor").
    pub removed: String,
}

/// Separators outlets put between headline and name, most specific first.
const TITLE_SEPARATORS: &[&str] = &[" | ", " – ", " — ", " - ", " :: ", " · "];

/// Words that follow a separator as a section label, not an outlet ("… – Analysis").
const NOT_OUTLETS: &[&str] = &[
    "analysis",
    "opinion",
    "live",
    "explainer",
    "update",
    "updates",
    "video",
    "photos",
    "report",
    "interview",
    "watch",
    "review",
    "editorial",
    "comment",
    "breaking",
];

/// Split "Headline – Outlet Name" into headline and outlet.
///
/// `known_outlet` (from HTML metadata or a JSON field) is trusted when the suffix equals it;
/// otherwise the suffix must look like a name: a few capitalised words, no sentence punctuation,
/// and clearly shorter than the headline.
pub fn split_outlet_suffix(title: &str, known_outlet: Option<&str>) -> Option<SplitTitle> {
    let title = title.trim();
    let (position, separator) = TITLE_SEPARATORS
        .iter()
        .filter_map(|separator| title.rfind(separator).map(|position| (position, *separator)))
        .max_by_key(|(position, _)| *position)?;
    let head = title[..position].trim();
    let suffix = title[position + separator.len()..].trim();
    if head.is_empty() || suffix.is_empty() {
        return None;
    }
    let matches_known = known_outlet.is_some_and(|known| known.trim().eq_ignore_ascii_case(suffix));
    let head_words = head.split_whitespace().count();
    let suffix_words = suffix.split_whitespace().count();
    let plausible = known_outlet.is_none()
        && looks_like_outlet(suffix)
        && head_words >= 3
        && head_words > suffix_words
        && !NOT_OUTLETS.contains(&suffix.to_lowercase().as_str());
    (matches_known || plausible).then(|| SplitTitle {
        title: head.to_string(),
        outlet: suffix.to_string(),
        removed: title[position..].to_string(),
    })
}

/// Small connecting words that may stay lower-case inside a name ("Voice of America").
const NAME_PARTICLES: &[&str] = &["of", "the", "and", "for", "de", "del", "la", "le", "al", "el", "du", "von", "&"];

/// Whether `text` reads like the name of an outlet: 1–5 words, capitalised, no sentence punctuation.
fn looks_like_outlet(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 || text.chars().count() > 40 {
        return false;
    }
    if text.chars().any(|c| matches!(c, '?' | '!' | ',' | ';' | ':' | '"' | '“' | '”')) {
        return false;
    }
    let starts_upper = |word: &str| word.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    starts_upper(words[0])
        && words.iter().all(|word| starts_upper(word) || NAME_PARTICLES.contains(&word.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_seed_clutter() {
        assert_eq!(classify_line("READ: Turkey DM: Libya belongs to Libyans"), Some(RELATED_LINK));
        assert_eq!(classify_line("READ: UAE working against Turkey, but for how long?"), Some(RELATED_LINK));
        assert_eq!(classify_line("Leave A Reply"), Some(COMMENT_PROMPT));
        assert_eq!(classify_line("Site icon Turkish Minute"), Some(SITE_CHROME));
        assert_eq!(classify_line("Exit mobile version"), Some(SITE_CHROME));
        assert_eq!(classify_line("Share this"), Some(SHARE_PROMPT));
        assert_eq!(classify_line("ADVERTISEMENT"), Some(ADVERTISEMENT));
        assert_eq!(classify_line("Related:"), Some(RELATED_LINK));
        assert_eq!(classify_line("Read more »"), Some(RELATED_LINK));
        assert_eq!(classify_line("This website uses cookies to improve your experience. Accept"), Some(COOKIE_NOTICE));
        assert_eq!(classify_line("Subscribe to our newsletter"), Some(SUBSCRIBE_PROMPT));
        assert_eq!(classify_line("© 2020 Middle East Monitor. All rights reserved."), Some(COPYRIGHT));
    }

    #[test]
    fn keeps_content_that_resembles_clutter() {
        assert_eq!(classify_line("Al-Sarraj comments:"), None);
        assert_eq!(classify_line("“Turkey is on the right side in the Libyan conflict”"), None);
        assert_eq!(classify_line("Chairman of the Presidential Council of Libya (PHOTO: Middle East Monitor)"), None);
        assert_eq!(classify_line("Share prices fell sharply on Monday."), None);
        assert_eq!(classify_line("Readers were surprised."), None);
        let long = format!("Read: {}", "the minister said the talks went well ".repeat(10));
        assert_eq!(classify_line(&long), None);
    }

    #[test]
    fn site_icon_names_the_outlet() {
        assert_eq!(outlet_from_site_icon("Site icon Turkish Minute"), Some("Turkish Minute"));
        assert_eq!(outlet_from_site_icon("Site icon"), None);
        assert_eq!(outlet_from_site_icon("Turkish Minute"), None);
    }

    #[test]
    fn splits_outlet_suffixes() {
        let split = split_outlet_suffix(
            "Turkey, Qatar sign military cooperation agreement with Libyan government – Middle East Monitor",
            None,
        )
        .expect("suffix");
        assert_eq!(split.title, "Turkey, Qatar sign military cooperation agreement with Libyan government");
        assert_eq!(split.outlet, "Middle East Monitor");
        assert_eq!(split.removed, " – Middle East Monitor");

        let split = split_outlet_suffix("Libya talks resume in Geneva | Al Jazeera", None).expect("suffix");
        assert_eq!(split.outlet, "Al Jazeera");
        let split = split_outlet_suffix("Libya talks resume in Geneva - BBC News", None).expect("suffix");
        assert_eq!(split.outlet, "BBC News");
        let split = split_outlet_suffix("Libya talks - and what comes next - aljazeera.com", Some("aljazeera.com"))
            .expect("known outlet");
        assert_eq!(split.title, "Libya talks - and what comes next");
    }

    #[test]
    fn leaves_titles_without_outlet_alone() {
        assert_eq!(split_outlet_suffix("Turkey and Qatar to rebuild the Libyan army", None), None);
        assert_eq!(split_outlet_suffix("Libya's war – what comes next?", None), None);
        assert_eq!(split_outlet_suffix("Haftar offensive stalls – Analysis", None), None);
        assert_eq!(split_outlet_suffix("Al Jazeera – Libya", None), None);
        // A known outlet that differs from the suffix means the suffix is part of the headline.
        assert_eq!(split_outlet_suffix("Turkey and Qatar sign deal – Libya Herald", Some("Reuters")), None);
    }
}
