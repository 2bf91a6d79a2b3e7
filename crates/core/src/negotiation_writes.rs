//! Writes to the negotiation document (chair and convenors): participants,
//! sections and base texts, the deadline, and adoptions, which the
//! consensus rule must allow.

use crate::authorization;
use crate::characters::{self, MAX_PROPOSAL_TEXT_BYTES, MAX_SHORT_TEXT_BYTES};
use crate::consensus;
use crate::negotiation::section;
use crate::negotiation_doc::{self, AdRef, Adoption, Participant, Reopening};
use crate::participant_doc;
use crate::{Attribution, Error, Negotiation, NewParticipant, ParticipantCode, ProposalId, Timestamp};

impl Negotiation {
    /// Adds a participant (chair or convenor only). Its own document is
    /// created by its first write.
    pub fn add_participant(&mut self, new: NewParticipant, by: &Attribution) -> Result<(), Error> {
        let participants = self.participants()?;
        authorization::check_chair(&participants, &by.by, "add participants")?;
        if participants.iter().any(|p| p.code == new.code) {
            return Err(Error::DuplicateParticipant(new.code));
        }
        self.insert_participant(new, by)
    }

    pub(crate) fn insert_participant(&mut self, new: NewParticipant, by: &Attribution) -> Result<(), Error> {
        characters::check_within("participant name", &new.name, MAX_SHORT_TEXT_BYTES)?;
        let participant = Participant {
            document: participant_doc::document_id(self.id(), &new.code),
            code: new.code,
            name: new.name,
            role: new.role,
        };
        let what = format!("added participant {} ({})", participant.code, participant.role);
        self.write_negotiation(by, &what, None, |tx| negotiation_doc::put_participant(tx, &participant))
    }

    /// Adds a section with its base text (chair or convenor only).
    pub fn add_section(
        &mut self,
        number: u32,
        title: &str,
        lead: &ParticipantCode,
        base_text: &str,
        by: &Attribution,
    ) -> Result<(), Error> {
        let record = self.record()?;
        authorization::check_chair(&record.participants, &by.by, "add sections")?;
        authorization::participant(&record.participants, lead)?;
        characters::check_within("section title", title, MAX_SHORT_TEXT_BYTES)?;
        characters::check_within("base text", base_text, MAX_PROPOSAL_TEXT_BYTES)?;
        if number == 0 {
            return Err(Error::InvalidSection);
        }
        if record.sections.iter().any(|s| s.number == number) {
            return Err(Error::DuplicateSection(number));
        }
        let what = format!("added section {number}: {title}");
        self.write_negotiation(by, &what, Some(number), |tx| {
            negotiation_doc::put_section(tx, number, title, lead, base_text)
        })
    }

    /// Replaces a section's base text (chair or convenor only).
    pub fn set_base_text(&mut self, number: u32, text: &str, by: &Attribution) -> Result<(), Error> {
        let record = self.record()?;
        authorization::check_chair(&record.participants, &by.by, "change base texts")?;
        characters::check_within("base text", text, MAX_PROPOSAL_TEXT_BYTES)?;
        section(&record, number)?;
        let what = format!("changed the base text of section {number}");
        self.write_negotiation(by, &what, Some(number), |tx| negotiation_doc::update_base_text(tx, number, text))
    }

    /// Sets the deadline of the consultation window (chair or convenor only).
    pub fn set_deadline(&mut self, deadline: Timestamp, by: &Attribution) -> Result<(), Error> {
        authorization::check_chair(&self.participants()?, &by.by, "set the deadline")?;
        self.write_negotiation(by, "set the deadline", None, |tx| negotiation_doc::put_deadline(tx, deadline))
    }

    /// Opens an agreed section again (chair or convenor), for a reason: the
    /// adoption is removed, stances stay, and the adoption and the reopening
    /// both stay in history with who, when and why.
    pub fn reopen(&mut self, number: u32, reason: &str, by: &Attribution) -> Result<(), Error> {
        let record = self.record()?;
        authorization::check_chair(&record.participants, &by.by, "reopen a section")?;
        characters::check_within("reason", reason, MAX_SHORT_TEXT_BYTES)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::ReopeningNeedsReason);
        }
        let reopened = section(&record, number)?;
        let agreed = reopened.agreed.as_ref().ok_or(Error::NotAgreed(number))?;
        // Nothing is agreed until everything is: reopening one section reopens its package.
        let mut reopenings = vec![(
            number,
            Reopening { by: by.by.clone(), at: by.at, reason: reason.to_string(), label: agreed.label.clone() },
        )];
        for member in reopened.package.iter().filter(|n| **n != number) {
            if let Some(adopted) = section(&record, *member)?.agreed.as_ref() {
                let why = format!("reopened with section {number}, as part of a package: {reason}");
                let reopening = Reopening { by: by.by.clone(), at: by.at, reason: why, label: adopted.label.clone() };
                reopenings.push((*member, reopening));
            }
        }
        // One change per section, so each section's history holds its own reopening.
        for (n, reopening) in &reopenings {
            let what = format!("reopened section {n} ({} had been adopted): {}", reopening.label, reopening.reason);
            self.write_negotiation(by, &what, Some(*n), |tx| negotiation_doc::reopen(tx, *n, reopening))?;
        }
        Ok(())
    }

    /// Puts sections in one package (chair or convenor): nothing in it is agreed until
    /// everything is. An adopted section of an incomplete package is provisional, and
    /// reopening one section reopens the others. A section is in one package at most.
    pub fn package(&mut self, numbers: &[u32], by: &Attribution) -> Result<(), Error> {
        let record = self.record()?;
        authorization::check_chair(&record.participants, &by.by, "put sections in a package")?;
        let mut members: Vec<u32> = numbers.to_vec();
        members.sort_unstable();
        members.dedup();
        if members.len() < 2 {
            return Err(Error::PackageTooSmall);
        }
        for number in &members {
            let packaged = &section(&record, *number)?.package;
            if !packaged.is_empty() {
                let with = packaged.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                return Err(Error::AlreadyInPackage { section: *number, with });
            }
        }
        let list = members.iter().map(|n| format!("§{n}")).collect::<Vec<_>>().join(", ");
        let what = format!("put sections {list} in one package");
        self.write_negotiation(by, &what, None, |tx| {
            members.iter().try_for_each(|n| negotiation_doc::put_package(tx, *n, &members))
        })
    }

    /// Adopts a proposal as the section's agreed text (chair or convenor),
    /// if the consensus rule allows; otherwise says who blocks and why. Members that
    /// accepted it ad referendum are recorded: the adoption waits for their confirmation.
    /// Ends the section's silence procedure, if one runs.
    pub fn adopt(&mut self, number: u32, id: &ProposalId, by: &Attribution) -> Result<(), Error> {
        let participants = self.participants()?;
        authorization::check_chair(&participants, &by.by, "adopt a proposal")?;
        let view = self.view_at(by.at)?;
        let evaluated = view.section(number).ok_or(Error::UnknownSection(number))?;
        if let Some(agreed) = &evaluated.adoption {
            return Err(Error::AlreadyAgreed { section: number, label: agreed.label.clone() });
        }
        let proposal = view.proposal(id).ok_or(Error::UnknownProposal(*id))?;
        if proposal.section != number {
            return Err(Error::WrongSection {
                label: proposal.label.clone(),
                requested: number,
                actual: proposal.section,
            });
        }
        let blockers = consensus::blockers(&view.participants, proposal.withdrawn, &proposal.stances);
        if !blockers.is_empty() {
            return Err(Error::ConsensusNotReached { label: proposal.label.clone(), blockers });
        }
        let members = |code: &ParticipantCode| participants.iter().any(|p| &p.code == code && p.role.is_member());
        let ad_ref = proposal
            .stances
            .iter()
            .filter(|(code, stance)| stance.accepts_ad_ref() && members(code))
            .filter_map(|(code, stance)| {
                let until = stance.ad_ref_until?;
                Some(AdRef { participant: code.clone(), until, reason: stance.reason.clone() })
            })
            .collect();
        let adoption = Adoption {
            text: proposal.text.clone(),
            proposal: *id,
            label: proposal.label.clone(),
            by: by.by.clone(),
            at: by.at,
            proposal_heads: proposal.heads.clone(),
            by_silence: false,
            ad_ref,
            settled: Default::default(),
        };
        let what = format!("adopted {} as the agreed text of section {number}", proposal.label);
        self.write_negotiation(by, &what, Some(number), |tx| {
            negotiation_doc::put_adoption(tx, number, &adoption)?;
            negotiation_doc::delete_silence(tx, number)
        })
    }
}
