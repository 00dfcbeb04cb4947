"""Tests for the sample corpus generator (feedback_engine.sample).

They read the files back the way an outside consumer would (csv, json, pyarrow, regexes) and
check the formats, the messy rows and the planted signals, plus that manifest.json reports
what the files actually contain.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from feedback_engine.sample import _phrases as P
from feedback_engine.sample import generate_corpus
from feedback_engine.sample.generator import Calendar, plan_records
from feedback_engine.sample.texts import Renderer

SURVEY_COLS = ["response_id", "submitted_at", "channel", "likelihood_to_recommend", "csat",
               "ces", "verbatim", "agent", "team", "queue", "product", "customer_id"]
SUMMARY_COLS = ["ticket_id", "created_at", "agent", "team", "queue", "product", "summary", "csat"]
EMAIL_KEYS = ["id", "received_at", "subject", "body", "customer_id", "queue", "product", "team",
              "agent"]
CHAT_KEYS = ["chat_id", "started_at", "agent", "team", "queue", "product", "customer_id", "csat",
             "turns"]
HEADER_RE = re.compile(
    r"^# (call_id|timestamp|agent|team|queue|product|customer_id|csat):(?: (.+))?$")
TURN_RE = re.compile(r"^\[(\d{2}):(\d{2}):(\d{2})\] (Agent|Customer|IVR): (\S.*)$")
TS_FORMATS = {"surveys": "%Y-%m-%dT%H:%M:%SZ", "summaries": "%Y-%m-%d %H:%M:%S",
              "emails": "%Y-%m-%dT%H:%M:%S+00:00", "reviews": "%Y-%m-%dT%H:%M:%SZ"}


def _iso_week(stamp: str, fmt: str) -> str | None:
    try:
        year, week, _ = datetime.strptime(stamp, fmt).isocalendar()
    except (TypeError, ValueError):
        return None
    return f"{year}-W{week:02d}"


def _surveys(corpus: Path) -> list[dict]:
    with open(corpus / "surveys.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _json_lines(path: Path) -> tuple[list[dict], int]:
    """Parsed objects and the number of lines that are not valid JSON."""
    good, bad = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            good.append(json.loads(line))
        except json.JSONDecodeError:
            bad += 1
    return good, bad


def _nps(scores: list[int]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def _has(text: str, phrases) -> bool:
    return any(p.lower() in text.lower() for p in phrases)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One 4,000-record, 12-week corpus shared by the read-only tests of this module."""
    out = tmp_path_factory.mktemp("corpus")
    return out, generate_corpus(out, n_records=4000, weeks=12)


def test_generate_corpus_is_byte_identical_for_same_seed(tmp_path: Path) -> None:
    def snapshot(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file()}

    generate_corpus(tmp_path / "a", n_records=600, weeks=4, seed=11)
    generate_corpus(tmp_path / "b", n_records=600, weeks=4, seed=11)
    generate_corpus(tmp_path / "c", n_records=600, weeks=4, seed=12)
    a, b, c = snapshot(tmp_path / "a"), snapshot(tmp_path / "b"), snapshot(tmp_path / "c")
    assert len(a) > 40 and a == b
    assert a["surveys.csv"] != c["surveys.csv"]


def test_generate_corpus_respects_record_count(tmp_path: Path) -> None:
    manifest = generate_corpus(tmp_path, n_records=1500, weeks=12)
    with open(tmp_path / "surveys.csv", encoding="utf-8", newline="") as f:
        surveys = sum(1 for _ in csv.reader(f)) - 1
    with open(tmp_path / "call_summaries.csv", encoding="utf-8-sig", newline="") as f:
        summaries = sum(1 for _ in csv.reader(f, delimiter=";")) - 1
    actual = {"surveys.csv": surveys, "call_summaries.csv": summaries,
              "emails.jsonl": len((tmp_path / "emails.jsonl").read_text("utf-8").splitlines()),
              "reviews.parquet": pq.read_metadata(tmp_path / "reviews.parquet").num_rows,
              "chats.jsonl": len((tmp_path / "chats.jsonl").read_text("utf-8").splitlines()),
              "calls/": len(list((tmp_path / "calls").glob("CALL-*.txt")))}
    assert actual == manifest["files"]
    assert abs(sum(actual.values()) - 1500) <= 30
    assert 0.33 < surveys / 1500 < 0.37 and 0.07 < actual["calls/"] / 1500 < 0.09


def test_generate_corpus_covers_the_iso_weeks_before_end_week(corpus) -> None:
    path, manifest = corpus
    weeks = [f"2026-W{w}" for w in range(36, 48)]
    assert manifest["weeks"] == weeks
    seen = {_iso_week(r["submitted_at"], TS_FORMATS["surveys"]) for r in _surveys(path)}
    assert seen - {None} == set(weeks)
    stamps = [datetime.strptime(r["submitted_at"], TS_FORMATS["surveys"]) for r in _surveys(path)
              if _iso_week(r["submitted_at"], TS_FORMATS["surveys"])]
    assert min(stamps).date() >= date(2026, 8, 31) and max(stamps).date() <= date(2026, 11, 22)


def test_generate_corpus_writes_documented_columns(corpus) -> None:
    path, manifest = corpus
    with open(path / "surveys.csv", encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == SURVEY_COLS
    raw = (path / "call_summaries.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig
    with open(path / "call_summaries.csv", encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f, delimiter=";")) == SUMMARY_COLS
    emails, _ = _json_lines(path / "emails.jsonl")
    chats, bad_chats = _json_lines(path / "chats.jsonl")
    assert bad_chats == 0 and all(list(e) == EMAIL_KEYS for e in emails)
    assert all(list(c) == CHAT_KEYS for c in chats)
    reviews = pq.read_table(path / "reviews.parquet")
    assert reviews.column_names == ["review_id", "posted_at", "rating", "title", "review_text",
                                    "product", "channel", "locale"]
    assert {str(t) for n, t in zip(reviews.column_names, reviews.schema.types, strict=True)
            if n != "rating"} == {"string"}
    assert set(reviews.column("channel").to_pylist()) == {"review"}
    assert {r for r in reviews.column("rating").to_pylist() if r is not None} <= set(range(1, 6))
    assert set(manifest) >= {"generator", "seed", "n_records", "weeks", "files", "messy", "signals"}
    rows = _surveys(path)
    assert {r["channel"] for r in rows} == {"call", "chat", "email"}
    assert {r["team"] for r in rows} == set(P.TEAMS)
    assert {r["product"] for r in rows} <= set(P.PRODUCTS)
    assert {r["queue"] for r in rows} <= set(P.QUEUES)
    # Every agent belongs to exactly one team.
    teams = defaultdict(set)
    for r in rows:
        teams[r["agent"]].add(r["team"])
    assert all(len(t) == 1 for t in teams.values())


def test_generate_corpus_text_varies_in_length_and_wording(corpus) -> None:
    path, _ = corpus
    texts = [r["verbatim"] for r in _surveys(path) if r["verbatim"].strip()]
    # Chinese is written without spaces: word counts are for the space-separated languages.
    words = [len(t.split()) for t in texts if not re.search(r"[\u4e00-\u9fff]", t)]
    assert min(words) >= 2 and max(words) <= 120 and max(words) >= 60
    assert len(set(texts)) > 0.6 * len(texts)  # not one template per class
    assert any("," in t for t in texts) and any("\n" in t for t in texts)


def test_generate_corpus_includes_messy_rows(corpus) -> None:
    path, manifest = corpus
    messy = manifest["messy"]
    expected_kinds = {"blank_text", "bad_date", "missing_timestamp", "out_of_range_score",
                      "duplicate_row", "html", "emoji", "non_english", "oversize_text",
                      "malformed_json"}
    assert set(messy) == expected_kinds and all(v >= 1 for v in messy.values())
    rows = _surveys(path)
    assert any(not r["verbatim"].strip() for r in rows)
    assert any(r["submitted_at"] in ("31/02/2026", "yesterday", "N/A") or not r["submitted_at"]
               for r in rows)
    scores = [(r["likelihood_to_recommend"], r["csat"], r["ces"]) for r in rows]
    assert any(s[0] in ("11", "-1") or s[1] in ("0", "6") or s[2] == "9" for s in scores)
    by_id = defaultdict(list)
    for r in rows:
        by_id[r["response_id"]].append(r)
    dups = [v for v in by_id.values() if len(v) > 1]
    assert dups and all(v[0] == v[1] for v in dups)
    emails, malformed = _json_lines(path / "emails.jsonl")
    assert malformed == messy["malformed_json"] and 2 <= malformed <= 3
    assert 2 <= sum(len(e["body"]) > 25_000 for e in emails) <= 3
    assert any("<p>" in e["body"] and "&#39;" in e["body"] for e in emails)
    assert len({e["id"] for e in emails}) < len(emails)  # duplicated email lines
    non_english = set(P.NON_ENGLISH)
    assert any(r["verbatim"] in non_english for r in rows)
    chats, _ = _json_lines(path / "chats.jsonl")
    emoji = {e for bank in P.EMOJI.values() for e in bank}
    assert any(_has(t["text"], emoji) for c in chats for t in c["turns"])
    reviews = pq.read_table(path / "reviews.parquet").to_pylist()
    assert any(_has(r["review_text"], emoji) for r in reviews)
    # Messy rows stay rare: well under 5% of the surveys.
    assert messy["blank_text"] + messy["out_of_range_score"] < 0.05 * len(rows)


def test_call_transcripts_parse_in_documented_format(corpus) -> None:
    path, _ = corpus
    files = sorted((path / "calls").glob("CALL-*.txt"))
    assert files
    holds = 0
    for file in files:
        lines = file.read_text(encoding="utf-8").splitlines()
        header = [HEADER_RE.match(line) for line in lines[:8]]
        assert all(header), file.name
        assert [m.group(1) for m in header] == ["call_id", "timestamp", "agent", "team", "queue",
                                                "product", "customer_id", "csat"]
        assert header[0].group(2) == file.stem
        turns = [TURN_RE.match(line) for line in lines[8:]]
        assert all(turns) and 10 <= len(turns) <= 40, file.name
        seconds = [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s, _, _ in
                   (t.groups() for t in turns)]
        assert seconds == sorted(seconds)
        speakers = [t.group(4) for t in turns]
        ivr = [i for i, s in enumerate(speakers) if s == "IVR"]
        assert ivr == list(range(len(ivr)))  # IVR only at the very start
        for i, t in enumerate(turns[:-1]):
            if _has(t.group(5), ("brief hold", "on hold for a moment", "put you on hold")):
                holds += 1
                assert 30 <= seconds[i + 1] - seconds[i] <= 310
    assert holds > len(files) // 4


def test_chat_transcripts_have_ordered_turns(corpus) -> None:
    path, _ = corpus
    chats, _ = _json_lines(path / "chats.jsonl")
    for chat in chats:
        turns = chat["turns"]
        assert 6 <= len(turns) <= 20
        assert {t["speaker"] for t in turns} <= {"agent", "customer", "bot"}
        starts = [t["start_s"] for t in turns]
        assert starts == sorted(starts) and all(t["end_s"] >= t["start_s"] for t in turns)
    gaps = [b["start_s"] - a["end_s"] for c in chats
            for a, b in zip(c["turns"], c["turns"][1:], strict=False)]
    assert max(gaps) > 120  # customers wait in the queue or for the agent to investigate


def test_phrase_banks_keep_signal_keywords_exclusive() -> None:
    for cause, bank in P.BANKS.items():
        texts = [t for key in ("cust", "detail", "subject", "title") for t in bank.get(key, [])]
        if cause == "billing.double_charge":
            assert all(_has(t, P.DOUBLE_CHARGE_KEYWORDS) for t in bank["cust"])
        else:
            assert not any(_has(t, P.DOUBLE_CHARGE_KEYWORDS) for t in texts), cause
        if cause != "technical_fault.esim_activation":
            assert not any(re.search(r"\besim\b|qr code", t, re.I) for t in texts), cause
        assert not any(_has(t, P.APP_UPDATE_MARKERS + P.EMPATHY_PHRASES) for t in texts), cause
    agent_lines = P.NEUTRAL_ACK + P.CHECKING + P.HOLD + P.HOLD_BACK + P.AGENT_CLOSE
    assert not any(_has(t, P.EMPATHY_PHRASES) for t in agent_lines)
    assert all(_has(t, P.EMPATHY_PHRASES) for t in P.EMPATHY_LINES)


def test_generate_corpus_plants_billing_incident_week(corpus) -> None:
    path, manifest = corpus
    signal = next(s for s in manifest["signals"] if s["id"] == "billing_incident")
    assert signal["week"] == "2026-W44"
    unique = {r["response_id"]: r for r in _surveys(path)}.values()
    hits, total, scores = defaultdict(int), defaultdict(int), defaultdict(list)
    for row in unique:
        week = _iso_week(row["submitted_at"], TS_FORMATS["surveys"])
        if week is None:
            continue
        total[week] += 1
        hits[week] += _has(row["verbatim"], P.DOUBLE_CHARGE_KEYWORDS)
        if row["likelihood_to_recommend"] not in ("", "11", "-1"):
            scores[week].append(int(row["likelihood_to_recommend"]))
    others = [w for w in total if w != "2026-W44"]
    share_week = hits["2026-W44"] / total["2026-W44"]
    share_other = sum(hits[w] for w in others) / sum(total[w] for w in others)
    nps_other = sum(_nps(scores[w]) for w in others) / len(others)
    assert share_week >= 2.5 * share_other
    assert nps_other - _nps(scores["2026-W44"]) >= 8
    # The manifest reports exactly what the file shows.
    expected = signal["expected"]
    assert expected["survey_keyword_share_week"] == pytest.approx(share_week, abs=1e-4)
    assert expected["survey_keyword_share_other_weeks"] == pytest.approx(share_other, abs=1e-4)
    assert expected["survey_nps_week"] == pytest.approx(_nps(scores["2026-W44"]), abs=0.05)
    assert expected["double_charge_share_week"] > 2.2 * expected["double_charge_share_other_weeks"]


def test_generate_corpus_plants_empathy_gap_for_team_orion(corpus) -> None:
    path, manifest = corpus
    rate: dict[bool, list[bool]] = defaultdict(list)
    chats, _ = _json_lines(path / "chats.jsonl")
    for chat in chats:
        agent_text = " ".join(t["text"] for t in chat["turns"] if t["speaker"] == "agent")
        rate[chat["team"] == "Orion"].append(_has(agent_text, P.EMPATHY_PHRASES))
    for file in (path / "calls").glob("*.txt"):
        text = file.read_text(encoding="utf-8")
        agent_text = " ".join(re.findall(r"\] Agent: (.*)", text))
        rate["# team: Orion" in text].append(_has(agent_text, P.EMPATHY_PHRASES))
    orion, others = (sum(rate[k]) / len(rate[k]) for k in (True, False))
    assert orion < others / 3
    expected = next(s for s in manifest["signals"] if s["id"] == "empathy_gap")["expected"]
    assert expected["empathy_rate_orion"] < 0.2 < 0.55 < expected["empathy_rate_other_teams"]
    assert expected["csat_orion"] < expected["csat_other_teams"]


def test_generate_corpus_plants_app_release_and_emerging_esim(corpus) -> None:
    path, manifest = corpus
    release, last_two = "2026-W42", {"2026-W46", "2026-W47"}
    cited, esim = defaultdict(int), defaultdict(int)
    counts = defaultdict(int)
    for row in _surveys(path):
        week = _iso_week(row["submitted_at"], TS_FORMATS["surveys"])
        if week:
            counts[week] += 1
            cited[week >= release] += _has(row["verbatim"], P.APP_UPDATE_MARKERS)
            esim[week in last_two] += bool(re.search(r"\besim\b", row["verbatim"], re.I))
    assert cited[False] == 0 and cited[True] >= 10
    assert esim[False] == 0 and esim[True] >= 0.015 * sum(counts[w] for w in last_two)
    signals = {s["id"]: s for s in manifest["signals"]}
    app = signals["app_release_v5_2"]["expected"]
    assert app["app_issue_share_after"] > 1.7 * app["app_issue_share_before"]
    assert signals["emerging_esim"]["weeks"] == sorted(last_two)
    assert signals["emerging_esim"]["expected"]["esim_share_before"] == 0
    assert 0.025 < signals["emerging_esim"]["expected"]["esim_share_last_two_weeks"] < 0.06


def test_generate_corpus_lengthens_tech_support_holds_in_last_weeks(corpus) -> None:
    path, manifest = corpus
    gaps: dict[bool, list[int]] = defaultdict(list)
    for file in (path / "calls").glob("*.txt"):
        text = file.read_text(encoding="utf-8")
        if "# queue: tech_support" not in text:
            continue
        stamp = re.search(r"# timestamp: (\S+)", text)[1]
        late = _iso_week(stamp, "%Y-%m-%dT%H:%M:%SZ") >= "2026-W44"
        clock = [(int(h) * 3600 + int(m) * 60 + int(s), line) for h, m, s, line in
                 re.findall(r"^\[(\d\d):(\d\d):(\d\d)\] Agent: (.*)$", text, re.M)]
        for (t0, line), (t1, _) in zip(clock, clock[1:], strict=False):
            if _has(line, ("brief hold", "on hold for a moment", "put you on hold")):
                gaps[late].append(t1 - t0)
    assert sum(gaps[True]) / len(gaps[True]) > 1.4 * sum(gaps[False]) / len(gaps[False])
    shares = next(s for s in manifest["signals"]
                  if s["id"] == "tech_support_wait_rising")["expected"]["long_hold_share_by_week"]
    early = [v for w, v in shares.items() if w < "2026-W44"]
    assert shares["2026-W47"] > shares["2026-W44"]
    assert min(shares["2026-W46"], shares["2026-W47"]) > max(early)


def test_plan_records_gives_a042_about_three_times_the_escalations() -> None:
    cal = Calendar("2026-W47", 12)
    recs = plan_records(cal, "chats", 30_000, random.Random("esc"), 5000)
    rate = {}
    for mine in (True, False):
        group = [r for r in recs if (r.agent == "A042") == mine]
        rate[mine] = (sum(r.escalated for r in group) / len(group),
                      sum(r.transferred for r in group) / len(group))
    assert 2.3 < rate[True][0] / rate[False][0] < 4.5
    assert 2.3 < rate[True][1] / rate[False][1] < 4.5


def test_transcripts_show_escalations_and_transfers_only_when_planted() -> None:
    cal = Calendar("2026-W47", 12)
    renderer = Renderer(random.Random("render"))
    for source in ("chats", "calls"):
        for rec in plan_records(cal, source, 400, random.Random(source), 300):
            rec.row = getattr(renderer, source)(rec)
            text = " ".join(t["text"] for t in rec.row["turns"]) if source == "chats" else \
                " ".join(line[2] for line in rec.row["lines"])
            assert _has(text, P.ESCALATION_PHRASES) == rec.escalated
            assert _has(text, P.TRANSFER_PHRASES) == rec.transferred
            assert _has(text, P.EMPATHY_PHRASES) == rec.empathy


def test_generate_corpus_moves_signals_with_end_week_and_weeks(tmp_path: Path) -> None:
    manifest = generate_corpus(tmp_path, n_records=600, weeks=4, end_week="2027-W02", seed=3)
    assert manifest["weeks"] == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]  # 2026 has W53
    signals = {s["id"]: s for s in manifest["signals"]}
    assert signals["billing_incident"]["week"] == "2026-W52"
    assert signals["emerging_esim"]["weeks"] == ["2027-W01", "2027-W02"]
    assert abs(sum(manifest["files"].values()) - 600) <= 12


def test_generate_corpus_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_corpus(tmp_path, n_records=50)
    with pytest.raises(ValueError):
        generate_corpus(tmp_path, end_week="week 47")
