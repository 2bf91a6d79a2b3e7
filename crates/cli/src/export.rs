//! `accord export` and `accord verify`: the agreed draft as a file that
//! names the exact version it was made from, and the check that a file
//! still matches that version.

use std::fmt::Write as _;
use std::path::Path;

use accord_core::{NegotiationView, SectionView, Version};
use anyhow::{Context, Result, anyhow, bail};

use crate::commands::load;
use crate::store::LocalStore;

/// Writes the agreed draft; with `for_approval`, refuses while any section is unresolved.
pub fn export(
    store: &LocalStore,
    wanted: Option<&str>,
    format: &str,
    output: Option<&Path>,
    for_approval: bool,
) -> Result<()> {
    let format: accord_export::Format = format.parse().map_err(|e: String| anyhow!(e))?;
    let negotiation = load(store, wanted)?.negotiation;
    let view = negotiation.view()?;
    if for_approval {
        check_all_agreed(&view)?;
    }
    let bytes = accord_export::export(&view, &negotiation.version(), format);
    match output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "wrote {} ({} bytes, fingerprint {})",
                path.display(),
                bytes.len(),
                negotiation.version().fingerprint()
            );
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

/// Checks that `file` is, byte for byte, the export of the version it names.
pub fn verify(store: &LocalStore, wanted: Option<&str>, file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let version: Version = accord_export::exported_version(&text)
        .ok_or_else(|| anyhow!("{} names no version: it is not an export of `accord export`", file.display()))?
        .parse()?;
    let negotiation = load(store, wanted)?.negotiation;
    let then = negotiation
        .at_version(&version)
        .with_context(|| format!("{} names a version this store does not hold: sync it first", file.display()))?;
    let format =
        if text.starts_with("<!doctype html") { accord_export::Format::Html } else { accord_export::Format::Markdown };
    let expected = accord_export::export(&then.view()?, &version, format);
    if expected != text.as_bytes() {
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
