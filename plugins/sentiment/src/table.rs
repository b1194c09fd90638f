//! A read-only hash table of word entries, built at compile time.
//!
//! A fresh wasm instance runs every step, so nothing may be built at start-up. A `Table`
//! is computed by `const fn` when the crate compiles and sits in the binary's data: a
//! lookup hashes the key once and compares one or two entries, where a binary search
//! over VADER's 7,500 words compared about thirteen.

/// Marks a free slot.
const EMPTY: u16 = u16::MAX;

/// Entries and, in `slots`, their indices placed by hash with linear probing. `N` is a
/// power of two at least twice the number of entries, so probe runs stay short.
pub(crate) struct Table<T: 'static, const N: usize> {
    entries: &'static [(&'static str, T)],
    slots: [u16; N],
}

impl<T: Copy, const N: usize> Table<T, N> {
    /// Builds the table; a duplicate key keeps its first entry. Panics at compile time if
    /// `N` is too small.
    pub(crate) const fn new(entries: &'static [(&'static str, T)]) -> Self {
        assert!(N.is_power_of_two() && entries.len() * 2 <= N && N <= EMPTY as usize);
        let mut slots = [EMPTY; N];
        let mut i = 0;
        while i < entries.len() {
            let mut s = hash(entries[i].0.as_bytes()) as usize & (N - 1);
            while slots[s] != EMPTY {
                s = (s + 1) & (N - 1);
            }
            slots[s] = i as u16;
            i += 1;
        }
        Self { entries, slots }
    }

    /// The value stored for `key`.
    pub(crate) fn get(&self, key: &str) -> Option<T> {
        let mut s = hash(key.as_bytes()) as usize & (N - 1);
        loop {
            let slot = self.slots[s];
            if slot == EMPTY {
                return None;
            }
            let (k, v) = self.entries[slot as usize];
            if k == key {
                return Some(v);
            }
            s = (s + 1) & (N - 1);
        }
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The entries in source order (the tests check that they are sorted and unique).
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &'static [(&'static str, T)] {
        self.entries
    }
}

/// FNV-1a: short, `const`, and good enough for word keys.
const fn hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u32;
        h = h.wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

/// Whether `entries` are sorted by key with no key twice.
#[cfg(test)]
pub(crate) fn sorted_unique<T>(entries: &[(&str, T)]) -> bool {
    entries.windows(2).all(|w| w[0].0 < w[1].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    static SMALL: Table<i32, 8> = Table::new(&[("a", 1), ("b", 2), ("c", 3), ("dd", 4)]);

    #[test]
    fn finds_every_entry_and_nothing_else() {
        for (k, v) in SMALL.entries() {
            assert_eq!(SMALL.get(k), Some(*v));
        }
        assert_eq!(SMALL.get(""), None);
        assert_eq!(SMALL.get("d"), None);
        assert!(!SMALL.contains("ab"));
    }

    #[test]
    fn probes_past_collisions() {
        // A table this full forces linear probing on colliding keys.
        static FULL: Table<u8, 8> = Table::new(&[("w", 0), ("x", 1), ("y", 2), ("z", 3)]);
        for (k, v) in FULL.entries() {
            assert_eq!(FULL.get(k), Some(*v));
        }
        assert_eq!(FULL.get("v"), None);
    }

    #[test]
    fn hash_is_fnv1a() {
        assert_eq!(hash(b""), 0x811c_9dc5);
        assert_eq!(hash(b"a"), 0xe40c_292c);
    }
}
