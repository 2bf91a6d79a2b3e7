#!/usr/bin/env bash
# The demo: the HLCP cybersecurity negotiation in a fresh store. Shows the
# chair's view of contested topic 4 (status, redlines, compromise draft),
# then serves it (JSON API and live updates) with a sign-in token for every
# participant, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
store="${ACCORD_STORE:-$(mktemp -d)/accord-data}"
addr="${ACCORD_ADDR:-127.0.0.1:8080}"
echo "building accord..." >&2
cargo build --quiet -p accord-cli
accord() { target/debug/accord --store "$store" "$@"; }
accord init --fixture hlcp-cybersecurity >/dev/null
accord status
echo "=== redlines of topic 4: base text against each proposal ==="
accord redline --section 4
echo "=== compromise draft of topic 4 ==="
accord compromise --section 4
echo
echo "The store is $store; the server starts now (Ctrl-C stops it). Try, with a token below:"
echo "  curl -H 'Authorization: Bearer TOKEN' http://$addr/api/me"
echo
accord serve --addr "$addr" --demo
