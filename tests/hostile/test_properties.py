"""Property tests (issue #17), bounded for CI: random files never crash `feedback analyze`,
the record validator places every row, redaction is idempotent and no generated PII value
survives it. Each property has a fixed example budget (``max_examples``) and no deadline."""

from __future__ import annotations

import json
import re
import string
import tempfile
from pathlib import Path

import pandas as pd
import phonenumbers
import pytest
from hostile_harness import CODED, last_run_counts, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_engine.privacy import Redactor
from feedback_engine.privacy.structured import luhn_valid
from feedback_engine.records import (
    ROW,
    SOURCE_REJECT,
    SeenIds,
    SourceInfo,
    ValidationSettings,
    validate,
)

BOUNDED = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])

# --- readers: random bytes as a file never crash `feedback analyze` ------------------------

HEADERS = {".csv": "id,comment,created_at,score\n", ".tsv": "id\tcomment\tcreated_at\tscore\n",
           ".jsonl": ""}
CELL = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@st.composite
def file_bytes(draw: st.DrawFn, suffix: str) -> bytes:
    """Pure noise, or a header over noisy rows, or rows of JSON-ish fragments."""
    kind = draw(st.sampled_from(["noise", "rows", "mangled"]))
    if kind == "noise":
        return draw(st.binary(max_size=400))
    sep = {".csv": ",", ".tsv": "\t", ".jsonl": ""}[suffix]
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        cells = draw(st.lists(CELL, min_size=1, max_size=5))
        if suffix == ".jsonl":
            lines.append(draw(st.sampled_from([
                json.dumps({"id": cells[0], "text": cells[-1], "created_at": "2026-01-05"}),
                "{" + ", ".join(cells), "[" * draw(st.integers(0, 200)), cells[0]])))
        else:
            lines.append(sep.join([*cells, draw(st.sampled_from(
                ["2026-01-05", "0001-01-01", "", "9999-12-31T23:59:59.9999999Z"]))]))
    body = (HEADERS[suffix] + "\n".join(lines)).encode("utf-8", errors="surrogatepass")
    if kind == "mangled":
        noise = draw(st.binary(min_size=1, max_size=20))
        at = draw(st.integers(0, len(body)))
        body = body[:at] + noise + body[at:]
    return body


@BOUNDED
@given(st.sampled_from(sorted(HEADERS)).flatmap(
    lambda suffix: st.tuples(st.just(suffix), file_bytes(suffix))))
def test_random_bytes_as_csv_tsv_or_jsonl_never_crash_analyze(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / f"input{suffix}"
        path.write_bytes(data)
        config = root / "feedback.toml"
        config.write_text('[pipeline]\nstages = ["normalize", "redact", "sentiment"]\n',
                          encoding="utf-8")
        db = root / "w.duckdb"
        run = run_cli("analyze", path, "--db", db, "--config", config)  # no traceback
        if run.exit_code == 0:
            last_run_counts(db)  # read == analyzed + rejected, status ok
        else:
            assert CODED.search(run.stderr), run.output
        assert path.read_bytes() == data


# --- the record validator places every row ---------------------------------------------

MAPPING = {"record_id": ["id"], "text": ["comment"], "timestamp": ["created_at"],
           "nps": ["nps"], "csat": ["csat"], "ces": ["ces"], "agent_id": ["agent"],
           "team": ["team"]}
INFO = SourceInfo(name="survey.csv", mapping=MAPPING, channel="survey", kind="survey_answer")
VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), CELL,
    st.sampled_from(["2026-01-05T10:00:00.1234567Z", "0001-01-01", "9999-12-31", "10",
                     "\uff19", "1_0", "nan", "inf", "-0", "1e400", " ", "\ud800"]),
    st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                         max_size=2))
ROWS = st.lists(st.fixed_dictionaries({column[0]: VALUE for column in MAPPING.values()}),
                min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(ROWS, st.integers(1, 50))
def test_the_validator_never_raises_and_places_every_row_once(rows: list[dict],
                                                              limit: int) -> None:
    raw = pd.DataFrame(rows, dtype=object)
    raw[ROW] = range(2, 2 + len(raw))
    raw[SOURCE_REJECT] = ""
    records, rejects = validate(raw, INFO, ValidationSettings(max_text_chars=limit,
                                                               max_field_chars=limit),
                                SeenIds())
    assert len(records) + len(rejects) == len(raw)
    assert rejects["reason"].notna().all()  # every reject says why
    rows_rejected = rejects["row"].tolist()
    assert len(set(rows_rejected)) == len(rows_rejected) <= len(raw)
    assert set(rows_rejected) <= set(raw[ROW].tolist())


def test_the_validator_rejects_a_lone_surrogate_in_any_column() -> None:
    """The shrunk example of the property above with ``"\\ud800"`` among the values."""
    raw = pd.DataFrame([{"id": None, "comment": None, "created_at": None, "nps": None,
                         "csat": None, "ces": None, "agent": None, "team": "\ud800"}],
                       dtype=object)
    raw[ROW] = [2]
    raw[SOURCE_REJECT] = ""
    records, rejects = validate(raw, INFO, ValidationSettings(), SeenIds())
    assert len(records) == 0
    assert rejects["reason"].tolist() == ["malformed_row"]
    assert "surrogate" in rejects["detail"].iloc[0]


# --- the redactor: idempotent, and no generated PII value survives ------------------------

REDACTOR = Redactor()
# Surrounding text without digits, "@" or "+": a digit glued to a card number makes another
# number (one that fails Luhn), which is not the value generated.
SURROUND = st.text(alphabet=st.sampled_from(string.ascii_letters + " .,!?;:'()-éßüçñ😀"),
                   max_size=40)


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError(body)


CARDS = st.one_of(
    st.from_regex(r"4[0-9]{14}", fullmatch=True),
    st.from_regex(r"5[1-5][0-9]{13}", fullmatch=True),
    st.from_regex(r"3[47][0-9]{12}", fullmatch=True),
).map(_luhn_complete)


def _valid_phone(number: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(number, None))


PHONES = st.one_of(
    st.from_regex(r"\+1[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
    st.from_regex(r"\+447[1-57-9][0-9]{8}", fullmatch=True),
    st.from_regex(r"\+4915[1-9][0-9]{7,8}|\+4917[0-9]{8,9}|\+49160[0-9]{7}", fullmatch=True),
).filter(_valid_phone)

EMAILS = st.tuples(st.from_regex(r"[a-z][a-z0-9._%+-]{0,14}[a-z0-9]", fullmatch=True),
                   st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
                   st.sampled_from(["com", "co.uk", "de", "org", "io"])).map(
    lambda parts: f"{parts[0]}@{parts[1]}.{parts[2]}").filter(lambda e: ".." not in e)

IBAN_BODIES = {"DE": r"[0-9]{18}", "GB": r"[A-Z]{4}[0-9]{14}", "FR": r"[0-9]{23}",
               "NL": r"[A-Z]{4}[0-9]{10}"}


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


IBANS = st.sampled_from(sorted(IBAN_BODIES)).flatmap(
    lambda c: st.from_regex(IBAN_BODIES[c], fullmatch=True).map(lambda b: _iban(c, b)))
PII = st.one_of(EMAILS.map(lambda v: ("email", v)), CARDS.map(lambda v: ("card", v)),
                PHONES.map(lambda v: ("phone", v)), IBANS.map(lambda v: ("iban", v)))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_redaction_is_idempotent_on_random_text(text: str) -> None:
    once = REDACTOR.redact(text).text
    assert REDACTOR.redact(once).text == once


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(SURROUND, PII, SURROUND)
def test_no_generated_pii_value_survives_in_random_surroundings(before: str,
                                                                pii: tuple[str, str],
                                                                after: str) -> None:
    kind, value = pii
    text = f"{before} {value} {after}"
    redacted = REDACTOR.redact(text).text
    assert value not in redacted, (kind, text, redacted)
    digits = re.sub(r"\D", "", value)
    if kind in ("card", "phone"):  # nor its digits, whatever the separators left behind
        assert digits not in re.sub(r"\D", "", redacted), (kind, text, redacted)
    assert REDACTOR.redact(redacted).text == redacted  # idempotent with PII in it too


def test_the_generators_make_valid_values() -> None:
    assert luhn_valid(_luhn_complete("453957876362148"))
    assert _iban("DE", "370400440532013000") == "DE89370400440532013000"
    assert _iban("GB", "NWBK60161331926819") == "GB29NWBK60161331926819"
    assert _valid_phone("+14155552671") and _valid_phone("+447911123456")


# --- long rows cost linear time, not quadratic ------------------------------------------

def _stage_seconds(pipeline, text: str) -> float:
    """Best of two runs of the default stages on one record holding ``text``."""
    import time

    best = float("inf")
    for _ in range(2):
        chunk = pd.DataFrame({"record_id": ["a"], "source": "s", "text": [text],
                              "turns": [None]})
        start = time.perf_counter()
        pipeline(chunk)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("unit", ["😀", "great 😀 service but slow 🙁 refund, the agent was "
                                   "rude and the app kept crashing "])
def test_a_long_row_of_emoji_or_mixed_text_costs_linear_time(unit: str) -> None:
    """A row of 10,000 emoji took 52 s (VADER's per-word checks re-read the whole sentence;
    aspect segmentation scanned every mention per mention). Measured as a ratio, so a slow
    machine passes and quadratic growth (ratio ~64 for 8x the length) fails."""
    from feedback_engine.config import load_config
    from feedback_engine.records import CANONICAL_COLUMNS
    from feedback_engine.stages import build_pipeline

    config = load_config(None)
    pipeline = build_pipeline(config["pipeline"]["stages"], config.get("stages", {}),
                              [*CANONICAL_COLUMNS, "turns"])
    pipeline.setup()

    def text(chars: int) -> str:
        return (unit * (chars // len(unit) + 1))[:chars]

    _stage_seconds(pipeline, text(500))  # warm caches and lazy imports
    small = _stage_seconds(pipeline, text(2_500))
    large = _stage_seconds(pipeline, text(20_000))  # the default max_text_chars
    assert large / max(small, 0.02) < 24, (small, large)  # 8x the length; quadratic: ~64
