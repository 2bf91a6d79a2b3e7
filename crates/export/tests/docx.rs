//! The DOCX export's tracked changes, checked against expectations written
//! by hand: every `w:ins` and `w:del` in document order, with its author,
//! date and text, for a small negotiation whose history is known (two
//! sponsors editing one proposal, a proposal by another agency, an adopted
//! section, and changes since an earlier version). Also: the file reads
//! back with docx-rs, is reproducible, and a changed copy is caught.

use std::io::{Cursor, Read};

use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ProposalId, Role, StanceKind, Timestamp, fixture,
};
use accord_export::{Format, Verdict, compare, export, file_version};
use quick_xml::Reader;
use quick_xml::events::Event;

/// 2026-11-02T09:00:00Z: minute `m` of the test is 09:mm that day.
fn at(minute: i64) -> Timestamp {
    Timestamp(1_793_610_000_000 + minute * 60_000)
}

fn by(who: &str, minute: i64) -> Attribution {
    Attribution::new(who.parse().expect("code"), at(minute))
}

fn propose(
    n: &mut Negotiation,
    key: &str,
    section: u32,
    who: &str,
    minute: i64,
    text: &str,
    with: &[&str],
) -> ProposalId {
    let new = NewProposal {
        id: ProposalId(DocumentId::derive("docx-test", key)),
        section,
        label: format!("Alt {key}"),
        text: text.into(),
        rationale: String::new(),
        cosponsors: with.iter().map(|c| c.parse().expect("code")).collect(),
    };
    n.propose(new, &by(who, minute)).expect("propose")
}

/// Section 1 unresolved: Alt 1 by DESA with UNODC (UNODC edits it), Alt 2
/// by UNSEC. Section 2 agreed: Alt 3 by UNSEC, adopted by the chair.
fn negotiation() -> (Negotiation, ProposalId) {
    let chair = NewParticipant { code: "CHAIR".parse().expect("code"), name: "Chair".into(), role: Role::Chair };
    let mut n = Negotiation::create(DocumentId::derive("docx-test", "n"), "Plan", chair, "r", at(0)).expect("create");
    for who in ["DESA", "UNODC", "UNSEC"] {
        let new = NewParticipant { code: who.parse().expect("code"), name: who.into(), role: Role::Member };
        n.add_participant(new, &by("CHAIR", 1)).expect("add");
    }
    let lead = "DESA".parse().expect("code");
    let base = "The agencies will support member states.\n\nThey will report yearly.";
    n.add_section(1, "Support", &lead, base, &by("CHAIR", 2)).expect("section 1");
    n.add_section(2, "Coordination", &lead, "Organizations coordinate.", &by("CHAIR", 2)).expect("section 2");
    let alt1 = propose(
        &mut n,
        "1",
        1,
        "DESA",
        3,
        "The agencies will support all member states.\n\nThey will report yearly.",
        &["UNODC"],
    );
    n.cosponsor(&alt1, &by("UNODC", 4)).expect("join");
    let alt2 = propose(
        &mut n,
        "2",
        1,
        "UNSEC",
        5,
        "The agencies will support member states.\n\nThey will report twice a year.",
        &[],
    );
    n.edit_proposal(
        &alt1,
        "The agencies shall support all member states.\n\nThey will report yearly.",
        &by("UNODC", 10),
    )
    .expect("edit");
    let alt3 = propose(&mut n, "3", 2, "UNSEC", 6, "Organizations coordinate closely.", &[]);
    for who in ["CHAIR", "DESA", "UNODC"] {
        n.record_stance(&alt3, StanceKind::Support, "", &by(who, 15)).expect("stance");
    }
    n.adopt(2, &alt3, &by("CHAIR", 20)).expect("adopt");
    (n, alt2)
}

/// Every tracked change in document order: (`ins`/`del`, author, date, text).
fn tracked_changes(docx: &[u8]) -> Vec<(String, String, String, String)> {
    let mut xml = String::new();
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip");
    archive.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).expect("utf-8");
    let mut reader = Reader::from_str(&xml);
    let mut changes = Vec::new();
    let mut open = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(element) if matches!(element.name().as_ref(), b"w:ins" | b"w:del") => {
                let attribute = |name: &str| {
                    let value = element.try_get_attribute(name).expect("attribute").expect("present");
                    value.unescape_value().expect("text").into_owned()
                };
                let kind = String::from_utf8_lossy(&element.name().as_ref()[2..]).into_owned();
                changes.push((kind, attribute("w:author"), attribute("w:date"), String::new()));
                open = true;
            }
            Event::End(element) if matches!(element.name().as_ref(), b"w:ins" | b"w:del") => open = false,
            Event::Text(text) if open => {
                changes.last_mut().expect("open change").3.push_str(&text.xml_content().expect("text"));
            }
            Event::Eof => return changes,
            _ => {}
        }
    }
}

fn change(kind: &str, author: &str, minute: i64, text: &str) -> (String, String, String, String) {
    let date = format!("2026-11-02T09:{minute:02}:00Z");
    (kind.to_string(), author.to_string(), date, text.to_string())
}

#[test]
fn each_change_is_tracked_in_order_under_the_name_and_time_of_who_made_it() {
    let (n, _) = negotiation();
    let docx = export(&n, Format::Docx, None).expect("export");
    assert_eq!(
        tracked_changes(&docx),
        vec![
            // Section 1, Alt 1: UNODC's edit, then DESA's word from the proposal.
            change("del", "UNODC", 10, "will support "),
            change("ins", "UNODC", 10, "shall support "),
            change("ins", "DESA", 3, "all "),
            // Section 1, Alt 2.
            change("del", "UNSEC", 5, "yearly"),
            change("ins", "UNSEC", 5, "twice a year"),
            // Section 2, agreed: the adopted wording, by its proposer when proposed.
            change("ins", "UNSEC", 6, " closely"),
        ]
    );
}

#[test]
fn changes_since_an_earlier_version_carry_the_editor_s_name_and_time() {
    let (mut n, alt2) = negotiation();
    let circulated = n.version();
    n.edit_proposal(
        &alt2,
        "The agencies will support member states.\n\nThey will report twice a year, in writing.",
        &by("UNSEC", 30),
    )
    .expect("edit");
    propose(&mut n, "4", 1, "UNODC", 40, "The agencies will support states.", &[]);
    let docx = export(&n, Format::Docx, Some(&circulated)).expect("export");
    assert_eq!(
        tracked_changes(&docx),
        vec![
            change("ins", "UNSEC", 30, ", in writing"),
            change("ins", "UNODC", 40, "The agencies will support states."),
        ],
        "Alt 1 and the agreed section did not change; Alt 2 was edited; Alt 4 is new"
    );
    let named = file_version(&docx).expect("a version");
    assert_eq!(named.against, Some(circulated.to_string()), "the file names the version it is against");
}

#[test]
fn the_file_reads_back_is_reproducible_and_a_changed_copy_is_caught() {
    let negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    let first = export(&negotiation, Format::Docx, None).expect("export");
    let second = export(&negotiation, Format::Docx, None).expect("export");
    assert_eq!(first, second, "two builds in one process are byte for byte the same (docx-rs's counter aside)");
    let read = docx_rs::read_docx(&first).expect("docx-rs reads its own file back");
    let json = read.json();
    for section in &negotiation.view().expect("view").sections {
        assert!(json.contains(&section.title), "{} is in the document read back", section.title);
    }
    let sections: Vec<(u32, String)> =
        negotiation.view().expect("view").sections.iter().map(|s| (s.number, s.title.clone())).collect();
    let sections: Vec<(u32, &str)> = sections.iter().map(|(n, t)| (*n, t.as_str())).collect();
    // The same parts zipped again with compression: other bytes, same document.
    let rezipped = repacked(&first, zip::CompressionMethod::Deflated, |xml| xml.to_string());
    assert_ne!(rezipped, first);
    assert_eq!(compare(&rezipped, &first, Format::Docx, &sections), Verdict::Resaved);
    // One author changed, as an editor would save it: the text says something else.
    let tampered = repacked(&first, zip::CompressionMethod::Stored, |xml| {
        xml.replacen("w:author=\"DESA\"", "w:author=\"WBG\"", 1)
    });
    docx_rs::read_docx(&tampered).expect("the copy is a valid document");
    let Verdict::Changed(differences) = compare(&tampered, &first, Format::Docx, &sections) else {
        panic!("a changed author is caught")
    };
    assert!(differences.iter().all(|d| d.section == Some(4)), "{differences:?}");
    assert!(differences[0].redline.contains("WBG"), "{differences:?}");
}

/// The package with `word/document.xml` rewritten by `change`, zipped again (valid checksums).
fn repacked(docx: &[u8], method: zip::CompressionMethod, change: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::Write;
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
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
