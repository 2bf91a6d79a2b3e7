//! Compromise draft of 10 alternatives of a 2,000-word section, next to
//! what the raw library does for the same input in the same run: `similar`
//! word diffs of every alternative against the base. Goal: p99 <= 50 ms.
//!
//! The base is the final text of the automerge-paper trace (Martin
//! Kleppmann, CC BY 4.0) cut to 2,000 words; alternative k changes one word
//! in ten at its own offset (replaced, deleted or a word inserted), so the
//! alternatives share most words and differ everywhere.

mod common;

use std::time::{Duration, Instant};

use accord_core::ParticipantCode;
use accord_core::compromise::{MergeInput, compromise};
use accord_core::redline::ALGORITHM;
use common::{Stats, load_trace, ms, print_machine};
use similar::TextDiff;

const WORDS: usize = 2_000;
const ALTERNATIVES: usize = 10;
const ROUNDS: usize = 100;

fn main() {
    print_machine();
    let paper = load_trace("automerge-paper.json.gz").end_content;
    let base: String = paper.split_inclusive(char::is_whitespace).take(WORDS).collect();
    let texts: Vec<String> = (0..ALTERNATIVES).map(|k| alternative(&base, k)).collect();
    let labels: Vec<String> = (1..=ALTERNATIVES).map(|n| format!("Alt {n}")).collect();
    let sponsors: Vec<ParticipantCode> = vec!["ITU".parse().expect("code")];
    let inputs: Vec<MergeInput<'_>> =
        texts.iter().zip(&labels).map(|(text, label)| MergeInput { label, sponsors: &sponsors, text }).collect();
    let draft = compromise(&base, &inputs);
    println!("{} words, {ALTERNATIVES} alternatives: {} brackets", base.split_whitespace().count(), draft.brackets);
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(time(|| compromise(&base, &inputs).parts.len()));
        raw.push(time(|| texts.iter().map(|text| word_diff(&base, text)).sum()));
    }
    let (ours, raw) = (Stats::of(&ours), Stats::of(&raw));
    println!("| work | median ms | p99 ms | min-max ms |");
    println!("|---|---|---|---|");
    let row =
        |name: &str, s: &Stats| println!("| {name} | {} | {} | {}-{} |", ms(s.median), ms(s.p99), ms(s.min), ms(s.max));
    row("similar word diff of each alternative against the base", &raw);
    row("accord compromise", &ours);
    println!(
        "ratio accord/similar: median {:.2}, p99 {:.2}",
        ours.median.as_secs_f64() / raw.median.as_secs_f64(),
        ours.p99.as_secs_f64() / raw.p99.as_secs_f64()
    );
}

/// The base with one word in ten changed, starting at word `k`.
fn alternative(base: &str, k: usize) -> String {
    let mut out = String::new();
    for (index, word) in base.split_inclusive(char::is_whitespace).enumerate() {
        match ((index + k) % 10, (index / 10 + k) % 3) {
            (0, 0) => out.push_str(&format!("alt{k} ")),
            (0, 1) => {}
            (0, 2) => {
                out.push_str(&format!("added{k} "));
                out.push_str(word);
            }
            _ => out.push_str(word),
        }
    }
    out
}

fn word_diff(old: &str, new: &str) -> usize {
    TextDiff::configure().algorithm(ALGORITHM).diff_words(old, new).iter_all_changes().count()
}

fn time(work: impl FnOnce() -> usize) -> Duration {
    let start = Instant::now();
    std::hint::black_box(work());
    start.elapsed()
}
