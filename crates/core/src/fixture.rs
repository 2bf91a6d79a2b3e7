//! Fixtures: negotiations written as a script of events (JSON), replayed
//! through the same write API a participant uses, so a fixture can never
//! hold a state the rules would refuse.
//!
//! Ids and actors derive from the fixture's name, and times from its start,
//! so loading a fixture gives the same documents, byte for byte, every time.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{
    Attribution, DocumentId, Error, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role,
    StanceKind, Timestamp,
};

/// The replica name fixtures are written from.
pub const FIXTURE_REPLICA: &str = "fixture";

/// The names of the fixtures shipped with Accord.
pub const FIXTURES: &[&str] = &["hlcp-cybersecurity"];

/// The script of a fixture shipped with Accord, by name.
pub fn script(name: &str) -> Option<&'static str> {
    match name {
        "hlcp-cybersecurity" => Some(include_str!("../../../fixtures/hlcp-cybersecurity/negotiation.json")),
        _ => None,
    }
}

/// A negotiation as a script.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    title: String,
    start_ms: i64,
    deadline_minutes: Option<i64>,
    participants: Vec<ScriptParticipant>,
    sections: Vec<ScriptSection>,
    events: Vec<Event>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptParticipant {
    code: ParticipantCode,
    name: String,
    role: Role,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptSection {
    number: u32,
    title: String,
    lead: ParticipantCode,
    base_text: String,
}

#[derive(Deserialize)]
struct Event {
    minute: i64,
    by: ParticipantCode,
    #[serde(flatten)]
    action: Action,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Action {
    Propose {
        key: String,
        section: u32,
        label: String,
        cosponsors: Vec<ParticipantCode>,
        rationale: String,
        text: String,
    },
    Stance {
        proposal: String,
        stance: StanceKind,
        reason: String,
    },
    Edit {
        proposal: String,
        text: String,
    },
    Cosponsor {
        proposal: String,
    },
    Adopt {
        section: u32,
        proposal: String,
    },
}

/// Loads a shipped fixture by name.
pub fn load(name: &str) -> Result<Negotiation, Error> {
    let text = script(name)
        .ok_or_else(|| Error::Fixture(format!("no fixture named {name:?}; available: {}", FIXTURES.join(", "))))?;
    replay(name, text)
}

/// Replays a script; `name` seeds the deterministic ids.
pub fn replay(name: &str, script_json: &str) -> Result<Negotiation, Error> {
    let script: Script = serde_json::from_str(script_json).map_err(|e| Error::Fixture(e.to_string()))?;
    let mut player = Player::new(name, &script)?;
    for event in &script.events {
        player.play(event)?;
    }
    Ok(player.negotiation)
}

struct Player {
    name: String,
    start: i64,
    negotiation: Negotiation,
    proposals: BTreeMap<String, ProposalId>,
}

impl Player {
    fn new(name: &str, script: &Script) -> Result<Self, Error> {
        let id = DocumentId::derive("accord-fixture", name);
        let chair = script
            .participants
            .iter()
            .find(|p| p.role == Role::Chair)
            .ok_or_else(|| Error::Fixture("a fixture needs a participant with role chair".into()))?;
        let at = Timestamp(script.start_ms);
        let new_participant =
            |p: &ScriptParticipant| NewParticipant { code: p.code.clone(), name: p.name.clone(), role: p.role };
        let mut negotiation = Negotiation::create(id, &script.title, new_participant(chair), FIXTURE_REPLICA, at)?;
        let by = Attribution::new(chair.code.clone(), at);
        for participant in script.participants.iter().filter(|p| p.code != chair.code) {
            negotiation.add_participant(new_participant(participant), &by)?;
        }
        for s in &script.sections {
            negotiation.add_section(s.number, &s.title, &s.lead, &s.base_text, &by)?;
        }
        if let Some(minutes) = script.deadline_minutes {
            negotiation.set_deadline(Timestamp(script.start_ms + minutes * 60_000), &by)?;
        }
        Ok(Player { name: name.to_string(), start: script.start_ms, negotiation, proposals: BTreeMap::new() })
    }

    fn play(&mut self, event: &Event) -> Result<(), Error> {
        let by = Attribution::new(event.by.clone(), Timestamp(self.start + event.minute * 60_000));
        match &event.action {
            Action::Propose { key, section, label, cosponsors, rationale, text } => {
                let id = ProposalId(DocumentId::derive(&self.name, key));
                let new = NewProposal {
                    id,
                    section: *section,
                    label: label.clone(),
                    text: text.clone(),
                    rationale: rationale.clone(),
                    cosponsors: cosponsors.clone(),
                };
                self.negotiation.propose(new, &by)?;
                self.proposals.insert(key.clone(), id);
            }
            Action::Stance { proposal, stance, reason } => {
                let id = self.proposal(proposal)?;
                self.negotiation.record_stance(&id, *stance, reason, &by)?;
            }
            Action::Edit { proposal, text } => {
                let id = self.proposal(proposal)?;
                self.negotiation.edit_proposal(&id, text, &by)?;
            }
            Action::Cosponsor { proposal } => {
                let id = self.proposal(proposal)?;
                self.negotiation.cosponsor(&id, &by)?;
            }
            Action::Adopt { section, proposal } => {
                let id = self.proposal(proposal)?;
                self.negotiation.adopt(*section, &id, &by)?;
            }
        }
        Ok(())
    }

    fn proposal(&self, key: &str) -> Result<ProposalId, Error> {
        self.proposals.get(key).copied().ok_or_else(|| Error::Fixture(format!("no proposal with key {key:?} yet")))
    }
}
