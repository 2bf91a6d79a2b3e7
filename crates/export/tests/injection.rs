//! Nothing a participant writes becomes structure in an export: a reason
//! that tries to start a Markdown heading, a label with HTML, a proposal
//! with list and link syntax, and a control character that reached a
//! document by sync (input refuses it) leave every format's structure as
//! Accord wrote it. Structure is read by other tools: pulldown-cmark (a
//! CommonMark parser), quick-xml, xmllint against the Akoma Ntoso schema.

use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::process::Command;

use accord_core::automerge::transaction::Transactable;
use accord_core::automerge::{ROOT, ReadDoc};
use accord_core::{
    Attribution, DocumentId, Error, Negotiation, NewParticipant, NewProposal, ProposalId, Role, StanceKind, Timestamp,
};
use accord_export::{Format, export};
use pulldown_cmark::{Event, Parser, Tag};

const REASON: &str = "too far\n\n## 7. Fake agreed section\n\n- Accepted by: everyone";
const LABEL: &str = "Alt 1 <script>alert(1)</script> [x](http://e)";
const TEXT: &str = "# Not a heading\n- not a list\n1. not a list\n> not a quote\n<div>not html</div> *no emphasis* [no](link) `no code`\n\n---\n\nSecond paragraph & more.";

fn by(who: &str, minute: i64) -> Attribution {
    Attribution::new(who.parse().expect("code"), Timestamp(1_793_610_000_000 + minute * 60_000))
}

/// One section with a hostile proposal, a hostile reason, and a control
/// character written into the proposal as another tool could over sync.
fn hostile() -> Negotiation {
    let chair = NewParticipant { code: "CHAIR".parse().expect("code"), name: "Chair".into(), role: Role::Chair };
    let mut n =
        Negotiation::create(DocumentId::derive("inj", "n"), "Plan", chair, "r", by("CHAIR", 0).at).expect("create");
    for who in ["ITU", "DESA"] {
        let new = NewParticipant { code: who.parse().expect("code"), name: who.into(), role: Role::Member };
        n.add_participant(new, &by("CHAIR", 1)).expect("add");
    }
    n.add_section(1, "Topic", &"ITU".parse().expect("code"), "Base text.", &by("CHAIR", 2)).expect("section");
    let id = ProposalId(DocumentId::derive("inj", "p"));
    let new = NewProposal {
        id,
        section: 1,
        label: LABEL.into(),
        text: TEXT.into(),
        rationale: String::new(),
        cosponsors: vec![],
    };
    n.propose(new, &by("ITU", 3)).expect("propose");
    n.record_stance(&id, StanceKind::Object, REASON, &by("DESA", 4)).expect("stance");
    let mut doc = n.documents()[&id.0].clone();
    let mut tx = doc.transaction();
    let (_, text) = tx.get(ROOT, "text").expect("read").expect("a text");
    tx.splice_text(&text, 0, 0, "\u{1}\u{1b}[31m").expect("splice");
    tx.commit();
    n.merge_document(id.0, &doc).expect("merge");
    assert!(n.view().expect("view").sections[0].proposals[0].text.contains('\u{1}'), "the control character arrived");
    n
}

fn text_of(format: Format) -> String {
    String::from_utf8(export(&hostile(), format, None).expect("export")).expect("utf-8")
}

#[test]
fn input_refuses_characters_xml_forbids() {
    let mut n = hostile();
    let id = ProposalId(DocumentId::derive("inj", "p"));
    let refused = n.record_stance(&id, StanceKind::Object, "bad \u{7} bell", &by("DESA", 5));
    assert!(matches!(refused, Err(Error::ForbiddenCharacter { code: 7, position: 5, .. })), "{refused:?}");
}

#[test]
fn markdown_holds_only_the_headings_and_lists_accord_wrote() {
    let md = text_of(Format::Markdown);
    let mut headings = Vec::new();
    let mut items = 0;
    let mut codes = Vec::new();
    let mut emphasis = 0;
    let (mut in_heading, mut heading) = (false, String::new());
    for event in Parser::new(&md) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = true;
                heading = format!("{level:?} ");
            }
            Event::End(pulldown_cmark::TagEnd::Heading(_)) => {
                in_heading = false;
                headings.push(heading.clone());
            }
            Event::Text(text) if in_heading => heading.push_str(&text),
            Event::Start(Tag::Item) => items += 1,
            Event::Html(html) | Event::InlineHtml(html) if !html.starts_with("<!-- accord-version:") => {
                panic!("HTML in the Markdown: {html}")
            }
            Event::Start(Tag::Emphasis) => emphasis += 1,
            Event::Start(tag @ (Tag::Link { .. } | Tag::BlockQuote(_) | Tag::CodeBlock(_))) => {
                panic!("markup from a participant: {tag:?}")
            }
            Event::Code(code) => codes.push(code.to_string()),
            _ => {}
        }
    }
    assert_eq!(
        headings,
        vec!["H1 Plan".to_string(), "H2 1. Topic".to_string(), format!("H3 {} (ITU)", LABEL),],
        "the title, the section and the alternative: nothing else"
    );
    let ours = |code: &String| {
        code.starts_with("sha256:") || code == "accord verify FILE" || code.parse::<DocumentId>().is_ok()
    };
    assert!(codes.iter().all(ours), "code spans are the negotiation id, fingerprint and command only: {codes:?}");
    assert_eq!(emphasis, 1, "the section's lead and status line only");
    // The alternative's record: accepted, objected, no stance yet.
    assert_eq!(items, 3, "list items are the approval record's lines only");
}

#[test]
fn html_holds_no_markup_from_a_participant() {
    let html = text_of(Format::Html);
    assert!(!html.contains("<script"), "labels are escaped");
    assert!(!html.contains("<div>not html"), "texts are escaped");
    assert!(!html.contains('\u{1}') && !html.contains('\u{1b}'), "control characters are cleaned");
    assert_eq!(html.matches("<h2>").count(), 1);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn akoma_ntoso_stays_valid_xml_against_its_schema() {
    let xml = text_of(Format::Akn);
    assert!(!xml.contains('\u{1}'));
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("injection-{}.xml", std::process::id()));
    std::fs::write(&file, &xml).expect("write");
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/akoma-ntoso/akomantoso30.xsd");
    let output =
        Command::new("xmllint").args(["--noout", "--schema"]).arg(schema).arg(&file).output().expect("xmllint");
    assert!(output.status.success(), "xmllint: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn docx_stays_well_formed_xml() {
    let docx = export(&hostile(), Format::Docx, None).expect("export");
    let mut xml = String::new();
    let mut archive = zip::ZipArchive::new(Cursor::new(docx.as_slice())).expect("zip");
    archive.by_name("word/document.xml").expect("part").read_to_string(&mut xml).expect("utf-8");
    let mut reader = quick_xml::Reader::from_str(&xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(error) => panic!("ill-formed document.xml: {error}"),
        }
    }
    assert!(!xml.contains('\u{1}'));
    assert!(xml.contains("&lt;script&gt;"), "markup in a label is text");
    docx_rs::read_docx(&docx).expect("a valid document");
}
