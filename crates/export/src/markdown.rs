//! The agreed draft as Markdown. Participants' words are escaped so that
//! nothing they write becomes structure: no heading, list, quote, HTML
//! block, link or emphasis can come out of a proposal, label or reason.

use std::fmt::Write;

use accord_core::compromise::{Piece, PieceKind};
use accord_core::{NegotiationView, Version};

use crate::draft::{self, Body, SectionDraft};
use crate::record::{ApprovalRecord, format_time, one_line};
use crate::{VERSION_MARK, clean};

/// The agreed draft of `view` as Markdown: agreed sections as agreed,
/// unresolved ones as their bracketed draft and every alternative in full,
/// each wording with its approval record.
pub fn markdown(view: &NegotiationView, version: &Version) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", inline(&one_line(&view.title)));
    let _ = writeln!(out, "Agreed draft: {} of {} sections agreed.", draft::agreed_count(view), view.sections.len());
    if let Some(deadline) = view.deadline {
        let _ = writeln!(out, "Consultation deadline: {}.", format_time(deadline));
    }
    let _ = writeln!(out, "Negotiation `{}`.\n", view.id);
    for section in draft::sections(view) {
        section_markdown(&mut out, &section);
    }
    let _ = writeln!(out, "---\n");
    let _ = writeln!(
        out,
        "Fingerprint: `{}` (the exact document versions this draft was made from; check a copy with `accord verify FILE`).\n",
        version.fingerprint()
    );
    let _ = writeln!(out, "{VERSION_MARK} {version} -->");
    out
}

fn section_markdown(out: &mut String, draft: &SectionDraft<'_>) {
    let section = draft.section;
    let _ = writeln!(out, "## {}. {}\n", section.number, inline(&one_line(&section.title)));
    let _ = writeln!(out, "_Lead: {}. Status: {}._\n", section.lead, section.status.as_str());
    match &draft.body {
        Body::Agreed { text, record, .. } => {
            let _ = writeln!(out, "{}\n", block(text));
            record_markdown(out, record);
        }
        Body::Unresolved { draft, alternatives } => {
            let _ = writeln!(out, "{}\n", pieces(draft));
            for alternative in alternatives {
                let _ = writeln!(out, "### {}\n", inline(&alternative.title()));
                let _ = writeln!(out, "{}\n", block(&alternative.proposal.text));
                record_markdown(out, &alternative.record);
            }
        }
    }
}

fn record_markdown(out: &mut String, record: &ApprovalRecord) {
    for line in record.lines() {
        let _ = writeln!(out, "- {}", inline(&line));
    }
    out.push('\n');
}

/// A bracketed draft: participants' words escaped, brackets and labels marked.
fn pieces(pieces: &[Piece]) -> String {
    let mut text = String::new();
    for piece in pieces {
        // `clean` leaves no control character, so the markers below are ours.
        match piece.kind {
            PieceKind::Common | PieceKind::Wording => text.push_str(&clean(&piece.text)),
            PieceKind::Label => text.push_str(&format!("\u{1}{}\u{2}", clean(piece.text.trim_end()))),
            // Escaped like the words: `[..](..)` must never read as a link.
            PieceKind::Open | PieceKind::Separator | PieceKind::Close => text.push_str(&piece.text),
        }
    }
    // Escape the participants' words, then turn the label markers into bold.
    marked_block(&text).replace('\u{1}', "**").replace('\u{2}', "** ")
}

/// Paragraphs of participants' words: blank lines between paragraphs,
/// every line escaped inline and at its start.
fn block(text: &str) -> String {
    marked_block(&clean(text))
}

/// [`block`] of a text already cleaned, which may hold our markers.
fn marked_block(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|paragraph| paragraph.lines().map(line).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"))
        .filter(|paragraph| !paragraph.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

/// One line of participants' words: inline escapes, and whatever would
/// start a block (heading, list item, quote, rule, setext underline) escaped.
fn line(text: &str) -> String {
    let escaped = escaped(text.trim());
    let digits = escaped.chars().take_while(char::is_ascii_digit).count();
    match escaped.chars().next() {
        Some('#' | '-' | '+' | '=') => format!("\\{escaped}"),
        Some(_) if digits > 0 && matches!(escaped[digits..].chars().next(), Some('.' | ')')) => {
            format!("{}\\{}", &escaped[..digits], &escaped[digits..])
        }
        _ => escaped,
    }
}

/// Participants' words within a line: every character Markdown could read
/// as markup is backslash-escaped (CommonMark allows it for all ASCII punctuation).
fn inline(text: &str) -> String {
    escaped(&clean(text))
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_a_participant_writes_starts_a_block() {
        assert_eq!(line("## 7. Fake agreed section"), "\\## 7. Fake agreed section");
        assert_eq!(line("- item"), "\\- item");
        assert_eq!(line("12. item"), "12\\. item");
        assert_eq!(line("> quote"), "\\> quote");
        assert_eq!(line("<div>"), "\\<div\\>");
        assert_eq!(line("==="), "\\===");
    }

    #[test]
    fn links_emphasis_and_html_are_escaped_inline() {
        assert_eq!(inline("[x](http://e) *a* <b>&amp;"), "\\[x\\](http://e) \\*a\\* \\<b\\>\\&amp;");
    }

    #[test]
    fn brackets_and_labels_are_marked_but_words_escaped() {
        let draft = vec![
            Piece { kind: PieceKind::Common, text: "Act ".into() },
            Piece { kind: PieceKind::Open, text: "[".into() },
            Piece { kind: PieceKind::Label, text: "Alt 1 (ITU): ".into() },
            Piece { kind: PieceKind::Wording, text: "*now*".into() },
            Piece { kind: PieceKind::Separator, text: " / ".into() },
            Piece { kind: PieceKind::Label, text: "Alt 2 (DESA): ".into() },
            Piece { kind: PieceKind::Wording, text: "later".into() },
            Piece { kind: PieceKind::Close, text: "]".into() },
        ];
        assert_eq!(pieces(&draft), "Act \\[**Alt 1 (ITU):** \\*now\\* / **Alt 2 (DESA):** later\\]");
    }
}
