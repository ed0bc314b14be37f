"""Runs Spark SQL from `route compile --emit sql --dialect spark` on a lead
CSV file read as text (every column a string, as written) and compares
route_queue, route_owner and route_rule with `route run`'s output.

    python spark_check.py LEADS.csv [NAME QUERY.sql ROUTED.csv]...

Every column must match (a NULL owner differs from every owner route run
writes). Exit 1 when any row differs.
"""
import csv
import sys
import time

from pyspark.sql import SparkSession


def main():
    leads = sys.argv[1]
    triples = sys.argv[2:]
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("route-spark-check")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        # The query is a long chain of CTEs: the analyzer needs more than its
        # default 100 rounds to resolve it (docs/warehouse.md).
        .config("spark.sql.analyzer.maxIterations", "1000")
        # Spark inlines every CTE each time it is read, so the plans are
        # large: more heap, and no whole-stage code generation (its
        # methods outgrow the JVM's 64 KB limit and fall back anyway).
        .config("spark.driver.memory", "6g")
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = (
        spark.read.option("header", True)
        .option("multiLine", True)
        .option("quote", '"')
        .option("escape", '"')
        .option("inferSchema", False)
        .option("ignoreLeadingWhiteSpace", False)
        .option("ignoreTrailingWhiteSpace", False)
        .csv(leads)
    )
    df.createOrReplaceTempView("leads")
    failed = False
    for i in range(0, len(triples), 3):
        name, query_path, routed = triples[i : i + 3]
        with open(query_path, encoding="utf-8") as f:
            query = f.read()
        start = time.time()
        rows = spark.sql(query).select("route_queue", "route_owner", "route_rule").collect()
        took = time.time() - start
        with open(routed, newline="", encoding="utf-8") as f:
            expected = [(r["route_queue"], r["route_owner"], r["route_rule"]) for r in csv.DictReader(f)]
        diffs = {"queue": 0, "owner": 0, "rule": 0}
        shown = 0
        for n, (got, want) in enumerate(zip(rows, expected)):
            q, o, r = got["route_queue"] or "", got["route_owner"], got["route_rule"] or ""
            bad = False
            if q != want[0]:
                diffs["queue"] += 1
                bad = True
            if r != want[2]:
                diffs["rule"] += 1
                bad = True
            if o != want[1]:
                diffs["owner"] += 1
                bad = True
            if bad and shown < 5:
                shown += 1
                print(f"  {name} row {n + 1}: spark {(q, o, r)} route run {want}")
        if len(rows) != len(expected):
            print(f"  {name}: spark returned {len(rows)} rows, route run {len(expected)}")
            failed = True
        ok = not any(diffs.values()) and len(rows) == len(expected)
        failed |= not ok
        print(
            f"{name}: {len(rows)} rows in {took:.1f}s; differences {diffs}; "
            f"{'OK' if ok else 'DIFFERENT'}"
        )
    spark.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
