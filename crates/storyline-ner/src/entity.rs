//! Entity kinds, token spans, and the BILOU label set the tagger decodes over.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The four CoNLL-2003 entity classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityKind {
    #[serde(rename = "PER")]
    Person,
    #[serde(rename = "ORG")]
    Organization,
    #[serde(rename = "LOC")]
    Location,
    #[serde(rename = "MISC")]
    Misc,
}

impl EntityKind {
    pub const ALL: [EntityKind; 4] =
        [EntityKind::Person, EntityKind::Organization, EntityKind::Location, EntityKind::Misc];

    /// The CoNLL tag suffix: "PER", "ORG", "LOC" or "MISC".
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "PER",
            EntityKind::Organization => "ORG",
            EntityKind::Location => "LOC",
            EntityKind::Misc => "MISC",
        }
    }

    /// Parses a CoNLL tag suffix; `None` for anything else.
    pub fn from_conll(s: &str) -> Option<EntityKind> {
        match s {
            "PER" => Some(EntityKind::Person),
            "ORG" => Some(EntityKind::Organization),
            "LOC" => Some(EntityKind::Location),
            "MISC" => Some(EntityKind::Misc),
            _ => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entity as a half-open range of token indices within one sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: EntityKind,
}

// The tagger decodes BILOU labels (Begin, Inside, Last, Unit, Outside): marking the last and
// single-token positions explicitly is known to help on CoNLL over plain BIO.
pub(crate) const NUM_LABELS: usize = 1 + 4 * 4;
pub(crate) const OUTSIDE: u8 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    Begin = 0,
    Inside = 1,
    Last = 2,
    Unit = 3,
}

pub(crate) fn label(kind: EntityKind, pos: Position) -> u8 {
    (1 + kind.index() * 4 + pos as usize) as u8
}

/// Splits a non-outside label back into kind and position.
pub(crate) fn decode_label(label: u8) -> Option<(EntityKind, Position)> {
    if label == OUTSIDE || label as usize >= NUM_LABELS {
        return None;
    }
    let i = label as usize - 1;
    let pos = match i % 4 {
        0 => Position::Begin,
        1 => Position::Inside,
        2 => Position::Last,
        _ => Position::Unit,
    };
    Some((EntityKind::ALL[i / 4], pos))
}

/// Whether `cur` may follow `prev` (`None` = sentence start) in a well-formed BILOU sequence.
pub(crate) fn transition_allowed(prev: Option<u8>, cur: u8) -> bool {
    let open = prev.and_then(decode_label).and_then(|(k, p)| match p {
        Position::Begin | Position::Inside => Some(k),
        _ => None,
    });
    match (open, decode_label(cur)) {
        (None, None) => true,
        (None, Some((_, p))) => matches!(p, Position::Begin | Position::Unit),
        (Some(_), None) => false,
        (Some(k), Some((ck, p))) => k == ck && matches!(p, Position::Inside | Position::Last),
    }
}

/// Whether a sentence may end on `label` (no entity left open).
pub(crate) fn end_allowed(label: u8) -> bool {
    !matches!(decode_label(label), Some((_, Position::Begin | Position::Inside)))
}

pub(crate) fn spans_to_labels(len: usize, spans: &[Span]) -> Vec<u8> {
    let mut labels = vec![OUTSIDE; len];
    for s in spans {
        if s.start >= s.end || s.end > len {
            continue;
        }
        if s.end - s.start == 1 {
            labels[s.start] = label(s.kind, Position::Unit);
            continue;
        }
        labels[s.start] = label(s.kind, Position::Begin);
        for l in &mut labels[s.start + 1..s.end - 1] {
            *l = label(s.kind, Position::Inside);
        }
        labels[s.end - 1] = label(s.kind, Position::Last);
    }
    labels
}

/// Reads spans back from labels; tolerant of ill-formed sequences (a stray I or L opens a span)
/// so that it never loses a predicted entity.
pub(crate) fn labels_to_spans(labels: &[u8]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, EntityKind)> = None;
    for (i, &l) in labels.iter().enumerate() {
        match decode_label(l) {
            None => {
                if let Some((s, k)) = open.take() {
                    spans.push(Span { start: s, end: i, kind: k });
                }
            }
            Some((k, p)) => {
                let continues =
                    matches!(open, Some((_, ok)) if ok == k) && matches!(p, Position::Inside | Position::Last);
                if !continues {
                    if let Some((s, ok)) = open.take() {
                        spans.push(Span { start: s, end: i, kind: ok });
                    }
                    open = Some((i, k));
                }
                if matches!(p, Position::Last | Position::Unit) {
                    if let Some((s, ok)) = open.take() {
                        spans.push(Span { start: s, end: i + 1, kind: ok });
                    }
                }
            }
        }
    }
    if let Some((s, k)) = open {
        spans.push(Span { start: s, end: labels.len(), kind: k });
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilou_round_trip() {
        let spans = vec![
            Span { start: 0, end: 2, kind: EntityKind::Person },
            Span { start: 2, end: 3, kind: EntityKind::Location },
            Span { start: 4, end: 7, kind: EntityKind::Organization },
        ];
        let labels = spans_to_labels(8, &spans);
        assert_eq!(labels_to_spans(&labels), spans);
        for w in labels.windows(2) {
            assert!(transition_allowed(Some(w[0]), w[1]));
        }
        assert!(end_allowed(labels[7]));
    }

    #[test]
    fn ill_formed_labels_still_yield_spans() {
        let i_loc = label(EntityKind::Location, Position::Inside);
        let b_per = label(EntityKind::Person, Position::Begin);
        let spans = labels_to_spans(&[i_loc, i_loc, b_per]);
        assert_eq!(
            spans,
            vec![
                Span { start: 0, end: 2, kind: EntityKind::Location },
                Span { start: 2, end: 3, kind: EntityKind::Person },
            ]
        );
    }
}
