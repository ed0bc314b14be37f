#!/usr/bin/env bash
# Opt-in check (not in CI): the Postgres SQL that `route compile --emit sql
# --dialect postgres` writes gives the same route_queue, route_owner and
# route_rule as `route run` on a generated lead file. Needs psql and a
# server it reaches with the usual PG* variables (PGHOST, PGPORT, PGUSER,
# PGDATABASE); it creates and drops the table route_check_leads there.
#
#   tests/warehouse/postgres_check.sh [ROWS] [SEED] [RULES...]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${1:-100000}"
SEED="${2:-7}"
shift $(( $# > 2 ? 2 : $# )) || true
RULES=("$@")
if [ ${#RULES[@]} -eq 0 ]; then
  RULES=(rules/acme.route rules/emea.route rules/public_sector.route)
fi
NOW="2026-11-25"
TABLE="route_check_leads"
cargo build --release --quiet
route=target/release/route
work="target/postgres-check"
mkdir -p "$work"
leads="$PWD/$work/leads.csv"
"$route" generate --rows "$ROWS" --seed "$SEED" -o "$leads"
# Every column as text, as written, and route_line numbering the rows as
# COPY reads them (Postgres keeps no row order of its own).
header=$(head -n 1 "$leads")
IFS=',' read -r -a cols <<< "$header"
defs=""; names=""
for c in "${cols[@]}"; do
  defs+="\"$c\" text, "; names+="\"$c\","
done
psql -v ON_ERROR_STOP=1 -q <<SQL
DROP TABLE IF EXISTS $TABLE CASCADE;
CREATE TABLE $TABLE (${defs} route_line bigserial);
\copy $TABLE (${names%,}) FROM '$leads' WITH (FORMAT csv, HEADER true)
SQL
status=0
for rules in "${RULES[@]}"; do
  name="$(basename "$rules" .route)"
  "$route" run "$rules" "$leads" -o "$work/$name.run.csv" --now "$NOW" 2>/dev/null || true
  "$route" compile "$rules" --emit sql --dialect postgres --table "$TABLE" \
    --order-by route_line --now "$NOW" > "$work/$name.pg.sql"
  start=$(date +%s)
  { echo "CREATE TEMP VIEW route_check AS"; cat "$work/$name.pg.sql"; echo ";";
    echo "\\copy (SELECT * FROM route_check) TO '$PWD/$work/$name.pg.csv' WITH (FORMAT csv, HEADER true)";
  } | psql -v ON_ERROR_STOP=1 -q
  echo "$name: query ran in $(( $(date +%s) - start ))s"
  python3 tests/warehouse/compare.py "$name" "$work/$name.run.csv" "$work/$name.pg.csv" || status=1
done
psql -q -c "DROP TABLE IF EXISTS $TABLE CASCADE"
exit $status
