//! `accord export` and `accord verify`: the agreed draft as a file that
//! names the exact version it was made from, and the check that a file
//! still matches that version: byte for byte, or else in what it says
//! (a file saved again by Word or a browser), or where its text was changed.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use accord_core::{Negotiation, NegotiationView, Version};
use accord_export::Format;
use anyhow::{Context, Result, anyhow, bail};

use crate::output::sayln;
use crate::render;
use crate::store::LocalStore;

/// What `accord export` was asked for.
pub struct ExportRequest {
    /// md, html, akn or docx.
    pub format: String,
    /// The file to write (standard output when absent).
    pub output: Option<PathBuf>,
    /// Refuse while any section is unresolved.
    pub for_approval: bool,
    /// Track the changes since this earlier version (a file, a version or a time).
    pub against: Option<String>,
}

/// Writes the agreed draft; with `for_approval`, refuses while any section is unresolved.
pub fn export(store: &LocalStore, wanted: Option<&str>, request: &ExportRequest) -> Result<()> {
    let format: Format = request.format.parse().map_err(|e: String| anyhow!(e))?;
    let negotiation = store.load_wanted(wanted)?.negotiation;
    let view = negotiation.view()?;
    if request.for_approval {
        check_all_agreed(&view)?;
    }
    let version = negotiation.version();
    let since = match &request.against {
        None => None,
        Some(_) if format != Format::Docx => bail!("--against shows tracked changes: use it with --format docx"),
        Some(rev) => Some(version_at(&negotiation, rev)?),
    };
    let bytes = accord_export::export(&negotiation, format, since.as_ref())?;
    match &request.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} ({} bytes, fingerprint {})", path.display(), bytes.len(), version.fingerprint());
        }
        None if format == Format::Docx && std::io::stdout().is_terminal() => {
            bail!("a DOCX file is binary: write it with -o FILE.docx")
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(())
}

/// The version `rev` names: that of an earlier export file, a version as
/// exports print it, or the negotiation as it stood at a time.
pub(crate) fn version_at(negotiation: &Negotiation, rev: &str) -> Result<Version> {
    let path = Path::new(rev);
    if path.is_file() {
        return Ok(read_export(path)?.1.version.parse()?);
    }
    match accord_export::version_against(negotiation, rev) {
        Err(accord_export::BadAgainst::Neither(_)) => {
            bail!("--against {rev:?} is neither a file, nor a version, nor a time like 2026-11-03T12:00:00Z")
        }
        named => Ok(named?),
    }
}

/// An exported file and the version(s) it names.
fn read_export(path: &Path) -> Result<(Vec<u8>, accord_export::FileVersion)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let named = accord_export::file_version(&bytes)
        .ok_or_else(|| anyhow!("{} names no version: it is not an export of `accord export`", path.display()))?;
    Ok((bytes, named))
}

/// What `accord verify` found, as its exit status says it.
pub enum Verified {
    /// Byte for byte the export of the version it names (exit 0).
    Same,
    /// Saved again by another program, saying exactly the same (exit 3).
    Resaved,
    /// Its text differs from that version's (exit 4).
    Changed,
}

impl Verified {
    /// The exit status (README, `accord verify`): 0 same file, 3 re-saved, 4 changed.
    pub fn status(&self) -> u8 {
        match self {
            Verified::Same => 0,
            Verified::Resaved => 3,
            Verified::Changed => 4,
        }
    }
}

/// Checks `file` against the export of the version it names: byte for
/// byte, else what it says, section by section.
pub fn verify(store: &LocalStore, wanted: Option<&str>, file: &Path) -> Result<Verified> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let negotiation = store.load_wanted(wanted)?.negotiation;
    let checked = accord_export::verify(&negotiation, &bytes).map_err(|error| match error {
        accord_export::Unverifiable::NotAnExport => {
            anyhow!("{} names no version: it is not an export of `accord export`", file.display())
        }
        other => anyhow!("{}: {other}", file.display()),
    })?;
    let (name, fingerprint) = (file.display(), checked.version.fingerprint());
    match checked.verdict {
        accord_export::Verdict::SameBytes => {
            sayln!("{name} matches negotiation {} at fingerprint {fingerprint}", negotiation.id());
            Ok(Verified::Same)
        }
        accord_export::Verdict::Resaved => {
            sayln!(
                "{name}: the text is identical to the agreed version ({fingerprint}); the file was re-saved \
                 (its bytes differ from the export, what it says does not)"
            );
            Ok(Verified::Resaved)
        }
        accord_export::Verdict::Changed(differences) => {
            let mut message =
                format!("{name} does NOT match the version it names ({fingerprint}): its text was changed");
            for difference in differences {
                let title = difference.section.and_then(|n| checked.sections.iter().find(|(number, _)| *number == n));
                let place = match title {
                    Some((number, title)) => format!("section {number} ({})", render::safe(title)),
                    None => "the title, summary or footer".to_string(),
                };
                let _ = write!(
                    message,
                    "\n  {place} differs (exported [-...-], in the file {{+...+}}):\n    {}",
                    render::safe(&difference.redline)
                );
            }
            eprintln!("{message}");
            Ok(Verified::Changed)
        }
    }
}

/// Refuses, naming each unresolved section and who blocks it.
fn check_all_agreed(view: &NegotiationView) -> Result<()> {
    accord_export::ready_for_approval(view)
        .map_err(|not_ready| anyhow!("{not_ready}\nexport without --for-approval for the bracketed draft"))
}
