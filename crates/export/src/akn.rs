//! The agreed draft as Akoma Ntoso 3.0 (OASIS LegalDocML): `akomaNtoso >
//! doc`, FRBR identification, one `section` per topic with an `eId`, an
//! agreed section's text and approval record; an unresolved section's
//! bracketed draft, then each alternative in full as an `hcontainer` marked
//! `alternativeTo` the draft, with its own approval record. Valid
//! against the official schema (fixtures/akoma-ntoso, checked by the tests
//! with `xmllint --schema`).
//!
//! Written with quick-xml, so every text is escaped by construction, and
//! characters XML 1.0 forbids never reach it ([`clean`]). The
//! fingerprint sits in `meta/proprietary` (the schema's place for data of
//! other vocabularies), and the version in a comment like the other formats.

use std::io;

use accord_core::{NegotiationView, Role, Timestamp, Version};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::draft::{self, Body, SectionDraft};
use crate::record::format_time;
use crate::{VERSION_MARK, clean};

/// The Akoma Ntoso 3.0 namespace.
const AKN: &str = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0";
/// Accord's own namespace, for the fingerprint in `proprietary`.
const ACCORD: &str = "urn:accord:export:1";

type Xml = Writer<Vec<u8>>;

/// The agreed draft of `view` (made from `version`) as Akoma Ntoso XML.
pub fn akn(view: &NegotiationView, version: &Version) -> String {
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_document(&mut xml, view, version).expect("writing XML to memory cannot fail");
    let mut out = String::from_utf8(xml.into_inner()).expect("quick-xml writes the UTF-8 it is given");
    out.push('\n');
    out
}

fn write_document(xml: &mut Xml, view: &NegotiationView, version: &Version) -> io::Result<()> {
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mark = format!("{} {version} ", &VERSION_MARK["<!--".len()..]);
    xml.write_event(Event::Comment(BytesText::from_escaped(mark)))?;
    xml.create_element("akomaNtoso").with_attribute(("xmlns", AKN)).write_inner_content(|xml| {
        xml.create_element("doc").with_attribute(("name", "agreedDraft")).write_inner_content(|xml| {
            write_meta(xml, view, version)?;
            write_preface(xml, view)?;
            xml.create_element("mainBody").write_inner_content(|xml| {
                for section in draft::sections(view) {
                    write_section(xml, &section)?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

/// FRBR identification (work, expression, manifestation), the participants
/// as organisations, and the fingerprint.
fn write_meta(xml: &mut Xml, view: &NegotiationView, version: &Version) -> io::Result<()> {
    let date = draft_date(view);
    let chair = view.participants.iter().find(|p| p.role == Role::Chair).map(|p| eid(p.code.as_str()));
    let author = format!("#{}", chair.clone().unwrap_or_else(|| "accord".into()));
    let work = format!("/akn/un/doc/{}/{date}/{}", chair.as_deref().unwrap_or("un"), view.id);
    let expression = format!("{work}/eng@{date}");
    let manifestation = format!("{expression}/!main.xml");
    xml.create_element("meta").write_inner_content(|xml| {
        xml.create_element("identification").with_attribute(("source", "#accord")).write_inner_content(|xml| {
            frbr(xml, "FRBRWork", &format!("{work}/!main"), &work, &date, &author, |xml| {
                empty(xml, "FRBRcountry", &[("value", "un")])?;
                empty(xml, "FRBRname", &[("value", &clean(&view.title))])
            })?;
            frbr(xml, "FRBRExpression", &format!("{expression}/!main"), &expression, &date, &author, |xml| {
                empty(xml, "FRBRlanguage", &[("language", "eng")])
            })?;
            frbr(xml, "FRBRManifestation", &manifestation, &format!("{expression}.akn"), &date, "#accord", |_| Ok(()))
        })?;
        xml.create_element("references").with_attribute(("source", "#accord")).write_inner_content(|xml| {
            empty(
                xml,
                "TLCOrganization",
                &[("eId", "accord"), ("href", "/ontology/organization/accord"), ("showAs", "Accord")],
            )?;
            for participant in &view.participants {
                let id = eid(participant.code.as_str());
                let href = format!("/ontology/organization/un/{id}");
                let name = clean(&participant.name);
                empty(xml, "TLCOrganization", &[("eId", &id), ("href", &href), ("showAs", &name)])?;
            }
            Ok(())
        })?;
        xml.create_element("proprietary").with_attribute(("source", "#accord")).write_inner_content(|xml| {
            let fingerprint = version.fingerprint().to_string();
            let attributes = [("xmlns:accord", ACCORD), ("fingerprint", fingerprint.as_str())];
            xml.create_element("accord:export").with_attributes(attributes).write_empty()?;
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

/// One FRBR level: this, uri, date, author, then `extra`.
fn frbr(
    xml: &mut Xml,
    level: &str,
    this: &str,
    uri: &str,
    date: &str,
    author: &str,
    extra: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    xml.create_element(level).write_inner_content(|xml| {
        empty(xml, "FRBRthis", &[("value", this)])?;
        empty(xml, "FRBRuri", &[("value", uri)])?;
        empty(xml, "FRBRdate", &[("date", date), ("name", "agreedDraft")])?;
        empty(xml, "FRBRauthor", &[("href", author)])?;
        extra(xml)
    })?;
    Ok(())
}

fn write_preface(xml: &mut Xml, view: &NegotiationView) -> io::Result<()> {
    let deadline = view.deadline.map(|d| format!(" Consultation deadline: {}.", format_time(d))).unwrap_or_default();
    let summary =
        format!("Agreed draft: {} of {} sections agreed.{deadline}", draft::agreed_count(view), view.sections.len());
    xml.create_element("preface").write_inner_content(|xml| {
        xml.create_element("p").write_inner_content(|xml| {
            xml.create_element("docTitle").write_text_content(BytesText::new(&clean(&view.title)))?;
            Ok(())
        })?;
        xml.create_element("p").write_text_content(BytesText::new(&summary))?;
        Ok(())
    })?;
    Ok(())
}

fn write_section(xml: &mut Xml, draft: &SectionDraft<'_>) -> io::Result<()> {
    let section = draft.section;
    let id = format!("sec_{}", section.number);
    let subheading = format!("Lead: {}. Status: {}.", section.lead, section.status.as_str());
    xml.create_element("section").with_attribute(("eId", id.as_str())).write_inner_content(|xml| {
        xml.create_element("num").write_text_content(BytesText::new(&section.number.to_string()))?;
        xml.create_element("heading").write_text_content(BytesText::new(&clean(&section.title)))?;
        xml.create_element("subheading").write_text_content(BytesText::new(&subheading))?;
        let text_id = format!("{id}__hcontainer_text");
        match &draft.body {
            Body::Agreed { text, record, .. } => {
                container(xml, "agreedText", &text_id, &paragraphs(text))?;
                container(xml, "approvalRecord", &format!("{id}__hcontainer_record"), &record.lines())
            }
            Body::Unresolved { draft, alternatives } => {
                let text: String = draft.iter().map(|piece| piece.text.as_str()).collect();
                container(xml, "draftText", &text_id, &paragraphs(&text))?;
                for (n, alternative) in alternatives.iter().enumerate() {
                    let alt_id = format!("{id}__hcontainer_alt_{}", n + 1);
                    xml.create_element("hcontainer")
                        .with_attributes([("name", "alternative"), ("eId", &alt_id), ("alternativeTo", &text_id)])
                        .write_inner_content(|xml| {
                            let heading = alternative.title();
                            xml.create_element("heading").write_text_content(BytesText::new(&clean(&heading)))?;
                            let text = paragraphs(&alternative.proposal.text);
                            container(xml, "alternativeText", &format!("{alt_id}__hcontainer_text"), &text)?;
                            let record = alternative.record.lines();
                            container(xml, "approvalRecord", &format!("{alt_id}__hcontainer_record"), &record)
                        })?;
                }
                Ok(())
            }
        }
    })?;
    Ok(())
}

/// An `hcontainer` of paragraphs.
fn container(xml: &mut Xml, name: &str, id: &str, paragraphs: &[String]) -> io::Result<()> {
    xml.create_element("hcontainer").with_attributes([("name", name), ("eId", id)]).write_inner_content(|xml| {
        xml.create_element("content").write_inner_content(|xml| {
            for paragraph in paragraphs {
                xml.create_element("p").write_text_content(BytesText::new(&clean(paragraph)))?;
            }
            if paragraphs.is_empty() {
                xml.create_element("p").write_empty()?;
            }
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

fn empty(xml: &mut Xml, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
    xml.create_element(name).with_attributes(attributes.iter().copied()).write_empty()?;
    Ok(())
}

/// A text's paragraphs (separated by blank lines), trimmed, none empty.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// An eId-safe form of a participant code.
fn eid(code: &str) -> String {
    code.to_lowercase()
}

/// The draft's date for FRBR: the last adoption, else the deadline, else
/// the epoch (a date the negotiation itself fixes, so the export is reproducible).
fn draft_date(view: &NegotiationView) -> String {
    let latest = view.sections.iter().filter_map(|s| s.adoption.as_ref().map(|a| a.at)).max();
    let at = latest.or(view.deadline).unwrap_or(Timestamp(0));
    let shown = format_time(at);
    match shown.as_bytes().get(4) {
        Some(b'-') => shown[..10].to_string(),
        _ => "1970-01-01".to_string(), // a time no calendar shows, written by a misbehaving peer
    }
}
