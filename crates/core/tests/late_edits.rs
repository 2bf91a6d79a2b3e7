//! Property: an edit made on an older copy of a proposal (a browser's)
//! keeps what other sponsors wrote meanwhile and brings in what the browser
//! wrote, for any texts (non-ASCII included) and any edits.

mod common;

use accord_core::{Negotiation, ProposalId, Splice};
use common::{by, two_sponsors};
use proptest::prelude::*;

fn negotiation_with(text: &str) -> (Negotiation, ProposalId) {
    two_sponsors("late", text)
}

/// Inserts `marker` as a word at the character position nearest `at` (0..1).
fn insert_word(text: &str, at: f64, marker: &str) -> (usize, String) {
    let chars: Vec<char> = text.chars().collect();
    let pos = ((chars.len() as f64) * at) as usize;
    let mut out: String = chars[..pos].iter().collect();
    out.push_str(&format!(" {marker} "));
    out.extend(&chars[pos..]);
    (pos, out)
}

/// A proposal's text: at least one word (a proposal needs a text).
fn words() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-zé中]{1,6}[,.]?", 1..12).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn late_edits_keep_concurrent_words_and_bring_their_own(
        base in words(),
        other_at in 0.0..1.0f64,
        browser_at in 0.0..1.0f64,
        browser_deletes in any::<bool>(),
    ) {
        let (mut n, id) = negotiation_with(&base);
        let heads = n.proposal_heads(&id).expect("heads");
        let (pos, _) = insert_word(&base, other_at, "OTHER");
        let splice = Splice { pos, delete: 0, insert: " OTHER ".into() };
        n.splice_proposal(&id, &[splice], &by("UNODC")).expect("concurrent insertion");
        let browser_text = if browser_deletes && !base.is_empty() {
            let cut = base.char_indices().nth(base.chars().count() / 2).map_or(0, |(i, _)| i);
            format!("{} «MINE»", &base[..cut])
        } else {
            insert_word(&base, browser_at, "«MINE»").1
        };
        let (merged, _) = n.edit_proposal_at(&id, &heads, &browser_text, &by("DESA")).expect("late edit");
        prop_assert!(merged.contains("OTHER"), "the other sponsor's word was lost: {merged:?}");
        prop_assert!(merged.contains("«MINE»"), "the browser's word is missing: {merged:?}");
        prop_assert_eq!(merged.matches("OTHER").count(), 1);
        prop_assert_eq!(merged.matches("«MINE»").count(), 1);
    }
}
