//! Property: the text Accord announces after an edit (`proposal_text`,
//! which the edit paths keep without reading automerge) is always the text
//! automerge itself reads from the document, for any splices (positions in
//! code points over accents, CJK, emoji and combining marks) and whole texts
//! edited on the current or an older copy (a browser's), mixed with merges
//! of another replica's concurrent edits.

mod common;

use accord_core::automerge::{ROOT, ReadDoc};
use accord_core::{Negotiation, ProposalId, Splice};
use common::{by, two_sponsors};
use proptest::prelude::*;

/// The proposal's text as automerge reads it from the document.
fn automerge_text(n: &Negotiation, id: &ProposalId) -> String {
    let doc = &n.documents()[&id.0];
    let (_, text) = doc.get(ROOT, "text").expect("read").expect("a text");
    doc.text(&text).expect("text")
}

#[derive(Clone, Debug)]
enum Op {
    /// A splice on replica `replica`, at fractions of its text's length.
    Splice { replica: usize, at: f64, delete: f64, insert: String },
    /// A whole text sent by a browser on replica `replica`, edited on its copy from
    /// `back` edits ago (0: the current one), as `edit_proposal_at` takes it.
    Edit { replica: usize, back: usize, text: String },
    /// Replica `to` merges replica `from`.
    Merge { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let insert = "[a-z é中🙂\u{301}\n]{0,5}";
    prop_oneof![
        4 => (0..2usize, 0.0..=1.0f64, 0.0..=1.0f64, insert)
            .prop_map(|(replica, at, delete, insert)| Op::Splice { replica, at, delete, insert }),
        2 => (0..2usize, 0..3usize, "[a-z é中🙂\u{301}\n]{1,12}")
            .prop_map(|(replica, back, text)| Op::Edit { replica, back, text }),
        1 => (0..2usize).prop_map(|from| Op::Merge { from, to: 1 - from }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_text_announced_is_the_text_automerge_reads(ops in proptest::collection::vec(op(), 1..24)) {
        let (first, id) = two_sponsors("announced", "Le café 中文 🙂 e\u{301}t");
        let mut replicas = [first.clone(), first];
        let editors = ["DESA", "UNODC"];
        // Each replica's heads after each of its edits, newest last.
        let mut copies: [Vec<_>; 2] = [vec![], vec![]];
        for op in ops {
            match op {
                Op::Splice { replica, at, delete, insert } => {
                    let n = &mut replicas[replica];
                    let len = automerge_text(n, &id).chars().count();
                    let pos = (len as f64 * at) as usize;
                    let delete = ((len - pos) as f64 * delete) as usize;
                    let splice = Splice { pos, delete, insert };
                    n.splice_proposal(&id, &[splice], &by(editors[replica])).expect("splice");
                    copies[replica].push(n.proposal_heads(&id).expect("heads"));
                }
                Op::Edit { replica, back, text } => {
                    let n = &mut replicas[replica];
                    let current = n.proposal_heads(&id).expect("heads");
                    let older = copies[replica].iter().rev().nth(back).cloned();
                    let base = if back == 0 { current } else { older.unwrap_or(current) };
                    let (merged, _) = n.edit_proposal_at(&id, &base, &text, &by(editors[replica])).expect("edit");
                    prop_assert_eq!(merged, automerge_text(n, &id), "the text edit_proposal_at answers");
                    copies[replica].push(n.proposal_heads(&id).expect("heads"));
                }
                Op::Merge { from, to } => {
                    let source = replicas[from].clone();
                    replicas[to].merge(&source).expect("merge");
                }
            }
            for n in &replicas {
                let (text, heads) = n.proposal_text(&id).expect("proposal text");
                prop_assert_eq!(text, automerge_text(n, &id));
                prop_assert_eq!(heads, n.documents()[&id.0].get_heads());
            }
        }
    }
}
