//! Compromise draft: every live proposal of a section in one text, what
//! they all say outside the brackets and where they differ, each wording in
//! brackets the UN way: `[Alt 1 (UNSEC): ... / Alt 2 (DESA, UNCTAD): ...]`.
//!
//! It is faithful by construction (ARCHITECTURE.md, invariant 8): text
//! outside brackets is in every live proposal; every bracket lists every
//! live proposal exactly once (proposals with the same wording there share
//! one option); picking a proposal's option in every bracket rebuilds its
//! text exactly. It is *not* a three-way merge: a change one proposal makes
//! to the base text is that proposal's position, not an agreed edit, so it
//! is bracketed against the others' wording (which may be the base's).
//!
//! How: texts are cut into whole words, whitespace runs and marks (so a
//! bracket never splits a word); the words every proposal keeps from the base are the
//! anchors; between two anchors each proposal has a wording, one text if
//! all are equal, else a bracket, aligned once more on the first
//! proposal's wording to pull out words they all share. Brackets separated
//! only by whitespace or punctuation are merged.

use serde::Serialize;
use similar::DiffOp;

use crate::ParticipantCode;
use crate::redline::{diff_tokens, whole_words};
use crate::view::SectionView;

/// A proposal as the compromise sees it.
#[derive(Clone, Debug)]
pub struct MergeInput<'a> {
    /// Its label, e.g. "Alt 2".
    pub label: &'a str,
    /// Its sponsors.
    pub sponsors: &'a [ParticipantCode],
    /// Its text.
    pub text: &'a str,
}

/// The compromise draft.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Compromise {
    /// The draft as text, disagreements in brackets.
    pub text: String,
    /// The draft as runs of common text and bracketed alternatives.
    pub parts: Vec<CompromisePart>,
    /// How many brackets remain.
    pub brackets: usize,
}

/// A run of the compromise draft.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CompromisePart {
    /// Text every live proposal has here.
    Text {
        /// The text.
        text: String,
    },
    /// A disagreement: every live proposal's wording here.
    Alternatives {
        /// One entry per distinct wording, in the order of the proposals.
        alternatives: Vec<Alternative>,
    },
}

/// One wording inside brackets.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Alternative {
    /// The labels of the proposals with this wording.
    pub labels: Vec<String>,
    /// Their sponsors.
    pub sponsors: Vec<ParticipantCode>,
    /// The wording, exactly as in those proposals (possibly empty).
    pub text: String,
}

impl Compromise {
    /// The text of the proposal labelled `label`: common text plus its
    /// option in every bracket; `None` if no bracket lists it.
    pub fn rebuild(&self, label: &str) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                CompromisePart::Text { text: common } => text.push_str(common),
                CompromisePart::Alternatives { alternatives } => {
                    let option = alternatives.iter().find(|a| a.labels.iter().any(|l| l == label))?;
                    text.push_str(&option.text);
                }
            }
        }
        Some(text)
    }
}

impl SectionView {
    /// The compromise draft of this section from its live proposals.
    pub fn compromise(&self) -> Compromise {
        let live: Vec<_> = self.live_proposals().map(|p| (p, p.joined_sponsors())).collect();
        let inputs: Vec<MergeInput<'_>> =
            live.iter().map(|(p, sponsors)| MergeInput { label: &p.label, sponsors, text: &p.text }).collect();
        compromise(&self.base_text, &inputs)
    }
}

/// The compromise draft of `proposals`, aligned on `base`; the base text
/// itself when there is no proposal.
pub fn compromise(base: &str, proposals: &[MergeInput<'_>]) -> Compromise {
    if proposals.is_empty() {
        return finish(vec![Run::Common(whole_words(base))], proposals);
    }
    let texts: Vec<Vec<&str>> = proposals.iter().map(|p| whole_words(p.text)).collect();
    let slices: Vec<&[&str]> = texts.iter().map(Vec::as_slice).collect();
    let runs = merge_adjacent(align(&whole_words(base), &slices, true));
    finish(runs, proposals)
}

/// A run of the draft while it is built: words all proposals share, or
/// each proposal's wording (by proposal index).
#[derive(Clone, Debug, PartialEq)]
enum Run<'t> {
    Common(Vec<&'t str>),
    Differ(Vec<Vec<&'t str>>),
}

/// Aligns `texts` on the words of `pivot` that every text keeps (in order):
/// common runs at those words, and each text's words between them. With
/// `refine`, a run where texts differ is aligned once more on the first
/// text's wording, to find the words they share that the pivot lacks.
fn align<'t>(pivot: &[&'t str], texts: &[&[&'t str]], refine: bool) -> Vec<Run<'t>> {
    let positions: Vec<Vec<Option<usize>>> = texts.iter().map(|text| matches(pivot, text)).collect();
    let mut runs = Vec::new();
    let mut cursors = vec![0usize; texts.len()];
    for anchor in (0..pivot.len()).filter(|&i| positions.iter().all(|p| p[i].is_some())) {
        let ends: Vec<usize> = positions.iter().map(|p| p[anchor].unwrap_or_default()).collect();
        push_between(&mut runs, texts, &cursors, &ends, refine);
        push_common(&mut runs, &[pivot[anchor]]);
        cursors = ends.iter().map(|end| end + 1).collect();
    }
    let ends: Vec<usize> = texts.iter().map(|text| text.len()).collect();
    push_between(&mut runs, texts, &cursors, &ends, refine);
    runs
}

/// For each word of `pivot`, where `text` has it (the diff's equal runs).
fn matches(pivot: &[&str], text: &[&str]) -> Vec<Option<usize>> {
    let mut found = vec![None; pivot.len()];
    for op in diff_tokens(pivot, text) {
        if let DiffOp::Equal { old_index, new_index, len } = op {
            for offset in 0..len {
                found[old_index + offset] = Some(new_index + offset);
            }
        }
    }
    found
}

/// Each text's words from its cursor to its end: common if all are the same.
fn push_between<'t>(runs: &mut Vec<Run<'t>>, texts: &[&[&'t str]], starts: &[usize], ends: &[usize], refine: bool) {
    let wordings: Vec<&[&'t str]> = texts.iter().zip(starts.iter().zip(ends)).map(|(t, (s, e))| &t[*s..*e]).collect();
    if wordings.iter().all(|w| w.is_empty()) {
        return;
    }
    if wordings.iter().all(|w| *w == wordings[0]) {
        push_common(runs, wordings[0]);
    } else if refine && !wordings[0].is_empty() {
        for run in align(wordings[0], &wordings, false) {
            match run {
                Run::Common(words) => push_common(runs, &words),
                differ => runs.push(differ),
            }
        }
    } else {
        runs.push(Run::Differ(wordings.iter().map(|w| w.to_vec()).collect()));
    }
}

fn push_common<'t>(runs: &mut Vec<Run<'t>>, words: &[&'t str]) {
    match runs.last_mut() {
        Some(Run::Common(common)) => common.extend_from_slice(words),
        _ => runs.push(Run::Common(words.to_vec())),
    }
}

/// Merges brackets that only whitespace or punctuation separates (and
/// brackets that touch): one disagreement reads better than two with a
/// comma between them.
fn merge_adjacent(runs: Vec<Run<'_>>) -> Vec<Run<'_>> {
    let mut merged: Vec<Run<'_>> = Vec::new();
    for run in runs {
        let Run::Differ(next) = run else {
            merged.push(run);
            continue;
        };
        let separator = match merged.as_slice() {
            [.., Run::Differ(_), Run::Common(between)] if !has_word(between) => merged.pop(),
            [.., Run::Differ(_)] => Some(Run::Common(Vec::new())),
            _ => None,
        };
        match (separator, merged.last_mut()) {
            (Some(Run::Common(between)), Some(Run::Differ(previous))) => {
                for (wording, more) in previous.iter_mut().zip(next) {
                    wording.extend_from_slice(&between);
                    wording.extend(more);
                }
            }
            _ => merged.push(Run::Differ(next)),
        }
    }
    merged
}

fn has_word(words: &[&str]) -> bool {
    words.iter().any(|w| w.chars().any(char::is_alphanumeric))
}

/// The draft from its runs: wordings grouped into options, the text rendered.
fn finish(runs: Vec<Run<'_>>, proposals: &[MergeInput<'_>]) -> Compromise {
    let parts: Vec<CompromisePart> = runs
        .into_iter()
        .map(|run| match run {
            Run::Common(words) => CompromisePart::Text { text: words.concat() },
            Run::Differ(wordings) => CompromisePart::Alternatives { alternatives: options(&wordings, proposals) },
        })
        .collect();
    let brackets = parts.iter().filter(|p| matches!(p, CompromisePart::Alternatives { .. })).count();
    Compromise { text: render(&parts), parts, brackets }
}

/// One option per distinct wording, listing every proposal that has it.
fn options(wordings: &[Vec<&str>], proposals: &[MergeInput<'_>]) -> Vec<Alternative> {
    let mut options: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, wording) in wordings.iter().enumerate() {
        let text = wording.concat();
        match options.iter_mut().find(|(known, _)| *known == text) {
            Some((_, indexes)) => indexes.push(index),
            None => options.push((text, vec![index])),
        }
    }
    options.into_iter().map(|(text, indexes)| alternative(&indexes, text, proposals)).collect()
}

fn alternative(indexes: &[usize], text: String, proposals: &[MergeInput<'_>]) -> Alternative {
    let mut sponsors: Vec<ParticipantCode> = Vec::new();
    for sponsor in indexes.iter().flat_map(|i| proposals[*i].sponsors) {
        if !sponsors.contains(sponsor) {
            sponsors.push(sponsor.clone());
        }
    }
    Alternative { labels: indexes.iter().map(|i| proposals[*i].label.to_string()).collect(), sponsors, text }
}

/// What a piece of a rendered draft is, so each format can mark brackets
/// its own way and escape what participants wrote.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PieceKind {
    /// Text every proposal shares (participants' words).
    Common,
    /// `[`.
    Open,
    /// Who offers the option that follows, e.g. `Alt 1, Alt 3 (ITU, DESA): `
    /// (labels are participants' words).
    Label,
    /// One option's wording (participants' words), trimmed, or [`NO_TEXT`].
    Wording,
    /// ` / ` between options.
    Separator,
    /// `]`.
    Close,
}

/// A piece of a rendered draft.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Piece {
    /// What it is.
    pub kind: PieceKind,
    /// Its text.
    pub text: String,
}

/// What an empty option reads as.
pub const NO_TEXT: &str = "(no text)";

impl Compromise {
    /// The draft as pieces; joined they give [`Compromise::text`].
    pub fn pieces(&self) -> Vec<Piece> {
        pieces(&self.parts)
    }

    /// A draft of one bracket holding one wording: a proposal nothing of
    /// which is agreed yet (or, without labels, a base text).
    pub fn single(option: Alternative) -> Compromise {
        let parts = vec![CompromisePart::Alternatives { alternatives: vec![option] }];
        Compromise { text: render(&parts), parts, brackets: 1 }
    }
}

/// The draft as one text. Options are shown trimmed, so whitespace an
/// option begins or ends with is kept outside its bracket.
fn render(parts: &[CompromisePart]) -> String {
    pieces(parts).into_iter().map(|piece| piece.text).collect()
}

fn pieces(parts: &[CompromisePart]) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let ends_with_space = |out: &[Piece]| out.last().is_some_and(|p| p.text.ends_with(char::is_whitespace));
    let mut space_after = false;
    for part in parts {
        match part {
            CompromisePart::Text { text } => {
                if space_after && !text.starts_with(char::is_whitespace) && !ends_with_space(&out) {
                    out.push(piece(PieceKind::Common, " "));
                }
                out.push(piece(PieceKind::Common, text));
                space_after = false;
            }
            CompromisePart::Alternatives { alternatives } => {
                let spaced = alternatives.iter().any(|a| a.text.starts_with(char::is_whitespace));
                if spaced && !out.is_empty() && !ends_with_space(&out) {
                    out.push(piece(PieceKind::Common, " "));
                }
                bracket(&mut out, alternatives);
                space_after = alternatives.iter().any(|a| a.text.ends_with(char::is_whitespace));
            }
        }
    }
    out
}

fn bracket(out: &mut Vec<Piece>, options: &[Alternative]) {
    out.push(piece(PieceKind::Open, "["));
    for (n, option) in options.iter().enumerate() {
        if n > 0 {
            out.push(piece(PieceKind::Separator, " / "));
        }
        if !option.labels.is_empty() {
            let sponsors: Vec<&str> = option.sponsors.iter().map(ParticipantCode::as_str).collect();
            out.push(piece(PieceKind::Label, &format!("{} ({}): ", option.labels.join(", "), sponsors.join(", "))));
        }
        let text = if option.text.trim().is_empty() { NO_TEXT } else { option.text.trim() };
        out.push(piece(PieceKind::Wording, text));
    }
    out.push(piece(PieceKind::Close, "]"));
}

fn piece(kind: PieceKind, text: &str) -> Piece {
    Piece { kind, text: text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<ParticipantCode> {
        list.iter().map(|c| c.parse().expect("valid code")).collect()
    }

    fn merge(base: &str, proposals: &[(&str, &[ParticipantCode], &str)]) -> Compromise {
        let inputs: Vec<MergeInput<'_>> =
            proposals.iter().map(|(label, sponsors, text)| MergeInput { label, sponsors, text }).collect();
        compromise(base, &inputs)
    }

    #[test]
    fn no_proposals_give_the_base_text() {
        let result = merge("The plan stands.", &[]);
        assert_eq!(result.text, "The plan stands.");
        assert_eq!(result.brackets, 0);
    }

    #[test]
    fn one_proposal_is_its_own_text() {
        let a = codes(&["ITU"]);
        let result = merge("Agencies report yearly.", &[("Alt 1", &a, "Agencies report twice a year.")]);
        assert_eq!(result.text, "Agencies report twice a year.");
        assert_eq!(result.brackets, 0);
    }

    #[test]
    fn edits_one_proposal_makes_alone_are_bracketed_not_applied() {
        let (a, b) = (codes(&["ITU"]), codes(&["DESA"]));
        let result = merge(
            "Agencies coordinate their work and report yearly.",
            &[
                ("Alt 1", &a, "Agencies closely coordinate their work and report yearly."),
                ("Alt 2", &b, "Agencies coordinate their work and report twice a year."),
            ],
        );
        assert_eq!(
            result.text,
            "Agencies [Alt 1 (ITU): closely / Alt 2 (DESA): (no text)] coordinate their work and report \
             [Alt 1 (ITU): yearly / Alt 2 (DESA): twice a year]."
        );
        assert_eq!(result.brackets, 2);
    }

    #[test]
    fn identical_edits_are_common_text() {
        let (a, b) = (codes(&["ITU"]), codes(&["DESA"]));
        let result =
            merge("support to states", &[("Alt 1", &a, "support for states"), ("Alt 2", &b, "support for states")]);
        assert_eq!(result.text, "support for states");
        assert_eq!(result.brackets, 0);
    }

    #[test]
    fn competing_wordings_are_bracketed_with_their_sponsors() {
        let (a, b) = (codes(&["UNSEC"]), codes(&["DESA", "UNCTAD"]));
        let result = merge(
            "The system will support member states in cybersecurity.",
            &[
                ("Alt 1", &a, "The system will coordinate internally in cybersecurity."),
                ("Alt 2", &b, "The system will support member states and all stakeholders in cybersecurity."),
            ],
        );
        assert_eq!(
            result.text,
            "The system will [Alt 1 (UNSEC): coordinate internally / Alt 2 (DESA, UNCTAD): support member states and all stakeholders] in cybersecurity."
        );
        let CompromisePart::Alternatives { alternatives } = &result.parts[1] else { panic!("expected a bracket") };
        assert_eq!(alternatives[1].sponsors, codes(&["DESA", "UNCTAD"]));
    }

    #[test]
    fn a_proposal_keeping_the_base_wording_is_listed_with_it() {
        let (a, b, c) = (codes(&["ITU"]), codes(&["OHCHR"]), codes(&["DESA"]));
        let result = merge(
            "Protect users.",
            &[
                ("Alt 1", &a, "Protect all users."),
                ("Alt 2", &b, "Protect vulnerable users."),
                ("Alt 3", &c, "Protect users."),
            ],
        );
        assert_eq!(
            result.text,
            "Protect [Alt 1 (ITU): all / Alt 2 (OHCHR): vulnerable / Alt 3 (DESA): (no text)] users."
        );
        for (label, text) in
            [("Alt 1", "Protect all users."), ("Alt 2", "Protect vulnerable users."), ("Alt 3", "Protect users.")]
        {
            assert_eq!(result.rebuild(label).as_deref(), Some(text));
        }
    }

    #[test]
    fn proposals_with_one_wording_share_an_option() {
        let (a, b, c) = (codes(&["ITU"]), codes(&["OHCHR"]), codes(&["DESA"]));
        let result =
            merge("Act now.", &[("Alt 1", &a, "Act today."), ("Alt 2", &b, "Act later."), ("Alt 3", &c, "Act today.")]);
        assert_eq!(result.text, "Act [Alt 1, Alt 3 (ITU, DESA): today / Alt 2 (OHCHR): later].");
    }

    #[test]
    fn brackets_separated_by_punctuation_merge() {
        let (a, b) = (codes(&["ITU"]), codes(&["DESA"]));
        let result = merge("red, green blue", &[("Alt 1", &a, "rouge, vert blue"), ("Alt 2", &b, "rot, grün blue")]);
        assert_eq!(result.brackets, 1, "{}", result.text);
        assert_eq!(result.text, "[Alt 1 (ITU): rouge, vert / Alt 2 (DESA): rot, grün] blue");
    }

    #[test]
    fn words_every_proposal_adds_stay_outside_the_brackets() {
        let (a, b) = (codes(&["ITU"]), codes(&["DESA"]));
        let result =
            merge("Act now.", &[("Alt 1", &a, "Act now, with great care."), ("Alt 2", &b, "Act now, with some care.")]);
        assert_eq!(result.text, "Act now, with [Alt 1 (ITU): great / Alt 2 (DESA): some] care.");
    }
}
