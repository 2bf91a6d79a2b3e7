//! The agreed draft as one self-contained HTML page: its own CSS, nothing
//! fetched, printable (A4, headings kept with their text). Every text a
//! participant wrote is escaped.

use std::fmt::Write;

use accord_core::compromise::{Piece, PieceKind};
use accord_core::{NegotiationView, Version};

use crate::draft::{self, Body, SectionDraft};
use crate::record::{ApprovalRecord, format_time};
use crate::{VERSION_MARK, clean};

const STYLE: &str = "
body { font-family: Georgia, 'Times New Roman', serif; max-width: 46em; margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #111; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 2em; break-after: avoid; }
h3 { font-size: 1em; margin: 1.2em 0 0.2em; break-after: avoid; }
.meta, .lead { color: #444; font-size: 0.9em; }
.text { white-space: pre-wrap; }
.unresolved { background: #fff6dd; border-left: 4px solid #c9a227; padding: 0.2em 0.6em; }
.bracket { font-weight: bold; color: #7a5c00; }
.alternative { border-left: 2px solid #bbb; padding-left: 0.8em; }
ul.record { font-size: 0.9em; color: #333; }
footer { margin-top: 3em; border-top: 1px solid #999; font-size: 0.8em; color: #444; word-break: break-all; }
@page { size: A4; margin: 2cm; }
@media print { body { margin: 0; max-width: none; } }
";

/// The agreed draft of `view` (made from `version`) as HTML.
pub fn html(view: &NegotiationView, version: &Version) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&view.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&view.title));
    let deadline = view.deadline.map(|d| format!(" Consultation deadline: {}.", format_time(d))).unwrap_or_default();
    let _ = writeln!(
        out,
        "<p class=\"meta\">Agreed draft: {} of {} sections agreed.{deadline} Negotiation <code>{}</code>.</p>",
        draft::agreed_count(view),
        view.sections.len(),
        view.id
    );
    for section in draft::sections(view) {
        section_html(&mut out, &section);
    }
    let _ = writeln!(
        out,
        "<footer>Fingerprint: <code>{}</code> (the exact document versions this draft was made from; check a copy with <code>accord verify FILE</code>).</footer>",
        version.fingerprint()
    );
    let _ = writeln!(out, "{VERSION_MARK} {version} -->\n</body>\n</html>");
    out
}

fn section_html(out: &mut String, draft: &SectionDraft<'_>) {
    let section = draft.section;
    let _ = writeln!(out, "<section id=\"section-{}\">", section.number);
    let _ = writeln!(out, "<h2>{}. {}</h2>", section.number, escape(&section.title));
    let _ = writeln!(out, "<p class=\"lead\">Lead: {}. Status: {}.</p>", section.lead, section.status.as_str());
    match &draft.body {
        Body::Agreed { text, record, .. } => {
            let _ = writeln!(out, "<p class=\"text\">{}</p>", escape(text.trim()));
            record_html(out, record);
        }
        Body::Unresolved { draft, alternatives } => {
            let _ = writeln!(out, "<p class=\"text unresolved\">{}</p>", pieces(draft));
            for (n, alternative) in alternatives.iter().enumerate() {
                let _ = writeln!(out, "<div class=\"alternative\" id=\"section-{}-alt-{}\">", section.number, n + 1);
                let _ = writeln!(out, "<h3>{}</h3>", escape(&alternative.title()));
                let _ = writeln!(out, "<p class=\"text\">{}</p>", escape(alternative.proposal.text.trim()));
                record_html(out, &alternative.record);
                let _ = writeln!(out, "</div>");
            }
        }
    }
    let _ = writeln!(out, "</section>");
}

fn record_html(out: &mut String, record: &ApprovalRecord) {
    let _ = writeln!(out, "<ul class=\"record\">");
    for line in record.lines() {
        let _ = writeln!(out, "<li>{}</li>", escape(&line));
    }
    let _ = writeln!(out, "</ul>");
}

/// A bracketed draft: brackets and labels marked, every text escaped.
fn pieces(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece.kind {
            PieceKind::Common | PieceKind::Wording => out.push_str(&escape(&piece.text)),
            PieceKind::Label | PieceKind::Open | PieceKind::Separator | PieceKind::Close => {
                let _ = write!(out, "<span class=\"bracket\">{}</span>", escape(&piece.text));
            }
        }
    }
    out
}

/// Text made safe inside HTML elements and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in clean(text).chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_texts_is_escaped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
