"""Topic quality against gold labels: NMI and ARI, outliers, time and memory, BERTopic beside.

Outliers (-1) count as one cluster of their own, so a model cannot gain by discarding hard
texts. NMI is the arithmetic-mean normalised mutual information (Strehl and Ghosh, 2002) and
ARI the adjusted Rand index (Hubert and Arabie, 1985), both from scikit-learn.
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..embeddings import TfidfSvdBackend, get_backend
from ..errors import error
from .model import TopicModel, resolve_embeddings


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def scores(gold: Sequence[Any], labels: np.ndarray) -> dict[str, float]:
    """Return NMI and ARI of ``labels`` (outliers -1 as their own cluster) against ``gold``."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels = np.asarray(labels)
    return {"nmi": round(float(normalized_mutual_info_score(gold, labels)), 4),
            "ari": round(float(adjusted_rand_score(gold, labels)), 4)}


def bertopic_defaults(texts: Sequence[str], embeddings: np.ndarray) -> dict[str, Any]:
    """Fit BERTopic with its default UMAP + HDBSCAN on the same embeddings; labels + time."""
    try:
        from bertopic import BERTopic
    except ImportError:
        raise error("FE544") from None
    started = time.perf_counter()
    topics, _ = BERTopic(embedding_model=None).fit_transform(list(texts), embeddings)
    return {"labels": np.asarray(topics), "seconds": round(time.perf_counter() - started, 2)}


def evaluate_topics(texts: Sequence[str], gold: Sequence[Any], embeddings: str = "auto",
                    seed: int = 0, baseline: bool = True, language: str | None = "auto",
                    **options: Any) -> dict[str, Any]:
    """Fit a topic model on ``texts`` and score it against ``gold``.

    Args:
        texts: the texts.
        gold: one gold label per text.
        embeddings: backend name for :class:`TopicModel`.
        seed: the model's seed.
        baseline: also fit BERTopic's defaults on the same embeddings (needs bertopic).
        language: the texts' language (ISO 639-1), ``auto`` to detect each text's (the
            language stage's detector), or None for English rules throughout.
        options: more :class:`TopicModel` settings (``resolution``, ``min_topic_size`` ...).

    Returns:
        ``{"n", "n_gold", "embeddings", "engine": {...}, "bertopic_defaults": {...}}`` where
        each block has n_topics, outlier_share, nmi, ari and seconds; the engine's
        ``fit_seconds`` include embedding (``fit_cpu_seconds``: CPU time of all threads, a
        figure that does not depend on other load on the machine); ``peak_rss_mb`` is the
        process peak so far.
    """
    texts = [t if isinstance(t, str) else "" for t in texts]
    languages = text_languages(texts, language)
    embeddings = resolve_embeddings(embeddings, languages)
    started, cpu_started = time.perf_counter(), time.process_time()
    model = TopicModel(embeddings=embeddings, seed=seed, **options)
    backend_started = time.perf_counter()
    backend = get_backend(embeddings, seed=seed) if embeddings in ("auto", "tfidf-svd") \
        else get_backend(embeddings)
    if isinstance(backend, TfidfSvdBackend):
        backend.fit(texts)
    x = backend.encode(texts)
    embed_s = time.perf_counter() - backend_started
    model.fit(texts, embeddings=x, languages=languages)
    labels = model.labels_
    assert labels is not None
    fit_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "n": len(texts), "n_gold": int(len(set(gold))), "embeddings": backend.name,
        "languages": dict(sorted(Counter(lang or "en" for lang in languages).items())),
        "labels": [t.label for t in sorted(model.topics_, key=lambda t: -t.size)][:20],
        "engine": {"n_topics": len(model.topics_),
                   "outlier_share": round(float(np.mean(labels < 0)), 4),
                   **scores(gold, labels), "fit_seconds": round(fit_s, 2),
                   "embed_seconds": round(embed_s, 2),
                   "cluster_seconds": round(fit_s - embed_s, 2),
                   "fit_cpu_seconds": round(time.process_time() - cpu_started, 2),
                   "peak_rss_mb": _peak_rss_mb()}}
    if baseline:
        base = bertopic_defaults(texts, x)
        b = base["labels"]
        result["bertopic_defaults"] = {
            "n_topics": int(len(set(b.tolist()) - {-1})),
            "outlier_share": round(float(np.mean(b < 0)), 4), **scores(gold, b),
            "cluster_seconds": base["seconds"], "peak_rss_mb": _peak_rss_mb()}
    return result


def text_languages(texts: Sequence[str], language: str | None) -> list[str | None]:
    """Each text's language: detected (``auto``), the one given, or None (English rules)."""
    if language == "auto":
        from ..languages.detect import LanguageDetector

        return [d.language for d in LanguageDetector().detect_many(texts)]
    return [language] * len(texts)


def format_topics_eval(result: dict[str, Any]) -> str:
    """A small text table of :func:`evaluate_topics` output."""
    languages = ", ".join(f"{k} {v:,}" for k, v in result.get("languages", {}).items())
    lines = [f"{result['n']:,} texts ({languages}), {result['n_gold']} gold labels, "
             f"embeddings {result['embeddings']}",
             f"{'':22}{'topics':>8}{'outliers':>10}{'NMI':>8}{'ARI':>8}{'seconds':>10}"]
    for key, name in (("engine", "feedback-engine"), ("bertopic_defaults",
                                                       "BERTopic defaults")):
        if key in result:
            r = result[key]
            secs = r.get("fit_seconds", r.get("cluster_seconds"))
            lines.append(f"{name:22}{r['n_topics']:>8}{r['outlier_share']:>10.1%}"
                         f"{r['nmi']:>8.3f}{r['ari']:>8.3f}{secs:>10.1f}")
    engine = result["engine"]
    lines.append(f"engine: embedding {engine['embed_seconds']:.1f} s + clustering "
                 f"{engine['cluster_seconds']:.1f} s; peak memory {engine['peak_rss_mb']:,.0f} MB"
                 + ("; BERTopic's seconds exclude the shared embeddings"
                    if "bertopic_defaults" in result else ""))
    if result.get("labels"):
        lines.append("largest topics: " + "; ".join(result["labels"][:8]))
    return "\n".join(lines)


def read_labelled(path: str, text_col: str, label_col: str) -> tuple[list[str], list[Any]]:
    """Texts and gold labels from a labelled table, read as ``feedback rootcause train`` reads
    one (:func:`~feedback_engine.sources.tabular.read_table`); rows with no label are left out."""
    from ..sources.tabular import read_table

    frame = read_table(path, [text_col, label_col])
    frame = frame[frame[label_col].notna() & (frame[label_col].astype(str).str.strip() != "")]
    return frame[text_col].fillna("").astype(str).tolist(), frame[label_col].tolist()
