//! The DOCX export as LibreOffice reads it (`tests/lo/docx_review.py`,
//! through UNO; `.ci/run` installs libreoffice-writer-nogui and
//! python3-uno): accepting every tracked change gives each agreed text and
//! each alternative, rejecting every change gives the base texts, and the
//! changes carry who made them and when, as LibreOffice's reviewing pane
//! shows them.

use std::path::{Path, PathBuf};
use std::process::Command;

use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ProposalId, Role, Timestamp, fixture,
};
use accord_export::{Format, export};
use serde_json::Value;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/lo/docx_review.py")
}

/// Runs the LibreOffice checker on `docx` for each mode; the results in order.
fn review(docx: &[u8], name: &str, modes: &[&str]) -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lo-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(format!("{name}.docx"));
    std::fs::write(&file, docx).expect("write");
    let mut command = Command::new("/usr/bin/python3");
    command.arg(script());
    for mode in modes {
        command.arg(mode).arg(&file);
    }
    let output = command.output().expect("python3 runs (.ci/run installs libreoffice-writer-nogui python3-uno)");
    assert!(output.status.success(), "the LibreOffice checker failed: {}", String::from_utf8_lossy(&output.stderr));
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    match (modes.len(), value) {
        (1, value) => vec![value],
        (_, Value::Array(jobs)) => jobs.into_iter().map(|job| job["result"].clone()).collect(),
        (_, other) => panic!("unexpected output {other}"),
    }
}

fn paragraphs(value: &Value) -> Vec<String> {
    value.as_array().expect("a list").iter().map(|p| p.as_str().expect("text").trim().to_string()).collect()
}

/// A text's paragraphs as Word shows them.
fn expected(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// The paragraphs after the first one starting with `title` (skipping
/// `skip` more), up to the approval record.
fn block_after(paragraphs: &[String], title: &str, skip: usize) -> Vec<String> {
    let start =
        paragraphs.iter().position(|p| p.starts_with(title)).unwrap_or_else(|| panic!("{title:?} in {paragraphs:?}"));
    paragraphs[start + 1 + skip..].iter().take_while(|p| !p.starts_with("Accepted by:")).cloned().collect()
}

fn check_accept_and_reject(negotiation: &Negotiation, name: &str) {
    let docx = export(negotiation, Format::Docx, None).expect("export");
    let results = review(&docx, name, &["accept", "reject"]);
    let (accepted, rejected) = (paragraphs(&results[0]), paragraphs(&results[1]));
    let view = negotiation.view().expect("view");
    let mut checked = 0;
    for section in &view.sections {
        let heading = format!("{}. {}", section.number, section.title);
        match &section.agreed_text {
            Some(agreed) => {
                assert_eq!(
                    block_after(&accepted, &heading, 1),
                    expected(agreed),
                    "accepted: agreed text of §{}",
                    section.number
                );
                assert_eq!(
                    block_after(&rejected, &heading, 1),
                    expected(&section.base_text),
                    "rejected: base of §{}",
                    section.number
                );
                checked += 1;
            }
            None => {
                for proposal in section.live_proposals() {
                    let sponsors: Vec<&str> = proposal.sponsors.iter().map(|s| s.as_str()).collect();
                    let title = format!("{} ({}), as changes to the base text", proposal.label, sponsors.join(", "));
                    let after = |paragraphs: &[String]| {
                        let from = paragraphs.iter().position(|p| *p == heading).expect("the section's heading");
                        block_after(&paragraphs[from..], &title, 0)
                    };
                    assert_eq!(
                        after(&accepted),
                        expected(&proposal.text),
                        "accepted: {} of §{}",
                        proposal.label,
                        section.number
                    );
                    assert_eq!(
                        after(&rejected),
                        expected(&section.base_text),
                        "rejected: {} of §{}",
                        proposal.label,
                        section.number
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 2, "wordings checked: {checked}");
}

#[test]
fn accepting_all_changes_gives_every_wording_and_rejecting_them_the_base_texts() {
    check_accept_and_reject(&fixture::load("hlcp-cybersecurity").expect("fixture"), "fixture");
}

/// 2026-11-02T09:00:00Z plus `minute` minutes.
fn at(minute: i64) -> Timestamp {
    Timestamp(1_793_610_000_000 + minute * 60_000)
}

fn by(who: &str, minute: i64) -> Attribution {
    Attribution::new(who.parse().expect("code"), at(minute))
}

/// Paragraphs merged, split, added and dropped: the paragraph marks are tracked too.
fn reshaped() -> Negotiation {
    let chair = NewParticipant { code: "CHAIR".parse().expect("code"), name: "Chair".into(), role: Role::Chair };
    let mut n = Negotiation::create(DocumentId::derive("lo", "n"), "Plan", chair, "r", at(0)).expect("create");
    for who in ["ITU", "DESA"] {
        let new = NewParticipant { code: who.parse().expect("code"), name: who.into(), role: Role::Member };
        n.add_participant(new, &by("CHAIR", 1)).expect("add");
    }
    let base = "First paragraph.\n\nSecond paragraph, kept.\n\nThird one.\nWith a line break.";
    n.add_section(1, "Shape", &"ITU".parse().expect("code"), base, &by("CHAIR", 2)).expect("section");
    let alternatives = [
        ("ITU", "First paragraph. Second paragraph, kept.\n\nThird one.\nWith a line break."),
        ("DESA", "First paragraph.\n\nA new paragraph.\n\nSecond paragraph,\n\nkept. Third one. With no break."),
    ];
    for (n_alt, (who, text)) in alternatives.iter().enumerate() {
        let new = NewProposal {
            id: ProposalId(DocumentId::derive("lo", who)),
            section: 1,
            label: format!("Alt {}", n_alt + 1),
            text: text.to_string(),
            rationale: String::new(),
            cosponsors: vec![],
        };
        n.propose(new, &by(who, 3 + n_alt as i64)).expect("propose");
    }
    n
}

#[test]
fn paragraph_breaks_added_and_removed_are_tracked_changes() {
    check_accept_and_reject(&reshaped(), "reshaped");
}

#[test]
fn libreoffice_shows_each_change_under_its_author_and_time() {
    let mut negotiation = reshaped();
    let circulated = negotiation.version();
    let alt1 = ProposalId(DocumentId::derive("lo", "ITU"));
    let edited = "First paragraph. Second paragraph, kept and extended.\n\nThird one.\nWith a line break.";
    negotiation.edit_proposal(&alt1, edited, &by("ITU", 42)).expect("edit");
    let docx = export(&negotiation, Format::Docx, Some(&circulated)).expect("export");
    let changes = review(&docx, "since", &["changes"]).remove(0);
    let changes: Vec<(String, String, String, String)> = changes
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            let field = |name: &str| c[name].as_str().expect("a string").to_string();
            (field("type"), field("author"), field("date"), field("text"))
        })
        .collect();
    // Written by hand: the one edit since the circulated version, as LibreOffice reads it back
    // (dates without a time zone, to the second).
    assert_eq!(
        changes,
        vec![("insert".to_string(), "ITU".to_string(), "2026-11-02T09:42:00".to_string(), " and extended".to_string())]
    );
}

#[test]
fn the_checker_refuses_a_file_that_is_not_a_docx() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("not-a-docx-{}.docx", std::process::id()));
    std::fs::write(&file, b"plain text, not a zip").expect("write");
    let output =
        Command::new("/usr/bin/python3").arg(script()).arg("accept").arg(Path::new(&file)).output().expect("runs");
    assert!(!output.status.success(), "a checker that accepts anything proves nothing");
}
