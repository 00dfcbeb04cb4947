"""Topic model: clustering, reproducibility, assignment to frozen topics, candidates,
curation, safe persistence and the topics stage. Uses the tfidf-svd backend on
a small hand-written corpus so it runs without torch."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from feedback_engine.errors import ConfigError, ModelFileError
from feedback_engine.stages.topics import Topics
from feedback_engine.topics.cluster import cluster
from feedback_engine.topics.guided import nudge, taxonomy_seeds
from feedback_engine.topics.model import TopicModel

# Each theme: subjects x complaints, so texts vary but share the theme's words.
THEMES = {
    "refund": (["my refund", "the refund for my order", "refund of the returned parcel",
                "the promised refund"], ["has not arrived", "is still missing", "never came",
                                         "is two weeks late"]),
    "card": (["my card", "my debit card", "the card payment", "my credit card"],
             ["was declined at the shop", "keeps getting declined online",
              "declined at checkout again", "is declined every time"]),
    "broadband": (["broadband", "the internet connection", "my wifi router", "home broadband"],
                  ["keeps dropping every evening", "disconnects all the time",
                   "is very slow at night", "loses connection"]),
    "password": (["the password reset", "password reset link", "my password change",
                  "the reset password email"], ["does not work", "fails every time",
                                                 "locked me out", "never arrives"]),
}
ESIM = ["my esim will not activate", "esim activation fails with an error",
        "the esim qr code is rejected", "esim stuck on activating", "cannot activate esim"]


def corpus(repeat: int = 1) -> tuple[list[str], list[str]]:
    texts, gold = [], []
    for _ in range(repeat):
        for theme, (subjects, complaints) in THEMES.items():
            for subject in subjects:
                for complaint in complaints:
                    texts.append(f"{subject} {complaint}")
                    gold.append(theme)
    return texts, gold


def fit(seed: int = 0, **options: object) -> TopicModel:
    texts, _ = corpus()
    settings = {"min_topic_size": 5, "n_neighbors": 5, **options}
    return TopicModel(embeddings="tfidf-svd", seed=seed, **settings).fit(texts)


def test_topics_recover_the_planted_themes() -> None:
    from sklearn.metrics import normalized_mutual_info_score

    model = fit()
    _, gold = corpus()
    assert model.labels_ is not None
    assert normalized_mutual_info_score(gold, model.labels_) > 0.8
    labels = " ".join(t.label for t in model.topics_)
    for word in ("refund", "declined", "password"):
        assert word in labels


def test_two_fits_with_the_same_seed_give_identical_topics() -> None:
    first, second = fit(seed=3), fit(seed=3)
    assert np.array_equal(first.labels_, second.labels_)
    assert [t.to_json() for t in first.topics_] == [t.to_json() for t in second.topics_]
    assert np.array_equal(first.centroids_, second.centroids_)


def test_topic_labels_contain_no_stop_words() -> None:
    from feedback_engine.topics.text import STOP_WORDS

    for topic in fit().topics_:
        for term, _ in topic.terms:
            assert not set(term.split()) & STOP_WORDS


def test_topic_ids_are_ordered_by_size_and_examples_come_from_the_topic() -> None:
    model = fit()
    sizes = [t.size for t in model.topics_]
    assert sizes == sorted(sizes, reverse=True)
    texts, _ = corpus()
    for topic in model.topics_:
        assert topic.examples and all(e in texts for e in topic.examples)


def test_cluster_folds_small_groups_and_marks_far_texts_as_outliers() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:3]
    x = np.vstack([c + 0.05 * rng.standard_normal((30, 8)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    result = cluster(x, min_topic_size=5, n_neighbors=5, outlier_similarity=0.2)
    assert len(result.centroids) == 3
    assert (result.labels >= 0).all()
    far = np.zeros((1, 8))
    far[0, 7] = 1.0
    result = cluster(np.vstack([x, far]), min_topic_size=5, n_neighbors=5)
    assert result.labels[-1] == -1


def test_new_weeks_keep_topic_ids_and_unknown_texts_get_minus_one(tmp_path) -> None:
    model = fit()
    model.save(tmp_path / "m")
    loaded = TopicModel.load(tmp_path / "m")
    texts, _ = corpus(1)
    before = model.assign(texts)
    after = loaded.assign(texts)
    assert np.array_equal(before.topic_id, after.topic_id)
    assert np.allclose(before.topic_prob, after.topic_prob)
    assert (after.topic_id >= 0).all()  # a training text is its own nearest neighbour
    unknown = loaded.assign(["zebra giraffe savanna"])
    assert unknown.topic_id[0] == -1 and unknown.topic_label[0] is None


def test_unassigned_texts_become_new_topic_candidates_with_evidence() -> None:
    # Synthetic embeddings: four known directions, then a week with a fifth, new one.
    rng = np.random.default_rng(0)
    texts, gold = corpus()
    themes = sorted(set(gold))
    x = np.vstack([np.eye(16)[themes.index(g)] + 0.1 * rng.standard_normal(16) for g in gold])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    model = TopicModel(embeddings="tfidf-svd", min_topic_size=5, n_neighbors=5)
    model.fit(texts, embeddings=x.astype(np.float32))
    new = np.eye(16)[9] + 0.1 * rng.standard_normal((10, 16))
    new /= np.linalg.norm(new, axis=1, keepdims=True)
    week = np.vstack([x[:20], new]).astype(np.float32)
    candidates = model.candidates(texts[:20] + ESIM * 2, embeddings=week, min_size=5)
    assert len(candidates) == 1
    candidate = candidates[0]
    assert 10 <= candidate["size"] <= 11  # the ten new texts, maybe one known straggler
    assert candidate["terms"][0] == "esim"
    assert all("esim" in e for e in candidate["examples"][:3])
    assert candidate["nearest_similarity"] < 0.5


def test_label_and_merge_persist_and_keep_the_surviving_id(tmp_path) -> None:
    from feedback_engine.topics.service import label_topic, merge_topics

    model = fit()
    model.save(tmp_path / "m")
    label_topic(tmp_path / "m", 1, "Card declines")
    merged = merge_topics(tmp_path / "m", 0, 2)
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.topic(1).display == "Card declines"
    assert [t.id for t in loaded.topics_] == [0, 1, 3]
    assert merged["merged_from"] == [2] and loaded.topic(0).size == merged["size"]
    with pytest.raises(ConfigError, match="no topic 2"):
        loaded.topic(2)


def test_altered_model_files_are_refused(tmp_path) -> None:
    fit().save(tmp_path / "m")
    topics = tmp_path / "m" / "topics.json"
    doc = json.loads(topics.read_text())
    doc["topics"][0]["label"] = "tampered"
    topics.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="manifest"):
        TopicModel.load(tmp_path / "m")


def test_model_files_are_plain_json_and_npz_without_pickles(tmp_path) -> None:
    fit().save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "arrays.npz", "manifest.json", "topics.json"]
    with np.load(tmp_path / "m" / "arrays.npz", allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)


def test_missing_model_folder_says_how_to_fit(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="feedback topics fit"):
        TopicModel.load(tmp_path / "none")


def test_guided_seeds_come_from_the_taxonomy_and_pull_close_texts() -> None:
    seeds = taxonomy_seeds()
    assert seeds and all(isinstance(i, str) and text for i, text in seeds)
    x = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    seed = np.array([[0.8, 0.6]], dtype=np.float32)
    pulled = nudge(x, seed, threshold=0.7)
    assert pulled[0] @ seed[0] > x[0] @ seed[0]
    assert np.array_equal(pulled[1], x[1])
    np.testing.assert_allclose(np.linalg.norm(pulled, axis=1), 1.0, atol=1e-6)


def test_topics_stage_without_a_model_keeps_the_contract_with_nulls() -> None:
    stage = Topics()
    stage.setup()
    out = stage(pd.DataFrame({"record_id": ["a"], "text_redacted": ["refund late"]}))
    assert out["topic_id"].isna().all() and out["topic_label"].isna().all()
    assert out["topic_prob"].isna().all()


def test_topics_stage_assigns_from_a_saved_model(tmp_path) -> None:
    fit().save(tmp_path / "m")
    stage = Topics(model=str(tmp_path / "m"))
    stage.setup()
    chunk = pd.DataFrame({"record_id": ["a", "b"],
                          "text_redacted": ["my refund is still missing", "zebra giraffe savanna"]})
    out = stage(chunk)
    assert int(out["topic_id"][0]) >= 0 and "refund" in out["topic_label"][0]
    assert int(out["topic_id"][1]) == -1 and out["topic_label"][1] is None
    assert 0 <= out["topic_prob"][0] <= 1


def test_assignment_does_not_depend_on_how_many_texts_come_at_once() -> None:
    model = fit()
    texts, _ = corpus(repeat=9)  # 576 texts: three blocks of the similarity computation
    texts = [t if i % 7 else f"zebra {i}" for i, t in enumerate(texts)]
    together = model.assign(texts)
    alone = [model.assign([t]) for t in texts[250:262]]
    assert together.topic_id[250:262].tolist() == [int(a.topic_id[0]) for a in alone]
    assert np.allclose(together.topic_prob[250:262], [a.topic_prob[0] for a in alone])
    assert (together.topic_id == -1).any() and (together.topic_id >= 0).any()
