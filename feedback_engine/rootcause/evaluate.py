"""Scores for root-cause predictions against labelled data, abstentions included.

``accuracy`` counts an ``unknown`` answer as wrong; ``coverage`` is the share answered
(not ``unknown``) and ``covered_accuracy`` the accuracy on that share, so a model that
abstains more trades coverage for covered accuracy. Rows whose true label is outside the
model's label set (out-of-domain) are right only when answered ``unknown``; they are
reported apart as ``ood_unknown_share``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .rules import UNKNOWN


@dataclass
class ClassScore:
    label: str
    support: int
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass
class Evaluation:
    """Every figure ``feedback rootcause evaluate`` prints."""

    n: int
    accuracy: float
    macro_f1: float
    coverage: float
    covered_accuracy: float | None
    raw_accuracy: float | None  # best class before abstention, when known
    n_out_of_domain: int
    ood_unknown_share: float | None
    per_class: list[ClassScore] = field(default_factory=list)
    confusions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(truth: Sequence[str], predicted: Sequence[str],
             known_labels: Sequence[str] | None = None,
             raw: Sequence[str] | None = None, top_confusions: int = 15) -> Evaluation:
    """Score ``predicted`` against ``truth``.

    Args:
        truth: true labels.
        predicted: answers (``unknown`` for abstentions).
        known_labels: the model's label set; true labels outside it are out-of-domain.
            Default: every true label is in-domain.
        raw: the best class before abstention (for ``raw_accuracy``).
        top_confusions: how many (true, predicted) pairs to list.

    Example:
        >>> e = evaluate(["a", "a", "b"], ["a", "unknown", "b"])
        >>> (e.accuracy, e.coverage, e.covered_accuracy)
        (0.6667, 0.6667, 1.0)
    """
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    known = set(known_labels) if known_labels is not None else set(truth)
    n = len(truth)
    pairs = list(zip(truth, predicted, strict=True))
    in_domain = [(t, p) for t, p in pairs if t in known]
    ood = [(t, p) for t, p in pairs if t not in known]
    right = sum(t == p for t, p in in_domain) + sum(p == UNKNOWN for _, p in ood)
    answered = [(t, p) for t, p in pairs if p != UNKNOWN]
    per_class = []
    f1s = []
    predicted_counts = Counter(p for _, p in pairs)
    for label in sorted(known | {p for p in predicted if p != UNKNOWN}):
        tp = sum(1 for t, p in pairs if t == label and p == label)
        support = sum(1 for t in truth if t == label)
        precision = _ratio(tp, predicted_counts[label])
        recall = _ratio(tp, support)
        f1 = None
        if precision is not None and recall is not None:
            f1 = round(2 * precision * recall / (precision + recall), 4) \
                if precision + recall else 0.0
        per_class.append(ClassScore(label, support, precision, recall, f1))
        if support:
            f1s.append(f1 or 0.0)
    confusions = Counter((t, p) for t, p in pairs if t != p)
    raw_accuracy = None
    if raw is not None:
        raw_accuracy = _ratio(sum(t == r for t, r in zip(truth, raw, strict=True) if t in known),
                              len(in_domain))
    return Evaluation(
        n=n, accuracy=_ratio(right, n) or 0.0,
        macro_f1=round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        coverage=_ratio(len(answered), n) or 0.0,
        covered_accuracy=_ratio(sum(t == p for t, p in answered), len(answered)),
        raw_accuracy=raw_accuracy, n_out_of_domain=len(ood),
        ood_unknown_share=_ratio(sum(p == UNKNOWN for _, p in ood), len(ood)),
        per_class=per_class,
        confusions=[{"true": t, "predicted": p, "count": c}
                    for (t, p), c in confusions.most_common(top_confusions)])
