"""The stage contract, checked over every registered stage, and pipeline building."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from feedback_engine.errors import ConfigError, PipelineError, StageOutputError
from feedback_engine.records import CANONICAL_COLUMNS
from feedback_engine.stages import REGISTRY, Pipeline, build_pipeline
from feedback_engine.stages.base import _load_builtin_stages
from feedback_engine.stages.normalize import normalize_text

_load_builtin_stages()


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


@pytest.mark.parametrize("name", sorted(REGISTRY))
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
    with pytest.raises(PipelineError, match=r"unknown stage 'sentimnt'; available: .*sentiment"):
        build_pipeline(["sentimnt"], {}, CANONICAL_COLUMNS)


def test_build_pipeline_rejects_stage_whose_input_nothing_provides() -> None:
    with pytest.raises(PipelineError, match="'sentiment' needs text_redacted"):
        build_pipeline(["normalize", "sentiment", "redact"], {}, CANONICAL_COLUMNS)


def test_build_pipeline_rejects_unknown_stage_option() -> None:
    with pytest.raises(ConfigError, match="stages.sentiment.band"):
        build_pipeline(["normalize", "redact", "sentiment"], {"sentiment": {"band": 0.1}},
                       CANONICAL_COLUMNS)


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
