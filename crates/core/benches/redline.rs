//! Redline of a ~10,000-word text against a 90%-similar version, next to
//! calling `similar` directly with the same algorithm (word diff of the same
//! two texts) in the same run; the readable fold of short unchanged runs is
//! included. Goals: p99 <= 10 ms, ratio <= 1.2. Then the marks of the HLCP
//! fixture's redlines before and after the fold.
//!
//! The text is the final text of the automerge-paper trace (Martin
//! Kleppmann, CC BY 4.0), cut to 10,000 words; the other version changes
//! one word in ten (replaced, deleted or a word inserted), deterministically.

mod common;

use std::time::{Duration, Instant};

use accord_core::redline::{ALGORITHM, Redline, SegmentKind, exact_redline, redline};
use common::{Stats, load_trace, ms, print_machine};
use similar::TextDiff;

const WORDS: usize = 10_000;
const ROUNDS: usize = 300;

fn main() {
    print_machine();
    let paper = load_trace("automerge-paper.json.gz").end_content;
    let old = first_words(&paper, WORDS);
    let new = edit_one_word_in_ten(&old);
    println!(
        "texts: {} and {} words, similarity {:.3}",
        count_words(&old),
        count_words(&new),
        redline(&old, &new).similarity
    );
    let (mut ours, mut raw, mut same_tokens) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(time(|| redline(&old, &new).segments.len()));
        raw.push(time(|| similar_directly(&old, &new)));
        same_tokens.push(time(|| similar_on_accord_tokens(&old, &new)));
    }
    let (ours, raw, same_tokens) = (Stats::of(&ours), Stats::of(&raw), Stats::of(&same_tokens));
    println!("| diff | median ms | p99 ms | min-max ms |");
    println!("|---|---|---|---|");
    println!(
        "| similar TextDiff::diff_words, {ALGORITHM:?} | {} | {} | {}-{} |",
        ms(raw.median),
        ms(raw.p99),
        ms(raw.min),
        ms(raw.max)
    );
    let t = &same_tokens;
    println!(
        "| similar capture_diff_slices on accord's tokens, {ALGORITHM:?} | {} | {} | {}-{} |",
        ms(t.median),
        ms(t.p99),
        ms(t.min),
        ms(t.max)
    );
    println!("| accord redline | {} | {} | {}-{} |", ms(ours.median), ms(ours.p99), ms(ours.min), ms(ours.max));
    println!(
        "ratio accord/similar: median {:.3}, p99 {:.3}",
        ours.median.as_secs_f64() / raw.median.as_secs_f64(),
        ours.p99.as_secs_f64() / raw.p99.as_secs_f64()
    );
    fixture_marks();
}

/// Marks (deleted or inserted runs) of every redline between topic 4's
/// base text and proposals, before and after folding, and how many
/// rewritten places (runs of changes between unchanged text) they mark.
fn fixture_marks() {
    let view = accord_core::fixture::load("hlcp-cybersecurity").expect("fixture").view().expect("view");
    let section = view.section(4).expect("topic 4");
    let mut texts = vec![("base".to_string(), section.base_text.clone())];
    texts.extend(section.live_proposals().map(|p| (p.label.clone(), p.text.clone())));
    println!(
        "\n| topic 4 redline | marks, word diff | marks, readable | places changed | marks per place before -> after |"
    );
    println!("|---|---|---|---|---|");
    for (i, (from, old)) in texts.iter().enumerate() {
        for (to, new) in &texts[i + 1..] {
            let (before, after) = (exact_redline(old, new), redline(old, new));
            let places = places(&after);
            println!(
                "| {from} -> {to} | {} | {} | {places} | {:.1} -> {:.1} |",
                marks(&before),
                marks(&after),
                marks(&before) as f64 / places as f64,
                marks(&after) as f64 / places as f64
            );
        }
    }
}

fn marks(redline: &Redline) -> usize {
    redline.segments.iter().filter(|s| s.kind != SegmentKind::Equal).count()
}

/// Runs of changes between unchanged text.
fn places(redline: &Redline) -> usize {
    let changed: Vec<bool> = redline.segments.iter().map(|s| s.kind != SegmentKind::Equal).collect();
    changed.iter().enumerate().filter(|(i, c)| **c && (*i == 0 || !changed[i - 1])).count().max(1)
}

/// `similar` on the same tokens accord diffs (words, spaces and punctuation apart).
fn similar_on_accord_tokens(old: &str, new: &str) -> usize {
    let (old, new) = (accord_core::redline::tokens(old), accord_core::redline::tokens(new));
    similar::capture_diff_slices(ALGORITHM, &old, &new).len()
}

/// What a caller of `similar` would write: a word diff and its changes collected.
fn similar_directly(old: &str, new: &str) -> usize {
    let diff = TextDiff::configure().algorithm(ALGORITHM).diff_words(old, new);
    diff.iter_all_changes().map(|change| change.value().len()).sum()
}

fn time(work: impl FnOnce() -> usize) -> Duration {
    let start = Instant::now();
    std::hint::black_box(work());
    start.elapsed()
}

/// The text up to (not including) its `count + 1`-th word.
fn first_words(text: &str, count: usize) -> String {
    let mut seen = 0;
    let mut in_word = false;
    for (index, ch) in text.char_indices() {
        if !ch.is_whitespace() && !in_word {
            seen += 1;
            if seen > count {
                return text[..index].to_string();
            }
        }
        in_word = !ch.is_whitespace();
    }
    text.to_string()
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Replaces, deletes or inserts a word at every tenth word, cycling the three.
fn edit_one_word_in_ten(text: &str) -> String {
    let mut out = String::new();
    for (index, word) in text.split_inclusive(char::is_whitespace).enumerate() {
        match (index % 10, (index / 10) % 3) {
            (7, 0) => out.push_str("altered "),
            (7, 1) => {}
            (7, 2) => {
                out.push_str("inserted ");
                out.push_str(word);
            }
            _ => out.push_str(word),
        }
    }
    out
}
