//! Writes of the procedures with time (see [`crate::procedure`]): putting a proposal under
//! silence, and recording the outcomes the view derives once their time passed, so the
//! documents, and the exports made from them, hold them.

use crate::authorization;
use crate::document::text_fingerprint;
use crate::negotiation_doc::{self, Settled, Silence};
use crate::view::SectionView;
use crate::{Attribution, Error, Negotiation, ProposalId, StanceKind, Timestamp};

impl Negotiation {
    /// Puts proposal `id` of section `number` under silence until `until` (chair or
    /// convenor): unless a member objects before then or its text changes, it is adopted
    /// then. Refused for an agreed section, one already under silence, a withdrawn
    /// proposal or one a member objects to.
    pub fn silence(&mut self, number: u32, id: &ProposalId, until: Timestamp, by: &Attribution) -> Result<(), Error> {
        authorization::check_chair(&self.participants()?, &by.by, "put a proposal under silence")?;
        if until <= by.at {
            return Err(Error::NotInFuture("end of silence"));
        }
        let view = self.view_at(by.at)?;
        let section = view.section(number).ok_or(Error::UnknownSection(number))?;
        if let Some(agreed) = &section.adoption {
            return Err(Error::AlreadyAgreed { section: number, label: agreed.label.clone() });
        }
        if let Some(running) = section.silence.as_ref().filter(|s| s.running) {
            return Err(Error::AlreadyUnderSilence { section: number, label: running.procedure.label.clone() });
        }
        let proposal = view.proposal(id).ok_or(Error::UnknownProposal(*id))?;
        if proposal.section != number {
            let (label, actual) = (proposal.label.clone(), proposal.section);
            return Err(Error::WrongSection { label, requested: number, actual });
        }
        if proposal.withdrawn {
            return Err(Error::Withdrawn(proposal.label.clone()));
        }
        if let Some((who, _)) = proposal.stances.iter().find(|(_, s)| s.stance == StanceKind::Object) {
            return Err(Error::SilenceObjected { label: proposal.label.clone(), who: who.clone() });
        }
        let silence = Silence {
            proposal: *id,
            label: proposal.label.clone(),
            by: by.by.clone(),
            at: by.at,
            until,
            text_sha: text_fingerprint(&proposal.text),
        };
        let what = format!("put {} under silence", proposal.label);
        self.write_negotiation(by, &what, Some(number), |tx| negotiation_doc::put_silence(tx, number, &silence))
    }

    /// Records what the procedures came to by `now` and the documents do not say yet: a
    /// silence that held (the adoption, in the name of whoever put it under silence, at its
    /// end), acceptances ad referendum whose date passed (confirmed or lapsed), adoptions
    /// voided by an objection (as reopened). Each is written at the time it happened, so
    /// afterwards [`Negotiation::view`] reads what [`Negotiation::view_at`] read at `now`.
    /// Returns what it recorded, in words (empty: nothing was due).
    pub fn settle(&mut self, now: Timestamp) -> Result<Vec<String>, Error> {
        // Every outcome to record belongs to a procedure with a time: none, nothing to build.
        if self.procedure_times()?.is_empty() {
            return Ok(Vec::new());
        }
        let view = self.view_at(now)?;
        let record = self.record()?;
        let mut recorded = Vec::new();
        for section in &view.sections {
            let Some(stored) = record.sections.iter().find(|s| s.number == section.number) else { continue };
            match (&stored.agreed, &section.adoption) {
                (None, Some(_)) => recorded.push(self.record_silence_adoption(section)?),
                (Some(_), None) => recorded.extend(self.record_voiding(section, &stored.reopenings)?),
                (Some(stored), Some(read)) => {
                    let newly = |who| read.settled.contains_key(who) && !stored.settled.contains_key(who);
                    let due: Vec<_> = section.confirmations.iter().filter(|c| newly(&c.participant)).cloned().collect();
                    for confirmation in due {
                        recorded.push(self.record_confirmation(section, &confirmation)?);
                    }
                }
                (None, None) => {}
            }
        }
        Ok(recorded)
    }

    /// The times at which a procedure the documents record may end by itself (a silence
    /// not ended in an adoption, an acceptance ad referendum not settled), earliest first:
    /// when [`Negotiation::settle`] may have something to record. Read from the negotiation
    /// document alone, so cheap enough to ask after every write.
    pub fn procedure_times(&self) -> Result<Vec<Timestamp>, Error> {
        let record = self.shared_record()?;
        let mut times = Vec::new();
        for section in &record.sections {
            match &section.agreed {
                None => times.extend(section.silence.as_ref().map(|s| s.until)),
                Some(agreed) => {
                    let unsettled = agreed.ad_ref.iter().filter(|a| !agreed.settled.contains_key(&a.participant));
                    times.extend(unsettled.map(|a| a.until));
                }
            }
        }
        times.sort_unstable();
        Ok(times)
    }

    fn record_silence_adoption(&mut self, section: &SectionView) -> Result<String, Error> {
        let adoption = section.adoption.clone().expect("a section adopted by silence");
        let by = Attribution::new(adoption.by.clone(), adoption.at);
        let what = format!(
            "adopted {} as the agreed text of section {} by silence procedure (no objection before its end)",
            adoption.label, section.number
        );
        let number = section.number;
        self.write_negotiation(&by, &what, Some(number), |tx| negotiation_doc::put_adoption(tx, number, &adoption))?;
        Ok(what)
    }

    fn record_voiding(&mut self, section: &SectionView, stored: &[crate::Reopening]) -> Result<Option<String>, Error> {
        let Some(reopening) = section.reopenings.iter().find(|r| !stored.contains(r)) else { return Ok(None) };
        let by = Attribution::new(reopening.by.clone(), reopening.at);
        let number = section.number;
        let what = format!("reopened section {number} ({} had been adopted): {}", reopening.label, reopening.reason);
        self.write_negotiation(&by, &what, Some(number), |tx| negotiation_doc::reopen(tx, number, reopening))?;
        Ok(Some(what))
    }

    fn record_confirmation(
        &mut self,
        section: &SectionView,
        confirmation: &crate::procedure::Confirmation,
    ) -> Result<String, Error> {
        let adoption = section.adoption.as_ref().expect("an adopted section");
        let by = Attribution::new(adoption.by.clone(), confirmation.until);
        let who = &confirmation.participant;
        let what = match confirmation.lapsed {
            true => format!(
                "{who}'s acceptance ad referendum of {} taken as confirmed: no objection by its date",
                adoption.label
            ),
            false => format!("{who} confirmed its acceptance ad referendum of {}", adoption.label),
        };
        let settled =
            Settled { at: confirmation.confirmed_at.unwrap_or(confirmation.until), lapsed: confirmation.lapsed };
        let number = section.number;
        self.write_negotiation(&by, &what, Some(number), |tx| negotiation_doc::put_settled(tx, number, who, settled))?;
        Ok(what)
    }
}
