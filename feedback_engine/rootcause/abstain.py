"""Calibration and abstention: when a root-cause model should answer ``unknown``.

Two signals, both tuned on held-out data at training time:

* **confidence** — the largest class probability after temperature scaling of the linear
  model's decision values (Guo et al., 2017, "On Calibration of Modern Neural Networks": one
  scalar T fitted by minimising the negative log-likelihood on held-out rows);
* **similarity** — the cosine similarity of the text to its nearest class centroid, which
  catches texts unlike every class even when the classifier is sure of itself (a linear
  model extrapolates; the nearest-centroid check is the classic "distance to the training
  data" out-of-domain test).

:func:`choose_thresholds` picks the pair of thresholds that keeps the most in-domain texts
while the answers given reach the target precision, where the held-out rows include whole
classes the inner model never saw (pseudo out-of-domain): answering anything for those counts
as a mistake. So the target precision bounds both confusions between known causes and
confident answers about unknown ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Similarity floors tried: these quantiles of the in-domain held-out similarities.
SIM_QUANTILES = (0.0, 0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30)


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


@dataclass(frozen=True)
class Thresholds:
    """The abstention rule: answer when confidence >= conf and similarity >= sim."""

    conf: float
    sim: float
    target_precision: float
    precision: float  # on the held-out rows, at these thresholds
    coverage: float  # share of in-domain held-out rows answered
    ood_rejected: float | None  # share of pseudo out-of-domain rows answered `unknown`


def choose_thresholds(conf: np.ndarray, sim: np.ndarray, correct: np.ndarray,
                      in_domain: np.ndarray, target_precision: float) -> Thresholds:
    """Pick thresholds on held-out rows for ``target_precision``.

    Args:
        conf: calibrated confidence of each row's prediction.
        sim: similarity of each row to its nearest class centroid.
        correct: whether the prediction is right (always False for out-of-domain rows).
        in_domain: whether the row's true class was known to the model.
        target_precision: the least share of given answers that must be right.

    Returns:
        The pair with the highest in-domain coverage that meets the target; when none does,
        the pair with the highest precision.
    """
    best: tuple[float, float, float, float] | None = None  # (coverage, precision, conf, sim)
    fallback: tuple[float, float, float, float] | None = None
    n_in = max(int(in_domain.sum()), 1)
    sims = sim[in_domain] if in_domain.any() else sim
    for q in SIM_QUANTILES:
        floor = float(np.quantile(sims, q)) if q else -1.0
        keep = sim >= floor
        order = np.argsort(-conf[keep], kind="stable")
        conf_sorted = conf[keep][order]
        hits = np.cumsum(correct[keep][order])
        answered_in = np.cumsum(in_domain[keep][order])
        answered = np.arange(1, len(order) + 1)
        precision = hits / answered
        # Only cut between distinct confidence values.
        last = np.r_[conf_sorted[1:] != conf_sorted[:-1], True]
        for i in np.flatnonzero(last):
            candidate = (answered_in[i] / n_in, precision[i], float(conf_sorted[i]), floor)
            if precision[i] >= target_precision and (best is None or candidate > best):
                best = candidate
            if fallback is None or candidate[1] > fallback[1]:
                fallback = candidate
    chosen = best or fallback or (0.0, 0.0, 1.0, 1.0)
    coverage, precision, conf_t, sim_t = chosen
    out_mask = ~in_domain
    ood = None
    if out_mask.any():
        answered = (conf[out_mask] >= conf_t) & (sim[out_mask] >= sim_t)
        ood = float(1.0 - answered.mean())
    return Thresholds(conf=conf_t, sim=sim_t, target_precision=target_precision,
                      precision=float(precision), coverage=float(coverage), ood_rejected=ood)
