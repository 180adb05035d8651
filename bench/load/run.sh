#!/usr/bin/env bash
# Load benchmark: fanout (Release, durable commits on) with all five destinations delivering to the
# sandbox platforms on loopback, driven by bench_loadgen; then the same load against a trivial HTTP
# server (the machine's ceiling). Bounded in time (well under 2 minutes after the build); 127.0.0.1 only.
#   bench/load/run.sh            # prints a Markdown table, writes bench/results/load-<date>.json
# Phases: a fixed offered load (ack latency), an end-to-end run at E2E_RATE (delivered events/s per
# platform, measured until every platform has every event), saturation (accepted events/s).
# Env: BUILD_DIR (build-release), FIXED_RATE (5000 events/s), FIXED_SECONDS (10), E2E_RATE (20000 events/s),
#      E2E_SECONDS (10), SAT_SECONDS (10), CONNECTIONS (32), BATCH (1 event per request),
#      IDS (sequential: "<prefix>-<connection>-<n>"; random: UUID-shaped event ids),
#      CONSOLE_STREAMS (0: web-console live streams held open during the run),
#      FANOUT_SERVER_TOML (keys for fanout's [server] table, e.g. "threads = 1" for the default before 2026-12-05)
set -euo pipefail
cd "$(dirname "$0")/../.."
FIXED_RATE=${FIXED_RATE:-5000}     # events/s (requests/s = FIXED_RATE / BATCH)
E2E_RATE=${E2E_RATE:-20000}        # events/s
E2E_SECONDS=${E2E_SECONDS:-10}
FIXED_SECONDS=${FIXED_SECONDS:-10}
SAT_SECONDS=${SAT_SECONDS:-10}
CONNECTIONS=${CONNECTIONS:-32}
BATCH=${BATCH:-1}
IDS=${IDS:-sequential}
B=${BUILD_DIR:-build-release}
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C $B fanout bench_loadgen bench_echo_server >/dev/null

source bench/load/common.sh
bench_workdir

start_sandbox_and_fanout
# CONSOLE_STREAMS=N: N web-console live streams stay open through every phase (the console's cost).
for _ in $(seq 1 "${CONSOLE_STREAMS:-0}"); do
  curl -sN -H "Authorization: Bearer bench-admin" "http://127.0.0.1:$FANOUT_PORT/ui/api/stream" > /dev/null & PIDS+=($!)
done

LG="$B/bench_loadgen --port $FANOUT_PORT --secret bench-secret --connections $CONNECTIONS --batch $BATCH --ids $IDS"
rps() { python3 -c "print($1 / $BATCH)"; }  # events/s -> requests/s
accepted() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['accepted_events'])" "$1"; }
# Waits (at most 60 s) until every platform has received $1 events in all; prints the time it happened.
wait_delivered() {
  for _ in $(seq 1 600); do
    [ "$(total_events)" -ge "$1" ] && break
    sleep 0.1
  done
  date +%s.%N
}
CPU0_F=$(cpu_ticks $FANOUT_PID); CPU0_S=$(cpu_ticks $SANDBOX_PID); THREADS0=$(thread_ticks $FANOUT_PID)
echo "fixed load: $FIXED_RATE events/s for ${FIXED_SECONDS}s" >&2
FIXED=$($LG --rate "$(rps "$FIXED_RATE")" --seconds "$FIXED_SECONDS" --prefix fixed)
total=$(accepted "$FIXED")
wait_delivered "$total" >/dev/null
echo "end-to-end: $E2E_RATE events/s offered for ${E2E_SECONDS}s, then until every platform has every event" >&2
before_e2e=$(stats)
E0=$(date +%s.%N)
E2E=$($LG --rate "$(rps "$E2E_RATE")" --seconds "$E2E_SECONDS" --prefix e2e)
total=$((total + $(accepted "$E2E")))
E1=$(wait_delivered "$total")
after_e2e=$(stats)
RSS_E2E_KB=$(grep VmHWM /proc/$FANOUT_PID/status | awk '{print $2}')  # peak so far: fixed + end-to-end phases
echo "saturation: ${SAT_SECONDS}s" >&2
before_req=$(stats)
T0=$(date +%s.%N)
M0=$(machine_ticks); SAT0_F=$(cpu_ticks $FANOUT_PID); SAT0_S=$(cpu_ticks $SANDBOX_PID); SAT0_K=$(sys_ticks $FANOUT_PID)
SAT=$($LG --rate 0 --seconds "$SAT_SECONDS" --prefix sat)
accepted_total=$((total + $(accepted "$SAT")))
echo "waiting for delivery of $accepted_total events to all five platforms (at most 60 s)" >&2
T1=$(wait_delivered "$accepted_total")
M1=$(machine_ticks); SAT1_F=$(cpu_ticks $FANOUT_PID); SAT1_S=$(cpu_ticks $SANDBOX_PID); SAT1_K=$(sys_ticks $FANOUT_PID)
# The machine from the saturation run's start until all five platforms had every event, in ticks:
# busy, total, fanout, sandbox, fanout in the kernel (the load generator reports its own CPU in seconds).
read -r MB0 MT0 <<<"$M0"; read -r MB1 MT1 <<<"$M1"
MACHINE="$((MB1 - MB0)) $((MT1 - MT0)) $((SAT1_F - SAT0_F)) $((SAT1_S - SAT0_S)) $((SAT1_K - SAT0_K))"
after=$(stats)
CPU_F=$(( $(cpu_ticks $FANOUT_PID) - CPU0_F )); CPU_S=$(( $(cpu_ticks $SANDBOX_PID) - CPU0_S ))
RSS_KB=$(grep VmHWM /proc/$FANOUT_PID/status | awk '{print $2}')
THREADS1=$(thread_ticks $FANOUT_PID)
kill -TERM $FANOUT_PID; wait $FANOUT_PID || true

$B/bench_echo_server 127.0.0.1:0 > "$WORK/echo.log" 2>&1 & ECHO_PID=$!; PIDS+=($ECHO_PID)
ECHO_PORT=$(port_of "$WORK/echo.log")
CE="$B/bench_loadgen --port $ECHO_PORT --secret x --connections $CONNECTIONS --batch $BATCH"
echo "ceiling (trivial HTTP server): fixed + saturation" >&2
CFIXED=$($CE --rate "$(rps "$FIXED_RATE")" --seconds "$FIXED_SECONDS" --prefix c)
CSAT=$($CE --rate 0 --seconds "$SAT_SECONDS" --prefix c2)

mkdir -p bench/results
python3 - "$FIXED" "$SAT" "$before_req" "$after" "$T0" "$T1" "$RSS_KB" "$CFIXED" "$CSAT" "$accepted_total" "$CPU_F" "$CPU_S" "$(getconf CLK_TCK)" \
  "$E2E" "$before_e2e" "$after_e2e" "$E0" "$E1" "$BATCH" "$RSS_E2E_KB" "$IDS" "$THREADS0" "$THREADS1" "$MACHINE" <<'PY'
import json, sys, datetime
fixed, sat, before, after = (json.loads(x) for x in sys.argv[1:5])
t0, t1, rss_kb = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
cfixed, csat = json.loads(sys.argv[8]), json.loads(sys.argv[9])
accepted_total = int(sys.argv[10])
tck = int(sys.argv[13])
cpu_us = {"fanout": int(sys.argv[11]) * 1e6 / tck / accepted_total, "sandbox": int(sys.argv[12]) * 1e6 / tck / accepted_total}
e2e, before_e2e, after_e2e = (json.loads(x) for x in sys.argv[14:17])
e0, e1, batch = float(sys.argv[17]), float(sys.argv[18]), int(sys.argv[19])
rss_e2e_kb = int(sys.argv[20])
ids = sys.argv[21]
threads0, threads1 = json.loads(sys.argv[22]), json.loads(sys.argv[23])
cpu_us["threads"] = {k: (v - threads0.get(k, 0)) * 1e6 / tck / accepted_total for k, v in threads1.items()}
# Where the machine's time went per event accepted at saturation, from that run's start until every platform
# had every event: fanout, the sandbox, the load generator, the rest of the busy time (kernel work not charged
# to a process, other processes) and idle.
m_busy, m_total, m_fanout, m_sandbox, m_fanout_kernel = (int(x) for x in sys.argv[24].split())
sat_events = sat["accepted_events"]
us = lambda ticks: ticks * 1e6 / tck / sat_events
loadgen_us = sat.get("cpu_s", 0) * 1e6 / sat_events
machine = {"fanout": us(m_fanout), "fanout_kernel": us(m_fanout_kernel), "sandbox": us(m_sandbox), "loadgen": loadgen_us,
           "other": max(us(m_busy - m_fanout - m_sandbox) - loadgen_us, 0), "idle": us(m_total - m_busy)}
plats = ["meta", "ga4", "google_ads", "microsoft_ads", "tiktok"]
elapsed = t1 - t0
res = {"batch": batch, "ids": ids, "fixed": fixed, "saturation": sat, "ceiling_fixed": cfixed, "ceiling_saturation": csat,
       "peak_rss_mb": rss_kb / 1024, "peak_rss_mb_before_saturation": rss_e2e_kb / 1024, "delivery_window_s": elapsed, "platforms": {},
       "cpu_us_per_event": cpu_us, "machine_us_per_event_at_saturation": machine, "e2e": {"load": e2e, "window_s": e1 - e0, "platforms": {}}}
for p in plats:
    ev = after[p]["events"] - before[p]["events"]
    rq = after[p]["requests"] - before[p]["requests"]
    res["platforms"][p] = {"events": ev, "requests": rq, "delivered_per_s": ev / elapsed if elapsed else 0,
                           "requests_per_event": rq / ev if ev else None,
                           "all_received": after[p]["events"] >= accepted_total}
for p in plats:
    ev = after_e2e[p]["events"] - before_e2e[p]["events"]
    res["e2e"]["platforms"][p] = {"events": ev, "delivered_per_s": ev / (e1 - e0)}
stamp = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
open(f"bench/results/load-{stamp}.json", "w").write(json.dumps(res, indent=2))
def r(a, b): return f"{a / b:.2f}" if b else "n/a"
print(f"Batches of {batch} event(s) per request, {ids} event ids.")
print()
print("| measure | fanout | trivial server (ceiling) | ratio |")
print("|---|---|---|---|")
print(f"| accepted events/s at saturation | {sat['accepted_per_s']:.0f} | {csat['accepted_per_s']:.0f} | {r(sat['accepted_per_s'], csat['accepted_per_s'])} |")
for k in ["p50_ms", "p99_ms", "p999_ms"]:
    print(f"| ack latency {k[:-3]} at {fixed['offered_rate'] * batch:.0f} events/s offered (ms) | {fixed[k]:.2f} | {cfixed[k]:.2f} | {r(fixed[k], cfixed[k])} |")
for k in ["p50_ms", "p99_ms", "p999_ms"]:
    print(f"| ack latency {k[:-3]} at saturation (ms) | {sat[k]:.2f} | {csat[k]:.2f} | {r(sat[k], csat[k])} |")
print(f"| peak RSS of fanout (MB): through the fixed and end-to-end phases / including saturation | {rss_e2e_kb/1024:.1f} / {rss_kb/1024:.1f} | | |")
print(f"| CPU per accepted event, intake to delivery to all five (µs): fanout / sandbox | {cpu_us['fanout']:.1f} / {cpu_us['sandbox']:.1f} | | |")
threads = ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu_us["threads"].items(), key=lambda kv: -kv[1]) if v >= 0.05)
print(f"| fanout's CPU per accepted event by thread (µs) | {threads} | | |")
print(f"| the machine per event accepted at saturation, until all five had it (µs of its cores): fanout (of it in the kernel) / "
      f"sandbox / load generator / other busy / idle | {machine['fanout']:.1f} ({machine['fanout_kernel']:.1f}) / "
      f"{machine['sandbox']:.1f} / {machine['loadgen']:.1f} / "
      f"{machine['other']:.1f} / {machine['idle']:.1f} | | |")
print()
print(f"End to end: {e2e['offered_rate'] * batch:.0f} events/s offered for {e2e['seconds']:.0f} s, {e2e['accepted_events']} accepted "
      f"(ack p50/p99 {e2e['p50_ms']:.2f}/{e2e['p99_ms']:.2f} ms); window {e1 - e0:.1f} s from its start until every platform had every event:")
print()
print("| platform | events received | delivered events/s |")
print("|---|---|---|")
for p in plats:
    x = res["e2e"]["platforms"][p]
    print(f"| {p} | {x['events']} | {x['delivered_per_s']:.0f} |")
print()
print(f"Delivery after the saturation run ({sat_events} events accepted; window {elapsed:.1f} s from its start until every platform had every event):")
print()
print("| platform | events received | delivered events/s | upstream requests | requests per event | all received |")
print("|---|---|---|---|---|---|")
for p in plats:
    x = res["platforms"][p]
    rpe = f"{x['requests_per_event']:.4f}" if x["requests_per_event"] is not None else "n/a"
    print(f"| {p} | {x['events']} | {x['delivered_per_s']:.0f} | {x['requests']} | {rpe} | {x['all_received']} |")
PY
