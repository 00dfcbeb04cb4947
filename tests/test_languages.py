"""Language identification per record and each language's words (docs/languages.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_engine.config import load_config, pipeline_options
from feedback_engine.embeddings import TfidfSvdBackend, _segmented
from feedback_engine.errors import ConfigError
from feedback_engine.languages import LanguageDetector, normalise_code, record_language
from feedback_engine.languages import text as words
from feedback_engine.stages import build_pipeline
from feedback_engine.topics.keyphrases import extract
from feedback_engine.topics.model import TopicModel, resolve_embeddings

HAN = re.compile(r"^[\u3400-\u9fff]+$")


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(("text", "language"), [
    ("送餐太慢了，等了一个多小时饭都凉了", "zh"),
    ("Оператор не отвечал сорок минут, деньги так и не вернули", "ru"),
    ("Der Zug hatte wieder dreißig Minuten Verspätung und niemand hat uns informiert", "de"),
    ("My card payment was declined twice at checkout", "en"),
])
def test_detector_names_the_language_of_a_plain_sentence(detector: LanguageDetector, text: str,
                                                         language: str) -> None:
    found = detector.detect(text)
    assert (found.language, found.source) == (language, "detected")
    assert found.confidence is not None and found.confidence >= 0.9


def test_a_two_character_chinese_review_is_chinese_however_short(
        detector: LanguageDetector) -> None:
    assert detector.detect("好评").language == "zh"
    assert detector.detect("Ужас").language == "ru"


def test_a_short_latin_text_takes_the_declared_language_then_the_default(
        detector: LanguageDetector) -> None:
    short = detector.detect("ok", declared="de-DE")
    assert (short.language, short.confidence, short.source) == ("de", None, "declared")
    alone = detector.detect("ok")
    assert (alone.language, alone.source) == ("en", "default")


def test_a_confident_detection_wins_over_the_source_declared_language(
        detector: LanguageDetector) -> None:
    found = detector.detect("Die Rechnung wurde doppelt abgebucht, bitte erstatten Sie das",
                            declared="en")
    assert (found.language, found.source) == ("de", "detected")


def test_links_handles_and_placeholders_do_not_decide_the_language(
        detector: LanguageDetector) -> None:
    found = detector.detect("@someone_helpdesk https://t.co/abc [PERSON] МТС")
    assert found.language == "ru"


def test_the_candidate_list_limits_what_can_be_detected() -> None:
    two = LanguageDetector(["en", "de"], "en")
    assert two.detect("送餐太慢了，等了一个多小时").language in ("en", "de")
    only = LanguageDetector(["de"], "de")
    assert only.detect("My card payment was declined twice").language == "de"


def test_unknown_codes_and_a_default_outside_the_list_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"FE600.*klingon"):
        LanguageDetector(["en", "klingon"])
    with pytest.raises(ConfigError, match="FE601"):
        LanguageDetector(["en", "zh"], default="ru")


@pytest.mark.parametrize(("value", "code"), [
    ("zh-CN", "zh"), ("ru_RU", "ru"), ("German", "de"), ("deu", "de"), ("EN", "en"),
    ("", None), (None, None), ("12", None), (float("nan"), None)])
def test_declared_languages_are_read_as_iso_codes(value: object, code: str | None) -> None:
    assert normalise_code(value) == code


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.none(), st.integers(), st.floats()))
def test_reading_any_declared_value_never_fails(value: object) -> None:
    code = normalise_code(value)
    assert code is None or re.fullmatch(r"[a-z]{2,3}", code)
    assert record_language(value) == (code or "en")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_detecting_any_text_gives_a_candidate_language(text: str) -> None:
    found = LanguageDetector().detect(text)
    assert found.language in ("en", "zh", "ru", "de")
    assert found.source in ("detected", "declared", "default")


def test_chinese_is_segmented_into_words_and_stop_words_are_dropped() -> None:
    assert words.tokens("送餐太慢了，饭都凉了", "zh") == [
        "送餐", "太慢", "了", "饭", "都", "凉", "了"]
    content = words.content_words("这个手机屏幕很清晰，电池续航也不错，物流很快", "zh")
    assert {"手机", "屏幕", "电池", "续航", "物流"} <= set(content)
    assert "这个" not in content and all(len(w) >= 2 for w in content)


def test_russian_and_german_words_are_counted_by_their_lemma() -> None:
    assert words.lemma("кредитной", "ru") == words.lemma("кредитная", "ru") == "кредитный"
    assert words.lemma("verspätungen", "de") == "verspätung"
    assert words.content_words("Деньги так и не вернули", "ru") == ["деньга", "вернуть"]


def test_phrases_do_not_cross_punctuation_in_any_script() -> None:
    assert list(words.phrases("配送速度太慢了，客服态度差", "zh")) == [["配送", "速度", "太慢"],
                                                                 ["客服", "态度"]]
    assert list(words.phrases("Zug verspätet. Klimaanlage kaputt", "de")) == [
        ["zug", "verspäten"], ["klimaanlage", "kaputt"]]


def test_keyphrases_of_a_chinese_record_are_chinese_words_not_the_sentence() -> None:
    found = [k["term"]
             for k in extract("外卖送得太慢了，等了一个多小时，饭菜都凉了", language="zh")]
    assert found and all(HAN.match(t) for t in found)
    assert max(len(t) for t in found) <= 8


def test_english_keyphrases_are_the_same_with_or_without_the_language() -> None:
    text = "My eSIM activation failed again, please help! Refunds are late."
    assert extract(text) == extract(text, language="en")


def test_chinese_runs_are_segmented_for_tfidf_and_english_is_left_alone() -> None:
    assert _segmented(["Refund please", None]) == ["Refund please", ""]  # type: ignore[list-item]
    assert _segmented(["手机屏幕很清晰"])[0].split() == ["手机", "屏幕", "清晰"]


def test_mostly_non_english_texts_get_tfidf_topics_by_default() -> None:
    assert resolve_embeddings("auto", ["zh"] * 6 + ["en"] * 4) == "tfidf-svd"
    assert resolve_embeddings("auto", ["en"] * 6 + ["zh"] * 4) == "auto"
    assert resolve_embeddings("minilm", ["zh"] * 10) == "minilm"
    assert resolve_embeddings("auto", None) == "auto"


def _chinese_corpus() -> tuple[list[str], list[str]]:
    themes = {
        "delivery": ["外卖送得太慢了，等了一个小时", "配送太慢，骑手迟到很久",
                     "送餐速度慢，饭菜都凉了", "快递物流太慢，一周才到", "骑手送餐迟到，配送慢"],
        "phone": ["手机屏幕清晰，电池续航不错", "这款手机电池耐用，屏幕很大",
                  "手机屏幕坏了，电池发热", "手机拍照清晰，屏幕显示好", "电池续航差，手机屏幕暗"],
        "hotel": ["酒店房间干净，前台服务热情", "房间很小，酒店隔音差", "酒店早餐丰富，房间舒适",
                  "前台态度差，酒店房间有异味", "酒店位置方便，房间宽敞"],
    }
    texts, gold = [], []
    for repeat in range(8):
        for theme, items in themes.items():
            for i, item in enumerate(items):
                texts.append(f"{item}{'！' * (repeat % 3)}{'真的' if (i + repeat) % 2 else ''}")
                gold.append(theme)
    return texts, gold


def test_chinese_topics_have_labels_made_of_chinese_words() -> None:
    texts, _ = _chinese_corpus()
    model = TopicModel(seed=0, min_topic_size=10).fit(texts, languages=["zh"] * len(texts))
    assert model.manifest_["embeddings"].startswith("tfidf-svd")
    assert model.n_neighbors == round(len(texts) ** 0.5)
    labels = [w for t in model.topics_ for w in t.label.split(" / ")]
    assert labels and all(HAN.match(w) and len(w) <= 8 for w in labels)


def test_tfidf_backend_vocabulary_holds_chinese_words() -> None:
    texts, _ = _chinese_corpus()
    backend = TfidfSvdBackend(dims=8, seed=0).fit(texts)
    assert {"手机", "屏幕", "酒店", "房间"} <= set(backend.vocabulary_ or [])


def _chunk(texts: list[str], declared: list[object] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "text": texts})
    if declared is not None:
        frame["language"] = declared
    return frame


def test_the_language_stage_sets_language_confidence_and_source() -> None:
    pipeline = build_pipeline(["normalize", "language"], {}, ["text", "language"])
    pipeline.setup()
    out = pipeline(_chunk(["送餐太慢了", "ok", "Der Zug war pünktlich und sauber, danke",
                           "thanks"], [None, "ru", "en", None]))
    assert out["language"].tolist() == ["zh", "ru", "de", "en"]
    assert out["language_source"].tolist() == ["detected", "declared", "detected", "default"]
    assert out["language_confidence"].isna().tolist() == [False, True, False, True]


def test_input_languages_in_the_config_reach_the_language_stage(tmp_path: Path) -> None:
    config = tmp_path / "feedback.toml"
    config.write_text('[input]\nlanguages = ["en", "de"]\nlanguage = "de"\n', encoding="utf-8")
    options = pipeline_options(load_config(config))
    assert options["language"]["languages"] == ["en", "de"]
    pipeline = build_pipeline(["normalize", "language"], options, ["text"])
    pipeline.setup()
    assert pipeline(_chunk(["ok"]))["language"].tolist() == ["de"]


def test_a_bad_input_language_fails_when_the_run_is_built(tmp_path: Path) -> None:
    config = tmp_path / "feedback.toml"
    config.write_text('[input]\nlanguages = ["en", "xx-bad"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="FE600"):
        build_pipeline(["normalize", "language"], pipeline_options(load_config(config)),
                       ["text"])


def test_keywords_follow_each_records_language() -> None:
    pipeline = build_pipeline(["normalize", "language", "redact", "keywords"], {},
                              ["text", "language"])
    pipeline.setup()
    out = pipeline(_chunk(["外卖送得太慢了，等了一个多小时，饭菜都凉了",
                           "My eSIM activation failed again"]))
    chinese = [k["term"] for k in out["keywords"].iloc[0]]
    assert chinese and all(HAN.match(t) for t in chinese)
    assert [k["term"] for k in out["keywords"].iloc[1]] == [
        k["term"] for k in extract("My eSIM activation failed again")]
