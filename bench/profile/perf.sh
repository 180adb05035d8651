#!/usr/bin/env bash
# Where fanout's CPU goes under load, by thread: `fanout serve` (Release) with all five destinations on
# the sandbox platforms, bench_loadgen at saturation (single events unless BATCH is set), and
# `perf record` (cpu-clock samples, so it works where hardware counters are not exposed) on fanout
# for the whole phase. Prints the share of samples per thread and the top symbols of each thread
# (as a share of that thread). On a virtual machine without a PMU, kernel time shows up where
# interrupts are re-enabled (pvm_irq_enable and the like), not where it was spent.
#   bench/profile/perf.sh                 # 10 s, 32 connections, single events
# Env: BUILD_DIR (build-release), SECONDS_ (10), CONNECTIONS (32), BATCH (1), IDS (sequential|random),
#      TOP (15 symbols per thread), OUT (directory for perf.data; temporary by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${BUILD_DIR:-build-release}
SECS=${SECONDS_:-10}
OUT=${OUT:-$(mktemp -d /tmp/fanout-perf-XXXXXX)}
mkdir -p "$OUT"
source bench/load/common.sh
bench_workdir

start_sandbox_and_fanout
perf record -q -F 1999 -e cpu-clock -g -p $FANOUT_PID -o "$OUT/perf.data" 2>/dev/null & PERF_PID=$!
sleep 0.5
LG=$($B/bench_loadgen --port $FANOUT_PORT --secret bench-secret --connections "${CONNECTIONS:-32}" \
      --batch "${BATCH:-1}" --ids "${IDS:-sequential}" --rate 0 --seconds "$SECS" --prefix perf)
kill -INT $PERF_PID; wait $PERF_PID 2>/dev/null || true
echo "load: $LG"
perf report -i "$OUT/perf.data" --no-children --sort comm -q -g none 2>/dev/null | grep -v '^$' | head -12
for t in http spool-writer delivery; do
  echo "== $t"
  perf report -i "$OUT/perf.data" --no-children --comm "$t" --percentage relative --sort dso,sym -q -g none 2>/dev/null | grep -v '^$' | head -"${TOP:-15}"
done
