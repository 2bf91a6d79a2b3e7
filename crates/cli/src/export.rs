//! `accord export` and `accord verify`: the agreed draft as a file that
//! names the exact version it was made from, and the check that a file
//! still matches that version.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use accord_core::{Negotiation, NegotiationView, SectionView, Version};
use accord_export::Format;
use anyhow::{Context, Result, anyhow, bail};

use crate::commands::{load, parse_time};
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
    let negotiation = load(store, wanted)?.negotiation;
    let view = negotiation.view()?;
    if request.for_approval {
        check_all_agreed(&view)?;
    }
    let version = negotiation.version();
    let bytes = match &request.against {
        None => accord_export::export(&view, &version, format),
        Some(_) if format != Format::Docx => bail!("--against shows tracked changes: use it with --format docx"),
        Some(rev) => {
            let since = version_at(&negotiation, rev)?;
            let then = negotiation.at_version(&since)?.view()?;
            accord_export::export_since(&view, &version, (&then, &since))
        }
    };
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
fn version_at(negotiation: &Negotiation, rev: &str) -> Result<Version> {
    let path = Path::new(rev);
    if path.is_file() {
        return Ok(read_export(path)?.1.version.parse()?);
    }
    if let Ok(version) = rev.parse::<Version>() {
        return Ok(version);
    }
    let at = parse_time(rev).map_err(|_| {
        anyhow!("--against {rev:?} is neither a file, nor a version, nor a time like 2026-11-03T12:00:00Z")
    })?;
    Ok(negotiation.as_of(at)?.version())
}

/// An exported file and the version(s) it names.
fn read_export(path: &Path) -> Result<(Vec<u8>, accord_export::FileVersion)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let named = accord_export::file_version(&bytes)
        .ok_or_else(|| anyhow!("{} names no version: it is not an export of `accord export`", path.display()))?;
    Ok((bytes, named))
}

/// Checks that `file` is, byte for byte, the export of the version it names.
pub fn verify(store: &LocalStore, wanted: Option<&str>, file: &Path) -> Result<()> {
    let (bytes, named) = read_export(file)?;
    let version: Version = named.version.parse()?;
    let negotiation = load(store, wanted)?.negotiation;
    let holds = |version: &Version| {
        negotiation
            .at_version(version)
            .with_context(|| format!("{} names a version this store does not hold: sync it first", file.display()))
    };
    let then = holds(&version)?.view()?;
    let expected = match &named.against {
        None => accord_export::export(&then, &version, accord_export::sniff(&bytes)),
        Some(against) => {
            let since: Version = against.parse()?;
            accord_export::export_since(&then, &version, (&holds(&since)?.view()?, &since))
        }
    };
    if !accord_export::same_export(&bytes, &expected) {
        bail!(
            "{} does NOT match the version it names ({}): it was changed after export",
            file.display(),
            version.fingerprint()
        );
    }
    println!("{} matches negotiation {} at fingerprint {}", file.display(), negotiation.id(), version.fingerprint());
    Ok(())
}

/// Refuses, naming each unresolved section and who blocks it.
fn check_all_agreed(view: &NegotiationView) -> Result<()> {
    let unresolved: Vec<&SectionView> = view.sections.iter().filter(|s| s.agreed_text.is_none()).collect();
    if unresolved.is_empty() {
        return Ok(());
    }
    let mut message = format!("not ready for approval: {} section(s) are not agreed:", unresolved.len());
    for section in unresolved {
        let _ = write!(
            message,
            "\n  §{} {} ({}): {}",
            section.number,
            section.title,
            section.status.as_str(),
            blocking(section)
        );
    }
    message.push_str("\nexport without --for-approval for the bracketed draft");
    bail!(message)
}

fn blocking(section: &SectionView) -> String {
    let live: Vec<String> = section
        .live_proposals()
        .map(|p| match p.blockers.as_slice() {
            [] => format!("{} can be adopted now", p.label),
            blockers => {
                format!("{}: {}", p.label, blockers.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            }
        })
        .collect();
    if live.is_empty() { "no proposal yet".to_string() } else { live.join(" | ") }
}
