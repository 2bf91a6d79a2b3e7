//! A memo of word-level distances between texts: the text gap compares
//! every pair of live proposals on every view, while texts change rarely
//! between views. The distance is a pure function of the two texts, so the
//! memo changes no result; it is shared by clones of a negotiation.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::redline;

/// How many pairs the memo keeps before it starts afresh.
const CAPACITY: usize = 50_000;

/// Distances already computed, by the texts' hashes and lengths.
#[derive(Clone, Debug, Default)]
pub(crate) struct Distances {
    known: Arc<Mutex<HashMap<(Key, Key), f64>>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Key(u64, usize);

impl Key {
    fn of(text: &str) -> Key {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        Key(hasher.finish(), text.len())
    }
}

impl Distances {
    /// The distance between `a` and `b` (see [`redline::distance`]).
    pub fn between(&self, a: &str, b: &str) -> f64 {
        let key = (Key::of(a), Key::of(b));
        if let Some(known) = self.known.lock().ok().and_then(|known| known.get(&key).copied()) {
            return known;
        }
        let distance = redline::distance(a, b);
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= CAPACITY {
                known.clear();
            }
            known.insert(key, distance);
        }
        distance
    }
}
