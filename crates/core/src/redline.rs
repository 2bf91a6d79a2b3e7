//! Redline: the word-level difference between two texts.
//!
//! Texts are compared as tokens (runs of letters and digits, runs of
//! whitespace, and single punctuation marks), so "States," and "States"
//! differ by the comma alone: words first, then replaced runs of words
//! token by token. The diff is `similar`'s patience algorithm: patience
//! anchors on words that occur once, which keeps redlines of rewritten
//! sentences readable, and between anchors it uses `similar`'s Myers, whose
//! heuristics bound the work on pathological input. There is no wall-clock
//! deadline: a redline must not depend on how busy a machine is, or two
//! replicas could show different text gaps for the same changes.

use serde::Serialize;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// The diff algorithm: fixed, so every replica computes the same redline.
pub const ALGORITHM: Algorithm = Algorithm::Patience;

/// What happened to a run of text.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentKind {
    /// In both texts.
    Equal,
    /// Only in the new text.
    Insert,
    /// Only in the old text.
    Delete,
}

/// One run of text of one kind.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Segment {
    /// What happened to it.
    pub kind: SegmentKind,
    /// The text.
    pub text: String,
}

/// The difference between an old and a new text, as alternating runs.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Redline {
    /// The runs, in reading order; adjacent runs differ in kind.
    pub segments: Vec<Segment>,
    /// How alike the texts are: 1 identical, 0 nothing in common (shared
    /// non-whitespace characters over all of them).
    pub similarity: f64,
}

impl Redline {
    /// Whether the texts differ at all.
    pub fn has_changes(&self) -> bool {
        self.segments.iter().any(|s| s.kind != SegmentKind::Equal)
    }

    /// The redline as plain text: `[-deleted-]{+inserted+}`.
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment.kind {
                SegmentKind::Equal => out.push_str(&segment.text),
                SegmentKind::Delete => out.push_str(&format!("[-{}-]", segment.text)),
                SegmentKind::Insert => out.push_str(&format!("{{+{}+}}", segment.text)),
            }
        }
        out
    }

    /// The old text, rebuilt from the runs.
    pub fn old_text(&self) -> String {
        self.text_without(SegmentKind::Insert)
    }

    /// The new text, rebuilt from the runs.
    pub fn new_text(&self) -> String {
        self.text_without(SegmentKind::Delete)
    }

    fn text_without(&self, skipped: SegmentKind) -> String {
        self.segments.iter().filter(|s| s.kind != skipped).map(|s| s.text.as_str()).collect()
    }
}

/// The redline from `old` to `new`: whitespace-separated words are diffed
/// first, then each replaced run again at token level, so a changed comma
/// shows as a comma while the whole diff costs about one word diff; then
/// short unchanged runs between changes are folded in (see [`readable`]).
pub fn redline(old: &str, new: &str) -> Redline {
    let exact = exact_redline(old, new);
    Redline { segments: readable(exact.segments), similarity: exact.similarity }
}

/// The redline before folding: every shared token shown as shared. The
/// text gap measures texts with it, so readability rules never move it.
pub fn exact_redline(old: &str, new: &str) -> Redline {
    let (old_words, new_words) = (words(old), words(new));
    let mut segments: Vec<Segment> = Vec::new();
    for op in &diff_tokens(&old_words, &new_words) {
        let (old_run, new_run) = (&old_words[op.old_range()], &new_words[op.new_range()]);
        match op {
            DiffOp::Equal { .. } => push(&mut segments, SegmentKind::Equal, old_run),
            DiffOp::Delete { .. } => push(&mut segments, SegmentKind::Delete, old_run),
            DiffOp::Insert { .. } => push(&mut segments, SegmentKind::Insert, new_run),
            DiffOp::Replace { .. } => refine(&mut segments, &old_run.concat(), &new_run.concat()),
        }
    }
    let similarity = similarity_of(&segments);
    Redline { segments, similarity }
}

/// How far apart two texts are: 0 identical, 1 no word in common.
pub fn distance(a: &str, b: &str) -> f64 {
    1.0 - exact_redline(a, b).similarity
}

/// Cuts a text into word, whitespace and punctuation tokens; concatenated
/// they give back the text.
pub fn tokens(text: &str) -> Vec<&str> {
    cut(text, TokenClass::of)
}

/// Cuts a text into whole words (a mark between two letters or digits,
/// as in "co-operation", "l'avis" or "3.5", belongs to the word), whitespace
/// runs and other single marks: the units a compromise brackets, so a
/// bracket never splits a word but can leave a comma outside.
pub(crate) fn whole_words(text: &str) -> Vec<&str> {
    let fine = tokens(text);
    let is_word = |token: &str| token.starts_with(|c: char| TokenClass::of(c) == TokenClass::Word);
    let mut out: Vec<&str> = Vec::with_capacity(fine.len());
    let mut start = 0;
    let mut index = 0;
    while index < fine.len() {
        let mut end = start + fine[index].len();
        if is_word(fine[index]) {
            while index + 2 < fine.len() && TokenClass::is_joiner(fine[index + 1]) && is_word(fine[index + 2]) {
                end += fine[index + 1].len() + fine[index + 2].len();
                index += 2;
            }
        }
        out.push(&text[start..end]);
        start = end;
        index += 1;
    }
    out
}

/// The character offset at which each token starts, and one more for the end.
pub(crate) fn char_offsets(tokens: &[&str]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(tokens.len() + 1);
    let mut offset = 0;
    for token in tokens {
        starts.push(offset);
        offset += token.chars().count();
    }
    starts.push(offset);
    starts
}

/// Cuts a text into runs of non-whitespace and runs of whitespace.
fn words(text: &str) -> Vec<&str> {
    cut(text, |ch| if ch.is_whitespace() { TokenClass::Space } else { TokenClass::Word })
}

fn cut(text: &str, classify: impl Fn(char) -> TokenClass) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut current: Option<TokenClass> = None;
    for (index, ch) in text.char_indices() {
        let class = classify(ch);
        let joins = current == Some(class) && class != TokenClass::Mark;
        if !joins && index > start {
            tokens.push(&text[start..index]);
            start = index;
        }
        current = Some(class);
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

/// Diffs a replaced run of words again at token level. Without punctuation
/// the tokens are the words already diffed, so there is nothing to refine.
fn refine(segments: &mut Vec<Segment>, old: &str, new: &str) {
    let has_mark = |text: &str| text.chars().any(|ch| TokenClass::of(ch) == TokenClass::Mark);
    if !has_mark(old) && !has_mark(new) {
        push(segments, SegmentKind::Delete, &[old]);
        push(segments, SegmentKind::Insert, &[new]);
        return;
    }
    let (old_tokens, new_tokens) = (tokens(old), tokens(new));
    for op in &diff_tokens(&old_tokens, &new_tokens) {
        let (old_run, new_run) = (&old_tokens[op.old_range()], &new_tokens[op.new_range()]);
        if !matches!(op, DiffOp::Insert { .. }) {
            let kind = if matches!(op, DiffOp::Equal { .. }) { SegmentKind::Equal } else { SegmentKind::Delete };
            push(segments, kind, old_run);
        }
        if matches!(op, DiffOp::Insert { .. } | DiffOp::Replace { .. }) {
            push(segments, SegmentKind::Insert, new_run);
        }
    }
}

/// The most words an unchanged run between two changes may have and still
/// be folded into them.
const FOLDED_WORDS: usize = 2;

/// Folds short unchanged runs between two changes (at most
/// [`FOLDED_WORDS`] words, no sentence or paragraph boundary) into one
/// deletion and one insertion, as Word's Compare shows a rewritten clause:
/// `[-drawn from the-]{+and capacity of the+}` rather than words
/// alternating. Long unchanged runs always stay visible. Exact: the folded
/// run is in both the deletion and the insertion.
fn readable(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    let (mut deleted, mut inserted) = (String::new(), String::new());
    let count = segments.len();
    for (index, segment) in segments.into_iter().enumerate() {
        let changing = !deleted.is_empty() || !inserted.is_empty();
        match segment.kind {
            SegmentKind::Delete => deleted.push_str(&segment.text),
            SegmentKind::Insert => inserted.push_str(&segment.text),
            SegmentKind::Equal if changing && index + 1 < count && foldable(&segment.text) => {
                deleted.push_str(&segment.text);
                inserted.push_str(&segment.text);
            }
            SegmentKind::Equal => {
                flush(&mut out, &mut deleted, &mut inserted);
                out.push(segment);
            }
        }
    }
    flush(&mut out, &mut deleted, &mut inserted);
    out
}

fn flush(out: &mut Vec<Segment>, deleted: &mut String, inserted: &mut String) {
    for (kind, text) in [(SegmentKind::Delete, deleted), (SegmentKind::Insert, inserted)] {
        if !text.is_empty() {
            out.push(Segment { kind, text: std::mem::take(text) });
        }
    }
}

/// Whether an unchanged run is short enough to fold: few words, and no
/// sentence or paragraph ends in it.
fn foldable(text: &str) -> bool {
    let mut words = 0;
    let mut in_word = false;
    for ch in text.chars() {
        let word = TokenClass::of(ch) == TokenClass::Word;
        if word && !in_word {
            words += 1;
            if words > FOLDED_WORDS {
                return false;
            }
        }
        in_word = word;
    }
    !ends_sentence(text)
}

fn ends_sentence(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        let next_is_space = chars.peek().is_none_or(|c| c.is_whitespace());
        if ch == '\n' || (matches!(ch, '.' | '!' | '?' | ';' | ':') && next_is_space) {
            return true;
        }
    }
    false
}

/// The diff of two token lists with the fixed algorithm.
pub(crate) fn diff_tokens(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    capture_diff_slices(ALGORITHM, old, new)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenClass {
    Word,
    Space,
    Mark,
}

impl TokenClass {
    /// A mark that joins the letters or digits around it into one word.
    fn is_joiner(token: &str) -> bool {
        matches!(token, "-" | "'" | "\u{2019}" | "\u{2011}" | "." | "," | "/")
    }

    fn of(ch: char) -> Self {
        if ch.is_alphanumeric() || ch == '_' {
            TokenClass::Word
        } else if ch.is_whitespace() {
            TokenClass::Space
        } else {
            TokenClass::Mark
        }
    }
}

/// 2 x shared characters / (characters of old + new), whitespace not counted.
fn similarity_of(segments: &[Segment]) -> f64 {
    let (mut shared, mut total) = (0usize, 0usize);
    for segment in segments {
        let letters = segment.text.chars().filter(|c| !c.is_whitespace()).count();
        match segment.kind {
            SegmentKind::Equal => {
                shared += 2 * letters;
                total += 2 * letters;
            }
            SegmentKind::Delete | SegmentKind::Insert => total += letters,
        }
    }
    if total == 0 { 1.0 } else { shared as f64 / total as f64 }
}

fn push(segments: &mut Vec<Segment>, kind: SegmentKind, tokens: &[&str]) {
    if tokens.is_empty() {
        return;
    }
    match segments.last_mut() {
        Some(last) if last.kind == kind => last.text.extend(tokens.iter().copied()),
        _ => segments.push(Segment { kind, text: tokens.concat() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(old: &str, new: &str, expected: &str) {
        let redline = redline(old, new);
        assert_eq!(redline.to_plain(), expected);
        assert_eq!(redline.old_text(), old);
        assert_eq!(redline.new_text(), new);
    }

    #[test]
    fn identical_texts_have_no_changes() {
        let redline = redline("Support to member states.", "Support to member states.");
        assert!(!redline.has_changes());
        assert_eq!(redline.similarity, 1.0);
    }

    #[test]
    fn a_replaced_word_is_deleted_and_inserted() {
        check("support to member states", "support for member states", "support [-to-]{+for+} member states");
    }

    #[test]
    fn punctuation_is_its_own_token() {
        check("member States,", "member States", "member States[-,-]");
    }

    #[test]
    fn inserted_clause_is_one_run() {
        check(
            "The UN system supports member states.",
            "The UN system supports member states and all stakeholders.",
            "The UN system supports member states{+ and all stakeholders+}.",
        );
    }

    #[test]
    fn non_ascii_text_is_cut_at_character_boundaries() {
        check("la coopération numérique", "la coopération", "la coopération[- numérique-]");
    }

    #[test]
    fn a_rewritten_clause_reads_as_one_deletion_and_one_insertion() {
        check(
            "expertise drawn from the mandates and activities documented in the compendium.",
            "expertise and capacity development, as the United Nations already does.",
            "expertise [-drawn from the mandates and activities documented in the compendium-]\
             {+and capacity development, as the United Nations already does+}.",
        );
    }

    #[test]
    fn a_short_unchanged_run_between_changes_is_folded() {
        check("we shall act now", "they shall react now", "[-we shall act-]{+they shall react+} now");
    }

    #[test]
    fn three_unchanged_words_between_changes_stay_visible() {
        check(
            "alpha one two three omega",
            "beta one two three gamma",
            "[-alpha-]{+beta+} one two three [-omega-]{+gamma+}",
        );
    }

    #[test]
    fn a_sentence_boundary_is_never_folded() {
        check("Act now. Then rest.", "React now. Then sleep.", "[-Act-]{+React+} now. Then [-rest-]{+sleep+}.");
    }

    #[test]
    fn distance_is_zero_for_equal_and_one_for_disjoint_texts() {
        assert_eq!(distance("a b c", "a b c"), 0.0);
        assert_eq!(distance("alpha beta", "gamma delta"), 1.0);
        let half = distance("alpha gamma", "alpha delta");
        assert!((half - 0.5).abs() < 1e-9, "{half}");
    }

    #[test]
    fn tokens_join_back_to_the_text() {
        let text = "Topic 4 - support to member-state considerations.\n\nSee (a), (b).";
        assert_eq!(tokens(text).concat(), text);
        assert_eq!(tokens("a, b"), vec!["a", ",", " ", "b"]);
    }
}
