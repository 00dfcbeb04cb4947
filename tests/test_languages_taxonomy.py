"""Root causes and aspects per language: patterns_zh / _ru / _de, lemmas, characters."""

from __future__ import annotations

import pandas as pd
import pytest

from feedback_engine.aspects.languages import LanguageAspects
from feedback_engine.aspects.lexicons import load_aspects
from feedback_engine.errors import ConfigError
from feedback_engine.rootcause.rules import RuleClassifier, TaxonomyClassifier
from feedback_engine.rootcause.taxonomy import compile_pattern, load_taxonomy, parse_taxonomy
from feedback_engine.stages.aspects import Aspects
from feedback_engine.stages.rootcause import RootCause


@pytest.fixture(scope="module")
def core():
    return load_taxonomy()


def _cause(taxonomy, text: str, language: str) -> str:
    return RuleClassifier(taxonomy, language=language).classify(text).label


@pytest.mark.parametrize("text", ["送餐太慢", "配送慢", "等了一个小时还没送到", "外卖迟到",
                                  "快递太慢了", "物流慢", "味道不错，就是送餐速度太慢了"])
def test_chinese_delivery_delay_matches_on_characters(core, text):
    assert _cause(core, text, "zh") == "delivery.late"


@pytest.mark.parametrize("text", ["Доставка задержалась", "Курьер опоздал на час",
                                  "Курьеры опять опоздали", "Очень долго везли",
                                  "доставку задержали на два дня"])
def test_russian_delivery_delay_matches_inflected_forms(core, text):
    assert _cause(core, text, "ru") == "delivery.late"


@pytest.mark.parametrize("text", ["Die Lieferung ist verspätet", "Das Paket kam zu spät",
                                  "Schon wieder eine Verspätung", "Die Lieferungen verspäten sich",
                                  "Zugverspätung in Köln"])
def test_german_delivery_delay_matches_lemmas_and_compounds(core, text):
    assert _cause(core, text, "de") == "delivery.late"


@pytest.mark.parametrize(("text", "language", "cause"), [
    ("服务员态度很差", "zh", "agent_behaviour.rude"),
    ("价格又涨了", "zh", "pricing.price_increase"),
    ("Не могу войти в личный кабинет", "ru", "account_access.login_failure"),
    ("Оператор мне нахамил", "ru", "agent_behaviour.rude"),
    ("Ich kann mich nicht einloggen", "de", "account_access.login_failure"),
    ("Mir wurde der Betrag zweimal abgebucht", "de", "billing.double_charge"),
])
def test_core_causes_have_patterns_in_each_language(core, text, language, cause):
    assert _cause(core, text, language) == cause


def test_every_per_language_example_comes_out_as_its_cause():
    for name in (None, "domains/telecom/root_causes.yaml", "domains/banking/root_causes.yaml",
                 "domains/retail/root_causes.yaml"):
        taxonomy = load_taxonomy(name)
        for language in taxonomy.languages:
            rules = RuleClassifier(taxonomy, language=language)
            for cause in taxonomy.causes:
                for example in cause.language_examples.get(language, []):
                    assert rules.classify(example).label == cause.id, (name, example)


def test_packs_add_patterns_in_other_languages():
    telecom = load_taxonomy("domains/telecom/root_causes.yaml")
    banking = load_taxonomy("domains/banking/root_causes.yaml")
    assert _cause(telecom, "家里断网一整天了", "zh") == "technical_fault.outage"
    assert _cause(telecom, "Очень низкая скорость интернета", "ru") == \
        "technical_fault.slow_speed"
    assert _cause(banking, "Meine Karte wurde gesperrt", "de") == "card.declined"


@pytest.mark.parametrize(("text", "cause"), [
    ("I was charged twice this month", "billing.double_charge"),
    ("My order was due on Monday and still hasn't turned up.", "delivery.late"),
    ("I waited on hold for an hour", "wait_time.long_hold"),
    ("Great service, no complaints.", "praise.general"),
])
def test_english_records_classify_as_before(core, text, cause):
    plain = RuleClassifier(core).classify(text)
    assert plain.label == cause
    english = TaxonomyClassifier(core, semantic=False).classify_many([text], [None])[0][0]
    assert (english.label, english.confidence) == (plain.label, plain.confidence)


def test_a_language_without_patterns_keeps_the_plain_ones(core):
    # French has no patterns_fr: its records get the plain patterns, as every record did.
    assert RuleClassifier(core, language="fr").language == "en"


def test_non_english_records_skip_the_semantic_layer(core):
    classifier = TaxonomyClassifier(core, semantic=True, embeddings="tfidf-svd")
    result, method = classifier.classify_many(["这家店的装修风格很特别呀"], ["zh"])[0]
    assert (result.label, method) == ("unknown", "unknown")


def test_the_stage_reads_each_records_language():
    stage = RootCause(semantic=False)
    stage.setup()
    chunk = pd.DataFrame({"record_id": ["1", "2", "3"],
                          "text_redacted": ["送餐太慢", "Курьер опоздал", "I was charged twice"],
                          "language": ["zh", "ru", None]})
    assert stage(chunk)["root_cause"].tolist() == ["delivery.late", "delivery.late",
                                                   "billing.double_charge"]


def test_english_patterns_compile_exactly_as_before():
    source, words, anchors = compile_pattern("charged ~2 twice")
    assert (source, words, anchors) == compile_pattern("charged ~2 twice", "en")


def test_chinese_number_matches_digits_and_numerals():
    source = compile_pattern("等了 # 个 小时", "zh")[0]
    import re

    assert re.search(source, "等了一个小时") and re.search(source, "等了2个小时")


def _taxonomy(**entry):
    return {"causes": [{"id": "delivery.late", "patterns": ["late"], **entry}]}


@pytest.mark.parametrize(("entry", "needle"), [
    ({"patterns_fr": ["en retard"]}, "FE560"),
    ({"patterns_en": ["late"]}, "FE560"),
    ({"patterns_zh": ["慢*"]}, "FE282"),
    ({"patterns_ru": ["(курьер опоздал"]}, "FE282"),
    ({"patterns_de": "verspätet"}, "FE292"),
])
def test_bad_per_language_entries_are_refused_with_the_cause(entry, needle):
    with pytest.raises(ConfigError, match=needle) as caught:
        parse_taxonomy(_taxonomy(**entry), "my.yaml")
    assert "delivery.late" in str(caught.value)


def test_a_cause_may_have_patterns_in_one_language_only():
    taxonomy = parse_taxonomy({"causes": [{"id": "delivery.late",
                                           "patterns_zh": ["送餐 ~2 慢"]}]}, "my.yaml")
    assert taxonomy.languages == ("zh",)
    assert _cause(taxonomy, "送餐太慢", "zh") == "delivery.late"


@pytest.mark.parametrize(("text", "language", "aspect"), [
    ("送餐太慢了", "zh", "delivery"), ("价格有点贵", "zh", "price"),
    ("服务员态度很好", "zh", "agent"),
    ("Официантов не дождешься", "ru", "agent"), ("Цены очень высокие", "ru", "price"),
    ("Die Lieferungen kamen spät", "de", "delivery"), ("Die Ticketpreise sind hoch", "de", "price"),
])
def test_aspects_are_found_in_each_language(text, language, aspect):
    finder = LanguageAspects(load_aspects(), language)
    assert aspect in {m.aspect for m in finder.find(text)}


def test_aspect_terms_in_an_unknown_language_are_refused(tmp_path):
    path = tmp_path / "aspects.yaml"
    path.write_text("aspects:\n  - id: price\n    patterns: [price]\n"
                    "    patterns_fr: [prix]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="FE561"):
        load_aspects(path)


def test_the_aspects_stage_scores_non_english_mentions_by_clause():
    stage = Aspects()
    stage.setup()
    chunk = pd.DataFrame({"record_id": ["1", "2"],
                          "text_redacted": ["菜很好吃，但是送餐太慢了",
                                            "The agent was lovely but the refund never came."],
                          "language": ["zh", "en"]})
    zh, en = stage(chunk)["aspects"].tolist()
    assert {a["aspect"]: a["polarity"] for a in zh}["delivery"] == "negative"
    english = Aspects()
    english.setup()
    alone = english(chunk.drop(columns=["language"]).iloc[[1]].reset_index(drop=True))
    assert en == alone["aspects"].tolist()[0]


def test_a_star_inside_an_aspect_term_is_refused(tmp_path):
    path = tmp_path / "aspects.yaml"
    path.write_text("aspects:\n  - id: price\n    patterns: [price]\n"
                    "    patterns_zh: ['价*格']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="FE562"):
        load_aspects(path)
