#!/usr/bin/env bash
# CI entry point for the Node host example: installs the pinned jco toolchain, transpiles the
# verifier component and runs test.mjs. Skips (exit 0, "SKIPPED: ...") only when npm is missing
# or `npm ci` fails (registry unreachable); any transpile or test failure exits non-zero.
#   run-test.sh [path/to/clerk_edge_verifier.wasm]   (default: ../../dist/ beside this script)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
wasm="${1:-$here/../../dist/clerk_edge_verifier.wasm}"
if [ ! -f "$wasm" ]; then
  echo "error: $wasm not found (run \`make components\` at the repository root first)" >&2
  exit 1
fi
wasm="$(cd "$(dirname "$wasm")" && pwd)/$(basename "$wasm")"

if ! command -v npm >/dev/null 2>&1; then
  echo "SKIPPED: npm not installed"
  exit 0
fi
cd "$here"
if ! npm ci --no-audit --no-fund --loglevel=error; then
  echo "SKIPPED: npm ci failed (registry unreachable?)"
  exit 0
fi
rm -rf gen
CLERK_EDGE_WASM="$wasm" npm run --silent transpile
npm run --silent test
