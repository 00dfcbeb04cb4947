"""PII detection: the lexicon's examples, validators, overlaps, pseudonyms, the stage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from feedback_engine.errors import ConfigError
from feedback_engine.privacy import Redactor, Span
from feedback_engine.privacy.lexicon import load_pii_lexicon
from feedback_engine.privacy.redactor import KEY_ENV
from feedback_engine.privacy.spans import resolve
from feedback_engine.privacy.structured import iban_valid, luhn_valid
from feedback_engine.stages.redact import Redact

LEXICON = load_pii_lexicon()
REDACTOR = Redactor()


def _examples(kind: str) -> list[tuple[str, str, bool]]:
    out = []
    for entity, cases in LEXICON.examples.items():
        for text in cases.get(kind, []):
            out.append((entity, text, kind == "should_match"))
    return out


@pytest.mark.parametrize(("entity", "text", "_"), _examples("should_match"))
def test_lexicon_example_is_detected(entity: str, text: str, _: bool) -> None:
    assert entity in {s.type for s in REDACTOR.find(text)}


@pytest.mark.parametrize(("entity", "text", "_"), _examples("should_not_match"))
def test_lexicon_lookalike_survives(entity: str, text: str, _: bool) -> None:
    assert entity not in {s.type for s in REDACTOR.find(text)}


@pytest.mark.parametrize("pattern", LEXICON.patterns, ids=lambda p: p.type)
def test_custom_pattern_examples_hold(pattern) -> None:
    for text in pattern.should_match:
        assert pattern.type in {s.type for s in REDACTOR.find(text)}, text
    for text in pattern.should_not_match:
        assert pattern.type not in {s.type for s in REDACTOR.find(text)}, text


def test_redact_replaces_each_type_with_its_tag() -> None:
    text = ("Hi, my name is Jane Doe, card 4539 5787 6362 1486, call 07700 900123, "
            "mail jane.doe@example.com, SSN 123-45-6789, IBAN GB82 WEST 1234 5698 7654 32, "
            "router 192.168.1.254, I live at 14 Baker Street, London.")
    result = REDACTOR.redact(text)
    assert result.text == (
        "Hi, my name is [PERSON], card [CREDIT_CARD], call [PHONE_NUMBER], "
        "mail [EMAIL_ADDRESS], SSN [US_SSN], IBAN [IBAN_CODE], router [IP_ADDRESS], "
        "I live at [LOCATION].")
    assert result.counts == {"CREDIT_CARD": 1, "EMAIL_ADDRESS": 1, "IBAN_CODE": 1,
                             "IP_ADDRESS": 1, "LOCATION": 1, "PERSON": 1, "PHONE_NUMBER": 1,
                             "US_SSN": 1}


def test_lookalikes_survive_redaction_untouched() -> None:
    text = ("Order 1234567890123456 (ref 88213) for £1,234.56 on 12/03/2026 at 10:30, "
            "tracking 1Z999AA10123456784, app version 5.2.1, speed 500 Mbps, 5 stars.")
    assert REDACTOR.redact(text).text == text


def test_checksums() -> None:
    assert luhn_valid("378282246310005") and not luhn_valid("378282246310006")
    assert iban_valid("DE89370400440532013000") and not iban_valid("DE89370400440532013001")


def test_resolve_prefers_specific_types_then_longer_spans() -> None:
    spans = [Span(0, 12, "PHONE_NUMBER"), Span(0, 19, "CREDIT_CARD"), Span(25, 30, "PERSON"),
             Span(22, 40, "LOCATION")]
    assert resolve(spans) == [Span(0, 19, "CREDIT_CARD"), Span(22, 40, "LOCATION")]


def test_pseudonyms_are_consistent_and_keyed(monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, "a-secret-key-of-32-characters-xx")
    first = Redactor(pseudonyms=True)
    a = first.redact("Call Jane Doe on 07700 900123").text
    b = first.redact("ring 07700900123, ask for Jane Doe").text
    tokens_a = sorted(t for t in a.split() if t.startswith("["))
    assert a.startswith("Call [PERSON_") and "[PHONE_NUMBER_" in a
    assert all(token.rstrip(",") in b for token in tokens_a)
    monkeypatch.setenv(KEY_ENV, "another-secret-key-32-characters")
    assert Redactor(pseudonyms=True).redact("Call Jane Doe on 07700 900123").text != a


def test_pseudonyms_without_a_key_say_how_to_set_one(monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(ConfigError, match=f"\\${KEY_ENV}"):
        Redactor(pseudonyms=True)


def test_unknown_type_is_rejected_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown PII type 'PASSPORT'; known: ACCOUNT_NUMBER"):
        Redactor(types=("PASSPORT",))


def test_types_option_limits_what_is_redacted() -> None:
    text = "Jane Doe, jane@example.com"
    assert Redactor(types=("EMAIL_ADDRESS",)).redact(text).text == "Jane Doe, [EMAIL_ADDRESS]"


@pytest.mark.parametrize(("content", "message"), [
    ("patterns: [{type: X}]", "needs 'type' and 'regex'"),
    ("patterns: [{type: lower, regex: 'a'}]", "UPPER_SNAKE_CASE"),
    ("patterns: [{type: ORDER, regex: '(unclosed'}]", "bad regex"),
    ("not_names: [yes, no]", "'not_names' must be a list of strings"),
    ("colour: red", "unknown key 'colour'"),
])
def test_bad_lexicon_names_the_file_and_problem(tmp_path: Path, content: str,
                                                 message: str) -> None:
    path = tmp_path / "pii.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_pii_lexicon(path)
    assert str(path) in str(info.value)


def test_user_lexicon_adds_patterns(tmp_path: Path) -> None:
    path = tmp_path / "pii.yaml"
    path.write_text("patterns:\n  - type: ORDER_ID\n    regex: 'ORD-\\d{5}'\n", encoding="utf-8")
    assert Redactor(path).redact("about ORD-12345 today").text == "about [ORDER_ID] today"


def test_redact_stage_scrubs_turns_extra_and_ids(monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, "a-secret-key-of-32-characters-xx")
    stage = Redact(pseudonymize_ids=["customer_id"])
    stage.setup()
    chunk = pd.DataFrame({
        "record_id": ["r1"],
        "text_clean": ["Customer: my email is bob@example.com"],
        "turns": [[{"speaker": "customer", "text": "my email is bob@example.com",
                    "start_s": None, "end_s": None}]],
        "extra": [json.dumps({"customer_name": "Bob Stone", "note": "call 07700 900123",
                              "region": "EMEA"})],
        "customer_id": ["CU-000042"],
    })
    out = stage(chunk)
    assert out["text_redacted"].iloc[0] == "Customer: my email is [EMAIL_ADDRESS]"
    assert out["pii_counts"].iloc[0] == {"EMAIL_ADDRESS": 1}
    assert out["turns"].iloc[0][0]["text"] == "my email is [EMAIL_ADDRESS]"
    assert json.loads(out["extra"].iloc[0]) == {
        "customer_name": "[REDACTED]", "note": "call [PHONE_NUMBER]", "region": "EMEA"}
    assert out["customer_id"].iloc[0].startswith("customer_")
    assert "CU-000042" not in out["customer_id"].iloc[0]


def test_redact_stage_rejects_unknown_id_column() -> None:
    with pytest.raises(ConfigError, match="pseudonymize_ids: 'email'"):
        Redact(pseudonymize_ids=["email"])


@pytest.mark.parametrize("name", ["first_names.txt", "last_names.txt"])
def test_name_lexicons_are_clean_lowercase_lists(name: str) -> None:
    from feedback_engine.resources import lexicon_path

    lines = lexicon_path(f"names/{name}").read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line and not line.startswith("#")]
    assert len(entries) > 5000
    assert entries == sorted(set(entries)), "sorted and unique"
    assert all(e == e.lower() == e.strip() and len(e) >= 2 for e in entries)
    if name == "first_names.txt":  # given names may stand alone, so no everyday words
        assert not set(entries) & {"will", "may", "june", "bill", "mark", "grace", "hope"}


def test_names_from_many_origins_are_found_without_cues() -> None:
    text = ("Siobhan Gallagher, Oluwaseun Adeyemi, Paweł Wiśniewski, Lakshmi Iyer and "
            "Xiuying Zhang all wrote in; Mohammed's reply was late.")
    found = [text[s.start:s.end] for s in REDACTOR.find(text)]
    assert found == ["Siobhan Gallagher", "Oluwaseun Adeyemi", "Paweł Wiśniewski",
                     "Lakshmi Iyer", "Xiuying Zhang", "Mohammed"]


def test_contractions_and_common_words_are_not_names() -> None:
    text = "Hi, I'm sure it's fine. The agent called me back. Can you help? Thanks, that works."
    assert [s.type for s in REDACTOR.find(text)] == []


def test_a_name_that_is_also_a_word_counts_when_an_agent_acts() -> None:
    assert REDACTOR.redact("Honestly, Grace was brilliant.").text == \
        "Honestly, [PERSON] was brilliant."
    assert REDACTOR.redact("Mark sorted it out.").text == "[PERSON] sorted it out."
    for text in ("May was a busy month.", "The Bill was wrong.", "Hope was all I had left.",
                 "Mark as resolved", "Grace period was too short."):
        assert REDACTOR.redact(text).text == text
