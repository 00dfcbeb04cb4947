"""The shipped learned sentiment layer: ridge regression over sentence embeddings, n-grams and
the rule layer's features, blended with the rules.

Features of a text:
- its all-MiniLM-L6-v2 sentence embedding (384-d, :mod:`feedback_engine.embeddings`);
- the rule score with three shape features (signed square, sign, is-neutral) and plain
  VADER's pos / neg / neu / compound (:func:`rule_features`);
- hashed word 1–2-grams and character 2–5-grams, TF-IDF with sub-linear tf (the n-gram part of
  :mod:`feedback_engine.sentiment.model`).

The score of a document is ``BLEND · ridge + (1 − BLEND) · rules``. It was trained on reviews,
tweets and review sentences, not on contact-center language, and scores the contact-center
suite worse than the rules (docs/sentiment.md), so the stage uses it for reviews by default
(:mod:`feedback_engine.stages.sentiment`).

Weights are ``weights.npz`` (read with ``allow_pickle=False``) and ``manifest.json``: no pickle.
The shipped folder is ``feedback_engine/models/sentiment-minilm``; rebuild it with
``python -m feedback_engine.sentiment.build DATASETS`` (docs/sentiment.md).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import (
    FolderKind,
    library_versions,
    load_arrays,
    load_folder,
    save_folder,
)
from ..errors import error
from .model import N_FEATURES, _idf, _tfidf, _vectorisers
from .rules import RuleScorer

KIND = FolderKind("sentiment.learned.v1",
                  "rebuild it with `python -m feedback_engine.sentiment.build DATASETS`")
SHIPPED = Path(__file__).resolve().parent.parent / "models" / "sentiment-minilm"
BACKEND = "minilm"
EMBEDDING_DIMS = 384
N_RULE_FEATURES = 8
# Ridge penalty 3 and blend 0.8: of penalties 3 and 10 and blends 1, 0.8, 0.6 and 0.5, the one
# pair whose 5-fold CV reached r 0.70 on movie snippets while keeping tweets within 0.01 of
# 0.90 (docs/sentiment.md, "How the settings were chosen").
ALPHA = 3.0
BLEND = 0.8


@functools.lru_cache(maxsize=1)
def _plain_vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()  # VADER as published, no overrides


def rule_features(scorer: RuleScorer, texts: list[str], rules: np.ndarray | None = None
                  ) -> np.ndarray:
    """The rule score, its shape (signed square, sign, neutral flag) and plain VADER's four
    outputs: ``(len(texts), 8)``."""
    if rules is None:
        rules = np.array([scorer.document(t)[0] or 0.0 for t in texts])
    plain = _plain_vader()
    vader = np.array([[scores[k] for k in ("pos", "neg", "neu", "compound")]
                      for scores in map(plain.polarity_scores, texts)]).reshape(-1, 4)
    return np.column_stack([rules, np.sign(rules) * rules**2, np.sign(rules),
                            (np.abs(rules) < 0.05).astype(float), vader])


def embeddings_installed() -> bool:
    """Can this install compute the embeddings the shipped weights were trained on?"""
    from ..embeddings import available_backends

    return BACKEND in available_backends()


@dataclass
class LearnedSentiment:
    """Ridge over [embedding, rule features, n-grams], blended with the rules."""

    scorer: RuleScorer
    coef_: np.ndarray | None = None
    intercept_: float = 0.0
    idf_words_: np.ndarray | None = None
    idf_chars_: np.ndarray | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    _backend: Any = None

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if self._backend is None:
            from ..vectors import shared_backend

            self._backend = shared_backend(BACKEND)
        return self._backend.encode(texts, progress=progress)

    def _matrix(self, texts: list[str], embeddings: np.ndarray, rules: np.ndarray):
        from scipy.sparse import csr_matrix, hstack

        words, chars = _vectorisers()
        dense = np.hstack([np.asarray(embeddings, dtype=np.float64),
                           rule_features(self.scorer, texts, rules)])
        return hstack([_tfidf(words.transform(texts), self.idf_words_),
                       _tfidf(chars.transform(texts), self.idf_chars_),
                       csr_matrix(dense)]).tocsr()

    def fit(self, texts: list[str], targets: np.ndarray, embeddings: np.ndarray,
            weights: np.ndarray | None = None) -> LearnedSentiment:
        """Fit on texts with targets in −1…1 (``weights``: per-text sample weights)."""
        from sklearn.linear_model import Ridge

        words, chars = _vectorisers()
        self.idf_words_ = _idf(words.transform(texts))
        self.idf_chars_ = _idf(chars.transform(texts))
        rules = np.array([self.scorer.document(t)[0] or 0.0 for t in texts])
        ridge = Ridge(alpha=ALPHA, solver="sparse_cg", tol=1e-6).fit(
            self._matrix(texts, embeddings, rules), targets, sample_weight=weights)
        self.coef_, self.intercept_ = ridge.coef_.astype(np.float32), float(ridge.intercept_)
        return self

    def predict(self, texts: list[str], embeddings: np.ndarray | None = None,
                rules: list[float | None] | None = None) -> np.ndarray:
        """Document scores in −1…1 (0 for empty texts)."""
        if self.coef_ is None:
            raise error("FE463")
        texts = [t if isinstance(t, str) else "" for t in texts]
        if rules is None:
            rules = [self.scorer.document(t)[0] for t in texts]
        rule = np.array([r or 0.0 for r in rules])
        if embeddings is None:
            embeddings = self.embed(texts)
        raw = self._matrix(texts, embeddings, rule) @ self.coef_ + self.intercept_
        return np.clip(BLEND * raw + (1 - BLEND) * rule, -1.0, 1.0)

    def save(self, folder: str | Path, training: dict[str, Any],
             metrics: dict[str, Any] | None = None) -> Path:
        weights = {"weights.npz": lambda path: np.savez_compressed(
            path, coef=self.coef_, intercept=np.array([self.intercept_]),
            idf_words=self.idf_words_.astype(np.float32),
            idf_chars=self.idf_chars_.astype(np.float32))}
        self.manifest = save_folder(folder, KIND, weights, {
            "created": None,  # a rebuild from the same data gives the same folder
            "training_data": training,
            "embeddings": {"backend": BACKEND, "dims": EMBEDDING_DIMS},
            "features": {"word_ngrams": [1, 2], "char_wb_ngrams": [2, 5],
                         "n_features": N_FEATURES, "rule_features": N_RULE_FEATURES,
                         "lexicons": [str(p) for p in self.scorer.lexicons]},
            "ridge_alpha": ALPHA, "blend_with_rules": BLEND,
            "target": "sentiment in -1..1", "metrics": metrics or {},
            "library_versions": library_versions(("scikit-learn", "numpy", "vaderSentiment",
                                                  "sentence-transformers"))}).manifest
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path = SHIPPED, scorer: RuleScorer | None = None
             ) -> LearnedSentiment:
        """Load a saved folder, every file's hash and array's shape checked (FE501)."""
        saved = load_folder(folder, KIND, required=["weights.npz"])
        arrays = load_arrays(saved.path / "weights.npz", {
            "coef": (2 * N_FEATURES + EMBEDDING_DIMS + N_RULE_FEATURES,), "intercept": (1,),
            "idf_words": (N_FEATURES,), "idf_chars": (N_FEATURES,)})
        return cls(scorer=scorer or RuleScorer(), coef_=arrays["coef"],
                   intercept_=float(arrays["intercept"][0]),
                   idf_words_=arrays["idf_words"].astype(np.float64),
                   idf_chars_=arrays["idf_chars"].astype(np.float64), manifest=saved.manifest)
