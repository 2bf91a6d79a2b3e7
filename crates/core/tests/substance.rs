//! The substantive/editorial classifier against pairs of UN-style drafting
//! written by hand (fixtures/substance/pairs.tsv): every hunk of the redline
//! of an editorial pair is editorial; a substantive pair has a substantive
//! hunk whose reason names the rule the table expects.

use accord_core::redline::redline;
use accord_core::substance::{ChangeKind, hunks};

#[test]
fn every_pair_of_the_table_is_classified_as_a_secretariat_would() {
    let table = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/substance/pairs.tsv"))
        .expect("the table");
    let rows: Vec<Vec<&str>> =
        table.lines().filter(|l| !l.starts_with('#')).skip(1).map(|l| l.split('\t').collect()).collect();
    assert!(rows.len() >= 40, "at least 40 pairs: {}", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        let [before, after, kind, why] = row[..] else { panic!("four columns: {row:?}") };
        let found = hunks(&redline(before, after).segments);
        assert!(!found.is_empty(), "the pair differs: {before}");
        let ok = match kind {
            "editorial" => found.iter().all(|h| h.kind == ChangeKind::Editorial && h.why.contains(why)),
            "substantive" => found.iter().any(|h| h.kind == ChangeKind::Substantive && h.why.contains(why)),
            other => panic!("kind {other}"),
        };
        if !ok {
            wrong.push(format!("{before} → {after}: expected {kind} ({why}), got {found:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} pairs misclassified:\n{}", wrong.len(), rows.len(), wrong.join("\n"));
}
