//! Property tests of the texts a chair relies on: the compromise draft
//! rebuilds every alternative exactly and brackets every disagreement
//! (ARCHITECTURE.md, invariant 8), and a redline is exact whatever it folds
//! (invariant 9).

use accord_core::ParticipantCode;
use accord_core::compromise::{Compromise, CompromisePart, MergeInput, compromise};
use accord_core::redline::{SegmentKind, redline};
use proptest::prelude::*;

/// Words, punctuation and whitespace of the kind drafts are made of.
const PIECES: &[&str] = &[
    "the",
    "States",
    "Member",
    "organizations",
    "will",
    "shall",
    "support",
    "upon",
    "request",
    "and",
    "of",
    "UN",
    "co-operation",
    "l'avis",
    "3.5",
    "and/or",
    "coopération",
    "2026",
    ",",
    ".",
    ";",
    ":",
    "(",
    ")",
    " ",
    " ",
    " ",
    "  ",
    "\n",
    "\n\n",
];

fn piece() -> impl Strategy<Value = String> {
    prop::sample::select(PIECES).prop_map(str::to_string)
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..max).prop_map(|pieces| pieces.concat())
}

/// An edit of a text at a fraction of its length: insert, delete or replace.
#[derive(Clone, Debug)]
enum Edit {
    Insert(f64, String),
    Delete(f64, f64),
    Replace(f64, f64, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..=1.0f64, text(6)).prop_map(|(at, t)| Edit::Insert(at, t)),
        (0.0..=1.0f64, 0.0..0.4f64).prop_map(|(at, len)| Edit::Delete(at, len)),
        (0.0..=1.0f64, 0.0..0.3f64, text(5)).prop_map(|(at, len, t)| Edit::Replace(at, len, t)),
    ]
}

fn apply(base: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for edit in edits {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        let len = chars.len();
        let (start, end, insert) = match edit {
            Edit::Insert(f, t) => (at(*f, len), at(*f, len), t.as_str()),
            Edit::Delete(f, l) => (at(*f, len), at(f + l, len), ""),
            Edit::Replace(f, l, t) => (at(*f, len), at(f + l, len), t.as_str()),
        };
        chars.splice(start..end, insert.chars());
    }
    chars.into_iter().collect()
}

fn alternatives() -> impl Strategy<Value = (String, Vec<String>)> {
    text(40)
        .prop_flat_map(|base| {
            let alternative = prop::collection::vec(edit(), 0..5);
            (Just(base), prop::collection::vec(alternative, 2..=6))
        })
        .prop_map(|(base, edits)| {
            let texts = edits.iter().map(|e| apply(&base, e)).collect();
            (base, texts)
        })
}

fn sponsors() -> Vec<ParticipantCode> {
    vec!["ITU".parse().expect("valid code")]
}

fn labels(count: usize) -> Vec<String> {
    (1..=count).map(|n| format!("Alt {n}")).collect()
}

/// Marks that join the letters or digits around them into one word.
const JOINERS: &[char] = &['-', '\'', '\u{2019}', '\u{2011}', '.', ',', '/'];

/// Whether a cut at byte `at` leaves every word whole: a word is letters and
/// digits, with the joiners between them.
fn is_word_boundary(text: &str, at: usize) -> bool {
    let before: Vec<char> = text[..at].chars().rev().take(2).collect();
    let after: Vec<char> = text[at..].chars().take(2).collect();
    let (Some(&b), Some(&a)) = (before.first(), after.first()) else { return true };
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let joined_after = JOINERS.contains(&a) && after.get(1).is_some_and(|c| word(*c));
    let joined_before = JOINERS.contains(&b) && before.get(1).is_some_and(|c| word(*c));
    !((word(b) && (word(a) || joined_after)) || (joined_before && word(a)))
}

/// Every part boundary, as a byte offset in the text of `label`.
fn boundaries(draft: &Compromise, label: &str) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    for part in &draft.parts {
        at += match part {
            CompromisePart::Text { text } => text.len(),
            CompromisePart::Alternatives { alternatives } => {
                let option = alternatives.iter().find(|a| a.labels.iter().any(|l| l == label)).expect("listed");
                option.text.len()
            }
        };
        offsets.push(at);
    }
    offsets
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn every_alternative_is_rebuilt_exactly_from_the_compromise((base, texts) in alternatives()) {
        let sponsors = sponsors();
        let labels = labels(texts.len());
        let inputs: Vec<MergeInput<'_>> = texts
            .iter()
            .zip(&labels)
            .map(|(text, label)| MergeInput { label, sponsors: &sponsors, text })
            .collect();
        let draft = compromise(&base, &inputs);
        for (label, text) in labels.iter().zip(&texts) {
            let rebuilt = draft.rebuild(label);
            prop_assert_eq!(rebuilt.as_deref(), Some(text.as_str()), "{}", label);
            for at in boundaries(&draft, label) {
                prop_assert!(is_word_boundary(text, at), "a bracket splits a word of {label} at {at}: {text:?}");
            }
        }
        let mut previous_bracket = false;
        let mut separator_is_word = true;
        for part in &draft.parts {
            match part {
                CompromisePart::Text { text } => {
                    separator_is_word = text.chars().any(char::is_alphanumeric);
                    // Common text is in every alternative (rebuilt above) and
                    // never empty.
                    prop_assert!(!text.is_empty());
                }
                CompromisePart::Alternatives { alternatives } => {
                    prop_assert!(alternatives.len() >= 2, "a bracket offers a choice");
                    let mut listed: Vec<&String> = alternatives.iter().flat_map(|a| &a.labels).collect();
                    listed.sort();
                    let mut all: Vec<&String> = labels.iter().collect();
                    all.sort();
                    prop_assert_eq!(listed, all, "every alternative exactly once");
                    let distinct: std::collections::BTreeSet<&str> =
                        alternatives.iter().map(|a| a.text.as_str()).collect();
                    prop_assert_eq!(distinct.len(), alternatives.len(), "same wording shares one option");
                    prop_assert!(!previous_bracket || separator_is_word, "brackets apart by punctuation merge");
                    previous_bracket = true;
                    separator_is_word = false;
                }
            }
        }
        prop_assert_eq!(draft.brackets > 0, texts.iter().any(|t| t != &texts[0]));
    }

    #[test]
    fn a_redline_is_exact_and_folds_only_short_runs(old in text(60), new in text(60)) {
        let redline = redline(&old, &new);
        prop_assert_eq!(redline.old_text(), old);
        prop_assert_eq!(redline.new_text(), new);
        for pair in redline.segments.windows(2) {
            prop_assert!(pair[0].kind != pair[1].kind || pair[0].kind != SegmentKind::Equal);
        }
        for segment in &redline.segments {
            prop_assert!(!segment.text.is_empty());
        }
    }
}
