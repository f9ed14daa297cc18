//! Name keys: how a place name in any script and spelling is reduced to the key it is looked up by.
//!
//! Two names that a reader takes for the same place should get the same key: case, diacritics,
//! punctuation, "St."/"Saint", Arabic letter variants and the Arabic article (al-/el-/ad-/ال) do
//! not matter. Transliteration variants that differ in vowels ("Misrata"/"Misurata",
//! "Jufra"/"Jafra") share a [`skeleton`], which the fuzzy fallback compares.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The lookup key of a place name: lower case, without diacritics or punctuation, words separated
/// by single spaces, common abbreviations spelled out ("st" → "saint", "ft" → "fort", "mt" →
/// "mount"; after the first word "co" → "county", "twp" → "township"). Never panics; the empty
/// string for a name with no letters or digits.
///
/// ```
/// use storyline_geo::normalize_name;
/// assert_eq!(normalize_name("  Ciudad  Juárez "), "ciudad juarez");
/// assert_eq!(normalize_name("St. Louis"), "saint louis");
/// assert_eq!(normalize_name("U.S."), "us");
/// assert_eq!(normalize_name("Al-Qāmishlī"), "al qamishli");
/// ```
pub fn normalize_name(name: &str) -> String {
    let mut flat = String::with_capacity(name.len());
    for c in name.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            // Dropped so that "U.S." is "us" and "N'Djamena" is "ndjamena", as people type them.
            '.' | '\'' | '’' | 'ʼ' | 'ʻ' | '`' | '´' | 'ʿ' | 'ʾ' | '\u{0640}' => {}
            c if c.is_alphanumeric() => push_folded(&mut flat, c),
            _ => flat.push(' '),
        }
    }
    let mut key = String::with_capacity(flat.len());
    for word in flat.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(match word {
            "st" => "saint",
            "ste" => "sainte",
            "ft" => "fort",
            "mt" => "mount",
            // After a name only ("Platte Co.", "Madison Twp."): alone, "co" is Colombia's code.
            "co" if !key.is_empty() => "county",
            "twp" if !key.is_empty() => "township",
            other => other,
        });
    }
    key
}

/// Lower-cases one letter and folds the Latin letters that Unicode does not decompose and the
/// Arabic letters that are written interchangeably in place names.
fn push_folded(out: &mut String, c: char) {
    match c {
        'ø' | 'Ø' => out.push('o'),
        'ł' | 'Ł' => out.push('l'),
        'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
        'ı' => out.push('i'),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'þ' | 'Þ' => out.push_str("th"),
        'ß' => out.push_str("ss"),
        'ة' => out.push('ه'),
        'ى' => out.push('ي'),
        'ٱ' => out.push('ا'),
        // A few symbols count as upper-case letters with no lower case (🅐): leave them out.
        c => out.extend(c.to_lowercase().filter(|l| !l.is_uppercase())),
    }
}

/// Latin transliterations of the Arabic article as separate first words (after
/// [`normalize_name`] has turned hyphens into spaces); the assimilated forms (ad-, ar-, as-, …)
/// are the article before "sun letters".
const ARTICLES: &[&str] =
    &["al", "el", "ul", "ad", "adh", "ar", "as", "ash", "at", "ath", "az", "an", "ed", "er", "es", "et", "ez", "en"];

/// The key without a leading Arabic article, when it has one and something is left: "al
/// qamishli" → "qamishli", "القاهره" → "قاهره". `None` when there is no article to strip.
///
/// ```
/// use storyline_geo::normalize::strip_article;
/// assert_eq!(strip_article("el fasher"), Some("fasher"));
/// assert_eq!(strip_article("paris"), None);
/// ```
pub fn strip_article(key: &str) -> Option<&str> {
    if let Some((first, rest)) = key.split_once(' ') {
        if ARTICLES.contains(&first) && !rest.is_empty() {
            return Some(rest);
        }
    }
    // Arabic script writes the article joined to the word.
    if let Some(rest) = key.strip_prefix("ال") {
        if rest.chars().count() >= 2 {
            return Some(rest);
        }
    }
    None
}

/// Whether a key is written in Latin letters (and digits) only: the fuzzy fallback compares
/// only those, since vowel-dropping means nothing in other scripts.
pub fn is_latin(key: &str) -> bool {
    key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == ' ')
}

/// The consonant skeleton of a Latin key: without the article, spaces, vowels, "h" and "w",
/// with "q"/"c" read as "k" and doubled letters once. "misurata" and "misratah" are both "msrt";
/// "jufrah" and "jafra" are both "jfr".
///
/// ```
/// use storyline_geo::normalize::skeleton;
/// assert_eq!(skeleton("misurata"), skeleton("misratah"));
/// assert_eq!(skeleton("al jufrah"), skeleton("jafra"));
/// ```
pub fn skeleton(key: &str) -> String {
    let key = strip_article(key).unwrap_or(key);
    let mut out = String::with_capacity(key.len());
    let mut last = None;
    for c in key.chars() {
        let c = match c {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'w' | ' ' => continue,
            'q' | 'c' => 'k',
            c => c,
        };
        if last != Some(c) {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// Levenshtein distance over characters (two rows, so memory is linear).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(normalize_name("MISRĀTAH"), "misratah");
        assert_eq!(normalize_name("Misrata,"), "misrata");
        assert_eq!(normalize_name("W.Va."), "wva");
        assert_eq!(normalize_name("Ft. Worth"), "fort worth");
        assert_eq!(normalize_name("Platte Co."), "platte county");
        assert_eq!(normalize_name("Madison Twp."), "madison township");
        assert_eq!(normalize_name("CO"), "co");
        assert_eq!(normalize_name("Łódź"), "lodz");
        assert_eq!(normalize_name("Sankt-Peterburg"), "sankt peterburg");
        assert_eq!(normalize_name("N'Djamena"), "ndjamena");
        assert_eq!(normalize_name("...!"), "");
    }

    #[test]
    fn keeps_other_scripts() {
        assert_eq!(normalize_name("Москва"), "москва");
        // Hamza on alef is a combining mark after decomposition; teh marbuta is folded to heh.
        assert_eq!(normalize_name("الإسكندرية"), normalize_name("الاسكندريه"));
        assert_eq!(strip_article(&normalize_name("القاهرة")), Some("قاهره"));
    }

    #[test]
    fn strips_the_arabic_article_only_before_a_name() {
        assert_eq!(strip_article("al qamishli"), Some("qamishli"));
        assert_eq!(strip_article("as suwayda"), Some("suwayda"));
        assert_eq!(strip_article("al"), None);
        assert_eq!(strip_article("alexandria"), None);
    }

    #[test]
    fn skeletons_join_transliteration_variants() {
        assert_eq!(skeleton("jufra"), "jfr");
        assert_eq!(skeleton("jufrah"), "jfr");
        assert_eq!(skeleton("jafra"), "jfr");
        assert_eq!(skeleton("qamishli"), skeleton("kamishli"));
        assert_ne!(skeleton("tripoli"), skeleton("tobruk"));
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("misrata", "misurata"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    proptest! {
        #[test]
        fn normalizing_twice_changes_nothing(name in "\\PC{0,40}") {
            let once = normalize_name(&name);
            prop_assert_eq!(normalize_name(&once), once.clone());
        }

        #[test]
        fn keys_have_no_upper_case_or_stray_spaces(name in "\\PC{0,40}") {
            let key = normalize_name(&name);
            prop_assert!(!key.starts_with(' ') && !key.ends_with(' ') && !key.contains("  "));
            prop_assert!(key.chars().all(|c| !c.is_uppercase()));
        }

        #[test]
        fn case_and_accents_do_not_matter(name in "[a-zA-Z ]{0,30}") {
            let accented: String = name.chars().map(|c| match c { 'e' => 'é', 'a' => 'à', 'o' => 'ö', c => c }).collect();
            prop_assert_eq!(normalize_name(&name.to_uppercase()), normalize_name(&accented.to_lowercase()));
        }

        #[test]
        fn skeleton_ignores_vowel_changes(name in "[bdfgjklmnprstvz]{1,3}[aeiou]{1,2}[bdfgjklmnprstvz]{1,3}") {
            let changed: String = name.chars().map(|c| if "aeiou".contains(c) { 'u' } else { c }).collect();
            prop_assert_eq!(skeleton(&name), skeleton(&changed));
        }

        #[test]
        fn edit_distance_is_symmetric_and_bounded(a in "[a-z]{0,12}", b in "[a-z]{0,12}") {
            let d = edit_distance(&a, &b);
            prop_assert_eq!(d, edit_distance(&b, &a));
            prop_assert!(d <= a.len().max(b.len()));
        }
    }
}
