"""A learned aspect-polarity classifier on top of the rule features.

For each mention the features are
- the rule scores of its segment, its contrast clause and its sentence (see
  :mod:`feedback_engine.aspects.extract`), with their signs;
- hashed words of the segment, the clause, the sentence (with bigrams) and the three words
  either side of the term, each a namespace of its own, with words in a negation's scope
  marked ``NOT_``;
- the term itself and its words (some aspects lean one way: "wait", "price").

A multinomial logistic regression (L2, ``C`` below) predicts negative / neutral / positive.
The saved model folder (:mod:`feedback_engine.artifacts`) holds ``weights.npz`` (read with
``allow_pickle=False``) and ``manifest.json`` (data hash, metrics, versions): never a pickle.

Reference: window and clause bag-of-words with lexicon scores in a linear classifier is the
design of the strongest SemEval-2014 Task 4 system, NRC-Canada (Kiritchenko et al., 2014).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import FolderKind, library_versions, load_arrays, load_folder, save_folder
from ..errors import error
from ..sentiment.rules import RuleScorer
from .extract import CONTRAST, Mention, RulePolarity, segments
from .modifiers import NEGATORS, WORD
from .polarity import CLASSES, Instance, check_labels, data_hash

KIND = FolderKind("aspects.linear.v1", "retrain it with `feedback aspects train`")
N_FEATURES = 2**18
BACKENDS = ("linear", "finetune")
C = 0.1  # compared 0.1, 0.3, 1, 3 on the held-out parts (docs/aspects.md): within 0.011
WINDOW = 3


def _words(text: str) -> list[str]:
    """Lower-cased words with ``NOT_`` on the three words after a negator."""
    out, scope = [], 0
    for word in WORD.findall(text.lower()):
        if word in NEGATORS or word.endswith("n't"):
            out.append(word)
            scope = 3
            continue
        out.append("NOT_" + word if scope else word)
        scope = max(0, scope - 1)
    return out


def _clause(sentence: str, start: int) -> tuple[int, int]:
    cuts = [0, *[m.start() for m in CONTRAST.finditer(sentence)], len(sentence)]
    index = max(i for i, c in enumerate(cuts[:-1]) if c <= start)
    return cuts[index], cuts[index + 1]


class FeatureBuilder:
    """Turns instances into a sparse feature matrix (stateless: hashing)."""

    def __init__(self, scorer: RuleScorer) -> None:
        self.polarity = RulePolarity(scorer)

    def _one(self, item: Instance) -> tuple[list[str], list[float]]:
        sentence = item.sentence
        spans = sorted({(item.start, item.end), *item.others})
        mentions = [Mention("x", s, e) for s, e in spans]
        index = spans.index((item.start, item.end))
        seg = segments(sentence, mentions)[index]
        seg_score = self.polarity.sentence(sentence, mentions)[index]
        clause = _clause(sentence, item.start)
        clause_score = self.polarity._score(sentence[clause[0]:clause[1]])
        sentence_score = self.polarity._score(sentence)
        term = " ".join(sentence[item.start:item.end].lower().split())
        left = _words(sentence[:item.start])[-WINDOW:]
        right = _words(sentence[item.end:])[:WINDOW]
        words = _words(sentence)
        tokens = [f"t:{term}", *(f"tw:{w}" for w in term.split())]
        tokens += [f"s:{w}" for w in _words(sentence[seg[0]:seg[1]])]
        tokens += [f"c:{w}" for w in _words(sentence[clause[0]:clause[1]])]
        tokens += [f"w:{w}" for w in words]
        tokens += [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
        tokens += [f"l:{w}" for w in left] + [f"r:{w}" for w in right]
        tokens += [f"n:{w}" for w in left + right]
        if clause[0] > 0:
            tokens.append("after_contrast")
        if clause[1] < len(sentence):
            tokens.append("before_contrast")
        if sentence.rstrip().endswith("?"):
            tokens.append("question")
        dense = [seg_score, clause_score, sentence_score, np.sign(seg_score),
                 np.sign(clause_score), np.sign(sentence_score),
                 float(abs(seg_score) < 0.05), float(len(spans) > 1)]
        return tokens, dense

    def transform(self, items: Sequence[Instance]):
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction import FeatureHasher

        tokens, dense = zip(*(self._one(i) for i in items), strict=True) if items else ((), ())
        hashed = FeatureHasher(n_features=N_FEATURES, input_type="string",
                               alternate_sign=False).transform(tokens)
        hashed.data = np.minimum(hashed.data, 1.0)  # presence, not counts
        return hstack([hashed, csr_matrix(np.asarray(dense, dtype=np.float64)
                                          .reshape(len(items), -1))]).tocsr()


@dataclass
class PolarityModel:
    """Logistic regression over :class:`FeatureBuilder` features."""

    scorer: RuleScorer
    c: float = C
    coef_: np.ndarray | None = None
    intercept_: np.ndarray | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.features = FeatureBuilder(self.scorer)

    def fit(self, items: Sequence[Instance], labels: Sequence[str]) -> PolarityModel:
        """Fit on instances with labels in negative / neutral / positive; returns self."""
        from sklearn.linear_model import LogisticRegression

        check_labels(labels)
        y = np.array([CLASSES.index(label) for label in labels])
        model = LogisticRegression(C=self.c, max_iter=3000)
        model.fit(self.features.transform(items), y)
        coef = np.zeros((len(CLASSES), model.coef_.shape[1]), dtype=np.float32)
        intercept = np.full(len(CLASSES), -1e3, dtype=np.float32)  # unseen class: never
        coef[model.classes_] = model.coef_
        intercept[model.classes_] = model.intercept_
        self.coef_, self.intercept_ = coef, intercept
        return self

    def decision(self, items: Sequence[Instance]) -> np.ndarray:
        if self.coef_ is None or self.intercept_ is None:
            raise error("FE545")
        if not items:
            return np.zeros((0, len(CLASSES)))
        return np.asarray(self.features.transform(items) @ self.coef_.T) + self.intercept_

    def predict(self, items: Sequence[Instance]) -> list[str]:
        return [CLASSES[i] for i in self.decision(items).argmax(axis=1)]

    def scores(self, items: Sequence[Instance]) -> np.ndarray:
        """A −1…1 score per item: P(positive) − P(negative)."""
        logits = self.decision(items)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return probs[:, 2] - probs[:, 0]

    def save(self, folder: str | Path, items: Sequence[Instance], labels: Sequence[str],
             metrics: dict[str, Any] | None = None, source: str = "") -> Path:
        """Write ``weights.npz`` and the manifest (data hash, metrics, versions) to ``folder``."""
        weights = {"weights.npz": lambda path: np.savez_compressed(
            path, coef=self.coef_, intercept=self.intercept_)}
        self.manifest = save_folder(folder, KIND, weights, {
            "classes": list(CLASSES), "C": self.c, "n_features": N_FEATURES, "window": WINDOW,
            "training_data": {"source": source, "n": len(items),
                              "sha256": data_hash(items, labels)},
            "lexicons": [str(p) for p in self.scorer.lexicons], "metrics": metrics or {},
            "library_versions": library_versions(("feedback-engine", "scikit-learn", "numpy",
                                                  "vaderSentiment"))}).manifest
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path, scorer: RuleScorer) -> PolarityModel:
        """Load a saved model (JSON and ``.npz`` only, every file hash-checked; FE501)."""
        saved = load_folder(folder, KIND, required=["weights.npz"])
        arrays = load_arrays(saved.path / "weights.npz", {
            "coef": (len(CLASSES), N_FEATURES + 8), "intercept": (len(CLASSES),)})
        c = saved.manifest.get("C", C)
        if isinstance(c, bool) or not isinstance(c, int | float):
            raise error("FE546", folder=folder, c=c, remake=KIND.remake)
        return cls(scorer=scorer, c=float(c), coef_=arrays["coef"],
                   intercept_=arrays["intercept"], manifest=saved.manifest)


def fit_polarity(backend: str, items: Sequence[Instance], labels: Sequence[str],
                 scorer: RuleScorer, progress: Any = None, **options: Any) -> Any:
    """Train a polarity model: ``linear`` (:class:`PolarityModel`) or ``finetune``
    (a sentence encoder fine-tuned, :mod:`feedback_engine.aspects.finetune`; minutes on a CPU).
    ``options`` are fine-tuning settings (``ensemble``, ``epochs``, ...); the linear
    backend takes none."""
    if backend == "finetune":
        from .finetune import FinetunedPolarity

        return FinetunedPolarity.fit(items, labels, progress=progress, **options)
    if backend != "linear":
        raise error("FE237", backend=backend, backends=", ".join(BACKENDS))
    if options:
        raise error("FE238", option=sorted(options)[0])
    return PolarityModel(scorer).fit(items, labels)


def load_polarity_model(folder: str | Path, scorer: RuleScorer) -> Any:
    """Load a saved polarity model of either backend (told apart by its manifest's kind)."""
    from .finetune import FinetunedPolarity, is_finetuned

    if is_finetuned(folder):
        return FinetunedPolarity.load(folder)
    return PolarityModel.load(folder, scorer)
