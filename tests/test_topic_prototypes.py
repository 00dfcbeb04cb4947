"""Assignment to frozen topics by prototypes: agreement with the training topics, novelty,
empty texts, merges, persistence (including folders saved before prototypes existed) and
determinism. Synthetic embeddings on the hand-written corpus of test_topics, so it is fast
and needs no torch."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from test_topics import corpus

from feedback_engine.errors import ModelFileError
from feedback_engine.topics.model import TopicModel

DIMS = 24


def themed_vectors(gold: list[str], seed: int = 0, noise: float = 0.15) -> np.ndarray:
    """Unit vectors near one of two directions per theme (so topics have inner structure)."""
    rng = np.random.default_rng(seed)
    themes = sorted(set(gold))
    x = np.zeros((len(gold), DIMS))
    for i, theme in enumerate(gold):
        base = 2 * themes.index(theme)
        x[i, base] = 1.0
        x[i, base + 1] = 0.6 * (i % 2)  # the theme's two sub-directions
    x += noise * rng.standard_normal(x.shape)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def fitted(seed: int = 0, synthetic: bool = True) -> tuple[TopicModel, np.ndarray, list[str]]:
    """A model on 128 texts, 32 per theme (two prototypes per topic), with the synthetic
    vectors, or with the tfidf-svd backend's own (a saved model checks its backend's width).
    """
    texts, gold = corpus(repeat=2)
    model = TopicModel(embeddings="tfidf-svd", seed=seed, min_topic_size=5, n_neighbors=5)
    if synthetic:
        x = themed_vectors(gold)
        return model.fit(texts, embeddings=x), x, gold
    model.fit(texts)
    return model, model.encode(texts), gold


def _rewrite(folder: Path, name: str, content: bytes) -> None:
    """Replace a model file and record its hash, as the code that wrote it would have."""
    (folder / name).write_bytes(content)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = hashlib.sha256(content).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def old_format(model: TopicModel, folder: Path) -> Path:
    """Save ``model`` as the code before prototypes did: no prototype arrays, no
    temperature, a neighbour-vote threshold."""
    model.save(folder)
    with np.load(folder / "arrays.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if not k.startswith("prototype")}
    np.savez(folder / "arrays.npz", **arrays)
    _rewrite(folder, "arrays.npz", (folder / "arrays.npz").read_bytes())
    doc = json.loads((folder / "topics.json").read_text())
    del doc["assign_temperature"]
    doc["assign_threshold"] = 0.93  # nearest-other-text similarity, meaningless here
    _rewrite(folder, "topics.json", (json.dumps(doc) + "\n").encode())
    return folder


def test_prototypes_give_training_texts_their_topics() -> None:
    from sklearn.metrics import normalized_mutual_info_score

    model, x, gold = fitted()
    metrics = model.manifest_["metrics"]
    assert metrics["assign_agreement"] >= 0.95
    assert metrics["n_prototypes"] == len(model.prototypes_) > len(model.topics_)
    assert normalized_mutual_info_score(gold, model.assign(embeddings=x).topic_id) > 0.9
    assert set(model.prototype_ids_) == {t.id for t in model.topics_}
    assert model.prototype_sizes_.sum() == (model.reference_ids_ >= 0).sum()


def test_new_texts_like_the_training_ones_are_rarely_called_new() -> None:
    model, _, gold = fitted()
    fresh = model.assign(embeddings=themed_vectors(gold * 4, seed=1))
    assert np.mean(fresh.topic_id < 0) < 0.05
    assert ((fresh.topic_prob >= 0) & (fresh.topic_prob <= 1)).all()


def test_a_far_away_vector_and_a_zero_vector_fit_no_topic() -> None:
    model, _, _ = fitted()
    far = np.zeros((2, DIMS), dtype=np.float32)
    far[0, -1] = 1.0  # a direction no theme uses; row 1 stays the zero vector
    result = model.assign(embeddings=far)
    assert result.topic_id.tolist() == [-1, -1]
    assert result.topic_label == [None, None]
    assert result.topic_prob.tolist() == [0.0, 0.0]


def test_assignment_does_not_read_the_reference_texts() -> None:
    model, x, _ = fitted()
    before = model.assign(embeddings=x)
    model.reference_ = np.zeros((0, DIMS), dtype=np.float16)
    model.reference_ids_ = np.zeros(0, dtype=np.int64)
    after = model.assign(embeddings=x)
    assert np.array_equal(before.topic_id, after.topic_id)


def test_merge_moves_the_absorbed_topics_prototypes() -> None:
    model, x, _ = fitted()
    keep, absorb = model.topics_[0].id, model.topics_[1].id
    owned = int(np.sum(model.prototype_ids_ == keep)) + int(np.sum(model.prototype_ids_ == absorb))
    was_absorbed = model.assign(embeddings=x).topic_id == absorb
    model.merge(keep, absorb)
    assert absorb not in model.prototype_ids_
    assert int(np.sum(model.prototype_ids_ == keep)) == owned
    after = model.assign(embeddings=x).topic_id
    assert (after[was_absorbed] == keep).all()
    assert absorb not in after


def test_save_and_load_give_identical_assignments(tmp_path) -> None:
    model, x, _ = fitted(synthetic=False)
    model.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "arrays.npz", allow_pickle=False) as data:
        assert np.array_equal(data["prototypes"], model.prototypes_)
        assert np.array_equal(data["prototype_ids"], model.prototype_ids_)
    loaded = TopicModel.load(tmp_path / "m")
    probe = ["my refund never came back", "zebra giraffe savanna", "wifi drops at night"]
    before, after = model.assign(probe), loaded.assign(probe)
    assert np.array_equal(model.assign(embeddings=x).topic_id,
                          loaded.assign(embeddings=x).topic_id)
    assert np.array_equal(before.topic_id, after.topic_id)
    assert np.array_equal(before.topic_prob, after.topic_prob)
    assert loaded.assign_threshold_ == model.assign_threshold_


def test_a_folder_saved_before_prototypes_still_loads_and_assigns(tmp_path) -> None:
    model, x, _ = fitted(synthetic=False)
    loaded = TopicModel.load(old_format(model, tmp_path / "old"))
    # Rebuilt from the stored reference texts with the model's seed: the same prototypes
    # and calibration as at fit, so the same assignments.
    assert np.array_equal(loaded.prototypes_, model.prototypes_)
    assert loaded.assign_threshold_ == model.assign_threshold_
    before, after = model.assign(embeddings=x), loaded.assign(embeddings=x)
    assert np.array_equal(before.topic_id, after.topic_id)
    assert np.allclose(before.topic_prob, after.topic_prob)
    assert loaded.assign(["zebra giraffe savanna"]).topic_id[0] == -1  # texts work too


def test_an_old_folder_with_merged_topics_rebuilds_prototypes_for_the_merge(tmp_path) -> None:
    model, x, _ = fitted(synthetic=False)
    keep, absorb = model.topics_[0].id, model.topics_[1].id
    model.merge(keep, absorb)
    loaded = TopicModel.load(old_format(model, tmp_path / "old"))
    assert set(loaded.prototype_ids_) == {t.id for t in loaded.topics_}
    assert absorb not in loaded.assign(embeddings=x).topic_id


def test_prototypes_are_deterministic_for_a_seed() -> None:
    first, x, _ = fitted(seed=4)
    second, _, _ = fitted(seed=4)
    assert np.array_equal(first.prototypes_, second.prototypes_)
    assert np.array_equal(first.prototype_ids_, second.prototype_ids_)
    assert first.assign_temperature_ == second.assign_temperature_
    first.rebuild_prototypes()
    assert np.array_equal(first.prototypes_, second.prototypes_)
    assert np.array_equal(first.assign(embeddings=x).topic_prob,
                          second.assign(embeddings=x).topic_prob)


def test_saved_prototypes_of_the_wrong_shape_are_refused(tmp_path) -> None:
    model, _, _ = fitted(synthetic=False)
    model.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "arrays.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["prototypes"] = arrays["prototypes"][:, :-1]
    np.savez(tmp_path / "m" / "arrays.npz", **arrays)
    _rewrite(tmp_path / "m", "arrays.npz", (tmp_path / "m" / "arrays.npz").read_bytes())
    with pytest.raises(ModelFileError, match="malformed.*prototypes"):
        TopicModel.load(tmp_path / "m")
