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
        let n = bytes.len();
        // Overlapping loads from the cell itself: a copy into a padded
        // buffer, read back as words, stalled on store forwarding (measured:
        // a sixth of the memo's time).
        let words = match n {
            0..=8 => [short_word(bytes), 0, 0],
            9..=16 => [
                word_at(bytes, 0),
                word_at(bytes, n - 8) >> (8 * (16 - n)),
                0,
            ],
            17..=MAX_LEN => [
                word_at(bytes, 0),
                word_at(bytes, 8),
                word_at(bytes, n - 8) >> (8 * (24 - n)),
            ],
            _ => return None,
        };
        Some(Key {
            words,
            len: n as u8,
        })
    }

    fn hash(&self) -> u64 {
        let [a, b, c] = self.words;
        let mixed = a ^ b.rotate_left(21) ^ c.rotate_left(42) ^ u64::from(self.len);
        mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// Bytes `at..at + 8` as a little-endian word.
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let chunk: [u8; 8] = bytes[at..at + 8].try_into().unwrap_or_default();
    u64::from_le_bytes(chunk)
}

/// Up to 8 bytes as a little-endian word, zero-padded: two loads that
/// overlap in the middle, or three bytes for fewer than 4.
#[inline(always)]
fn short_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let half = |at: usize| {
        let chunk: [u8; 4] = bytes[at..at + 4].try_into().unwrap_or_default();
        u64::from(u32::from_le_bytes(chunk))
    };
    match n {
        0 => 0,
        1..=3 => {
            let byte = |i: usize| u64::from(bytes[i]) << (8 * i);
            byte(0) | byte(n / 2) | byte(n - 1)
        }
        _ => half(0) | half(n - 4) << (8 * (n - 4)),
    }
}

/// Open addressing with linear probing, at most half full, so that probes
/// stay short. The table starts small and doubles as it fills: a field of a
/// few hundred spellings keeps its slots in the nearest caches.
pub struct Cells<V> {
    slots: Box<[Option<(Key, u32)>]>,
    values: Vec<V>,
    capacity: usize,
    shift: u32,
}

/// Slots of a new table.
const FIRST_SLOTS: usize = 64;

impl<V> Cells<V> {
    /// A table for up to `capacity` cells.
    pub fn new(capacity: usize) -> Self {
        let mut cells = Cells {
            slots: Box::new([]),
            values: Vec::new(),
            capacity,
            shift: 0,
        };
        cells.resize(FIRST_SLOTS.min((2 * capacity).next_power_of_two()));
        cells
    }

    /// Moves the kept cells into a table of `size` slots (a power of two).
    fn resize(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![None; size].into_boxed_slice());
        self.shift = 64 - size.trailing_zeros();
        for (key, value) in old.iter().flatten() {
            let i = self.free_slot(key);
            self.slots[i] = Some((*key, *value));
        }
    }

    /// The slot where `key` is, or the free one where it would go.
    fn free_slot(&self, key: &Key) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (key.hash() >> self.shift) as usize;
        while let Some((k, _)) = &self.slots[i] {
            if k == key {
                break;
            }
            i = (i + 1) & mask;
        }
        i
    }

    pub fn is_full(&self) -> bool {
        self.values.len() >= self.capacity
    }

    pub fn get(&self, cell: &str) -> Option<&V> {
        let key = Key::of(cell)?;
        let (_, value) = self.slots[self.free_slot(&key)].as_ref()?;
        self.values.get(*value as usize)
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
        if 2 * (self.values.len() + 1) > self.slots.len() {
            self.resize(2 * self.slots.len());
        }
        let i = self.free_slot(&key);
        if self.slots[i].is_none() {
            self.slots[i] = Some((key, self.values.len() as u32));
            self.values.push(value);
        }
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

    /// The definition: the cell's bytes, zero-padded, read as words.
    fn padded_key(cell: &str) -> Key {
        let mut padded = [0u8; MAX_LEN];
        padded[..cell.len()].copy_from_slice(cell.as_bytes());
        let word = |i: usize| u64::from_le_bytes(padded[8 * i..8 * i + 8].try_into().unwrap());
        Key {
            words: [word(0), word(1), word(2)],
            len: cell.len() as u8,
        }
    }

    #[test]
    fn every_length_packs_as_its_padded_bytes() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        for n in 0..=MAX_LEN {
            for start in 0..2 {
                let cell = &text[start..start + n];
                assert!(Key::of(cell) == Some(padded_key(cell)), "{cell:?}");
            }
        }
        assert!(Key::of(&text[..MAX_LEN + 1]).is_none());
    }

    #[test]
    fn a_growing_table_keeps_every_cell() {
        let mut cells = Cells::new(1000);
        for i in 0..1000 {
            cells.insert(&format!("c{i}"), i);
            assert_eq!(cells.get(&format!("c{}", i / 2)), Some(&(i / 2)));
        }
        cells.insert("c5", 99);
        assert_eq!(cells.get("c5"), Some(&5), "a kept cell keeps its value");
        assert!(cells.is_full());
        assert_eq!(cells.slots.len(), 2048);
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
