"""The stage contract, checked over every registered stage, and pipeline building."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from feedback_engine.config import DEFAULTS, load_config
from feedback_engine.errors import ConfigError, PipelineError, StageOutputError
from feedback_engine.records import CANONICAL_COLUMNS
from feedback_engine.stages import BUILTIN_STAGES, REGISTRY, Pipeline, build_pipeline
from feedback_engine.stages.normalize import normalize_text


def _chunk() -> pd.DataFrame:
    turns = [{"speaker": "customer", "text": "This is awful, I was charged twice.",
              "start_s": 0.0, "end_s": None},
             {"speaker": "agent", "text": "Happy to help, thank you for waiting.",
              "start_s": 4.0, "end_s": None}]
    return pd.DataFrame({
        "record_id": ["a", "b", "c"],
        "source": "s",
        "text": ["<p>Great service &amp; quick</p>", "Terrible. Never again!",
                 "Customer: This is awful\nAgent: I'm sorry"],
        "turns": [None, None, turns],
    })


def _upstream(name: str) -> list[str]:
    """Stages, in dependency order, that provide what ``name`` requires beyond the record."""
    chain: list[str] = []
    for column in REGISTRY[name].requires:
        if column in CANONICAL_COLUMNS:
            continue
        provider = next(other for other, cls in REGISTRY.items() if column in cls.assigns)
        chain += [s for s in [*_upstream(provider), provider] if s not in chain]
    return chain


@pytest.mark.parametrize("name", sorted(BUILTIN_STAGES))
def test_every_registered_stage_honours_its_contract(name: str) -> None:
    names = [*_upstream(name), name]
    pipeline = build_pipeline(names, {}, [*CANONICAL_COLUMNS, "turns"])
    pipeline.setup()
    chunk = _chunk()
    out = pipeline(chunk)
    stage = pipeline.stages[-1]
    assert out["record_id"].tolist() == ["a", "b", "c"]
    for column in stage.assigns:
        assert column in out, f"{name} did not assign {column}"
        # JSON-serialisable values: the warehouse and Dask both need it.
        json.dumps([v if isinstance(v, list | dict) or not pd.isna(v) else None
                    for v in out[column].tolist()], default=str)
    assert list(chunk.columns) == ["record_id", "source", "text", "turns"], "input mutated"


def test_normalize_text_strips_markup_and_keeps_line_breaks() -> None:
    assert normalize_text("<p>Refund &amp; credit</p><br>please\u200b  now") == \
        "Refund & credit\nplease now"
    assert normalize_text("wait < 5 minutes, <3") == "wait < 5 minutes, <3"


def test_sentiment_stage_scores_documents_and_speakers() -> None:
    pipeline = build_pipeline(["normalize", "redact", "sentiment"], {},
                              [*CANONICAL_COLUMNS, "turns"])
    pipeline.setup()
    out = pipeline(_chunk())
    assert out["sentiment_label"].tolist()[:2] == ["positive", "negative"]
    assert out["sentiment"].iloc[0] > 0.5 > -0.5 > out["sentiment"].iloc[1]
    assert pd.isna(out["sentiment_customer"].iloc[0])
    assert out["sentiment_customer"].iloc[2] < 0 < out["sentiment_agent"].iloc[2]


def test_sentiment_neutral_band_is_configurable() -> None:
    pipeline = build_pipeline(["normalize", "redact", "sentiment"],
                              {"sentiment": {"neutral_band": 0.99}}, CANONICAL_COLUMNS)
    pipeline.setup()
    out = pipeline(_chunk())
    assert set(out["sentiment_label"]) == {"neutral"}


def test_build_pipeline_rejects_unknown_stage_with_the_available_names() -> None:
    with pytest.raises(PipelineError, match=r"unknown stage 'sentimnt'; available: .*sentiment"
                                            r".*; did you mean 'sentiment'\?$"):
        build_pipeline(["sentimnt"], {}, CANONICAL_COLUMNS)


def test_build_pipeline_rejects_stage_whose_input_nothing_provides() -> None:
    with pytest.raises(PipelineError, match="'sentiment' needs text_redacted"):
        build_pipeline(["normalize", "sentiment", "redact"], {}, CANONICAL_COLUMNS)


def test_build_pipeline_rejects_unknown_stage_option() -> None:
    with pytest.raises(ConfigError, match="stages.sentiment.band.*did you mean 'neutral_band'"):
        build_pipeline(["normalize", "redact", "sentiment"], {"sentiment": {"band": 0.1}},
                       CANONICAL_COLUMNS)


def test_importing_the_package_registers_every_builtin_stage() -> None:
    code = "import feedback_engine.stages as s; print(' '.join(sorted(s.REGISTRY)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == sorted(BUILTIN_STAGES) == sorted(DEFAULTS["pipeline"]["stages"])


def _documented_plugin() -> str:
    """The example plugin of docs/architecture.md ("Plugin stages"): the first Python block."""
    doc = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Plugin stages", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """Install ``shout`` (module ``fe_plugin_shout``) and ``broken`` as entry points."""
    (tmp_path / "fe_plugin_shout.py").write_text(_documented_plugin(), encoding="utf-8")
    (tmp_path / "fe_plugin_broken.py").write_text("import no_such_module\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    points = [importlib.metadata.EntryPoint(name, value, "feedback_engine.stages")
              for name, value in (("shout", "fe_plugin_shout:Shout"),
                                  ("broken", "fe_plugin_broken"))]

    def entry_points(**selection):
        return [p for p in points if p.group == selection.get("group")]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    yield
    REGISTRY.pop("shout", None)
    for module in ("fe_plugin_shout", "fe_plugin_broken"):
        sys.modules.pop(module, None)


def test_plugin_stage_is_loaded_from_its_entry_point_and_runs(plugin, write_file) -> None:
    assert "shout" not in REGISTRY  # loaded only when a name is not built in
    path = write_file("feedback.toml", '[stages.shout]\nsuffix = "?"\n')
    config = load_config(path)
    assert config["stages"]["shout"] == {"suffix": "?"}

    pipeline = build_pipeline(["normalize", "redact", "shout"], config["stages"],
                              CANONICAL_COLUMNS)
    pipeline.setup()
    out = pipeline(_chunk())
    assert out["shout"].tolist()[:2] == ["GREAT SERVICE & QUICK?", "TERRIBLE. NEVER AGAIN!?"]


def test_plugin_stage_options_are_checked_like_builtin_ones(plugin, write_file) -> None:
    path = write_file("feedback.toml", "[stages.shout]\nsufix = 1\n")
    with pytest.raises(ConfigError, match=r"unknown option 'stages.shout.sufix' in .*; shout "
                                          r"takes: suffix; did you mean 'suffix'\?"):
        load_config(path)


def test_plugin_stage_that_fails_to_import_is_a_clear_error(plugin) -> None:
    with pytest.raises(PipelineError, match=r"plugin stage 'broken' \(fe_plugin_broken\) "
                                            r"failed to import: ModuleNotFoundError"):
        build_pipeline(["normalize", "broken"], {}, CANONICAL_COLUMNS)


def test_unknown_stage_names_list_plugins_too(plugin) -> None:
    with pytest.raises(PipelineError, match=r"available: .*broken.*shout.*did you mean 'shout'"):
        build_pipeline(["shuot"], {}, CANONICAL_COLUMNS)


def test_pipeline_refuses_a_stage_that_drops_rows() -> None:
    class Dropper:
        name, version, requires, optional = "dropper", 1, (), ()
        assigns = {"x": "INTEGER"}

        def setup(self) -> None:
            pass

        def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
            return chunk.iloc[1:].assign(x=1)

    with pytest.raises(StageOutputError, match=r"dropper.v1 broke its contract: rows 3 -> 2"):
        Pipeline([Dropper()])(_chunk())
