//! The Akoma Ntoso export is valid against the official OASIS schema
//! (fixtures/akoma-ntoso), checked with `xmllint --schema` (Debian's
//! libxml2-utils, installed by .ci/run), and says what the other formats say.

use std::path::PathBuf;
use std::process::Command;

use accord_core::fixture;
use accord_export::{Format, export};

fn schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/akoma-ntoso/akomantoso30.xsd")
}

fn fixture_akn() -> String {
    let negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    String::from_utf8(export(&negotiation, Format::Akn, None).expect("export")).expect("utf-8")
}

/// `xmllint --schema` on `xml`: whether it is valid, and what xmllint said.
fn validate(xml: &str, name: &str) -> (bool, String) {
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}.xml", std::process::id()));
    std::fs::write(&file, xml).expect("write export");
    let output = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema())
        .arg(&file)
        .output()
        .expect("xmllint runs (apt-get install libxml2-utils; .ci/run does)");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_fixture_exports_to_valid_akoma_ntoso() {
    let (valid, said) = validate(&fixture_akn(), "fixture");
    assert!(valid, "xmllint: {said}");
}

#[test]
fn the_schema_check_fails_on_an_invalid_document() {
    let broken = fixture_akn().replacen("<mainBody>", "<mainBody><notAnAknElement/>", 1);
    let (valid, said) = validate(&broken, "broken");
    assert!(!valid, "the validator must refuse an element the schema does not know: {said}");
}

#[test]
fn sections_alternatives_and_records_are_marked_as_akoma_ntoso_says() {
    let xml = fixture_akn();
    for number in 1..=5 {
        assert!(xml.contains(&format!("<section eId=\"sec_{number}\">")), "section {number} has its eId");
    }
    assert!(
        xml.contains(r#"eId="sec_4__hcontainer_alt_1" alternativeTo="sec_4__hcontainer_text""#),
        "topic 4's alternatives point at its bracketed draft"
    );
    assert!(xml.contains("<heading>Alt 2 (DESA, UNCTAD)</heading>"), "alternatives name their sponsors");
    assert!(xml.contains(r#"<hcontainer name="approvalRecord""#), "approval records are there");
    assert!(xml.contains("<FRBRWork>") && xml.contains("<FRBRExpression>") && xml.contains("<FRBRManifestation>"));
}
