//! `accord serve` and `accord invite`: running the server on the store, and
//! issuing the sign-in tokens it accepts.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use accord_core::{Attribution, NewParticipant, ParticipantCode, Role, Timestamp, fixture};
use accord_server::AppState;
use accord_store::Grant;
use anyhow::{Context, Result, anyhow, bail};
use tokio::net::TcpListener;

use crate::clock::now;
use crate::output::sayln;
use crate::store::LocalStore;

/// Runs the server until SIGINT or SIGTERM.
pub fn serve(mut store: LocalStore, addr: &str, demo: bool) -> Result<()> {
    init_logging();
    let addr: SocketAddr =
        addr.parse().map_err(|_| anyhow!("invalid --addr {addr:?}: write it like 127.0.0.1:8080"))?;
    let invitations = if demo { demo_invitations(&mut store)? } else { Vec::new() };
    let secretariat = match demo {
        true => Some(store.inner().issue_secretariat_token("Secretariat", now()?, expiry("30d")?)?),
        false => None,
    };
    let (inner, replica) = store.into_parts();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        sayln!("listening on http://{local}");
        for (code, role, token) in &invitations {
            sayln!("  sign in as {code:<7} ({role:<8}): http://{local}/#token={token}  token {token}");
        }
        if let Some(token) = &secretariat {
            sayln!("  secretariat (opens negotiations from a draft): http://{local}/#token={token}  token {token}");
        }
        std::io::stdout().flush()?;
        let state = AppState::new(inner, replica);
        accord_server::run(listener, state, shutdown_signal()).await?;
        tracing::info!("stopped; every acknowledged write is on disk");
        Ok(())
    })
}

/// Syncs the store with a server, showing progress on stderr.
pub fn sync(dir: &Path, server: &str, token: &str) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = runtime.block_on(accord_sync::sync_store(dir, server, token, |step| eprintln!("{step}")))?;
    sayln!(
        "synced {} documents of negotiation {} with {server} as {}: {} changes received",
        report.documents,
        report.peer.negotiation,
        report.peer.participant,
        report.received
    );
    for (document, reason) in &report.refused {
        sayln!("refused by the server: a change to {document}: {}", crate::render::safe(reason));
    }
    for document in &report.not_sent {
        sayln!("not sent: local changes to {document}, which {} may not write", report.peer.participant);
    }
    Ok(())
}

/// Issues a secretariat token to `name` (it opens negotiations from a draft, in the browser).
pub fn invite_secretariat(store: &LocalStore, name: &str, valid_for: &str) -> Result<()> {
    let token = store.inner().issue_secretariat_token(name, now()?, expiry(valid_for)?)?;
    sayln!("{token}");
    Ok(())
}

/// Issues a token for `code`, adding the participant first when `role` is given.
pub fn invite(
    store: &mut LocalStore,
    wanted: Option<&str>,
    code: &str,
    name: Option<String>,
    role: Option<String>,
    valid_for: &str,
) -> Result<()> {
    let code: ParticipantCode = code.parse()?;
    let expires = expiry(valid_for)?;
    let mut loaded = store.load_wanted(wanted)?;
    let view = loaded.negotiation.view()?;
    let known = view.participants.iter().any(|p| p.code == code);
    match (known, role) {
        (true, Some(_)) => bail!("{code} already takes part; leave out --role to issue it a token"),
        (true, None) => {}
        (false, None) => bail!("{code} is not a participant: add it with --role ROLE [--name NAME]"),
        (false, Some(role)) => {
            let chair = view
                .participants
                .iter()
                .find(|p| p.role == Role::Chair)
                .ok_or_else(|| anyhow!("the negotiation has no chair"))?;
            let new = NewParticipant {
                code: code.clone(),
                name: name.unwrap_or_else(|| code.to_string()),
                role: role.parse()?,
            };
            loaded.negotiation.add_participant(new, &Attribution::new(chair.code.clone(), now()?))?;
            store.save(&mut loaded)?;
        }
    }
    let token = issue(store, &Grant { negotiation: view.id, participant: code }, expires)?;
    sayln!("{token}");
    Ok(())
}

/// When a token given now for `valid_for` expires (`None`: "forever").
fn expiry(valid_for: &str) -> Result<Option<Timestamp>> {
    if valid_for == "forever" {
        return Ok(None);
    }
    let duration = humantime::parse_duration(valid_for)
        .map_err(|e| anyhow!("invalid --valid-for {valid_for:?}: {e}; write it like 30d, 12h or forever"))?;
    let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    Ok(Some(Timestamp(now()?.millis().saturating_add(millis))))
}

/// Revokes every token of `code`.
pub fn revoke(store: &LocalStore, wanted: Option<&str>, code: &str) -> Result<()> {
    let code: ParticipantCode = code.parse()?;
    let view = store.load_wanted(wanted)?.negotiation.view()?;
    if !view.participants.iter().any(|p| p.code == code) {
        bail!("{code} is not a participant of this negotiation");
    }
    let count = store.inner().revoke(view.id, &code)?;
    sayln!("revoked {count} token(s) of {code}: it signs in no more until invited again");
    Ok(())
}

/// Ends the secretariat's tokens: those issued to `name`, or all of them.
pub fn revoke_secretariat(store: &LocalStore, name: Option<&str>) -> Result<()> {
    let count = store.inner().revoke_secretariat(name)?;
    let whose = name.map(|name| format!(" of {name}")).unwrap_or_default();
    sayln!("revoked {count} secretariat token(s){whose}: they open no more negotiations");
    Ok(())
}

/// Loads the HLCP fixture unless the store has it, then issues a token to
/// every participant of it.
fn demo_invitations(store: &mut LocalStore) -> Result<Vec<(ParticipantCode, Role, String)>> {
    let mut negotiation = fixture::load("hlcp-cybersecurity")?;
    if !store.negotiation_ids()?.contains(&negotiation.id()) {
        store.save_new(&mut negotiation)?;
    }
    let view = store.load(negotiation.id())?.negotiation.view()?;
    let mut invitations = Vec::new();
    for participant in &view.participants {
        let grant = Grant { negotiation: view.id, participant: participant.code.clone() };
        let token = issue(store, &grant, expiry("30d")?)?;
        invitations.push((participant.code.clone(), participant.role, token));
    }
    Ok(invitations)
}

/// A new random token for `grant`, stored hashed, valid until `expires`.
fn issue(store: &LocalStore, grant: &Grant, expires: Option<Timestamp>) -> Result<String> {
    Ok(store.inner().issue_token(grant, now()?, expires)?)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
