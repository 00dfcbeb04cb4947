"""A learned aspect-polarity classifier on top of the rule features.

For each mention the features are
- the rule scores of its segment, its contrast clause and its sentence (see
  :mod:`feedback_engine.aspects.extract`), with their signs;
- hashed words of the segment, the clause, the sentence (with bigrams) and the three words
  either side of the term, each a namespace of its own, with words in a negation's scope
  marked ``NOT_``;
- the term itself and its words (some aspects lean one way: "wait", "price").

A multinomial logistic regression (L2, ``C`` below) predicts negative / neutral / positive.
The saved model is plain arrays: ``weights.npz`` (read with ``allow_pickle=False``) and
``manifest.json`` (format, training data hash, metrics, versions): never a pickle.

Reference: window and clause bag-of-words with lexicon scores in a linear classifier is the
design of the strongest SemEval-2014 Task 4 system, NRC-Canada (Kiritchenko et al., 2014).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import (
    library_versions,
    load_arrays,
    read_manifest,
    sha256_file,
    sha256_lines,
    verify_files,
    write_manifest,
)
from ..errors import ConfigError, ModelFileError
from ..sentiment.rules import RuleScorer
from .extract import CONTRAST, Mention, RulePolarity, segments
from .modifiers import NEGATORS, WORD

FORMAT = "feedback-engine aspect polarity model v1"
CLASSES = ("negative", "neutral", "positive")
N_FEATURES = 2**18
C = 0.1  # compared 0.1, 0.3, 1, 3 on the held-out parts (docs/aspects.md): within 0.011
WINDOW = 3


@dataclass(frozen=True)
class Instance:
    """One aspect mention to classify: ``sentence[start:end]`` is the term."""

    sentence: str
    start: int
    end: int
    others: tuple[tuple[int, int], ...] = ()  # the other mentions in the sentence


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


def data_hash(items: Sequence[Instance], labels: Sequence[str]) -> str:
    return sha256_lines(f"{label}\t{item.start}\t{item.end}\t{item.sentence}"
                        for item, label in zip(items, labels, strict=True))


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

        unknown = set(labels) - set(CLASSES)
        if unknown:
            raise ConfigError(f"aspect polarity labels must be {', '.join(CLASSES)}; "
                              f"got {sorted(unknown)[0]!r}")
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
            raise ConfigError("the aspect polarity model is not trained")
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
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(target / "weights.npz", coef=self.coef_, intercept=self.intercept_)
        digest = sha256_file(target / "weights.npz")
        versions = library_versions(("feedback-engine", "scikit-learn", "numpy", "vaderSentiment"))
        self.manifest = {
            "format": FORMAT, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "classes": list(CLASSES), "C": self.c, "n_features": N_FEATURES,
            "window": WINDOW, "weights_sha256": digest, "files": {"weights.npz": digest},
            "training_data": {"source": source, "n": len(items),
                              "sha256": data_hash(items, labels)},
            "lexicons": [str(p) for p in self.scorer.lexicons],
            "metrics": metrics or {}, "library_versions": versions,
        }
        write_manifest(target, self.manifest)
        return target

    @classmethod
    def load(cls, folder: str | Path, scorer: RuleScorer) -> PolarityModel:
        """Load a saved model (JSON and ``.npz`` only), checking format and weights hash.

        The hash is required, not optional: a manifest without one is refused (FE501).
        """
        source = Path(folder)
        manifest = read_manifest(source, "aspect polarity model (from `feedback aspects "
                                         "train`)")
        if manifest.get("format") != FORMAT:
            raise ModelFileError(f"{source}: model format {manifest.get('format')!r}, expected "
                                 f"{FORMAT!r}; retrain it with this version")
        verify_files(source, manifest, ["weights.npz"])
        arrays = load_arrays(source / "weights.npz", {
            "coef": (len(CLASSES), N_FEATURES + 8), "intercept": (len(CLASSES),)})
        c = manifest.get("C", C)
        if isinstance(c, bool) or not isinstance(c, int | float):
            raise ModelFileError(f"{source}: manifest.json has C {c!r}; expected a number")
        return cls(scorer=scorer, c=float(c), coef_=arrays["coef"],
                   intercept_=arrays["intercept"], manifest=manifest)

BACKENDS = ("linear", "finetune")


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
        raise ConfigError(f"unknown aspect polarity backend {backend!r}; "
                          f"use one of {', '.join(BACKENDS)}")
    if options:
        raise ConfigError(f"the linear aspect backend has no {sorted(options)[0]!r} setting; "
                          "it applies to --backend finetune")
    return PolarityModel(scorer).fit(items, labels)


def load_polarity_model(folder: str | Path, scorer: RuleScorer) -> Any:
    """Load a saved polarity model of either backend (told apart by its manifest)."""
    from .finetune import FinetunedPolarity, is_finetuned

    if is_finetuned(folder):
        return FinetunedPolarity.load(folder)
    return PolarityModel.load(folder, scorer)


def instances_for(sentence: str, spans: Sequence[tuple[int, int]]) -> list[Instance]:
    """One instance per span, each knowing the others in its sentence."""
    return [Instance(sentence, s, e, tuple(o for o in spans if o != (s, e))) for s, e in spans]
