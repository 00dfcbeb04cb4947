"""Text features for the trained root-cause model: TF-IDF n-grams, optional sentence embeddings.

Word 1–2-grams and character 2–5-grams (within word boundaries), each TF-IDF weighted with
sub-linear term frequency and L2-normalised, then concatenated; the ``accurate`` model adds
sentence embeddings scaled by ``embedding_scale`` so that they weigh about as much as the two
n-gram blocks together. The vocabularies are plain lists and the IDF weights plain arrays, so
a fitted featuriser saves to JSON + npz without pickle.

Reference: TF-IDF n-grams with a linear classifier are the standard strong baseline for intent
classification; Casanueva et al. (2020, "Efficient Intent Detection with Dual Sentence
Encoders") show sentence encoders with a shallow classifier reach fine-tuned BERT on Banking77.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import error

WORD_PATTERN = r"(?u)\b\w[\w']*\b"


@dataclass(frozen=True)
class FeatureConfig:
    """How texts become features (stored in the model manifest)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    char_min_df: int = 2  # a char n-gram seen once is noise and doubles the vocabulary
    embedding: str | None = None  # backend name for embeddings.get_backend, e.g. "minilm"
    embedding_scale: float = 2.0  # chosen on Banking77 among 1, 2, 3 (docs/rootcause.md)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureConfig:
        data = dict(data)
        data["word_ngrams"] = tuple(data["word_ngrams"])
        data["char_ngrams"] = tuple(data["char_ngrams"])
        return cls(**data)


def _counter(analyzer: str, ngrams: tuple[int, int], vocabulary: list[str] | None = None,
             min_df: int = 1) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    kwargs: dict[str, Any] = {"analyzer": analyzer, "ngram_range": tuple(ngrams),
                              "lowercase": True, "dtype": np.float32}
    if analyzer == "word":
        kwargs["token_pattern"] = WORD_PATTERN
    if vocabulary is not None:
        kwargs["vocabulary"] = {term: i for i, term in enumerate(vocabulary)}
    else:
        kwargs["min_df"] = min_df
    return CountVectorizer(**kwargs)


def _weigh(counts: Any, idf: np.ndarray) -> Any:
    from sklearn.preprocessing import normalize

    counts = counts.tocsr().astype(np.float32)
    counts.data = np.log1p(counts.data)  # sub-linear term frequency
    return normalize(counts.multiply(idf.astype(np.float32)).tocsr())


def _idf(counts: Any) -> np.ndarray:
    df = np.bincount(counts.tocsc().indices, minlength=counts.shape[1])
    return (np.log((1 + counts.shape[0]) / (1 + df)) + 1.0).astype(np.float32)


class Featurizer:
    """Fit vocabularies and IDF on training texts; turn any texts into one sparse matrix."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self.vocab_word_: list[str] = []
        self.vocab_char_: list[str] = []
        self.idf_word_ = np.zeros(0, dtype=np.float32)
        self.idf_char_ = np.zeros(0, dtype=np.float32)
        self._backend: Any = None
        self._counters: tuple[Any, Any] | None = None

    def backend(self) -> Any:
        """The embedding backend (loaded on first use), or None for n-grams only."""
        if self.config.embedding and self._backend is None:
            from ..vectors import shared_backend

            self._backend = shared_backend(self.config.embedding)
        return self._backend

    def fit(self, texts: Sequence[str]) -> Featurizer:
        cfg = self.config
        words = _counter("word", cfg.word_ngrams)
        counts = words.fit_transform(texts)
        self.vocab_word_ = _vocabulary(words)
        self.idf_word_ = _idf(counts)
        chars = _counter("char_wb", cfg.char_ngrams, min_df=cfg.char_min_df)
        counts = chars.fit_transform(texts)
        self.vocab_char_ = _vocabulary(chars)
        self.idf_char_ = _idf(counts)
        self._counters = None
        return self

    def ngrams(self, texts: Sequence[str]) -> Any:
        """The TF-IDF block (word then char columns) as a CSR matrix."""
        from scipy.sparse import hstack

        if self._counters is None:  # built once: a vocabulary dict per call costs time
            cfg = self.config
            self._counters = (_counter("word", cfg.word_ngrams, self.vocab_word_),
                              _counter("char_wb", cfg.char_ngrams, self.vocab_char_))
        words, chars = self._counters
        word = _weigh(words.transform(texts), self.idf_word_)
        char = _weigh(chars.transform(texts), self.idf_char_)
        return hstack([word, char], format="csr")

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray | None:
        backend = self.backend()
        if backend is None:
            return None
        return backend.encode(list(texts), progress=progress)

    def combine(self, ngrams: Any, embeddings: np.ndarray | None) -> Any:
        """The model's input: n-grams, plus scaled embeddings when configured."""
        from scipy.sparse import csr_matrix, hstack

        if embeddings is None:
            return ngrams
        dense = csr_matrix(embeddings * np.float32(self.config.embedding_scale))
        return hstack([ngrams, dense], format="csr")

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and arrays to save."""
        meta = {"config": self.config.to_json(), "vocab_word": self.vocab_word_,
                "vocab_char": self.vocab_char_}
        return meta, {"idf_word": self.idf_word_, "idf_char": self.idf_char_}

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Featurizer:
        out = cls(FeatureConfig.from_json(meta["config"]))
        out.vocab_word_, out.vocab_char_ = list(meta["vocab_word"]), list(meta["vocab_char"])
        out.idf_word_, out.idf_char_ = arrays["idf_word"], arrays["idf_char"]
        if len(out.idf_word_) != len(out.vocab_word_) or \
                len(out.idf_char_) != len(out.vocab_char_):
            raise error("FE373")
        return out


def _vocabulary(vectorizer: Any) -> list[str]:
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return terms
