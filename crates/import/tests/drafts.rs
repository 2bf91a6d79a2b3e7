//! Drafts as secretariats write them: the DOCX in fixtures/drafts was written
//! by LibreOffice, and what Accord reads of it is compared with LibreOffice's
//! own text rendering of the same file (`.ci/run` installs LibreOffice); the
//! Markdown draft against texts written by hand.

use std::path::PathBuf;
use std::process::Command;

use accord_core::{Attribution, DocumentId, NewParticipant, Role, Timestamp};
use accord_import::{Draft, ImportError, open_negotiation, read_draft};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/drafts").join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

const TITLES: [&str; 3] = [
    "Topic 1 – Security of UN system ICT operations",
    "Topic 2 – Mainstreaming cybersecurity into programme planning",
    "Topic 3 – Support to Member States, upon request",
];

/// The lines LibreOffice shows of a document, as its plain-text export writes them
/// (trimmed, blank ones left out).
fn libreoffice_lines(docx: &[u8]) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("import-lo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("draft.docx"), docx).expect("write");
    let output = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}/profile", dir.display()))
        .args(["--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir"])
        .arg(&dir)
        .arg(dir.join("draft.docx"))
        .output()
        .expect("soffice runs (.ci/run installs libreoffice-writer-nogui)");
    assert!(output.status.success(), "soffice failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(dir.join("draft.txt")).expect("LibreOffice wrote the text");
    let _ = std::fs::remove_dir_all(&dir);
    text.trim_start_matches('\u{feff}').lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// What a draft reads as, line by line: each title, then its text's lines.
fn lines(draft: &Draft) -> Vec<String> {
    let mut lines = Vec::new();
    for section in &draft.sections {
        lines.push(section.title.clone());
        lines.extend(section.text.split('\n').map(String::from));
    }
    lines
}

#[test]
fn a_libreoffice_docx_reads_as_libreoffice_shows_it_numbers_and_bullets_included() {
    let docx = fixture("hlcp-draft.docx");
    let draft = read_draft("hlcp-draft.docx", &docx).expect("a draft");
    let titles: Vec<&str> = draft.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, TITLES);
    assert_eq!(draft.before_first_heading, 2, "the title block is not a section");
    let shown = libreoffice_lines(&docx);
    assert!(shown.iter().any(|line| line.starts_with("b. at each review")), "LibreOffice numbers the sub-list");
    assert_eq!(lines(&draft), shown[2..], "each topic's lines as LibreOffice shows them");
}

#[test]
fn a_markdown_draft_gives_a_section_per_top_heading() {
    let draft = read_draft("hlcp-draft.md", &fixture("hlcp-draft.md")).expect("a draft");
    let titles: Vec<&str> = draft.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, TITLES);
    assert_eq!(draft.before_first_heading, 2);
    assert_eq!(
        draft.sections[0].text,
        "Organizations of the UN system will strengthen the security of their own information and communications \
         technology environments.\nEach organization will designate a senior official responsible for cybersecurity."
    );
    assert_eq!(
        draft.sections[1].text,
        "Organizations will:\n1. identify programmes that rely on digital technologies;\n\
         2. assess their cybersecurity and cybercrime risks:\n1. at the design stage; and\n2. at each review;\n\
         3. report on the measures taken."
    );
    assert_eq!(
        draft.sections[2].text,
        "Support will be provided within existing resources:\n• capacity building;\n• technical assistance.\n\
         Organizations will coordinate through the HLCP “Digital Cooperation” focal points — not duplicate."
    );
}

#[test]
fn what_is_not_a_draft_is_refused_with_what_to_do() {
    let message = |name: &str, bytes: &[u8]| read_draft(name, bytes).expect_err(name).to_string();
    assert!(message("plan.pdf", b"%PDF-1.7").contains("give a Word document (.docx) or Markdown (.md)"));
    let broken = message("plan.docx", b"PK\x03\x04 not really a zip");
    assert!(broken.contains("not a readable Word document") && broken.contains("save it again"), "{broken}");
    assert!(message("plan.md", b"Just a paragraph.\n\n## A lower heading\n").contains("no top-level heading"));
    assert!(matches!(read_draft("plan.md", b"\xff\xfe"), Err(ImportError::NotUtf8(_))));
    let empty = message("plan.md", b"# Topic 1\n\n# Topic 2\n\nText.\n");
    assert!(empty.contains("\"Topic 1\" has no text under its heading"), "{empty}");
}

#[test]
fn a_word_document_that_unpacks_to_more_than_the_limit_is_refused_before_it_is_read() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).expect("entry");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..(accord_import::MAX_UNPACKED_BYTES >> 20) + 1 {
        zip.write_all(&zeros).expect("write");
    }
    let bomb = zip.finish().expect("zip").into_inner();
    assert!(bomb.len() < accord_import::MAX_DRAFT_BYTES, "small on disk: {} bytes", bomb.len());
    let error = read_draft("plan.docx", &bomb).expect_err("refused").to_string();
    assert!(error.contains("too large to be a draft") && error.contains("unpacked"), "{error}");
    let huge = vec![b'#'; accord_import::MAX_DRAFT_BYTES + 1];
    assert!(read_draft("plan.md", &huge).expect_err("refused").to_string().contains("too large"));
}

#[test]
fn the_negotiation_opened_from_a_draft_has_its_sections_led_by_the_chair() {
    let draft = read_draft("hlcp-draft.docx", &fixture("hlcp-draft.docx")).expect("a draft");
    let chair = NewParticipant { code: "HLCP".parse().expect("code"), name: "HLCP Chair".into(), role: Role::Chair };
    let by = Attribution::new(chair.code.clone(), Timestamp(1_900_000_000_000));
    let id = DocumentId::derive("import-test", "plan");
    let negotiation = open_negotiation(id, "Coordination plan", chair, &draft, "test", &by).expect("opened");
    let view = negotiation.view().expect("view");
    assert_eq!(view.title, "Coordination plan");
    let sections: Vec<(u32, &str, &str)> =
        view.sections.iter().map(|s| (s.number, s.title.as_str(), s.lead.as_str())).collect();
    assert_eq!(sections, [(1, TITLES[0], "HLCP"), (2, TITLES[1], "HLCP"), (3, TITLES[2], "HLCP")]);
    assert!(view.sections[2].base_text.starts_with("Support will be provided within existing resources:\n• capacity"));
}

/// A zip whose `word/document.xml` holds `size` zeros, its declared sizes rewritten to 1 KB.
fn lying_zip(size: usize) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).expect("entry");
    zip.write_all(&vec![0u8; size]).expect("write");
    let mut bytes = zip.finish().expect("zip").into_inner();
    let declared = 1024u32.to_le_bytes();
    // The local header's uncompressed size (offset 22) and the central directory's (offset 24).
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    bytes[22..26].copy_from_slice(&declared);
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").expect("central directory");
    bytes[central + 24..central + 28].copy_from_slice(&declared);
    bytes
}

#[test]
fn a_word_document_lying_about_its_sizes_is_refused_without_being_unpacked_whole() {
    let bomb = lying_zip(accord_import::MAX_UNPACKED_BYTES + (1 << 20));
    assert!(bomb.len() < 1 << 20, "a small file: {} bytes", bomb.len());
    let error = read_draft("plan.docx", &bomb).expect_err("refused, not unpacked into memory");
    let said = error.to_string();
    // Counted while unpacking: the declared 1 KB would have let it through to the reader.
    assert!(said.contains("too large to be a draft") && said.contains("or more, unpacked"), "{said}");
}
