//! Hash indices of LMS records by normalized text, that allocate nothing per
//! record: a record is filed under a 64-bit hash of its normalized lookup
//! value, and every hit is checked against the real values on lookup, so a
//! hash collision can never make a false match.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::report::MAX_CANDIDATES;

/// How text is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fold {
    /// Exact after trimming (SIS keys and LMS ids).
    Exact,
    /// Trimmed and lowercased (e-mails, usernames, codes).
    Lower,
    /// Lowercased with runs of whitespace collapsed to one space (names,
    /// titles). Accents are kept: "José" and "Jose" differ.
    Words,
}

/// The characters of `text` as `Fold::Lower` compares them.
fn lower(text: &str) -> impl Iterator<Item = char> + '_ {
    text.trim().chars().flat_map(char::to_lowercase)
}

/// The characters of `text` as `Fold::Words` compares them.
fn words(text: &str) -> impl Iterator<Item = char> + '_ {
    text.split_whitespace().enumerate().flat_map(|(at, word)| {
        let space = (at > 0).then_some(' ');
        space
            .into_iter()
            .chain(word.chars().flat_map(char::to_lowercase))
    })
}

/// Whether two texts are equal under `fold`.
pub(super) fn same(a: &str, b: &str, fold: Fold) -> bool {
    match fold {
        Fold::Exact => a.trim() == b.trim(),
        Fold::Lower if a.is_ascii() && b.is_ascii() => a.trim().eq_ignore_ascii_case(b.trim()),
        Fold::Lower => lower(a).eq(lower(b)),
        Fold::Words if a.is_ascii() && b.is_ascii() => {
            let (mut left, mut right) = (a.split_whitespace(), b.split_whitespace());
            loop {
                match (left.next(), right.next()) {
                    (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
                    (None, None) => return true,
                    _ => return false,
                }
            }
        }
        Fold::Words => words(a).eq(words(b)),
    }
}

/// The hash of a lookup value made of several texts, each normalized with
/// its fold; `None` when any of them is blank (blank values never match).
///
/// The hash is taken over the UTF-8 bytes of the normalized text, with a
/// byte-wise path for ASCII text that gives the same hash as the general one.
pub(super) fn key(parts: &[(&str, Fold)]) -> Option<u64> {
    let mut stream = ByteStream::default();
    for &(text, fold) in parts {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match fold {
            Fold::Exact => text.bytes().for_each(|byte| stream.push(byte)),
            Fold::Lower if text.is_ascii() => {
                text.bytes()
                    .for_each(|byte| stream.push(byte.to_ascii_lowercase()));
            }
            Fold::Lower => lower(text).for_each(|c| stream.push_char(c)),
            Fold::Words if text.is_ascii() => {
                let mut space = false;
                for byte in text.bytes() {
                    if char::from(byte).is_whitespace() {
                        space = true;
                    } else {
                        if space {
                            stream.push(b' ');
                            space = false;
                        }
                        stream.push(byte.to_ascii_lowercase());
                    }
                }
            }
            Fold::Words => words(text).for_each(|c| stream.push_char(c)),
        }
        stream.end_part();
    }
    Some(stream.hasher.finish())
}

/// Feeds bytes to a [`FastHasher`] eight at a time.
#[derive(Debug, Default)]
struct ByteStream {
    hasher: FastHasher,
    word: u64,
    filled: u32,
}

impl ByteStream {
    fn push(&mut self, byte: u8) {
        self.word |= u64::from(byte) << (8 * self.filled);
        self.filled += 1;
        if self.filled == 8 {
            self.flush();
        }
    }

    fn push_char(&mut self, c: char) {
        let mut buffer = [0; 4];
        c.encode_utf8(&mut buffer)
            .bytes()
            .for_each(|byte| self.push(byte));
    }

    fn flush(&mut self) {
        self.hasher.add(self.word);
        self.word = 0;
        self.filled = 0;
    }

    /// Ends one part of a lookup value, so that parts never run into each other.
    fn end_part(&mut self) {
        if self.filled > 0 {
            self.flush();
        }
        // No run of UTF-8 bytes padded with zeros makes this word.
        self.hasher.add(u64::MAX);
    }
}

/// A fast, unkeyed hasher (the multiply-rotate step of rustc's `FxHasher`,
/// with the SplitMix64 finalizer so that every bit of the result counts).
///
/// The values hashed are the district's own SIS and LMS records, so the
/// flooding resistance of the default SipHash buys nothing here, and hits
/// are always checked against the real values.
#[derive(Debug, Default, Clone, Copy)]
struct FastHasher {
    hash: u64,
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn finish(&self) -> u64 {
        let mut hash = self.hash;
        hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        hash ^ (hash >> 31)
    }
}

/// A `HashMap` with [`FastHasher`].
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The positions one lookup found, lowest first.
#[derive(Debug, Default)]
pub(super) struct Hits {
    /// At most [`MAX_CANDIDATES`] positions.
    pub(super) positions: Vec<usize>,
    /// Whether more records passed than are listed.
    pub(super) more: bool,
}

impl Hits {
    /// Adds the hits of another lookup.
    pub(super) fn extend(&mut self, other: Hits) {
        self.positions.extend(other.positions);
        self.more |= other.more;
    }

    /// Whether nothing was found.
    pub(super) fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// The records whose id is not among `linked`, sorted by id: the positions
/// every index files them under. An LMS record already linked is never a
/// candidate for another SIS record.
pub(super) fn unlinked<'a, 'l, R, Id>(
    records: &'a [R],
    linked: impl Iterator<Item = &'l Id>,
    id: impl Fn(&R) -> &Id,
) -> Vec<&'a R>
where
    Id: Ord + Hash + 'l,
{
    let linked: HashSet<&Id> = linked.collect();
    let kept = records
        .iter()
        .filter(|record| !linked.contains(id(record)))
        .collect();
    by_id(kept, id)
}

/// `records` sorted by id, as every index files them; for a caller that
/// found the unlinked records itself.
pub(super) fn by_id<R, Id: Ord>(mut records: Vec<&R>, id: impl Fn(&R) -> &Id) -> Vec<&R> {
    records.sort_unstable_by(|a, b| id(a).cmp(id(b)));
    records
}

/// The end of a chain in [`Index`].
const END: usize = usize::MAX;

/// Positions of records by the hash of a lookup value. Each hash heads a
/// chain of nodes in one vector, so filing a record allocates nothing.
///
/// Records are filed in order of decreasing position and chains are walked
/// from the head, so a lookup meets records in order of increasing position.
#[derive(Debug)]
pub(super) struct Index {
    heads: FastMap<u64, usize>,
    /// (position, next node or `END`).
    nodes: Vec<(usize, usize)>,
}

impl Index {
    /// An empty index with room for `capacity` records.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Index {
            heads: FastMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
            nodes: Vec::with_capacity(capacity),
        }
    }

    /// Files the record at `position` under `key`, unless the key is blank.
    /// Callers file records from the last position to the first.
    pub(super) fn insert(&mut self, key: Option<u64>, position: usize) {
        let Some(key) = key else {
            return;
        };
        let node = self.nodes.len();
        let next = self.heads.insert(key, node).unwrap_or(END);
        self.nodes.push((position, next));
    }

    /// The lowest positions filed under `key` that pass `check`, at most
    /// [`MAX_CANDIDATES`] of them.
    pub(super) fn find(&self, key: Option<u64>, check: impl Fn(usize) -> bool) -> Hits {
        let mut hits = Hits::default();
        let mut node = key
            .and_then(|key| self.heads.get(&key))
            .copied()
            .unwrap_or(END);
        while let Some(&(position, next)) = self.nodes.get(node) {
            if check(position) {
                if hits.positions.len() == MAX_CANDIDATES {
                    hits.more = true;
                    break;
                }
                hits.positions.push(position);
            }
            node = next;
        }
        hits
    }
}
