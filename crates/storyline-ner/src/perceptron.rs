//! The structured averaged perceptron: first-order Viterbi decoding over BILOU labels.

use crate::entity::{end_allowed, transition_allowed, NUM_LABELS};

/// Rows of the transition table: one per previous label, plus one for the sentence start.
pub(crate) const TRANSITION_ROWS: usize = NUM_LABELS + 1;
pub(crate) const START_ROW: usize = NUM_LABELS;

/// Adds emission scores for a sentence whose token `i` has feature rows
/// `rows[offsets[i]..offsets[i + 1]]`.
pub(crate) fn emission_scores<W: Copy + Into<f64>>(weights: &[W], rows: &[u32], offsets: &[usize], out: &mut Vec<f32>) {
    let n = offsets.len().saturating_sub(1);
    out.clear();
    out.resize(n * NUM_LABELS, 0.0);
    for i in 0..n {
        let mut acc = [0f64; NUM_LABELS];
        for &r in &rows[offsets[i]..offsets[i + 1]] {
            let base = r as usize * NUM_LABELS;
            for (a, w) in acc.iter_mut().zip(&weights[base..base + NUM_LABELS]) {
                *a += (*w).into();
            }
        }
        for (o, a) in out[i * NUM_LABELS..(i + 1) * NUM_LABELS].iter_mut().zip(acc) {
            *o = a as f32;
        }
    }
}

/// Transition scores with ill-formed BILOU transitions made impossible.
pub(crate) fn constrained_transitions<W: Copy + Into<f64>>(weights: &[W]) -> Vec<f32> {
    let mut t = vec![0f32; TRANSITION_ROWS * NUM_LABELS];
    for prev in 0..TRANSITION_ROWS {
        let p = (prev < NUM_LABELS).then_some(prev as u8);
        for cur in 0..NUM_LABELS {
            let idx = prev * NUM_LABELS + cur;
            t[idx] = if transition_allowed(p, cur as u8) { weights[idx].into() as f32 } else { f32::NEG_INFINITY };
        }
    }
    t
}

/// The best label sequence under emission scores (`n * NUM_LABELS`) and constrained transitions.
///
/// The forward pass keeps only each label's best score, taking every previous label in turn
/// for all labels at once (ill-formed pairs score minus infinity), which the compiler turns
/// into vector instructions; the best previous label is looked for again only along the path
/// chosen, the first in label order that reaches the best score, as a left-to-right scan
/// keeping strict improvements would have found.
pub(crate) fn viterbi(emission: &[f32], transitions: &[f32], out: &mut Vec<u8>) {
    out.clear();
    let emission: &[[f32; NUM_LABELS]] = emission.as_chunks().0;
    let transitions: &[[f32; NUM_LABELS]] = transitions.as_chunks().0;
    let n = emission.len();
    if n == 0 {
        return;
    }
    let reaching = |previous: &[f32; NUM_LABELS], p: usize, y: usize| previous[p] + transitions[p][y];
    let mut delta = vec![[f32::NEG_INFINITY; NUM_LABELS]; n];
    for y in 0..NUM_LABELS {
        delta[0][y] = transitions[START_ROW][y] + emission[0][y];
    }
    for t in 1..n {
        let mut best = [f32::NEG_INFINITY; NUM_LABELS];
        for (p, row) in transitions[..NUM_LABELS].iter().enumerate() {
            let from = delta[t - 1][p];
            for (b, w) in best.iter_mut().zip(row) {
                // A select rather than f32::max (scores are never NaN): it vectorises.
                let score = from + w;
                *b = if score > *b { score } else { *b };
            }
        }
        for (d, (b, e)) in delta[t].iter_mut().zip(best.iter().zip(&emission[t])) {
            *d = b + e;
        }
    }
    let mut best = f32::NEG_INFINITY;
    let mut last = 0u8;
    for (y, &s) in delta[n - 1].iter().enumerate() {
        if end_allowed(y as u8) && s > best {
            best = s;
            last = y as u8;
        }
    }
    out.resize(n, 0);
    out[n - 1] = last;
    for t in (1..n).rev() {
        let y = out[t] as usize;
        let previous = &delta[t - 1];
        let best = (0..NUM_LABELS).map(|p| reaching(previous, p, y)).fold(f32::NEG_INFINITY, f32::max);
        out[t - 1] = (0..NUM_LABELS).position(|p| reaching(previous, p, y) == best).unwrap_or(0) as u8;
    }
}

/// Integer weights with the usual lazy-averaging trick: keep `w` and `acc = sum(c * delta)`;
/// the average after `c` steps is `w - acc / c`. Integers keep training exactly reproducible.
pub(crate) struct Trainer {
    pub emit: Vec<i32>,
    emit_acc: Vec<i64>,
    pub trans: Vec<i32>,
    trans_acc: Vec<i64>,
    step: i64,
}

impl Trainer {
    pub(crate) fn new(rows: usize) -> Self {
        Trainer {
            emit: vec![0; rows * NUM_LABELS],
            emit_acc: vec![0; rows * NUM_LABELS],
            trans: vec![0; TRANSITION_ROWS * NUM_LABELS],
            trans_acc: vec![0; TRANSITION_ROWS * NUM_LABELS],
            step: 1,
        }
    }

    fn bump_emit(&mut self, row: u32, label: u8, delta: i32) {
        let idx = row as usize * NUM_LABELS + label as usize;
        self.emit[idx] += delta;
        self.emit_acc[idx] += self.step * delta as i64;
    }

    fn bump_trans(&mut self, prev: usize, label: u8, delta: i32) {
        let idx = prev * NUM_LABELS + label as usize;
        self.trans[idx] += delta;
        self.trans_acc[idx] += self.step * delta as i64;
    }

    /// Moves weights towards `gold` and away from `predicted` wherever they differ.
    pub(crate) fn update(&mut self, rows: &[u32], offsets: &[usize], gold: &[u8], predicted: &[u8]) {
        for t in 0..gold.len() {
            let (g, p) = (gold[t], predicted[t]);
            if g != p {
                for &r in &rows[offsets[t]..offsets[t + 1]] {
                    self.bump_emit(r, g, 1);
                    self.bump_emit(r, p, -1);
                }
            }
            let gp = if t == 0 { START_ROW } else { gold[t - 1] as usize };
            let pp = if t == 0 { START_ROW } else { predicted[t - 1] as usize };
            if (gp, g) != (pp, p) {
                self.bump_trans(gp, g, 1);
                self.bump_trans(pp, p, -1);
            }
        }
    }

    /// Advances the averaging clock; call once per training sentence.
    pub(crate) fn tick(&mut self) {
        self.step += 1;
    }

    /// The averaged emission and transition weights.
    pub(crate) fn averaged(&self) -> (Vec<f32>, Vec<f32>) {
        let c = self.step as f64;
        let avg = |w: &[i32], acc: &[i64]| -> Vec<f32> {
            w.iter().zip(acc).map(|(&w, &a)| (w as f64 - a as f64 / c) as f32).collect()
        };
        (avg(&self.emit, &self.emit_acc), avg(&self.trans, &self.trans_acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{label, EntityKind, Position, OUTSIDE};

    #[test]
    fn viterbi_respects_bilou_constraints() {
        // Emissions favour an impossible "I-PER O" sequence; Viterbi must repair it.
        let mut emission = vec![0f32; 2 * NUM_LABELS];
        emission[label(EntityKind::Person, Position::Inside) as usize] = 5.0;
        emission[NUM_LABELS + OUTSIDE as usize] = 5.0;
        let trans = constrained_transitions(&vec![0f32; TRANSITION_ROWS * NUM_LABELS]);
        let mut out = Vec::new();
        viterbi(&emission, &trans, &mut out);
        assert_eq!(out.len(), 2);
        assert!(transition_allowed(None, out[0]));
        assert!(transition_allowed(Some(out[0]), out[1]));
        assert!(end_allowed(out[1]));
    }

    #[test]
    fn averaging_matches_definition() {
        let mut t = Trainer::new(1);
        // Step 1: an update of +1 for label 1; step 2: no update.
        t.update(&[0], &[0, 1], &[1], &[0]);
        t.tick();
        t.tick();
        let (emit, _) = t.averaged();
        // w = 1 applied after step 1; averaged over steps the weight was 1 for 2 of 3 clock ticks.
        assert!(emit[1] > 0.0 && emit[1] < 1.0);
        assert!(emit[0] < 0.0);
    }
}
