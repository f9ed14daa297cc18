//! Language detection with whatlang, reported as ISO 639-1 codes.
//!
//! Later stages pick stemmers and stop words by language, and they speak ISO 639-1 ("en", "tr"),
//! the code most metadata (HTML `lang`, feeds) uses. whatlang speaks ISO 639-3, hence the table.

use storyline_model::Language;
use whatlang::Lang;

/// Below this many letters whatlang's guesses are noise.
const MIN_LETTERS: usize = 20;

/// Detection looks at the start of long texts only: it is as good and much cheaper.
const MAX_DETECT_CHARS: usize = 10_000;

/// The language of `text`, or `None` when it is too short or the detector is unsure.
pub fn detect_language(text: &str) -> Option<Language> {
    let sample = match text.char_indices().nth(MAX_DETECT_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let letters = sample.chars().filter(|c| c.is_alphabetic()).count();
    if letters < MIN_LETTERS {
        return None;
    }
    // whatlang weighs a text's scripts by their characters, and a Chinese character is a word,
    // not a letter: a Chinese article naming a few people and a web site in Latin letters came
    // out Slovak, Danish or Javanese. Such a text is read without its Latin letters.
    let east_asian = sample.chars().filter(|&c| is_east_asian(c)).count();
    let info = if east_asian * 4 >= letters {
        whatlang::detect(&sample.chars().filter(|c| !c.is_ascii_alphabetic()).collect::<String>())?
    } else {
        whatlang::detect(sample)?
    };
    if !info.is_reliable() {
        return None;
    }
    Some(Language { code: iso639_1(info.lang()).to_string(), confidence: info.confidence() as f32 })
}

/// A Han character, a kana or a Hangul syllable: each stands for a word or a syllable.
fn is_east_asian(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Normalise a declared language ("EN", "en-US", "eng", "pt_BR") to ISO 639-1 where we can.
pub(crate) fn normalise_code(declared: &str) -> Option<String> {
    let primary = declared.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.len() {
        2 if primary.chars().all(|c| c.is_ascii_lowercase()) => Some(primary),
        3 => Lang::from_code(&primary).map(|lang| iso639_1(lang).to_string()).or(Some(primary)),
        _ => None,
    }
}

/// ISO 639-1 code for every language whatlang knows.
pub fn iso639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        // whatlang's Persian is the Iranian variety; ISO 639-1 has one code for Persian.
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_naming_people_in_latin_letters_is_chinese() {
        let text = "Simon Coveney 与 Stormont 的 Arlene Foster 和 Michelle O'Neill 会谈 \
                    Belfast Telegraph 报道 David Young 说 谈判将于周四恢复。爱尔兰副总理敦促各方在恢复权力分享的\
                    谈判时表现出领导力和慷慨，节日期间暂停后，各党派将在周四重新坐下来。";
        assert_eq!(detect_language(text).map(|l| l.code).as_deref(), Some("zh"));
    }

    #[test]
    fn detects_english() {
        let language = detect_language(
            "Turkey and Qatar have signed a tripartite deal with the Libyan government for military \
             cooperation, in a new development set to enhance the government's defence.",
        )
        .expect("reliable");
        assert_eq!(language.code, "en");
        assert!(language.confidence > 0.5);
    }

    #[test]
    fn detects_other_languages() {
        let german = "Die Regierung in Tripolis hat mit der Türkei und Katar ein Abkommen über die \
                      militärische Zusammenarbeit unterzeichnet, teilte das Ministerium am Montag mit.";
        assert_eq!(detect_language(german).map(|l| l.code), Some("de".to_string()));
        let turkish = "Türkiye ve Katar, Libya hükümeti ile askeri işbirliği anlaşması imzaladı. \
                       Anlaşma, ülkede askeri tesisler ve eğitim programları kuracak.";
        assert_eq!(detect_language(turkish).map(|l| l.code), Some("tr".to_string()));
    }

    #[test]
    fn short_or_empty_text_is_unknown() {
        assert_eq!(detect_language(""), None);
        assert_eq!(detect_language("Libya"), None);
        assert_eq!(detect_language("12345 67890 !!!"), None);
    }

    #[test]
    fn every_whatlang_language_has_a_two_letter_code() {
        for lang in Lang::all() {
            let code = iso639_1(*lang);
            assert_eq!(code.len(), 2, "{lang:?}");
            assert!(code.chars().all(|c| c.is_ascii_lowercase()));
        }
    }

    #[test]
    fn normalises_declared_codes() {
        assert_eq!(normalise_code("EN"), Some("en".to_string()));
        assert_eq!(normalise_code("en-US"), Some("en".to_string()));
        assert_eq!(normalise_code("pt_BR"), Some("pt".to_string()));
        assert_eq!(normalise_code("tur"), Some("tr".to_string()));
        assert_eq!(normalise_code(""), None);
        assert_eq!(normalise_code("english"), None);
    }
}
