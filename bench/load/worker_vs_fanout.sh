#!/usr/bin/env bash
# fanout against the original Worker's reconstruction (bench/worker/worker.js) on workerd, Cloudflare's Workers
# runtime, in one run on this machine: the same sandbox platforms, the same load (bench_loadgen --format legacy:
# one signed legacy event per request on keep-alive connections, at saturation). For each server in turn
# (fanout first, then the Worker; ROUNDS times), measures accepted events/s, ack latency and the events/s
# delivered to every platform the server sends to, and the CPU it and the sandbox spent per event.
#   bench/load/worker_vs_fanout.sh   # prints a Markdown table per round, writes bench/results/worker-<UTC stamp>.json
# Installs workerd (npm, ~150 MB) into $WORKERD_DIR once. Bounded in time: each phase lasts SAT_SECONDS, then at
# most 60 s of waiting for delivery; 127.0.0.1 only.
# Env: BUILD_DIR (build-release), SAT_SECONDS (10), CONNECTIONS (64), ROUNDS (2), WORKERD_PROCESSES (1),
#      WORKERD_DIR (${XDG_CACHE_HOME:-$HOME/.cache}/fanout-bench/workerd),
#      WORKER_GA4 (match: the Worker sends GA4 only if fanout does for a legacy event, so both do the same work;
#                  send: always, with the body's userId as GA4 client id; skip: never),
#      FANOUT_FORMAT (legacy: fanout gets the Worker's body on POST /, and skips GA4 for it: no _ga cookie is sent;
#                     canonical: fanout gets the same event as a canonical one on /v1/events, with a GA client id,
#                     and sends it to all five, as the Worker does with WORKER_GA4=match then)
set -euo pipefail
cd "$(dirname "$0")/../.."
SAT_SECONDS=${SAT_SECONDS:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-2}
WORKERD_PROCESSES=${WORKERD_PROCESSES:-1}
WORKER_GA4=${WORKER_GA4:-match}
FANOUT_FORMAT=${FANOUT_FORMAT:-legacy}
WORKERD_VERSION=1.20261123.1  # npm package; its binary reports "workerd 2026-11-23"
WORKERD_DIR=${WORKERD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fanout-bench/workerd}
B=${BUILD_DIR:-build-release}
PLATFORMS="meta ga4 google_ads microsoft_ads tiktok"
die() { echo "worker_vs_fanout: $*" >&2; exit 1; }
case "$WORKER_GA4" in match|send|skip) ;; *) die "WORKER_GA4 must be match, send or skip";; esac
case "$FANOUT_FORMAT" in legacy|canonical) ;; *) die "FANOUT_FORMAT must be legacy or canonical";; esac

# workerd from npm, outside the repository. --ignore-scripts: its postinstall only checks the binary, done here.
case "$(uname -m)" in x86_64) WORKERD_PKG=workerd-linux-64;; aarch64) WORKERD_PKG=workerd-linux-arm64;;
  *) die "no workerd package for $(uname -m)";; esac
WORKERD=$WORKERD_DIR/node_modules/@cloudflare/$WORKERD_PKG/bin/workerd
if ! "$WORKERD" --version >/dev/null 2>&1; then
  command -v npm >/dev/null || die "npm is needed to install workerd"
  echo "installing workerd@$WORKERD_VERSION into $WORKERD_DIR" >&2
  mkdir -p "$WORKERD_DIR" 2>/dev/null || die "cannot create $WORKERD_DIR to install workerd"
  [ -f "$WORKERD_DIR/package.json" ] || echo '{"private": true}' > "$WORKERD_DIR/package.json"
  (cd "$WORKERD_DIR" && npm install --no-audit --no-fund --ignore-scripts "workerd@$WORKERD_VERSION" >&2) ||
    die "could not install workerd@$WORKERD_VERSION with npm into $WORKERD_DIR"
  "$WORKERD" --version >/dev/null 2>&1 || die "workerd was installed but $WORKERD does not run"
fi

cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C $B fanout bench_loadgen >/dev/null

source bench/load/common.sh
bench_workdir
GADS_LABELS='{"ABC123": "customers/1234567890/conversionActions/111"}'  # the label bench_loadgen sends
FANOUT_EXTRA_TOML=$(printf '[legacy]\ngoogle_ads_labels = { ABC123 = "customers/1234567890/conversionActions/111" }')
start_sandbox_and_fanout
kill -0 $FANOUT_PID 2>/dev/null || die "fanout serve did not start: $(tail -3 "$WORK/fanout.log")"

LG="$B/bench_loadgen --secret bench-secret --format legacy --connections $CONNECTIONS"
LGF="$B/bench_loadgen --secret bench-secret --format $FANOUT_FORMAT --connections $CONNECTIONS"  # fanout's load
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
# Events each platform counted since the stats $1 (a JSON object); prints the smallest over the platforms $2..
delivered_since() {
  python3 - "$1" "$(stats)" "${@:2}" <<'PY'
import json, sys
before, now = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(min(now[p]["events"] - before[p]["events"] for p in sys.argv[3:]))
PY
}
# Waits (at most 60 s) until every platform in $3.. counted $2 events since the stats $1; prints the time.
wait_delivered() {
  for _ in $(seq 1 600); do
    [ "$(delivered_since "$1" "${@:3}")" -ge "$2" ] && { date +%s.%N; return; }
    sleep 0.1
  done
  die "the sandbox did not count all $2 events on every one of: ${*:3} within 60 s (since the phase start: $(delivered_since "$1" "${@:3}") on the least)"
}
# From the stats $1 on, writes "<unix time> <smallest count over the platforms $2..>" every 20 ms for at most
# SAT_SECONDS + 70 s: a poller running through a phase dates delivery without a process start per sample.
poll_delivered() {
  exec python3 - "$SANDBOX_PORT" "$1" "$((${SAT_SECONDS%.*} + 70))" "${@:2}" <<'PY'
import json, sys, time, urllib.request
port, before, limit, platforms = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
end = time.time() + limit
while time.time() < end:
    try:
        now = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/_sandbox/stats"))
    except OSError:
        sys.exit(0)  # the sandbox is gone: the run is over
    print(f"{time.time():.6f} {min(now[p]['events'] - before[p]['events'] for p in platforms)}", flush=True)
    time.sleep(0.02)
PY
}
# Both servers must refuse a wrong signature, or the comparison would not be fair: $1 = port.
check_refuses_bad_signature() {
  local code
  code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST -H 'X-CRM-Signature: sha256=00' --data '{"data":{}}' "http://127.0.0.1:$1/")
  [ "$code" = 401 ] || die "the server on port $1 answered $code, not 401, to a wrong signature"
}

# What fanout does with the event it gets: the platforms it sends it to (a skipped one is named with its reason).
check_refuses_bad_signature $FANOUT_PORT
before=$(stats)
WARM=$(timeout 30 $LGF --port $FANOUT_PORT --connections 1 --rate 10 --seconds 0.2 --prefix warm) || die "fanout did not answer a $FANOUT_FORMAT event within 30 s"
[ "$(field "$WARM" accepted_events)" -ge 1 ] || die "fanout did not accept a $FANOUT_FORMAT event: $WARM"
FANOUT_SENDS=$(curl -s -H "Authorization: Bearer bench-admin" "http://127.0.0.1:$FANOUT_PORT/v1/events/warm-0-0" | python3 -c '
import json, sys
d = json.load(sys.stdin)["destinations"]
for p, s in d.items():
    if s["state"] == "skipped": print("fanout skips", p, "for this event:", s.get("reason"), file=sys.stderr)
print(" ".join(p for p, s in d.items() if s["state"] != "skipped"))')
[ -n "$FANOUT_SENDS" ] || die "fanout sends a $FANOUT_FORMAT event to no platform"
wait_delivered "$before" "$(field "$WARM" accepted_events)" $FANOUT_SENDS >/dev/null

# The Worker: the same platforms, ids and tokens. Google Ads wants a token the sandbox issued (the original had a
# static GADS_ACCESS_TOKEN secret): one is fetched here, once.
case "$WORKER_GA4" in
  send) GA4_FALLBACK=user_id;;
  skip) GA4_FALLBACK=;;
  match) [[ " $FANOUT_SENDS " == *" ga4 "* ]] && GA4_FALLBACK=user_id || GA4_FALLBACK=;;
esac
WORKER_SENDS=$(for p in $PLATFORMS; do [ "$p" = ga4 ] && [ -z "$GA4_FALLBACK" ] || printf '%s ' $p; done)
GADS_TOKEN=$(curl -s -X POST -d 'grant_type=refresh_token&refresh_token=bench-token&client_id=bench-token' "$S/google_ads/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || die "no Google Ads token from the sandbox"
# workerd runs a Worker's requests on one thread, while fanout may use every core: WORKERD_PROCESSES processes
# each get their own SO_REUSEPORT socket on one port, and the kernel spreads the load generator's connections over
# them. The launcher prints {"port": P, "pids": [...]}.
(
  export WEBHOOK_SECRET=bench-secret SIGNATURE_HEADER=X-CRM-Signature DEFAULT_COUNTRY_CODE=1 GADS_LABELS GADS_ACCESS_TOKEN=$GADS_TOKEN \
    META_BASE_URL=$S/meta META_PIXEL_ID=1234567890123456 META_ACCESS_TOKEN=bench-token \
    GA4_BASE_URL=$S/ga4 GA4_MEASUREMENT_ID=G-BENCH1234 GA_SECRET_KEY=bench-token GA4_CLIENT_ID_FALLBACK=$GA4_FALLBACK \
    GADS_BASE_URL=$S/google_ads MS_BASE_URL=$S/microsoft_ads MS_TAG_ID=12345678 MS_CAPI_TOKEN=bench-token \
    TIKTOK_BASE_URL=$S/tiktok TIKTOK_PIXEL_CODE=CBENCH0000000000000A TIKTOK_ACCESS_TOKEN=bench-token
  exec python3 - "$WORKERD_PROCESSES" "$WORK" "$WORKERD" "$PWD/bench/worker/config.capnp" 2>>"$WORK/workerd.log" <<'PY'
import ctypes, json, os, signal, socket, subprocess, sys
n, work, workerd, config = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
# Each workerd gets SIGTERM when this launcher ends, however it ends (PR_SET_PDEATHSIG = 1).
die_with_parent = lambda: ctypes.CDLL(None).prctl(1, signal.SIGTERM)
socks, procs, port = [], [], 0
for i in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1024)
    port = s.getsockname()[1]
    ctl = open(f"{work}/workerd-{i}.ctl", "w")  # workerd writes {"event":"listen",...,"port":P} once it serves
    procs.append(subprocess.Popen([workerd, "serve", config, "config", "--socket-fd", f"http={s.fileno()}", "--control-fd",
                                   str(ctl.fileno())], pass_fds=[s.fileno(), ctl.fileno()], stdout=sys.stderr, stderr=sys.stderr,
                                  preexec_fn=die_with_parent))
    socks.append(s)
print(json.dumps({"port": port, "pids": [p.pid for p in procs]}, separators=(",", ":")), flush=True)
for s in socks: s.close()
for p in procs: p.wait()
PY
) > "$WORK/workerd.port" & PIDS+=($!)
WORKER_PORT=$(port_of "$WORK/workerd.port" 100 2>/dev/null) || die "could not start workerd: $(tail -5 "$WORK/workerd.log")"
WORKERD_PIDS=$(python3 -c 'import json,sys; print(*json.load(open(sys.argv[1]))["pids"])' "$WORK/workerd.port")
PIDS+=($WORKERD_PIDS)
for i in $(seq 0 $((WORKERD_PROCESSES - 1))); do
  port_of "$WORK/workerd-$i.ctl" 300 >/dev/null 2>&1 || die "workerd did not start: $(tail -5 "$WORK/workerd.log")"
done
check_refuses_bad_signature $WORKER_PORT
before=$(stats)
WARM=$(timeout 30 $LG --port $WORKER_PORT --connections 1 --rate 10 --seconds 0.2 --prefix wwarm) || die "the Worker did not answer a legacy event within 30 s"
[ "$(field "$WARM" accepted_events)" -ge 1 ] || die "the Worker did not accept a legacy event: $WARM $(tail -5 "$WORK/workerd.log")"
wait_delivered "$before" "$(field "$WARM" accepted_events)" $WORKER_SENDS >/dev/null

# CPU of the processes "$1" (a list of pids), in clock ticks.
cpu_of() { local t=0 p; for p in $1; do t=$((t + $(cpu_ticks $p))); done; echo $t; }
# One saturation phase against server $1 (fanout|worker) on port $2, processes "$3", then until the sandbox has
# every accepted event on the platforms $4..; prints a JSON object.
phase() {
  local name=$1 port=$2 pids=$3; shift 3
  echo "round $round, $name: saturation for ${SAT_SECONDS}s, then until every platform it sends to has every event" >&2
  local before t0 c0 s0 load n t1="" c1 s1 poller
  before=$(stats)
  poll_delivered "$before" "$@" > "$WORK/poll" & poller=$!
  t0=$(date +%s.%N); c0=$(cpu_of "$pids"); s0=$(cpu_ticks $SANDBOX_PID)
  local lg=$LG
  [ "$name" = fanout ] && lg=$LGF
  load=$(timeout $((${SAT_SECONDS%.*} + 60)) $lg --port $port --rate 0 --seconds "$SAT_SECONDS" --prefix "r$round-$name") ||
    die "$name: the load generator did not finish within $((${SAT_SECONDS%.*} + 60)) s (a server stopped answering?)"
  n=$(field "$load" accepted_events)
  [ "$n" -ge 1 ] || die "$name accepted no event at saturation: $load"
  for _ in $(seq 1 600); do  # at most 60 s
    t1=$(awk -v n="$n" '$2 >= n {print $1; exit}' "$WORK/poll")
    [ -n "$t1" ] && break
    sleep 0.1
  done
  c1=$(cpu_of "$pids"); s1=$(cpu_ticks $SANDBOX_PID)
  kill $poller 2>/dev/null || true
  [ -n "$t1" ] || die "the sandbox did not count all $n events of $name on every one of: $* within 60 s (at most $(tail -1 "$WORK/poll" | cut -d' ' -f2) on the least)"
  for p in $pids; do kill -0 $p 2>/dev/null || die "$name (pid $p) exited during the run"; done
  python3 - "$load" "$before" "$(stats)" "$t0" "$t1" "$((c1 - c0))" "$((s1 - s0))" "$(getconf CLK_TCK)" "$@" <<'PY'
import json, sys
load, before, after = (json.loads(x) for x in sys.argv[1:4])
t0, t1, server_ticks, sandbox_ticks, tck = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
n, sends = load["accepted_events"], sys.argv[9:]
per = lambda ticks: ticks * 1e6 / tck / n
print(json.dumps({"load": load, "sends_to": sends, "window_s": t1 - t0, "delivered_per_s": n / (t1 - t0),
                  "cpu_us_per_event": {"server": per(server_ticks), "sandbox": per(sandbox_ticks)},
                  "platforms": {p: {"events": after[p]["events"] - before[p]["events"],
                                    "requests": after[p]["requests"] - before[p]["requests"]} for p in after}}))
PY
}

RUNS=()
for round in $(seq 1 "$ROUNDS"); do
  F=$(phase fanout $FANOUT_PORT "$FANOUT_PID" $FANOUT_SENDS)
  W=$(phase worker $WORKER_PORT "$WORKERD_PIDS" $WORKER_SENDS)
  RUNS+=("{\"fanout\": $F, \"worker\": $W}")
done

mkdir -p bench/results
python3 - "$SAT_SECONDS" "$CONNECTIONS" "$WORKER_GA4" "$("$WORKERD" --version)" "$WORKERD_PROCESSES" "$FANOUT_FORMAT" "${RUNS[@]}" <<'PY'
import datetime, json, sys
sat_s, conns, ga4_mode, workerd, processes = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
fanout_format = sys.argv[6]
runs = [json.loads(x) for x in sys.argv[7:]]
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
res = {"saturation_seconds": sat_s, "connections": conns, "worker_ga4": ga4_mode, "workerd": workerd,
       "workerd_processes": processes, "fanout_format": fanout_format, "rounds": runs}
for r in res["rounds"]:
    r["ratio_delivered_fanout_to_worker"] = r["fanout"]["delivered_per_s"] / r["worker"]["delivered_per_s"]
open(f"bench/results/worker-{stamp}.json", "w").write(json.dumps(res, indent=2))
print(f"One event per request ({'the legacy body to both' if fanout_format == 'legacy' else 'canonical to fanout, legacy to the Worker'}), "
      f"{conns} connections, {sat_s:g} s at saturation per server; {workerd}, {processes} process{'es' if processes > 1 else ''}.")
for i, r in enumerate(runs, 1):
    f, w = r["fanout"], r["worker"]
    ratio = lambda a, b: f"{a / b:.2f}" if b else "n/a"
    rpe = lambda x: sum(p["requests"] for p in x["platforms"].values()) / x["load"]["accepted_events"]
    rows = [
        ("platforms sent to", " ".join(f["sends_to"]), " ".join(w["sends_to"]), ""),
        ("accepted events/s", f"{f['load']['accepted_per_s']:.0f}", f"{w['load']['accepted_per_s']:.0f}",
         ratio(f["load"]["accepted_per_s"], w["load"]["accepted_per_s"])),
        ("ack p50 (ms)", f"{f['load']['p50_ms']:.2f}", f"{w['load']['p50_ms']:.2f}", ""),
        ("ack p99 (ms)", f"{f['load']['p99_ms']:.2f}", f"{w['load']['p99_ms']:.2f}", ""),
        ("non-2xx answers / connection errors", f"{f['load']['non2xx']} / {f['load']['errors']}",
         f"{w['load']['non2xx']} / {w['load']['errors']}", ""),
        ("**delivered events/s** (accepted events / time from the phase start until every platform had them)",
         f"**{f['delivered_per_s']:.0f}**", f"**{w['delivered_per_s']:.0f}**", f"**{ratio(f['delivered_per_s'], w['delivered_per_s'])}**"),
        ("upstream requests per event, all platforms", f"{rpe(f):.3f}", f"{rpe(w):.3f}", ""),
        ("CPU per event (µs): server (fanout / workerd)", f"{f['cpu_us_per_event']['server']:.1f}", f"{w['cpu_us_per_event']['server']:.1f}",
         ratio(f["cpu_us_per_event"]["server"], w["cpu_us_per_event"]["server"])),
        ("CPU per event (µs): sandbox", f"{f['cpu_us_per_event']['sandbox']:.1f}", f"{w['cpu_us_per_event']['sandbox']:.1f}", ""),
    ]
    print(f"\nRound {i}:\n\n| measure | fanout | Worker on workerd | fanout / Worker |\n|---|---|---|---|")
    for row in rows: print("| " + " | ".join(row) + " |")
print(f"\nwrote bench/results/worker-{stamp}.json")
PY
