//! Reading an exported file back: which format it is, which version it
//! names, and whether it is the same export as a fresh one (`accord verify`).
//!
//! Text formats name their version in a comment; a DOCX (a zip) in a
//! custom document property. Every export is reproducible, so a file
//! matches its version only if it is byte for byte what the export of that
//! version gives.

use std::io::{Cursor, Read};

use crate::{AGAINST, Format, VERSION_PROPERTY, exported_version};

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
            let named = custom_property(&custom, VERSION_PROPERTY)?;
            Some(match named.split_once(AGAINST) {
                Some((version, against)) => {
                    FileVersion { version: version.to_string(), against: Some(against.to_string()) }
                }
                None => FileVersion { version: named, against: None },
            })
        }
        _ => {
            let text = std::str::from_utf8(bytes).ok()?;
            Some(FileVersion { version: exported_version(text)?.to_string(), against: None })
        }
    }
}

/// Whether `file` is, byte for byte, the same export as `fresh` (built again
/// from the version it names). Every format is reproducible, DOCX included.
pub fn same_export(file: &[u8], fresh: &[u8]) -> bool {
    file == fresh
}

fn zip_part(bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    read_part(&mut zip::ZipArchive::new(Cursor::new(bytes)).ok()?, name)
}

/// The most of one part of a file that is read: an export's parts are far
/// smaller, and a file that unpacks to more (a zip bomb, whatever sizes it
/// declares) reads as something else than an export.
const MAX_PART_BYTES: u64 = 16 << 20;

/// A part of a zip, up to [`MAX_PART_BYTES`] (`None` past it, or when missing).
pub(crate) fn read_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let part = archive.by_name(name).ok()?;
    let mut bytes = Vec::new();
    part.take(MAX_PART_BYTES + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= MAX_PART_BYTES).then_some(bytes)
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
    fn formats_are_told_by_their_first_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Format::Docx);
        assert_eq!(sniff(b"<!doctype html>"), Format::Html);
        assert_eq!(sniff(b"<?xml version"), Format::Akn);
        assert_eq!(sniff(b"# Title"), Format::Markdown);
    }
}
