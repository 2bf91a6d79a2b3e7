//! Golden files: the HLCP fixture (deterministic, so its version and
//! fingerprint are fixed) exported in each format, compared with the files
//! in tests/golden. After an intended change of an export, regenerate them
//! with `UPDATE_GOLDEN=1 cargo test -p accord-export --test golden` and
//! review the diff like code. Only `1` regenerates (so a stray variable
//! cannot make a golden file pass against itself), and CI fails when a test
//! run leaves the repository changed.

use std::path::PathBuf;

use accord_core::fixture;
use accord_export::{Format, export, exported_version};

fn check(format: Format, file: &str) {
    let negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    let bytes = export(&negotiation, format, None).expect("export");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(
        exported_version(&text),
        Some(negotiation.version().to_string().as_str()),
        "the export names its version"
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(file);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, &text).expect("write golden file");
    }
    let golden = std::fs::read_to_string(&path).expect("golden file (run with UPDATE_GOLDEN=1 to create it)");
    assert!(text == golden, "{file} differs from the export; diff them, and if the change is intended, regenerate");
}

#[test]
fn markdown_export_of_the_fixture_matches_its_golden_file() {
    check(Format::Markdown, "hlcp-cybersecurity.md");
}

#[test]
fn html_export_of_the_fixture_matches_its_golden_file() {
    check(Format::Html, "hlcp-cybersecurity.html");
}

#[test]
fn akoma_ntoso_export_of_the_fixture_matches_its_golden_file() {
    check(Format::Akn, "hlcp-cybersecurity.akn.xml");
}
