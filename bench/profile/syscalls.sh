#!/usr/bin/env bash
# System calls per accepted event: `fanout serve` (Release) with all five destinations on the sandbox
# platforms, bench_loadgen at a fixed rate, and `strace -c -f` attached to fanout (every thread) for the
# whole phase. Prints each system call's count per accepted event, busiest first. strace slows every
# call it sees, so the rate is kept well below saturation and only the counts mean anything, not times.
#   bench/profile/syscalls.sh                  # 2,000 single events/s for 4 s, 32 connections
# Env: BUILD_DIR (build-release), RATE (2000 events/s), SECONDS_ (4), CONNECTIONS (32), BATCH (1),
#      IDS (sequential|random)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${BUILD_DIR:-build-release}
SECS=${SECONDS_:-4}
BATCH=${BATCH:-1}
source bench/load/common.sh
bench_workdir

start_sandbox_and_fanout
"$B/bench_loadgen" --port "$FANOUT_PORT" --secret bench-secret --connections "${CONNECTIONS:-32}" --batch "$BATCH" \
  --ids "${IDS:-sequential}" --rate 500 --seconds 1 --prefix warm >/dev/null  # connections, pools, caches
strace -c -f -q -o "$WORK/strace.txt" -p "$FANOUT_PID" & STRACE_PID=$!
sleep 0.5
LG=$("$B/bench_loadgen" --port "$FANOUT_PORT" --secret bench-secret --connections "${CONNECTIONS:-32}" \
      --batch "$BATCH" --ids "${IDS:-sequential}" --rate "$(( ${RATE:-2000} / BATCH ))" --seconds "$SECS" --prefix sys)
sleep 1  # the last deliveries
kill -INT $STRACE_PID; wait $STRACE_PID 2>/dev/null || true
echo "load: $LG"
python3 - "$WORK/strace.txt" "$LG" <<'PY'
import json, sys
accepted = json.loads(sys.argv[2])["accepted_events"]
rows = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        calls, errors = int(f[3]), int(f[4]) if len(f) == 6 else 0
        rows.append((calls, errors, f[-1]))
rows.sort(reverse=True)
total = sum(r[0] for r in rows)
print(f"{accepted} events accepted; {total / accepted:.2f} system calls per event")
print("| system call | per event | of which failed |")
print("|---|---|---|")
for calls, errors, name in rows:
    if calls / accepted >= 0.01:
        print(f"| {name} | {calls / accepted:.2f} | {errors / accepted:.2f} |")
PY
