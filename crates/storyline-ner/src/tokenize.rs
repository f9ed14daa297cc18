//! Splitting raw news text into sentences of CoNLL-style tokens, keeping byte offsets.
//!
//! The model was trained on Reuters text tokenised the Penn Treebank way, so raw text is cut
//! the same way: punctuation and the possessive `'s` become tokens of their own, while
//! hyphenated names (Al-Attiyah), initialisms (U.S.), numbers (1,250.5) and dates stay whole.

/// A token of the input text; `start..end` are byte offsets into that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextToken {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

const OPENERS: &[char] = &['"', '\'', '\u{201C}', '\u{2018}', '(', '[', '{', '\u{00AB}', '`'];
const CLOSERS: &[char] =
    &[',', ';', ':', '!', '?', ')', ']', '}', '"', '\u{201D}', '\u{2019}', '\'', '\u{00BB}', '\u{2026}'];

// Words that keep their full stop. Lowercased, without the stop.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "cmdr", "adm", "maj", "gov", "sen", "rep",
    "rev", "st", "jr", "sr", "inc", "corp", "ltd", "co", "bros", "no", "vs", "etc", "jan", "feb", "mar", "apr", "aug",
    "sep", "sept", "oct", "nov", "dec", "mt", "ft", "approx", "dept", "univ", "est", "fig", "pres",
];

fn is_abbreviation(core_with_stop: &str) -> bool {
    let Some(core) = core_with_stop.strip_suffix('.') else {
        return false;
    };
    if core.is_empty() {
        return false;
    }
    // Initials and initialisms: "J.", "U.S.", "U.N."
    let initialism = core.split('.').all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic));
    initialism || ABBREVIATIONS.contains(&core.to_lowercase().as_str())
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Cuts one whitespace-free chunk of text starting at byte `base` into tokens.
fn split_chunk(chunk: &str, base: usize, out: &mut Vec<TextToken>) {
    let push = |out: &mut Vec<TextToken>, s: usize, e: usize| {
        if e > s {
            out.push(TextToken { text: chunk[s..e].to_string(), start: base + s, end: base + e });
        }
    };
    let mut start = 0;
    let mut end = chunk.len();

    // Leading quotes and brackets.
    while let Some(c) = chunk[start..end].chars().next() {
        if OPENERS.contains(&c) && end - start > c.len_utf8() {
            push(out, start, start + c.len_utf8());
            start += c.len_utf8();
        } else {
            break;
        }
    }

    // Trailing punctuation, peeled from the right; remembered in reverse order.
    let mut trailing: Vec<(usize, usize)> = Vec::new();
    loop {
        let core = &chunk[start..end];
        let Some(c) = core.chars().next_back() else {
            break;
        };
        if core.ends_with("...") && core.len() > 3 {
            trailing.push((end - 3, end));
            end -= 3;
        } else if c == '.' && core.len() > 1 && !is_abbreviation(core) {
            trailing.push((end - 1, end));
            end -= 1;
        } else if CLOSERS.contains(&c) && core.len() > c.len_utf8() {
            trailing.push((end - c.len_utf8(), end));
            end -= c.len_utf8();
        } else {
            break;
        }
    }

    // Clitics: "Akar's" -> "Akar" "'s"; "don't" -> "do" "n't".
    let core = &chunk[start..end];
    let mut clitic: Option<usize> = None;
    let mut chars = core.char_indices().rev();
    if let (Some((_, last)), Some((ai, apos))) = (chars.next(), chars.next()) {
        if (last == 's' || last == 'S') && is_apostrophe(apos) && ai > 0 {
            clitic = Some(start + ai);
        } else if (last == 't' || last == 'T') && is_apostrophe(apos) {
            if let Some((ni, n)) = chars.next() {
                if (n == 'n' || n == 'N') && ni > 0 {
                    clitic = Some(start + ni);
                }
            }
        }
    }
    let word_end = clitic.unwrap_or(end);

    // Dashes used as punctuation inside a chunk ("Tripoli--Libya", "war—and") split it.
    let mut piece_start = start;
    let word = &chunk[start..word_end];
    let mut iter = word.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let abs = start + i;
        let dash_len = if c == '\u{2014}' {
            Some(c.len_utf8())
        } else if c == '-' && iter.peek().is_some_and(|&(_, n)| n == '-') {
            iter.next();
            Some(2)
        } else {
            None
        };
        if let Some(len) = dash_len {
            push(out, piece_start, abs);
            push(out, abs, abs + len);
            piece_start = abs + len;
        }
    }
    push(out, piece_start, word_end);
    if let Some(c) = clitic {
        push(out, c, end);
    }
    for &(s, e) in trailing.iter().rev() {
        push(out, s, e);
    }
}

fn ends_sentence(t: &str) -> bool {
    matches!(t, "." | "!" | "?" | "..." | "\u{2026}")
}

fn is_closing_quote(t: &str) -> bool {
    matches!(t, "\"" | "'" | "\u{201D}" | "\u{2019}" | ")" | "]")
}

fn may_open_sentence(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_uppercase() || c.is_numeric() || OPENERS.contains(&c))
}

/// Tokenises `text` and splits it into sentences.
///
/// A sentence ends at `.`, `!` or `?` (plus closing quotes) when the next token could open a
/// sentence, and at a blank line. A single line break also ends one when the next line starts
/// like a sentence, because headlines and datelines carry no full stop.
pub fn tokenize_sentences(text: &str) -> Vec<Vec<TextToken>> {
    let mut sentences: Vec<Vec<TextToken>> = Vec::new();
    let mut current: Vec<TextToken> = Vec::new();
    let mut pending_end = false;
    let mut newlines_before = 0usize;
    let mut chunk_start: Option<usize> = None;
    let mut tokens: Vec<TextToken> = Vec::new();

    let mut flush_chunk = |s: usize,
                           e: usize,
                           newlines: usize,
                           current: &mut Vec<TextToken>,
                           sentences: &mut Vec<Vec<TextToken>>,
                           pending_end: &mut bool| {
        tokens.clear();
        split_chunk(&text[s..e], s, &mut tokens);
        for (k, tok) in tokens.drain(..).enumerate() {
            let at_chunk_start = k == 0;
            let boundary = !current.is_empty()
                && ((at_chunk_start && newlines >= 2)
                    || (at_chunk_start && newlines == 1 && may_open_sentence(&tok.text))
                    || (*pending_end && at_chunk_start && may_open_sentence(&tok.text)));
            if boundary {
                sentences.push(std::mem::take(current));
                *pending_end = false;
            }
            if ends_sentence(&tok.text) {
                *pending_end = true;
            } else if !(is_closing_quote(&tok.text) && *pending_end) {
                *pending_end = false;
            }
            current.push(tok);
        }
    };

    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = chunk_start.take() {
                flush_chunk(s, i, newlines_before, &mut current, &mut sentences, &mut pending_end);
                newlines_before = 0;
            }
            if c == '\n' {
                newlines_before += 1;
            }
        } else if chunk_start.is_none() {
            chunk_start = Some(i);
        }
    }
    if let Some(s) = chunk_start {
        flush_chunk(s, text.len(), newlines_before, &mut current, &mut sentences, &mut pending_end);
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<Vec<String>> {
        tokenize_sentences(text).into_iter().map(|s| s.into_iter().map(|t| t.text).collect()).collect()
    }

    #[test]
    fn punctuation_possessives_and_hyphenated_names() {
        let got = texts("Turkey's minister met Khalid Al-Attiyah (Qatar) in the U.S., officials said.");
        assert_eq!(
            got,
            vec![vec![
                "Turkey",
                "'s",
                "minister",
                "met",
                "Khalid",
                "Al-Attiyah",
                "(",
                "Qatar",
                ")",
                "in",
                "the",
                "U.S.",
                ",",
                "officials",
                "said",
                "."
            ]]
        );
    }

    #[test]
    fn curly_quotes_and_sentences() {
        let got = texts("\u{201C}We won\u{2019}t go,\u{201D} Erdo\u{011F}an\u{2019}s aide said. Mr. Akar left.\n\nANKARA (Reuters) - Talks");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0][0], "\u{201C}");
        assert_eq!(got[0][2], "wo");
        assert_eq!(got[0][3], "n\u{2019}t");
        assert!(got[0].contains(&"Erdo\u{011F}an".to_string()));
        assert!(got[0].contains(&"\u{2019}s".to_string()));
        assert_eq!(got[1], vec!["Mr.", "Akar", "left", "."]);
        assert_eq!(got[2][0], "ANKARA");
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "Hulusi Akar\u{2019}s visit \u{2014} in Tripoli.";
        for s in tokenize_sentences(text) {
            for t in s {
                assert_eq!(&text[t.start..t.end], t.text);
            }
        }
    }
}
