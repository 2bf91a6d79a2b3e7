//! Packages: nothing is agreed until everything is agreed. On the HLCP
//! fixture (§2 and §3 agreed, §1 ready to adopt, §4 blocked): a package of
//! three sections, its provisional adoptions, and one reopening that
//! reopens the package; and the refusals.

use accord_core::{Attribution, Error, Negotiation, ParticipantCode, Timestamp, fixture};

fn by(who: &str, minute: i64) -> Attribution {
    let who: ParticipantCode = who.parse().expect("code");
    Attribution::new(who, Timestamp(1_900_000_000_000 + minute * 60_000))
}

fn provisional(n: &Negotiation) -> Vec<(u32, bool, bool)> {
    let view = n.view().expect("view");
    view.sections
        .iter()
        .filter(|s| !s.package.is_empty())
        .map(|s| (s.number, s.adoption.is_some(), s.provisional))
        .collect()
}

#[test]
fn a_package_of_three_is_provisional_until_all_are_adopted_and_reopens_together() {
    let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
    n.package(&[3, 1, 2], &by("HLCP", 1)).expect("packaged");
    assert_eq!(n.view().expect("view").sections[0].package, [1, 2, 3]);
    // §2 and §3 were agreed; with §1 open, nothing of the package is agreed yet.
    assert_eq!(provisional(&n), [(1, false, false), (2, true, true), (3, true, true)]);

    let alt1 = n.view().expect("view").sections[0].proposals[0].id;
    n.adopt(1, &alt1, &by("HLCP", 2)).expect("§1 adopted");
    assert_eq!(provisional(&n), [(1, true, false), (2, true, false), (3, true, false)], "all adopted: agreed");

    n.reopen(3, "The budget line is missing.", &by("ITU", 3)).expect("reopened");
    assert_eq!(provisional(&n), [(1, false, false), (2, false, false), (3, false, false)], "the package reopens");
    let view = n.view().expect("view");
    let reason = &view.sections[0].reopenings.last().expect("§1's reopening").reason;
    assert_eq!(reason, "reopened with section 3, as part of a package: The budget line is missing.");
    assert_eq!(view.sections[2].reopenings.last().expect("§3's").reason, "The budget line is missing.");
    let history = n.history(Some(3)).expect("history");
    assert!(history.iter().any(|e| e.what.starts_with("reopened section 3")), "the reopening is in history");
    let with = n.history(Some(1)).expect("history");
    assert!(
        with.iter().any(|e| e.what.starts_with("reopened section 1")),
        "and in the history of each section it reopened"
    );
}

#[test]
fn a_package_needs_two_sections_none_in_another_package_and_a_chair() {
    let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
    let before = n.view().expect("view");
    assert!(matches!(n.package(&[4, 4], &by("HLCP", 1)), Err(Error::PackageTooSmall)));
    assert!(matches!(n.package(&[4, 9], &by("HLCP", 1)), Err(Error::UnknownSection(9))));
    assert!(matches!(n.package(&[1, 4], &by("DESA", 1)), Err(Error::NotChair { .. })));
    assert_eq!(n.view().expect("view"), before, "refusals change nothing");
    n.package(&[1, 4], &by("UNESCO", 2)).expect("a convenor packages");
    let refused = n.package(&[4, 5], &by("HLCP", 3)).expect_err("§4 is in a package");
    assert_eq!(
        refused.to_string(),
        "section 4 is already in a package with §1, 4: a section is in one package at most"
    );
}
