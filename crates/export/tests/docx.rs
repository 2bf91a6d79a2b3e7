//! The DOCX export: its `word/document.xml` is unzipped and parsed here, and
//! the tracked changes must be the redlines of the fixture's wordings
//! against their base texts, attributed to their sponsors; the file must
//! read back with docx-rs; with LibreOffice installed it must convert to
//! ODT with tracked changes (skipped, saying so, without it).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::process::Command;

use accord_core::redline::{SegmentKind, redline};
use accord_core::{Negotiation, NegotiationView, ParticipantCode, fixture};
use accord_export::{Format, export, export_since, file_version, same_export};
use quick_xml::Reader;
use quick_xml::events::Event;

fn fixture_docx() -> (Negotiation, Vec<u8>) {
    let negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    let bytes = export(&negotiation.view().expect("view"), &negotiation.version(), Format::Docx);
    (negotiation, bytes)
}

fn document_xml(docx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip");
    let mut xml = String::new();
    archive.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).expect("utf-8");
    xml
}

/// The text of every tracked change, by kind (`ins`, `del`) and author, in order.
fn tracked_changes(xml: &str) -> BTreeMap<(String, String), Vec<String>> {
    let mut reader = Reader::from_str(xml);
    let mut changes: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut open: Option<(String, String)> = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(element) if matches!(element.name().as_ref(), b"w:ins" | b"w:del") => {
                let kind = String::from_utf8_lossy(&element.name().as_ref()[2..]).into_owned();
                let author = element
                    .try_get_attribute("w:author")
                    .expect("attribute")
                    .map(|a| a.unescape_value().expect("text").into_owned())
                    .unwrap_or_default();
                changes.entry((kind.clone(), author.clone())).or_default().push(String::new());
                open = Some((kind, author));
            }
            Event::End(element) if matches!(element.name().as_ref(), b"w:ins" | b"w:del") => open = None,
            Event::Text(text) => {
                if let Some(key) = &open {
                    let text = text.xml_content().expect("text").into_owned();
                    changes.get_mut(key).and_then(|list| list.last_mut()).expect("open change").push_str(&text);
                }
            }
            Event::Eof => return changes,
            _ => {}
        }
    }
}

fn authors(sponsors: &[ParticipantCode]) -> String {
    sponsors.iter().map(ParticipantCode::as_str).collect::<Vec<_>>().join(", ")
}

/// The words a redline inserts and deletes, without the spaces and breaks at their edges.
fn expected_runs(old: &str, new: &str, kind: SegmentKind) -> Vec<String> {
    redline(old.trim(), new.trim())
        .segments
        .into_iter()
        .filter(|s| s.kind == kind)
        .flat_map(|s| s.text.split("\n\n").map(|p| p.replace('\n', " ").trim().to_string()).collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .collect()
}

fn assert_tracked(changes: &BTreeMap<(String, String), Vec<String>>, author: &str, old: &str, new: &str) {
    for (kind, segment) in [("ins", SegmentKind::Insert), ("del", SegmentKind::Delete)] {
        let found: Vec<String> = changes
            .get(&(kind.to_string(), author.to_string()))
            .map(|list| list.iter().map(|t| t.trim().to_string()).collect())
            .unwrap_or_default();
        for run in expected_runs(old, new, segment) {
            assert!(found.contains(&run), "a w:{kind} by {author} holding {run:?}; found {found:?}");
        }
    }
}

#[test]
fn agreed_sections_and_alternatives_are_tracked_changes_by_their_sponsors() {
    let (negotiation, docx) = fixture_docx();
    let view = negotiation.view().expect("view");
    let changes = tracked_changes(&document_xml(&docx));
    let mut checked = 0;
    for section in &view.sections {
        match (&section.agreed_text, &section.adoption) {
            (Some(agreed), Some(adoption)) => {
                let adopted = section.proposals.iter().find(|p| p.id == adoption.proposal).expect("adopted");
                assert_tracked(&changes, &authors(&adopted.sponsors), &section.base_text, agreed);
                checked += 1;
            }
            _ => {
                for proposal in section.live_proposals() {
                    assert_tracked(&changes, &authors(&proposal.sponsors), &section.base_text, &proposal.text);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 6, "the fixture's agreed sections and alternatives were all checked ({checked})");
    assert!(changes.keys().any(|(kind, _)| kind == "del"), "some text is deleted");
    assert!(changes.keys().all(|(_, author)| !author.is_empty()), "every change has an author");
}

#[test]
fn revisions_carry_dates_and_the_file_reads_back() {
    let (negotiation, docx) = fixture_docx();
    let xml = document_xml(&docx);
    assert!(xml.contains(r#"w:date="2026-11-"#), "revisions are dated in the negotiation's days");
    let read = docx_rs::read_docx(&docx).expect("docx-rs reads its own file back");
    let json = read.json();
    let view: NegotiationView = negotiation.view().expect("view");
    for section in &view.sections {
        assert!(json.contains(&section.title), "{} is in the document read back", section.title);
    }
    assert_eq!(
        file_version(&docx).expect("a version").version,
        negotiation.version().to_string(),
        "the file names its version"
    );
}

#[test]
fn two_builds_are_the_same_export_and_a_changed_file_is_not() {
    let (negotiation, first) = fixture_docx();
    let (_, second) = fixture_docx();
    assert_eq!(first, second, "two builds in one process are byte for byte the same (docx-rs's counter aside)");
    assert!(same_export(&first, &second));
    // A well-formed copy with one author changed, as an editor would save it.
    let tampered = repacked(&first, |xml| xml.replacen("w:author=\"DESA, UNCTAD\"", "w:author=\"DESA\"", 1));
    assert_ne!(document_xml(&tampered), document_xml(&first), "the copy differs");
    docx_rs::read_docx(&tampered).expect("the copy is a valid document");
    assert!(!same_export(&tampered, &first), "a changed author is caught");
    let view = negotiation.view().expect("view");
    let since = export_since(&view, &negotiation.version(), (&view, &negotiation.version()));
    let changes = tracked_changes(&document_xml(&since));
    assert!(changes.is_empty(), "nothing changed since the same version: {changes:?}");
}

/// The package with `word/document.xml` rewritten by `change`, zipped again (valid checksums).
fn repacked(docx: &[u8], change: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::Write;
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let name = entry.name().to_string();
        if entry.is_dir() {
            out.add_directory(name, options).expect("dir");
            continue;
        }
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).expect("read");
        if name == "word/document.xml" {
            contents = change(&String::from_utf8(contents).expect("utf-8")).into_bytes();
        }
        out.start_file(name, options).expect("start");
        out.write_all(&contents).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

#[test]
fn changes_since_an_earlier_version_are_tracked() {
    let negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    let view = negotiation.view().expect("view");
    let first_adoption = view.sections.iter().filter_map(|s| s.adoption.as_ref()).map(|a| a.at).min().expect("some");
    let before = negotiation.as_of(accord_core::Timestamp(first_adoption.millis() - 1)).expect("as of");
    let docx = export_since(&view, &negotiation.version(), (&before.view().expect("view"), &before.version()));
    let changes = tracked_changes(&document_xml(&docx));
    let adopted: Vec<&str> =
        view.sections.iter().filter_map(|s| s.adoption.as_ref()).map(|a| a.label.as_str()).collect();
    assert!(!adopted.is_empty());
    assert!(!changes.is_empty(), "adoptions since then show as tracked changes");
    assert_eq!(file_version(&docx).expect("version").against, Some(before.version().to_string()));
    let again = export_since(&view, &negotiation.version(), (&before.view().expect("view"), &before.version()));
    assert_eq!(docx, again, "reproducible byte for byte, so accord verify can check it");
}

#[test]
fn libreoffice_sees_tracked_changes_when_it_is_installed() {
    let Some(soffice) =
        ["soffice", "libreoffice"].into_iter().find(|p| Command::new(p).arg("--version").output().is_ok())
    else {
        eprintln!("SKIPPED: LibreOffice (soffice) is not installed, so the ODT conversion check did not run");
        return;
    };
    let (_, docx) = fixture_docx();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("draft.docx"), &docx).expect("write");
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    let status = Command::new(soffice)
        .args([profile.as_str(), "--headless", "--convert-to", "odt", "--outdir"])
        .arg(&dir)
        .arg(dir.join("draft.docx"))
        .status()
        .expect("soffice runs");
    assert!(status.success());
    let odt = std::fs::read(dir.join("draft.odt")).expect("converted");
    let mut content = String::new();
    zip::ZipArchive::new(Cursor::new(odt.as_slice()))
        .expect("zip")
        .by_name("content.xml")
        .expect("content.xml")
        .read_to_string(&mut content)
        .expect("utf-8");
    assert!(content.contains("text:changed-region"), "LibreOffice kept the tracked changes");
}
