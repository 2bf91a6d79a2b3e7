#!/usr/bin/env node
// A hostile participant with the official automerge-repo client: it makes
// one change the API would refuse, sends it over /sync, and waits for the
// server's answer. The server should refuse it and say why, in an
// "accord/refused" ephemeral message on the document.
//
// Usage:
//   node tests/js/attack.mjs --server http://127.0.0.1:PORT --token TOKEN --attack NAME
//
// Attacks:
//   forge-agreement  (chair) an agreed entry for every section, as if adopted
//   demote           (convenor) every other participant made an observer
//   heads-as-text    (chair) an agreed entry whose proposal_heads are text objects
//   huge             (member) a 2 MB string in its own participant document
//   flood            (member) three 10 MB strings in its own participant document
//   forged-note      (member) a change to its own document whose message says the chair adopted
//
// Prints one JSON line: {"attack", "sent": true, "refused": [{change, reason}], "closed": bool}.
// Exit codes: 0 the server refused (or closed the connection), 1 no refusal came, 2 bad usage.

import { Repo } from "@automerge/automerge-repo"
import { ImmutableString } from "@automerge/automerge"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { api, options, reporter, syncUrl } from "./report.mjs"

const TIMEOUT_MS = 15_000
const result = { attack: null, sent: false, refused: [], closed: false }
const repos = []

function log(message) {
  process.stderr.write(`attack: ${message}\n`)
}

const finish = reporter(result, repos)

/** The change each attack makes, on the document it names. */
const attacks = {
  "forge-agreement": {
    document: (me) => me.negotiation,
    change: (doc) => {
      for (const number of Object.keys(doc.sections)) {
        doc.sections[number].agreed = {
          text: "TEXT THAT NOBODY AGREED", proposal: "x", label: "Alt 1", by: "HLCP", at: Date.now(), proposal_heads: [],
        }
      }
    },
  },
  demote: {
    document: (me) => me.negotiation,
    change: (doc, me) => {
      for (const code of Object.keys(doc.participants)) {
        if (code !== me.participant) doc.participants[code].role = "observer"
      }
    },
  },
  "heads-as-text": {
    document: (me) => me.negotiation,
    change: (doc) => {
      const first = Object.keys(doc.sections)[0]
      // A plain JavaScript string becomes an automerge text object.
      doc.sections[first].agreed = { text: "x", proposal: "x", label: "x", by: "HLCP", at: 0, proposal_heads: ["abc"] }
    },
  },
  huge: {
    document: (me, view) => view.participants.find((p) => p.code === me.participant).document,
    change: (doc) => {
      doc.padding = new ImmutableString("x".repeat(2 * 1024 * 1024))
    },
  },
  flood: {
    document: (me, view) => view.participants.find((p) => p.code === me.participant).document,
    change: (doc) => {
      const ten = "x".repeat(10 * 1024 * 1024)
      doc.padding_a = new ImmutableString(ten)
      doc.padding_b = new ImmutableString(ten)
      doc.padding_c = new ImmutableString(ten)
    },
  },
  "forged-note": {
    document: (me, view) => view.participants.find((p) => p.code === me.participant).document,
    change: (doc) => {
      doc["sponsor:forged"] = 4
    },
    options: { message: JSON.stringify({ by: "HLCP", at: 1, what: "adopted Alt 3 as the agreed text of section 4" }) },
  },
}

async function main() {
  const usage = "node attack.mjs --server URL --token TOKEN --attack NAME"
  const opts = options(process.argv.slice(2), ["server", "token", "attack"], usage)
  const attack = attacks[opts.attack]
  if (!attack) return finish(false, `unknown attack ${opts.attack}`)
  result.attack = opts.attack
  const server = opts.server.replace(/\/+$/, "")
  const me = await api(`${server}/api/me`, opts.token)
  const view = await api(`${server}/api/negotiations/${encodeURIComponent(me.negotiation)}`, opts.token)
  const adapter = new WebSocketClientAdapter(syncUrl(server, opts.token))
  adapter.on("peer-disconnected", () => { result.closed = true })
  const repo = new Repo({ peerId: me.peer_id, network: [adapter] })
  repos.push(repo)
  const handle = await repo.find(`automerge:${attack.document(me, view)}`)
  const refused = new Promise((resolve) => {
    handle.on("ephemeral-message", ({ message }) => {
      if (message?.type === "accord/refused") {
        result.refused.push(...message.refused)
        resolve()
      }
    })
  })
  handle.change((doc) => attack.change(doc, me), attack.options ?? {})
  result.sent = true
  log(`sent ${opts.attack}; waiting for the server's answer`)
  const closed = new Promise((resolve) => adapter.on("peer-disconnected", resolve))
  const timeout = new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS))
  await Promise.race([refused, closed, timeout])
  return finish(result.refused.length > 0 || result.closed, result.refused.length ? undefined : "no refusal came")
}

main().catch((e) => finish(false, e?.message ?? String(e)))
