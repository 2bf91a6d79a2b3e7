//! The agreed draft as Markdown.

use std::fmt::Write;

use accord_core::{NegotiationView, SectionView, Version};

use crate::VERSION_MARK;

use crate::record::{approval_record, format_time, section_text};

/// The agreed draft of `view` as Markdown: agreed sections as agreed,
/// unresolved ones as their compromise draft in brackets, each with its
/// approval record.
pub fn markdown(view: &NegotiationView, version: &Version) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", view.title);
    let agreed = view.sections.iter().filter(|s| s.agreed_text.is_some()).count();
    let _ = writeln!(out, "Agreed draft: {agreed} of {} sections agreed.", view.sections.len());
    if let Some(deadline) = view.deadline {
        let _ = writeln!(out, "Consultation deadline: {}.", format_time(deadline));
    }
    let _ = writeln!(out, "Negotiation `{}`.\n", view.id);
    for section in &view.sections {
        section_markdown(&mut out, section);
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

fn section_markdown(out: &mut String, section: &SectionView) {
    let _ = writeln!(out, "## {}. {}\n", section.number, section.title);
    let _ = writeln!(out, "_Lead: {}. Status: {}._\n", section.lead, section.status.as_str());
    let _ = writeln!(out, "{}\n", section_text(section));
    if let Some(record) = approval_record(section) {
        for line in record.lines() {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
}
