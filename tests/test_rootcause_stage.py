"""The rootcause stage in a pipeline: rules by default, a model when configured."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from rootcause_fixtures import TRAIN, rows

from feedback_engine.config import DEFAULTS
from feedback_engine.errors import ConfigError
from feedback_engine.rootcause.model import train_model
from feedback_engine.stages.base import build_pipeline


def _chunk() -> pd.DataFrame:
    return pd.DataFrame({
        "record_id": ["r1", "r2", "r3", "r4"],
        "text_redacted": ["I was charged twice for my bill", "", None,
                          "Agent: Let me put you on hold while I check. Customer: ok"],
        "turns": [None, None, None,
                  [{"speaker": "agent", "text": "Let me put you on hold while I check."},
                   {"speaker": "customer", "text": "My refund never arrived."},
                   {"speaker": "agent", "text": "Let me put you on hold while I check."}]],
    })


def _stage(**options):
    pipeline = build_pipeline(["rootcause"], {"rootcause": options},
                              ["record_id", "text_redacted", "turns"])
    pipeline.setup()
    return pipeline


def test_rootcause_stage_is_in_the_default_pipeline_after_emotion():
    stages = DEFAULTS["pipeline"]["stages"]
    assert "rootcause" in stages
    assert stages.index("rootcause") > stages.index("emotion")


def test_rules_stage_assigns_cause_confidence_method_and_evidence():
    out = _stage()(_chunk())
    assert out["root_cause"].tolist() == ["billing.double_charge", "unknown", "unknown",
                                          "billing.refund_not_received"]
    assert out["root_cause_method"].tolist() == ["rules", "unknown", "unknown", "rules"]
    assert out["root_cause_conf"].iloc[1] == 0.0 and out["root_cause_conf"].iloc[0] > 0
    assert out["record_id"].tolist() == ["r1", "r2", "r3", "r4"]
    json.dumps(out["root_cause_evidence"].tolist())  # JSON column
    assert any("twice" in e for e in out["root_cause_evidence"].iloc[0])


def test_stage_reads_customer_turns_not_the_agents_hold_line():
    out = _stage()(_chunk())
    assert out["root_cause"].iloc[3] == "billing.refund_not_received"
    everything = _stage(customer_only=False)(_chunk())
    assert everything["root_cause"].iloc[3] == "wait_time.long_hold"


def test_stage_uses_a_custom_taxonomy(tmp_path):
    taxonomy = tmp_path / "causes.yaml"
    taxonomy.write_text("causes:\n  - id: money.twice\n    patterns: ['charged twice']\n")
    out = _stage(taxonomy=str(taxonomy))(_chunk())
    assert out["root_cause"].tolist()[:2] == ["money.twice", "unknown"]


def test_stage_rejects_an_unknown_option():
    with pytest.raises(ConfigError, match="rootcause takes"):
        build_pipeline(["rootcause"], {"rootcause": {"modle": "x"}}, ["text_redacted"])


def test_stage_with_a_model_answers_by_model_and_falls_back_to_rules(tmp_path):
    data = rows(TRAIN)
    train_model([t for t, _ in data], [label for _, label in data]).save(tmp_path / "m")
    chunk = pd.DataFrame({"record_id": ["a", "b", "c"],
                          "text_redacted": ["my parcel has not arrived yet",
                                            "the eSIM QR code is rejected",
                                            "the weather is nice"]})
    telecom = "domains/telecom/root_causes.yaml"
    out = _stage(model=str(tmp_path / "m"), taxonomy=telecom)(chunk)
    assert (out["root_cause"].iloc[0], out["root_cause_method"].iloc[0]) == ("delivery", "model")
    assert out["root_cause_evidence"].iloc[0]
    # the model abstains on an unseen cause; the taxonomy knows it
    assert (out["root_cause"].iloc[1], out["root_cause_method"].iloc[1]) == \
        ("technical_fault.esim_activation", "rules")
    assert out["root_cause_method"].iloc[2] == "unknown"
    strict = _stage(model=str(tmp_path / "m"), taxonomy=telecom, rules_fallback=False)(chunk)
    assert strict["root_cause"].iloc[1] == "unknown"
