"""The demo corpus's Chinese, Russian and German slices, and the report's by-language section.

The fast tests build a warehouse straight from the generator's ground truth (each record's
language and planted cause written into the ``language`` and ``root_cause`` columns, the
contract the stages fill), so they test the planting and the report without the NLP stages.
The slow test runs the real pipeline.
"""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from feedback_engine.periods import parse_week
from feedback_engine.reports import build_report, export_tables, render
from feedback_engine.reports.model import ReportSettings
from feedback_engine.sample import _phrases_intl as L
from feedback_engine.sample import generate_corpus
from feedback_engine.sample import languages as LG
from feedback_engine.sample.generator import Rec, plan_corpus
from feedback_engine.sample.texts import row_csat, said
from feedback_engine.warehouse import Warehouse

LAST = "2026-W47"
PLANTED = {"zh": "delivery.late", "ru": "wait_time.long_hold", "de": "billing.double_charge"}
HOSTILE = '<script>alert("x")</script> 快递太慢了，路由器还没送到 & 物流慢'
TEXT_KEY = {"surveys": "verbatim", "reviews": "review_text", "emails": "body"}


@pytest.fixture(scope="module")
def corpus():
    """The demo's own size and seed, planned in memory (no files; about two seconds)."""
    return plan_corpus(20_000, seed=7)


def _every(corpus) -> list[Rec]:
    return [x for recs in corpus.recs.values() for x in recs]


def test_language_slices_have_the_planted_shares_and_sources(corpus) -> None:
    recs = _every(corpus)
    share = {lang: sum(x.lang == lang for x in recs) / len(recs) for lang in ("zh", "ru", "de")}
    assert 0.025 < share["zh"] < 0.035
    assert 0.02 < share["ru"] < 0.03 and 0.02 < share["de"] < 0.03
    for lang in ("zh", "ru", "de"):
        sources = {s for s, rs in corpus.recs.items() for x in rs if x.lang == lang}
        assert sources == {"surveys", "reviews", "emails"}, lang
    # Chats and calls stay English; a foreign row's text is in its own script.
    assert all(x.lang == "en" for s in ("chats", "calls", "call_summaries")
               for x in corpus.recs[s])
    for x in recs:
        if x.lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", said(x, "customer")), x.rid
        elif x.lang == "ru":
            assert re.search(r"[\u0400-\u04ff]", said(x, "customer")), x.rid


def test_language_slices_are_deterministic_and_leave_english_rows_alone(
        corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    again = plan_corpus(20_000, seed=7)
    assert [(x.rid, x.lang, x.row) for x in _every(again)] == \
        [(x.rid, x.lang, x.row) for x in _every(corpus)]
    monkeypatch.setattr(LG, "SHARES", {})  # the same corpus without the slices
    english = {(x.source, x.rid): x.row for x in _every(plan_corpus(20_000, seed=7))}
    kept = [x for x in _every(corpus) if x.lang == "en"]
    assert len(kept) > 0.9 * len(english)
    for x in kept:
        row = dict(x.row)
        row.pop("locale", None)
        base = dict(english[(x.source, x.rid)])
        base.pop("locale", None)
        assert row == base, x.rid


def test_signal_keywords_belong_to_the_planted_cause_only() -> None:
    keywords = {"zh": L.ZH_DELIVERY_KEYWORDS, "ru": L.RU_WAIT_KEYWORDS,
                "de": L.DE_DOUBLE_KEYWORDS}
    for lang, banks in L.BANKS.items():
        for cause, bank in banks.items():
            texts = [t.lower() for key in ("cust", "detail", "title") for t in bank[key]]
            hits = [t for t in texts if any(k.lower() in t for k in keywords[lang])]
            if cause == PLANTED[lang]:
                assert all(any(k.lower() in t.lower() for k in keywords[lang])
                           for t in bank["cust"]), (lang, cause)
            else:
                assert not hits, (lang, cause, hits)
    assert set(L.WEIGHTS) == set(L.BANKS["zh"]) == set(L.BANKS["ru"]) == set(L.BANKS["de"])


def test_foreign_scores_follow_the_text(corpus) -> None:
    """Praise scores high, complaints low, in every language (as in the English slice)."""
    for lang in ("zh", "ru", "de"):
        mine = [x for x in _every(corpus) if x.lang == lang and row_csat(x) is not None]
        pos = [row_csat(x) for x in mine if x.sent == "pos"]
        neg = [row_csat(x) for x in mine if x.sent == "neg" and not x.resolved]
        assert sum(pos) / len(pos) > 4.0 > 2.5 > sum(neg) / len(neg), lang


def test_manifest_records_the_language_signals(tmp_path: Path) -> None:
    manifest = generate_corpus(tmp_path, n_records=20_000, seed=7)
    langs = manifest["languages"]
    assert set(langs) == {"en", "zh", "ru", "de"}
    assert sum(v["records"] for v in langs.values()) == sum(
        n for n in manifest["files"].values()) - manifest["messy"]["duplicate_row"]
    signals = {s["id"]: s for s in manifest["signals"]}
    for sid, lang in (("zh_delivery_delay_spike", "zh"), ("ru_wait_time_rising", "ru"),
                      ("de_double_charge_spike", "de")):
        e = signals[sid]["expected"]
        assert signals[sid]["language"] == lang and signals[sid]["keywords"]
        assert e["cause_count_last_week"] >= 12
        assert e["cause_share_last_week"] > 4 * e["cause_share_before"]
        early = [v for w, v in e["keyword_share_by_week"].items() if w < "2026-W44"]
        assert e["keyword_share_by_week"][LAST] > 3 * sum(early) / len(early)
    shares = signals["ru_wait_time_rising"]["expected"]["cause_share_by_week"]
    assert shares["2026-W47"] > shares["2026-W46"] > shares["2026-W43"]
    # Reviews declare their language, as app-store exports do; the text matches it.
    reviews = pq.read_table(tmp_path / "reviews.parquet").to_pylist()
    locales = {r["locale"] for r in reviews}
    assert locales == {"en-GB", "zh-CN", "ru-RU", "de-DE"}
    zh = [r for r in reviews if r["locale"] == "zh-CN" and r["review_text"]]
    assert all(re.search(r"[\u4e00-\u9fff]", r["review_text"]) for r in zh)
    text = (tmp_path / "surveys.csv").read_text(encoding="utf-8")
    assert "快递太慢" in text or "物流慢" in text


# ---------------------------------------------------------------- report, from ground truth
def _frame(corpus, extra: list[dict] | None = None) -> pd.DataFrame:
    """One warehouse row per valid survey, review and email, with its true cause."""
    rows = []
    for source in ("surveys", "reviews", "emails"):
        for x in corpus.recs[source]:
            if not x.valid:
                continue
            ltr = x.row.get("likelihood_to_recommend")
            csat = row_csat(x) if source != "reviews" else x.row.get("rating")
            ces = x.row.get("ces")
            year, week, _ = x.ts.isocalendar()
            rows.append({
                "record_id": x.rid, "source": source, "row": len(rows) + 1,
                "kind": "review" if source == "reviews" else "survey_answer",
                "channel": x.row.get("channel") or "email", "timestamp": x.ts,
                "week": f"{year}-W{week:02d}",
                "nps": ltr if isinstance(ltr, int) and 0 <= ltr <= 10 else None,
                "csat": csat if isinstance(csat, int) and 1 <= csat <= 5 else None,
                "ces": ces if isinstance(ces, int) and 1 <= ces <= 7 else None,
                "sentiment": round(2 * x.sat - 1, 3), "language": x.lang,
                "root_cause": x.cause, "root_cause_conf": 0.9,
                "text_redacted": str(x.row.get(TEXT_KEY[source]) or "")})
    frame = pd.DataFrame(rows + (extra or []))
    frame["sentiment_label"] = ["negative" if s <= -0.05 else "positive" if s >= 0.05
                                else "neutral" for s in frame["sentiment"]]
    return frame


def _load(path: Path, frame: pd.DataFrame) -> str:
    with Warehouse(path) as w:
        w.ensure_columns({"sentiment": "DOUBLE", "sentiment_label": "VARCHAR",
                          "root_cause": "VARCHAR", "root_cause_conf": "DOUBLE",
                          "text_redacted": "VARCHAR"})
        w.con.register("frame", frame)
        w.con.execute("INSERT INTO records BY NAME SELECT * FROM frame")
    return str(path)


@pytest.fixture(scope="module")
def truth_db(corpus, tmp_path_factory: pytest.TempPathFactory) -> str:
    monday = pd.Timestamp(parse_week(LAST)) + pd.Timedelta(hours=30)
    hostile = {"record_id": "HOSTILE-1", "source": "surveys", "row": 0, "kind": "survey_answer",
               "channel": "email", "timestamp": monday, "week": LAST, "nps": 0, "csat": 1,
               "ces": 7, "sentiment": -0.99, "language": "zh", "root_cause": "delivery.late",
               "root_cause_conf": 0.99, "text_redacted": HOSTILE}
    return _load(tmp_path_factory.mktemp("lang") / "truth.duckdb", _frame(corpus, [hostile]))


def test_report_has_kpis_per_language(truth_db: str, corpus) -> None:
    report = build_report(truth_db, week=LAST)
    by = {x["language"]: x for x in report.languages}
    assert set(by) == {"en", "zh", "ru", "de"}
    assert [x["language"] for x in report.languages][0] == "en"  # most records first
    frame = _frame(corpus)
    week = frame[frame["week"] == LAST]
    for lang, x in by.items():
        mine = week[week["language"] == lang]
        extra = 1 if lang == "zh" else 0  # the hostile record
        assert x["volume"] == len(mine) + extra
        nps = mine["nps"].dropna()
        if lang != "zh":
            expected = 100 * ((nps >= 9).sum() - (nps <= 6).sum()) / len(nps)
            assert x["kpis"]["nps"] == pytest.approx(expected)
            assert x["kpis"]["csat_n"] == mine["csat"].notna().sum()
        assert set(x["changes"]) == {"nps", "csat", "ces", "sentiment"}
    assert sum(x["share"] for x in report.languages) == pytest.approx(1.0)


def test_each_slice_top_emerging_issue_is_its_planted_signal(truth_db: str) -> None:
    report = build_report(truth_db, week=LAST)
    by = {x["language"]: x for x in report.languages}
    for lang, cause in PLANTED.items():
        assert by[lang]["emerging"], lang
        top = by[lang]["emerging"][0]
        assert (top["dimension"], top["value"]) == ("root_cause", cause), lang
        assert top["label"] and top["count"] >= 10
    text = " ".join(report.narrative)
    assert "By language: English" in text
    assert "In Chinese, the top emerging issue was delivery › late" in text
    # A quiet week: no planted language signal emerges.
    quiet = {x["language"]: x for x in build_report(truth_db, week="2026-W40").languages}
    for lang, cause in PLANTED.items():
        assert cause not in {e["value"] for e in quiet[lang]["emerging"]}, lang


def test_language_quotes_are_in_the_original_language_and_escaped(truth_db: str,
                                                                   tmp_path: Path) -> None:
    report = build_report(truth_db, week=LAST)
    zh = next(x for x in report.languages if x["language"] == "zh")
    assert zh["quotes"] and all(re.search(r"[\u4e00-\u9fff]", q["text"]) for q in zh["quotes"])
    ru = next(x for x in report.languages if x["language"] == "ru")
    assert all(re.search(r"[\u0400-\u04ff]", q["text"]) for q in ru["quotes"])
    page = render(report, "html")
    assert '<meta charset="utf-8">' in page and "<h2>By language</h2>" in page
    assert "<script>alert" not in page
    assert html.escape(HOSTILE, quote=False) in page or "&lt;script&gt;alert" in page
    assert '<blockquote lang="zh">' in page and "快递太慢" in page
    md = render(report, "md")
    assert "## By language" in md and "<script>" not in md and "快递太慢" in md
    data = json.loads(render(report, "json"))
    assert any(q["text"] == HOSTILE for x in data["languages"] for q in x["quotes"])
    written = export_tables(report, tmp_path / "tables")
    assert {"languages.csv", "language_emerging.csv"} <= {p.name for p in written}
    assert "快递" in (tmp_path / "tables" / "language_quotes.csv").read_text(encoding="utf-8")


def test_by_language_section_only_when_the_period_has_several(corpus, tmp_path: Path) -> None:
    frame = _frame(corpus)
    db = _load(tmp_path / "en.duckdb", frame[frame["language"] == "en"])
    report = build_report(db, week=LAST)
    assert report.languages == []
    assert "By language" not in render(report, "html") and "By language" not in " ".join(
        report.narrative)
    # The section is the report's own: segments stay as configured.
    assert "language" not in report.segments


# ---------------------------------------------------------------- the real pipeline
@pytest.mark.slow
def test_pipeline_detects_the_slices_and_reports_them(tmp_path: Path) -> None:
    from feedback_engine.api import analyze
    from feedback_engine.config import DEFAULTS, merge_config

    root = tmp_path
    generate_corpus(root / "corpus", n_records=12_000, seed=7)
    truth = {(s, x.rid): x.lang for s, rs in plan_corpus(12_000, seed=7).recs.items()
             for x in rs if s in ("surveys", "reviews", "emails")}
    inputs = sorted(p for p in (root / "corpus").iterdir()
                    if p.suffix in (".csv", ".jsonl", ".parquet") or p.is_dir())
    config = merge_config(copy.deepcopy(DEFAULTS), {"taxonomy": {"domain": "telecom"}})
    analyze(inputs, db=root / "demo.duckdb", config=config, progress=False)
    with Warehouse(root / "demo.duckdb", read_only=True) as w:
        rows = w.con.execute("SELECT source, record_id, language, text_redacted, root_cause "
                             "FROM records").fetchall()
    stem = {"surveys.csv": "surveys", "reviews.parquet": "reviews", "emails.jsonl": "emails"}
    checked = [(truth[(stem[Path(s).name], rid)], lang) for s, rid, lang, text, _ in rows
               if Path(s).name in stem and (stem[Path(s).name], rid) in truth
               and text and len(text.strip()) > 3]
    foreign = [(t, got) for t, got in checked if t != "en"]
    assert len(foreign) > 300
    assert sum(t == got for t, got in foreign) / len(foreign) >= 0.98
    report = build_report(str(root / "demo.duckdb"), week=LAST,
                          settings=ReportSettings(emerging_min_count=5))
    by = {x["language"]: x for x in report.languages}
    assert {"en", "zh", "ru", "de"} <= set(by)
    zh = by["zh"]
    assert zh["quotes"] and all(re.search(r"[\u4e00-\u9fff]", q["text"]) for q in zh["quotes"])
    assert any(lang == "zh" and cause == "delivery.late" for _, _, lang, _, cause in rows)
    assert zh["emerging"] and zh["emerging"][0]["value"] == "delivery.late"
