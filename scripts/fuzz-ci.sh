#!/usr/bin/env bash
# Bounded libFuzzer run of every clerk-edge fuzz target (fuzz/, cargo-fuzz).
#
#   scripts/fuzz-ci.sh [SECONDS]      # seconds per target, default 60
#
# Environment: FUZZ_TARGETS="token cookies" runs a subset (default: all, one after another);
# FUZZ_SANITIZER=address builds with ASan (default none: the core is `forbid(unsafe_code)` and
# ASan costs 5–10× throughput; use it for longer runs that should also watch dependencies);
# FUZZ_IGNORE_KNOWN=1 makes `authenticate` skip inputs that re-find the open, reported finding
# (fuzz/README.md "Known findings").
#
# Skips (exit 0, "SKIPPED: …") when no nightly toolchain is installed or cargo-fuzz cannot be
# installed. Exits 1 when any target finds a crash, leak, timeout or OOM; the input is left in
# fuzz/artifacts/<target>/ and its path printed. The checked-in seed corpus (fuzz/corpus/<t>) is
# only read: new inputs go to fuzz/target/corpus-work/<t>.
set -u

SECONDS_PER_TARGET="${1:-60}"
case "$SECONDS_PER_TARGET" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"

if ! command -v rustup >/dev/null 2>&1 || ! rustup toolchain list 2>/dev/null | grep -q nightly; then
  echo "SKIPPED: no nightly toolchain"
  exit 0
fi

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz not found; installing (cargo install cargo-fuzz --locked)…"
  if ! cargo install cargo-fuzz --locked >/tmp/cargo-fuzz-install.log 2>&1; then
    echo "SKIPPED: cargo-fuzz could not be installed (see /tmp/cargo-fuzz-install.log)"
    tail -5 /tmp/cargo-fuzz-install.log
    exit 0
  fi
fi

SAN="${FUZZ_SANITIZER:-none}"
cd "$FUZZ" || exit 2
TARGETS="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"

echo "== building fuzz targets"
mkdir -p target
if ! cargo +nightly fuzz build -s "$SAN" >target/fuzz-build.log 2>&1; then
  tail -30 target/fuzz-build.log
  echo "FAILED: cargo fuzz build"
  exit 1
fi

failed=()
summary=()
for t in $TARGETS; do
  work="$FUZZ/target/corpus-work/$t"
  mkdir -p "$work" "$FUZZ/artifacts/$t"
  dict=()
  [ -f "$FUZZ/dict/$t.dict" ] && dict=("-dict=$FUZZ/dict/$t.dict")
  log="$FUZZ/target/fuzz-$t.log"
  # The committed reproducers of earlier findings (fuzz/README.md "Known findings") first:
  # each runs once and must pass.
  repros=("$FUZZ/artifacts/$t"/repro-*)
  if [ -e "${repros[0]}" ]; then
    echo "== $t: ${#repros[@]} committed reproducer(s)"
    if ! cargo +nightly fuzz run -s "$SAN" "$t" "${repros[@]}" >"$log.repro" 2>&1; then
      failed+=("$t")
      summary+=("$t: a committed reproducer fails again")
      grep -E 'panicked at|Running:' "$log.repro" | tail -10
      continue
    fi
  fi
  echo "== $t: ${SECONDS_PER_TARGET}s"
  cargo +nightly fuzz run -s "$SAN" "$t" "$work" "$FUZZ/corpus/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 "${dict[@]}" >"$log" 2>&1
  rc=$?
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)"
  execs="$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -1)"
  speed="$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' | tail -1)"
  line="$t: rc=$rc executed=${execs:-?} exec/s=${speed:-?} ${done_line:+($done_line)}"
  echo "$line"
  summary+=("$line")
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "---- $t failed; last lines of $log:"
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written|artifact_prefix' "$log" | head -20
    tail -30 "$log"
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "FAILED: ${failed[*]} (reproduce: cd fuzz && cargo +nightly fuzz run -s $SAN <target> artifacts/<target>/<file>)"
  exit 1
fi
echo "OK: all targets ran ${SECONDS_PER_TARGET}s without a crash"
