"""Configuration: ``feedback.toml`` merged over defaults, with unknown keys rejected.

Every key has a default; a user file only states what differs. Each default is written
once: the non-stage sections in :data:`DEFAULTS`, each setting's comment in :data:`HELP`;
a stage's ``[stages.NAME]`` defaults are the keyword defaults of its ``__init__`` and its
comments the stage's ``option_help``. :data:`CONFIG_TEMPLATE` is generated from them by
:func:`config_template`; ``feedback init`` writes it with :data:`INIT_LEXICONS` pointing at the
lexicon copies it makes. The effective configuration is hashed into each run's provenance so
a result can be traced to its settings.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import textwrap
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import error
from .records import CANONICAL_COLUMNS
from .resources import CORE, domain_lexicon, domains
from .stages import BUILTIN_STAGES, REGISTRY
from .stages import base as stages

DEFAULT_FILE = "feedback.toml"

DEFAULTS: dict[str, Any] = {
    "input": {"chunk_size": 5000, "max_text_chars": 20_000, "max_field_chars": 2_000,
              "record_budget_s": 10.0, "dayfirst": False, "require_timestamp": True,
              "languages": ["en", "zh", "ru", "de"], "language": "en"},
    "columns": {},
    "sources": {},
    "transcripts": {"speakers": {}},
    "pipeline": {"stages": ["normalize", "language", "redact", "sentiment", "aspects", "effort",
                            "emotion", "keywords", "embed", "rootcause", "topics",
                            "conversation", "qa"]},
    "taxonomy": {"domain": CORE},
    "stages": {},  # filled in below from the stage classes
    "warehouse": {"path": "feedback.duckdb"},
    "report": {"title": "Weekly customer feedback report", "min_n": 30,
               "segments": ["channel", "team", "queue", "product"],
               "drivers": ["root_cause", "topic_label"], "trend_weeks": 12,
               "baseline_weeks": 4, "emerging_alpha": 0.01, "emerging_min_count": 10,
               "top_drivers": 10, "quotes_per_driver": 2, "qa_weeks": 4},
}
# One table per built-in stage: the keyword defaults of its __init__.
DEFAULTS["stages"] = {name: stages.stage_defaults(REGISTRY[name]) for name in BUILTIN_STAGES}

# The comment of each setting in the template, and of a table (above its header).
HELP: dict[str, str] = {
    "input.chunk_size": "rows per chunk (memory stays bounded; one transaction each)",
    "input.max_text_chars": "longer texts go to rejects as oversize_field",
    "input.max_field_chars": "limit for the other text fields",
    "input.record_budget_s": "seconds a stage may spend on one record; slower ones are rejects",
    "input.dayfirst": "true reads 03/04/2026 as 3 April",
    "input.require_timestamp": "false: sources without a date column load (outside weekly "
                               "rollups)",
    "input.languages": "languages to detect among (ISO 639-1); zh, ru, de and en have their "
                       "own tokens, sentiment and PII rules (docs/languages.md)",
    "input.language": "the language of a text too short or unclear to detect, when its "
                      "record declares none",
    "columns": "Column mapping for every source: a canonical column and the column it is read "
               "from, or a list of columns to join (title + body). Common names are detected "
               "automatically (comment, verbatim, ticket_id, created_at, ...).",
    "sources": "Per-source settings, chosen by a glob on the file name or path.",
    "transcripts.speakers": "Extra speaker aliases, each read as agent, customer, system or bot.",
    "taxonomy.domain": "the causes and aspects you start from: core (any contact center), or "
                       "the core with a domain pack: " + ", ".join(domains()[1:]) + ". A "
                       "taxonomy or aspect lexicon set below wins.",
    "pipeline.stages": "stages run in this order; each one's options are in its [stages.NAME] "
                       "table",
    "warehouse.path": "the DuckDB file analyze writes and report reads",
    "report.title": "the report's heading",
    "report.min_n": "fewer answers than this in either period: no claim of change",
    "report.segments": "KPI tables per value of these columns",
    "report.drivers": "what drivers and emerging issues are (columns the warehouse has)",
    "report.trend_weeks": "weeks in the trend charts",
    "report.baseline_weeks": "trailing weeks that emerging issues are tested against",
    "report.emerging_alpha": "Poisson test level, Bonferroni-corrected over the values tested",
    "report.emerging_min_count": 'fewer records than this are never "emerging"',
    "report.top_drivers": "drivers shown, largest first",
    "report.quotes_per_driver": "most negative and most typical comment per top driver",
    "report.qa_weeks": "QA training needs over this many weeks ending with the period",
}
# Commented-out examples for the tables whose keys are the user's own names.
EXAMPLES: dict[str, dict[str, Any]] = {
    "columns": {"text": "comment", "nps": "likelihood_to_recommend"},
    "sources": {"surveys": {"match": "*survey*.csv", "channel": "survey",
                            "kind": "survey_answer",
                            "columns": {"text": "verbatim", "record_id": "response_id"}}},
    "transcripts.speakers": {"advisor": "agent"},
}
# Tables whose keys are the user's own names rather than settings.
OPEN_TABLES = {("columns",), ("sources",), ("transcripts", "speakers")}
SOURCE_KEYS = ("channel", "columns", "kind", "match", "require_timestamp", "sheet")
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
        raise error("FE240", file=file)
    try:
        user = tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise error("FE241", file=file, byte=exc.start) from None
    except tomllib.TOMLDecodeError as exc:
        raise error("FE242", file=file, problem=exc) from None
    return merge_config(config, user, origin=str(file))


def merge_config(base: dict[str, Any], user: Mapping[str, Any], origin: str = "config",
                 _path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Merge ``user`` over ``base``, rejecting keys that ``base`` does not define."""
    for key, value in user.items():
        where = ".".join((*_path, key))
        if _path == ("stages",):
            base[key] = _merge_stage(base.get(key), key, value, origin)
            continue
        if _path in OPEN_TABLES:  # the user's names: a table merges over a table
            current = base.get(key)
            both = isinstance(current, dict) and isinstance(value, Mapping)
            base[key] = {**current, **value} if both else value
            continue
        if key not in base:
            raise error("FE243", key=where, origin=origin, keys=", ".join(sorted(base)) or "(none)",
                        hint=stages.closest(key, base))
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise error("FE244", key=where, origin=origin)
            merge_config(base[key], value, origin, (*_path, key))
        else:
            stages.check_type(where, base[key], value, origin)
            base[key] = value
    if _path == ():
        _check_ranges(base["input"], origin)
        _check_columns(base["columns"], "columns", origin)
        _check_sources(base["sources"], origin)
        apply_domain(base, origin)
    return base


def pipeline_options(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The stages' options for a run: ``[stages]`` with the language stage given
    ``[input] languages`` and ``[input] language`` (unless its own table sets them)."""
    options = {name: dict(table) for name, table in config["stages"].items()}
    language = options.setdefault("language", {})
    language.setdefault("languages", list(config["input"]["languages"]))
    language.setdefault("default", config["input"]["language"])
    return options


# The stage options a domain sets (when they are unset, or at the bundled core's file).
DOMAIN_OPTIONS = {("rootcause", "taxonomy"): ("root_causes.yaml", (None, "", "root_causes.yaml")),
                  ("aspects", "lexicon"): ("aspects.yaml", ("aspects.yaml",))}


def apply_domain(config: dict[str, Any], origin: str = "config") -> dict[str, Any]:
    """Point the taxonomy and aspect vocabulary at ``[taxonomy] domain``'s pack, unless a
    file of the user's own is set for them; returns ``config``.

    Raises:
        ConfigError: an unknown domain (FE200).
    """
    domain = config["taxonomy"]["domain"]
    files = {key: domain_lexicon(domain, name, where=f" in {origin}")
             for key, (name, _) in DOMAIN_OPTIONS.items()}
    for (stage, option), (_, defaults) in DOMAIN_OPTIONS.items():
        settings = config["stages"].get(stage)
        if settings is None:
            continue
        value = settings.get(option)
        if domain != CORE and value in defaults:
            settings[option] = files[(stage, option)]
            continue
        # A copy made by `feedback init --domain X` under a config that now says another
        # domain: the edit of [taxonomy] domain would be silently ignored.
        other = next((d for d in domains()[1:] if d != domain
                      and f"domains/{d}/" in str(value or "").replace("\\", "/")), None)
        if other:
            raise error("FE204", origin=origin, domain=domain, key=f"stages.{stage}.{option}",
                        value=value, other=other)
    return config


def _merge_stage(current: Any, name: str, options: Any, origin: str) -> dict[str, Any]:
    """A ``[stages.NAME]`` table over the stage's defaults; unknown names and options refused."""
    cls = stages.find_stage(name, origin)
    if not isinstance(options, Mapping):
        raise error("FE244", key=f"stages.{name}", origin=origin)
    stages.check_options(name, cls, options, origin)
    return {**(stages.stage_defaults(cls) if current is None else current), **options}


# Allowed ranges of the [input] numbers: beyond them a run would reject every row or
# overflow (a chunk of 10^20 rows), so they are refused when the file loads.
INPUT_RANGES = {"chunk_size": (1, 1_000_000), "max_text_chars": (1, 10_000_000),
                "max_field_chars": (1, 10_000_000), "record_budget_s": (0.001, 3600)}


def _check_ranges(section: Mapping[str, Any], origin: str) -> None:
    for key, (low, high) in INPUT_RANGES.items():
        value = section[key]
        if not low <= value <= high:
            raise error("FE245", key=key, origin=origin, low=low, high=high, value=value)


def _check_sources(sources: Mapping[str, Any], origin: str) -> None:
    for name, table in sources.items():
        if not isinstance(table, Mapping):
            raise error("FE244", key=f"sources.{name}", origin=origin)
        unknown = set(table) - set(SOURCE_KEYS)
        if unknown:
            raise error("FE243", key=f"sources.{name}.{min(unknown)}", origin=origin,
                        keys=", ".join(SOURCE_KEYS), hint=stages.closest(min(unknown), SOURCE_KEYS))
        if "match" not in table:
            raise error("FE246", key=f"sources.{name}", origin=origin)
        for key in ("match", "channel", "kind", "sheet"):
            if key in table and not isinstance(table[key], str):
                raise error("FE247", key=f"sources.{name}.{key}", origin=origin, value=table[key])
        if "require_timestamp" in table and not isinstance(table["require_timestamp"], bool):
            raise error("FE235", key=f"sources.{name}.require_timestamp", origin=origin,
                        value=table["require_timestamp"])
        if "columns" in table:
            _check_columns(table["columns"], f"sources.{name}.columns", origin)


def _check_columns(columns: Any, where: str, origin: str) -> None:
    """Check a column mapping: canonical name = "column" or a non-empty list of names."""
    if not isinstance(columns, Mapping):
        raise error("FE248", key=where, origin=origin)
    for key, value in columns.items():
        if key not in MAPPABLE:
            raise error("FE243", key=f"{where}.{key}", origin=origin, keys=", ".join(MAPPABLE),
                        hint=stages.closest(key, MAPPABLE))
        if not (isinstance(value, str) or (isinstance(value, list) and value
                                           and all(isinstance(v, str) for v in value))):
            raise error("FE249", key=f"{where}.{key}", origin=origin, value=value)


def config_hash(config: Mapping[str, Any]) -> str:
    """Return a short, stable hash of the effective configuration."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# The template: comments at column 26 (or up to 48 after a longer setting), 96 wide.
_COLUMN, _LAST_COLUMN, _WIDTH = 26, 48, 96


def _toml(value: Any) -> str:
    """``value`` in TOML, whose strings, numbers, booleans and arrays are written as JSON's."""
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)


def _setting(key: str, value: Any, comment: str, prefix: str = "") -> list[str]:
    """``key = value  # comment``; a long list and a long comment wrap onto more lines."""
    lines = [f"{prefix}{key} = {_toml(value)}"]
    if len(lines[0]) > _WIDTH and isinstance(value, list):  # TOML arrays may span lines
        lines = [f"{prefix}{key} = [{_toml(value[0])}"]
        for item in map(_toml, value[1:]):
            if len(lines[-1]) + len(item) + 2 > _WIDTH:
                lines[-1] += ","
                lines.append(" " * len(f"{prefix}{key} = [") + item)
            else:
                lines[-1] += f", {item}"
        lines[-1] += "]"
    column = max(_COLUMN, len(lines[-1]) + 2)
    if column > _LAST_COLUMN:  # no room beside it: the comment goes above
        return [*(f"# {line}" for line in textwrap.wrap(comment, _WIDTH - 2)), *lines]
    first, *rest = textwrap.wrap(comment, _WIDTH - column - 2) or [""]
    lines[-1] = f"{lines[-1]:<{column}}# {first}" if first else lines[-1]
    return [*lines, *(f"{'':<{column}}# {line}" for line in rest)]


def _heading(comment: str, header: str) -> list[str]:
    return ["", *(f"# {line}" for line in textwrap.wrap(comment, _WIDTH - 2)), header]


def _table(path: str, table: Mapping[str, Any]) -> list[str]:
    """A non-stage table: its settings, or commented examples for a table of names."""
    lines = []
    values = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    if values or not table:
        lines += _heading(HELP.get(path, ""), f"[{path}]")
        for key, value in values.items():
            lines += _setting(key, value, HELP[f"{path}.{key}"])
        for key, value in EXAMPLES.get(path, {}).items():
            if isinstance(value, Mapping):  # a table of tables: [sources.NAME]
                lines += [f"# [{path}.{key}]", *(f"# {k} = {_toml(v)}" for k, v in value.items())]
            else:
                lines.append(f"# {key} = {_toml(value)}")
    for key, value in table.items():
        if isinstance(value, Mapping):
            lines += _table(f"{path}.{key}", value)
    return lines


def _stage_table(name: str, settings: Mapping[str, Any] | None = None) -> list[str]:
    """``[stages.NAME]`` under the stage's summary: each option at its default (or at
    ``settings``' value), or an example commented out when it has none, with the stage's
    ``option_help``."""
    cls = REGISTRY[name]
    summary = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("``", "")
    helps, examples = getattr(cls, "option_help", {}), getattr(cls, "option_examples", {})
    lines = _heading(" ".join(summary.split()), f"[stages.{name}]")
    for key, default in stages.stage_options(cls).items():
        if settings and key in settings:
            lines += _setting(key, settings[key], helps.get(key, ""))
        elif default is not None:
            lines += _setting(key, default, helps.get(key, ""))
        elif key in examples:
            lines += _setting(key, examples[key], helps.get(key, ""), prefix="# ")
    return lines


def config_template(stage_settings: Mapping[str, Mapping[str, Any]] | None = None,
                    note: str = "", settings: Mapping[str, Mapping[str, Any]] | None = None
                    ) -> str:
    """The commented ``feedback.toml``: every setting at its default, except the stage options
    in ``stage_settings`` (``{"rootcause": {"taxonomy": "lexicons/root_causes.yaml"}}``) and
    the other tables' values in ``settings`` (``{"taxonomy": {"domain": "banking"}}``), with
    ``note`` under the header."""
    lines = ["# feedback-engine configuration. Every key is optional: the values shown are the "
             "defaults;\n# '# key = value' lines are examples of settings unset by default. "
             "Unknown keys\n# are an error, so a typo never passes silently." + note]
    for section, table in DEFAULTS.items():
        if section == "stages":
            lines += [line for name in table
                      for line in _stage_table(name, (stage_settings or {}).get(name))]
        else:
            lines += _table(section, {**table, **(settings or {}).get(section, {})})
    return "\n".join(lines) + "\n"


CONFIG_TEMPLATE = config_template()
# What `feedback init` points at the lexicon copies it writes (paths relative to the folder
# that feedback runs in: the one holding feedback.toml).
INIT_LEXICONS = {
    "redact": {"lexicon": "lexicons/pii.yaml"},
    "sentiment": {"lexicons": ["lexicons/sentiment/contact_center.tsv"]},
    "aspects": {"lexicon": "lexicons/aspects.yaml",
                "sentiment_lexicons": ["lexicons/sentiment/contact_center.tsv"],
                "effort_lexicon": "lexicons/effort.tsv"},
    "effort": {"lexicon": "lexicons/effort.tsv"},
    "emotion": {"lexicon": "lexicons/emotions.tsv"},
    "rootcause": {"taxonomy": "lexicons/root_causes.yaml"},
    "conversation": {"scorecard": "lexicons/qa_scorecard.yaml"},
    "qa": {"scorecard": "lexicons/qa_scorecard.yaml"},
}


def init_lexicons(domain: str = CORE) -> dict[str, dict[str, Any]]:
    """:data:`INIT_LEXICONS` with the taxonomy and aspect vocabulary of ``domain``'s copies.

    Raises:
        ConfigError: an unknown domain (FE200).
    """
    settings = copy.deepcopy(INIT_LEXICONS)
    for (stage, option), (name, _) in DOMAIN_OPTIONS.items():
        settings[stage][option] = f"lexicons/{domain_lexicon(domain, name)}"
    return settings
