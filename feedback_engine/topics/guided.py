"""Guided topics: the root-cause taxonomy's descriptions seed topics.

As in BERTopic's guided topic modelling, each seed (a cause's label, description and
examples) is embedded, and every text whose embedding is close to a seed is pulled toward
it before clustering: ``x' = normalise(x + weight * seed)`` for texts with cosine similarity
at least ``threshold`` to their nearest seed. Texts about a known cause then gather in one
topic, which is named after the cause when its centroid stays close to the seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..resources import lexicons_dir

PULL_WEIGHT = 0.25  # BERTopic averages doc and seed embeddings with a 3:1 weight
PULL_THRESHOLD = 0.5


def taxonomy_seeds(path: str | Path | None = None) -> list[tuple[str, str]]:
    """Return ``(cause id, seed text)`` for each cause of a root-cause taxonomy: its label,
    description and examples (a domain pack's with the core it extends).

    Args:
        path: the taxonomy file or bundled name; default the bundled core
            (``lexicons/root_causes.yaml``) when the installation has it (else no seeds).
    """
    from ..rootcause.taxonomy import load_taxonomy

    if path is None:
        try:
            lexicons_dir()
        except ConfigError:
            return []
    seeds = []
    for cause in load_taxonomy(path).causes:
        parts = [cause.label, cause.description, *cause.examples]
        text = ". ".join(p.strip() for p in parts if p and p.strip())
        if text:
            seeds.append((cause.id, text))
    return seeds


def nudge(x: np.ndarray, seeds: np.ndarray, weight: float = PULL_WEIGHT,
          threshold: float = PULL_THRESHOLD) -> np.ndarray:
    """Pull each row of ``x`` toward its nearest seed when similar enough; rows stay unit."""
    if len(seeds) == 0 or len(x) == 0:
        return x
    sims = x @ seeds.T
    best = np.argmax(sims, axis=1)
    close = sims[np.arange(len(x)), best] >= threshold
    out = x.astype(np.float32, copy=True)
    out[close] += weight * seeds[best[close]]
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
