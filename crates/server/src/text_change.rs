//! What a `changed` message says of a proposal's text: the one region that differs from the
//! text announced before it, not the whole text again. A keystroke in a 2,000-character
//! proposal thus costs every live client a few hundred bytes, not the proposal (a meeting's
//! hundred clients get every keystroke). Positions count UTF-16 code units, as browsers
//! index strings. The first change announced of a proposal (since the room had no listener)
//! carries the whole text; a client that does not hold the text a change starts `from`
//! (it missed a message) fetches the view. ARCHITECTURE.md, "Live socket".

use std::collections::HashMap;

use accord_core::ProposalId;
use accord_core::automerge::ChangeHash;
use serde_json::{Value, json};

/// The text last announced of each proposal, with its heads.
#[derive(Default)]
pub struct AnnouncedTexts(HashMap<ProposalId, (Vec<ChangeHash>, String)>);

impl AnnouncedTexts {
    /// The `changed` message's entry for proposal `id`, now `text` at `heads`: the region
    /// replaced since the text last announced (`from` its heads, `at`, `delete`, `insert`), or
    /// the whole `text` if none was. Remembered for the next one.
    pub fn announce(&mut self, id: ProposalId, text: String, heads: Vec<ChangeHash>) -> Value {
        let entry = match self.0.get(&id) {
            Some((from, before)) => {
                let (at, delete, insert) = replaced_region(before, &text);
                json!({ "id": id, "heads": hex(&heads), "from": hex(from), "at": at, "delete": delete, "insert": insert })
            }
            None => json!({ "id": id, "heads": hex(&heads), "text": text }),
        };
        self.0.insert(id, (heads, text));
        entry
    }

    /// Forgets every text: no one listening holds them (the next change of each is whole).
    pub fn forget(&mut self) {
        self.0.clear();
    }
}

fn hex(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(ToString::to_string).collect()
}

/// Where `before` and `after` differ, as one region: where it starts and how long it is in
/// `before`, in UTF-16 code units, and what replaces it. Whole characters only: a common
/// prefix or suffix never splits one.
fn replaced_region<'a>(before: &str, after: &'a str) -> (usize, usize, &'a str) {
    let prefix: usize = before.chars().zip(after.chars()).take_while(|(b, a)| b == a).map(|(b, _)| b.len_utf8()).sum();
    let (before_rest, after_rest) = (&before[prefix..], &after[prefix..]);
    let suffix: usize = before_rest
        .chars()
        .rev()
        .zip(after_rest.chars().rev())
        .take_while(|(b, a)| b == a)
        .map(|(b, _)| b.len_utf8())
        .sum();
    let removed = &before_rest[..before_rest.len() - suffix];
    let inserted = &after_rest[..after_rest.len() - suffix];
    (utf16_len(&before[..prefix]), utf16_len(removed), inserted)
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_is_counted_in_utf16_code_units_and_never_splits_a_character() {
        // Written by hand: "é" is one unit, "😀" two (a surrogate pair), "日本" one each.
        assert_eq!(replaced_region("abc", "abXc"), (2, 0, "X"));
        assert_eq!(replaced_region("abc", "ac"), (1, 1, ""));
        assert_eq!(replaced_region("é😀 x", "é😀 yx"), (4, 0, "y"));
        assert_eq!(replaced_region("日本語", "日本"), (2, 1, ""));
        // The two emoji share their first UTF-8 bytes: the region is the whole second one.
        assert_eq!(replaced_region("a😀b", "a😁b"), (1, 2, "😁"));
        // A repeated letter: prefix first, so the suffix cannot overlap it.
        assert_eq!(replaced_region("aa", "aaa"), (2, 0, "a"));
        assert_eq!(replaced_region("same", "same"), (4, 0, ""));
        assert_eq!(replaced_region("", "new"), (0, 0, "new"));
    }
}
