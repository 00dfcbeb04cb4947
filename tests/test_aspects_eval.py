"""SemEval-2014 XML reading, held-out scoring, and the saved polarity model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from feedback_engine.aspects.model import PolarityModel
from feedback_engine.cli import main
from feedback_engine.errors import ModelFileError, SourceError
from feedback_engine.evaluation.aspects import instances, read_semeval, split
from feedback_engine.sentiment.rules import RuleScorer

POSITIVE = ["The {} was great.", "Lovely {}, really good.", "I loved the {}."]
NEGATIVE = ["The {} was awful.", "Terrible {}, never again.", "I hated the {}."]
NEUTRAL = ["I asked about the {}.", "The {} is on the left.", "We looked at the {}."]


def _xml(path: Path, n: int = 60) -> Path:
    """A small SemEval-shaped file: simple sentences around a few terms, one conflict."""
    rows = ['<?xml version="1.0" encoding="UTF-8"?>', "<sentences>"]
    terms = ["agent", "refund", "app", "router", "bill"]
    for i in range(n):
        label, bank = [("positive", POSITIVE), ("negative", NEGATIVE),
                       ("neutral", NEUTRAL)][i % 3]
        term = terms[i % len(terms)]
        text = bank[(i // 3) % 3].format(term)
        start = text.index(term)
        rows.append(f'<sentence id="{i}"><text>{text}</text><aspectTerms>'
                    f'<aspectTerm term="{term}" polarity="{label}" from="{start}" '
                    f'to="{start + len(term)}"/></aspectTerms></sentence>')
    rows.append('<sentence id="c"><text>The agent was good and bad.</text><aspectTerms>'
                '<aspectTerm term="agent" polarity="conflict" from="4" to="9"/>'
                "</aspectTerms></sentence></sentences>")
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


def test_read_semeval_excludes_conflict_terms(tmp_path) -> None:
    sentences = read_semeval(_xml(tmp_path / "d.xml"))
    assert len(sentences) == 61
    assert sentences[-1].terms == [] and sentences[-1].conflict == [(4, 9)]
    assert sentences[0].terms == [(4, 9, "positive")]


def test_read_semeval_rejects_other_xml(tmp_path) -> None:
    bad = tmp_path / "x.xml"
    bad.write_text("<root><item/></root>", encoding="utf-8")
    with pytest.raises(SourceError, match="no <sentence>"):
        read_semeval(bad)


def test_split_is_by_sentence_and_seeded(tmp_path) -> None:
    sentences = read_semeval(_xml(tmp_path / "d.xml"))
    train, held = split(sentences, 0.8, seed=3)
    again = split(sentences, 0.8, seed=3)
    assert [s.id for s in train] == [s.id for s in again[0]]
    assert not {s.id for s in train} & {s.id for s in held}
    assert len(held) == 12


def test_polarity_model_saves_without_pickle_and_reloads(tmp_path) -> None:
    items, labels = instances(read_semeval(_xml(tmp_path / "d.xml")))
    scorer = RuleScorer()
    model = PolarityModel(scorer).fit(items, labels)
    folder = model.save(tmp_path / "m", items, labels, source="d.xml")
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == {"coef", "intercept"}
    loaded = PolarityModel.load(folder, scorer)
    assert loaded.predict(items) == model.predict(items)
    assert sum(p == g for p, g in zip(loaded.predict(items), labels, strict=True)) / len(
        labels) > 0.9
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["training_data"]["n"] == len(items)


def test_polarity_model_refuses_tampered_weights(tmp_path) -> None:
    items, labels = instances(read_semeval(_xml(tmp_path / "d.xml")))
    folder = PolarityModel(RuleScorer()).fit(items, labels).save(tmp_path / "m", items, labels)
    (folder / "weights.npz").write_bytes((folder / "weights.npz").read_bytes() + b"x")
    with pytest.raises(ModelFileError, match="does not match the hash"):
        PolarityModel.load(folder, RuleScorer())


def test_cli_eval_aspects_reports_rules_and_trained(tmp_path) -> None:
    data = _xml(tmp_path / "d.xml")
    result = CliRunner().invoke(main, ["eval", "aspects", str(data), "--json", "--no-nouns"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload["polarity"]) >= {"rules", "majority_class", "trained"}
    assert payload["split"] == {"train_share": 0.8, "seed": 13, "by": "sentence",
                                "train_terms": payload["split"]["train_terms"]}
    assert payload["polarity"]["rules"]["accuracy"] > 0.6


def test_cli_aspects_train_writes_a_model_the_stage_uses(tmp_path) -> None:
    data = _xml(tmp_path / "d.xml")
    result = CliRunner().invoke(main, ["aspects", "train", str(data), "-o",
                                       str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    import pandas as pd

    from feedback_engine.records import CANONICAL_COLUMNS
    from feedback_engine.stages import build_pipeline

    pipeline = build_pipeline(["normalize", "redact", "aspects"],
                              {"aspects": {"model": str(tmp_path / "m")}},
                              [*CANONICAL_COLUMNS, "turns"])
    pipeline.setup()
    out = pipeline(pd.DataFrame({"record_id": ["a"], "source": "s",
                                 "text": ["The refund was terrible."], "turns": [None]}))
    assert out["aspects"].iloc[0][0]["polarity"] == "negative"


def test_fine_tuning_options_are_refused_for_the_linear_backend(tmp_path) -> None:
    data = _xml(tmp_path / "d.xml")
    for command in (["eval", "aspects", str(data), "--no-nouns"],
                    ["aspects", "train", str(data), "-o", str(tmp_path / "m")]):
        for option, value in (("--ensemble", "2"), ("--encoder", "mpnet")):
            result = CliRunner().invoke(main, [*command, option, value])
            assert result.exit_code == 2
            assert f"{option} applies to --backend finetune only" in result.output
    assert not (tmp_path / "m").exists()


def test_ensemble_help_states_the_fine_tuning_default() -> None:
    from feedback_engine.aspects.finetune import DEFAULTS, ENCODER_DEFAULTS

    assert DEFAULTS["encoder"] == "mpnet"
    stated = (f"Default: {ENCODER_DEFAULTS['mpnet']['ensemble']} with mpnet, "
              f"{ENCODER_DEFAULTS['minilm']['ensemble']} with minilm.")
    for command in (["eval", "aspects", "--help"], ["aspects", "train", "--help"]):
        result = CliRunner().invoke(main, command)
        assert stated in " ".join(result.output.split())
