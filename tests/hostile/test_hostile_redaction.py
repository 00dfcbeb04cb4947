"""Hostile cases for the redactor itself: stalling user patterns and over-redaction.

- A user pattern with nested quantifiers (``(a+)+$``) is refused when the lexicon loads, with
  a coded error naming it; one that slips past the check runs under a time limit and fails
  closed (the text is masked whole), so a run never hangs on it.
- Real text with no PII stays as it is: places after "from"/"in" ("from China"), order
  numbers that fit a phone plan, lower-case words after "for"/"with" ("for easter").
- True PII is still redacted: names, phones (E.164 and national for the configured regions),
  emails, cards.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hostile_harness import (
    assert_coded_error,
    assert_no_pii,
    assert_unchanged,
    last_run_counts,
    run_cli,
    snapshot,
)

from feedback_engine.errors import ConfigError
from feedback_engine.privacy import Redactor
from feedback_engine.privacy.lexicon import PATTERN_TIMEOUT_S, load_pii_lexicon
from feedback_engine.privacy.structured import DEFAULT_REGIONS
from feedback_engine.resources import lexicon_path

ROW = "a" * 41  # the 41-character row that stalled `(a+)+$` for over 120 s


def _lexicon(tmp_path: Path, regex: str, name: str = "pii.yaml") -> Path:
    """The bundled pii.yaml with one more user pattern."""
    bundled = lexicon_path("pii.yaml").read_text(encoding="utf-8")
    entry = f"  - type: SLOW_ID\n    regex: '{regex}'\n"
    path = tmp_path / name
    path.write_text(bundled.replace("patterns:\n", "patterns:\n" + entry, 1), encoding="utf-8")
    return path


# -- stalls ---------------------------------------------------------------------------------
@pytest.mark.parametrize("regex", [r"(a+)+$", r"(a*)*", r"(a|aa)+", r"(?:\w+\s?)+x",
                                   r"(?:a{1,9})+b"])
def test_nested_quantifier_is_refused_fast_with_a_coded_error(tmp_path: Path,
                                                              regex: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        load_pii_lexicon(_lexicon(tmp_path, regex))
    assert time.perf_counter() - started < 2
    message = str(error.value)
    assert message.startswith("[FE257]") and "SLOW_ID" in message and regex in message


@pytest.mark.parametrize("regex", [r"\b(?:CU|ACC|ACCT)[- ]?\d{6,10}\b", r"(?:[ -]?\d){9,15}",
                                   r"(?:\d{3}[- ]?)+", r"(?:foo|bar)+", r"(?>a+)+$",
                                   r"(?:a++)+$", r"[A-Z]{2}-\d{4,8}"])
def test_ordinary_patterns_still_load(tmp_path: Path, regex: str) -> None:
    lexicon = load_pii_lexicon(_lexicon(tmp_path, regex))
    assert any(p.type == "SLOW_ID" for p in lexicon.patterns)


def test_bundled_lexicon_patterns_pass_the_check() -> None:
    assert load_pii_lexicon().patterns  # loading is the check


def test_pattern_that_slips_past_the_check_returns_within_a_second(tmp_path: Path) -> None:
    # Outer and inner repeats are both bounded, so the load-time check lets it through;
    # on 41 a's and a "b" it would backtrack for far longer than any run can wait.
    redactor = Redactor(_lexicon(tmp_path, r"(?:a{1,40}){1,40}$"))
    started = time.perf_counter()
    result = redactor.redact(ROW + "b")
    elapsed = time.perf_counter() - started
    assert elapsed < max(1.0, 4 * PATTERN_TIMEOUT_S), elapsed
    # Fail closed: the whole text is masked as the pattern's type, and the event is counted.
    assert result.text == "[SLOW_ID]"
    assert redactor.pattern_timeouts["SLOW_ID"] == 1
    # Texts the pattern handles quickly are unaffected.
    assert redactor.redact("call me on 07700 900123").text == "call me on [PHONE_NUMBER]"


def test_cli_refuses_a_stalling_pattern_before_reading(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text(f"text\n{ROW}\nfine thanks\n", encoding="utf-8")
    config = tmp_path / "feedback.toml"
    config.write_text(f'[stages.redact]\nlexicon = "{_lexicon(tmp_path, "(a+)+$").as_posix()}"\n',
                      encoding="utf-8")
    before = snapshot(data)
    started = time.perf_counter()
    run = run_cli("analyze", data, "--db", tmp_path / "w.duckdb", "--config", config)
    assert time.perf_counter() - started < 30
    assert "SLOW_ID" in assert_coded_error(run, "FE257")
    assert_unchanged(before)


def test_cli_run_with_a_slipping_pattern_finishes_and_stores_no_raw_row(tmp_path: Path) -> None:
    secret = "a" * 40 + "b"
    data = tmp_path / "in.csv"
    data.write_text(f"date,text\n2026-01-05,{secret}\n2026-01-05,the app works fine\n"
                    "2026-01-06,refund took 3 days\n", encoding="utf-8")
    lexicon = _lexicon(tmp_path, r"(?:a{1,40}){1,40}$")
    config = tmp_path / "feedback.toml"
    config.write_text('[pipeline]\nstages = ["normalize", "redact", "sentiment"]\n'
                      f'[stages.redact]\nlexicon = "{lexicon.as_posix()}"\n', encoding="utf-8")
    before = snapshot(data)
    db = tmp_path / "w.duckdb"
    started = time.perf_counter()
    run = run_cli("analyze", data, "--db", db, "--config", config)
    assert run.exit_code == 0, run.output
    assert time.perf_counter() - started < 60
    counts = last_run_counts(db)
    assert counts["read"] == 3 == counts["analyzed"] + counts["rejected"]
    assert_no_pii([secret], db=db, texts=[run.output])
    assert_unchanged(before)


# -- over-redaction -------------------------------------------------------------------------
REDACTOR = Redactor()


@pytest.mark.parametrize("text", [
    "I am from China and the dress arrived late",
    "from China",
    "I live in Germany",
    "Shipped from India.",
    "I'm in Sydney now and it still hasn't come",
    "we moved to Georgia last year",
    "Sent from Houston, arrived in New York",
    "order 1234567890",
    "my order 2125550123 never came",
    "Order #: 4155550132 was cancelled",
    "tracking no. 2125550123",
    "i bought this online for easter",
    "it works with ivory, black and grey",
    "gorgeous as you'd expect from rana gill",
    "with tracy reese i never know my size",
    "i have paired it with jean shorts",
    "a size 6 us you can't fully close this robe",
    "the 6 would be way too long",
    "how do I exchange for AUD?",
    "can I pay in euros or Swiss francs",
    "the Notting Hill branch swallowed my card",
    "your Walton Heath office never replied",
    "Wal Mart refused to take it back",
    "a new Intel Core processor",
    "MS Office apps came preinstalled",
    "I love Snow Leopard",
    "it is olive with white dots",
    "its rose and gold, lovely",
])
def test_text_without_pii_is_left_alone(text: str) -> None:
    assert REDACTOR.redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), [
    ("my name is Jane Doe", "my name is [PERSON]"),
    ("This is Jordan from Kenya", "This is [PERSON] from Kenya"),
    ("I spoke to Gary yesterday", "I spoke to [PERSON] yesterday"),
    ("hi its tuan again, still no refund", "hi its [PERSON] again, still no refund"),
    ("hi this is tom with northwind support", "hi this is [PERSON] with northwind support"),
    ("thanks emeka", "thanks [PERSON]"),
    ("Emily Clarke called twice", "[PERSON] called twice"),
    ("upset that Ayesha Raza lied", "upset that [PERSON] lied"),
    ("Yan Xu called", "[PERSON] called"),
    ("then Wei Chen hung up", "then [PERSON] hung up"),
    ("DEAR MR SMITH, NO REFUND YET", "DEAR MR [PERSON], NO REFUND YET"),
    ("a Sarah Jones called me", "a [PERSON] called me"),
    ("the Sarah Jones you sent was rude", "the [PERSON] you sent was rude"),
    ("call +44 7700 900123 or +1 (415) 555-0132", "call [PHONE_NUMBER] or [PHONE_NUMBER]"),
    ("ring 07700 900123", "ring [PHONE_NUMBER]"),
    ("my phone 2125550123", "my phone [PHONE_NUMBER]"),
    ("mail jane.doe@example.com", "mail [EMAIL_ADDRESS]"),
    ("card 4539 5787 6362 1486", "card [CREDIT_CARD]"),
    ("order 4539578763621486 paid", "order [CREDIT_CARD] paid"),
    ("I live at 14 Baker Street, London", "I live at [LOCATION]"),
])
def test_true_pii_is_still_redacted(text: str, expected: str) -> None:
    assert REDACTOR.redact(text).text == expected


def test_regions_decide_national_phone_numbers() -> None:
    german = "ruf an: 030 12345678"
    assert Redactor(regions=["DE"]).redact(german).text == "ruf an: [PHONE_NUMBER]"
    assert Redactor(regions=("US",)).redact(german).text == german
    # E.164 needs no region.
    assert Redactor(regions=("US",)).redact("+49 30 12345678").text == "[PHONE_NUMBER]"
    assert Redactor().regions == DEFAULT_REGIONS
    assert Redactor(regions=["gb"]).regions == ("GB",)


@pytest.mark.parametrize("regions", [["XX"], ["USA"], []])
def test_unknown_region_is_a_coded_error(regions: list[str]) -> None:
    with pytest.raises(ConfigError, match=r"^\[FE260\] unknown phone region"):
        Redactor(regions=regions)


def test_regions_option_of_the_redact_stage_is_checked_and_used(tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text("id,comment,created_at\nR1,ruf an: 030 12345678,2026-01-05\n",
                      encoding="utf-8")
    base = '[pipeline]\nstages = ["normalize", "redact"]\n[stages.redact]\n'
    for bad, words, code in (('regions = ["XX"]', "unknown phone region", "FE260"),
                             ('regions = "DE"', "stages.redact.regions", "FE340")):
        config = tmp_path / "bad.toml"
        config.write_text(base + bad + "\n", encoding="utf-8")
        line = assert_coded_error(run_cli("analyze", survey, "--db", tmp_path / "x.duckdb",
                                          "--config", config), code)
        assert words in line and "stages.redact.regions" in line
    for regions, stored in (('["DE"]', "ruf an: [PHONE_NUMBER]"),
                            ('["US"]', "ruf an: 030 12345678")):
        config = tmp_path / f"ok{regions[2:4]}.toml"
        config.write_text(base + f"regions = {regions}\n", encoding="utf-8")
        db = tmp_path / f"w{regions[2:4]}.duckdb"
        run = run_cli("analyze", survey, "--db", db, "--config", config)
        assert run.exit_code == 0, run.output
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT text_redacted FROM records").fetchone()[0] == stored
        con.close()


# -- eval pii --clean -----------------------------------------------------------------------
LABELLED = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "pii_eval.jsonl"


def test_eval_pii_reports_false_redactions_on_a_latin1_csv(tmp_path: Path) -> None:
    clean = tmp_path / "reviews.csv"
    rows = ["Review Text,Rating", '"Lovely café dress, shipped from China",5',
            "\"Fits well, i'm 5'4\"\" and 120 lbs\",4", "\"Thank you Emma, great help\",5", ""]
    clean.write_bytes("\n".join(rows).encode("cp1252"))
    before = snapshot(clean, LABELLED)
    run = run_cli("eval", "pii", LABELLED, "--clean", clean, "--show-errors")
    assert run.exit_code == 0, run.output
    assert "reviews.csv: 3 texts; records changed 333.33 per 1,000 (1;" in run.stdout
    assert "not audited (every change counts as false)" in run.stdout
    assert "leak rate" in run.stdout
    assert "false_redaction PERSON          'Emma'" in run.stdout
    as_json = run_cli("eval", "pii", LABELLED, "--clean", clean, "--json")
    payload = json.loads(as_json.stdout)
    assert payload["clean"][0]["changed"] == 1 and payload["clean"][0]["n_texts"] == 3
    assert payload["leak_rate"] is not None
    assert_unchanged(before)


def test_eval_pii_clean_column_and_text_files(tmp_path: Path) -> None:
    csv_file = tmp_path / "intents.csv"
    csv_file.write_text("category,utterance\ncard,where is my card\nfx,rate from Germany\n",
                        encoding="utf-8")
    missing = run_cli("eval", "pii", LABELLED, "--clean", csv_file)
    assert "--clean-column" in assert_coded_error(missing, "FE119")
    txt = tmp_path / "lines.txt"
    txt.write_text("order 2125550123 is late\n\nI live in Germany\n", encoding="utf-8")
    jsonl = tmp_path / "texts.jsonl"
    jsonl.write_text('{"utterance": "from China"}\n"plain string line"\n', encoding="utf-8")
    run = run_cli("eval", "pii", LABELLED, "--clean", csv_file, "--clean", txt,
                  "--clean", jsonl, "--clean-column", "utterance")
    assert run.exit_code == 0, run.output
    assert "intents.csv: 2 texts; records changed 0.00 per 1,000" in run.stdout
    assert "lines.txt: 2 texts; records changed 0.00 per 1,000" in run.stdout
    assert "texts.jsonl: 2 texts; records changed 0.00 per 1,000" in run.stdout


def test_an_audit_counts_confirmed_names_apart_from_false_redactions(tmp_path: Path) -> None:
    from feedback_engine.evaluation.pii import texts_hash, value_hash

    texts = ["Thank you Emma, great help", "Grace period then Priya Shah sorted it",
             "thanks Emma and Olivia", "no names here"]
    clean = tmp_path / "reviews.txt"
    clean.write_text("\n".join(texts) + "\n", encoding="utf-8")
    # Record 1 is judged a real name; record 3 only in part (Olivia unjudged): it stays false.
    audit = tmp_path / "audit.json"
    audit.write_text(json.dumps({"version": 1, "sets": {texts_hash(texts): {"persons": {
        "1": [value_hash("EMMA")], "3": [value_hash("emma")]}}}}), encoding="utf-8")
    before = snapshot(clean, audit)
    run = run_cli("eval", "pii", LABELLED, "--clean", clean, "--audit", audit, "--json",
                  "--show-errors")
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)["clean"][0]
    assert (result["changed"], result["confirmed_names"]) == (3, 1)
    assert result["false_redactions_per_1000"] == 500.0
    assert result["changed_per_1000"] == 750.0
    kinds = {(e["record"], e["kind"]) for e in json.loads(run.stdout)["errors"] if "record" in e}
    assert kinds == {(1, "confirmed_name"), (2, "false_redaction"), (3, "false_redaction")}
    text = run_cli("eval", "pii", LABELLED, "--clean", clean, "--audit", audit).stdout
    assert "audited: 1 holds a real person's name; false redactions 500.00 per 1,000 (2)" in text
    assert_unchanged(before)
    # An audit of other texts confirms nothing here; a damaged one is a coded error.
    clean.write_text("Thank you Emma, great help\n", encoding="utf-8")
    other = json.loads(run_cli("eval", "pii", LABELLED, "--clean", clean, "--audit", audit,
                               "--json").stdout)["clean"][0]
    assert (other["confirmed_names"], other["audited"]) == (None, False)
    audit.write_text('{"version": 1, "sets": {"x": {"persons": []}}}', encoding="utf-8")
    assert_coded_error(run_cli("eval", "pii", LABELLED, "--clean", clean, "--audit", audit),
                       "FE132")


def test_the_shipped_audit_names_no_one() -> None:
    from feedback_engine.evaluation.pii import load_audit

    path = LABELLED.parent / "pii_clean_audit.json"
    audit = load_audit(path)
    assert audit and all(len(d) == 64 for d in audit)
    values = [v for records in audit.values() for found in records.values() for v in found]
    assert values and all(len(v) == 64 and int(v, 16) >= 0 for v in values)


def test_eval_pii_on_a_latin1_labelled_file_is_a_coded_error(tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_bytes("text,label\ncaf\xe9 was fine,neutral\n".encode("latin-1"))
    assert_coded_error(run_cli("eval", "pii", bad), "FE121")
