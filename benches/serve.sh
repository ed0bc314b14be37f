#!/usr/bin/env bash
# Load benchmark of `route serve` on loopback; the figures go to
# BENCHMARKS.md ("route serve").
#
#   benches/serve.sh [SECONDS]          (default 10 s per measurement)
#
# Installs wrk and hey from Debian's packages when they are missing (as
# root), builds the release binary, starts `route serve rules/acme.route`
# on a free port and measures, for single-lead JSON requests:
#   1. without state: the most requests/s wrk reaches (64 connections);
#   2. without state: p50/p99 latency at half that rate (hey, rate-limited);
#   3. with --state: the most requests/s.
# Server and load generator share this machine's cores, as they would on
# one box.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}

need() {
  if ! command -v "$1" >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null
    fi
  fi
  command -v "$1" >/dev/null || { echo "serve bench: $1 is not installed and cannot be" >&2; exit 2; }
}
need wrk
need hey

cargo build --release --quiet
bin=$PWD/target/release/route
dir=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" generate --rows 2000 --seed 42 > "$dir/leads.csv"
# Every generated lead as a JSON body: a Lua table for wrk to cycle
# through, and the first one alone for hey (which sends one body).
python3 - "$dir/leads.csv" "$dir/bodies.lua" "$dir/one.json" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
with open(sys.argv[2], "w") as lua:
    lua.write("bodies = {\n")
    for row in rows:
        # Each request gets a key of its own (below), so that with --state
        # every lead is a new assignment, not a repeat read from the ledger.
        row["Lead ID"] = "LEADKEY"
        # The outer dump makes a string literal Lua reads as the inner JSON.
        lua.write("  %s,\n" % json.dumps(json.dumps(row)))
    lua.write("}\n")
with open(sys.argv[3], "w") as one:
    one.write(json.dumps(rows[0]))
EOF
cat >> "$dir/bodies.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local i, sent = 0, 0
request = function()
  i = i % #bodies + 1
  sent = sent + 1
  local body = bodies[i]:gsub("LEADKEY", "t" .. tostring(id) .. "-" .. tostring(sent))
  return wrk.format(nil, "/v1/route", nil, body)
end
EOF

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
  port=$(free_port)
  "$bin" serve rules/acme.route --listen "127.0.0.1:$port" --now 2026-11-25 "$@" \
    > "$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  echo "serve bench: the server did not come up" >&2
  cat "$dir/serve.log" >&2
  exit 2
}

stop() {
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
}

# Prints "requests/s p50_ms p99_ms" from wrk's --latency report.
wrk_run() {
  wrk -t2 -c64 -d"${secs}s" --latency -s "$dir/bodies.lua" "http://127.0.0.1:$port" > "$dir/wrk.txt"
  python3 - "$dir/wrk.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print("%.0f %.3f %.3f %s" % (rps, ms("50"), ms("99"), errors.group(1) if errors else "0"))
EOF
}

# Prints "requests/s p50_ms p99_ms" from hey at a fixed total rate.
hey_run() {
  local rate=$1 conns=16
  local per=$(( (rate + conns - 1) / conns ))
  hey -z "${secs}s" -c "$conns" -q "$per" -m POST -T application/json -D "$dir/one.json" \
    "http://127.0.0.1:$port/v1/route" > "$dir/hey.txt"
  python3 - "$dir/hey.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def ms(p):
    return float(re.search(r"%d%%+ in ([\d.]+) secs" % p, text).group(1)) * 1000
codes = dict(re.findall(r"\[(\d+)\]\s+(\d+) responses", text))
bad = sum(int(n) for c, n in codes.items() if not c.startswith("2"))
print("%.0f %.3f %.3f %d" % (rps, ms(50), ms(99), bad))
EOF
}

echo "route serve on loopback, $(nproc) cores, ${secs}s per measurement, rules/acme.route"
start
read -r rps p50 p99 bad < <(wrk_run)
echo "no state, most requests/s (wrk, 64 connections): $rps/s  p50 ${p50} ms  p99 ${p99} ms  non-2xx $bad"
half=$(( ${rps%.*} / 2 ))
read -r hrps hp50 hp99 hbad < <(hey_run "$half")
echo "no state, at half that rate ($half/s asked, hey, 16 connections): $hrps/s  p50 ${hp50} ms  p99 ${hp99} ms  non-2xx $hbad"
stop
start --state "$dir/state.db"
read -r srps sp50 sp99 sbad < <(wrk_run)
echo "with --state, most requests/s (wrk, 64 connections): $srps/s  p50 ${sp50} ms  p99 ${sp99} ms  non-2xx $sbad"
stop
echo "targets: no state >= 20000/s ($rps), p99 < 5 ms at half rate ($hp99), state >= 2000/s ($srps)"
