#!/usr/bin/env node
// A named co-sponsor with the official automerge-repo client: what it may
// write over /sync is decided again when it joins, on a connection already
// open. First, on one connection, an edit before joining: the server must
// refuse it (an "accord/refused" message). Then, on a second connection, the
// proposal is read, the participant joins through the API while connected,
// and an edit on that same connection must reach the server's text.
//
// Usage:
//   node tests/js/cosponsor.mjs --server http://127.0.0.1:PORT --token TOKEN --proposal ID
//
// Prints one JSON line: {"refused_before": [{change, reason}], "joined": bool,
// "refused_after": [...], "text_on_server": string|null}.
// Exit codes: 0 as expected, 1 otherwise, 2 bad usage.

import { Repo, splice } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { api, options, reporter, syncUrl } from "./report.mjs"

const TIMEOUT_MS = 15_000
const POLL_MS = 100
const BEFORE = " Before joining."
const AFTER = " After joining."
const result = { refused_before: [], joined: false, refused_after: [], text_on_server: null }
const repos = []

const finish = reporter(result, repos)

/** A repo on a new connection and the proposal's handle, with its refusals collected into `into`. */
async function connect(server, me, token, proposal, into) {
  const repo = new Repo({ peerId: me.peer_id, network: [new WebSocketClientAdapter(syncUrl(server, token))] })
  repos.push(repo)
  const handle = await repo.find(`automerge:${proposal}`)
  let answered
  const refused = new Promise((resolve) => (answered = resolve))
  handle.on("ephemeral-message", ({ message }) => {
    if (message?.type === "accord/refused") {
      into.push(...message.refused)
      answered()
    }
  })
  return { handle, refused }
}

function append(handle, words) {
  handle.change((doc) => splice(doc, ["text"], doc.text.length, 0, words))
}

/** The proposal's text on the server, polled until it holds `words` or the time is up. */
async function serverText(server, token, negotiation, proposal, words) {
  const deadline = Date.now() + TIMEOUT_MS
  for (;;) {
    const view = await api(`${server}/api/negotiations/${encodeURIComponent(negotiation)}`, token)
    const found = view.sections.flatMap((s) => s.proposals).find((p) => p.id === proposal)
    if (found?.text.includes(words) || Date.now() > deadline) return found?.text ?? null
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

async function main() {
  const usage = "node cosponsor.mjs --server URL --token TOKEN --proposal ID"
  const opts = options(process.argv.slice(2), ["server", "token", "proposal"], usage)
  const server = opts.server.replace(/\/+$/, "")
  const me = await api(`${server}/api/me`, opts.token)

  const first = await connect(server, me, opts.token, opts.proposal, result.refused_before)
  append(first.handle, BEFORE)
  await Promise.race([first.refused, new Promise((r) => setTimeout(r, TIMEOUT_MS))])
  if (result.refused_before.length === 0) return finish(false, "the edit before joining was not refused")

  const second = await connect(server, me, opts.token, opts.proposal, result.refused_after)
  await api(`${server}/api/proposals/${encodeURIComponent(opts.proposal)}/cosponsor`, opts.token, "POST")
  result.joined = true
  append(second.handle, AFTER)
  result.text_on_server = await serverText(server, opts.token, me.negotiation, opts.proposal, AFTER)
  const ok = result.text_on_server?.endsWith(AFTER) && !result.text_on_server.includes(BEFORE)
  return finish(ok && result.refused_after.length === 0, ok ? undefined : "the edit after joining did not arrive")
}

main().catch((e) => finish(false, e?.message ?? String(e)))
