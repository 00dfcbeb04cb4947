"""Sentiment learned from the customer's own scores, per language (``feedback sentiment adapt``).

A score given with a verbatim labels its text: NPS 9–10 or CSAT 4–5 (a review's star rating
is stored as ``csat``) is positive, NPS 0–6 or CSAT 1–2 negative; the middle and records
whose two scores disagree are left out. The model is a logistic regression (scikit-learn's
liblinear, seeded; one-vs-rest for three classes) on two TF-IDF blocks over the *redacted* text:

- the language's words (:func:`feedback_engine.languages.text.tokens`) as lemmas, uni- and
  bigrams;
- character n-grams: 1–3 for Chinese (a character is often a word), 2–5 within word
  boundaries for the others.

Both are hashed (the n-gram layer of :mod:`feedback_engine.sentiment.model`), so the saved
folder is the IDF vectors, the coefficients and a manifest: ``weights.npz`` read with
``allow_pickle=False``, every file hashed in the manifest (:mod:`feedback_engine.artifacts`).

:func:`cross_validate` compares it with the language's zero-shot method on the same stratified
folds; the adapted model becomes the default for its language only when its macro-F1 is
higher (``manifest["default"]``, with both figures). :func:`fit_texts` and
:func:`cross_validate` are also what ``benchmarks/languages_sentiment_benchmark.py`` measures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import FolderKind, library_versions, load_arrays, load_folder, save_folder
from ..errors import error
from ..languages.text import lemma, tokens
from .model import N_FEATURES, _idf, _tfidf

KIND = FolderKind("sentiment.adapted.v1",
                  "refit it with `feedback sentiment adapt --db WAREHOUSE`")
CLASSES = ("negative", "neutral", "positive")
# Inverse regularisation of the logistic regression. Not tuned (no time was spent on a grid):
# a moderate setting for sub-linear TF-IDF features normalised to unit length.
C = 4.0
SEED = 0
FOLDS = 5
MIN_PER_CLASS = 50
# Survey scores that label a text (inclusive); the rest are the ambiguous middle.
POSITIVE = {"nps": (9, 10), "csat": (4, 5)}
NEGATIVE = {"nps": (0, 6), "csat": (1, 2)}
# Neutral bands tried for a zero-shot scorer on 3-class labels (chosen on the training folds).
BANDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

Progress = Callable[[str], None] | None


def _words(language: str) -> Callable[[str], list[str]]:
    def analyse(text: str) -> list[str]:
        lemmas = [lemma(w, language) for w in tokens(text, language)]
        return lemmas + [f"{a} {b}" for a, b in zip(lemmas, lemmas[1:], strict=False)]
    return analyse


def _vectorisers(language: str) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(analyzer=_words(language), n_features=N_FEATURES,
                              alternate_sign=False, norm=None)
    chars = HashingVectorizer(analyzer="char" if language == "zh" else "char_wb",
                              ngram_range=(1, 3) if language == "zh" else (2, 5),
                              n_features=N_FEATURES, alternate_sign=False, norm=None,
                              lowercase=True)
    return words, chars


@dataclass
class AdaptedSentiment:
    """Logistic regression over hashed lemma and character TF-IDF, for one language."""

    language: str
    classes_: tuple[str, ...] = ()
    coef_: np.ndarray | None = None  # (n_classes or 1, 2 * N_FEATURES)
    intercept_: np.ndarray | None = None
    idf_words_: np.ndarray | None = None
    idf_chars_: np.ndarray | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    def _matrix(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        words, chars = _vectorisers(self.language)
        texts = [t if isinstance(t, str) else "" for t in texts]
        return hstack([_tfidf(words.transform(texts), self.idf_words_),
                       _tfidf(chars.transform(texts), self.idf_chars_)]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> AdaptedSentiment:
        """Fit on texts labelled negative / positive (and optionally neutral)."""
        from sklearn.linear_model import LogisticRegression

        words, chars = _vectorisers(self.language)
        self.idf_words_ = _idf(words.transform(texts))
        self.idf_chars_ = _idf(chars.transform(texts))
        matrix = self._matrix(texts)
        # Fit on the hashed columns the texts use only (the rest keep a zero weight).
        used = np.unique(matrix.indices)
        y = np.asarray(labels)
        self.classes_ = tuple(sorted(str(c) for c in set(labels)))
        if not {"positive", "negative"} <= set(self.classes_):
            raise ValueError(f"need positive and negative labels, got {self.classes_}")
        # Two classes: one model of "positive"; three: one-vs-rest, one model per class.
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        self.coef_ = np.zeros((len(targets), matrix.shape[1]), dtype=np.float32)
        self.intercept_ = np.zeros(len(targets))
        for row, target in enumerate(targets):
            model = LogisticRegression(C=C, solver="liblinear", random_state=SEED)
            model.fit(matrix[:, used], y == target)
            self.coef_[row, used] = model.coef_[0]
            self.intercept_[row] = model.intercept_[0]
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(classes_))`` class probabilities (one-vs-rest, normalised)."""
        if self.coef_ is None:
            raise error("FE463")
        logits = self._matrix(texts) @ self.coef_.T.astype(np.float64) + self.intercept_
        if len(self.classes_) == 2:
            p = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.column_stack([1.0 - p, p])
        p = 1.0 / (1.0 + np.exp(-logits))
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Scores in −1…1: P(positive) − P(negative)."""
        p = self.probabilities(texts)
        return p[:, self.classes_.index("positive")] - p[:, self.classes_.index("negative")]

    def predict_labels(self, texts: Sequence[str]) -> list[str]:
        p = self.probabilities(texts)
        return [self.classes_[i] for i in p.argmax(axis=1)]

    def save(self, folder: str | Path, meta: dict[str, Any]) -> Path:
        """Write ``weights.npz`` and the manifest (``meta`` added to it)."""
        weights = {"weights.npz": lambda path: np.savez_compressed(
            path, coef=self.coef_, intercept=self.intercept_,
            idf_words=self.idf_words_.astype(np.float32),
            idf_chars=self.idf_chars_.astype(np.float32))}
        self.manifest = save_folder(folder, KIND, weights, {
            "created": None,  # the same records give the same folder
            "language": self.language, "classes": list(self.classes_),
            "features": {"words": "languages.text lemmas, 1-2 grams",
                         "chars": [1, 3] if self.language == "zh" else [2, 5],
                         "n_features": N_FEATURES},
            "logistic_regression": {"C": C, "solver": "liblinear", "one_vs_rest": True,
                                    "seed": SEED},
            **meta,
            "library_versions": library_versions(("scikit-learn", "numpy", "jieba",
                                                  "pymorphy3", "simplemma", "razdel"))}
        ).manifest
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> AdaptedSentiment:
        """Load a saved folder, every file's hash and array's shape checked (FE501)."""
        saved = load_folder(folder, KIND, required=["weights.npz"])
        classes = tuple(saved.manifest.get("classes") or ())
        rows = 1 if len(classes) == 2 else len(classes)
        arrays = load_arrays(saved.path / "weights.npz", {
            "coef": (rows, 2 * N_FEATURES), "intercept": (rows,),
            "idf_words": (N_FEATURES,), "idf_chars": (N_FEATURES,)})
        return cls(language=str(saved.manifest.get("language")), classes_=classes,
                   coef_=arrays["coef"], intercept_=arrays["intercept"].astype(np.float64),
                   idf_words_=arrays["idf_words"].astype(np.float64),
                   idf_chars_=arrays["idf_chars"].astype(np.float64),
                   manifest=saved.manifest)


def fit_texts(texts: Sequence[str], labels: Sequence[str], language: str) -> AdaptedSentiment:
    """The adapted model of ``language`` fitted on labelled texts."""
    return AdaptedSentiment(language).fit(list(texts), list(labels))


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Accuracy (= micro-F1 over the classes present), macro-F1 over positive and negative
    (SentiRuEval's measure) and macro-F1 over every gold class."""
    from sklearn.metrics import f1_score

    gold, predicted = list(gold), list(predicted)
    classes = sorted(set(gold))
    return {"n": len(gold),
            "accuracy": float(np.mean([g == p for g, p in zip(gold, predicted, strict=True)])),
            "macro_f1_pos_neg": float(f1_score(gold, predicted, labels=["positive", "negative"],
                                               average="macro", zero_division=0)),
            "macro_f1": float(f1_score(gold, predicted, labels=classes, average="macro",
                                       zero_division=0))}


def zero_shot_labels(scores: Sequence[float], band: float) -> list[str]:
    """negative / neutral / positive at ±``band`` (band 0: positive at 0 and above)."""
    return ["positive" if s >= band and (band > 0 or s >= 0) else
            "negative" if s <= -band and (band > 0 or s < 0) else "neutral" for s in scores]


def choose_band(scores: Sequence[float], gold: Sequence[str], measure: str) -> float:
    """The neutral band of :data:`BANDS` that maximises ``measure`` on these labels
    (0 when the labels have no neutral class)."""
    if "neutral" not in set(gold):
        return 0.0
    return max(BANDS, key=lambda b: (metrics(gold, zero_shot_labels(scores, b))[measure], -b))


def cross_validate(texts: Sequence[str], labels: Sequence[str], language: str,
                   zero_shot: Sequence[float] | None = None, folds: int = FOLDS,
                   measure: str = "macro_f1_pos_neg", progress: Progress = None
                   ) -> dict[str, Any]:
    """Stratified k-fold CV of the adapted model beside the zero-shot scores on the same folds.

    Args:
        zero_shot: the zero-shot score of each text (None: no comparison, e.g. a language
            without a zero-shot method). With a neutral class its band is chosen on each
            training part by ``measure``.

    Returns:
        ``{"adapted": metrics, "zero_shot": metrics or None, "folds": k, "measure": ...}``
        over the pooled out-of-fold predictions.
    """
    from sklearn.model_selection import StratifiedKFold

    texts, labels = list(texts), np.asarray(list(labels))
    adapted = np.empty(len(texts), dtype=object)
    baseline = np.empty(len(texts), dtype=object)
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for k, (train, test) in enumerate(split.split(texts, labels), 1):
        if progress:
            progress(f"{language}: fold {k}/{folds} ({len(train):,} to fit)")
        model = fit_texts([texts[i] for i in train], labels[train], language)
        adapted[test] = model.predict_labels([texts[i] for i in test])
        if zero_shot is not None:
            band = choose_band([zero_shot[i] for i in train], labels[train], measure)
            baseline[test] = zero_shot_labels([zero_shot[i] for i in test], band)
    return {"folds": folds, "measure": measure, "adapted": metrics(labels, adapted),
            "zero_shot": None if zero_shot is None else metrics(labels, baseline)}


def label_from_scores(nps: Any, csat: Any) -> str | None:
    """positive / negative from a record's NPS and CSAT, None for the middle or a conflict."""
    votes = set()
    for name, value in (("nps", nps), ("csat", csat)):
        if value is None:
            continue
        low, high = POSITIVE[name]
        if low <= value <= high:
            votes.add("positive")
        low, high = NEGATIVE[name]
        if low <= value <= high:
            votes.add("negative")
    return votes.pop() if len(votes) == 1 else None


def _score(value: Any) -> int | None:
    """A stored survey score as an int (None for NULL, NaN or pandas' NA)."""
    import pandas as pd

    return None if value is None or pd.isna(value) else int(value)


def labelled_records(db: str | Path) -> tuple[list[str], list[str], list[str]]:
    """``(languages, texts, labels)`` of the warehouse's records that a score labels.

    Raises:
        WarehouseError: no warehouse (FE406), no redacted text (FE402).
    """
    from ..languages.detect import record_language
    from ..warehouse import Warehouse

    with Warehouse(db, read_only=True) as wh:
        columns = set(wh.columns("records"))
        if "text_redacted" not in columns:
            raise error("FE402", db=db)
        pick = ", ".join(c if c in columns else f"NULL AS {c}" for c in ("language", "nps",
                                                                          "csat"))
        rows = wh.query(f"SELECT {pick}, text_redacted FROM records "  # noqa: S608 - names
                        "WHERE text_redacted IS NOT NULL AND trim(text_redacted) <> '' "
                        "ORDER BY source, record_id")
    languages, texts, labels = [], [], []
    for language, nps, csat, text in rows.itertuples(index=False):
        tag = label_from_scores(_score(nps), _score(csat))
        languages.append(record_language(language))
        texts.append(text)
        labels.append(tag or "")
    return languages, texts, labels


def baseline_scores(texts: Sequence[str], language: str) -> tuple[str, list[float]]:
    """What the sentiment stage scores ``language`` with when no adapted model is chosen:
    the zero-shot method for zh, ru and de, VADER's rules for any other language."""
    from . import multilingual

    if language in multilingual.METHODS:
        return multilingual.METHODS[language], multilingual.score(texts, language)
    from .rules import RuleScorer

    rules = RuleScorer()
    return "rules", [rules.document(t)[0] or 0.0 for t in texts]


def adapt(db: str | Path, out: str | Path | None = None, language: str | None = None,
          min_per_class: int = MIN_PER_CLASS, folds: int = FOLDS,
          progress: Progress = None) -> dict[str, Any]:
    """Fit, cross-validate and save one adapted model per language of the warehouse.

    Each language's model goes to ``OUT/LANG/`` (default ``OUT``: ``sentiment-adapted`` beside
    the warehouse); its manifest says whether it beat the zero-shot method in CV
    (``default``), which is when the sentiment stage uses it.

    Args:
        language: fit this language only (an ISO 639-1 code); None: every language except
            English with at least ``min_per_class`` labelled records of each class.

    Raises:
        ConfigError: English (FE473), no records in ``language`` (FE471), too few labelled
            records (FE470), or no language with enough (FE472).
    """
    from ..languages.detect import normalise_code

    target = Path(out) if out is not None else Path(db).parent / "sentiment-adapted"
    wanted = normalise_code(language) if language else None
    if language and wanted is None:
        raise error("FE475", language=language)
    if wanted == "en":
        raise error("FE473")
    languages, texts, labels = labelled_records(db)
    present = sorted(set(languages))
    if wanted and wanted not in present:
        raise error("FE471", language=wanted, db=db, present=", ".join(present) or "none")
    results: dict[str, Any] = {"db": str(db), "out": str(target), "languages": {},
                               "skipped": {}}
    for lang in [wanted] if wanted else [x for x in present if x != "en"]:
        chosen = [i for i, x in enumerate(languages) if x == lang and labels[i]]
        counts = {c: sum(labels[i] == c for i in chosen) for c in ("positive", "negative")}
        if min(counts.values()) < min_per_class:
            if wanted:
                raise error("FE470", language=lang, minimum=min_per_class, **counts)
            results["skipped"][lang] = counts
            continue
        results["languages"][lang] = _adapt_one(
            lang, [texts[i] for i in chosen], [labels[i] for i in chosen], target / lang,
            folds, progress)
    if not results["languages"]:
        raise error("FE472", minimum=min_per_class,
                    counts="; ".join(f"{k}: {v['positive']} positive, {v['negative']} negative"
                                     for k, v in results["skipped"].items()) or "none")
    return results


def _adapt_one(language: str, texts: list[str], labels: list[str], folder: Path, folds: int,
               progress: Progress) -> dict[str, Any]:
    from .model import data_hash

    if progress:
        progress(f"{language}: {len(texts):,} labelled records; scoring them zero-shot")
    method, zero_shot = baseline_scores(texts, language)
    cv = cross_validate(texts, labels, language, zero_shot, folds=folds, progress=progress)
    measure = cv["measure"]
    beats = cv["adapted"][measure] > cv["zero_shot"][measure]
    if progress:
        progress(f"{language}: fitting on all {len(texts):,}")
    model = fit_texts(texts, labels, language)
    targets = np.array([1.0 if y == "positive" else -1.0 for y in labels])
    model.save(folder, {
        "training_data": {"source": "warehouse records scored with NPS or CSAT",
                          "n": len(texts), "sha256": data_hash(texts, targets),
                          "labels": {"positive": POSITIVE, "negative": NEGATIVE},
                          "counts": {c: labels.count(c) for c in ("positive", "negative")}},
        "cv": {**cv, "zero_shot_method": method},
        "default": bool(beats),
        "decision": (f"adapted {measure} {cv['adapted'][measure]:.3f} "
                     f"{'>' if beats else '<='} {method} {cv['zero_shot'][measure]:.3f} in "
                     f"{folds}-fold CV: " + ("the stage uses the adapted model" if beats else
                                             f"the stage keeps {method}"))})
    return {"n": len(texts), "folder": str(folder), "cv": cv, "zero_shot_method": method,
            "default": bool(beats), "decision": model.manifest["decision"]}
