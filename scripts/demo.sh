#!/usr/bin/env bash
# The demo: the HLCP cybersecurity negotiation in a fresh store, shown from
# the chair's seat (status, redlines and compromise draft of contested topic 4).
set -euo pipefail
cd "$(dirname "$0")/.."
store="${ACCORD_STORE:-$(mktemp -d)/accord-data}"
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
echo "The store is $store. Carry on, e.g.:"
echo "  target/debug/accord --store $store stance --proposal ID --as UNSEC support"
echo "  target/debug/accord --store $store export --format md"
