#!/usr/bin/env bash
# Runs every test of the workspace: unit, property and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
