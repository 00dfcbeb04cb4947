"""Calibration and abstention: when a root-cause model should answer ``unknown``.

A text can be hard for two different reasons, and the model treats them apart:

* **unlike every class** (out-of-domain: a cause the model never saw). Measured by a *fit*
  score in [0, 1]: the mean, over two signals, of the share of in-domain held-out texts that
  score lower (an empirical-CDF rank, so the signals need no common scale). The signals are
  the top-two class probability (a text between two known classes still puts its mass on
  them; an unseen cause spreads it) and a distance-like one: the cosine similarity to the
  nearest class prototype in the embedding space (``accurate``; nearest-neighbour OOD
  detection, Sun et al., 2022, "Out-of-Distribution Detection with Deep Nearest
  Neighbors") or the largest decision value of the linear model (``fast``, which has no
  embeddings; "MaxLogit", Hendrycks et al., 2022, "Scaling Out-of-Distribution Detection
  for Real-World Settings"). Below the ``sim`` floor the answer is ``unknown``.
* **between two known classes** (in-domain but unsure). The top class probability after
  temperature scaling (Guo et al., 2017, "On Calibration of Modern Neural Networks": one
  scalar T fitted by minimising the negative log-likelihood on held-out rows). Its ``conf``
  floor rises only as far as the answers that pass the fit floor need to reach the target
  precision (answers to unseen classes counting as wrong, at an assumed ``OOD_PRIOR`` share
  of texts), so a text between two known causes mostly gets the likelier one.

:func:`choose_thresholds` sets both floors on held-out rows of the training data, which
include whole classes the inner model never saw (pseudo out-of-domain): the ``sim`` floor is
the loosest that turns away ``ood_target`` of those texts, but never more than
``max_reject`` of the in-domain ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Defaults for choose_thresholds, compared on splits of Banking77's training data only (the
# test set played no part): 10 classes held out of a model trained on 80% of the other
# classes' texts, scored on those classes and the remaining 20%, four draws. Targets 0.5 /
# 0.55 / 0.6 cost the accurate model 1.7 / 2.1 / 2.7 points of accuracy (unknown counted
# wrong) and answered `unknown` for 41% / 46% / 52% of the held-out classes' texts (34-61%
# by draw at 0.55); the fast model lost 3.6 / 4.0 / 4.9 points for 50% / 52% / 55%. 0.55 keeps the
# accurate model within 2 points of its accuracy before abstention (docs/rootcause.md).
DEFAULT_OOD_TARGET = 0.55
DEFAULT_MAX_REJECT = 0.15
# The share of texts of causes the model never saw that the precision target assumes: the
# held-out rows hold far more (whole classes against a fifth of the others' rows, about a
# third of all), which made the old single confidence floor turn away a fifth of the texts.
OOD_PRIOR = 0.1
# Without pseudo out-of-domain rows (fewer than 5 classes) the floor turns away this share.
FALLBACK_REJECT = 0.05


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``."""
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, targets: np.ndarray) -> float:
    """Return the temperature that minimises the NLL of ``targets`` (class indices)."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(targets))

    def nll(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[rows, targets], 1e-12, None)).mean())

    result = minimize_scalar(nll, bounds=(-6.0, 4.0), method="bounded")
    return float(np.exp(result.x))


def top_two(proba: np.ndarray) -> np.ndarray:
    """The summed probability of each row's two likeliest classes (1 with two classes)."""
    if proba.shape[1] < 2:
        return proba.max(axis=1)
    part = np.partition(proba, proba.shape[1] - 2, axis=1)
    return part[:, -1] + part[:, -2]


def fit_score(signals: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Mean empirical-CDF rank of each row's signals against the in-domain reference.

    Args:
        signals: (rows, k) values, higher meaning more like the training data.
        reference: (k, m) each signal's values on in-domain held-out rows, sorted ascending.

    Returns:
        (rows,) scores in [0, 1]: 0.05 means "as low as the lowest 5% of in-domain texts".

    Example:
        >>> fit_score(np.array([[0.5, 3.0]]), np.array([[0.1, 0.4, 0.9], [1.0, 2.0, 4.0]]))
        array([0.66666667])
    """
    ranks = [np.searchsorted(reference[j], signals[:, j], side="right") / reference.shape[1]
             for j in range(reference.shape[0])]
    return np.mean(ranks, axis=0)


@dataclass(frozen=True)
class Thresholds:
    """The abstention rule: answer when confidence >= conf and fit >= sim."""

    conf: float  # floor on the top class probability (between known classes)
    sim: float  # floor on the fit score (unlike every class)
    target_precision: float
    precision: float  # of the answers to held-out rows, out-of-domain weighed by ood_prior
    coverage: float  # share of in-domain held-out rows answered
    ood_rejected: float | None  # share of pseudo out-of-domain rows answered `unknown`
    ood_target: float = DEFAULT_OOD_TARGET
    max_reject: float = DEFAULT_MAX_REJECT
    in_domain_rejected: float = 0.0  # share of in-domain held-out rows under the sim floor
    ood_prior: float = OOD_PRIOR


def _fit_floor(fit: np.ndarray, in_domain: np.ndarray, ood_target: float,
               max_reject: float) -> float:
    """The loosest fit floor that turns away ``ood_target`` of the out-of-domain rows, capped
    where it would turn away more than ``max_reject`` of the in-domain rows."""
    inside = np.sort(fit[in_domain])
    if not len(inside):
        return 0.0
    # The floor may sit at most at the in-domain value below which max_reject of them lie.
    cap = float(inside[int(np.floor(max_reject * len(inside)))]) if max_reject < 1 else 1.01
    outside = np.sort(fit[~in_domain])
    if not len(outside):
        return float(inside[int(np.floor(FALLBACK_REJECT * len(inside)))])
    # The smallest floor f with share(outside < f) >= ood_target is just above the
    # ceil(ood_target * n)-th lowest out-of-domain value.
    need = int(np.ceil(ood_target * len(outside)))
    if need <= 0:
        return 0.0
    floor = float(np.nextafter(outside[need - 1], np.inf))
    return min(floor, cap)


def choose_thresholds(conf: np.ndarray, fit: np.ndarray, correct: np.ndarray,
                      in_domain: np.ndarray, target_precision: float,
                      ood_target: float = DEFAULT_OOD_TARGET,
                      max_reject: float = DEFAULT_MAX_REJECT,
                      ood_prior: float = OOD_PRIOR) -> Thresholds:
    """Pick both floors on held-out rows.

    Args:
        conf: calibrated top class probability of each row's prediction.
        fit: each row's fit score (:func:`fit_score`).
        correct: whether the prediction is right (always False for out-of-domain rows).
        in_domain: whether the row's true class was known to the model.
        target_precision: the least share of answers that must be right, an answer to an
            out-of-domain row counting as wrong and such rows as ``ood_prior`` of all.
        ood_target: the share of out-of-domain rows the fit floor should turn away.
        max_reject: the most in-domain rows the fit floor may turn away.
        ood_prior: the share of texts of unseen causes assumed in use (the held-out rows
            hold far more: whole classes against a fifth of the others).

    Returns:
        The fit floor (``sim``) from :func:`_fit_floor`; then the lowest confidence floor
        (``conf``) at which the answers that pass both reach ``target_precision``, or the one
        with the best precision when none does.
    """
    sim_t = _fit_floor(fit, in_domain, ood_target, max_reject)
    n_in, n_out = max(int(in_domain.sum()), 1), int((~in_domain).sum())
    prior = ood_prior if n_out else 0.0
    passed = fit >= sim_t
    conf_t, precision = 0.0, 0.0
    if (passed & in_domain).any():
        order = np.argsort(-conf[passed], kind="stable")
        conf_sorted = conf[passed][order]
        inside = in_domain[passed][order]
        hits = np.cumsum(correct[passed][order]) / n_in
        answered_in = np.cumsum(inside) / n_in
        answered_out = np.cumsum(~inside) / max(n_out, 1)
        weight = (1 - prior) * answered_in + prior * answered_out
        precisions = np.divide((1 - prior) * hits, weight, out=np.zeros_like(weight),
                               where=weight > 0)
        last = np.r_[conf_sorted[1:] != conf_sorted[:-1], True]  # cut between distinct values
        cuts = np.flatnonzero(last)
        meets = cuts[precisions[cuts] >= target_precision]
        i = int(meets[-1]) if len(meets) else int(cuts[np.argmax(precisions[cuts])])
        conf_t = 0.0 if i == len(order) - 1 else float(conf_sorted[i])
        precision = float(precisions[i])
    answered = (conf >= conf_t) & passed
    ood = float(1.0 - answered[~in_domain].mean()) if n_out else None
    return Thresholds(conf=conf_t, sim=sim_t, target_precision=target_precision,
                      precision=precision, coverage=float((answered & in_domain).sum() / n_in),
                      ood_rejected=ood, ood_target=ood_target, max_reject=max_reject,
                      in_domain_rejected=float((in_domain & ~passed).sum() / n_in),
                      ood_prior=prior)
