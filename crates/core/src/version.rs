//! A version of a whole negotiation: the heads of each of its documents.
//! It names exactly what was exported or agreed, and its fingerprint
//! (SHA-256 over the heads) lets anyone check later that a file came from
//! that version.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use automerge::{Automerge, ChangeHash, ReadDoc};
use sha2::{Digest, Sha256};

use crate::{DocumentId, Error, Negotiation};

/// The heads of every document of a negotiation at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version(BTreeMap<DocumentId, Vec<ChangeHash>>);

impl Version {
    /// The heads of one document at this version, if the version has it.
    pub fn heads_of(&self, document: &DocumentId) -> Option<Vec<ChangeHash>> {
        self.0.get(document).cloned()
    }

    /// `sha256:` and the hex SHA-256 of the version's text form.
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(self.to_string().as_bytes())))
    }
}

/// The text form: `DOC:HEAD.HEAD;DOC:HEAD`, documents and heads sorted.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let documents: Vec<String> = self
            .0
            .iter()
            .map(|(id, heads)| {
                let mut heads: Vec<String> = heads.iter().map(ToString::to_string).collect();
                heads.sort();
                format!("{id}:{}", heads.join("."))
            })
            .collect();
        f.write_str(&documents.join(";"))
    }
}

impl FromStr for Version {
    type Err = Error;

    fn from_str(text: &str) -> Result<Version, Error> {
        let invalid = || Error::InvalidVersion(text.chars().take(80).collect());
        let mut documents = BTreeMap::new();
        for document in text.trim().split(';').filter(|d| !d.is_empty()) {
            let (id, heads) = document.split_once(':').ok_or_else(invalid)?;
            let heads =
                heads.split('.').map(|h| h.parse::<ChangeHash>().map_err(|_| invalid())).collect::<Result<_, _>>()?;
            documents.insert(id.parse()?, heads);
        }
        Ok(Version(documents))
    }
}

impl Negotiation {
    /// The current version.
    pub fn version(&self) -> Version {
        Version(self.documents().iter().map(|(id, doc)| (*id, doc.get_heads())).collect())
    }

    /// The negotiation as it was at `version` (each document forked at its
    /// heads; this replays history, so it is for checking, not for requests).
    pub fn at_version(&self, version: &Version) -> Result<Negotiation, Error> {
        let mut docs = BTreeMap::new();
        for (id, heads) in &version.0 {
            let doc: &Automerge = self.documents().get(id).ok_or(Error::DocumentNotHeld(*id))?;
            if let Some(unknown) = heads.iter().find(|h| !doc.get_missing_deps(&[**h]).is_empty()) {
                return Err(Error::UnknownHeads(unknown.to_string()));
            }
            docs.insert(*id, doc.fork_at(heads)?);
        }
        let mut then = Negotiation::from_documents(self.id(), docs, self.replica())?;
        then.add_authors(self.authors().clone());
        Ok(then)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_round_trips_through_text_and_has_a_stable_fingerprint() {
        let negotiation = crate::fixture::load("hlcp-cybersecurity").expect("fixture");
        let version = negotiation.version();
        let parsed: Version = version.to_string().parse().expect("parses");
        assert_eq!(parsed, version);
        assert_eq!(parsed.fingerprint(), version.fingerprint());
        assert!(version.fingerprint().starts_with("sha256:"));
        let earlier = negotiation.at_version(&version).expect("at version");
        assert_eq!(earlier.view().expect("view"), negotiation.view().expect("view"));
    }

    #[test]
    fn a_garbled_version_is_refused() {
        assert!("nonsense".parse::<Version>().is_err());
        assert!("x:y".parse::<Version>().is_err());
    }
}
