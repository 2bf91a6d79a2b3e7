#!/usr/bin/env bash
# Runs every test of the workspace: unit, property and end-to-end tests,
# including the browser tests (chromium), the DOCX checks in LibreOffice
# (tests/lo/docx_review.py) and the interop test with the
# official JavaScript automerge-repo client, installed here from the npm
# registry as tests/js/package-lock.json pins it. Screenshots of the UI land
# in target/browser-artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "the sync interop test needs Node.js and npm (Debian: apt-get install nodejs npm)" >&2
    exit 1
fi
if ! command -v xmllint >/dev/null; then
    echo "the Akoma Ntoso export test needs xmllint (Debian: apt-get install libxml2-utils)" >&2
    exit 1
fi
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "the browser tests need Debian's chromium and chromedriver (apt-get install chromium chromium-driver)" >&2
    exit 1
fi
if ! command -v soffice >/dev/null || ! /usr/bin/python3 -c "import uno" 2>/dev/null; then
    echo "the DOCX tests need LibreOffice and its Python bridge (apt-get install libreoffice-writer-nogui python3-uno)" >&2
    exit 1
fi
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then
    echo "the printed-DOCX test needs poppler's pdftotext and pdftoppm (apt-get install poppler-utils)" >&2
    exit 1
fi
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
cargo test --workspace
