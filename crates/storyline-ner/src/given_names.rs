//! Given names, learnt from the labelled corpora: the words that open person names and hardly
//! ever open other names.
//!
//! The taggers type a full name by its context, and news context misleads them in some
//! languages: Spanish "el régimen de Bashar al Asad" reads like a place. A name that opens with
//! "Bashar" is a person's whatever its context, and the corpora say which words do: across the
//! fit parts of every corpus (CoNLL-2003 train, CoNLL-2002 train, WikiANN train, WikiNEuRal's
//! first 80 %), the first word of each name of two words or more is counted as opening a person
//! or something else. Words like "San", "Abu" or "Washington" open places as well, and stay out.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::corpora::{Use, SOURCES};
use crate::EntityKind;

/// Person names a word must open to count as a given name.
pub const MIN_PERSON_NAMES: u32 = 2;
/// The share of the names it opens that must be persons'.
pub const MIN_PERSON_SHARE: f64 = 0.95;

/// How often a word opens names of two words or more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Openings {
    pub persons: u32,
    pub others: u32,
}

impl Openings {
    pub fn is_given_name(&self) -> bool {
        self.persons >= MIN_PERSON_NAMES
            && f64::from(self.persons) >= MIN_PERSON_SHARE * f64::from(self.persons + self.others)
    }
}

/// Counts, by lower-cased word, the names each word opens in the fit parts of the corpora
/// under `data` (`../shared/eval/ner`); a corpus file that is missing is passed over.
pub fn count_openings(data: &Path) -> crate::Result<HashMap<String, Openings>> {
    let mut counts: HashMap<String, Openings> = HashMap::new();
    for source in SOURCES {
        if !data.join(source.slice(Use::Fit).file).exists() {
            continue;
        }
        for doc in source.read(data, Use::Fit)? {
            for sentence in &doc.sentences {
                for span in sentence.entities.iter().filter(|s| s.end - s.start >= 2) {
                    let word = &sentence.tokens[span.start];
                    if word.chars().count() < 2 || !word.chars().all(char::is_alphabetic) {
                        continue;
                    }
                    let entry = counts.entry(word.to_lowercase()).or_default();
                    if span.kind == EntityKind::Person {
                        entry.persons += 1;
                    } else {
                        entry.others += 1;
                    }
                }
            }
        }
    }
    Ok(counts)
}

/// Writes the given names among `counts` as a TSV file (word, person names, other names), most
/// frequent first.
pub fn write_given_names(counts: &HashMap<String, Openings>, out: &Path) -> std::io::Result<usize> {
    let mut names: Vec<(&String, &Openings)> = counts.iter().filter(|(_, o)| o.is_given_name()).collect();
    names.sort_by(|a, b| b.1.persons.cmp(&a.1.persons).then(a.0.cmp(b.0)));
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    writeln!(
        file,
        "# word\tperson names it opens\tother names it opens (fit parts of ../shared/eval/ner; storyline train-ner --given-names)"
    )?;
    for (word, o) in &names {
        writeln!(file, "{word}\t{}\t{}", o.persons, o.others)?;
    }
    file.flush()?;
    Ok(names.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_name_opens_persons_almost_only() {
        assert!(Openings { persons: 40, others: 1 }.is_given_name());
        // "San" opens saints and places alike; a rare word says too little.
        assert!(!Openings { persons: 40, others: 30 }.is_given_name());
        assert!(!Openings { persons: 1, others: 0 }.is_given_name());
    }
}
