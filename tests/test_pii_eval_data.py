"""The committed PII evaluation set (benchmarks/data/pii_eval.jsonl) is well formed and current.

The checksum rules are re-implemented here rather than imported from the generator, so a bug
in the generator's checks cannot hide itself.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "pii_eval.jsonl"
README = ROOT / "benchmarks" / "data" / "README.md"
SCRIPT = ROOT / "benchmarks" / "make_pii_eval.py"

TYPES = {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE",
         "IP_ADDRESS", "LOCATION"}
IBAN_LENGTHS = {"GB": 22, "DE": 22, "FR": 27, "ES": 24, "NL": 18, "IE": 22, "IT": 27}
ID_RE = re.compile(r"(neg-)?[a-z]+-\d{3}")


def _luhn(digits: str) -> bool:
    checksum = 0
    for position, ch in enumerate(digits[::-1]):
        value = int(ch) * (2 if position % 2 else 1)
        checksum += value // 10 + value % 10
    return checksum % 10 == 0


def _mod97(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(ord(c) - 55) if c.isalpha() else c for c in rearranged)
    return int(number) % 97 == 1


def _ssn_ok(ssn: str) -> bool:
    m = re.fullmatch(r"(\d{3})([- ])(\d{2})\2(\d{4})", ssn)
    return bool(m) and m[1] not in ("000", "666") and m[1][0] != "9" and m[3] != "00" \
        and m[4] != "0000"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def _spans(rows: list[dict], etype: str) -> list[str]:
    return [r["text"][e["start"]:e["end"]] for r in rows for e in r["entities"]
            if e["type"] == etype]


def test_schema_and_ids(rows: list[dict]) -> None:
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert set(r) == {"id", "text", "entities"}
        assert ID_RE.fullmatch(r["id"]), r["id"]
        assert isinstance(r["text"], str) and r["text"].strip()
        for e in r["entities"]:
            assert set(e) == {"start", "end", "type"}
            assert isinstance(e["start"], int) and isinstance(e["end"], int)
            assert e["type"] in TYPES


def test_spans_are_in_range_ordered_and_clean(rows: list[dict]) -> None:
    for r in rows:
        text, previous_end = r["text"], 0
        for e in r["entities"]:
            start, end = e["start"], e["end"]
            assert 0 <= start < end <= len(text), r["id"]
            assert start >= previous_end, f"{r['id']}: overlapping or unordered spans"
            previous_end = end
            span = text[start:end]
            assert span == span.strip(), (r["id"], span)
            assert span[-1].isalnum(), (r["id"], span)
            # A phone number may open with its "+" or "(": that is part of the number.
            assert span[0].isalnum() or (e["type"] == "PHONE_NUMBER" and span[0] in "+("), \
                (r["id"], span)
            assert start == 0 or not text[start - 1].isalnum(), (r["id"], span)
            assert end == len(text) or not text[end].isalnum(), (r["id"], span)


def test_credit_cards_pass_luhn(rows: list[dict]) -> None:
    for span in _spans(rows, "CREDIT_CARD"):
        assert re.fullmatch(r"\d+(?:([ -])\d+)*", span), span
        digits = re.sub(r"[ -]", "", span)
        assert 13 <= len(digits) <= 19 and _luhn(digits), span
        assert digits[0] in "23456", span


def test_ibans_pass_mod97(rows: list[dict]) -> None:
    for span in _spans(rows, "IBAN_CODE"):
        compact = span.replace(" ", "")
        assert IBAN_LENGTHS[compact[:2]] == len(compact), span
        assert _mod97(span), span
        assert " " not in span or re.fullmatch(r"(?:[A-Z0-9]{4} )+[A-Z0-9]{1,4}", span), span


def test_other_structured_values_are_valid(rows: list[dict]) -> None:
    for span in _spans(rows, "US_SSN"):
        assert _ssn_ok(span), span
    for span in _spans(rows, "IP_ADDRESS"):
        ipaddress.ip_address(span)  # raises when it is not an address
    for span in _spans(rows, "EMAIL_ADDRESS"):
        assert re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}", span, re.ASCII), span
    for span in _spans(rows, "PHONE_NUMBER"):
        assert 7 <= len(re.sub(r"\D", "", span)) <= 15, span
    for span in _spans(rows, "PERSON"):
        assert not re.search(r"\d", span) and not re.match(r"(?i)(mr|mrs|ms|miss|dr)\b", span)
    for span in _spans(rows, "LOCATION"):
        assert re.search(r"\d", span), span


def test_negative_texts_hold_no_entities_nor_valid_lookalikes(rows: list[dict]) -> None:
    for r in rows:
        if r["id"].startswith(("neg-", "none-")):
            assert r["entities"] == [], r["id"]
        else:
            assert r["entities"], r["id"]
    negatives = [r["text"] for r in rows if r["id"].startswith("neg-")]
    for text in negatives:
        for m in re.finditer(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])", text):
            assert not _luhn(re.sub(r"[ -]", "", m.group())), text
        for m in re.finditer(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})+(?: ?[A-Z0-9]{1,3})?\b", text,
                             re.IGNORECASE):
            compact = m.group().replace(" ", "").upper()
            if IBAN_LENGTHS.get(compact[:2]) == len(compact):
                assert not _mod97(compact), text
        for m in re.finditer(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])", text):
            assert not _ssn_ok(m.group()), text
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.-]+", text), text


def test_counts_meet_the_minimums(rows: list[dict]) -> None:
    per_type = Counter(e["type"] for r in rows for e in r["entities"])
    for etype in TYPES:
        assert per_type[etype] >= 60, (etype, per_type[etype])
    assert sum(r["id"].startswith("neg-") for r in rows) >= 200
    assert 550 <= len(rows) <= 700
    assert sum(not r["entities"] for r in rows) >= 200
    assert sum(len({e["type"] for e in r["entities"]}) >= 2 for r in rows) >= 80


def test_readme_counts_match_the_data(rows: list[dict]) -> None:
    readme = README.read_text(encoding="utf-8")
    per_type = Counter(e["type"] for r in rows for e in r["entities"])
    for etype in TYPES:
        assert re.search(rf"^\| `{etype}` \| {per_type[etype]} \|", readme, re.M), etype
    assert f"{len(rows)} examples" in readme
    assert f"{sum(r['id'].startswith('neg-') for r in rows)} negative" in readme


def test_generator_reproduces_the_committed_file() -> None:
    spec = importlib.util.spec_from_file_location("make_pii_eval", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.to_jsonl(module.build_examples())
    assert DATA.read_text(encoding="utf-8") == expected, \
        "benchmarks/data/pii_eval.jsonl is stale: run python benchmarks/make_pii_eval.py"
