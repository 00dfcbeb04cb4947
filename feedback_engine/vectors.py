"""One embedding per text per process, and the warehouse's vector store.

Several stages read sentence embeddings of the same texts: the topic model, the accurate
root-cause model, the root-cause semantic layer and the learned sentiment model. Each asks
:func:`shared_backend` for its encoder, which gives every caller in a process the same loaded
model wrapped in a :class:`SharedBackend`: a text embedded once (by the ``embed`` stage, or by
whichever stage saw it first) is served from a bounded cache keyed by its SHA-256, so a chunk
is embedded once however many stages use it, and a process holds one copy of the model.

Vectors go to the warehouse's ``embeddings`` table, one row per (text hash, model) with the
vector as little-endian float16 bytes (:func:`pack` / :func:`unpack`; unit vectors lose under
1e-3 of cosine), so ``feedback topics fit`` reads them back instead of embedding again
(:func:`stored_vectors`).

Example:
    >>> unpack([pack(np.array([[0.6, 0.8]], dtype=np.float32))[0]]).round(3).tolist()
    [[0.6, 0.8]]
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

# Texts kept per process: more than a chunk holds, so each stage after the first finds the
# chunk's vectors; 20,000 MiniLM rows are 30 MB.
CACHE_SIZE = 20_000
# Backends whose vectors depend only on the text (a fitted tfidf-svd depends on its corpus).
SHAREABLE = ("minilm", "model2vec")
EMBEDDING_COLUMNS = {"text_sha256": "VARCHAR", "model": "VARCHAR", "vector": "BLOB"}


def text_sha256(text: str | None) -> str:
    """The hex SHA-256 of a text's UTF-8 bytes (DuckDB's ``sha256(text)`` gives the same)."""
    return hashlib.sha256((text if isinstance(text, str) else "").encode(
        "utf-8", "surrogatepass")).hexdigest()


def pack(vectors: np.ndarray) -> list[bytes]:
    """Each row as little-endian float16 bytes (the ``embeddings.vector`` column)."""
    half = np.ascontiguousarray(np.asarray(vectors, dtype="<f2"))
    return [row.tobytes() for row in half]


def unpack(blobs: Sequence[bytes]) -> np.ndarray:
    """Rows packed by :func:`pack` back to one float32 array (all the same width)."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(blobs), -1).astype(
        np.float32)


class SharedBackend:
    """An embedding backend whose vectors are cached by text hash; see the module docstring.

    ``name`` and any other attribute are the wrapped backend's.
    """

    def __init__(self, backend: Any, size: int = CACHE_SIZE) -> None:
        self.backend, self.size = backend, size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.encoded = 0  # texts actually run through the model (the rest came from cache)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)

    @property
    def name(self) -> str:
        return str(self.backend.name)

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
        """One L2-normalised float32 row per text; each distinct uncached text encoded once."""
        keys = [text_sha256(t) for t in texts]
        with self._lock:
            found = {k: self._cache[k] for k in set(keys) if k in self._cache}
            for k in found:
                self._cache.move_to_end(k)
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found and key not in todo:
                todo[key] = text if isinstance(text, str) else ""
        if todo:
            fresh = self.backend.encode(list(todo.values()), batch_size=batch_size,
                                        progress=progress)
            self.encoded += len(todo)
            new = dict(zip(todo, np.asarray(fresh, dtype=np.float32), strict=True))
            found.update(new)
            with self._lock:
                self._cache.update(new)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        if not keys:
            return np.asarray(self.backend.encode([]), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def new_chunk() -> None:
    """Empty every shared cache: the pipeline calls it before each chunk, so a text's vector
    never depends on what an earlier chunk of the same worker held (an int8 model's vectors
    vary a little with their batch-mates), and the output stays the same for any number of
    workers."""
    with _shared_lock:
        backends = list(_shared.values())
    for backend in backends:
        backend.clear()


_shared: dict[tuple[str, tuple[tuple[str, Any], ...]], SharedBackend] = {}
_shared_lock = threading.Lock()


def shared_backend(name: str, **options: Any) -> Any:
    """This process's one instance of the backend ``name`` (with ``options``), vectors cached.

    A tfidf-svd backend is fitted per corpus, so it is never shared: a new one is returned.
    ``auto`` is resolved first (:func:`feedback_engine.embeddings.get_backend`).
    """
    from .embeddings import available_backends, get_backend

    if name == "auto" and "minilm" in available_backends():
        name = "minilm"
        options = {k: v for k, v in options.items()
                   if k in ("threads", "max_seq_length", "runtime", "precision")}
    if name not in SHAREABLE:
        return get_backend(name, **options)
    key = (name, tuple(sorted(options.items())))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = SharedBackend(get_backend(name, **options))
        return _shared[key]


def reset_shared() -> None:
    """Forget every shared backend (tests; a worker that changes its thread cap)."""
    with _shared_lock:
        _shared.clear()


def stored_vectors(con: Any, texts: Sequence[str], model: str) -> tuple[np.ndarray, np.ndarray]:
    """The warehouse's vectors of ``texts`` under ``model``, if stored.

    Returns:
        ``(vectors, found)``: a float32 row per text (zeros where none is stored) and a
        boolean mask of the texts that had one. Without an ``embeddings`` table nothing is
        found.
    """
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
              .fetchall()}
    found = np.zeros(len(texts), dtype=bool)
    if "embeddings" not in tables or not len(texts):
        return np.zeros((len(texts), 0), dtype=np.float32), found
    import pandas as pd

    keys = pd.DataFrame({"i": np.arange(len(texts), dtype=np.int64),
                         "text_sha256": [text_sha256(t) for t in texts]})
    con.register("wanted_vectors", keys)
    try:
        rows = con.execute("SELECT w.i, e.vector FROM wanted_vectors w JOIN embeddings e "
                           "ON e.text_sha256 = w.text_sha256 AND e.model = ? ORDER BY w.i",
                           [model]).fetchall()
    finally:
        con.unregister("wanted_vectors")
    if not rows:
        return np.zeros((len(texts), 0), dtype=np.float32), found
    index = np.array([r[0] for r in rows], dtype=np.int64)
    block = unpack([r[1] for r in rows])
    out = np.zeros((len(texts), block.shape[1]), dtype=np.float32)
    out[index] = block
    found[index] = True
    return out, found
