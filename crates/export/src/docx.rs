//! The agreed draft as a Word document whose differences from the base
//! texts are real tracked changes (`w:ins`, `w:del`), each attributed to
//! the participants who sponsored the wording and dated, so the secretariat
//! can review them with Accept and Reject in Word or LibreOffice.
//!
//! - An agreed section shows the adopted text as changes to its base text,
//!   by the adopted proposal's sponsors, dated at the adoption.
//! - An unresolved section shows its bracketed draft (as every format
//!   does), then each live alternative as changes to the base text, by its
//!   sponsors, dated when it was proposed.
//! - With a *since* view (`accord export --against REV`) every section
//!   shows instead how its text changed since that earlier version.
//!
//! The changes come from [`accord_core::redline`] (words, then punctuation),
//! so they match what `accord redline` shows. The file is reproducible (the
//! revisions are renumbered after docx-rs, whose counter is process-wide),
//! so `accord verify` compares it byte for byte.

use std::io::{Cursor, Read, Write};

use accord_core::redline::{SegmentKind, redline};
use accord_core::{NegotiationView, ParticipantCode, ProposalView, SectionView, Timestamp, Version};
use docx_rs::{BreakType, Delete, Docx, Insert, Paragraph, Run, Style, StyleType};

use crate::record::{approval_record, format_time, section_text};

/// The custom document property naming the version exported, followed by
/// [`AGAINST`] and the version the changes are shown against, if any. One
/// property only: docx-rs keeps them in a hash map, so two would come out
/// in any order and the file would not be reproducible.
pub const VERSION_PROPERTY: &str = "accord-version";
/// What separates the two versions in [`VERSION_PROPERTY`] (versions hold no spaces).
pub const AGAINST: &str = " against ";

/// Who and when a set of tracked changes is attributed to.
struct Attribution {
    author: String,
    date: String,
}

/// The agreed draft of `view` (made from `version`) as DOCX bytes. With
/// `since` (a view at `since_version`), the tracked changes are those made
/// since then instead of those from the base texts.
pub fn docx(view: &NegotiationView, version: &Version, since: Option<(&NegotiationView, &Version)>) -> Vec<u8> {
    let named = match since {
        Some((_, since_version)) => format!("{version}{AGAINST}{since_version}"),
        None => version.to_string(),
    };
    let mut doc = styled()
        .custom_property(VERSION_PROPERTY, named)
        .add_paragraph(plain(&view.title).style("Title"))
        .add_paragraph(plain(&summary(view, since.map(|(_, v)| v))));
    for section in &view.sections {
        let earlier = since.and_then(|(then, _)| then.sections.iter().find(|s| s.number == section.number));
        doc = match since {
            Some(_) => changes_since(doc, section, earlier),
            None => section_paragraphs(doc, section),
        };
        doc = record_paragraphs(doc, section);
    }
    let footer = format!(
        "Fingerprint: {} (the exact document versions this draft was made from; check a copy with accord verify FILE).",
        version.fingerprint()
    );
    doc = doc.add_paragraph(plain(&footer).size(16));
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

fn styled() -> Docx {
    Docx::new()
        .created_at("1970-01-01T00:00:00Z")
        .updated_at("1970-01-01T00:00:00Z")
        .add_style(Style::new("Title", StyleType::Paragraph).name("Title").size(40).bold())
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("Heading 1").size(30).bold())
        .add_style(Style::new("Record", StyleType::Paragraph).name("Approval record").size(18).italic())
}

fn summary(view: &NegotiationView, since: Option<&Version>) -> String {
    let agreed = view.sections.iter().filter(|s| s.agreed_text.is_some()).count();
    let deadline = view.deadline.map(|d| format!(" Consultation deadline: {}.", format_time(d))).unwrap_or_default();
    let shown = match since {
        Some(then) => format!(" Tracked changes: what changed since version {}.", then.fingerprint()),
        None => " Tracked changes: each wording against the base text, by its sponsors.".to_string(),
    };
    format!("Agreed draft: {agreed} of {} sections agreed.{deadline}{shown}", view.sections.len())
}

fn heading(doc: Docx, section: &SectionView) -> Docx {
    doc.add_paragraph(plain(&format!("{}. {}", section.number, section.title)).style("Heading1").keep_next(true))
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run(&format!("Lead: {}. Status: {}.", section.lead, section.status.as_str())).italic()),
        )
}

/// A section against its base text.
fn section_paragraphs(doc: Docx, section: &SectionView) -> Docx {
    let mut doc = heading(doc, section);
    if let (Some(agreed), Some(adoption)) = (&section.agreed_text, &section.adoption) {
        let sponsors = section.proposals.iter().find(|p| p.id == adoption.proposal).map(|p| p.sponsors.as_slice());
        let by = Attribution { author: authors(sponsors.unwrap_or_default()), date: rfc3339(adoption.at) };
        return tracked(doc, &section.base_text, agreed, &by);
    }
    for paragraph in split_paragraphs(&section_text(section)) {
        doc = doc.add_paragraph(plain(paragraph));
    }
    for proposal in section.live_proposals() {
        doc = alternative(doc, proposal, &section.base_text);
    }
    doc
}

/// One alternative of an unresolved section, as changes to the base text.
fn alternative(doc: Docx, proposal: &ProposalView, base: &str) -> Docx {
    let title = format!("{} ({}), as changes to the base text:", proposal.label, authors(&proposal.sponsors));
    let doc = doc.add_paragraph(Paragraph::new().add_run(text_run(&title).bold()).keep_next(true));
    let by = Attribution { author: authors(&proposal.sponsors), date: rfc3339(proposal.created_at) };
    tracked(doc, base, &proposal.text, &by)
}

/// A section as it changed since an earlier view (a new section: all inserted).
fn changes_since(doc: Docx, section: &SectionView, earlier: Option<&SectionView>) -> Docx {
    let doc = heading(doc, section);
    let before = earlier.map(section_text).unwrap_or_default();
    let by = match (&section.adoption, earlier.and_then(|e| e.adoption.as_ref())) {
        (Some(adoption), None) => {
            let sponsors = section.proposals.iter().find(|p| p.id == adoption.proposal).map(|p| p.sponsors.as_slice());
            Attribution { author: authors(sponsors.unwrap_or_default()), date: rfc3339(adoption.at) }
        }
        _ => Attribution { author: "Accord (draft)".into(), date: rfc3339(latest_time(section)) },
    };
    tracked(doc, &before, &section_text(section), &by)
}

/// The last moment the section's view records (a proposal made, a stance taken, the
/// adoption): when its draft last changed, as far as the version shows.
fn latest_time(section: &SectionView) -> Timestamp {
    let proposals = section.proposals.iter().map(|p| p.created_at);
    let stances = section.proposals.iter().flat_map(|p| p.stances.values().filter_map(|s| s.at));
    let adoption = section.adoption.iter().map(|a| a.at);
    proposals.chain(stances).chain(adoption).max().unwrap_or(Timestamp(0))
}

fn record_paragraphs(mut doc: Docx, section: &SectionView) -> Docx {
    if let Some(record) = approval_record(section) {
        for line in record.lines() {
            doc = doc.add_paragraph(plain(&line).style("Record"));
        }
    }
    doc
}

/// The change from `old` to `new` as tracked paragraphs: a blank line
/// starts a paragraph, a single newline breaks the line. Deleted text keeps
/// its words but not its paragraph breaks (it is one deletion).
fn tracked(mut doc: Docx, old: &str, new: &str, by: &Attribution) -> Docx {
    let mut paragraph = Paragraph::new();
    let mut empty = true;
    for segment in redline(old.trim(), new.trim()).segments {
        match segment.kind {
            SegmentKind::Delete => {
                let deleted = Run::new().add_delete_text(segment.text.replace('\n', " "));
                paragraph = paragraph.add_delete(Delete::new().add_run(deleted).author(&by.author).date(&by.date));
                empty = false;
            }
            kind => {
                for (n, piece) in segment.text.split("\n\n").enumerate() {
                    if n > 0 {
                        doc = doc.add_paragraph(paragraph);
                        paragraph = Paragraph::new();
                    }
                    if piece.is_empty() {
                        continue;
                    }
                    let run = text_run(piece);
                    paragraph = match kind {
                        SegmentKind::Insert => paragraph.add_insert(Insert::new(run).author(&by.author).date(&by.date)),
                        _ => paragraph.add_run(run),
                    };
                    empty = false;
                }
            }
        }
    }
    if !empty {
        doc = doc.add_paragraph(paragraph);
    }
    doc
}

/// A run of text where a single newline is a line break.
fn text_run(text: &str) -> Run {
    let mut run = Run::new();
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        if !line.is_empty() {
            run = run.add_text(line);
        }
    }
    run
}

fn plain(text: &str) -> Paragraph {
    Paragraph::new().add_run(text_run(text))
}

fn split_paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty())
}

/// The author of tracked changes: the sponsors, as `DESA, UNCTAD`.
fn authors(sponsors: &[ParticipantCode]) -> String {
    if sponsors.is_empty() {
        return "Accord".into();
    }
    sponsors.iter().map(ParticipantCode::as_str).collect::<Vec<_>>().join(", ")
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
