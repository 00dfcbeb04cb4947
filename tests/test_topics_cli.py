"""`feedback topics fit|show|label|merge` and `feedback eval topics` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
from click.testing import CliRunner
from test_topics import corpus

from feedback_engine.cli import main


def _warehouse(path: Path) -> None:
    texts, _ = corpus()
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE records (record_id VARCHAR, source VARCHAR, "
                "timestamp TIMESTAMP, text_redacted VARCHAR)")
    con.executemany("INSERT INTO records VALUES (?, 's', ?, ?)",
                    [(f"r{i}", f"2026-11-{1 + i % 20:02d}", t) for i, t in enumerate(texts)])
    con.close()


def test_fit_show_label_merge_round_trip(tmp_path: Path) -> None:
    db, model = tmp_path / "w.duckdb", tmp_path / "model"
    _warehouse(db)
    runner = CliRunner()
    fit = runner.invoke(main, ["topics", "fit", "--db", str(db), "-o", str(model),
                               "--embeddings", "tfidf-svd", "--min-topic-size", "5",
                               "--no-guided", "--json"])
    assert fit.exit_code == 0, fit.output
    result = json.loads(fit.output)
    assert result["n_topics"] >= 3 and result["assigned"] == 64
    con = duckdb.connect(str(db), read_only=True)
    assigned = con.execute("SELECT count(*) FROM records WHERE topic_id >= 0").fetchone()[0]
    con.close()
    assert assigned == 64
    label = runner.invoke(main, ["topics", "label", "0", "Refunds", "-m", str(model)])
    assert label.exit_code == 0 and "topic 0: Refunds" in label.output
    before = json.loads(runner.invoke(main, ["topics", "show", "-m", str(model),
                                             "--json"]).output)["topics"]
    assert 1 in [t["id"] for t in before]  # so that its absence below means the merge
    merge = runner.invoke(main, ["topics", "merge", "0", "1", "-m", str(model)])
    assert merge.exit_code == 0, merge.output
    show = runner.invoke(main, ["topics", "show", "-m", str(model), "--json"])
    topics = json.loads(show.output)["topics"]
    assert topics[0]["display"] == "Refunds" and topics[0]["merged_from"] == [1]
    assert 1 not in [t["id"] for t in topics]


def test_label_of_unknown_topic_is_a_one_line_error(tmp_path: Path) -> None:
    db, model = tmp_path / "w.duckdb", tmp_path / "model"
    _warehouse(db)
    runner = CliRunner()
    runner.invoke(main, ["topics", "fit", "--db", str(db), "-o", str(model), "--embeddings",
                         "tfidf-svd", "--min-topic-size", "5", "--no-guided", "--no-assign"])
    result = runner.invoke(main, ["topics", "label", "99", "X", "-m", str(model)])
    assert result.exit_code == 1
    assert "[FE232] no topic 99" in result.output and "Traceback" not in result.output


def test_fit_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["topics", "fit", "--db", str(tmp_path / "none.duckdb"),
                                       "-o", str(tmp_path / "m")])
    assert result.exit_code == 1 and "feedback analyze" in result.output


def test_eval_topics_reports_nmi_and_ari_against_gold(tmp_path: Path) -> None:
    texts, gold = corpus()
    path = tmp_path / "gold.csv"
    pd.DataFrame({"text": texts, "label": gold}).to_csv(path, index=False)
    result = CliRunner().invoke(main, ["eval", "topics", str(path), "--embeddings",
                                       "tfidf-svd", "--no-baseline", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["n"] == 64 and scores["n_gold"] == 4
    assert 0 <= scores["engine"]["nmi"] <= 1 and "ari" in scores["engine"]


def test_eval_topics_names_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    pd.DataFrame({"text": ["a"], "intent": ["x"]}).to_csv(path, index=False)
    result = CliRunner().invoke(main, ["eval", "topics", str(path), "--no-baseline"])
    assert result.exit_code == 1 and "column 'label' not found" in result.output
    assert "intent" in result.output
