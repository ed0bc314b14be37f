"""Runs queries from `route compile --emit sql --dialect duckdb` on a lead
CSV file loaded as text, exactly as written, and writes each result as CSV.

    python run_duckdb.py [--null MARK] LEADS.csv QUERY.sql OUT.csv [QUERY.sql OUT.csv]...

The table is named `leads`. NULL is written as an empty cell, or as MARK
(the tests tell a NULL owner, "not computed", from an empty one).

Every column is read as VARCHAR (all_varchar), with the header, RFC 4180
quoting ("" inside quotes) and quoted newlines; nothing is trimmed or
converted, so all normalization happens in the query.
"""
import sys
import time

import duckdb


def load(con, path, table):
    con.execute(
        f"""CREATE TABLE "{table}" AS SELECT * FROM read_csv(?, all_varchar = true,
            header = true, delim = ',', quote = '"', escape = '"', strict_mode = true,
            null_padding = false, sample_size = -1)""",
        [path],
    )


def main():
    args = sys.argv[1:]
    null = ""
    if args[:1] == ["--null"]:
        null, args = args[1], args[2:]
    leads, pairs = args[0], args[1:]
    con = duckdb.connect()
    load(con, leads, "leads")
    for i in range(0, len(pairs), 2):
        query_path, out = pairs[i], pairs[i + 1]
        with open(query_path, encoding="utf-8") as f:
            query = f.read()
        start = time.time()
        nullstr = null.replace("'", "''")
        try:
            con.execute(f"COPY ({query}) TO '{out}' (HEADER, DELIMITER ',', NULLSTR '{nullstr}')")
        except duckdb.Error as e:
            sys.exit(f"{query_path}: {e}")
        print(f"{query_path}: {time.time() - start:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
