"""Keyphrases per record: RAKE scoring over content-word phrases, in a stable order.

RAKE (Rose et al., 2010) scores a word by degree / frequency inside the document (words that
sit in longer phrases score higher) and a phrase by the sum of its words. It needs no corpus
statistics, so a record's keyphrases do not depend on which chunk it was processed in. Ties
keep the phrase that appears first.

Example:
    >>> [k["term"] for k in extract("My eSIM activation failed twice. Refund the eSIM fee!")]
    ['esim activation failed', 'esim fee', 'refund']
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .text import display, phrases


def extract(text: str | None, top_k: int = 5, max_words: int = 3,
            language: str | None = None) -> list[dict[str, Any]]:
    """Return up to ``top_k`` keyphrases as ``{"term", "score"}``, best first.

    Args:
        text: the (redacted) record text.
        top_k: how many to keep.
        max_words: longest phrase, in words.
        language: the record's language (ISO 639-1); None or ``en`` for English.
    """
    found = [p for p in phrases(text, max_words, language) if p]
    if not found:
        return []
    frequency: Counter[str] = Counter()
    degree: Counter[str] = Counter()
    for phrase in found:
        for word in phrase:
            frequency[word] += 1
            degree[word] += len(phrase)
    scored: dict[str, tuple[float, int]] = {}
    for position, phrase in enumerate(found):
        term = " ".join(phrase)
        if term in scored:
            continue
        score = sum(degree[w] / frequency[w] for w in phrase)
        scored[term] = (score, position)
    # Drop a single word already inside a kept longer phrase ("esim" beside "esim activation").
    multi = {w for term in scored if " " in term for w in term.split()}
    ranked = sorted(((t, s, p) for t, (s, p) in scored.items()
                     if " " in t or t not in multi or len(scored) == 1),
                    key=lambda item: (-item[1], item[2]))
    return [{"term": display(t), "score": round(s, 3)} for t, s, _ in ranked[:top_k]]
