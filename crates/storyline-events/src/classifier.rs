//! A trained event-type classifier: a multi-class averaged perceptron over a sentence's word
//! stems, stem bigrams and the lexicon's triggers. It needs gold sentences to learn from, so it
//! is only ever measured by cross-validation on them.

use std::collections::HashMap;

use crate::lexicon::{class_in_context, stem, triggers};
use crate::{actors, PloverType};

const CLASSES: usize = PloverType::ALL.len();

/// The features of a sentence: stems, stem bigrams, the lexicon's main trigger class in
/// context, every trigger class present, and the main trigger's words.
pub fn features(sentence: &str) -> Vec<String> {
    let stems: Vec<String> = actors::words(sentence).iter().map(|w| stem(w.text)).collect();
    let mut out: Vec<String> = stems.iter().map(|s| format!("w={s}")).collect();
    out.extend(stems.windows(2).map(|w| format!("b={}_{}", w[0], w[1])));
    let found = triggers(sentence);
    if let Some(main) = found.first() {
        out.push(format!("lex={}", class_in_context(sentence, main).as_str()));
        out.push(format!("trig={}", sentence[main.start..main.end].to_lowercase()));
    } else {
        out.push("lex=NONE".into());
    }
    for t in &found {
        out.push(format!("any={}", t.class.as_str()));
    }
    out.push("bias".into());
    out
}

/// A trained classifier.
#[derive(Debug, Default, Clone)]
pub struct Classifier {
    weights: HashMap<String, [f32; CLASSES]>,
}

fn index(t: PloverType) -> usize {
    PloverType::ALL.iter().position(|c| *c == t).unwrap_or(0)
}

impl Classifier {
    /// Trains on (sentence, type) pairs for `epochs` passes, visiting them in a fixed shuffled
    /// order so results do not depend on the input order's accidents but are reproducible.
    pub fn train(examples: &[(String, PloverType)], epochs: usize) -> Classifier {
        let featured: Vec<(Vec<String>, usize)> = examples.iter().map(|(s, t)| (features(s), index(*t))).collect();
        let mut weights: HashMap<String, [f32; CLASSES]> = HashMap::new();
        let mut totals: HashMap<String, [f32; CLASSES]> = HashMap::new();
        let mut stamps: HashMap<String, [u64; CLASSES]> = HashMap::new();
        let mut step: u64 = 1;
        let mut order: Vec<usize> = (0..featured.len()).collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..epochs {
            // Fisher–Yates with a small xorshift: reproducible across platforms and versions.
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            for &k in &order {
                let (feats, gold) = &featured[k];
                let guess = argmax(&score(&weights, feats));
                if guess != *gold {
                    for f in feats {
                        for (class, delta) in [(*gold, 1.0f32), (guess, -1.0)] {
                            let w = weights.entry(f.clone()).or_insert([0.0; CLASSES]);
                            let t = totals.entry(f.clone()).or_insert([0.0; CLASSES]);
                            let s = stamps.entry(f.clone()).or_insert([0; CLASSES]);
                            // Lazy averaging: add the weight's value for the steps it stood still.
                            t[class] += (step - s[class]) as f32 * w[class];
                            s[class] = step;
                            w[class] += delta;
                        }
                    }
                }
                step += 1;
            }
        }
        let mut averaged = HashMap::new();
        for (f, w) in weights {
            let t = totals.get(&f).copied().unwrap_or([0.0; CLASSES]);
            let s = stamps.get(&f).copied().unwrap_or([0; CLASSES]);
            let mut a = [0.0; CLASSES];
            for c in 0..CLASSES {
                a[c] = (t[c] + (step - s[c]) as f32 * w[c]) / step as f32;
            }
            averaged.insert(f, a);
        }
        Classifier { weights: averaged }
    }

    pub fn predict(&self, sentence: &str) -> PloverType {
        PloverType::ALL[argmax(&score(&self.weights, &features(sentence)))]
    }
}

fn score(weights: &HashMap<String, [f32; CLASSES]>, feats: &[String]) -> [f32; CLASSES] {
    let mut scores = [0.0; CLASSES];
    for f in feats {
        if let Some(w) = weights.get(f) {
            for c in 0..CLASSES {
                scores[c] += w[c];
            }
        }
    }
    scores
}

fn argmax(scores: &[f32; CLASSES]) -> usize {
    let mut best = 0;
    for c in 1..CLASSES {
        if scores[c] > scores[best] {
            best = c;
        }
    }
    best
}

/// k-fold cross-validation: example `i` is tested in fold `i % k` by a classifier trained on
/// the other folds. Returns each example's held-out prediction.
pub fn cross_validate(examples: &[(String, PloverType)], folds: usize, epochs: usize) -> Vec<PloverType> {
    let folds = folds.max(2);
    let mut predictions = vec![PloverType::Agree; examples.len()];
    for fold in 0..folds {
        let train: Vec<(String, PloverType)> =
            examples.iter().enumerate().filter(|(i, _)| i % folds != fold).map(|(_, e)| e.clone()).collect();
        let model = Classifier::train(&train, epochs);
        for (i, (sentence, _)) in examples.iter().enumerate().filter(|(i, _)| i % folds == fold) {
            predictions[i] = model.predict(sentence);
        }
    }
    predictions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_toy_set() {
        let examples: Vec<(String, PloverType)> = [
            ("Protesters marched in the capital", PloverType::Protest),
            ("Thousands rallied against the government", PloverType::Protest),
            ("Police arrested the opposition leader", PloverType::Coerce),
            ("Soldiers detained three journalists", PloverType::Coerce),
        ]
        .iter()
        .map(|(s, t)| (s.to_string(), *t))
        .collect();
        let model = Classifier::train(&examples, 10);
        for (s, t) in &examples {
            assert_eq!(model.predict(s), *t, "{s}");
        }
        assert_eq!(cross_validate(&examples, 2, 5).len(), 4);
    }
}
