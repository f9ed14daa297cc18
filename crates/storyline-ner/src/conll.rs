//! Reading labelled corpora and scoring predictions the way `conlleval` does.
//!
//! Two formats: CoNLL-2003 (token first column, NER tag last, IOB1, `-DOCSTART-` between
//! stories) and the three-column `.conllu` of the CoNLL-2002, WikiANN and WikiNEuRal copies
//! (`index<TAB>token<TAB>tag`, IOB2). [`read_corpus`] tells them apart by their first line.

use crate::entity::{EntityKind, Span};
use crate::error::{NerError, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One tokenised sentence with its gold entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub tokens: Vec<String>,
    pub entities: Vec<Span>,
}

/// A news story: the unit over which document-level evidence is shared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub sentences: Vec<Sentence>,
}

impl Document {
    /// The sentences as bare token lists, the shape [`crate::Tagger::tag_document`] takes.
    pub fn token_lists(&self) -> Vec<Vec<String>> {
        self.sentences.iter().map(|s| s.tokens.clone()).collect()
    }
}

/// Reads a CoNLL file (token first column, NER tag last column).
pub fn read_conll(path: impl AsRef<Path>) -> Result<Vec<Document>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| NerError::Io { path: path.to_path_buf(), source })?;
    parse_conll(&text, &path.display().to_string())
}

/// The two corpus formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// CoNLL-2003: `token POS chunk tag`, whitespace-separated.
    Conll,
    /// `index<TAB>token<TAB>tag`.
    Conllu,
}

impl Format {
    /// The format of a corpus text, from its first non-blank line: three tab-separated columns
    /// whose first is a number make `.conllu`; anything else is read as CoNLL-2003.
    pub fn detect(text: &str) -> Format {
        let first = text.lines().map(str::trim_end).find(|l| !l.trim().is_empty()).unwrap_or_default();
        let cols: Vec<&str> = first.split('\t').collect();
        if cols.len() == 3 && !cols[0].is_empty() && cols[0].bytes().all(|b| b.is_ascii_digit()) {
            Format::Conllu
        } else {
            Format::Conll
        }
    }
}

/// Reads a corpus in either format (see [`Format::detect`]).
pub fn read_corpus(path: impl AsRef<Path>) -> Result<Vec<Document>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| NerError::Io { path: path.to_path_buf(), source })?;
    parse_corpus(&text, &path.display().to_string())
}

/// Parses a corpus in either format (see [`Format::detect`]).
pub fn parse_corpus(text: &str, origin: &str) -> Result<Vec<Document>> {
    match Format::detect(text) {
        Format::Conll => parse_conll(text, origin),
        Format::Conllu => parse_conllu(text, origin),
    }
}

/// Parses `.conllu` text: `index<TAB>token<TAB>tag` lines, a blank line between sentences.
///
/// These corpora keep no story boundaries (WikiANN and WikiNEuRal sentences come shuffled from
/// Wikipedia), so each sentence is a document of its own: no evidence crosses sentences.
pub fn parse_conllu(text: &str, origin: &str) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    let (mut tokens, mut tags): (Vec<String>, Vec<&str>) = (Vec::new(), Vec::new());
    let mut start_line = 1;
    let mut finish = |tokens: &mut Vec<String>, tags: &mut Vec<&str>, line: usize| -> Result<()> {
        if tokens.is_empty() {
            return Ok(());
        }
        let entities =
            iob_to_spans(tags).map_err(|message| NerError::Conll { origin: origin.to_string(), line, message })?;
        tags.clear();
        docs.push(Document { sentences: vec![Sentence { tokens: std::mem::take(tokens), entities }] });
        Ok(())
    };
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            finish(&mut tokens, &mut tags, start_line)?;
            start_line = line_no + 1;
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(_index), Some(token), Some(tag), None) = (cols.next(), cols.next(), cols.next(), cols.next()) else {
            return Err(NerError::Conll {
                origin: origin.to_string(),
                line: line_no,
                message: format!("expected index, token and tag separated by tabs, found {line:?}"),
            });
        };
        let token = token.trim();
        if token.is_empty() {
            return Err(NerError::Conll { origin: origin.to_string(), line: line_no, message: "empty token".into() });
        }
        tokens.push(token.to_string());
        tags.push(tag.trim());
    }
    finish(&mut tokens, &mut tags, start_line)?;
    Ok(docs)
}

/// A deterministic part of a corpus, by sentence: what a model is fitted on and what it is
/// checked on, for files that come without a split of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// Every sentence.
    All,
    /// The first 80 % of the sentences, in file order.
    Fit,
    /// The last 20 %.
    Check,
}

impl Part {
    /// The documents of this part. Documents are kept whole: the cut falls at the first document
    /// that starts at or after 80 % of the sentences.
    pub fn select(self, docs: Vec<Document>) -> Vec<Document> {
        if self == Part::All {
            return docs;
        }
        let total: usize = docs.iter().map(|d| d.sentences.len()).sum();
        let cut = total * 4 / 5;
        let mut seen = 0;
        let mut cut_doc = docs.len();
        for (i, d) in docs.iter().enumerate() {
            if seen >= cut {
                cut_doc = i;
                break;
            }
            seen += d.sentences.len();
        }
        let mut docs = docs;
        let check = docs.split_off(cut_doc);
        if self == Part::Fit {
            docs
        } else {
            check
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Part::All => "all",
            Part::Fit => "fit",
            Part::Check => "check",
        }
    }
}

/// Parses CoNLL text; `origin` names the input in error messages.
///
/// Documents are split at `-DOCSTART-` lines. Some distributions of CoNLL-2003 drop those
/// lines; then stories are recovered from their datelines (see [`split_at_datelines`]) because
/// the document-level features depend on knowing where a story ends.
pub fn parse_conll(text: &str, origin: &str) -> Result<Vec<Document>> {
    let mut docs: Vec<Document> = Vec::new();
    let mut current = Document::default();
    let mut tokens: Vec<String> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    let mut start_line = 1;
    let mut saw_docstart = false;

    let finish_sentence = |tokens: &mut Vec<String>, tags: &mut Vec<String>, doc: &mut Document, line: usize| {
        if tokens.is_empty() {
            return Ok(());
        }
        let entities =
            iob_to_spans(tags).map_err(|message| NerError::Conll { origin: origin.to_string(), line, message })?;
        doc.sentences.push(Sentence { tokens: std::mem::take(tokens), entities });
        tags.clear();
        Ok::<(), NerError>(())
    };

    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() {
            finish_sentence(&mut tokens, &mut tags, &mut current, start_line)?;
            start_line = line_no + 1;
            continue;
        }
        let mut cols = line.split_whitespace();
        let token = cols.next().unwrap_or_default();
        if token == "-DOCSTART-" {
            finish_sentence(&mut tokens, &mut tags, &mut current, start_line)?;
            saw_docstart = true;
            if !current.sentences.is_empty() {
                docs.push(std::mem::take(&mut current));
            }
            start_line = line_no + 1;
            continue;
        }
        let tag = match cols.next_back() {
            Some(tag) => tag,
            None => {
                return Err(NerError::Conll {
                    origin: origin.to_string(),
                    line: line_no,
                    message: format!("expected a token and a tag, found {line:?}"),
                })
            }
        };
        if tokens.is_empty() {
            start_line = line_no;
        }
        tokens.push(token.to_string());
        tags.push(tag.to_string());
    }
    finish_sentence(&mut tokens, &mut tags, &mut current, start_line)?;
    if !current.sentences.is_empty() {
        docs.push(current);
    }
    if saw_docstart {
        Ok(docs)
    } else {
        Ok(docs.into_iter().flat_map(|d| split_at_datelines(d.sentences)).collect())
    }
}

/// Splits a run of sentences into stories at Reuters datelines ("BRUSSELS 1996-08-22").
///
/// A story opens with its headline, optionally a byline, then the dateline; so a new document
/// starts one sentence before the dateline, or two when the sentence before it is a byline.
pub fn split_at_datelines(sentences: Vec<Sentence>) -> Vec<Document> {
    let is_dateline = |s: &Sentence| s.tokens.len() <= 8 && s.tokens.iter().any(|t| is_iso_date(t));
    // A byline is a bare name: two or three capitalised words.
    let is_byline = |s: &Sentence| {
        (2..=3).contains(&s.tokens.len())
            && s.tokens.iter().all(|t| {
                t.chars().next().is_some_and(char::is_uppercase)
                    && t.chars().skip(1).all(|c| c.is_lowercase() || c == '.' || c == '-')
            })
    };
    let mut starts = vec![0usize];
    for i in 0..sentences.len() {
        if !is_dateline(&sentences[i]) {
            continue;
        }
        let last = *starts.last().unwrap_or(&0);
        let mut start = i.saturating_sub(1);
        if start > last + 1 && is_byline(&sentences[start]) {
            start = i - 2;
        }
        if start > last {
            starts.push(start);
        }
    }
    starts.push(sentences.len());
    let mut docs = Vec::with_capacity(starts.len());
    let mut iter = sentences.into_iter();
    for w in starts.windows(2) {
        let sentences: Vec<Sentence> = iter.by_ref().take(w[1] - w[0]).collect();
        if !sentences.is_empty() {
            docs.push(Document { sentences });
        }
    }
    docs
}

fn is_iso_date(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Converts IOB tags (IOB1 or IOB2: `O`, `B-X`, `I-X`) to spans, with `conlleval`'s reading:
/// a span starts at `B-X`, or at `I-X` that does not continue a span of kind X.
pub fn iob_to_spans<S: AsRef<str>>(tags: &[S]) -> std::result::Result<Vec<Span>, String> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, EntityKind)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let tag = tag.as_ref();
        if tag == "O" {
            if let Some((s, k)) = open.take() {
                spans.push(Span { start: s, end: i, kind: k });
            }
            continue;
        }
        let (prefix, kind) = tag.split_once('-').ok_or_else(|| format!("unknown tag {tag:?}"))?;
        let kind = EntityKind::from_conll(kind).ok_or_else(|| format!("unknown entity type in {tag:?}"))?;
        let starts_new = match prefix {
            "B" => true,
            "I" => !matches!(open, Some((_, k)) if k == kind),
            _ => return Err(format!("unknown tag prefix in {tag:?}")),
        };
        if starts_new {
            if let Some((s, k)) = open.take() {
                spans.push(Span { start: s, end: i, kind: k });
            }
            open = Some((i, kind));
        }
    }
    if let Some((s, k)) = open {
        spans.push(Span { start: s, end: tags.len(), kind: k });
    }
    Ok(spans)
}

/// Precision, recall and F1 for one entity kind (or all of them), with the counts behind them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub gold: usize,
    pub predicted: usize,
    pub correct: usize,
}

impl Scores {
    pub fn from_counts(gold: usize, predicted: usize, correct: usize) -> Scores {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(correct, predicted);
        let recall = ratio(correct, gold);
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Scores { precision, recall, f1, gold, predicted, correct }
    }
}

/// An evaluation: per kind and micro-averaged over all kinds, exact span match.
///
/// JSON shape: `{"per_type": {"PER": Scores, "ORG": ..., "LOC": ..., "MISC": ...},
/// "micro": Scores, "sentences": n}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub per_type: BTreeMap<EntityKind, Scores>,
    pub micro: Scores,
    pub sentences: usize,
}

/// Scores predicted against gold spans, sentence by sentence (both slices in the same order).
/// A prediction counts only if start, end and kind all match a gold span.
pub fn evaluate(gold: &[Vec<Span>], predicted: &[Vec<Span>]) -> Report {
    let mut counts = [(0usize, 0usize, 0usize); 4];
    for (g, p) in gold.iter().zip(predicted) {
        for s in g {
            counts[s.kind.index()].0 += 1;
        }
        for s in p {
            counts[s.kind.index()].1 += 1;
            if g.contains(s) {
                counts[s.kind.index()].2 += 1;
            }
        }
    }
    // A missing predicted sentence means everything in it was missed.
    for g in gold.iter().skip(predicted.len()) {
        for s in g {
            counts[s.kind.index()].0 += 1;
        }
    }
    let per_type: BTreeMap<EntityKind, Scores> = EntityKind::ALL
        .iter()
        .map(|&k| {
            let (g, p, c) = counts[k.index()];
            (k, Scores::from_counts(g, p, c))
        })
        .collect();
    let (g, p, c) = counts.iter().fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    Report { per_type, micro: Scores::from_counts(g, p, c), sentences: gold.len() }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<6} {:>9} {:>7} {:>7} {:>6} {:>9} {:>7}",
            "type", "precision", "recall", "f1", "gold", "predicted", "correct"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, s: &Scores| {
            writeln!(
                f,
                "{:<6} {:>9.4} {:>7.4} {:>7.4} {:>6} {:>9} {:>7}",
                name, s.precision, s.recall, s.f1, s.gold, s.predicted, s.correct
            )
        };
        for (k, s) in &self.per_type {
            row(f, k.as_str(), s)?;
        }
        row(f, "micro", &self.micro)?;
        write!(f, "({} sentences)", self.sentences)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\ncall NN I-NP O\n\nPeter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- -X- O\n\nBRUSSELS NNP B-NP I-LOC\n1996-08-22 CD I-NP O\n";

    #[test]
    fn reads_documents_sentences_and_iob1_spans() {
        let docs = parse_conll(SAMPLE, "sample").expect("valid sample");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 2);
        let first = &docs[0].sentences[0];
        assert_eq!(first.tokens, ["EU", "rejects", "German", "call"]);
        assert_eq!(
            first.entities,
            vec![
                Span { start: 0, end: 1, kind: EntityKind::Organization },
                Span { start: 2, end: 3, kind: EntityKind::Misc },
            ]
        );
        assert_eq!(docs[0].sentences[1].entities, vec![Span { start: 0, end: 2, kind: EntityKind::Person }]);
        assert_eq!(docs[1].sentences[0].tokens, ["BRUSSELS", "1996-08-22"]);
    }

    #[test]
    fn reads_conllu_sentences_as_documents() {
        let text =
            "0\tMelbourne\tB-LOC\n1\t(\tO\n2\tAustralia\tB-LOC\n\n0\tW.\tB-PER\n1\tG.\tI-PER\n2\tSebald\tI-PER\n";
        assert_eq!(Format::detect(text), Format::Conllu);
        assert_eq!(Format::detect(SAMPLE), Format::Conll);
        let docs = parse_corpus(text, "t").expect("valid");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences[0].tokens, ["Melbourne", "(", "Australia"]);
        assert_eq!(
            docs[0].sentences[0].entities,
            vec![
                Span { start: 0, end: 1, kind: EntityKind::Location },
                Span { start: 2, end: 3, kind: EntityKind::Location },
            ]
        );
        assert_eq!(docs[1].sentences[0].entities, vec![Span { start: 0, end: 3, kind: EntityKind::Person }]);
        let err = parse_conllu("0\tA\tB-PER\n1\tB\n", "t").expect_err("two columns");
        assert!(err.to_string().starts_with("t:2:"), "{err}");
        assert!(parse_conllu("0\tA\tB-CITY\n", "t").is_err());
        // Tokens may hold spaces in other columns' sense: only tabs separate.
        assert_eq!(parse_conllu("0\t'\tO\n1\t''\tO\n", "t").expect("quotes")[0].sentences[0].tokens, ["'", "''"]);
    }

    #[test]
    fn fit_and_check_parts_split_sentences_80_20() {
        let text: String = (0..10).map(|i| format!("0\tw{i}\tO\n\n")).collect();
        let docs = parse_conllu(&text, "t").expect("valid");
        let fit = Part::Fit.select(docs.clone());
        let check = Part::Check.select(docs.clone());
        assert_eq!((fit.len(), check.len()), (8, 2));
        assert_eq!(check[0].sentences[0].tokens, ["w8"]);
        assert_eq!(Part::All.select(docs).len(), 10);
    }

    #[test]
    fn iob1_b_tag_separates_adjacent_entities_of_one_kind() {
        let spans = iob_to_spans(&["I-LOC", "B-LOC", "I-LOC", "O", "I-PER", "I-ORG"]).expect("valid");
        assert_eq!(
            spans,
            vec![
                Span { start: 0, end: 1, kind: EntityKind::Location },
                Span { start: 1, end: 3, kind: EntityKind::Location },
                Span { start: 4, end: 5, kind: EntityKind::Person },
                Span { start: 5, end: 6, kind: EntityKind::Organization },
            ]
        );
    }

    #[test]
    fn iob2_reads_the_same() {
        let spans = iob_to_spans(&["B-PER", "I-PER", "B-PER", "O"]).expect("valid");
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0], Span { start: 0, end: 2, kind: EntityKind::Person });
    }

    #[test]
    fn bad_tags_are_reported_with_line_numbers() {
        let err = parse_conll("a NN B-NP O\nb NN I-NP X-FOO\n", "t").expect_err("bad tag");
        assert!(err.to_string().starts_with("t:1:"), "{err}");
        let err = parse_conll("a NN B-NP I-CITY\n", "t").expect_err("bad kind");
        assert!(err.to_string().contains("CITY"));
        assert!(parse_conll("lonely\n", "t").is_err());
    }

    #[test]
    fn documents_recovered_from_datelines_without_docstart() {
        let text = "CRICKET NN O O\n- : O O\nRESULTS NN O O\n\nLONDON NNP O B-LOC\n1996-08-30 CD O O\n\nA DT O O\nstory NN O O\n.  . O O\n\nSOCCER NN O O\nNEWS NN O O\n\nMADRID NNP O B-LOC\n1996-08-30 CD O O\n\nMore JJ O O\n";
        let docs = parse_conll(text, "t").expect("valid");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 3);
        assert_eq!(docs[1].sentences[0].tokens, ["SOCCER", "NEWS"]);
    }

    #[test]
    fn evaluation_counts_exact_matches_only() {
        let per = |s, e| Span { start: s, end: e, kind: EntityKind::Person };
        let loc = |s, e| Span { start: s, end: e, kind: EntityKind::Location };
        let gold = vec![vec![per(0, 2), loc(4, 5)], vec![loc(0, 1)]];
        // One exact hit, one boundary error, one type error, one spurious.
        let predicted = vec![vec![per(0, 1), loc(4, 5)], vec![per(0, 1), per(3, 4)]];
        let r = evaluate(&gold, &predicted);
        assert_eq!((r.micro.gold, r.micro.predicted, r.micro.correct), (3, 4, 1));
        assert!((r.micro.precision - 0.25).abs() < 1e-12);
        assert!((r.micro.recall - 1.0 / 3.0).abs() < 1e-12);
        assert!((r.micro.f1 - 2.0 * 0.25 * (1.0 / 3.0) / (0.25 + 1.0 / 3.0)).abs() < 1e-12);
        let loc_scores = r.per_type[&EntityKind::Location];
        assert_eq!((loc_scores.gold, loc_scores.predicted, loc_scores.correct), (2, 1, 1));
        assert_eq!(r.per_type[&EntityKind::Person].correct, 0);
        assert_eq!(r.per_type[&EntityKind::Misc], Scores::from_counts(0, 0, 0));
        let json = serde_json::to_string(&r).expect("serialisable");
        assert!(json.contains("\"PER\"") && json.contains("\"micro\""));
    }
}
