#!/usr/bin/env bash
# Instruction profile of fanout per accepted event: `fanout serve` (Release) runs under valgrind's
# callgrind with all five destinations on the sandbox platforms, bench_loadgen sends a fixed offered
# load, and the script waits until every platform has every event. Instructions are counted, not
# timed: the same binary and load give the same figures on a loaded or a quiet machine, so two builds
# can be compared while other work runs. Fsync waits, cache misses and the kernel are not in them.
#   bench/profile/callgrind.sh                     # 3,000 single events, sequential ids
#   BUILD_DIR=other/build-release OUT=/tmp/p bench/profile/callgrind.sh
# Env: BUILD_DIR (build-release), RATE (events/s offered, 300), SECONDS_ (10), BATCH (1),
#      IDS (sequential|random), OUT (directory for the callgrind files; a temporary one by default)
# Prints instructions per accepted event in all and by stage (bench/profile/stages.py); TOP=n adds the
# n largest functions by inclusive cost.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${BUILD_DIR:-build-release}
RATE=${RATE:-300}
SECS=${SECONDS_:-10}
BATCH=${BATCH:-1}
IDS=${IDS:-sequential}
OUT=${OUT:-$(mktemp -d /tmp/fanout-callgrind-XXXXXX)}
mkdir -p "$OUT"
source bench/load/common.sh
bench_workdir

start_sandbox_and_fanout valgrind --tool=callgrind --log-file="$WORK/valgrind.log" --callgrind-out-file="$OUT/callgrind.out"
R=$(python3 -c "print($RATE / $BATCH)")
LG=$($B/bench_loadgen --port $FANOUT_PORT --secret bench-secret --connections 4 --batch $BATCH --ids $IDS \
      --rate "$R" --seconds "$SECS" --prefix prof)
N=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['accepted_events'])" "$LG")
for _ in $(seq 1 1200); do [ "$(total_events)" -ge "$N" ] && break; sleep 0.1; done
[ "$(total_events)" -ge "$N" ] || { echo "not every platform got every event" >&2; exit 1; }
kill -TERM $FANOUT_PID; wait $FANOUT_PID || true
echo "accepted events: $N (loadgen: $LG)" >&2
TOTAL=$(callgrind_annotate "$OUT/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
echo "instructions per accepted event: $(( TOTAL / N ))  (files in $OUT)"
bench/profile/stages.py "$OUT/callgrind.out" "$N"
[ -n "${TOP:-}" ] || exit 0
# TOP=n: also the n largest functions by inclusive cost per event.
callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null | awk -v n="$N" -v top="$TOP" '
  /^-+$/ {sep++; next}
  sep >= 3 && NF >= 2 { gsub(",","",$1); if ($1+0 > 0) { c++; if (c <= top) { line=$0; sub(/^[^ ]+ +/,"",line); printf "%10.0f  %s\n", $1/n, substr(line,1,150) } } }'
