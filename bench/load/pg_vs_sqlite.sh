#!/usr/bin/env bash
# One fanout node on PostgreSQL against one on SQLite, same machine, same run: accepted events/s at
# saturation (single events, CONNECTIONS connections), ack p99, and delivered events/s (all five
# destinations delivering to the sandbox platforms). PostgreSQL is a throwaway server started here
# (Debian's postgresql-15 binaries, a temporary data directory, loopback only; as `nobody` when run as
# root), with durable commits (fsync on, synchronous_commit on) as production would have them.
#   bench/load/pg_vs_sqlite.sh         # prints a Markdown table, writes bench/results/pg-<date>.json
# Env: BUILD_DIR (build-release), SAT_SECONDS (10), CONNECTIONS (64), PG_BIN (/usr/lib/postgresql/15/bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
SAT_SECONDS=${SAT_SECONDS:-10}
CONNECTIONS=${CONNECTIONS:-64}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
B=${BUILD_DIR:-build-release}
[ -x "$PG_BIN/postgres" ] || { echo "no PostgreSQL server binaries in $PG_BIN (apt install postgresql-15)" >&2; exit 1; }
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C $B -j2 fanout bench_loadgen >/dev/null

WORK=$(mktemp -d /tmp/fanout-pgbench-XXXXXX)
PIDS=()
AS=()  # PostgreSQL refuses to run as root
if [ "$(id -u)" -eq 0 ]; then chown nobody "$WORK"; AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); fi
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/pg/postmaster.pid" ] && "${AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true; rm -rf "$WORK"
}
trap cleanup EXIT

source bench/load/common.sh
# CPU ticks of the PostgreSQL server: the postmaster and every process it forked (backends, WAL writer...).
pg_ticks() {
  local pm t=0; pm=$(head -1 "$WORK/pg/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  for p in $pm $(pgrep -P "$pm"); do t=$((t + $(cpu_ticks "$p"))); done
  echo $t
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "starting PostgreSQL" >&2
PG_PORT=$(free_port)
echo bench-pg-password > "$WORK/pw"; chmod 644 "$WORK/pw"
"${AS[@]}" "$PG_BIN/initdb" -D "$WORK/pg" -U fanout --pwfile="$WORK/pw" --auth=scram-sha-256 -E UTF8 >/dev/null
"${AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c shared_buffers=128MB -c max_connections=50" start >/dev/null
export BENCH_PG_URL="postgresql://fanout:bench-pg-password@127.0.0.1:$PG_PORT/postgres"

$B/fanout sandbox --listen 127.0.0.1:0 > "$WORK/sandbox.log" 2>&1 & PIDS+=($!)
SANDBOX_PORT=$(port_of "$WORK/sandbox.log")
S="http://127.0.0.1:$SANDBOX_PORT"
export BENCH_SECRET=bench-secret BENCH_ADMIN=bench-admin BENCH_TOKEN=bench-token


DELIVERED_BEFORE=0
run_one() { # $1 = name, $2 = spool table body; prints one JSON line
  bench_config "$2" > "$WORK/$1.toml"
  $B/fanout serve --config "$WORK/$1.toml" > "$WORK/$1.log" 2>&1 & local pid=$!; PIDS+=($pid)
  local port; port=$(port_of "$WORK/$1.log")
  echo "$1: saturation ${SAT_SECONDS}s, $CONNECTIONS connections, single events" >&2
  local t0 sat accepted t1 cpu0 pg0 cpu pg
  cpu0=$(cpu_ticks $pid); pg0=$(pg_ticks)
  t0=$(date +%s.%N)
  sat=$($B/bench_loadgen --port "$port" --secret bench-secret --connections "$CONNECTIONS" --batch 1 --rate 0 \
        --seconds "$SAT_SECONDS" --prefix "$1")
  accepted=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['accepted_events'])" "$sat")
  local want=$((DELIVERED_BEFORE + accepted))
  for _ in $(seq 1 600); do [ "$(total_events)" -ge "$want" ] && break; sleep 0.1; done
  t1=$(date +%s.%N)
  DELIVERED_BEFORE=$(total_events)
  # Read before the node stops: its PostgreSQL backends exit with it.
  cpu=$(( $(cpu_ticks $pid) - cpu0 )); pg=$(( $(pg_ticks) - pg0 ))
  [ "$1" = sqlite ] && pg=0  # the server idles meanwhile; what it did not spend is not the node's
  kill -TERM $pid; wait $pid || true
  python3 -c "import json,sys; s=json.loads(sys.argv[1]); n=s['accepted_events']; t=int(sys.argv[9]); print(json.dumps({'backend': sys.argv[2], 'accepted_per_s': s['accepted_per_s'], 'p99_ms': s['p99_ms'], 'accepted': n, 'delivered_per_s': n / (float(sys.argv[4]) - float(sys.argv[3])), 'all_delivered': int(sys.argv[5]) >= int(sys.argv[6]), 'fanout_cpu_us_per_event': int(sys.argv[7]) * 1e6 / t / n if n else None, 'postgres_cpu_us_per_event': int(sys.argv[8]) * 1e6 / t / n if n else None}))" \
    "$sat" "$1" "$t0" "$t1" "$DELIVERED_BEFORE" "$want" "$cpu" "$pg" "$(getconf CLK_TCK)"
}

SQLITE=$(run_one sqlite "path = \"$WORK/spool.db\"")
PG=$(run_one postgres "backend = \"postgres\"
url_env = \"BENCH_PG_URL\"
node_id = \"bench\"")
mkdir -p bench/results
python3 - "$SQLITE" "$PG" "$SAT_SECONDS" "$CONNECTIONS" <<'PY'
import json, sys, datetime
rows = [json.loads(sys.argv[1]), json.loads(sys.argv[2])]
stamp = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
open(f"bench/results/pg-{stamp}.json", "w").write(json.dumps({"seconds": int(sys.argv[3]), "connections": int(sys.argv[4]), "runs": rows}, indent=2))
print(f"Single events, {sys.argv[4]} connections, {sys.argv[3]} s at saturation; delivered = accepted / (time until all five platforms had every event).")
print()
print("| spool | accepted events/s | ack p99 (ms) | delivered events/s | all delivered | CPU per event, intake to delivery to all five (µs): fanout / PostgreSQL |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['backend']} | {r['accepted_per_s']:.0f} | {r['p99_ms']:.2f} | {r['delivered_per_s']:.0f} | {r['all_delivered']} | {r['fanout_cpu_us_per_event']:.0f} / {r['postgres_cpu_us_per_event']:.0f} |")
PY
