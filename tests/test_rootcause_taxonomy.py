"""The taxonomy file, the pattern language and the rule classifier."""

from __future__ import annotations

import re

import pytest

from feedback_engine.errors import ConfigError
from feedback_engine.resources import domain_lexicon, domains
from feedback_engine.rootcause.rules import UNKNOWN, RuleClassifier
from feedback_engine.rootcause.taxonomy import (
    PatternError,
    compile_pattern,
    load_taxonomy,
    parse_taxonomy,
)


def _matches(pattern: str, text: str) -> bool:
    return bool(re.search(compile_pattern(pattern)[0], text, re.IGNORECASE))


@pytest.fixture(scope="module")
def rules() -> RuleClassifier:
    """The telecom pack over the core: the phrasings below are a telecom's customers'."""
    return RuleClassifier(load_taxonomy(domain_lexicon("telecom", "root_causes.yaml")))


def test_core_taxonomy_covers_what_any_contact_center_has_with_owners():
    taxonomy = load_taxonomy()
    assert 20 <= len(taxonomy.causes) <= 30
    parents = {c.parent for c in taxonomy.causes}
    assert {"billing", "delivery", "account_access", "technical_fault", "cancellation",
            "pricing", "product_quality", "agent_behaviour", "wait_time", "policy",
            "fraud_security", "how_to"} <= parents
    for cause in taxonomy.causes:
        assert cause.description and cause.label and len(cause.examples) >= 2, cause.id
        assert cause.owner and cause.action, cause.id


@pytest.mark.parametrize("domain", domains())
def test_every_example_of_a_domain_comes_out_as_its_own_cause(domain):
    rules = RuleClassifier(load_taxonomy(domain_lexicon(domain, "root_causes.yaml")))
    wrong = [(cause.id, example, rules.classify(example).label)
             for cause in rules.taxonomy.causes for example in cause.examples
             if rules.classify(example).label != cause.id]
    assert wrong == []
    assert all(cause.owner and cause.action for cause in rules.taxonomy.causes)


@pytest.mark.parametrize(("pattern", "text", "hit"), [
    ("charged twice", "I was Charged  twice!", True),
    ("charged twice", "I was charged for it twice", False),
    ("charged ~2 twice", "I was charged for it twice", True),
    ("charged ~1 twice", "charged for it twice", False),
    ("charg*", "the charges", True),
    ("charg*", "discharged", False),
    ("log|sign in", "please sign in", True),
    ("(log in|sign on) failed", "sign on failed", True),
    ("(log in|sign on) failed", "log on failed", False),
    ("on hold for # minutes", "on hold for 45 minutes", True),
    ("fee of #", "a fee of £4.99", True),
    ("double-charged", "double charged", True),
    ("double-charged", "doublecharged", True),
    ("can't log in", "I cant log in", True),
    ("very? happy", "happy", True),
    ("very? happy", "very happy", True),
])
def test_pattern_language(pattern, text, hit):
    assert _matches(pattern, text) is hit


@pytest.mark.parametrize("bad", ["twice ~2", "~2 twice", "(log in|sign", "charg*ed", "a || b"])
def test_pattern_language_rejects_malformed_patterns(bad):
    with pytest.raises(PatternError):
        compile_pattern(bad)


def test_pattern_anchor_is_the_rarest_plain_word_slot():
    assert compile_pattern("no ~2 (refund|money back)")[2] == frozenset({"refund", "money"})
    assert compile_pattern("charg* ~2 #")[2] == frozenset({"charg*"})


def test_taxonomy_errors_name_the_file_and_cause():
    data = {"causes": [{"id": "billing.x", "label": "x", "patterns": ["ok", "bad ~"]}]}
    with pytest.raises(ConfigError, match=r"my\.yaml, cause 'billing\.x'"):
        parse_taxonomy(data, "my.yaml")
    with pytest.raises(ConfigError, match="parent.child"):
        parse_taxonomy({"causes": [{"id": "Billing", "patterns": ["x"]}]}, "my.yaml")
    with pytest.raises(ConfigError, match="unknown key 'pattern'"):
        parse_taxonomy({"causes": [{"id": "a.b", "pattern": ["x"], "patterns": ["x"]}]})
    with pytest.raises(ConfigError, match="duplicate"):
        parse_taxonomy({"causes": [{"id": "a.b", "patterns": ["x"]},
                                   {"id": "a.b", "patterns": ["y"]}]})


def test_load_taxonomy_reports_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_taxonomy(tmp_path / "nope.yaml")


def _classifier(causes: list[dict]) -> RuleClassifier:
    return RuleClassifier(parse_taxonomy({"causes": causes}))


def test_exclude_pattern_vetoes_its_cause():
    rules = _classifier([
        {"id": "cancel.wants", "patterns": ["cancel*"], "exclude": ["cancellation fee"]},
        {"id": "policy.fee", "patterns": ["fee"]}])
    assert rules.classify("I want to cancel").label == "cancel.wants"
    assert rules.classify("the cancellation fee is unfair").label == "policy.fee"


def test_cause_mentioned_first_wins_between_equal_patterns():
    rules = _classifier([{"id": "a.hold", "patterns": ["on hold"]},
                         {"id": "b.refund", "patterns": ["no refund"]}])
    assert rules.classify("no refund yet, and I was on hold again").label == "b.refund"
    assert rules.classify("on hold for ages and still no refund").label == "a.hold"


def test_cause_weight_lets_a_side_grievance_lose():
    rules = _classifier([{"id": "wait.hold", "weight": 0.5, "patterns": ["on hold"]},
                         {"id": "billing.twice", "patterns": ["charged twice"]}])
    assert rules.classify("on hold for an hour because I was charged twice").label == \
        "billing.twice"


def test_rules_return_unknown_with_zero_confidence_when_nothing_matches(rules):
    for text in ("", "   ", None, "The weather in Leeds was mild on Tuesday."):
        result = rules.classify(text)
        assert (result.label, result.confidence, result.evidence) == (UNKNOWN, 0.0, [])


def test_rules_give_evidence_phrases_from_the_text(rules):
    result = rules.classify("Honestly, I've been double-charged and nobody helps.")
    assert result.label == "billing.double_charge"
    assert any("double" in phrase.lower() for phrase in result.evidence)
    assert 0.0 < result.confidence <= 1.0


@pytest.mark.parametrize(("text", "cause"), [
    ("Been waiting 3 weeks for the refund you promised.", "billing.refund_not_received"),
    ("wifi keeps cutting out every night, no internet again", "technical_fault.outage"),
    ("Can't log into the app since yesterday, it says error 500", "account_access.login_failure"),
    ("The guy on the phone was incredibly rude to me", "agent_behaviour.rude"),
    ("45 minutes on hold just to be cut off", "wait_time.long_hold"),
    ("Your engineer was great and the install took 20 minutes, would recommend",
     "praise.general"),
    ("Package was supposed to arrive Friday, still not here. Tracking hasn't updated.",
     "delivery.late"),
    ("prices up AGAIN, 3rd increase this year", "pricing.price_increase"),
    ("The app crashed three times while I tried to pay", "technical_fault.app_crash"),
])
def test_rules_classify_ordinary_customer_phrasings(rules, text, cause):
    assert rules.classify(text).label == cause
