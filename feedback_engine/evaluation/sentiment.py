"""``feedback eval sentiment``: the engine beside plain VADER on labelled text.

Formats:
- ``vader``: VADER's ground truth, tab-separated ``id, mean rating (−4…4), text``; the gold
  score is mean/4.
- ``csv``: a text column and either a label column (positive/negative/neutral, or pos/neg/
  neu, 1/0/−1) or a numeric score column with its scale (``--scale 1,5`` maps stars to −1…1).

Metrics (BENCHMARKS.md conventions): n, Pearson r of the score against the gold score
(for labels: −1/0/1), 3-class accuracy, macro and weighted F1; gold and predicted classes use
the ±0.05 thresholds. A learned model is scored only on data it did not see: either a saved
model on another data set, or k-fold cross-validation (``--cv k``).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import error
from ..sentiment.rules import RuleScorer

LABELS = {"positive": 1.0, "pos": 1.0, "1": 1.0, "negative": -1.0, "neg": -1.0, "-1": -1.0,
          "neutral": 0.0, "neu": 0.0, "0": 0.0}
BAND = 0.05


@dataclass
class LabelledSet:
    texts: list[str]
    gold: np.ndarray  # −1…1
    source: str
    scale: tuple[float, float] | None = None  # the rating scale the gold came from


def load_vader(path: str | Path) -> LabelledSet:
    texts, gold = [], []
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\r\n").split("\t")
            if not line.strip():
                continue
            try:
                gold.append(float(parts[1]) / 4.0)
                texts.append(parts[2])
            except (IndexError, ValueError):
                raise error("FE125", path=path, line=number) from None
    return LabelledSet(texts, np.array(gold), str(path))


def load_csv(path: str | Path, text_col: str, label_col: str | None = None,
             score_col: str | None = None, scale: tuple[float, float] | None = None
             ) -> LabelledSet:
    if (label_col is None) == (score_col is None):
        raise error("FE466")
    texts, gold = [], []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for wanted in (text_col, label_col or score_col):
            if wanted not in columns:
                raise error("FE126", wanted=wanted, path=path, columns=", ".join(columns))
        for number, row in enumerate(reader, start=2):
            text = (row[text_col] or "").strip()
            if not text:
                continue
            if label_col:
                value = LABELS.get((row[label_col] or "").strip().lower())
                if value is None:
                    raise error("FE127", path=path, line=number, label=row[label_col])
            else:
                try:
                    value = float(row[score_col])
                except (TypeError, ValueError):
                    continue  # rows without a score are not gold data
                if scale:
                    low, high = scale
                    value = 2 * (value - low) / (high - low) - 1
            texts.append(text)
            gold.append(value)
    return LabelledSet(texts, np.array(gold), str(path), scale if score_col else None)


def classes(scores: np.ndarray) -> np.ndarray:
    return np.where(scores >= BAND, 1, np.where(scores <= -BAND, -1, 0))


def low_high_auc(gold: np.ndarray, predicted: np.ndarray, scale: tuple[float, float]
                 ) -> float | None:
    """ROC AUC of the score separating low ratings (≤ low + 1, e.g. 1–2 of 5 stars) from high
    ones (≥ high − 1, 4–5 stars); None when either group is empty."""
    from sklearn.metrics import roc_auc_score

    low, high = scale
    ratings = low + (gold + 1) / 2 * (high - low)
    lows, highs = ratings <= low + 1 + 1e-9, ratings >= high - 1 - 1e-9
    if not lows.any() or not highs.any():
        return None
    keep = lows | highs
    return float(roc_auc_score(highs[keep], predicted[keep]))


def metrics(gold: np.ndarray, predicted: np.ndarray,
            scale: tuple[float, float] | None = None) -> dict[str, Any]:
    from scipy.stats import spearmanr
    from sklearn.metrics import accuracy_score, f1_score

    g, p = classes(gold), classes(predicted)
    varies = np.std(predicted) > 0
    r = float(np.corrcoef(gold, predicted)[0, 1]) if varies else None
    rho = float(spearmanr(gold, predicted)[0]) if varies else None
    out = {"n": int(len(gold)), "pearson_r": r, "spearman": rho,
           "accuracy": float(accuracy_score(g, p)),
           "macro_f1": float(f1_score(g, p, average="macro")),
           "weighted_f1": float(f1_score(g, p, average="weighted"))}
    if scale is not None:
        out["auc_low_high"] = low_high_auc(gold, predicted, scale)
    return out


def _timed(func, texts: list[str]) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    scores = np.array(func(texts), dtype=float)
    return scores, len(texts) / max(time.perf_counter() - started, 1e-9)


def cross_validated(data: LabelledSet, scorer: RuleScorer, folds: int, seed: int = 0
                    ) -> np.ndarray:
    """Out-of-fold predictions of the learned model: each text scored by a model that did
    not see it (k-fold, shuffled with ``seed``)."""
    from sklearn.model_selection import KFold

    from ..sentiment.model import SentimentModel

    predicted = np.zeros(len(data.texts))
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(data.texts):
        model = SentimentModel(scorer).fit([data.texts[i] for i in train], data.gold[train])
        predicted[test] = model.predict([data.texts[i] for i in test])
    return predicted


def evaluate_sentiment(data: LabelledSet, lexicons: tuple[str, ...] | None = None,
                       model: str | Path | None = None, cv: int = 0,
                       learned: bool = False) -> dict[str, Any]:
    """Score plain VADER, the engine's rules and, if asked, the shipped learned model
    (``learned``) and a calibration model (``model``, or ``cv`` folds of one)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from ..sentiment.model import SentimentModel, data_hash

    scorer = RuleScorer(lexicons) if lexicons else RuleScorer()
    vader = SentimentIntensityAnalyzer()
    results: dict[str, Any] = {"data": data.source, "n": len(data.texts), "systems": {}}
    plain, plain_rate = _timed(
        lambda ts: [vader.polarity_scores(t)["compound"] for t in ts], data.texts)
    rules, rules_rate = _timed(
        lambda ts: [scorer.document(t)[0] or 0.0 for t in ts], data.texts)
    results["systems"]["plain VADER 3.3.2"] = {**metrics(data.gold, plain, data.scale),
                                               "docs_per_s": round(plain_rate)}
    results["systems"]["engine rules"] = {**metrics(data.gold, rules, data.scale),
                                          "docs_per_s": round(rules_rate)}
    if learned:
        from ..sentiment.learned import LearnedSentiment, embeddings_installed

        if not embeddings_installed():
            raise error("FE469")
        shipped = LearnedSentiment.load(scorer=scorer)
        scores, rate = _timed(lambda ts: shipped.predict(ts, rules=list(rules)), data.texts)
        entry = {**metrics(data.gold, scores, data.scale), "docs_per_s": round(rate)}
        seen = {d["sha256"]: name for name, d in
                shipped.manifest["training_data"]["domains"].items()}
        if data_hash(data.texts, data.gold) in seen:
            entry["warning"] = (f"the shipped model was trained on this very data (its "
                                f"{seen[data_hash(data.texts, data.gold)]} set): not a fair "
                                "evaluation; see docs/sentiment.md for held-out figures")
        results["systems"]["engine learned (shipped)"] = entry
    if model is not None:
        loaded = SentimentModel.load(model, scorer)
        seen = loaded.manifest.get("training_data", {}).get("sha256")
        name = f"engine model {Path(model).name}"
        results["systems"][name] = metrics(data.gold, loaded.predict(data.texts), data.scale)
        if seen == data_hash(data.texts, data.gold):
            results["systems"][name]["warning"] = ("trained on this very data: not a fair "
                                                   "evaluation; use --cv")
    if cv:
        results["systems"][f"engine model ({cv}-fold CV)"] = metrics(
            data.gold, cross_validated(data, scorer, cv), data.scale)
    return results


def format_sentiment(results: dict[str, Any]) -> str:
    def fmt(value: float | None) -> str:
        return "    -" if value is None else f"{value:.3f}"

    auc = any("auc_low_high" in m for m in results["systems"].values())
    lines = [f"{results['data']}  (n={results['n']})",
             f"{'system':<28}{'r':>7}{'rho':>7}{'acc':>7}{'macroF1':>9}{'wF1':>7}"
             + (f"{'AUC':>7}" if auc else "") + f"{'docs/s':>9}"]
    for name, m in results["systems"].items():
        rate = f"{m['docs_per_s']:,}" if "docs_per_s" in m else ""
        lines.append(f"{name:<28}{fmt(m['pearson_r']):>7}{fmt(m.get('spearman')):>7}"
                     f"{fmt(m['accuracy']):>7}{fmt(m['macro_f1']):>9}{fmt(m['weighted_f1']):>7}"
                     + (f"{fmt(m.get('auc_low_high')):>7}" if auc else "") + f"{rate:>9}")
        if "warning" in m:
            lines.append(f"  warning: {m['warning']}")
    return "\n".join(lines)
