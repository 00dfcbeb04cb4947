"""`feedback taxonomy draft`, `feedback topics promote` and the `rootcause suggest` alias.

Fast tests use the topics tests' hand-written corpus (four themes) in a small warehouse and
a tfidf-svd topic model; the demo-corpus tests (slow) build a warehouse from the sample
generator with a taxonomy that has no eSIM cause, written from the bundled one in the test,
so they hold however the bundled taxonomy changes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from test_topics import corpus

from feedback_engine.cli import main
from feedback_engine.rootcause.draft import append_cause
from feedback_engine.rootcause.entries import (
    TextIndex,
    build_entry,
    choose_patterns,
    group_polarity,
)
from feedback_engine.rootcause.taxonomy import load_taxonomy, parse_taxonomy
from feedback_engine.topics.text import STOP_WORDS
from feedback_engine.warehouse import Warehouse

FIXTURE_TAXONOMY = """\
# My causes: a comment that promote must keep.
version: 1
causes:
  # billing
  - id: billing.refund_missing
    label: Billing › refund missing
    description: A refund that never came.
    patterns:
      - refund ~3 (not arrived|missing|never came|late)
"""


def _warehouse(path: Path, unknown_theme: str = "password") -> list[str]:
    """The topics corpus as analyzed records: every text of ``unknown_theme`` (and nothing
    else) is ``unknown``; two weeks, so a period picks half."""
    texts, gold = corpus(repeat=2)
    with Warehouse(path) as wh:
        wh.ensure_columns({"text_redacted": "VARCHAR", "root_cause": "VARCHAR"})
        rows = [(f"r{i}", dt.datetime(2026, 11, 9 + 7 * (i % 2), 10), text,
                 "unknown" if theme == unknown_theme else f"known.{theme}")
                for i, (text, theme) in enumerate(zip(texts, gold, strict=True))]
        wh.con.executemany("INSERT INTO records (record_id, source, timestamp, text_redacted, "
                           "root_cause) VALUES (?, 's', ?, ?, ?)", rows)
    return texts


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("draft")
    db, model, taxonomy = root / "w.duckdb", root / "topics", root / "causes.yaml"
    _warehouse(db)
    taxonomy.write_text(FIXTURE_TAXONOMY, encoding="utf-8")
    (root / "feedback.toml").write_text(
        f'[stages.rootcause]\ntaxonomy = "{taxonomy.as_posix()}"\n', encoding="utf-8")
    fit = CliRunner().invoke(main, ["topics", "fit", "--db", str(db), "-o", str(model),
                                    "--embeddings", "tfidf-svd", "--min-topic-size", "5",
                                    "--no-guided"])
    assert fit.exit_code == 0, fit.output
    return {"root": root, "db": db, "model": model, "taxonomy": taxonomy,
            "config": root / "feedback.toml"}


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- the entry builder ----------------------------------------------------------------------
def _index(n_rest: int = 400) -> tuple[TextIndex, np.ndarray]:
    rng = random.Random(0)
    focus = [f"my esim {rng.choice(['qr code', 'activation'])} is "
             f"{rng.choice(['rejected', 'stuck', 'broken'])}" for _ in range(40)]
    others = ["the discount code was rejected at checkout", "my broadband is broken again",
              "the refund is stuck", "router activation was slow", "the promo code is broken",
              "my parcel is late", "bill is wrong this month", "card was declined"]
    rest = [f"{rng.choice(others)} {i}" for i in range(n_rest)]
    index = TextIndex(focus + rest)
    return index, np.arange(len(index)) < len(focus)


def test_draft_patterns_are_phrases_that_set_the_group_apart() -> None:
    index, focus = _index()
    entry = build_entry(index, focus, ~focus, "new.esim", "New › eSIM", "{size} texts{about}")
    assert entry.size == 40 and entry.patterns
    assert all(len(p.pattern.split()) >= 2 for p in entry.patterns)  # phrases cover it all
    assert all(p.precision >= 0.8 for p in entry.patterns)
    assert entry.coverage == 1.0 and entry.rest_share <= 0.02


def test_a_single_word_must_be_rare_outside_the_group_and_discriminating() -> None:
    index, focus = _index()
    chosen = choose_patterns(index, focus, ~focus, ["esim", "code", "rejected", "broken"], 2)
    assert [p.pattern for p in chosen] == ["esim"]  # the others are common in the rest
    assert chosen[0].precision == 1.0 and chosen[0].rest_share == 0.0


def test_a_dictionary_word_alone_is_never_a_pattern_however_discriminating() -> None:
    rest = [f"my parcel is late {i}" for i in range(400)]
    index = TextIndex([f"the esim light is turquoise {i}" for i in range(40)] + rest)
    focus = np.arange(len(index)) < 40
    chosen = choose_patterns(index, focus, ~focus, ["turquoise", "esim"], 2)
    assert [p.pattern for p in chosen] == ["esim"]


def test_a_single_word_needs_a_rest_large_enough_to_call_it_rare() -> None:
    index, focus = _index(n_rest=50)
    assert choose_patterns(index, focus, ~focus, ["esim"], 2) == []


def test_entry_examples_and_description_come_from_the_group() -> None:
    index, focus = _index()
    entry = build_entry(index, focus, ~focus, "new.esim", "New › eSIM",
                        "Drafted from {size} unknown records{about}.")
    assert len(entry.examples) == 5 and all("esim" in e for e in entry.examples)
    assert entry.description.startswith("Drafted from 40 unknown records: texts about ")
    assert "esim" in entry.description


def test_questions_are_neutral_and_plain_problem_reports_negative() -> None:
    assert group_polarity(["how do i add a user?", "can i add my partner as a user?",
                           "how can i add another user"]) == "neutral"
    assert group_polarity(["the qr code does nothing", "activation stuck since monday",
                           "scanned it three times and nothing happens"]) == "negative"
    assert group_polarity(["brilliant help, thank you so much", "lovely agent, great help"]) == (
        "positive")


# -- appending to a taxonomy ----------------------------------------------------------------
def _entry():
    index, focus = _index()
    return build_entry(index, focus, ~focus, "new.esim", "New › eSIM", "{size} texts")


def test_append_cause_keeps_the_files_comments_and_loads() -> None:
    text, kept = append_cause(FIXTURE_TAXONOMY, _entry())
    assert kept and text.startswith(FIXTURE_TAXONOMY.rstrip("\n"))
    assert parse_taxonomy(yaml.safe_load(text)).ids == ["billing.refund_missing", "new.esim"]


def test_append_cause_fills_an_empty_list_and_rewrites_a_flow_list() -> None:
    text, kept = append_cause("version: 1\ncauses: []\n", _entry())
    assert kept and parse_taxonomy(yaml.safe_load(text)).ids == ["new.esim"]
    flow = 'causes: [{id: a.b, label: A, description: d, patterns: ["x y"]}]\nversion: 1\n'
    text, kept = append_cause(flow, _entry())
    assert not kept and parse_taxonomy(yaml.safe_load(text)).ids == ["a.b", "new.esim"]


# -- the commands ---------------------------------------------------------------------------
def test_draft_groups_the_unknown_records_by_topic(small: dict[str, Path]) -> None:
    result = _invoke("taxonomy", "draft", "--db", str(small["db"]), "-m", str(small["model"]),
                     "--config", str(small["config"]), "--json")
    assert result.exit_code == 0, result.output
    draft = json.loads(result.stdout)
    assert draft["source"] == "topics" and draft["unknown"] == 32 and draft["records"] == 128
    assert draft["entries"], draft
    first = draft["entries"][0]
    assert first["topic_id"] is not None and first["id"].startswith("new.")
    assert any("password" in p["pattern"] or "reset" in p["pattern"] for p in first["patterns"])
    assert len(first["examples"]) == 5
    taxonomy = parse_taxonomy(yaml.safe_load(draft["yaml"]), "draft")
    assert taxonomy.ids == [e["id"] for e in draft["entries"]]
    assert "billing.refund_missing" not in taxonomy.ids


def test_draft_of_a_week_writes_commented_yaml_and_a_summary(small: dict[str, Path],
                                                             tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    result = _invoke("taxonomy", "draft", "--db", str(small["db"]), "-m", str(small["model"]),
                     "--config", str(small["config"]), "--week", "2026-W47", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("16 unknown records of 64; ")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Draft root causes from the 16 `unknown` records of 2026-W47")
    assert "#" in text.split("causes:", 1)[1]  # per-entry and per-pattern comments
    parse_taxonomy(yaml.safe_load(text), str(out))


def test_draft_without_a_topic_model_clusters_and_says_so(small: dict[str, Path],
                                                          tmp_path: Path) -> None:
    missing = tmp_path / "no-model"
    config = tmp_path / "feedback.toml"
    config.write_text(f'[stages.topics]\nmodel = "{missing.as_posix()}"\n', encoding="utf-8")
    result = _invoke("taxonomy", "draft", "--db", str(small["db"]), "--config", str(config),
                     "--json")
    assert result.exit_code == 0, result.output
    draft = json.loads(result.stdout)
    assert draft["source"] == "clustering" and "no topic model at" in draft["note"]
    assert "Grouped by clustering: no topic model at" in draft["yaml"]
    assert draft["entries"] and parse_taxonomy(yaml.safe_load(draft["yaml"]))


def test_include_semantic_counts_the_semantic_layers_guesses_as_unknown(
        small: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    texts, gold = corpus(repeat=2)
    with Warehouse(db) as wh:  # the password theme guessed by the semantic layer, not unknown
        wh.ensure_columns({"text_redacted": "VARCHAR", "root_cause": "VARCHAR",
                           "root_cause_method": "VARCHAR"})
        wh.con.executemany(
            "INSERT INTO records (record_id, source, timestamp, text_redacted, root_cause, "
            "root_cause_method) VALUES (?, 's', ?, ?, ?, ?)",
            [(f"r{i}", dt.datetime(2026, 11, 9), text, f"known.{theme}",
              "semantic" if theme == "password" else "rules")
             for i, (text, theme) in enumerate(zip(texts, gold, strict=True))])
    args = ["taxonomy", "draft", "--db", str(db), "-m", str(small["model"]), "--json"]
    plain = json.loads(_invoke(*args).stdout)
    assert plain["unknown"] == 0 and plain["entries"] == []
    widened = json.loads(_invoke(*args, "--include-semantic").stdout)
    assert widened["unknown"] == 32 and widened["include_semantic"]
    assert any("password" in p["pattern"] or "reset" in p["pattern"]
               for p in widened["entries"][0]["patterns"])
    assert "`unknown` or semantic-layer records" in widened["yaml"]


def test_weak_semantic_guesses_count_as_unknown_by_default(small: dict[str, Path],
                                                          tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    texts, gold = corpus(repeat=2)
    with Warehouse(db) as wh:  # the password theme guessed weakly, the rest by rules
        wh.ensure_columns({"text_redacted": "VARCHAR", "root_cause": "VARCHAR",
                           "root_cause_method": "VARCHAR", "root_cause_conf": "DOUBLE"})
        wh.con.executemany(
            "INSERT INTO records (record_id, source, timestamp, text_redacted, root_cause, "
            "root_cause_method, root_cause_conf) VALUES (?, 's', ?, ?, ?, ?, ?)",
            [(f"r{i}", dt.datetime(2026, 11, 9), text, f"known.{theme}",
              "semantic" if theme == "password" else "rules",
              (0.2 if i % 2 else 0.8) if theme == "password" else 1.0)
             for i, (text, theme) in enumerate(zip(texts, gold, strict=True))])
    args = ["taxonomy", "draft", "--db", str(db), "-m", str(small["model"]), "--json"]
    plain = json.loads(_invoke(*args).stdout)
    assert plain["unknown"] == 16  # the confident half of the guesses stays explained
    assert "weak guesses too (confidence below 0.3)" in plain["yaml"]
    assert json.loads(_invoke(*args, "--include-semantic").stdout)["unknown"] == 32


def test_draft_with_a_named_model_that_is_missing_is_a_coded_error(small: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["taxonomy", "draft", "--db", str(small["db"]), "-m",
                                       str(tmp_path / "none")])
    assert result.exit_code == 1 and result.output.startswith("Error: [FE502]")


def test_draft_refuses_to_write_over_the_taxonomy_in_use(small: dict[str, Path]) -> None:
    before = small["taxonomy"].read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["taxonomy", "draft", "--db", str(small["db"]),
                                       "--config", str(small["config"]),
                                       "-o", str(small["taxonomy"])])
    assert result.exit_code == 1 and "[FE142]" in result.output
    assert small["taxonomy"].read_text(encoding="utf-8") == before


def test_rootcause_suggest_is_a_deprecated_alias_of_taxonomy_draft(small: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    config = tmp_path / "feedback.toml"
    config.write_text(f'[stages.topics]\nmodel = "{small["model"].as_posix()}"\n',
                      encoding="utf-8")
    args = ["--db", str(small["db"]), "--config", str(config), "--min-size", "3"]
    old = _invoke("rootcause", "suggest", *args)
    new = _invoke("taxonomy", "draft", *args)
    assert old.exit_code == new.exit_code == 0, old.output
    assert old.stderr.count("\n") == 1 and old.stderr.startswith("warning: rootcause suggest "
                                                                 "is deprecated")
    assert "feedback taxonomy draft" in old.stderr and new.stderr == ""
    assert old.stdout == new.stdout and yaml.safe_load(old.stdout)["causes"]


def test_promote_appends_the_topic_to_a_new_taxonomy_file(small: dict[str, Path],
                                                          tmp_path: Path) -> None:
    shown = json.loads(_invoke("topics", "show", "-m", str(small["model"]), "--json").stdout)
    topic = next(t for t in shown["topics"] if "password" in t["label"]
                 or "reset" in t["label"])
    out = tmp_path / "causes.new.yaml"
    result = _invoke("topics", "promote", str(topic["id"]), "--as", "account.password_reset",
                     "-m", str(small["model"]), "--db", str(small["db"]),
                     "--taxonomy", str(small["taxonomy"]), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"topic {topic['id']} -> account.password_reset" in result.stdout
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# My causes: a comment that promote must keep.")
    taxonomy = load_taxonomy(out)
    assert taxonomy.ids == ["billing.refund_missing", "account.password_reset"]
    cause = taxonomy.get("account.password_reset")
    assert cause is not None and cause.patterns and len(cause.examples) == 5
    assert cause.label == f"Account › {topic['display']}"
    assert small["taxonomy"].read_text(encoding="utf-8") == FIXTURE_TAXONOMY
    # Without -o: the entry alone, ready to paste.
    printed = _invoke("topics", "promote", str(topic["id"]), "--as", "account.password_reset",
                      "-m", str(small["model"]), "--db", str(small["db"]),
                      "--taxonomy", str(small["taxonomy"]))
    assert printed.exit_code == 0 and printed.stdout.lstrip("# \n").count("- id: ") == 1
    assert yaml.safe_load(printed.stdout)[0]["id"] == "account.password_reset"


@pytest.mark.parametrize(("cause_id", "out", "code"), [
    ("billing.refund_missing", "new.yaml", "[FE380]"),  # already in the taxonomy
    ("Password Reset", "new.yaml", "[FE286]"),  # not parent.child
    ("account.password_reset", "{taxonomy}", "[FE142]"),  # the input itself
])
def test_promote_refuses_with_a_coded_error(small: dict[str, Path], tmp_path: Path,
                                            cause_id: str, out: str, code: str) -> None:
    target = out.format(taxonomy=small["taxonomy"]) if "{" in out else str(tmp_path / out)
    result = CliRunner().invoke(main, ["topics", "promote", "0", "--as", cause_id, "-m",
                                       str(small["model"]), "--db", str(small["db"]),
                                       "--taxonomy", str(small["taxonomy"]), "-o", target])
    assert result.exit_code == 1 and result.output.startswith(f"Error: {code}"), result.output
    assert small["taxonomy"].read_text(encoding="utf-8") == FIXTURE_TAXONOMY
    assert not (tmp_path / "new.yaml").exists()


def test_promote_of_an_unknown_topic_lists_the_ids(small: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["topics", "promote", "99", "--as", "a.b", "-m",
                                       str(small["model"]), "--db", str(small["db"])])
    assert result.exit_code == 1 and "[FE232] no topic 99" in result.output


# -- the demo corpus ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample corpus (2,000 records over 2 weeks: the planted eSIM issue is in the
    second) analyzed with the bundled taxonomy less any eSIM cause, and topics fitted.

    2,000 rather than 1,500 since the corpus gained its Chinese, Russian and German slices
    (#21): at 1,500 the English eSIM records left were too few to form a topic of their own."""
    from feedback_engine import api
    from feedback_engine.resources import lexicons_dir
    from feedback_engine.sample import generate_corpus

    root = tmp_path_factory.mktemp("demo")
    generate_corpus(root / "corpus", n_records=2000, weeks=2, seed=7)
    data = yaml.safe_load((lexicons_dir() / "root_causes.yaml").read_text(encoding="utf-8"))
    data["causes"] = [c for c in data["causes"] if "esim" not in c["id"]]
    taxonomy = root / "no_esim.yaml"
    taxonomy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    config = root / "feedback.toml"
    config.write_text(f'[stages.rootcause]\ntaxonomy = "{taxonomy.as_posix()}"\n'
                      "semantic = false\n", encoding="utf-8")
    corpus_dir = root / "corpus"
    inputs = sorted(p for p in corpus_dir.iterdir() if p.suffix in (".csv", ".jsonl",
                                                                    ".parquet", ".xlsx"))
    inputs += sorted(p for p in corpus_dir.iterdir() if p.is_dir())
    db = root / "w.duckdb"
    api.analyze(inputs, db=db, config=config)
    api.topics_fit(root / "topics", db=db, config=config, embeddings="tfidf-svd")
    return {"db": db, "config": config, "model": root / "topics", "taxonomy": taxonomy}


def _esim_entry(draft: dict) -> dict:
    found = [e for e in draft["entries"]
             if any("esim" in p["pattern"] for p in e["patterns"])]
    assert found, [e["id"] for e in draft["entries"]]
    return max(found, key=lambda e: e["size"])


@pytest.mark.slow
def test_draft_on_the_demo_corpus_proposes_the_planted_esim_issue(demo: dict[str, Path]) -> None:
    assert not any("esim" in c for c in load_taxonomy(demo["taxonomy"]).ids)
    result = _invoke("taxonomy", "draft", "--db", str(demo["db"]), "-m", str(demo["model"]),
                     "--config", str(demo["config"]), "--json")
    assert result.exit_code == 0, result.output
    draft = json.loads(result.stdout)
    entry = _esim_entry(draft)
    assert entry["size"] >= 15 and entry["polarity"] == "negative"
    # 0.75: since topics are assigned by prototypes (#23) the eSIM topic holds 24 unknown
    # records, 18 of them matched by the drafted patterns; the old all-texts vote gave >= 0.8.
    assert entry["coverage"] >= 0.75 and len(entry["examples"]) == 5
    patterns = [p["pattern"] for p in entry["patterns"]]
    assert any(len(p.split()) >= 2 for p in patterns)  # a phrase, not only words
    for p in patterns:
        if len(p.split()) == 1:
            assert p not in STOP_WORDS and len(p) >= 3
    parse_taxonomy(yaml.safe_load(draft["yaml"]), "draft")


@pytest.mark.slow
def test_demo_esim_patterns_rarely_match_other_topics_texts(demo: dict[str, Path]) -> None:
    draft = json.loads(_invoke("taxonomy", "draft", "--db", str(demo["db"]), "-m",
                               str(demo["model"]), "--config", str(demo["config"]),
                               "--json").stdout)
    entry = _esim_entry(draft)
    cause = parse_taxonomy(yaml.safe_load(draft["yaml"]), "draft").get(entry["id"])
    assert cause is not None and entry["topic_id"] is not None
    with Warehouse(demo["db"], read_only=True) as wh:
        others = wh.query("SELECT text_redacted FROM records WHERE topic_id <> ? "
                          "ORDER BY hash(record_id) LIMIT 500",
                          [entry["topic_id"]])["text_redacted"].tolist()
    assert len(others) == 500
    hits = sum(1 for text in others if any(p.regex.search(text) for p in cause.patterns))
    assert hits / len(others) <= 0.05, hits
