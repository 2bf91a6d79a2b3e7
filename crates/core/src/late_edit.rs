//! Late edits: a text edited on an older copy (a browser's, at `base_heads`)
//! applied to the current text so that other sponsors' newer edits stay.
//!
//! Two word-level diffs do it: the browser's (old text to its new text)
//! says what to change, and the concurrent one (old text to current text)
//! says where each old position is now. Positions in unchanged runs map
//! exactly; a position inside a run someone else changed meanwhile maps to
//! that run's edge. The splices are then applied to the current text, last
//! first, as one ordinary change. This costs one `text_at` and two diffs,
//! where an isolated transaction at the old heads, `fork_at` or cursors
//! resolved at the old heads each scan the history.

use std::ops::Range;

use automerge::{Automerge, ChangeHash, ObjId, ReadDoc};
use similar::{Algorithm, DiffOp, capture_diff_slices};

use crate::redline::{char_offsets, tokens};
use crate::{Error, Splice};

/// The splices that bring `new`'s changes (relative to the text at
/// `base_heads`) onto the current text, in current positions, last first.
pub(crate) fn splices_onto_current(
    doc: &Automerge,
    text: &ObjId,
    base_heads: &[ChangeHash],
    new: &str,
) -> Result<Vec<Splice>, Error> {
    let old = doc.text_at(text, base_heads)?;
    let current = doc.text(text)?;
    let to_current = PositionMap::between(&old, &current);
    let (old_tokens, new_tokens) = (tokens(&old), tokens(new));
    let old_starts = char_offsets(&old_tokens);
    let mut splices = Vec::new();
    for (order, op) in capture_diff_slices(Algorithm::Myers, &old_tokens, &new_tokens).iter().enumerate() {
        if matches!(op, DiffOp::Equal { .. }) {
            continue;
        }
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let deleted = old_starts[old_range.start]..old_starts[old_range.end];
        let insert = new_tokens[new_range].concat();
        splices.extend(to_current.splices(deleted, insert).into_iter().map(|splice| (order, splice)));
    }
    // Last first; at one position the later edit first, so the earlier one's text ends up before it.
    splices.sort_by_key(|(order, splice)| std::cmp::Reverse((splice.pos, *order)));
    Ok(splices.into_iter().map(|(_, splice)| splice).collect())
}

/// The splices that turn `current` into `new`, last first, from a token
/// diff. automerge's `update_text` diffs characters instead, and took 90 s
/// (release build) to replace a nine-character text by a 290 KB one; this
/// costs about one word diff whatever the texts.
pub(crate) fn splices_between(current: &str, new: &str) -> Vec<Splice> {
    let (current_tokens, new_tokens) = (tokens(current), tokens(new));
    let starts = char_offsets(&current_tokens);
    let mut splices: Vec<Splice> = capture_diff_slices(Algorithm::Myers, &current_tokens, &new_tokens)
        .iter()
        .filter(|op| !matches!(op, DiffOp::Equal { .. }))
        .map(|op| {
            let (old, added) = (op.old_range(), op.new_range());
            let (pos, end) = (starts[old.start], starts[old.end]);
            Splice { pos, delete: end - pos, insert: new_tokens[added].concat() }
        })
        .collect();
    splices.reverse();
    splices
}

/// Maps character positions of one text to another, from a diff of the two.
struct PositionMap {
    /// Runs in order: (range in the first text, range in the second, unchanged?).
    runs: Vec<(Range<usize>, Range<usize>, bool)>,
}

impl PositionMap {
    fn between(from: &str, to: &str) -> PositionMap {
        let (from_tokens, to_tokens) = (tokens(from), tokens(to));
        let (from_starts, to_starts) = (char_offsets(&from_tokens), char_offsets(&to_tokens));
        let runs = capture_diff_slices(Algorithm::Myers, &from_tokens, &to_tokens)
            .iter()
            .map(|op| {
                let (f, t) = (op.old_range(), op.new_range());
                let equal = matches!(op, DiffOp::Equal { .. });
                (from_starts[f.start]..from_starts[f.end], to_starts[t.start]..to_starts[t.end], equal)
            })
            .collect();
        PositionMap { runs }
    }

    /// The splices, in current positions, that delete what is left of the
    /// old range `deleted` and insert `insert` where it began. Only text
    /// that is unchanged since is deleted: words another sponsor inserted
    /// or rewrote meanwhile stay, as they would between automerge peers.
    fn splices(&self, deleted: Range<usize>, insert: String) -> Vec<Splice> {
        let at = self.insertion_point(deleted.start);
        let mut splices: Vec<Splice> = self
            .runs
            .iter()
            .filter(|(from, _, equal)| *equal && from.start < deleted.end && deleted.start < from.end)
            .map(|(from, to, _)| {
                let (start, end) = (from.start.max(deleted.start), from.end.min(deleted.end));
                Splice { pos: to.start + (start - from.start), delete: end - start, insert: String::new() }
            })
            .collect();
        match splices.first_mut() {
            Some(first) if first.pos == at => first.insert = insert,
            _ if insert.is_empty() => {}
            _ => splices.insert(0, Splice { pos: at, delete: 0, insert }),
        }
        splices
    }

    /// Where text inserted before the old character `x` goes now: before
    /// that character if it is unchanged, else after whatever replaced it.
    fn insertion_point(&self, x: usize) -> usize {
        match self.run_holding(x) {
            Some((from, to, true)) => to.start + (x - from.start),
            Some((_, to, false)) => to.end,
            None => self.len(),
        }
    }

    /// The run of the first text that holds the character at `x`.
    fn run_holding(&self, x: usize) -> Option<&(Range<usize>, Range<usize>, bool)> {
        self.runs.iter().find(|(from, _, _)| from.start <= x && x < from.end)
    }

    fn len(&self) -> usize {
        self.runs.last().map_or(0, |(_, to, _)| to.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn splices(from: &str, to: &str, deleted: Range<usize>, insert: &str) -> Vec<(usize, usize, String)> {
        let map = PositionMap::between(from, to);
        map.splices(deleted, insert.to_string()).into_iter().map(|s| (s.pos, s.delete, s.insert)).collect()
    }

    #[test]
    fn an_unchanged_range_maps_exactly() {
        // "member" (8..14) moved right by the concurrent "all ".
        assert_eq!(
            splices("support member states", "support all member states", 8..14, "Member"),
            vec![(12, 6, "Member".into())]
        );
    }

    #[test]
    fn a_deletion_spares_words_inserted_inside_it_meanwhile() {
        // Deleting "support member " (14..29) keeps the concurrent "all ".
        let found =
            splices("Agencies will support member states.", "Agencies will support all member states.", 14..29, "");
        assert_eq!(found, vec![(14, 8, String::new()), (26, 7, String::new())]);
    }

    #[test]
    fn an_insertion_inside_a_rewritten_run_goes_after_the_rewrite() {
        // "two," became "2;"; an insertion after "two" (old 7) lands after "2;".
        assert_eq!(splices("one two, three", "one 2; three", 7..7, "!"), vec![(6, 0, "!".into())]);
    }

    #[test]
    fn splices_between_two_texts_give_the_new_text() {
        let cases = [
            ("Text one.", "A much longer text, with words. And more!"),
            ("alpha beta gamma", "gamma beta alpha"),
            ("same", "same"),
            ("", "from nothing"),
            ("to nothing", ""),
            ("la coopération numérique", "la coopération — numérique, 2026"),
        ];
        for (current, new) in cases {
            let mut chars: Vec<char> = current.chars().collect();
            for splice in splices_between(current, new) {
                chars.splice(splice.pos..splice.pos + splice.delete, splice.insert.chars());
            }
            assert_eq!(chars.into_iter().collect::<String>(), new, "{current:?} -> {new:?}");
        }
    }
}
