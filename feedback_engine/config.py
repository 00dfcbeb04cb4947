"""Configuration: ``feedback.toml`` merged over defaults, with unknown keys rejected.

Every key has a default (``DEFAULTS``); a user file only states what differs. The effective
configuration is hashed into each run's provenance so a result can be traced to its settings.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .records import CANONICAL_COLUMNS

DEFAULT_FILE = "feedback.toml"

DEFAULTS: dict[str, Any] = {
    "input": {
        "chunk_size": 5000,  # rows per chunk: bounded memory, one transaction each
        "max_text_chars": 20_000,  # longer texts are rejects (pasted logs, attachments)
        "max_field_chars": 2_000,
        "record_budget_s": 10.0,  # seconds a stage may spend on one record; over it: a reject
        "dayfirst": False,  # 03/04/2026 is 4 March when true
        "require_timestamp": True,  # false: a source without a date column loads undated
    },
    # Mapping used for every source: canonical column = "raw column" or ["a", "b"] to join.
    "columns": {},
    # Per-source tables: [sources.NAME] match = "glob", channel, kind, sheet, columns = {...}.
    "sources": {},
    "transcripts": {"speakers": {}},  # extra speaker aliases, e.g. {"advisor" = "agent"}
    "pipeline": {"stages": ["normalize", "redact", "sentiment", "aspects", "effort",
                                "emotion", "keywords", "rootcause", "topics",
                                "conversation", "qa"]},
    "stages": {
        "normalize": {},
        "redact": {},
        "sentiment": {"neutral_band": 0.05},
        "aspects": {"noun_fallback": False, "neutral_band": 0.05},
        "effort": {},
        "emotion": {"min_top": 0.25},
        "rootcause": {"min_score": 0.5, "rules_fallback": True, "customer_only": True},
        "keywords": {"top_k": 5, "max_words": 3, "speaker": "customer"},
        "topics": {},  # model = "models/topics": a folder from `feedback topics fit`
        "conversation": {"silence_gap_s": 5.0, "chat_silence_gap_s": 60.0},
        "qa": {},
    },
    "warehouse": {"path": "feedback.duckdb"},
    "report": {
        "title": "Weekly customer feedback report",
        "min_n": 30,  # fewer answers than this in either period: no claim of change
        "segments": ["channel", "team", "queue", "product"],
        "drivers": ["root_cause", "topic_label"],  # columns used when the warehouse has them
        "trend_weeks": 12,
        "baseline_weeks": 4,  # the trailing weeks emerging issues are tested against
        "emerging_alpha": 0.01,  # family-wise, Bonferroni over the values tested
        "emerging_min_count": 10,
        "top_drivers": 10,
        "quotes_per_driver": 2,
        "qa_weeks": 4,  # the QA section covers this many weeks ending with the period
    },
}
# Tables whose keys are the user's own names rather than settings.
OPEN_TABLES = {("columns",), ("sources",), ("transcripts", "speakers"), ("stages",)}
SOURCE_KEYS = {"match", "channel", "kind", "sheet", "columns"}
# Canonical columns a mapping may name; source, row, week and extra are derived, not mapped.
MAPPABLE = tuple(c for c in CANONICAL_COLUMNS if c not in ("source", "row", "week", "extra"))


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Return the effective configuration.

    Args:
        path: a ``feedback.toml``; when None, ``./feedback.toml`` is used if it exists.

    Raises:
        ConfigError: the file is missing (when named), not TOML, or has unknown keys.
    """
    config = copy.deepcopy(DEFAULTS)
    if path is None:
        if not Path(DEFAULT_FILE).is_file():
            return config
        path = DEFAULT_FILE
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"config file not found: {file}")
    try:
        user = tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file} is not UTF-8 text (byte {exc.start}); save it as UTF-8, "
                          "as TOML requires") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    return merge_config(config, user, origin=str(file))


def merge_config(base: dict[str, Any], user: Mapping[str, Any], origin: str = "config",
                 _path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Merge ``user`` over ``base``, rejecting keys that ``base`` does not define."""
    for key, value in user.items():
        where = ".".join((*_path, key))
        if _path in OPEN_TABLES:
            base[key] = _merge_open(base.get(key), value)
            continue
        if key not in base:
            known = ", ".join(sorted(base)) or "(none)"
            raise ConfigError(f"unknown key '{where}' in {origin}; known keys here: {known}")
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"'{where}' in {origin} must be a table")
            merge_config(base[key], value, origin, (*_path, key))
        else:
            if base[key] is not None and not _same_kind(base[key], value):
                raise ConfigError(f"'{where}' in {origin} should be "
                                  f"{type(base[key]).__name__}, got {value!r}")
            base[key] = value
    if _path == ():
        _check_ranges(base["input"], origin)
        _check_columns(base["columns"], "columns", origin)
        _check_sources(base["sources"], origin)
    return base


def _merge_open(current: Any, value: Any) -> Any:
    if isinstance(current, dict) and isinstance(value, Mapping):
        merged = dict(current)
        merged.update(value)
        return merged
    return value


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(default))


# Allowed ranges of the [input] numbers: beyond them a run would reject every row or
# overflow (a chunk of 10^20 rows), so they are refused when the file loads.
INPUT_RANGES = {"chunk_size": (1, 1_000_000), "max_text_chars": (1, 10_000_000),
                "max_field_chars": (1, 10_000_000), "record_budget_s": (0.001, 3600)}


def _check_ranges(section: Mapping[str, Any], origin: str) -> None:
    for key, (low, high) in INPUT_RANGES.items():
        value = section[key]
        if not low <= value <= high:
            raise ConfigError(f"'input.{key}' in {origin} must be between {low:,} and "
                              f"{high:,}, got {value!r}")


def _check_sources(sources: Mapping[str, Any], origin: str) -> None:
    for name, table in sources.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"'sources.{name}' in {origin} must be a table")
        unknown = set(table) - SOURCE_KEYS
        if unknown:
            raise ConfigError(f"unknown key 'sources.{name}.{sorted(unknown)[0]}' in {origin}; "
                              f"known keys: {', '.join(sorted(SOURCE_KEYS))}")
        if "match" not in table:
            raise ConfigError(f"'sources.{name}' in {origin} needs match = \"<glob>\"")
        for key in ("match", "channel", "kind", "sheet"):
            if key in table and not isinstance(table[key], str):
                raise ConfigError(f"'sources.{name}.{key}' in {origin} should be str, "
                                  f"got {table[key]!r}")
        if "columns" in table:
            _check_columns(table["columns"], f"sources.{name}.columns", origin)


def _check_columns(columns: Any, where: str, origin: str) -> None:
    """Check a column mapping: canonical name = "column" or a non-empty list of names."""
    if not isinstance(columns, Mapping):
        raise ConfigError(f"'{where}' in {origin} must be a table of canonical = \"column\"")
    for key, value in columns.items():
        if key not in MAPPABLE:
            raise ConfigError(f"unknown key '{where}.{key}' in {origin}; "
                              f"known keys: {', '.join(MAPPABLE)}")
        if not (isinstance(value, str) or (isinstance(value, list) and value
                                           and all(isinstance(v, str) for v in value))):
            raise ConfigError(f"'{where}.{key}' in {origin} should be a column name or a "
                              f"list of column names, got {value!r}")


def config_hash(config: Mapping[str, Any]) -> str:
    """Return a short, stable hash of the effective configuration."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


CONFIG_TEMPLATE = '''\
# feedback-engine configuration. Every key is optional: the values shown are the defaults.
# Unknown keys are an error, so a typo never passes silently.

[input]
chunk_size = 5000         # rows per chunk (memory stays bounded; one transaction each)
max_text_chars = 20000    # longer texts go to rejects as oversize_field
max_field_chars = 2000    # limit for the other text fields
record_budget_s = 10.0    # seconds a stage may spend on one record; slower ones are rejects
dayfirst = false          # true reads 03/04/2026 as 3 April
require_timestamp = true  # false: sources without a date column load (outside weekly rollups)

# Column mapping for every source: canonical = "column", or a list to join (title + body).
# Common names are detected automatically (comment, verbatim, ticket_id, created_at, ...).
[columns]
# text = "comment"
# nps = "likelihood_to_recommend"

# Per-source settings, chosen by a glob on the file name or path.
# [sources.surveys]
# match = "*survey*.csv"
# channel = "survey"
# kind = "survey_answer"
# columns = { text = "verbatim", record_id = "response_id" }

[transcripts.speakers]
# advisor = "agent"       # extra speaker aliases -> agent / customer / system / bot

[pipeline]
stages = ["normalize", "redact", "sentiment", "aspects", "effort", "emotion",
          "keywords", "rootcause", "topics", "conversation", "qa"]

[stages.redact]
# lexicon = "lexicons/pii.yaml"   # your own patterns, cues and street types
# types = ["PERSON", "EMAIL_ADDRESS"]  # redact only these (default: every type)
# pseudonyms = true       # [PERSON_1a2b3c4d] tokens: the same value gets the same token;
                          # the key comes from $FEEDBACK_PII_KEY (16+ characters)
# pseudonymize_ids = ["agent_id", "customer_id"]   # tokens for ids too (same key)
# ner = true              # add spaCy NER for names (pip install ".[nlp]"; slower)
# regions = ["US", "GB", "DE", "FR", "IN", "CA", "AU"]  # phone numbering plans checked

[stages.sentiment]
neutral_band = 0.05       # |score| below this is neutral (VADER's convention)
# lexicons = ["sentiment/contact_center.tsv", "my_terms.tsv"]  # VADER-format layers
# model = "models/sentiment"   # from `feedback sentiment train`; rules stay the fallback

[stages.aspects]          # aspects mentioned, each with a polarity (docs/aspects.md)
noun_fallback = false     # true: records with no vocabulary aspect get noun phrases
                          # (spaCy tagger, nlp extra; slower: see docs/aspects.md)
neutral_band = 0.05
# lexicon = "lexicons/aspects.yaml"   # your own aspect vocabulary
# model = "models/aspects"   # from `feedback aspects train`; rules stay the fallback

[stages.effort]           # customer effort from text, -5 (easy) .. 5 (hard); null: no cues
# lexicon = "lexicons/effort.tsv"

[stages.emotion]          # anger, frustration, confusion, worry, gratitude, satisfaction...
min_top = 0.25            # intensity needed to be a record's emotion_top
# lexicon = "lexicons/emotions.tsv"

[stages.keywords]         # keyphrases per record (docs/topics.md)
top_k = 5                 # keyphrases kept per record
max_words = 3             # longest phrase
speaker = "customer"      # transcripts: customer | agent | all turns

[stages.topics]           # topic_id / topic_label / topic_prob from a frozen topic model
# model = "models/topics" # from `feedback topics fit -o models/topics`; unset: columns empty

[stages.rootcause]        # root_cause per record: a trained model, else taxonomy rules
min_score = 0.5           # least rule score that names a cause (else "unknown")
rules_fallback = true     # when the model abstains, try the rules before "unknown"
customer_only = true      # transcripts: classify the customer's turns only
# taxonomy = "my_root_causes.yaml"   # your causes and patterns (see docs/rootcause.md)
# model = "models/rootcause"         # from `feedback rootcause train`
# conf_threshold = 0.9               # override the model's tuned abstention thresholds
# sim_threshold = 0.3

[stages.conversation]     # transcripts: talk share, silence, holds, escalation, transfers
silence_gap_s = 5.0       # a gap between call turns this long is dead air (or a hold)
chat_silence_gap_s = 60.0 # the same for chats, where typing takes time
# scorecard = "lexicons/qa_scorecard.yaml"   # its cues: escalation, transfer, hold, ...

[stages.qa]               # scores every transcript against the QA scorecard
# scorecard = "lexicons/qa_scorecard.yaml"   # your own rules (see docs/qa.md)

[warehouse]
path = "feedback.duckdb"

[report]
title = "Weekly customer feedback report"
min_n = 30                # fewer answers than this in either period: no claim of change
# segments = ["channel", "team", "queue", "product"]   # KPI tables per value
# drivers = ["root_cause", "topic_label"]    # what the drivers / emerging issues are
# trend_weeks = 12        # weeks in the trend charts
# baseline_weeks = 4      # trailing weeks that emerging issues are tested against
# emerging_alpha = 0.01   # Poisson test level, Bonferroni-corrected
# emerging_min_count = 10 # fewer records than this are never "emerging"
# top_drivers = 10
# quotes_per_driver = 2   # most negative and most typical comment per top driver
# qa_weeks = 4            # QA training needs over the weeks ending with the period
'''
