#!/usr/bin/env bash
# Load and soak: serve the DEMO http-verifier component with the host on 127.0.0.1 and drive it
# with a bounded mix of valid, expired, forged, malformed and oversized requests. Prints
# throughput, latency percentiles, unexpected answers (must be 0: status and the user id,
# Clerk reason or redirect target each kind must get) and the server's RSS at start, before
# the measured run (after a 5 s warm-up that fills the instance pool) and after it (must
# stay flat). Usage: bench/load.sh [SECONDS=60] [CONCURRENCY=16] [PORT=3917]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${1:-60}
CONC=${2:-16}
PORT=${3:-3917}
make components >/dev/null
cargo build --release -q -p clerk-edge-host
HOST=./target/release/clerk-edge-host
CLERK_LOG=off $HOST serve --addr 127.0.0.1:$PORT --env CLERK_LOG=off 2>/tmp/clerk-edge-load-serve.log &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then break; fi
  sleep 0.1
done
rss() { awk '/^VmRSS/ {print $2}' /proc/$PID/status; }
RSS_START=$(rss)
# Warm-up (fills the instance pool), then measure memory before the real run.
$HOST load --addr 127.0.0.1:$PORT --seconds 5 --concurrency "$CONC" >/dev/null
RSS_BEFORE=$(rss)
RESULT=$($HOST load --addr 127.0.0.1:$PORT --seconds "$SECONDS_TOTAL" --concurrency "$CONC") || STATUS=$?
RSS_AFTER=$(rss)
echo "$RESULT"
echo "{\"rss_kib_start\": $RSS_START, \"rss_kib_before\": $RSS_BEFORE, \"rss_kib_after\": $RSS_AFTER, \"cores\": $(nproc), \"date\": \"$(date -u +%FT%TZ)\"}"
exit "${STATUS:-0}"
