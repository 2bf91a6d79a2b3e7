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

use crate::redline::tokens;
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
    for op in capture_diff_slices(Algorithm::Myers, &old_tokens, &new_tokens) {
        if matches!(op, DiffOp::Equal { .. }) {
            continue;
        }
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let start = to_current.start(old_starts[old_range.start]);
        let end = to_current.end(old_starts[old_range.end]).max(start);
        splices.push(Splice { pos: start, delete: end - start, insert: new_tokens[new_range].concat() });
    }
    splices.reverse();
    Ok(splices)
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

    /// Where the character at `x` is now (a range starting at `x` starts
    /// there); the end of the text for `x` past the last character.
    fn start(&self, x: usize) -> usize {
        match self.run_holding(x) {
            Some((from, to, true)) => to.start + (x - from.start),
            Some((_, to, false)) => to.start,
            None => self.len(),
        }
    }

    /// Where the position just after the character at `x - 1` is now (a
    /// range ending at `x` ends there).
    fn end(&self, x: usize) -> usize {
        let Some(last) = x.checked_sub(1) else { return self.start(0) };
        match self.run_holding(last) {
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

/// The character offset at which each token starts, and one more for the end.
fn char_offsets(tokens: &[&str]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(tokens.len() + 1);
    let mut offset = 0;
    for token in tokens {
        starts.push(offset);
        offset += token.chars().count();
    }
    starts.push(offset);
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_unchanged_runs_map_exactly() {
        let map = PositionMap::between("support member states", "support all member states");
        assert_eq!(map.start(0), 0);
        assert_eq!(map.start(8), 12, "'member' moved right by 'all '");
        assert_eq!(map.end(21), 25);
    }

    #[test]
    fn positions_inside_a_changed_run_map_to_its_edges() {
        let map = PositionMap::between("one two three", "one 2 three");
        assert_eq!(map.start(5), 4);
        assert_eq!(map.end(6), 5);
    }
}
