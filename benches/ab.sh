#!/bin/bash
# Compares two builds of `route` on one lead file: runs them interleaved
# (A, B, A, B, ...) so that a slow spell on the machine hits both alike,
# and prints each one's minimum and median wall time.
#
#   bash benches/ab.sh OLD_ROUTE NEW_ROUTE LEADS.csv [JOBS] [ROUNDS]
#
# LEADS.csv: for example `route generate --rows 1000000 --seed 42`.
# With STATE=1 in the environment, each run gets a fresh --state file.
set -euo pipefail
a=$1 b=$2 leads=$3 jobs=${4:-1} rounds=${5:-11}
rules=$(dirname "$0")/../rules/acme.route
state=()
if [ -n "${STATE:-}" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  state=(--state "$dir/state.db")
fi
for _ in $(seq "$rounds"); do
  for name in A B; do
    bin=$a
    [ "$name" = B ] && bin=$b
    [ -n "${dir:-}" ] && rm -f "$dir"/state.db*
    start=$(date +%s%N)
    "$bin" run "$rules" "$leads" -o /dev/null --jobs "$jobs" --now 2026-11-25 --no-progress "${state[@]}" 2>/dev/null || true
    end=$(date +%s%N)
    echo "$name $(((end - start) / 1000000))"
  done
done | sort -k1,1 -k2n | awk '
  { times[$1] = times[$1] " " $2; n[$1]++ }
  END { for (k in times) { split(times[k], v, " "); printf "%s min %d med %d ms\n", k, v[1], v[int((n[k] + 1) / 2)] } }'
