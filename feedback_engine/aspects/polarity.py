"""What both aspect-polarity backends (:mod:`.model`, :mod:`.finetune`) share, so that
neither imports the other: the classes, the mention type and the training-data fingerprint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..artifacts import sha256_lines
from ..errors import error

CLASSES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Instance:
    """One aspect mention to classify: ``sentence[start:end]`` is the term."""

    sentence: str
    start: int
    end: int
    others: tuple[tuple[int, int], ...] = ()  # the other mentions in the sentence


def data_hash(items: Sequence[Instance], labels: Sequence[str]) -> str:
    """SHA-256 of the training mentions (label, span and sentence per line)."""
    return sha256_lines(f"{label}\t{item.start}\t{item.end}\t{item.sentence}"
                        for item, label in zip(items, labels, strict=True))


def check_labels(labels: Sequence[str]) -> None:
    """Refuse a label that is not one of :data:`CLASSES` (ConfigError)."""
    unknown = set(labels) - set(CLASSES)
    if unknown:
        raise error("FE489", label=sorted(unknown)[0], classes=", ".join(CLASSES))
