//! A table of values by 64-bit hash, for `dedup`'s words: each entry holds its key and value side
//! by side, so a look-up reads one cache line (a general hash map reads its control bytes, then
//! its entry), and the entry of a key can be fetched ahead of time ([`HashedTable::prefetch`]) while
//! earlier keys are looked up. With tens of thousands of words per thread the table outgrows the
//! processor's nearer caches, and waiting for memory was most of a look-up's time.

/// Values by key, the keys being well-mixed 64-bit hashes (the table uses their low bits as they
/// are). Linear probing, at most half full.
pub struct HashedTable<V> {
    /// `None` where empty.
    entries: Vec<Option<(u64, V)>>,
    len: usize,
}

impl<V: Copy> Default for HashedTable<V> {
    fn default() -> Self {
        HashedTable { entries: vec![None; 1024], len: 0 }
    }
}

impl<V: Copy> HashedTable<V> {
    pub fn len(&self) -> usize {
        self.len
    }

    fn slot(&self, key: u64) -> usize {
        key as usize & (self.entries.len() - 1)
    }

    pub fn get(&self, key: u64) -> Option<V> {
        let mask = self.entries.len() - 1;
        let mut at = self.slot(key);
        loop {
            match self.entries[at] {
                Some((k, value)) if k == key => return Some(value),
                Some(_) => at = (at + 1) & mask,
                None => return None,
            }
        }
    }

    /// Inserts `value` for `key`, which is not in the table.
    pub fn insert(&mut self, key: u64, value: V) {
        if 2 * (self.len + 1) > self.entries.len() {
            let grown = vec![None; 2 * self.entries.len()];
            let old = std::mem::replace(&mut self.entries, grown);
            self.len = 0;
            for (key, value) in old.into_iter().flatten() {
                self.insert(key, value);
            }
        }
        let mask = self.entries.len() - 1;
        let mut at = self.slot(key);
        while self.entries[at].is_some() {
            at = (at + 1) & mask;
        }
        self.entries[at] = Some((key, value));
        self.len += 1;
    }

    /// Asks the processor to bring `key`'s entry into its cache, for a look-up soon after.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let entry: *const Option<(u64, V)> = &self.entries[self.slot(key)];
            // SAFETY: a prefetch only hints; it reads nothing and cannot fault.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(entry.cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_through_growth_and_collisions() {
        let mut table = HashedTable::default();
        // Keys that share their low bits collide; the others spread.
        let keys: Vec<u64> =
            (0..5000u64).map(|i| if i % 3 == 0 { i << 20 } else { i.wrapping_mul(0x9e37_79b9_7f4a_7c15) }).collect();
        for (i, &key) in keys.iter().enumerate() {
            assert_eq!(table.get(key), None);
            table.insert(key, i);
            table.prefetch(key);
        }
        assert_eq!(table.len(), keys.len());
        for (i, &key) in keys.iter().enumerate() {
            assert_eq!(table.get(key), Some(i));
        }
        assert_eq!(table.get(12345), None);
    }
}
