"""Sentiment in Chinese, Russian and German: zero-shot scorers, the stage, and `adapt`.

Fixtures are written here (no public data set is read).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from feedback_engine.errors import FeedbackEngineError, ModelFileError
from feedback_engine.sentiment import adapt, multilingual
from feedback_engine.sentiment.rules import RuleScorer
from feedback_engine.stages.sentiment import Sentiment

POSITIVE = {"zh": ["送餐很快，味道很好，谢谢！", "东西很好，物流也快，满意"],
            "ru": ["Спасибо, оператор очень вежливый и быстро помог!",
                   "Отличный банк, всё удобно и понятно."],
            "de": ["Der Zug war pünktlich und das Personal sehr freundlich.",
                   "Super Service, vielen Dank für die schnelle Hilfe!"]}
NEGATIVE = {"zh": ["送餐太慢了，饭都凉了，太难吃", "客服态度很差，一直不解决问题"],
            "ru": ["Ужасный сервис, деньги списали и не вернули.",
                   "Оператор хамит, связь постоянно глючит."],
            "de": ["Schon wieder Verspätung, total unzuverlässig!",
                   "Unfreundliches Personal und der Zug ist ausgefallen."]}


@pytest.mark.parametrize("language", ["zh", "ru", "de"])
def test_multilingual_score_signs_clear_sentences(language: str) -> None:
    positive = multilingual.score(POSITIVE[language], language)
    negative = multilingual.score(NEGATIVE[language], language)
    assert all(0 < s <= 1 for s in positive), positive
    assert all(-1 <= s < 0 for s in negative), negative


@pytest.mark.parametrize(("language", "plain", "negated"), [
    ("ru", "Оператор помог, всё хорошо.", "Оператор не помог, всё не хорошо."),
    ("ru", "Были проблемы.", "Без проблем."),
    ("de", "Das Personal war freundlich.", "Das Personal war nicht freundlich."),
    ("de", "Es gab Probleme.", "Es gab keine Probleme."),
    ("de", "Die App funktioniert.", "Die App funktioniert nicht."),
])
def test_multilingual_negation_flips_the_sign(language: str, plain: str, negated: str) -> None:
    before, after = multilingual.score([plain, negated], language)
    assert before * after < 0, (before, after)


def test_multilingual_intensifier_strengthens() -> None:
    plain, strong = multilingual.score(["Оператор вежливый.", "Оператор очень вежливый."], "ru")
    assert strong > plain > 0


def test_multilingual_score_refuses_other_languages() -> None:
    with pytest.raises(ValueError, match="fr"):
        multilingual.score(["Très bien"], "fr")
    assert set(multilingual.METHODS) == {"zh", "ru", "de"}


def test_multilingual_sentences_split_per_language() -> None:
    zh = multilingual.scorer("zh").sentences("送餐很快。饭凉了！")
    assert [(s.start, s.end) for s in zh] == [(0, 5), (5, 9)]
    de = multilingual.split_sentences("Am 3. Juli kam er. Gut!", "de")
    assert len(de) == 2


def _chunk(rows: list[tuple[str, str | None]], turns: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame({"record_id": [str(i) for i in range(len(rows))],
                          "text_redacted": [t for t, _ in rows],
                          "language": [lang for _, lang in rows],
                          "kind": ["survey_answer"] * len(rows),
                          "channel": ["web"] * len(rows)})
    if turns:
        frame["turns"] = [[{"speaker": "customer", "text": t, "start_s": 0.0, "end_s": 1.0},
                           {"speaker": "agent", "text": t, "start_s": 1.0, "end_s": 2.0}]
                          for t, _ in rows]
    return frame


def test_sentiment_stage_gives_each_language_its_method() -> None:
    stage = Sentiment(method="rules")
    stage.setup()
    out = stage(_chunk([("Great service, thanks!", "en"), (POSITIVE["zh"][0], "zh"),
                        (NEGATIVE["ru"][0], "ru"), (NEGATIVE["de"][0], "de"),
                        ("Très bon service", "fr"), ("", "ru")]))
    assert out["sentiment_method"].tolist() == ["rules", "snownlp", "lexicon-ru", "lexicon-de",
                                                "rules-en", None]
    assert out["sentiment_label"].tolist()[:4] == ["positive", "positive", "negative",
                                                   "negative"]
    assert out["sentences"].iloc[2][0]["score"] < 0


def test_sentiment_stage_leaves_english_unchanged_with_or_without_language() -> None:
    texts = ["Great service, thanks!", "The agent was rude and I waited an hour.",
             "It's fine I guess"]
    stage = Sentiment(method="rules")
    stage.setup()
    with_language = stage(_chunk([(t, lang) for t, lang in zip(
        texts, ["en", None, "EN-gb"], strict=True)], turns=True))
    without = stage(_chunk([(t, None) for t in texts], turns=True).drop(columns=["language"]))
    rules = RuleScorer()
    assert with_language["sentiment"].tolist() == [rules.document(t)[0] for t in texts]
    for name in ("sentiment", "sentiment_label", "sentences", "sentiment_customer",
                 "sentiment_method", "turns"):
        assert with_language[name].tolist() == without[name].tolist(), name


def test_sentiment_stage_scores_non_english_turns_with_the_language_scorer() -> None:
    stage = Sentiment(method="rules")
    stage.setup()
    out = stage(_chunk([(NEGATIVE["ru"][1], "ru")], turns=True))
    assert out["sentiment_customer"].iloc[0] < 0
    assert out["turns"].iloc[0][0]["sentiment"] == pytest.approx(
        multilingual.score([NEGATIVE["ru"][1]], "ru")[0])


# A small synthetic Russian warehouse: customer-service sentences with scores.
_GOOD = ["спасибо за быструю помощь", "оператор вежливый", "всё отлично работает",
         "деньги вернули быстро", "очень удобное приложение", "прекрасная поддержка"]
_BAD = ["ужасная связь", "деньги списали дважды", "оператор хамит", "приложение глючит",
        "ждал ответа неделю", "карту заблокировали без причины"]
_NEUTRAL = ["звонил сегодня", "по поводу тарифа", "в отделении", "вчера вечером"]


def _warehouse(path: Path, per_class: int, language: str = "ru") -> Path:
    from feedback_engine.warehouse import Warehouse

    rng = random.Random(7)
    rows = []
    for i in range(per_class * 2):
        good = i % 2 == 0
        words = rng.sample(_GOOD if good else _BAD, 2) + rng.sample(_NEUTRAL, 1)
        rng.shuffle(words)
        nps, csat = (rng.choice([9, 10]), None) if i % 4 < 2 else (None, 5 if good else 1)
        if not good and nps is not None:
            nps = rng.choice([0, 3, 6])
        rows.append((f"r{i}", "synthetic", language, nps, csat, ", ".join(words).capitalize()))
    rows.append(("middle", "synthetic", language, 8, None, "нормально"))
    rows.append(("english", "synthetic", "en", 10, None, "Great, thanks"))
    with Warehouse(path) as wh:
        wh.ensure_columns({"text_redacted": "VARCHAR"})
        wh.con.executemany("INSERT INTO records (record_id, source, language, nps, csat, "
                           "text_redacted) VALUES (?, ?, ?, ?, ?, ?)", rows)
    return path


def test_adapt_fits_saves_and_reloads_a_language_model(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "w.duckdb", per_class=60)
    lines: list[str] = []
    result = adapt.adapt(db, tmp_path / "adapted", progress=lines.append)
    ru = result["languages"]["ru"]
    assert ru["n"] == 120 and ru["zero_shot_method"] == "lexicon-ru"
    assert any("fold 5/5" in line for line in lines)
    manifest = json.loads((tmp_path / "adapted" / "ru" / "manifest.json").read_text())
    assert manifest["default"] == ru["default"]
    assert set(manifest["cv"]) >= {"adapted", "zero_shot", "folds"}
    assert "5-fold CV" in manifest["decision"]
    model = adapt.AdaptedSentiment.load(tmp_path / "adapted" / "ru")
    good, bad = model.predict(["оператор вежливый, спасибо", "связь ужасная, хамят"])
    assert good > 0 > bad


def test_adapt_refuses_too_few_labels_and_missing_language(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "w.duckdb", per_class=20)
    with pytest.raises(FeedbackEngineError, match=r"FE470.*at least 50"):
        adapt.adapt(db, tmp_path / "out", language="ru")
    with pytest.raises(FeedbackEngineError, match=r"FE471.*languages present: en, ru"):
        adapt.adapt(db, tmp_path / "out", language="zh")
    with pytest.raises(FeedbackEngineError, match="FE473"):
        adapt.adapt(db, tmp_path / "out", language="en")
    with pytest.raises(FeedbackEngineError, match="FE472"):
        adapt.adapt(db, tmp_path / "out")


def test_adapt_cli_reports_cv_and_refusals(tmp_path: Path) -> None:
    from feedback_engine.cli.main import main

    db = _warehouse(tmp_path / "w.duckdb", per_class=20)
    result = CliRunner().invoke(main, ["sentiment", "adapt", "--db", str(db), "--language",
                                       "ru", "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and "FE470" in result.output
    result = CliRunner().invoke(main, ["sentiment", "adapt", "--db", str(db), "--language",
                                       "ru", "--min-per-class", "10", "-o",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "ru: 40 labelled; 5-fold CV macro-F1 adapted" in result.output


def _fitted(folder: Path, default: bool) -> Path:
    texts = [f"{w}, {n}" for w in _GOOD + _BAD for n in _NEUTRAL] * 3
    labels = ["positive" if t.split(",")[0] in _GOOD else "negative" for t in texts]
    adapt.fit_texts(texts, labels, "ru").save(folder / "ru", {"default": default})
    return folder


def test_sentiment_stage_uses_an_adapted_model_only_when_it_won(tmp_path: Path) -> None:
    won = _fitted(tmp_path / "won", default=True)
    stage = Sentiment(method="rules", adapted=str(won))
    assert stage.variant == "rules+adapted-ru"
    stage.setup()
    out = stage(_chunk([("Оператор хамит.", "ru"), ("Terrible.", "en"),
                        (NEGATIVE["de"][0], "de")]))
    assert out["sentiment_method"].tolist() == ["adapted", "rules", "lexicon-de"]
    assert out["sentiment"].iloc[0] < 0
    lost = _fitted(tmp_path / "lost", default=False)
    stage = Sentiment(method="rules", adapted=str(lost))
    stage.setup()
    assert stage.variant == "rules"
    assert stage(_chunk([("Оператор хамит.", "ru")]))["sentiment_method"].tolist() == [
        "lexicon-ru"]


def test_sentiment_stage_refuses_a_folder_without_adapted_models(tmp_path: Path) -> None:
    with pytest.raises(FeedbackEngineError, match="FE474"):
        Sentiment(adapted=str(tmp_path))


def test_adapted_model_refuses_a_tampered_file(tmp_path: Path) -> None:
    folder = _fitted(tmp_path / "m", default=True) / "ru"
    weights = folder / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(ModelFileError):
        adapt.AdaptedSentiment.load(folder)


def test_adapt_fitting_is_deterministic(tmp_path: Path) -> None:
    a = _fitted(tmp_path / "a", default=True) / "ru"
    b = _fitted(tmp_path / "b", default=True) / "ru"
    assert (a / "weights.npz").read_bytes() == (b / "weights.npz").read_bytes()
    assert (a / "manifest.json").read_text() == (b / "manifest.json").read_text()
    texts = NEGATIVE["ru"] + POSITIVE["ru"]
    assert multilingual.score(texts, "ru") == multilingual.score(texts, "ru")


def test_label_from_scores_drops_the_middle_and_conflicts() -> None:
    assert adapt.label_from_scores(10, None) == "positive"
    assert adapt.label_from_scores(None, 2) == "negative"
    assert adapt.label_from_scores(8, None) is None
    assert adapt.label_from_scores(10, 1) is None
    assert adapt.label_from_scores(None, 3) is None
