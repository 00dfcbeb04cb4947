"""Labels at report time: `feedback topics label` and `merge` reach the report without
re-analyzing the records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from test_topics import corpus

from feedback_engine.api import analyze
from feedback_engine.reports import build_report
from feedback_engine.topics.service import fit_topics, label_topic, merge_topics


def _topic_drivers(report) -> dict[str, dict]:
    return {n["value"]: d for d in (*report.drivers, *report.drivers_few)
            for n in d["names"] if n["dimension"] == "topic"}


def test_topic_labels_and_merges_show_in_the_next_report(tmp_path: Path) -> None:
    texts, _ = corpus()
    pd.DataFrame({"timestamp": [f"2026-11-{2 + i % 5:02d}T10:00:00" for i in range(len(texts))],
                  "text": texts, "nps": [i % 11 for i in range(len(texts))]}
                 ).to_csv(tmp_path / "s.csv", index=False)
    db, model = tmp_path / "w.duckdb", tmp_path / "topics"
    analyze([tmp_path / "s.csv"], db=db)
    fit_topics(db, model, embeddings="tfidf-svd", min_topic_size=5, guided=False)
    before = _topic_drivers(build_report(str(db), topics=model, min_n=1))
    assert {"0", "1"} <= set(before)
    label_topic(model, 0, "Refunds")
    merge_topics(model, 0, 1)
    after = build_report(str(db), topics=model, min_n=1)
    drivers = _topic_drivers(after)
    assert "1" not in drivers  # merged into 0: its records count under topic 0
    merged = drivers["0"]
    assert "Refunds" in merged["label"]
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        both, alone = con.execute("SELECT count(*) FILTER (WHERE topic_id IN (0, 1)), "
                                  "count(*) FILTER (WHERE topic_id = 0) FROM records").fetchone()
    assert both > alone and merged["volume"] >= both  # (more if a cause joined it)
    # Without the model the report uses the labels stored at analysis.
    stored = build_report(str(db), min_n=1)
    assert all(n["dimension"] != "topic" for d in stored.drivers for n in d["names"])
