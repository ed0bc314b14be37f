#!/usr/bin/env bash
# Opt-in check (not in CI): the Spark SQL that `route compile --emit sql
# --dialect spark` writes gives the same route_queue, route_owner and
# route_rule as `route run`, on a generated lead file, in pyspark's local
# mode. Needs Java 17 and PyPI (pyspark is installed in target/spark-venv).
#
#   tests/warehouse/spark_check.sh [ROWS] [SEED] [RULES...]
#
# Defaults: 20000 rows, seed 7, the three shipped rule files.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${1:-20000}"
SEED="${2:-7}"
shift $(( $# > 2 ? 2 : $# )) || true
RULES=("$@")
if [ ${#RULES[@]} -eq 0 ]; then
  RULES=(rules/acme.route rules/emea.route rules/public_sector.route)
fi
NOW="2026-11-25"
PYSPARK_VERSION="3.5.3"
venv="target/spark-venv"
if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyspark" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
fi
cargo build --release --quiet
route=target/release/route
work="target/spark-check"
mkdir -p "$work"
"$route" generate --rows "$ROWS" --seed "$SEED" -o "$work/leads.csv"
args=()
for rules in "${RULES[@]}"; do
  name="$(basename "$rules" .route)"
  "$route" run "$rules" "$work/leads.csv" -o "$work/$name.run.csv" --now "$NOW" 2>/dev/null || true
  "$route" compile "$rules" --emit sql --dialect spark --table leads --now "$NOW" > "$work/$name.spark.sql"
  args+=("$name" "$work/$name.spark.sql" "$work/$name.run.csv")
done
"$venv/bin/python" tests/warehouse/spark_check.py "$work/leads.csv" "${args[@]}"
