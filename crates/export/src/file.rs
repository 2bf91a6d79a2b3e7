//! Reading an exported file back: which format it is, which version it
//! names, and whether it is the same export as a fresh one (`accord verify`).
//!
//! Text formats name their version in a comment and must match byte for
//! byte. A DOCX is a zip: it names its version in a custom document
//! property, and two builds of the same draft differ only in the revision
//! numbers docx-rs counts globally, so DOCX files are compared part by part
//! with those numbers set aside.

use std::io::{Cursor, Read};

use crate::{AGAINST_PROPERTY, Format, VERSION_PROPERTY, exported_version};

/// The versions an export names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileVersion {
    /// The version exported.
    pub version: String,
    /// For a DOCX of changes since an earlier version, that version.
    pub against: Option<String>,
}

/// The format of an exported file, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        Format::Docx
    } else if bytes.starts_with(b"<!doctype html") {
        Format::Html
    } else if bytes.starts_with(b"<?xml") {
        Format::Akn
    } else {
        Format::Markdown
    }
}

/// The version(s) an exported file names, if it names one.
pub fn file_version(bytes: &[u8]) -> Option<FileVersion> {
    match sniff(bytes) {
        Format::Docx => {
            let custom = String::from_utf8(zip_part(bytes, "docProps/custom.xml")?).ok()?;
            Some(FileVersion {
                version: custom_property(&custom, VERSION_PROPERTY)?,
                against: custom_property(&custom, AGAINST_PROPERTY),
            })
        }
        _ => {
            let text = std::str::from_utf8(bytes).ok()?;
            Some(FileVersion { version: exported_version(text)?.to_string(), against: None })
        }
    }
}

/// Whether `file` is the same export as `fresh` (built again from the version it names).
pub fn same_export(file: &[u8], fresh: &[u8]) -> bool {
    match (sniff(file), sniff(fresh)) {
        (Format::Docx, Format::Docx) => same_parts(file, fresh).unwrap_or(false),
        _ => file == fresh,
    }
}

fn same_parts(a: &[u8], b: &[u8]) -> Option<bool> {
    let (mut a, mut b) = (zip::ZipArchive::new(Cursor::new(a)).ok()?, zip::ZipArchive::new(Cursor::new(b)).ok()?);
    let mut names: Vec<String> = a.file_names().map(str::to_string).collect();
    let mut others: Vec<String> = b.file_names().map(str::to_string).collect();
    names.sort();
    others.sort();
    if names != others {
        return Some(false);
    }
    for name in names {
        let (part_a, part_b) = (read_part(&mut a, &name)?, read_part(&mut b, &name)?);
        if without_revision_numbers(&part_a) != without_revision_numbers(&part_b) {
            return Some(false);
        }
    }
    Some(true)
}

fn zip_part(bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    read_part(&mut zip::ZipArchive::new(Cursor::new(bytes)).ok()?, name)
}

fn read_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let mut part = archive.by_name(name).ok()?;
    let mut bytes = Vec::new();
    part.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// A part with every `w:id="N"` numbered again in order of appearance.
fn without_revision_numbers(part: &[u8]) -> Vec<u8> {
    const MARK: &[u8] = b" w:id=\"";
    let mut out = Vec::with_capacity(part.len());
    let mut rest = part;
    let mut counter = 0usize;
    while let Some(at) = rest.windows(MARK.len()).position(|w| w == MARK) {
        out.extend_from_slice(&rest[..at + MARK.len()]);
        rest = &rest[at + MARK.len()..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        out.extend_from_slice(counter.to_string().as_bytes());
        counter += 1;
        rest = &rest[digits..];
    }
    out.extend_from_slice(rest);
    out
}

/// The value of a custom document property (`docProps/custom.xml`); values
/// written by Accord are versions, which hold no XML special characters.
fn custom_property(custom: &str, name: &str) -> Option<String> {
    let start = custom.find(&format!("name=\"{name}\""))?;
    let rest = &custom[start..];
    let value_start = rest.find("<vt:lpwstr>")? + "<vt:lpwstr>".len();
    let value_end = rest[value_start..].find("</vt:lpwstr>")? + value_start;
    Some(rest[value_start..value_end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_numbers_are_set_aside_and_nothing_else() {
        let a = br#"<w:ins w:id="7" w:author="DESA"><w:del w:id="12" w:author="DESA">"#;
        let b = br#"<w:ins w:id="40" w:author="DESA"><w:del w:id="41" w:author="DESA">"#;
        let c = br#"<w:ins w:id="40" w:author="ITU"><w:del w:id="41" w:author="DESA">"#;
        assert_eq!(without_revision_numbers(a), without_revision_numbers(b));
        assert_ne!(without_revision_numbers(a), without_revision_numbers(c));
    }

    #[test]
    fn formats_are_told_by_their_first_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Format::Docx);
        assert_eq!(sniff(b"<!doctype html>"), Format::Html);
        assert_eq!(sniff(b"<?xml version"), Format::Akn);
        assert_eq!(sniff(b"# Title"), Format::Markdown);
    }
}
