//! One function per command: parse the arguments into core types, load the
//! negotiation, call the core, save, print. No negotiation rule lives here.

use std::io::{IsTerminal, Read};
use std::path::Path;

use accord_core::authorship::Since;
use accord_core::redline::redline;
use accord_core::{
    Attribution, DocumentId, Negotiation, NegotiationView, NewParticipant, NewProposal, ParticipantCode, ProposalId,
    Role, StanceKind, fixture,
};
use anyhow::{Context, Result, anyhow, bail};

use crate::args::{Cli, ColorChoice, Command, StanceArg};
use crate::clock::{now, parse_time};
use crate::output::{say, sayln};
use crate::render;
use crate::store::LocalStore;

/// How many moments `accord convergence` shows at most (the latest ones).
const CONVERGENCE_POINTS: usize = 200;

/// Runs the parsed command line; its exit status on success (0, or what
/// `accord verify` found).
pub fn run(cli: Cli) -> Result<u8> {
    let creates = matches!(cli.command, Command::Init { .. } | Command::Sync { .. } | Command::Serve { .. });
    let mut store = LocalStore::open(&cli.store, creates)?;
    let wanted = cli.negotiation.as_deref();
    let done = match cli.command {
        Command::Init { fixture, draft, title, chair, chair_name } => {
            init(&mut store, fixture, draft.as_deref(), title, chair, chair_name)
        }
        Command::Serve { addr, demo } => crate::serve::serve(store, &addr, demo),
        Command::Sync { server, token } => crate::serve::sync(&cli.store, &server, &token),
        Command::Invite { actor: Some(actor), secretariat: false, name, role, valid_for } => {
            crate::serve::invite(&mut store, wanted, &actor, name, role, &valid_for)
        }
        Command::Invite { secretariat: true, name, valid_for, .. } => {
            crate::serve::invite_secretariat(&store, name.as_deref().unwrap_or("Secretariat"), &valid_for)
        }
        Command::Invite { .. } => bail!("say who the token is for: --as CODE, or --secretariat"),
        Command::Revoke { actor: Some(actor), secretariat: false, .. } => crate::serve::revoke(&store, wanted, &actor),
        Command::Revoke { secretariat: true, name, .. } => crate::serve::revoke_secretariat(&store, name.as_deref()),
        Command::Revoke { .. } => bail!("say whose tokens end: --as CODE, or --secretariat [--name NAME]"),
        Command::Status { json, at } => status(&store, wanted, json, at.as_deref()),
        Command::AddParticipant { actor, code, name, role } => write(&mut store, wanted, |n| {
            let new = NewParticipant { code: code.parse()?, name, role: role.parse()? };
            n.add_participant(new, &attribution(&actor)?)?;
            Ok(format!("added {code}"))
        }),
        Command::AddSection { actor, number, title, lead, text_file } => write(&mut store, wanted, |n| {
            let text = read_text(&text_file)?;
            n.add_section(number, &title, &lead.parse()?, &text, &attribution(&actor)?)?;
            Ok(format!("added section {number}"))
        }),
        Command::Propose { section, actor, label, text_file, rationale, cosponsor } => write(&mut store, wanted, |n| {
            let cosponsors = cosponsor.iter().map(|c| c.parse()).collect::<Result<Vec<ParticipantCode>, _>>()?;
            let id = ProposalId(random_document_id());
            let text = read_text(&text_file)?;
            let new = NewProposal { id, section, label, text, rationale, cosponsors };
            Ok(n.propose(new, &attribution(&actor)?)?.to_string())
        }),
        Command::Edit { proposal, actor, text_file } => write(&mut store, wanted, |n| {
            let id = resolve_proposal(&n.view()?, &proposal)?;
            n.edit_proposal(&id, &read_text(&text_file)?, &attribution(&actor)?)?;
            Ok(format!("edited {}", label_of(n, &id)?))
        }),
        Command::Stance { proposal, actor, stance, reason, ad_ref_until: None } => write(&mut store, wanted, |n| {
            let id = resolve_proposal(&n.view()?, &proposal)?;
            let kind = stance_kind(stance);
            n.record_stance(&id, kind, &reason, &attribution(&actor)?)?;
            Ok(format!("{actor}: {kind} on {}", label_of(n, &id)?))
        }),
        Command::Stance { proposal, actor, stance, reason, ad_ref_until: Some(until) } => {
            write(&mut store, wanted, |n| {
                if stance_kind(stance) != StanceKind::Reserve {
                    return Err(accord_core::Error::AdRefIsAReservation.into());
                }
                let id = resolve_proposal(&n.view()?, &proposal)?;
                n.record_ad_ref(&id, parse_time(&until)?, &reason, &attribution(&actor)?)?;
                Ok(format!("{actor}: accepts {} ad referendum, confirming by {until}", label_of(n, &id)?))
            })
        }
        Command::Silence { section, proposal, until, actor } => write(&mut store, wanted, |n| {
            let id = resolve_proposal(&n.view()?, &proposal)?;
            n.silence(section, &id, parse_time(&until)?, &attribution(&actor)?)?;
            let label = label_of(n, &id)?;
            Ok(format!("{label} is under silence until {until}: adopted then unless a member objects before"))
        }),
        Command::Cosponsor { proposal, actor } => write(&mut store, wanted, |n| {
            let id = resolve_proposal(&n.view()?, &proposal)?;
            n.cosponsor(&id, &attribution(&actor)?)?;
            Ok(format!("{actor} co-sponsors {}", label_of(n, &id)?))
        }),
        Command::Comment { proposal, actor, from, to, text } => write(&mut store, wanted, |n| {
            let id = resolve_proposal(&n.view()?, &proposal)?;
            let comment = uuid::Uuid::new_v4().simple().to_string();
            n.comment(&id, &comment, from, to, &text, &attribution(&actor)?)?;
            Ok(comment)
        }),
        Command::Withdraw { proposal, actor } => write(&mut store, wanted, |n| {
            let id = resolve_proposal(&n.view()?, &proposal)?;
            n.withdraw(&id, &attribution(&actor)?)?;
            Ok(format!("withdrew {}", label_of(n, &id)?))
        }),
        Command::Adopt { section, proposal, actor } => write(&mut store, wanted, |n| {
            let id = resolve_proposal(&n.view()?, &proposal)?;
            n.adopt(section, &id, &attribution(&actor)?)?;
            Ok(format!("section {section} agreed: adopted {}", label_of(n, &id)?))
        }),
        Command::Reopen { section, reason, actor } => write(&mut store, wanted, |n| {
            n.reopen(section, &reason, &attribution(&actor)?)?;
            Ok(format!("section {section} is open again"))
        }),
        Command::Package { sections, actor } => write(&mut store, wanted, |n| {
            n.package(&sections, &attribution(&actor)?)?;
            let list = sections.iter().map(|s| format!("§{s}")).collect::<Vec<_>>().join(", ");
            Ok(format!("{list} form one package: nothing in it is agreed until everything is"))
        }),
        Command::Deadline { deadline, actor } => write(&mut store, wanted, |n| {
            n.set_deadline(parse_time(&deadline)?, &attribution(&actor)?)?;
            Ok(format!("the consultation closes at {deadline}"))
        }),
        Command::Redline { section, from: _, to, since: Some(since), json, color } => {
            let to = to.ok_or_else(|| anyhow!("--since needs --to PROPOSAL"))?;
            show_changes_since(&store, wanted, section, &to, &since, json, use_color(color))
        }
        Command::Redline { section, from, to, since: None, json, color } => {
            show_redline(&store, wanted, section, &from, to, json, use_color(color))
        }
        Command::Compromise { section, json } => {
            let view = store.load_wanted(wanted)?.negotiation.view()?;
            let compromise = section_of(&view, section)?.compromise();
            if json {
                let mut shown = serde_json::to_value(&compromise)?;
                shown["bracket_kinds"] = serde_json::to_value(accord_core::substance::bracket_kinds(&compromise))?;
                sayln!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                say!("{}", render::compromise(&compromise, use_color(ColorChoice::Auto)));
            }
            Ok(())
        }
        Command::Convergence { section, json } => {
            let negotiation = store.load_wanted(wanted)?.negotiation;
            section_of(&negotiation.view()?, section)?;
            let points = accord_core::trend::history(&negotiation, section, CONVERGENCE_POINTS)?;
            if json {
                sayln!("{}", serde_json::to_string_pretty(&points)?);
            } else {
                say!("{}", render::convergence(&points));
            }
            Ok(())
        }
        Command::History { section, json } => {
            let negotiation = store.load_wanted(wanted)?.negotiation;
            if let Some(number) = section {
                section_of(&negotiation.view()?, number)?;
            }
            let entries = negotiation.history(section)?;
            if json {
                sayln!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                say!("{}", render::history(&entries));
            }
            Ok(())
        }
        Command::Export { format, output, for_approval, against } => {
            settle(&mut store, wanted)?;
            let request = crate::export::ExportRequest { format, output, for_approval, against };
            crate::export::export(&store, wanted, &request)
        }
        Command::Verify { file } => return Ok(crate::export::verify(&store, wanted, &file)?.status()),
    };
    done.map(|()| 0)
}

fn init(
    store: &mut LocalStore,
    fixture: Option<String>,
    draft: Option<&Path>,
    title: Option<String>,
    chair: Option<String>,
    chair_name: String,
) -> Result<()> {
    let mut negotiation = match (fixture, title, chair) {
        (Some(name), _, _) => fixture::load(&name)?,
        (None, Some(title), Some(chair)) => {
            let chair = NewParticipant { code: chair.parse()?, name: chair_name, role: Role::Chair };
            match draft {
                Some(path) => from_draft(store, path, &title, chair)?,
                None => Negotiation::create(random_document_id(), &title, chair, store.replica(), now()?)?,
            }
        }
        _ => bail!("say what to create: `accord init --fixture hlcp-cybersecurity`, or --title T --chair CODE"),
    };
    if store.negotiation_ids()?.contains(&negotiation.id()) {
        bail!("the store already holds negotiation {}: use another --store to start afresh", negotiation.id());
    }
    store.save_new(&mut negotiation)?;
    sayln!("{}", negotiation.id());
    Ok(())
}

/// A negotiation with a section per topic of the draft at `path`; says on
/// standard error what was imported.
fn from_draft(store: &LocalStore, path: &Path, title: &str, chair: NewParticipant) -> Result<Negotiation> {
    let bytes = read_draft_file(path)?;
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let draft = accord_import::read_draft(&name, &bytes)?;
    let by = Attribution::new(chair.code.clone(), now()?);
    let negotiation =
        accord_import::open_negotiation(random_document_id(), title, chair, &draft, store.replica(), &by)?;
    eprintln!("imported {} sections from {}", draft.sections.len(), path.display());
    if draft.before_first_heading > 0 {
        eprintln!(
            "left out {} paragraph(s) before the first heading (a title block is not a section)",
            draft.before_first_heading
        );
    }
    Ok(negotiation)
}

/// A draft file's bytes; a file over the limit is refused before it is read whole.
fn read_draft_file(path: &Path) -> Result<Vec<u8>> {
    let limit = accord_import::MAX_DRAFT_BYTES;
    let cannot = || format!("cannot read the draft {}", path.display());
    let file = std::fs::File::open(path).with_context(cannot)?;
    let length = file.metadata().with_context(cannot)?.len();
    if length > limit as u64 {
        bail!(
            "{} is {length} bytes; a draft may be at most {limit} bytes: remove pictures and save again",
            path.display()
        );
    }
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1).read_to_end(&mut bytes).with_context(cannot)?;
    Ok(bytes)
}

fn status(store: &LocalStore, wanted: Option<&str>, json: bool, at: Option<&str>) -> Result<()> {
    let mut negotiation = store.load_wanted(wanted)?.negotiation;
    let mut time = now()?;
    if let Some(at) = at {
        time = parse_time(at)?;
        negotiation = negotiation.as_of(time)?;
    }
    let view = negotiation.view_at(time)?;
    if json {
        sayln!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        say!("{}", render::status(&view));
    }
    Ok(())
}

fn show_redline(
    store: &LocalStore,
    wanted: Option<&str>,
    number: u32,
    from: &str,
    to: Option<String>,
    json: bool,
    color: bool,
) -> Result<()> {
    let view = store.load_wanted(wanted)?.negotiation.view()?;
    let section = section_of(&view, number)?;
    let (from_label, old) = if from == "base" {
        ("base text".to_string(), section.base_text.clone())
    } else {
        let proposal = proposal_in(section, &resolve_proposal(&view, from)?)?;
        (proposal.label.clone(), proposal.text.clone())
    };
    let targets: Vec<ProposalId> = match to {
        Some(to) => vec![proposal_in(section, &resolve_proposal(&view, &to)?)?.id],
        None => section.live_proposals().map(|p| p.id).collect(),
    };
    if targets.is_empty() {
        bail!("section {number} has no live proposal to compare: name one with --to ID");
    }
    for id in targets {
        let proposal = view.proposal(&id).ok_or_else(|| anyhow!("unknown proposal {id}"))?;
        let redline = redline(&old, &proposal.text);
        if json {
            let hunks = accord_core::substance::hunks(&redline.segments);
            let shown =
                serde_json::json!({ "segments": redline.segments, "similarity": redline.similarity, "hunks": hunks });
            sayln!("{}", serde_json::to_string_pretty(&shown)?);
            continue;
        }
        sayln!("{}", render::safe(&format!("── {} → {} ({})", from_label, proposal.label, proposal.id)));
        sayln!("{}\n", render::redline(&redline, color));
    }
    Ok(())
}

/// The changes made to proposal `to` since `rev`, each with who made it.
fn show_changes_since(
    store: &LocalStore,
    wanted: Option<&str>,
    number: u32,
    to: &str,
    rev: &str,
    json: bool,
    color: bool,
) -> Result<()> {
    let negotiation = store.load_wanted(wanted)?.negotiation;
    let view = negotiation.view()?;
    let proposal = proposal_in(section_of(&view, number)?, &resolve_proposal(&view, to)?)?;
    let since = crate::export::version_at(&negotiation, rev)?;
    let heads = since.heads_of(&proposal.id.0).unwrap_or_default();
    let segments = negotiation.authored_redline(&proposal.id, Since::Heads(&heads), None)?;
    if json {
        sayln!("{}", serde_json::to_string_pretty(&segments)?);
    } else {
        sayln!("{}", render::safe(&format!("── {} since {rev} ({})", proposal.label, proposal.id)));
        sayln!("{}\n", render::authored(&segments, color));
    }
    Ok(())
}

/// Loads, changes and saves the negotiation; prints what `change` reports.
fn write(
    store: &mut LocalStore,
    wanted: Option<&str>,
    change: impl FnOnce(&mut Negotiation) -> Result<String>,
) -> Result<()> {
    let mut loaded = store.load_wanted(wanted)?;
    // What procedures came to by now is recorded first, and an objection's voiding after.
    let now = now()?;
    loaded.negotiation.settle(now)?;
    let report = change(&mut loaded.negotiation)?;
    loaded.negotiation.settle(now)?;
    store.save(&mut loaded)?;
    sayln!("{}", render::safe(&report));
    Ok(())
}

/// Records what procedures came to by now (see `Negotiation::settle`), if anything.
fn settle(store: &mut LocalStore, wanted: Option<&str>) -> Result<()> {
    let mut loaded = store.load_wanted(wanted)?;
    if !loaded.negotiation.settle(now()?)?.is_empty() {
        store.save(&mut loaded)?;
    }
    Ok(())
}

fn section_of(view: &NegotiationView, number: u32) -> Result<&accord_core::SectionView> {
    view.section(number).ok_or_else(|| accord_core::Error::UnknownSection(number).into())
}

/// The proposal `id` of `section`, or an error naming the section it belongs to.
fn proposal_in<'a>(section: &'a accord_core::SectionView, id: &ProposalId) -> Result<&'a accord_core::ProposalView> {
    section.proposals.iter().find(|p| p.id == *id).ok_or_else(|| {
        anyhow!("proposal {id} is not a proposal of section {}: compare texts of one section", section.number)
    })
}

/// A proposal by full id or unique id prefix.
fn resolve_proposal(view: &NegotiationView, text: &str) -> Result<ProposalId> {
    if let Ok(id) = text.parse::<ProposalId>() {
        return match view.proposal(&id) {
            Some(_) => Ok(id),
            None => Err(accord_core::Error::UnknownProposal(id).into()),
        };
    }
    let matching: Vec<ProposalId> = view
        .sections
        .iter()
        .flat_map(|s| &s.proposals)
        .map(|p| p.id)
        .filter(|id| text.len() >= 4 && id.to_string().starts_with(text))
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => bail!("unknown proposal {text:?}: give an id (or its first 4+ characters) from `accord status`"),
        _ => bail!("{text:?} matches several proposals: give more of the id"),
    }
}

fn label_of(negotiation: &Negotiation, id: &ProposalId) -> Result<String> {
    Ok(negotiation.view()?.proposal(id).map(|p| p.label.clone()).unwrap_or_default())
}

fn attribution(actor: &str) -> Result<Attribution> {
    Ok(Attribution::new(actor.parse()?, now()?))
}

fn stance_kind(arg: StanceArg) -> StanceKind {
    match arg {
        StanceArg::Support => StanceKind::Support,
        StanceArg::CanLiveWith => StanceKind::CanLiveWith,
        StanceArg::Reserve => StanceKind::Reserve,
        StanceArg::Object => StanceKind::Object,
    }
}

/// The text of a file, or of standard input for "-"; must be UTF-8, not
/// empty, and within the longest text a proposal may have (a larger file
/// is refused before it is read whole).
fn read_text(path: &Path) -> Result<String> {
    let limit = accord_core::MAX_PROPOSAL_TEXT_BYTES;
    let too_long = |length: u64| anyhow!("{} is {length} bytes; a text may be at most {limit} bytes", path.display());
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        let mut stdin = std::io::stdin().take(limit as u64 + 1);
        stdin.read_to_end(&mut bytes).context("cannot read standard input")?;
    } else {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot read the text file {}", path.display()))?;
        let length = file.metadata().with_context(|| format!("cannot read the text file {}", path.display()))?.len();
        if length > limit as u64 {
            return Err(too_long(length));
        }
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read the text file {}", path.display()))?;
    }
    if bytes.len() > limit {
        return Err(too_long(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!("{} is not valid UTF-8 text (invalid byte at offset {})", path.display(), e.utf8_error().valid_up_to())
    })?;
    if text.trim().is_empty() {
        bail!("{} is empty: a text needs at least one word", path.display());
    }
    // Editors end files with a newline that is not part of the wording.
    let wording = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    Ok(wording.to_string())
}

fn random_document_id() -> DocumentId {
    DocumentId::from_bytes(*uuid::Uuid::new_v4().as_bytes())
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}
