"""``feedback rootcause train|predict|evaluate|suggest`` end to end on small files."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
import yaml
from click.testing import CliRunner
from rootcause_fixtures import TEST, TRAIN, UNSEEN, rows

from feedback_engine.cli import main
from feedback_engine.rootcause.suggest import suggest_causes
from feedback_engine.rootcause.taxonomy import parse_taxonomy
from feedback_engine.warehouse import Warehouse


def _write(path, data: list[tuple[str, str]], text_col="comment", label_col="cause"):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([text_col, label_col])
        writer.writerows(data)
    return str(path)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("rc")
    train = _write(root / "train.csv", rows(TRAIN))
    result = CliRunner().invoke(main, ["rootcause", "train", train, "--text-col", "comment",
                                       "--label-col", "cause", "-o", str(root / "model")])
    assert result.exit_code == 0, result.output
    assert "trained a fast model on 60 rows, 6 causes" in result.output
    return root


def test_train_writes_a_model_folder(trained):
    manifest = json.loads((trained / "model" / "manifest.json").read_text())
    assert manifest["source"] == "train.csv" and manifest["n_rows"] == 60


def test_predict_writes_rows_with_cause_columns_and_guards_formulas(trained, tmp_path):
    data = [("=HYPERLINK(\"http://x\") my parcel has not arrived", "x")] + rows(TEST)
    source = _write(tmp_path / "new.csv", data)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["rootcause", "predict", str(trained / "model"), source,
                                       "--text-col", "comment", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert len(written) == len(data)
    assert {"comment", "cause", "root_cause", "root_cause_conf", "root_cause_method"} <= \
        set(written[0])
    assert written[0]["comment"].startswith("'=")
    assert {r["root_cause_method"] for r in written} <= {"model", "unknown"}


def test_predict_with_rules_needs_no_model(tmp_path):
    source = _write(tmp_path / "new.csv", [("I was charged twice", ""), ("hello", "")])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["rootcause", "predict", "rules", source,
                                       "--text-col", "comment", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["root_cause"] for r in lines] == ["billing.double_charge", "unknown"]
    assert lines[0]["root_cause_method"] == "rules"


def test_evaluate_prints_json_with_coverage_and_out_of_domain(trained, tmp_path):
    data = rows(TEST) + [(t, "esim") for t in UNSEEN]
    source = _write(tmp_path / "test.csv", data)
    result = CliRunner().invoke(main, ["rootcause", "evaluate", str(trained / "model"), source,
                                       "--text-col", "comment", "--label-col", "cause",
                                       "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["n"] == len(data) and scores["n_out_of_domain"] == len(UNSEEN)
    assert scores["ood_unknown_share"] >= 0.8
    assert scores["covered_accuracy"] == 1.0
    assert {c["label"] for c in scores["per_class"]} >= set(TRAIN)


def test_evaluate_table_output(trained, tmp_path):
    source = _write(tmp_path / "test.csv", rows(TEST))
    result = CliRunner().invoke(main, ["rootcause", "evaluate", str(trained / "model"), source,
                                       "--text-col", "comment", "--label-col", "cause"])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "coverage" in result.output
    assert "billing" in result.output


def test_missing_column_is_a_one_line_error(trained, tmp_path):
    source = _write(tmp_path / "test.csv", rows(TEST))
    result = CliRunner().invoke(main, ["rootcause", "evaluate", "rules", source])
    assert result.exit_code == 1
    assert "[FE375] column 'text' not found" in result.output
    assert "comment, cause" in result.output and "Traceback" not in result.output


UNKNOWN_TEXTS = (
    ["the smart meter reading is wrong again", "my smart meter shows the wrong reading",
     "smart meter reading looks wrong", "smart meter display reading is wrong",
     "why is the smart meter reading so wrong"]
    + ["the roaming bundle in spain did not work", "roaming bundle failed in spain",
       "no roaming bundle while in spain", "roaming bundle in spain never activated",
       "spain roaming bundle not working"]
)


def test_suggest_clusters_unknown_texts_into_taxonomy_yaml():
    proposals = suggest_causes(UNKNOWN_TEXTS, min_size=3)
    assert len(proposals) == 2 and sorted(p.size for p in proposals) == [5, 5]
    names = " ".join(" ".join(p.patterns) for p in proposals)
    assert "smart meter" in names or "meter" in names
    assert "roaming" in names or "spain" in names


def test_suggested_causes_take_their_polarity_from_their_texts():
    questions = ["how do i add a second user to my account", "how do i add my partner as a user",
                 "can i add another user to the account", "how can i add a user to my account"]
    complaints = ["the smart meter is terrible and wrong again", "awful smart meter, wrong again",
                  "the smart meter readings are wrong and awful", "terrible smart meter, wrong"]
    polarity = {p.patterns[0]: p.polarity for p in suggest_causes(questions + complaints,
                                                                  min_size=3)}
    assert sorted(polarity.values()) == ["negative", "neutral"]
    assert all(v == "neutral" for k, v in polarity.items() if "user" in k or "add" in k)


def _warehouse(path) -> None:
    with Warehouse(path) as wh:
        wh.ensure_columns({"text_redacted": "VARCHAR", "root_cause": "VARCHAR"})
        day = dt.datetime(2026, 11, 17, 10)
        for i, text in enumerate(UNKNOWN_TEXTS + ["I was charged twice"]):
            wh.con.execute(
                "INSERT INTO records (record_id, source, timestamp, text_redacted, root_cause) "
                "VALUES (?, 's', ?, ?, ?)",
                [f"r{i}", day, text, "billing.double_charge" if "twice" in text else "unknown"])
        wh.con.execute("INSERT INTO records (record_id, source, timestamp, text_redacted, "
                       "root_cause) VALUES ('old', 's', ?, 'smart meter wrong', 'unknown')",
                       [dt.datetime(2026, 10, 1)])


def test_suggest_command_reads_unknowns_of_the_week_and_prints_pasteable_yaml(tmp_path):
    db = tmp_path / "w.duckdb"
    _warehouse(db)
    result = CliRunner().invoke(main, ["rootcause", "suggest", "--db", str(db), "--week",
                                       "2026-W47", "--min-size", "3"])
    assert result.exit_code == 0, result.output
    proposed = yaml.safe_load(result.output)
    assert len(proposed["causes"]) == 2
    assert sum(int(c["description"].split()[2]) for c in proposed["causes"]) == 10
    parse_taxonomy(proposed, "proposals")  # valid taxonomy entries, ready to paste


def test_suggest_without_a_rootcause_column_says_what_to_run(tmp_path):
    db = tmp_path / "w.duckdb"
    Warehouse(db).close()
    result = CliRunner().invoke(main, ["rootcause", "suggest", "--db", str(db)])
    assert result.exit_code == 1 and "rootcause stage" in result.output
