"""Config: defaults, TOML overrides, unknown keys and wrong types named, the init template."""

from __future__ import annotations

import copy
import re
import tomllib

import pytest

from feedback_engine.config import (
    CONFIG_TEMPLATE,
    DEFAULTS,
    config_hash,
    load_config,
    merge_config,
)
from feedback_engine.errors import ConfigError
from feedback_engine.stages import BUILTIN_STAGES, REGISTRY
from feedback_engine.stages.base import stage_options


def _merge(user: dict) -> dict:
    return merge_config(copy.deepcopy(DEFAULTS), user, origin="feedback.toml")


def test_config_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    config = load_config()

    assert config == DEFAULTS
    assert config is not DEFAULTS
    assert config["input"]["chunk_size"] == 5000
    assert config["input"]["dayfirst"] is False


def test_config_defaults_are_not_mutated_by_loading(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    config["input"]["chunk_size"] = 1

    assert DEFAULTS["input"]["chunk_size"] == 5000


def test_config_reads_feedback_toml_from_the_working_directory(write_file, tmp_path,
                                                              monkeypatch):
    write_file("feedback.toml", "[report]\nmin_n = 5\n")
    monkeypatch.chdir(tmp_path)

    assert load_config()["report"]["min_n"] == 5


def test_config_toml_file_overrides_only_what_it_states(write_file):
    path = write_file("my.toml", """
[input]
chunk_size = 100
dayfirst = true

[columns]
text = ["title", "body"]

[sources.surveys]
match = "*survey*.csv"
channel = "survey"
columns = { record_id = "response_id" }

[transcripts.speakers]
specialist = "agent"

[stages.sentiment]
neutral_band = 0.1
""")

    config = load_config(path)

    assert config["input"] == {"chunk_size": 100, "max_text_chars": 20_000,
                               "max_field_chars": 2_000, "record_budget_s": 10.0,
                               "dayfirst": True, "require_timestamp": True,
                               "languages": ["en", "zh", "ru", "de"], "language": "en"}
    assert config["columns"] == {"text": ["title", "body"]}
    assert config["sources"] == {"surveys": {"match": "*survey*.csv", "channel": "survey",
                                             "columns": {"record_id": "response_id"}}}
    assert config["transcripts"]["speakers"] == {"specialist": "agent"}
    assert config["stages"] == {**DEFAULTS["stages"], "sentiment": {"neutral_band": 0.1,
                                                                  "method": "auto"}}
    assert config["report"] == DEFAULTS["report"]


def test_config_named_file_missing_raises(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*absent.toml"):
        load_config(tmp_path / "absent.toml")


def test_config_invalid_toml_raises(write_file):
    path = write_file("bad.toml", "[input\nchunk_size = 1\n")

    with pytest.raises(ConfigError, match="bad.toml is not valid TOML"):
        load_config(path)


def test_config_unknown_top_level_key_is_named(write_file):
    path = write_file("typo.toml", "[reports]\ntitle = 'x'\n")

    with pytest.raises(ConfigError, match=r"unknown key 'reports' in .*typo.toml; "
                                          r"known keys here: columns, input, pipeline.*; "
                                          r"did you mean 'report'\?"):
        load_config(path)


def test_config_stage_defaults_are_the_stage_signatures():
    assert list(DEFAULTS["stages"]) == DEFAULTS["pipeline"]["stages"]
    assert DEFAULTS["stages"]["keywords"] == {"top_k": 5, "max_words": 3, "speaker": "customer"}
    # Options defaulting to None (no model, the bundled taxonomy) are unset, not null.
    assert DEFAULTS["stages"]["rootcause"] == {"min_score": 0.5, "rules_fallback": True,
                                               "customer_only": True, "semantic": True,
                                               "embeddings": "auto"}
    assert DEFAULTS["stages"]["normalize"] == {}


def test_config_misspelt_stage_table_is_an_error_naming_the_stage(write_file):
    path = write_file("feedback.toml", "[stages.sentimnt]\nneutral_band = 0.2\n")

    with pytest.raises(ConfigError, match=r"unknown stage table 'stages.sentimnt' in .*feedback"
                                          r".toml; available: aspects, .*; did you mean "
                                          r"'sentiment'\?"):
        load_config(path)


def test_config_unknown_stage_option_lists_the_options_and_the_closest():
    with pytest.raises(ConfigError, match=r"unknown option 'stages.keywords.top_n' in "
                                          r"feedback.toml; keywords takes: max_words, speaker, "
                                          r"top_k; did you mean 'top_k'\?"):
        _merge({"stages": {"keywords": {"top_n": 3}}})


def test_config_stage_option_of_the_wrong_type_is_refused_when_loading():
    with pytest.raises(ConfigError, match=r"'stages.sentiment.neutral_band' in feedback.toml "
                                          r"should be number \(default 0.05\), got 'wide'"):
        _merge({"stages": {"sentiment": {"neutral_band": "wide"}}})
    with pytest.raises(ConfigError, match="'stages.qa' in feedback.toml must be a table"):
        _merge({"stages": {"qa": 1}})


def test_config_stage_table_keeps_the_defaults_it_does_not_state():
    assert _merge({"stages": {"keywords": {"top_k": 9}}})["stages"]["keywords"] == {
        "top_k": 9, "max_words": 3, "speaker": "customer"}


def test_config_unknown_nested_key_is_named(write_file):
    path = write_file("typo.toml", "[input]\nchunk_sise = 10\n")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert "unknown key 'input.chunk_sise'" in str(caught.value)
    assert ("known keys here: chunk_size, dayfirst, language, languages, max_field_chars, "
            "max_text_chars, record_budget_s") in str(caught.value)


@pytest.mark.parametrize(("user", "where"), [
    ({"input": {"chunk_size": "big"}}, "FE250] 'input.chunk_size' in feedback.toml should be int"),
    ({"input": {"dayfirst": 1}}, "FE250] 'input.dayfirst' in feedback.toml should be bool"),
    ({"input": {"chunk_size": True}}, "FE250] 'input.chunk_size' in feedback.toml should be int"),
    ({"report": {"title": 3}}, "FE250] 'report.title' in feedback.toml should be str"),
    ({"pipeline": {"stages": "sentiment"}},
     "FE250] 'pipeline.stages' in feedback.toml should be list"),
    ({"input": 5}, "FE244] 'input' in feedback.toml must be a table"),
    ({"report": {"min_n": {"a": 1}}}, "FE250] 'report.min_n' in feedback.toml should be int"),
])
def test_config_wrong_type_raises(user, where):
    with pytest.raises(ConfigError, match=f"^\\[{where}"):
        _merge(user)


def test_config_float_setting_accepts_an_integer():
    assert _merge({"stages": {"sentiment": {"neutral_band": 0}}})["stages"]["sentiment"] == {
        "neutral_band": 0, "method": "auto"}


def test_config_source_table_without_match_raises():
    with pytest.raises(ConfigError, match="'sources.crm' in feedback.toml needs match"):
        _merge({"sources": {"crm": {"channel": "email"}}})


def test_config_unknown_key_in_source_table_raises():
    with pytest.raises(ConfigError, match="unknown key 'sources.crm.chanel' in feedback.toml"):
        _merge({"sources": {"crm": {"match": "*.csv", "chanel": "email"}}})


def test_config_source_must_be_a_table():
    with pytest.raises(ConfigError, match="'sources.crm' in feedback.toml must be a table"):
        _merge({"sources": {"crm": "*.csv"}})


def test_config_source_value_of_wrong_type_raises():
    with pytest.raises(ConfigError, match="'sources.crm.channel' in feedback.toml should be str"):
        _merge({"sources": {"crm": {"match": "*.csv", "channel": 3}}})


def test_config_unknown_canonical_column_is_named():
    with pytest.raises(ConfigError, match="unknown key 'columns.txet' in feedback.toml"):
        _merge({"columns": {"txet": "comment"}})


@pytest.mark.parametrize("value", [5, [], ["title", 2], {"a": "b"}])
def test_config_column_mapping_of_wrong_type_raises(value):
    with pytest.raises(ConfigError, match="'columns.text' in feedback.toml should be a column"):
        _merge({"columns": {"text": value}})


def test_config_source_columns_are_checked_like_global_columns():
    with pytest.raises(ConfigError, match="unknown key 'sources.s.columns.body'"):
        _merge({"sources": {"s": {"match": "*.csv", "columns": {"body": "text"}}}})


def test_config_hash_is_stable_and_changes_with_a_value():
    first = _merge({"input": {"chunk_size": 100}})
    again = _merge({"input": {"chunk_size": 100}})
    other = _merge({"input": {"chunk_size": 101}})

    assert config_hash(first) == config_hash(again)
    assert len(config_hash(first)) == 16
    assert config_hash(first) != config_hash(other)
    assert config_hash(DEFAULTS) != config_hash(first)


def test_config_hash_ignores_key_order():
    a = {"x": 1, "y": {"b": 2, "a": 1}}
    b = {"y": {"a": 1, "b": 2}, "x": 1}

    assert config_hash(a) == config_hash(b)


def test_config_template_parses_and_merges_to_the_defaults(write_file):
    parsed = tomllib.loads(CONFIG_TEMPLATE)
    path = write_file("feedback.toml", CONFIG_TEMPLATE)

    assert _merge(parsed) == DEFAULTS
    assert load_config(path) == DEFAULTS


def test_config_template_comments_every_stage_option():
    blocks = {line: block for block in CONFIG_TEMPLATE.split("\n\n")
              for line in block.splitlines() if line.startswith("[stages.")}
    for name in BUILTIN_STAGES:
        cls = REGISTRY[name]
        options = stage_options(cls)
        assert set(getattr(cls, "option_help", {})) == set(options), name
        unset = {key for key, default in options.items() if default is None}
        assert set(getattr(cls, "option_examples", {})) == unset, name
        lines = blocks[f"[stages.{name}]"].splitlines()
        for key, text in getattr(cls, "option_help", {}).items():
            i = next(i for i, line in enumerate(lines) if re.match(rf"(# )?{key} = ", line))
            # Beside the setting, or above it when the setting is too long.
            assert " ".join(text.split()[:3]) in " ".join(lines[max(0, i - 3):i + 1]), key


def test_config_template_commented_examples_are_valid_when_uncommented():
    # Uncommenting every example line must still give a valid config (what `init` promises).
    example = re.compile(r"^# (\[[\w.]+\]$|[a-z_]+ = )")
    lines = [line[2:] if example.match(line) else line
             for line in CONFIG_TEMPLATE.splitlines()]
    user = tomllib.loads("\n".join(lines))

    config = _merge(user)

    assert config["columns"] == {"text": "comment", "nps": "likelihood_to_recommend"}
    assert config["sources"]["surveys"]["columns"] == {"text": "verbatim",
                                                       "record_id": "response_id"}
    assert config["transcripts"]["speakers"] == {"advisor": "agent"}
    assert config["stages"]["rootcause"]["model"] == "models/rootcause"
    assert config["stages"]["redact"]["pseudonymize_ids"] == ["agent_id", "customer_id"]
