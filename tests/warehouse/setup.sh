#!/usr/bin/env bash
# Creates target/warehouse-venv with the pinned DuckDB for the warehouse
# tests (tests/warehouse.rs runs this). Idempotent; safe to run in parallel.
#   exit 0: ready
#   exit 3: python3 cannot create a venv here (the tests skip, saying so)
#   other:  the install failed (the tests fail)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUCKDB_VERSION="1.4.5"
venv="target/warehouse-venv"
mkdir -p target
exec 9>"target/warehouse-venv.lock"
flock 9
ready() {
  [ -x "$venv/bin/python" ] &&
    "$venv/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null
}
if ready; then
  exit 0
fi
if ! command -v python3 >/dev/null || ! python3 -m venv "$venv" >/dev/null 2>&1; then
  rm -rf "$venv"
  echo "warehouse setup: python3 cannot create a venv (python3 -m venv failed)" >&2
  exit 3
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION"
ready
