//! Compromise draft: the base text with every live proposal merged in,
//! three-way, at word level.
//!
//! Each proposal is diffed against the base into edits (a base range and
//! its replacement). Edits that do not collide are all applied; identical
//! edits made by several proposals count once; edits whose base ranges
//! overlap or are separated by whitespace only form a collision, shown the
//! UN way: `[Alt 1 (UNSEC): ... / Alt 2 (DESA, UNCTAD): ...]`, with words
//! shared by every alternative kept outside the brackets.

use std::ops::Range;

use serde::Serialize;
use similar::DiffOp;

use crate::ParticipantCode;
use crate::redline::{diff_tokens, tokens};
use crate::view::SectionView;

/// A proposal as the merge sees it.
#[derive(Clone, Debug)]
pub struct MergeInput<'a> {
    /// Its label, e.g. "Alt 2".
    pub label: &'a str,
    /// Its sponsors.
    pub sponsors: &'a [ParticipantCode],
    /// Its text.
    pub text: &'a str,
}

/// The merged draft.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Compromise {
    /// The draft as text, collisions in brackets.
    pub text: String,
    /// The draft as runs of merged text and bracketed alternatives.
    pub parts: Vec<CompromisePart>,
    /// How many brackets remain.
    pub brackets: usize,
}

/// A run of the compromise draft.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CompromisePart {
    /// Merged text every proposal's edits agree on.
    Text {
        /// The text.
        text: String,
    },
    /// A collision: the proposals' competing wordings.
    Alternatives {
        /// One entry per distinct wording.
        alternatives: Vec<Alternative>,
    },
}

/// One competing wording inside brackets.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Alternative {
    /// The labels of the proposals with this wording.
    pub labels: Vec<String>,
    /// Their sponsors.
    pub sponsors: Vec<ParticipantCode>,
    /// The wording.
    pub text: String,
}

impl SectionView {
    /// The compromise draft of this section from its live proposals.
    pub fn compromise(&self) -> Compromise {
        let inputs: Vec<MergeInput<'_>> = self
            .live_proposals()
            .map(|p| MergeInput { label: &p.label, sponsors: &p.sponsors, text: &p.text })
            .collect();
        compromise(&self.base_text, &inputs)
    }
}

/// One proposal's replacement of a base range.
#[derive(Clone, Debug)]
struct Edit<'t> {
    range: Range<usize>,
    replacement: Vec<&'t str>,
    proposals: Vec<usize>,
}

/// Merges `proposals` into `base`.
pub fn compromise(base: &str, proposals: &[MergeInput<'_>]) -> Compromise {
    let base_tokens = tokens(base);
    let proposal_tokens: Vec<Vec<&str>> = proposals.iter().map(|p| tokens(p.text)).collect();
    let edits = collect_edits(&base_tokens, &proposal_tokens);
    let mut builder = Builder::default();
    let mut position = 0;
    for cluster in clusters(&base_tokens, edits) {
        let range = cluster_range(&cluster);
        builder.text(&base_tokens[position..range.start]);
        let wordings = wordings(&base_tokens, range.clone(), &cluster);
        builder.collision(wordings, proposals);
        position = range.end;
    }
    builder.text(&base_tokens[position..]);
    builder.finish()
}

/// Every proposal's edits, identical ones merged, sorted by base position.
fn collect_edits<'t>(base: &[&'t str], proposals: &[Vec<&'t str>]) -> Vec<Edit<'t>> {
    let mut edits: Vec<Edit<'t>> = Vec::new();
    for (index, theirs) in proposals.iter().enumerate() {
        for op in diff_tokens(base, theirs) {
            if matches!(op, DiffOp::Equal { .. }) {
                continue;
            }
            let replacement = theirs[op.new_range()].to_vec();
            match edits.iter_mut().find(|e| e.range == op.old_range() && e.replacement == replacement) {
                Some(same) => same.proposals.push(index),
                None => edits.push(Edit { range: op.old_range(), replacement, proposals: vec![index] }),
            }
        }
    }
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits
}

/// Groups edits whose base ranges collide.
fn clusters<'t>(base: &[&str], edits: Vec<Edit<'t>>) -> Vec<Vec<Edit<'t>>> {
    let mut clusters: Vec<Vec<Edit<'t>>> = Vec::new();
    for edit in edits {
        match clusters.last_mut() {
            Some(cluster) if collides(base, &cluster_range(cluster), &edit.range) => cluster.push(edit),
            _ => clusters.push(vec![edit]),
        }
    }
    clusters
}

/// Edits collide when their ranges overlap or only whitespace separates
/// them (`b` starts at or after `a`), as adjacent hunks do in a three-way
/// merge of lines: a clause added right after a rewritten phrase is as
/// likely meant for the old phrase as for the new one.
fn collides(base: &[&str], a: &Range<usize>, b: &Range<usize>) -> bool {
    if b.start < a.end {
        return true;
    }
    base[a.end..b.start].iter().all(|token| token.trim().is_empty())
}

fn cluster_range(cluster: &[Edit<'_>]) -> Range<usize> {
    let start = cluster.iter().map(|e| e.range.start).min().unwrap_or(0);
    let end = cluster.iter().map(|e| e.range.end).max().unwrap_or(start);
    start..end
}

/// A wording of a collision: the proposals (by index) that have it, and its tokens.
type Wording<'t> = (Vec<usize>, Vec<&'t str>);

/// Each involved proposal's wording of the cluster's base range, identical
/// wordings merged.
fn wordings<'t>(base: &[&'t str], range: Range<usize>, cluster: &[Edit<'t>]) -> Vec<Wording<'t>> {
    let mut involved: Vec<usize> = cluster.iter().flat_map(|e| e.proposals.iter().copied()).collect();
    involved.sort_unstable();
    involved.dedup();
    let mut found: Vec<Wording<'t>> = Vec::new();
    for index in involved {
        let wording = apply_within(base, range.clone(), cluster, index);
        match found.iter_mut().find(|(_, w)| same_words(w, &wording)) {
            Some((indexes, _)) => indexes.push(index),
            None => found.push((vec![index], wording)),
        }
    }
    found
}

/// Whether two wordings differ in whitespace at most.
fn same_words(a: &[&str], b: &[&str]) -> bool {
    fn words<'t>(tokens: &[&'t str]) -> Vec<&'t str> {
        tokens.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect()
    }
    words(a) == words(b)
}

/// The base tokens of `range` with proposal `index`'s edits in it applied.
fn apply_within<'t>(base: &[&'t str], range: Range<usize>, cluster: &[Edit<'t>], index: usize) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut position = range.start;
    for edit in cluster.iter().filter(|e| e.proposals.contains(&index)) {
        out.extend_from_slice(&base[position..edit.range.start]);
        out.extend_from_slice(&edit.replacement);
        position = edit.range.end;
    }
    out.extend_from_slice(&base[position..range.end]);
    out
}

/// Accumulates runs of the draft.
#[derive(Default)]
struct Builder {
    parts: Vec<CompromisePart>,
}

impl Builder {
    fn text(&mut self, tokens: &[&str]) {
        if tokens.is_empty() {
            return;
        }
        match self.parts.last_mut() {
            Some(CompromisePart::Text { text }) => text.extend(tokens.iter().copied()),
            _ => self.parts.push(CompromisePart::Text { text: tokens.concat() }),
        }
    }

    /// Adds a collision: words every wording shares at its start and end
    /// stay outside the brackets; a single wording is plain text.
    fn collision(&mut self, wordings: Vec<Wording<'_>>, proposals: &[MergeInput<'_>]) {
        if let [(_, only)] = wordings.as_slice() {
            self.text(only);
            return;
        }
        let token_lists: Vec<&[&str]> = wordings.iter().map(|(_, w)| w.as_slice()).collect();
        let (prefix, suffix) = shared_ends(&token_lists);
        let first = token_lists[0];
        self.text(&first[..prefix]);
        let alternatives = wordings
            .iter()
            .map(|(indexes, tokens)| alternative(indexes, &tokens[prefix..tokens.len() - suffix], proposals))
            .collect();
        self.parts.push(CompromisePart::Alternatives { alternatives });
        self.text(&first[first.len() - suffix..]);
    }

    fn finish(self) -> Compromise {
        let mut text = String::new();
        let mut previous: Option<&CompromisePart> = None;
        for part in &self.parts {
            let rendered = render(part);
            if needs_space(previous, part) && !text.is_empty() && !text.ends_with(char::is_whitespace) {
                text.push(' ');
            }
            text.push_str(&rendered);
            previous = Some(part);
        }
        let brackets = self.parts.iter().filter(|p| matches!(p, CompromisePart::Alternatives { .. })).count();
        Compromise { text, parts: self.parts, brackets }
    }
}

/// Alternatives are shown trimmed, so whitespace they began (or ended)
/// with must stay outside the bracket, or it runs into the next word.
fn needs_space(previous: Option<&CompromisePart>, part: &CompromisePart) -> bool {
    let spaced = |alternatives: &[Alternative], edge: fn(&str) -> bool| alternatives.iter().any(|a| edge(&a.text));
    match (previous, part) {
        (_, CompromisePart::Alternatives { alternatives }) => {
            spaced(alternatives, |t| t.starts_with(char::is_whitespace))
        }
        (Some(CompromisePart::Alternatives { alternatives }), CompromisePart::Text { text }) => {
            spaced(alternatives, |t| t.ends_with(char::is_whitespace)) && !text.starts_with(char::is_whitespace)
        }
        _ => false,
    }
}

/// The lengths of the token prefix and suffix all lists share (not overlapping).
fn shared_ends(lists: &[&[&str]]) -> (usize, usize) {
    let shortest = lists.iter().map(|l| l.len()).min().unwrap_or(0);
    let first = lists[0];
    let prefix = (0..shortest).take_while(|&i| lists.iter().all(|l| l[i] == first[i])).count();
    let suffix = (0..shortest - prefix)
        .take_while(|&i| lists.iter().all(|l| l[l.len() - 1 - i] == first[first.len() - 1 - i]))
        .count();
    (prefix, suffix)
}

fn alternative(indexes: &[usize], tokens: &[&str], proposals: &[MergeInput<'_>]) -> Alternative {
    let mut sponsors: Vec<ParticipantCode> = Vec::new();
    for index in indexes {
        for sponsor in proposals[*index].sponsors {
            if !sponsors.contains(sponsor) {
                sponsors.push(sponsor.clone());
            }
        }
    }
    Alternative {
        labels: indexes.iter().map(|i| proposals[*i].label.to_string()).collect(),
        sponsors,
        text: tokens.concat(),
    }
}

fn render(part: &CompromisePart) -> String {
    match part {
        CompromisePart::Text { text } => text.clone(),
        CompromisePart::Alternatives { alternatives } => {
            let rendered: Vec<String> = alternatives.iter().map(render_alternative).collect();
            format!("[{}]", rendered.join(" / "))
        }
    }
}

fn render_alternative(alternative: &Alternative) -> String {
    let sponsors: Vec<&str> = alternative.sponsors.iter().map(ParticipantCode::as_str).collect();
    let text = if alternative.text.trim().is_empty() { "(none)" } else { alternative.text.trim() };
    format!("{} ({}): {}", alternative.labels.join(", "), sponsors.join(", "), text)
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
    fn edits_in_different_places_are_both_applied() {
        let (a, b) = (codes(&["ITU"]), codes(&["DESA"]));
        let result = merge(
            "Agencies coordinate their work and report yearly.",
            &[
                ("Alt 1", &a, "Agencies closely coordinate their work and report yearly."),
                ("Alt 2", &b, "Agencies coordinate their work and report twice a year."),
            ],
        );
        assert_eq!(result.text, "Agencies closely coordinate their work and report twice a year.");
        assert_eq!(result.brackets, 0);
    }

    #[test]
    fn identical_edits_count_once() {
        let (a, b) = (codes(&["ITU"]), codes(&["DESA"]));
        let result =
            merge("support to states", &[("Alt 1", &a, "support for states"), ("Alt 2", &b, "support for states")]);
        assert_eq!(result.text, "support for states");
    }

    #[test]
    fn colliding_edits_are_bracketed_with_their_sponsors() {
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
        assert_eq!(result.brackets, 1);
        let CompromisePart::Alternatives { alternatives } = &result.parts[1] else { panic!("expected a bracket") };
        assert_eq!(alternatives[1].sponsors, codes(&["DESA", "UNCTAD"]));
    }

    #[test]
    fn two_insertions_at_one_point_collide() {
        let (a, b) = (codes(&["ITU"]), codes(&["OHCHR"]));
        let result =
            merge("Protect users.", &[("Alt 1", &a, "Protect all users."), ("Alt 2", &b, "Protect vulnerable users.")]);
        assert_eq!(result.text, "Protect [Alt 1 (ITU): all / Alt 2 (OHCHR): vulnerable] users.");
    }

    #[test]
    fn a_deletion_colliding_with_a_rewrite_shows_none() {
        let (a, b) = (codes(&["ITU"]), codes(&["DESA"]));
        let result =
            merge("Act now, with care.", &[("Alt 1", &a, "Act now."), ("Alt 2", &b, "Act now, with great care.")]);
        assert_eq!(result.brackets, 1);
        assert!(result.text.contains("Alt 1 (ITU): (none)"), "{}", result.text);
    }
}
