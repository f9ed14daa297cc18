//! Arrival order out of arrivals in any order: items keyed by their raw sequence are held until
//! every sequence before them has been handed out.

use std::collections::BTreeMap;

/// Where an offered item went.
#[derive(Debug, PartialEq)]
pub(crate) enum Offered<T> {
    /// Held until its turn.
    Held,
    /// Its sequence was handed out already (applied before a restart, or a second copy).
    Stale(T),
    /// An item with this sequence is held already: here are the held one and the new one.
    Again { held: T, new: T },
}

#[derive(Debug)]
pub(crate) struct InOrder<T> {
    /// The sequence handed out next.
    next: u64,
    held: BTreeMap<u64, T>,
}

impl<T> InOrder<T> {
    pub(crate) fn starting_at(next: u64) -> InOrder<T> {
        InOrder { next, held: BTreeMap::new() }
    }

    pub(crate) fn next(&self) -> u64 {
        self.next
    }

    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }

    pub(crate) fn offer(&mut self, sequence: u64, item: T) -> Offered<T> {
        if sequence < self.next {
            return Offered::Stale(item);
        }
        match self.held.remove(&sequence) {
            Some(held) => Offered::Again { held, new: item },
            None => {
                self.held.insert(sequence, item);
                Offered::Held
            }
        }
    }

    /// Puts back the item [`Offered::Again`] returned that is to be kept.
    pub(crate) fn keep(&mut self, sequence: u64, item: T) {
        self.held.insert(sequence, item);
    }

    /// The contiguous run from the next sequence, at most `max` items.
    pub(crate) fn take_run(&mut self, max: usize) -> Vec<(u64, T)> {
        let mut run = Vec::new();
        while run.len() < max {
            match self.held.remove(&self.next) {
                Some(item) => {
                    run.push((self.next, item));
                    self.next += 1;
                }
                None => break,
            }
        }
        run
    }

    /// Gives up the held items with the highest sequences until `keep` are left (for a bounded
    /// buffer: they are asked for again later).
    pub(crate) fn release_highest(&mut self, keep: usize) -> Vec<(u64, T)> {
        let mut released = Vec::new();
        while self.held.len() > keep {
            match self.held.pop_last() {
                Some(item) => released.push(item),
                None => break,
            }
        }
        released
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_contiguous_runs_in_sequence_order() {
        let mut order = InOrder::starting_at(1);
        for s in [3, 5, 2] {
            assert_eq!(order.offer(s, s * 10), Offered::Held);
        }
        assert!(order.take_run(10).is_empty(), "1 is missing: nothing may go");
        assert_eq!(order.offer(1, 10), Offered::Held);
        assert_eq!(order.take_run(10), vec![(1, 10), (2, 20), (3, 30)]);
        assert_eq!(order.next(), 4);
        assert_eq!(order.held(), 1);
        order.offer(4, 40);
        assert_eq!(order.take_run(1), vec![(4, 40)], "at most max");
        assert_eq!(order.take_run(5), vec![(5, 50)]);
    }

    #[test]
    fn stale_and_repeated_sequences_are_returned_not_held() {
        let mut order = InOrder::starting_at(7);
        assert_eq!(order.offer(6, "applied before a restart"), Offered::Stale("applied before a restart"));
        assert_eq!(order.offer(8, "first"), Offered::Held);
        assert_eq!(order.offer(8, "second"), Offered::Again { held: "first", new: "second" });
        order.keep(8, "first");
        order.offer(7, "seven");
        assert_eq!(order.take_run(10), vec![(7, "seven"), (8, "first")]);
        assert_eq!(order.offer(8, "late copy"), Offered::Stale("late copy"));
    }

    #[test]
    fn releasing_keeps_the_lowest_sequences() {
        let mut order = InOrder::starting_at(1);
        for s in 2..=10 {
            order.offer(s, s);
        }
        let released: Vec<u64> = order.release_highest(3).into_iter().map(|(s, _)| s).collect();
        assert_eq!(released, vec![10, 9, 8, 7, 6, 5]);
        order.offer(1, 1);
        assert_eq!(order.take_run(10).len(), 4);
    }
}
