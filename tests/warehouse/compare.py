"""Compares route_queue, route_owner and route_rule of a query's result
with `route run`'s output, row by row.

    python compare.py NAME ROUTED.csv RESULT.csv

Every column must match (Postgres writes NULL as an empty cell, so a NULL
owner differs from every owner route run writes). Exit 1 when any row
differs.
"""
import csv
import sys


def columns(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["route_queue"], r["route_owner"], r["route_rule"]) for r in csv.DictReader(f)]


def main():
    name, routed, result = sys.argv[1:4]
    want, got = columns(routed), columns(result)
    diffs = {"queue": 0, "owner": 0, "rule": 0}
    for n, (g, w) in enumerate(zip(got, want)):
        bad = False
        for i, what in enumerate(("queue", "owner", "rule")):
            if g[i] != w[i]:
                diffs[what] += 1
                bad = True
        if bad and sum(diffs.values()) <= 5:
            print(f"  {name} row {n + 1}: sql {g} route run {w}")
    ok = not any(diffs.values()) and len(got) == len(want)
    print(
        f"{name}: {len(got)} rows (route run {len(want)}); differences {diffs}; "
        f"{'OK' if ok else 'DIFFERENT'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
