//! Authorship: who made each change a redline of a proposal shows, and when.
//!
//! The redline itself is the one every reader sees ([`crate::redline`]); the
//! history decides whose it is. automerge gives every character an identity
//! (the operation that inserted it), so an inserted character belongs to the
//! change that inserted it and a deleted one to the change that deleted it,
//! each with its [`ChangeNote`]. A proposal starts as a copy of a text the
//! proposer typed or pasted, so against the base text (another document) the
//! first version is bridged by a diff: base words it kept keep their
//! identity, the others were deleted by the proposer when proposing. Words a
//! readable redline folds into a change (unchanged in fact) take the author
//! of the change around them.

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::{ActorId, Automerge, ChangeHash, ObjId, ReadDoc, ScalarValueRef, ValueRef, legacy};
use serde::Serialize;
use similar::DiffOp;

use crate::redline::{SegmentKind, char_offsets, diff_tokens, redline, tokens};
use crate::{
    ChangeNote, Error, Negotiation, NegotiationView, ParticipantCode, ProposalId, Timestamp, Version, proposal_doc,
};

/// A run of a redline with who made it and when (`None` for unchanged text,
/// or a change no note names: one made by another tool).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct AuthoredSegment {
    /// What happened to the run.
    pub kind: SegmentKind,
    /// The text.
    pub text: String,
    /// Who made the change.
    pub by: Option<ParticipantCode>,
    /// When.
    pub at: Option<Timestamp>,
}

/// What an authored redline compares a proposal's text with.
#[derive(Clone, Copy, Debug)]
pub enum Since<'a> {
    /// Another text, such as the section's base text.
    Text(&'a str),
    /// The proposal as it was at these heads (none: before it existed).
    Heads(&'a [ChangeHash]),
}

/// Who made a change and when.
type Author = (Option<ParticipantCode>, Timestamp);

impl Negotiation {
    /// The redline from `since` to proposal `id` at heads `to` (its current
    /// text if `None`), each change attributed to who made it.
    pub fn authored_redline(
        &self,
        id: &ProposalId,
        since: Since<'_>,
        to: Option<&[ChangeHash]>,
    ) -> Result<Vec<AuthoredSegment>, Error> {
        let doc = self.document(&id.0).ok_or(Error::UnknownProposal(*id))?;
        let current = doc.get_heads();
        let to = to.unwrap_or(&current);
        Authors::new(doc, &self.authors)?.redline(since, to)
    }
}

/// The tracked changes of every wording a draft shows, by proposal: each
/// live proposal of an unresolved section and each adopted proposal (at the
/// heads it was adopted at), against the section's base text, or with
/// `since` against that earlier version (a proposal made since: all of it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackedChanges {
    /// The earlier version the changes are shown against, if not the base texts.
    pub since: Option<Version>,
    /// The changes of each wording.
    pub wordings: BTreeMap<ProposalId, Vec<AuthoredSegment>>,
}

impl Negotiation {
    /// The tracked changes of the wordings `view` (this negotiation's view) shows.
    pub fn tracked_changes(&self, view: &NegotiationView, since: Option<&Version>) -> Result<TrackedChanges, Error> {
        let mut wordings = BTreeMap::new();
        for section in &view.sections {
            let shown: Vec<(ProposalId, Option<&[String]>)> = match &section.adoption {
                Some(adoption) => vec![(adoption.proposal, Some(adoption.proposal_heads.as_slice()))],
                None => section.live_proposals().map(|p| (p.id, None)).collect(),
            };
            for (id, adopted) in shown {
                let Some(doc) = self.document(&id.0) else { continue };
                let to = match adopted {
                    None => None,
                    // Heads this replica cannot read: the wording is shown untracked.
                    Some(heads) => match known_heads(doc, heads) {
                        Some(heads) => Some(heads),
                        None => continue,
                    },
                };
                let earlier = since.map(|version| earlier_heads(doc, version.heads_of(&id.0)));
                let from = match &earlier {
                    Some(heads) => Since::Heads(heads),
                    None => Since::Text(&section.base_text),
                };
                wordings.insert(id, self.authored_redline(&id, from, to.as_deref())?);
            }
        }
        Ok(TrackedChanges { since: since.cloned(), wordings })
    }
}

/// A proposal's heads at an earlier version: none if it did not exist then
/// (or this replica cannot read them).
fn earlier_heads(doc: &Automerge, heads: Option<Vec<ChangeHash>>) -> Vec<ChangeHash> {
    heads.filter(|heads| doc.get_missing_deps(heads).is_empty()).unwrap_or_default()
}

/// The heads an adoption names, if `doc` holds every one of them.
fn known_heads(doc: &Automerge, heads: &[String]) -> Option<Vec<ChangeHash>> {
    let parsed: Vec<ChangeHash> = heads.iter().map(|h| h.parse().ok()).collect::<Option<_>>()?;
    (!parsed.is_empty() && doc.get_missing_deps(&parsed).is_empty()).then_some(parsed)
}

/// A proposal document read for authorship.
struct Authors<'d> {
    doc: &'d Automerge,
    text: ObjId,
    notes: HashMap<ChangeHash, Author>,
    /// Who made changes without a note (see `Negotiation::authors`).
    authors: &'d BTreeMap<ActorId, ParticipantCode>,
}

/// A text as characters, each with the element that holds it (`None` when
/// it is not part of the proposal's history, e.g. a base text's word the
/// proposer dropped).
struct Characters {
    chars: Vec<char>,
    elements: Vec<Option<ObjId>>,
}

impl Characters {
    fn text(&self) -> String {
        self.chars.iter().collect()
    }
}

impl<'d> Authors<'d> {
    fn new(doc: &'d Automerge, authors: &'d BTreeMap<ActorId, ParticipantCode>) -> Result<Self, Error> {
        Ok(Authors { doc, text: proposal_doc::text_obj(doc)?, notes: HashMap::new(), authors })
    }

    fn redline(mut self, since: Since<'_>, to: &[ChangeHash]) -> Result<Vec<AuthoredSegment>, Error> {
        let new = self.characters_at(to);
        let (old, from_heads, dropped_by) = match since {
            Since::Heads(heads) => (self.characters_at(heads), heads.to_vec(), None),
            Since::Text(base) => {
                let creation = self.creation();
                let first = self.characters_at(&creation);
                let dropped_by = creation.first().map(|hash| self.note_of(hash));
                (bridged(base, &first), creation, dropped_by)
            }
        };
        let before: HashSet<&ObjId> = old.elements.iter().flatten().collect();
        let after: HashSet<&ObjId> = new.elements.iter().flatten().collect();
        let gone: HashSet<ObjId> = before.difference(&after).map(|e| (*e).clone()).collect();
        let deleters = self.deleters(&gone, &from_heads, to)?;
        let mut inserted: Vec<Option<Author>> = Vec::with_capacity(new.chars.len());
        for element in &new.elements {
            inserted.push(match element {
                Some(e) if !before.contains(e) => self.inserter(e),
                _ => None,
            });
        }
        let deleted: Vec<Option<Author>> = old
            .elements
            .iter()
            .map(|element| match element {
                Some(e) => deleters.get(e).cloned(),
                None => dropped_by.clone(),
            })
            .collect();
        Ok(attribute(&old.text(), &new.text(), &deleted, &inserted))
    }

    /// The text at `heads`, a character and its element each.
    fn characters_at(&self, heads: &[ChangeHash]) -> Characters {
        let mut out = Characters { chars: Vec::new(), elements: Vec::new() };
        if heads.is_empty() {
            return out;
        }
        for item in self.doc.list_range_at(&self.text, .., heads) {
            if let ValueRef::Scalar(ScalarValueRef::Str(value)) = &item.value {
                for ch in value.chars() {
                    out.chars.push(ch);
                    out.elements.push(Some(item.id()));
                }
            }
        }
        // Marks (Accord writes none) are items too; if one hid among the
        // characters, the text stands without identities rather than wrong.
        let text = self.doc.text_at(&self.text, heads).unwrap_or_default();
        if out.text() != text {
            out.chars = text.chars().collect();
            out.elements = vec![None; out.chars.len()];
        }
        out
    }

    /// The heads of the proposal's first version: its changes without dependencies.
    fn creation(&self) -> Vec<ChangeHash> {
        self.doc.get_changes_meta(&[]).into_iter().filter(|meta| meta.deps.is_empty()).map(|meta| meta.hash).collect()
    }

    fn inserter(&mut self, element: &ObjId) -> Option<Author> {
        let hash = self.doc.hash_for_opid(element)?;
        Some(self.note_of(&hash))
    }

    /// Who made change `hash`, from its note (or automerge's time alone).
    fn note_of(&mut self, hash: &ChangeHash) -> Author {
        if let Some(known) = self.notes.get(hash) {
            return known.clone();
        }
        let meta = self.doc.get_change_meta_by_hash(hash);
        let note = meta.as_ref().and_then(|m| m.message.as_deref()).and_then(ChangeNote::from_message);
        let author = match (note, meta) {
            (Some(note), _) => (Some(note.by), note.at),
            (None, Some(meta)) => {
                (self.authors.get(&*meta.actor).cloned(), Timestamp(meta.timestamp.saturating_mul(1000)))
            }
            (None, None) => (None, Timestamp(0)),
        };
        self.notes.insert(*hash, author.clone());
        author
    }

    /// For each element of `gone`, the change between `from` and `to` that deleted it.
    fn deleters(
        &mut self,
        gone: &HashSet<ObjId>,
        from: &[ChangeHash],
        to: &[ChangeHash],
    ) -> Result<HashMap<ObjId, Author>, Error> {
        let mut found = HashMap::new();
        if gone.is_empty() {
            return Ok(found);
        }
        let ObjId::Id(counter, actor, _) = &self.text else { return Ok(found) };
        let target = legacy::ObjectId::Id(legacy::OpId(*counter, actor.clone()));
        let reached: HashSet<ChangeHash> = self.doc.get_changes_meta(to).into_iter().map(|m| m.hash).collect();
        let between: Vec<ChangeHash> = self
            .doc
            .get_changes_meta(from)
            .into_iter()
            .map(|m| m.hash)
            .filter(|hash| !reached.contains(hash))
            .collect();
        for hash in between {
            let Some(change) = self.doc.get_change_by_hash(&hash) else { continue };
            for op in change.decode().operations {
                let deletes = op.obj == target && matches!(op.action, legacy::OpType::Delete);
                if let (true, legacy::Key::Seq(legacy::ElementId::Id(element))) = (deletes, &op.key) {
                    let element = ObjId::Id(element.0, element.1.clone(), 0);
                    if gone.contains(&element) {
                        let author = self.note_of(&hash);
                        found.entry(element).or_insert(author);
                    }
                }
            }
        }
        Ok(found)
    }
}

/// The base text's characters, each with the element of the first version
/// that kept it (by a token diff), or none if the proposer dropped it.
fn bridged(base: &str, first: &Characters) -> Characters {
    let first_text = first.text();
    let (base_tokens, first_tokens) = (tokens(base), tokens(&first_text));
    let base_starts = char_offsets(&base_tokens);
    let first_starts = char_offsets(&first_tokens);
    let mut elements = vec![None; base.chars().count()];
    for op in diff_tokens(&base_tokens, &first_tokens) {
        if let DiffOp::Equal { old_index, new_index, len } = op {
            let (from, to) = (base_starts[old_index], base_starts[old_index + len]);
            let offset = first_starts[new_index];
            for (k, element) in elements[from..to].iter_mut().enumerate() {
                *element = first.elements[offset + k].clone();
            }
        }
    }
    Characters { chars: base.chars().collect(), elements }
}

/// The redline from `old` to `new`, each changed run split by author:
/// `deleted[i]` is who deleted old character `i`, `inserted[j]` who
/// inserted new character `j` (`None`: unchanged in fact, folded in).
fn attribute(old: &str, new: &str, deleted: &[Option<Author>], inserted: &[Option<Author>]) -> Vec<AuthoredSegment> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0usize, 0usize);
    let mut last: Option<Author> = None;
    for segment in redline(old, new).segments {
        let len = segment.text.chars().count();
        let authors = match segment.kind {
            SegmentKind::Equal => {
                (i, j) = (i + len, j + len);
                out.push(AuthoredSegment { kind: SegmentKind::Equal, text: segment.text, by: None, at: None });
                continue;
            }
            SegmentKind::Delete => &deleted[i..i + len],
            SegmentKind::Insert => &inserted[j..j + len],
        };
        let filled = filled(authors, last.clone());
        last = filled.last().cloned();
        split(&mut out, segment.kind, &segment.text, &filled);
        match segment.kind {
            SegmentKind::Delete => i += len,
            _ => j += len,
        }
    }
    out
}

/// Authors for every character of a run: a character with none takes the
/// author before it in the run, else after it, else the previous run's.
fn filled(authors: &[Option<Author>], previous: Option<Author>) -> Vec<Author> {
    let first_known = authors.iter().flatten().next().cloned().or(previous);
    let fallback = first_known.unwrap_or((None, Timestamp(0)));
    let mut current = fallback;
    authors
        .iter()
        .map(|author| {
            if let Some(author) = author {
                current = author.clone();
            }
            current.clone()
        })
        .collect()
}

/// Pushes a run as segments of one author each.
fn split(out: &mut Vec<AuthoredSegment>, kind: SegmentKind, text: &str, authors: &[Author]) {
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for index in 1..=chars.len() {
        if index == chars.len() || authors[index] != authors[start] {
            let end = chars.get(index).map_or(text.len(), |(byte, _)| *byte);
            let (by, at) = authors[start].clone();
            out.push(AuthoredSegment { kind, text: text[chars[start].0..end].to_string(), by, at: Some(at) });
            start = index;
        }
    }
}
