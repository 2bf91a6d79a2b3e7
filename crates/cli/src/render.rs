//! Human-readable output for the terminal: status with stance matrices,
//! redlines (coloured on a terminal, `[-deleted-]{+inserted+}` otherwise),
//! compromise drafts and history.

use std::fmt::Write;

use accord_core::authorship::AuthoredSegment;
use accord_core::compromise::{Compromise, PieceKind};
use accord_core::history::HistoryEntry;
use accord_core::redline::{Redline, SegmentKind};
use accord_core::trend::ConvergencePoint;
use accord_core::{NegotiationView, ProposalView, SectionView, StanceKind, StanceView};
use accord_export::format_time;

const RED_STRUCK: &str = "\x1b[31;9m";
const GREEN_UNDERLINED: &str = "\x1b[32;4m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The whole negotiation at a glance.
pub fn status(view: &NegotiationView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", view.title);
    let _ = write!(out, "id {}", view.id);
    if let Some(deadline) = view.deadline {
        let _ = write!(out, "   deadline {}", format_time(deadline));
    }
    let people: Vec<String> = view.participants.iter().map(|p| format!("{} ({})", p.code, p.role)).collect();
    let _ = writeln!(out, "\nparticipants: {}\n", people.join(", "));
    for section in &view.sections {
        section_status(&mut out, view, section);
    }
    out.push_str("stances: support, can-live (with), reserve, OBJECT; sponsor = implicit support; * = given on an earlier text\n");
    safe(&out)
}

fn section_status(out: &mut String, view: &NegotiationView, section: &SectionView) {
    let gap = section.text_gap.map(|g| format!(", text gap {g:.2}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "§{} {} [{}] lead {}{}",
        section.number,
        section.title,
        section.status.as_str(),
        section.lead,
        gap
    );
    if let Some(adoption) = &section.adoption {
        let how = if adoption.by_silence { " by silence procedure" } else { "" };
        let (label, by, at) = (&adoption.label, &adoption.by, format_time(adoption.at));
        let _ = writeln!(out, "   agreed: {label} adopted{how} by {by} on {at}");
    }
    procedures(out, section);
    for proposal in &section.proposals {
        proposal_line(out, proposal);
    }
    if !section.proposals.is_empty() {
        stance_matrix(out, view, section);
    }
    for item in &section.outstanding {
        let verb = match (item.stance, item.ad_ref_until) {
            (StanceKind::Object, _) => "objects to".to_string(),
            (_, Some(until)) => format!("accepts ad referendum (confirming by {})", format_time(until)),
            _ => "reserves on".to_string(),
        };
        let stale = if item.stale { " (on an earlier text)" } else { "" };
        let _ = writeln!(out, "   ! {} {} {}{}: {}", item.participant, verb, item.label, stale, item.reason);
    }
    out.push('\n');
}

/// The section's silence procedure and the confirmations its adoption waits for.
fn procedures(out: &mut String, section: &SectionView) {
    if let Some(silence) = &section.silence {
        let (label, until) = (&silence.procedure.label, format_time(silence.procedure.until));
        let state = match (&silence.broken_by, silence.voided, silence.held) {
            (Some(breach), _, _) => {
                format!("broken by {} on {}: {}", breach.participant, format_time(breach.at), breach.reason)
            }
            (None, true, _) => "void: its text changed or it was withdrawn".to_string(),
            (None, false, true) => "held: adopted".to_string(),
            (None, false, false) => "running: adopted then unless a member objects".to_string(),
        };
        let _ = writeln!(out, "   silence: {label} until {until}, {state}");
    }
    for confirmation in &section.confirmations {
        let (who, until) = (&confirmation.participant, format_time(confirmation.until));
        let state = match confirmation.confirmed_at {
            None => format!("must confirm by {until} (ad referendum)"),
            Some(at) if confirmation.lapsed => {
                format!("taken as confirmed on {}: no objection by then", format_time(at))
            }
            Some(at) => format!("confirmed on {}", format_time(at)),
        };
        let _ = writeln!(out, "   ad ref: {who} {state}");
    }
}

fn proposal_line(out: &mut String, proposal: &ProposalView) {
    let sponsors: Vec<String> = proposal.sponsors.iter().map(ToString::to_string).collect();
    let tally = proposal.tally;
    let state = match (proposal.withdrawn, proposal.adoptable) {
        (true, _) => "withdrawn",
        (false, true) => "adoptable",
        (false, false) => "",
    };
    let _ = writeln!(
        out,
        "   {:<7} {}  by {}  accepting {} reserving {} objecting {} pending {}  {}",
        proposal.label,
        proposal.id,
        sponsors.join(", "),
        tally.accepting,
        tally.reserving,
        tally.objecting,
        tally.pending,
        state
    );
}

fn stance_matrix(out: &mut String, view: &NegotiationView, section: &SectionView) {
    let _ = write!(out, "   {:<8}", "");
    for proposal in &section.proposals {
        let _ = write!(out, " {:<10}", proposal.label);
    }
    out.push('\n');
    for participant in view.participants.iter().filter(|p| p.role.is_member()) {
        let _ = write!(out, "   {:<8}", participant.code.as_str());
        for proposal in &section.proposals {
            let _ = write!(out, " {:<10}", cell(proposal.stances.get(&participant.code)));
        }
        out.push('\n');
    }
}

fn cell(stance: Option<&StanceView>) -> String {
    let Some(stance) = stance else { return "·".to_string() };
    let word = match stance.stance {
        _ if stance.sponsor && stance.at.is_none() => "sponsor",
        StanceKind::Support => "support",
        StanceKind::CanLiveWith => "can-live",
        StanceKind::Reserve => "reserve",
        StanceKind::Object => "OBJECT",
    };
    if stance.stale { format!("{word}*") } else { word.to_string() }
}

/// A redline, coloured or in plain markers.
pub fn redline(redline: &Redline, color: bool) -> String {
    if !color {
        return safe(&redline.to_plain());
    }
    let mut out = String::new();
    for segment in &redline.segments {
        match segment.kind {
            SegmentKind::Equal => out.push_str(&safe(&segment.text)),
            SegmentKind::Delete => {
                let _ = write!(out, "{RED_STRUCK}[-{}-]{RESET}", safe(&segment.text));
            }
            SegmentKind::Insert => {
                let _ = write!(out, "{GREEN_UNDERLINED}{{+{}+}}{RESET}", safe(&segment.text));
            }
        }
    }
    out
}

/// An authored redline: each change followed by who made it and when.
pub fn authored(segments: &[AuthoredSegment], color: bool) -> String {
    let mut out = String::new();
    for segment in segments {
        let text = safe(&segment.text);
        let (open, close, style) = match segment.kind {
            SegmentKind::Equal => {
                out.push_str(&text);
                continue;
            }
            SegmentKind::Delete => ("[-", "-]", RED_STRUCK),
            SegmentKind::Insert => ("{+", "+}", GREEN_UNDERLINED),
        };
        let by = segment.by.as_ref().map_or("another tool".to_string(), ToString::to_string);
        let at = segment.at.map(format_time).unwrap_or_default();
        if color {
            let _ = write!(out, "{style}{open}{text}{close}{RESET}{DIM}({by} {at}){RESET}");
        } else {
            let _ = write!(out, "{open}{text}{close}({by} {at})");
        }
    }
    out
}

/// A compromise draft with its brackets and labels highlighted.
pub fn compromise(compromise: &Compromise, color: bool) -> String {
    let mut out = String::new();
    for piece in compromise.pieces() {
        let text = safe(&piece.text);
        match piece.kind {
            PieceKind::Common | PieceKind::Wording => out.push_str(&text),
            _ if color => {
                let _ = write!(out, "{YELLOW}{BOLD}{text}{RESET}");
            }
            _ => out.push_str(&text),
        }
    }
    let _ = write!(out, "\n\n{} bracket(s) remain", compromise.brackets);
    out.push('\n');
    out
}

/// Convergence over time, one moment a line.
pub fn convergence(points: &[ConvergencePoint]) -> String {
    let mut out = String::from("time                  text gap  accepting  objections  status\n");
    for point in points {
        let gap = point.text_gap.map(|g| format!("{g:.2}")).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "{}  {:>8}  {:>9}  {:>10}  {}",
            format_time(point.at),
            gap,
            point.accepting,
            point.objections,
            point.status.as_str()
        );
    }
    out
}

/// History, one change a line.
pub fn history(entries: &[HistoryEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let by = entry.by.as_ref().map(ToString::to_string).unwrap_or_else(|| "?".into());
        let section = entry.section.map(|s| format!(" §{s}")).unwrap_or_default();
        let _ = writeln!(out, "{}  {:<8}{}  {}", format_time(entry.at), by, section, entry.what);
    }
    safe(&out)
}

/// Text for the terminal: control characters (escape sequences among them)
/// shown as `\u{1b}` instead of sent raw, so nothing a participant wrote can
/// move the cursor, recolour or retitle the chair's terminal. Newlines and
/// tabs stay.
pub fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() && ch != '\n' && ch != '\t' {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(ch));
        } else {
            out.push(ch);
        }
    }
    out
}
