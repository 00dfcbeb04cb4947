"""Report speed: build the weekly report over a warehouse of N records.

    python benchmarks/report_benchmark.py [--records 1000000] [--weeks 12] [--db PATH]

The warehouse is synthesised in DuckDB (12 weeks, 5 channels, 8 teams, 6 queues, 5 products,
30 root causes, 40 topics, survey scores on about a third of the records, redacted texts),
then the report for the last week is built (all rollups, drivers for root causes and topics,
emerging issues, quotes, data quality) and rendered to HTML and JSON. Prints seconds for
each step and records per second of the build, as JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from feedback_engine.periods import weeks_before
from feedback_engine.reports import build_report, render
from feedback_engine.warehouse import Warehouse

EXTRA = {"sentiment": "DOUBLE", "sentiment_label": "VARCHAR", "root_cause": "VARCHAR",
         "root_cause_conf": "DOUBLE", "topic_label": "VARCHAR", "text_redacted": "VARCHAR",
         "pii_counts": "JSON"}


def synthesise(path: Path, n: int, weeks: int, last_week: str = "2026-W47") -> None:
    labels = weeks_before(last_week, weeks - 1) + [last_week]
    week_list = "[" + ", ".join(f"'{w}'" for w in labels) + "]"
    with Warehouse(path) as w:
        w.ensure_columns(EXTRA)
        w.con.execute(f"""
            INSERT INTO records BY NAME
            SELECT 'R' || i AS record_id, 'bench' AS source, i AS "row",
                   ['chat', 'email', 'call', 'review', 'survey'][1 + i % 5] AS channel,
                   CASE WHEN i % 5 = 2 THEN 'transcript' ELSE 'survey' END AS kind,
                   TIMESTAMP '2026-09-01' + to_days(CAST(i % (7 * {weeks}) AS INTEGER))
                       AS "timestamp",
                   {week_list}[1 + (hash(i) % {weeks})::INTEGER] AS week,
                   'team ' || (hash(i + 1) % 8) AS team, 'queue ' || (hash(i + 2) % 6) AS queue,
                   'product ' || (hash(i + 3) % 5) AS product,
                   CASE WHEN i % 3 = 0 THEN (hash(i + 4) % 11)::TINYINT END AS nps,
                   CASE WHEN i % 3 = 1 THEN (1 + hash(i + 5) % 5)::TINYINT END AS csat,
                   CASE WHEN i % 7 = 0 THEN (1 + hash(i + 6) % 7)::TINYINT END AS ces,
                   ((hash(i + 7) % 2001) / 1000.0 - 1.0) AS sentiment,
                   'cause.c' || (hash(i + 8) % 30) AS root_cause,
                   (hash(i + 9) % 100) / 100.0 AS root_cause_conf,
                   'topic ' || (hash(i + 10) % 40) AS topic_label,
                   'customer comment number ' || i || ' about cause ' || (hash(i + 8) % 30)
                       AS text_redacted,
                   CASE WHEN i % 10 = 0 THEN '{{"PERSON": 1}}' END AS pii_counts
            FROM range({n}) t(i)""")
        w.con.execute("UPDATE records SET sentiment_label = CASE WHEN sentiment >= 0.05 "
                      "THEN 'positive' WHEN sentiment <= -0.05 THEN 'negative' "
                      "ELSE 'neutral' END")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--db", type=Path, help="keep the synthetic warehouse here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        if not db.exists():
            synthesise(db, args.records, args.weeks)
        made = time.perf_counter() - started
        started = time.perf_counter()
        report = build_report(str(db), week="2026-W47")
        built = time.perf_counter() - started
        started = time.perf_counter()
        html, js = render(report, "html"), render(report, "json")
        rendered = time.perf_counter() - started
    print(json.dumps({"records": args.records, "weeks": args.weeks,
                      "synthesise_s": round(made, 2), "build_s": round(built, 2),
                      "render_s": round(rendered, 3), "html_bytes": len(html),
                      "json_bytes": len(js), "drivers": len(report.drivers),
                      "records_per_s": round(args.records / built)}, indent=2))


if __name__ == "__main__":
    main()
