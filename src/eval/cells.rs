//! A fixed-size hash table from short cells to what they decoded to, for
//! the memo of repeating cells. A cell of up to `MAX_LEN` bytes is kept as
//! three machine words, so a lookup hashes and compares it in a handful of
//! instructions, with no call to `memcmp`: the memo is asked once per lead
//! and field, and a general string map spent more on that than the
//! normalizer it saves on a short cell.

/// The longest cell kept; longer ones are decoded every time.
pub const MAX_LEN: usize = 24;

/// A cell packed into words, zero-padded, with its length.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    words: [u64; 3],
    len: u8,
}

impl Key {
    fn of(cell: &str) -> Option<Key> {
        let bytes = cell.as_bytes();
        if bytes.len() > MAX_LEN {
            return None;
        }
        let mut padded = [0u8; MAX_LEN];
        padded[..bytes.len()].copy_from_slice(bytes);
        let word = |i: usize| {
            let chunk: [u8; 8] = padded[8 * i..8 * i + 8].try_into().unwrap_or_default();
            u64::from_le_bytes(chunk)
        };
        Some(Key {
            words: [word(0), word(1), word(2)],
            len: bytes.len() as u8,
        })
    }

    fn hash(&self) -> u64 {
        let [a, b, c] = self.words;
        let mixed = a ^ b.rotate_left(21) ^ c.rotate_left(42) ^ u64::from(self.len);
        mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// Open addressing with linear probing over `2 × capacity` slots, so that
/// probes stay short when the table is full.
pub struct Cells<V> {
    slots: Box<[Option<(Key, u32)>]>,
    values: Vec<V>,
    capacity: usize,
    shift: u32,
}

impl<V> Cells<V> {
    /// A table for up to `capacity` cells (a power of two).
    pub fn new(capacity: usize) -> Self {
        let size = (2 * capacity).next_power_of_two();
        Cells {
            slots: vec![None; size].into_boxed_slice(),
            values: Vec::new(),
            capacity,
            shift: 64 - size.trailing_zeros(),
        }
    }

    pub fn is_full(&self) -> bool {
        self.values.len() >= self.capacity
    }

    pub fn get(&self, cell: &str) -> Option<&V> {
        let key = Key::of(cell)?;
        let mask = self.slots.len() - 1;
        let mut i = (key.hash() >> self.shift) as usize;
        loop {
            match &self.slots[i] {
                Some((k, v)) if *k == key => return self.values.get(*v as usize),
                Some(_) => i = (i + 1) & mask,
                None => return None,
            }
        }
    }

    /// Keeps `value` for `cell`, unless the cell is too long, already
    /// kept, or the table is full.
    pub fn insert(&mut self, cell: &str, value: V) {
        let Some(key) = Key::of(cell) else {
            return;
        };
        if self.is_full() {
            return;
        }
        let mask = self.slots.len() - 1;
        let mut i = (key.hash() >> self.shift) as usize;
        while let Some((k, _)) = &self.slots[i] {
            if *k == key {
                return;
            }
            i = (i + 1) & mask;
        }
        self.slots[i] = Some((key, self.values.len() as u32));
        self.values.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_it_was_given_and_tells_cells_apart() {
        let mut cells = Cells::new(4);
        for (i, cell) in ["", "US", "USA", "US ", "United States of America"]
            .iter()
            .enumerate()
        {
            cells.insert(cell, i);
        }
        // Four kept (the capacity); the fifth, however short, is not.
        assert_eq!(cells.get(""), Some(&0));
        assert_eq!(cells.get("US"), Some(&1));
        assert_eq!(cells.get("USA"), Some(&2));
        assert_eq!(cells.get("US "), Some(&3));
        assert_eq!(cells.get("United States of America"), None);
        assert_eq!(cells.get("us"), None);
        assert_eq!(cells.get("US\0"), None, "padding is not a byte of the cell");
        assert!(cells.is_full());
    }

    #[test]
    fn a_cell_longer_than_the_words_is_never_kept() {
        let mut cells = Cells::new(8);
        let long = "x".repeat(MAX_LEN + 1);
        cells.insert(&long, 1);
        assert_eq!(cells.get(&long), None);
        let edge = "y".repeat(MAX_LEN);
        cells.insert(&edge, 2);
        assert_eq!(cells.get(&edge), Some(&2));
    }

    #[test]
    fn many_cells_with_shared_prefixes_all_read_back() {
        let mut cells = Cells::new(4096);
        let texts: Vec<String> = (0..4096).map(|i| format!("prefix-{i:05}")).collect();
        for (i, t) in texts.iter().enumerate() {
            cells.insert(t, i);
        }
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(cells.get(t), Some(&i), "{t}");
        }
        assert_eq!(cells.get("prefix-99999"), None);
    }
}
