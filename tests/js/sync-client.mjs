#!/usr/bin/env node
// Interop client for Accord's automerge-repo sync endpoint.
//
// Uses only the official npm packages (@automerge/automerge-repo,
// @automerge/automerge-repo-network-websocket) to prove that a stock
// automerge-repo peer can fetch Accord documents over /sync, edit them and
// have the server accept (or, for non-sponsors, ignore) the edit.
//
// Usage:
//   node tests/js/sync-client.mjs --server http://127.0.0.1:PORT --token TOKEN \
//        --proposal PROPOSAL_ID --append " some words" [--expect-ignored] [--claim]
//
// Prints one JSON line on stdout. Exit codes: 0 success, 1 failure,
// 2 bad usage or /api/me refused.
// Set DEBUG=automerge-repo:* to see the library's own protocol log on stderr.

import { Repo, splice, isValidAutomergeUrl } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const TIMEOUT_MS = 15_000
const POLL_MS = 100
const IGNORE_WAIT_MS = 2_000

let repo = null

function log(msg) {
  process.stderr.write(`sync-client: ${msg}\n`)
}

const result = {
  ok: false,
  title: null,
  participants: [],
  proposal_label: null,
  text_before: null,
  text_after_local: null,
  text_on_server: null,
}

async function finish(ok, error) {
  result.ok = ok
  if (error) result.error = error
  process.stdout.write(JSON.stringify(result) + "\n")
  if (repo) {
    try {
      await Promise.race([repo.shutdown(), sleep(1000)])
    } catch (e) {
      log(`shutdown: ${e?.message ?? e}`)
    }
  }
  process.exit(ok ? 0 : 1)
}

async function fail(message) {
  log(`error: ${message}`)
  await finish(false, message)
}

// The websocket adapter rethrows socket errors other than ECONNREFUSED from an
// event handler (e.g. an HTTP 401 on the upgrade); report those clearly.
process.on("uncaughtException", err => {
  log(`uncaught exception: ${err?.stack ?? err}`)
  void fail(`uncaught exception (websocket refused or dropped?): ${err?.message ?? err}`)
})
process.on("unhandledRejection", err => {
  log(`unhandled rejection: ${err?.stack ?? err}`)
  void fail(`unhandled rejection: ${err?.message ?? err}`)
})

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function usage(message) {
  if (message) log(message)
  process.stderr.write(
    "usage: node sync-client.mjs --server http://HOST:PORT --token TOKEN " +
      "--proposal PROPOSAL_ID --append TEXT [--expect-ignored] [--claim]\n",
  )
  process.exit(2)
}

function parseArgs(argv) {
  const opts = { expectIgnored: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      if (i + 1 >= argv.length) usage(`missing value for ${arg}`)
      return argv[++i]
    }
    switch (arg) {
      case "--server": opts.server = value(); break
      case "--token": opts.token = value(); break
      case "--proposal": opts.proposal = value(); break
      case "--append": opts.append = value(); break
      case "--expect-ignored": opts.expectIgnored = true; break
      case "--claim": opts.claim = true; break
      case "--help": case "-h": usage(); break
      default: usage(`unknown argument ${arg}`)
    }
  }
  for (const k of ["server", "token", "proposal", "append"]) {
    if (opts[k] === undefined) usage(`--${k} is required`)
  }
  return opts
}

const stripPrefix = id => String(id).replace(/^automerge:/, "")

async function getJson(url, token) {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
  const body = await res.text()
  return { status: res.status, body }
}

function wsUrlFor(server, token) {
  const url = new URL(server)
  if (url.protocol === "http:") url.protocol = "ws:"
  else if (url.protocol === "https:") url.protocol = "wss:"
  else if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new Error(`unsupported server URL scheme ${url.protocol}`)
  }
  url.pathname = url.pathname.replace(/\/+$/, "") + "/sync"
  url.search = "?token=" + encodeURIComponent(token)
  url.hash = ""
  return url.toString()
}

/** Wait until the server answers our `join` with a `peer` message. */
function waitForPeer(adapter, ms) {
  return new Promise((resolve, reject) => {
    if (adapter.remotePeerId) return resolve(adapter.remotePeerId)
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for the server's "peer" reply to our "join" on ${adapter.url.replace(/token=[^&]*/, "token=***")}`)),
      ms,
    )
    adapter.once("peer-candidate", ({ peerId }) => {
      clearTimeout(timer)
      resolve(peerId)
    })
  })
}

async function findDoc(url, what, ms) {
  if (!isValidAutomergeUrl(url)) throw new Error(`${what} id is not a valid automerge document id: ${url}`)
  const controller = new AbortController()
  try {
    const handle = await withTimeout(repo.find(url, { signal: controller.signal }), ms, `waiting for ${what} ${url}`)
    return handle
  } catch (e) {
    controller.abort()
    throw new Error(`could not load ${what} ${url}: ${e?.message ?? e}`)
  }
}

function serverProposalText(negotiation, proposalId) {
  for (const section of negotiation?.sections ?? []) {
    for (const p of section?.proposals ?? []) {
      if (stripPrefix(p.id) === proposalId) return { found: true, text: p.text }
    }
  }
  return { found: false, text: null }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const server = opts.server.replace(/\/+$/, "")
  const proposalId = stripPrefix(opts.proposal)

  // a. who am I?
  let me
  try {
    const { status, body } = await getJson(`${server}/api/me`, opts.token)
    if (status !== 200) {
      log(`GET /api/me answered ${status}: ${body}`)
      process.exit(2)
    }
    me = JSON.parse(body)
  } catch (e) {
    log(`GET ${server}/api/me failed: ${e?.message ?? e}`)
    process.exit(2)
  }
  if (!me?.negotiation || !me?.peer_id) {
    log(`/api/me answer lacks negotiation or peer_id: ${JSON.stringify(me)}`)
    process.exit(2)
  }
  const negotiationId = stripPrefix(me.negotiation)

  // b. connect, with the peer id the server pinned to our token
  const wsUrl = wsUrlFor(server, opts.token)
  const adapter = new WebSocketClientAdapter(wsUrl)
  repo = new Repo({ peerId: me.peer_id, network: [adapter] })
  const serverPeer = await waitForPeer(adapter, TIMEOUT_MS)
  log(`connected; server peer id ${serverPeer}`)

  // c. negotiation document
  const negHandle = await findDoc(`automerge:${negotiationId}`, "negotiation document", TIMEOUT_MS)
  const neg = negHandle.doc()
  // Accord stores short fields as scalar strings, which JS shows as ImmutableString.
  if (scalar(neg?.kind) !== "negotiation") throw new Error(`negotiation document has kind ${JSON.stringify(neg?.kind)}`)
  result.title = scalar(neg.title)
  result.participants = Object.keys(neg.participants ?? {}).sort()

  // c2. --claim: list the proposal as sponsored in our own participant document (a peer may
  // write that document), trying to be let into a document that is not ours to write.
  if (opts.claim) {
    const { status, body } = await getJson(`${server}/api/negotiations/${encodeURIComponent(negotiationId)}`, opts.token)
    if (status !== 200) throw new Error(`GET the negotiation answered ${status}: ${body}`)
    const own = JSON.parse(body).participants.find((p) => p.code === me.participant)
    const ownHandle = await findDoc(`automerge:${stripPrefix(own.document)}`, "own participant document", TIMEOUT_MS)
    ownHandle.change((doc) => { doc[`sponsor:${proposalId}`] = 4 })
    log(`claimed ${proposalId} in ${own.document}`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }

  // d. proposal document
  const propHandle = await findDoc(`automerge:${proposalId}`, "proposal document", TIMEOUT_MS)
  const prop = propHandle.doc()
  if (scalar(prop?.kind) !== "proposal") throw new Error(`proposal document has kind ${JSON.stringify(prop?.kind)}`)
  result.proposal_label = scalar(prop.label)
  if (typeof prop.text !== "string") {
    throw new Error(`proposal "text" is not an automerge text (got ${Object.prototype.toString.call(prop.text)})`)
  }
  const before = prop.text
  result.text_before = before

  // e. append with a real text splice
  propHandle.change(doc => {
    splice(doc, ["text"], doc.text.length, 0, opts.append)
  })
  const after = propHandle.doc().text
  result.text_after_local = after
  if (after !== before + opts.append) throw new Error(`local splice produced ${JSON.stringify(after)}`)

  // f. watch the server's view of the proposal
  const negUrl = `${server}/api/negotiations/${encodeURIComponent(negotiationId)}`
  const poll = async () => {
    const { status, body } = await getJson(negUrl, opts.token)
    if (status !== 200) throw new Error(`GET ${negUrl} answered ${status}: ${body}`)
    const found = serverProposalText(JSON.parse(body), proposalId)
    if (!found.found) throw new Error(`proposal ${proposalId} not listed by GET ${negUrl}`)
    result.text_on_server = found.text
    return found.text
  }

  if (opts.expectIgnored) {
    const deadline = Date.now() + IGNORE_WAIT_MS
    while (Date.now() < deadline) {
      if ((await poll()) === after) return fail("server accepted an edit it should have ignored")
      await sleep(POLL_MS)
    }
    const final = await poll()
    if (final !== before) return fail(`server text changed to ${JSON.stringify(final)}; expected it unchanged`)
    return finish(true)
  }

  const deadline = Date.now() + TIMEOUT_MS
  while (Date.now() < deadline) {
    if ((await poll()) === after) return finish(true)
    await sleep(POLL_MS)
  }
  return fail(`server text did not become the edited text within ${TIMEOUT_MS} ms`)
}

main().catch(e => fail(e?.message ?? String(e)))

/** A scalar string field (ImmutableString in JS) or a plain string, as a string; null when absent. */
function scalar(value) {
  return value === undefined || value === null ? null : String(value)
}
