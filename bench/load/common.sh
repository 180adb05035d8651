# Shared by the load benchmarks (run.sh, pg_vs_sqlite.sh) and bench/profile; sourced, not run. Expects $WORK
# (bench_workdir makes one), and $SANDBOX_PORT / $S once the sandbox platforms are up.

# A temporary work directory and the processes to stop at exit: sets WORK and PIDS, traps EXIT.
bench_workdir() {
  WORK=$(mktemp -d /tmp/fanout-bench-XXXXXX)
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
}

port_of() { # file [tries of 0.1 s, 100], waits for a "port":N
  for _ in $(seq 1 "${2:-100}"); do
    p=$(grep -o '"port":[0-9]*' "$1" 2>/dev/null | head -1 | cut -d: -f2 || true)
    [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.1
  done
  echo "no port in $1" >&2; cat "$1" >&2; exit 1
}
# Per-thread CPU of a process as JSON {"<thread name>": ticks, ...}, threads of one name summed.
thread_ticks() {
  python3 - "$1" <<'PY'
import json, os, sys
out = {}
for t in os.listdir(f"/proc/{sys.argv[1]}/task"):
    try:
        name = open(f"/proc/{sys.argv[1]}/task/{t}/comm").read().strip()
        f = open(f"/proc/{sys.argv[1]}/task/{t}/stat").read().rsplit(")", 1)[1].split()
        out[name] = out.get(name, 0) + int(f[11]) + int(f[12])  # utime + stime
    except OSError:
        pass
print(json.dumps(out))
PY
}
# The whole machine's CPU since boot, in clock ticks summed over its cores: "busy total" (busy = user,
# nice, system, irq and softirq; total adds idle, iowait and the time the hypervisor stole).
machine_ticks() { awk '/^cpu /{busy = $2 + $3 + $4 + $7 + $8; print busy, busy + $5 + $6 + $9}' /proc/stat; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # utime + stime, in clock ticks
sys_ticks() { awk '{print $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # stime alone: the kernel's work for it
stats() { curl -s "http://127.0.0.1:$SANDBOX_PORT/_sandbox/stats"; }
total_events() { stats | python3 -c 'import json,sys; d=json.load(sys.stdin); print(min(d[p]["events"] for p in ["meta","ga4","google_ads","microsoft_ads","tiktok"]))'; }

# The benchmark's fanout config: all five destinations on the sandbox at $S; $1 = the [spool] table's body.
bench_config() {
  cat <<TOML
[server]
listen = "127.0.0.1:0"
admin_token_env = "BENCH_ADMIN"
${FANOUT_SERVER_TOML:-}
[ingest]
secret_env = "BENCH_SECRET"
legacy_route = true   # the default; POST / takes the original Worker's body (worker_vs_fanout.sh)
[spool]
$1
[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "BENCH_TOKEN"
base_url = "$S/meta"
[destinations.ga4]
measurement_id = "G-BENCH1234"
api_secret_env = "BENCH_TOKEN"
base_url = "$S/ga4"
max_in_flight = 64    # GA4 takes one user per request: more requests in flight, not bigger ones
[destinations.google_ads]
customer_id = "1234567890"
refresh_token_env = "BENCH_TOKEN"
client_id_env = "BENCH_TOKEN"
client_secret_env = "BENCH_TOKEN"
oauth_url = "$S/google_ads/token"
base_url = "$S/google_ads"
[destinations.microsoft_ads]
tag_id = "12345678"
capi_token_env = "BENCH_TOKEN"
base_url = "$S/microsoft_ads"
[destinations.tiktok]
pixel_code = "CBENCH0000000000000A"
access_token_env = "BENCH_TOKEN"
base_url = "$S/tiktok"
[events.purchase]
google_ads = "customers/1234567890/conversionActions/111"
TOML
}

# Starts the sandbox platforms and `fanout serve` from $B with bench_config on a spool in $WORK; any
# arguments are a command fanout runs under (valgrind ...); $FANOUT_EXTRA_TOML, if set, is appended to the
# config, $FANOUT_SERVER_TOML goes into its [server] table (e.g. "threads = 1"). Sets SANDBOX_PID,
# SANDBOX_PORT, S, FANOUT_PID and FANOUT_PORT, and adds both processes to PIDS.
start_sandbox_and_fanout() {
  $B/fanout sandbox --listen 127.0.0.1:0 > "$WORK/sandbox.log" 2>&1 & SANDBOX_PID=$!; PIDS+=($SANDBOX_PID)
  SANDBOX_PORT=$(port_of "$WORK/sandbox.log")
  S="http://127.0.0.1:$SANDBOX_PORT"
  { bench_config "path = \"$WORK/spool.db\""; printf '%s\n' "${FANOUT_EXTRA_TOML:-}"; } > "$WORK/fanout.toml"
  export BENCH_SECRET=bench-secret BENCH_ADMIN=bench-admin BENCH_TOKEN=bench-token
  "$@" $B/fanout serve --config "$WORK/fanout.toml" > "$WORK/fanout.log" 2>&1 & FANOUT_PID=$!; PIDS+=($FANOUT_PID)
  FANOUT_PORT=$(port_of "$WORK/fanout.log" 600)
}
