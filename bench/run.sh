#!/usr/bin/env bash
# Performance benchmarks: every figure next to its baseline, measured in the same run.
#   bench/run.sh [ITERATIONS=2000] [SERVE_SECONDS=15]
# Writes bench/results.json and bench/ratios.svg and prints the table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
IT=${1:-2000}
SECS=${2:-15}
make components >/dev/null
cargo build --release -q -p clerk-edge-host
HOST=./target/release/clerk-edge-host
(cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo "== in-component timings" >&2
$HOST bench --iterations "$IT" > /tmp/clerk-edge-bench-host.json
echo "== @clerk/backend on Node" >&2
node bench/sdk.mjs "$IT" > /tmp/clerk-edge-bench-sdk.json

# Served CPU per request: the server's user+system CPU over a fixed load of signed-in requests,
# for the clerk-edge handler and for the no-op baseline.
cpu_per_request() { # $1 = extra serve args, $2 = port
  $HOST serve --addr 127.0.0.1:$2 --env CLERK_LOG=off $1 2>/dev/null &
  local pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$2) 2>/dev/null && break; sleep 0.1; done
  $HOST load --addr 127.0.0.1:$2 --seconds 3 --concurrency 4 --mix valid >/dev/null 2>&1 || true
  local t0; t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  local out; out=$($HOST load --addr 127.0.0.1:$2 --seconds "$SECS" --concurrency 4 --mix valid || true)
  local t1; t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  kill $pid; wait $pid 2>/dev/null || true
  local n; n=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
  python3 -c "print(($t1-$t0)*1e6/$(getconf CLK_TCK)/$n)"
}
echo "== served CPU per request" >&2
CPU_EDGE=$(cpu_per_request "" 3931)
CPU_NOOP=$(cpu_per_request "--component dist/noop.wasm" 3932)

# dist/ holds the http-verifier after `wasm-opt -Oz` (make components); the cargo build before
# that step is the second size figure (a no-op rebuild: cargo keeps each feature set's output).
cargo build -q -p clerk-edge-component --target wasm32-wasip2 --release --features http
PRE_OPT_SIZE=$(stat -c %s target/wasm32-wasip2/release/clerk_edge_component.wasm)

python3 bench/report.py /tmp/clerk-edge-bench-host.json /tmp/clerk-edge-bench-sdk.json "$CPU_EDGE" "$CPU_NOOP" "$PRE_OPT_SIZE"
