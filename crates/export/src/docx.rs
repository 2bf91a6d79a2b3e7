//! The agreed draft as a Word document whose wordings are real tracked
//! changes (`w:ins`, `w:del`), each attributed to the participant whose
//! change made it and dated at that change, so the secretariat can review
//! them with Accept and Reject in Word or LibreOffice, and each sponsor of
//! a co-edited proposal shows under its own name in the reviewing pane.
//!
//! - An agreed section shows the adopted text as changes to its base text.
//! - An unresolved section shows its bracketed draft, then each live
//!   alternative as changes to the base text, with its approval record.
//! - With *since* (`accord export --against REV`), each wording shows
//!   instead what changed since that earlier version (a new one: all of it).
//!
//! Paragraph breaks are tracked too (an inserted or deleted paragraph mark),
//! so accepting every change gives each wording and rejecting every change
//! gives the base texts. The changes are [`accord_core::authorship`]'s
//! authored redlines, so they match what `accord redline` shows. The file is
//! reproducible (revisions are renumbered after docx-rs, whose counter is
//! process-wide), so `accord verify` compares it byte for byte.

use std::io::{Cursor, Read, Write};

use accord_core::authorship::{AuthoredSegment, TrackedChanges};
use accord_core::compromise::{Piece, PieceKind};
use accord_core::redline::{SegmentKind, redline};
use accord_core::{NegotiationView, ParticipantCode, ProposalView, Timestamp, Version};
use docx_rs::{
    AlignmentType, BreakType, Delete, Docx, Footer, Insert, PageNum, Paragraph, Run, RunFonts, Style, StyleType,
};

use crate::clean;
use crate::draft::{self, Body, SectionDraft};
use crate::record::{ApprovalRecord, format_time};

/// The custom document property naming the version exported, followed by
/// [`AGAINST`] and the version the changes are shown against, if any. One
/// property only: docx-rs keeps them in a hash map, so two would come out
/// in any order and the file would not be reproducible.
pub const VERSION_PROPERTY: &str = "accord-version";
/// What separates the two versions in [`VERSION_PROPERTY`] (versions hold no spaces).
pub const AGAINST: &str = " against ";

/// Who a tracked change is shown as when no note names its author.
const UNKNOWN_AUTHOR: &str = "another tool";

/// One run of tracked text, ready for Word.
struct Change {
    kind: SegmentKind,
    text: String,
    author: String,
    date: String,
}

/// The agreed draft of `view` (made from `version`) as DOCX bytes, each
/// wording tracked as `changes` say (against the base texts or an earlier version).
pub fn docx(view: &NegotiationView, version: &Version, changes: &TrackedChanges) -> Vec<u8> {
    let named = match &changes.since {
        Some(since) => format!("{version}{AGAINST}{since}"),
        None => version.to_string(),
    };
    let mut doc = title_block(styled().custom_property(VERSION_PROPERTY, named), view)
        .add_paragraph(plain(&view.title).style("Title"))
        .add_paragraph(plain(&summary(view, changes.since.as_ref())));
    for section in draft::sections(view) {
        doc = section_paragraphs(doc, &section, changes);
    }
    let footer = format!(
        "Fingerprint: {} (the exact document versions this draft was made from; check a copy with accord verify FILE).",
        version.fingerprint()
    );
    // Set small on the run itself: a paragraph's own size is only its mark's.
    doc = doc.add_paragraph(Paragraph::new().add_run(text_run(&footer).size(FINE_PRINT)));
    let mut bytes = Cursor::new(Vec::new());
    doc.build().pack(&mut bytes).expect("packing a document in memory cannot fail");
    renumbered(&bytes.into_inner())
}

/// The package again with the revisions numbered 0, 1, 2... in order:
/// docx-rs numbers them from a process-wide counter, so without this two
/// exports of one version would differ (and two exports at once could share
/// numbers). Entries keep their names, order and contents otherwise, stored
/// with a fixed date, so the file depends only on what it shows.
fn renumbered(packed: &[u8]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(packed)).expect("docx-rs writes a valid zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("an entry of a zip just written");
        let name = entry.name().to_string();
        if entry.is_dir() {
            out.add_directory(name, options).expect("writing a zip in memory cannot fail");
            continue;
        }
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).expect("reading a zip in memory cannot fail");
        if name == "word/document.xml" {
            contents = without_revision_numbers(&contents);
        }
        out.start_file(name, options).expect("writing a zip in memory cannot fail");
        out.write_all(&contents).expect("writing a zip in memory cannot fail");
    }
    out.finish().expect("writing a zip in memory cannot fail").into_inner()
}

/// A part with every `w:id="N"` numbered again in order of appearance.
fn without_revision_numbers(part: &[u8]) -> Vec<u8> {
    const MARK: &[u8] = b" w:id=\"";
    let mut out = Vec::with_capacity(part.len());
    let mut rest = part;
    let mut counter = 0usize;
    while let Some(at) = rest.windows(MARK.len()).position(|w| w == MARK) {
        out.extend_from_slice(&rest[..at + MARK.len()]);
        rest = &rest[at + MARK.len()..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        out.extend_from_slice(counter.to_string().as_bytes());
        counter += 1;
        rest = &rest[digits..];
    }
    out.extend_from_slice(rest);
    out
}

/// Body text: 12 pt Times New Roman, as UN documents are set (LibreOffice
/// substitutes the metric-compatible Liberation Serif where it is missing).
const BODY_FONT: &str = "Times New Roman";
const BODY_SIZE: usize = 24;
/// The fingerprint line and the like: 8 pt (sizes are in half points).
const FINE_PRINT: usize = 16;

/// The block above the title, as on a UN draft: what the document is ("Draft"
/// until every section is agreed, then "For approval"), its reference (the
/// negotiation's id) and the date of the version shown, right-aligned.
fn title_block(doc: Docx, view: &NegotiationView) -> Docx {
    let stage = if draft::agreed_count(view) == view.sections.len() { "For approval" } else { "Draft" };
    let mut doc = doc
        .add_paragraph(Paragraph::new().align(AlignmentType::Right).add_run(text_run(stage).bold().size(28)))
        .add_paragraph(Paragraph::new().align(AlignmentType::Right).add_run(text_run(&format!("Ref.: {}", view.id))));
    if let Some(at) = version_date(view) {
        let shown = format_time(at);
        let day = shown.get(..10).unwrap_or(&shown);
        doc = doc.add_paragraph(Paragraph::new().align(AlignmentType::Right).add_run(text_run(day)));
    }
    doc
}

/// The time of the latest change the view shows (a wording's, an adoption's or a reopening's).
fn version_date(view: &NegotiationView) -> Option<Timestamp> {
    let wordings = view.sections.iter().flat_map(|s| &s.proposals).map(|p| p.changed_at);
    let adoptions = view.sections.iter().filter_map(|s| s.adoption.as_ref()).map(|a| a.at);
    let reopenings = view.sections.iter().flat_map(|s| &s.reopenings).map(|r| r.at);
    wordings.chain(adoptions).chain(reopenings).max()
}

fn styled() -> Docx {
    let page_number =
        Paragraph::new().align(AlignmentType::Center).add_run(text_run("Page ")).add_page_num(PageNum::new());
    Docx::new()
        .created_at("1970-01-01T00:00:00Z")
        .updated_at("1970-01-01T00:00:00Z")
        .default_fonts(RunFonts::new().ascii(BODY_FONT).hi_ansi(BODY_FONT).cs(BODY_FONT).east_asia(BODY_FONT))
        .default_size(BODY_SIZE)
        .footer(Footer::new().add_paragraph(page_number))
        .add_style(Style::new("Title", StyleType::Paragraph).name("Title").size(40).bold())
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("Heading 1").size(30).bold())
        .add_style(Style::new("Heading2", StyleType::Paragraph).name("Heading 2").size(24).bold())
        .add_style(Style::new("Record", StyleType::Paragraph).name("Approval record").size(18).italic())
}

fn summary(view: &NegotiationView, since: Option<&Version>) -> String {
    let deadline = view.deadline.map(|d| format!(" Consultation deadline: {}.", format_time(d))).unwrap_or_default();
    let shown = match since {
        Some(then) => {
            format!(" Tracked changes: what changed since version {}, by who changed it.", then.fingerprint())
        }
        None => " Tracked changes: each wording against the base text, by who made each change.".to_string(),
    };
    format!("Agreed draft: {} of {} sections agreed.{deadline}{shown}", draft::agreed_count(view), view.sections.len())
}

fn section_paragraphs(doc: Docx, draft: &SectionDraft<'_>, changes: &TrackedChanges) -> Docx {
    let section = draft.section;
    let title = format!("{}. {}", section.number, section.title);
    let status = format!("Lead: {}. Status: {}.", section.lead, section.status.as_str());
    let mut doc = doc
        .add_paragraph(plain(&title).style("Heading1").keep_next(true))
        .add_paragraph(Paragraph::new().add_run(text_run(&status).italic()));
    match &draft.body {
        Body::Agreed { text, adopted, record } => {
            let adoption = section.adoption.as_ref().map_or(Timestamp(0), |a| a.at);
            let sponsors = adopted.map(|p| p.joined_sponsors());
            let fallback = || untracked(&section.base_text, text, sponsors.as_deref(), adoption);
            let wording = adopted.and_then(|p| changes.wordings.get(&p.id)).map(|s| authored(s));
            doc = tracked(doc, &wording.unwrap_or_else(fallback));
            doc = record_paragraphs(doc, record);
        }
        Body::Unresolved { draft, alternatives } => {
            doc = draft_paragraphs(doc, draft);
            for alternative in alternatives {
                doc = alternative_paragraphs(doc, alternative.proposal, &section.base_text, changes);
                doc = record_paragraphs(doc, &alternative.record);
            }
        }
    }
    doc
}

/// One alternative of an unresolved section, as tracked changes.
fn alternative_paragraphs(doc: Docx, proposal: &ProposalView, base: &str, changes: &TrackedChanges) -> Docx {
    let against =
        if changes.since.is_some() { "changes since the earlier version" } else { "as changes to the base text" };
    let title = format!("{}, {against} (wording of {}):", draft::titled(proposal), format_time(proposal.changed_at));
    let doc = doc.add_paragraph(plain(&title).style("Heading2").keep_next(true));
    let wording = match changes.wordings.get(&proposal.id) {
        Some(segments) => authored(segments),
        None => untracked(base, &proposal.text, Some(&proposal.joined_sponsors()), proposal.changed_at),
    };
    tracked(doc, &wording)
}

/// The draft with its brackets: plain text, labels in bold.
fn draft_paragraphs(mut doc: Docx, pieces: &[Piece]) -> Docx {
    let mut paragraph = Paragraph::new();
    for piece in pieces {
        for (n, part) in piece.text.split("\n\n").enumerate() {
            if n > 0 {
                doc = doc.add_paragraph(paragraph);
                paragraph = Paragraph::new();
            }
            let part = if n == 0 { part } else { part.trim_start() };
            if part.is_empty() {
                continue;
            }
            let run = text_run(part);
            paragraph = paragraph.add_run(if piece.kind == PieceKind::Common || piece.kind == PieceKind::Wording {
                run
            } else {
                run.bold()
            });
        }
    }
    doc.add_paragraph(paragraph)
}

/// Authored segments as Word changes.
fn authored(segments: &[AuthoredSegment]) -> Vec<Change> {
    segments
        .iter()
        .map(|segment| Change {
            kind: segment.kind,
            text: segment.text.clone(),
            author: segment.by.as_ref().map_or(UNKNOWN_AUTHOR.to_string(), ToString::to_string),
            date: segment.at.map(rfc3339).unwrap_or_default(),
        })
        .collect()
}

/// A wording whose history this replica cannot read: its redline from the
/// base text, by its sponsors together, at `at`.
fn untracked(base: &str, text: &str, sponsors: Option<&[ParticipantCode]>, at: Timestamp) -> Vec<Change> {
    let author = match sponsors {
        Some(sponsors) if !sponsors.is_empty() => {
            sponsors.iter().map(ParticipantCode::as_str).collect::<Vec<_>>().join(", ")
        }
        _ => UNKNOWN_AUTHOR.to_string(),
    };
    redline(base, text)
        .segments
        .into_iter()
        .map(|s| Change { kind: s.kind, text: s.text, author: author.clone(), date: rfc3339(at) })
        .collect()
}

fn record_paragraphs(mut doc: Docx, record: &ApprovalRecord) -> Docx {
    for line in record.lines() {
        doc = doc.add_paragraph(plain(&line).style("Record"));
    }
    doc
}

/// Changes as tracked paragraphs: a blank line ends a paragraph (its mark
/// tracked as inserted or deleted when the break is), a single newline
/// breaks the line. Whitespace at the start and end of the wording is left out.
fn tracked(mut doc: Docx, changes: &[Change]) -> Docx {
    let mut paragraph = Paragraph::new();
    let mut started = false;
    for (index, change) in changes.iter().enumerate() {
        let mut text = change.text.as_str();
        if !started {
            text = text.trim_start();
        }
        if changes[index + 1..].iter().all(|c| c.text.trim().is_empty()) {
            text = text.trim_end();
        }
        for (n, part) in text.split("\n\n").enumerate() {
            if n > 0 {
                paragraph = match change.kind {
                    SegmentKind::Insert => paragraph.insert(&change.author, &change.date),
                    SegmentKind::Delete => paragraph.delete(&change.author, &change.date),
                    SegmentKind::Equal => paragraph,
                };
                doc = doc.add_paragraph(paragraph);
                paragraph = Paragraph::new();
            }
            if part.is_empty() {
                continue;
            }
            started = true;
            paragraph = match change.kind {
                SegmentKind::Equal => paragraph.add_run(text_run(part)),
                SegmentKind::Insert => {
                    paragraph.add_insert(Insert::new(text_run(part)).author(&change.author).date(&change.date))
                }
                SegmentKind::Delete => paragraph
                    .add_delete(Delete::new().add_run(deleted_run(part)).author(&change.author).date(&change.date)),
            };
        }
    }
    doc.add_paragraph(paragraph)
}

/// A run of text where a single newline is a line break.
fn text_run(text: &str) -> Run {
    run_of(text, |run, line| run.add_text(line))
}

/// A deleted run (its text as `w:delText`), a single newline a line break.
fn deleted_run(text: &str) -> Run {
    run_of(text, |run, line| run.add_delete_text(line))
}

fn run_of(text: &str, add: fn(Run, &str) -> Run) -> Run {
    let mut run = Run::new();
    for (n, line) in clean(text).split('\n').enumerate() {
        if n > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        if !line.is_empty() {
            run = add(run, line);
        }
    }
    run
}

fn plain(text: &str) -> Paragraph {
    Paragraph::new().add_run(text_run(text))
}

/// A timestamp as Word wants revision dates: `2026-11-05T09:30:00Z`.
fn rfc3339(at: Timestamp) -> String {
    let shown = format_time(at);
    match shown.as_bytes().get(4) {
        Some(b'-') => format!("{}T{}:00Z", &shown[..10], &shown[11..16]),
        _ => "1970-01-01T00:00:00Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_revision_numbers;

    #[test]
    fn revisions_are_numbered_in_order_and_nothing_else_changes() {
        let a = br#"<w:ins w:id="7" w:author="DESA"><w:del w:id="12" w:author="DESA">"#;
        let expected = br#"<w:ins w:id="0" w:author="DESA"><w:del w:id="1" w:author="DESA">"#;
        assert_eq!(without_revision_numbers(a), expected.to_vec());
    }
}
