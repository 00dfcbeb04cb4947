"""Score aspect polarity and aspect-term extraction on SemEval-2014 Task 4 XML.

The XML holds ``<sentence><text/><aspectTerms><aspectTerm term polarity from to/>``; terms
labelled ``conflict`` are excluded, as in the task's polarity subtask. Given the gold terms,
polarity is scored by accuracy and macro F1 over negative / neutral / positive. Extraction is
scored by precision and recall of predicted term spans against gold spans (exact offsets,
as the task did, and a lenient any-overlap figure).

Held-out evaluation: sentences (not terms, so that terms of one sentence never straddle the
split) are shuffled with a fixed seed, and the first ``train_split`` share trains the model.

Reference: Pontiki et al., "SemEval-2014 Task 4: Aspect Based Sentiment Analysis" (2014).
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import error
from ..sentiment.rules import RuleScorer

POLARITIES = ("negative", "neutral", "positive")
DEFAULT_SEED = 13
DEFAULT_SPLIT = 0.8


@dataclass
class Sentence:
    """One SemEval sentence with its gold aspect terms (conflict excluded)."""

    id: str
    text: str
    terms: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, polarity
    conflict: list[tuple[int, int]] = field(default_factory=list)


def read_semeval(path: str | Path) -> list[Sentence]:
    """Read SemEval-2014 Task 4 XML (the DTD is never resolved: plain ElementTree).

    Raises:
        SourceError: the file is not XML of that shape.
    """
    source = Path(path)
    try:
        root = ET.parse(source).getroot()
    except (ET.ParseError, OSError) as exc:
        raise error("FE128", source=source, problem=exc) from None
    sentences = []
    for node in root.iter("sentence"):
        text = node.findtext("text") or ""
        sentence = Sentence(str(node.get("id", len(sentences))), text)
        for term in node.iter("aspectTerm"):
            try:
                start, end = int(term.get("from", "")), int(term.get("to", ""))
            except ValueError:
                raise error("FE129", source=source, id=sentence.id) from None
            label = term.get("polarity", "")
            if label == "conflict":
                sentence.conflict.append((start, end))
            elif label in POLARITIES:
                sentence.terms.append((start, end, label))
            else:
                raise error("FE130", source=source, id=sentence.id, label=label,
                            polarities=", ".join(POLARITIES))
        sentences.append(sentence)
    if not sentences:
        raise error("FE131", source=source)
    return sentences


def split(sentences: list[Sentence], train_share: float = DEFAULT_SPLIT,
          seed: int = DEFAULT_SEED) -> tuple[list[Sentence], list[Sentence]]:
    """Shuffle sentences with ``seed`` and cut them into (train, held-out)."""
    order = np.random.default_rng(seed).permutation(len(sentences))
    cut = int(round(train_share * len(sentences)))
    return [sentences[i] for i in order[:cut]], [sentences[i] for i in order[cut:]]


def instances(sentences: list[Sentence]):
    """(instances, labels) for every gold term; others in a sentence include conflict terms."""
    from ..aspects.model import Instance

    items, labels = [], []
    for s in sentences:
        spans = [(a, b) for a, b, _ in s.terms] + s.conflict
        for start, end, label in s.terms:
            items.append(Instance(s.text, start, end,
                                  tuple(o for o in spans if o != (start, end))))
            labels.append(label)
    return items, labels


def classification(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1 and per-class F1 over the three polarities."""
    from sklearn.metrics import accuracy_score, f1_score

    per_class = f1_score(gold, predicted, labels=list(POLARITIES), average=None,
                         zero_division=0)
    return {"n": len(gold),
            "accuracy": round(float(accuracy_score(gold, predicted)), 4),
            "macro_f1": round(float(f1_score(gold, predicted, labels=list(POLARITIES),
                                             average="macro", zero_division=0)), 4),
            "f1": {c: round(float(f), 4) for c, f in zip(POLARITIES, per_class, strict=True)}}


def rule_predictions(items, scorer: RuleScorer) -> list[str]:
    """Polarity of each instance from the rule segmentation alone."""
    from ..aspects.effort import EffortScorer
    from ..aspects.extract import Mention, RulePolarity, polarity

    rules = RulePolarity(scorer, EffortScorer())
    out = []
    for item in items:
        spans = sorted({(item.start, item.end), *item.others})
        mentions = [Mention("x", a, b) for a, b in spans]
        score = rules.sentence(item.sentence, mentions)[spans.index((item.start, item.end))]
        out.append(polarity(score))
    return out


def extraction(sentences: list[Sentence], predicted: list[list[tuple[int, int]]]
               ) -> dict[str, Any]:
    """Precision / recall / F1 of predicted term spans (exact and any-overlap)."""
    tp = overlap_tp = overlap_found = n_pred = n_gold = 0
    for sentence, spans in zip(sentences, predicted, strict=True):
        gold = {(a, b) for a, b, _ in sentence.terms} | set(sentence.conflict)
        n_gold += len(gold)
        n_pred += len(spans)
        tp += len(gold & set(spans))
        overlap_tp += sum(any(a < d and c < b for c, d in gold) for a, b in spans)
        overlap_found += sum(any(a < d and c < b for a, b in spans) for c, d in gold)

    def ratio(x: int, y: int) -> float:
        return round(x / y, 4) if y else 0.0

    p, r = ratio(tp, n_pred), ratio(tp, n_gold)
    return {"gold": n_gold, "predicted": n_pred, "precision": p, "recall": r,
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "overlap_precision": ratio(overlap_tp, n_pred),
            "overlap_recall": ratio(overlap_found, n_gold)}


def evaluate_aspects(data: str | Path, train_split: float = DEFAULT_SPLIT,
                     seed: int = DEFAULT_SEED, model: str | Path | None = None,
                     noun_fallback: bool = True, backend: str = "linear",
                     progress: Any = None, **options: Any) -> dict[str, Any]:
    """Rules alone and a model trained on the seeded train part, scored on the held-out part.

    Args:
        data: SemEval-2014 Task 4 XML (a training file: it is split here).
        train_split: share of sentences used for training; 1.0 or 0 skips training and scores
            the rules (and ``model``, if given) on every sentence.
        model: a saved model (``feedback aspects train``) to score as well.
        noun_fallback: extraction includes spaCy noun phrases where installed.
        backend: the trained model: ``linear`` or ``finetune`` (a fine-tuned encoder, tens
            of minutes on a CPU).
        progress: called with a line per fine-tuning epoch.
        options: fine-tuning settings for the ``finetune`` backend (e.g. ``ensemble=1``).
    """
    from ..aspects.model import CLASSES, fit_polarity, load_polarity_model

    sentences = read_semeval(data)
    scorer = RuleScorer()
    train, held = split(sentences, train_split, seed) if 0 < train_split < 1 else (
        [], sentences)
    items, gold = instances(held)
    result: dict[str, Any] = {
        "data": str(data), "sentences": len(sentences), "evaluated_sentences": len(held),
        "split": ({"train_share": train_split, "seed": seed, "by": "sentence",
                   "train_terms": len(instances(train)[0])} if train else None),
        "polarity": {}}
    started = time.perf_counter()
    result["polarity"]["rules"] = classification(gold, rule_predictions(items, scorer))
    result["polarity"]["rules"]["terms_per_s"] = round(
        len(items) / max(time.perf_counter() - started, 1e-9))
    result["polarity"]["majority_class"] = classification(
        gold, [max(set(gold), key=gold.count)] * len(gold)) if gold else {}
    if train:
        train_items, train_gold = instances(train)
        started = time.perf_counter()
        fitted = fit_polarity(backend, train_items, train_gold, scorer, progress, **options)
        seconds = round(time.perf_counter() - started, 1)
        if backend == "finetune":
            members = fitted.member_probabilities(items)
            predicted = [CLASSES[i] for i in members.mean(axis=0).argmax(axis=1)]
            trained = classification(gold, predicted)
            trained["settings"] = fitted.settings
            if len(members) > 1:  # how much the seeds alone move the figure
                trained["members"] = [
                    classification(gold, [CLASSES[i] for i in m.argmax(axis=1)])
                    for m in members]
        else:
            trained = classification(gold, fitted.predict(items))
        result["polarity"]["trained"] = {**trained, "backend": backend, "seconds": seconds}
    if model:
        loaded = load_polarity_model(model, scorer)
        result["polarity"]["model"] = classification(gold, loaded.predict(items))
        result["polarity"]["model"]["path"] = str(model)
    texts = [s.text for s in held]
    result["extraction"] = extraction(held, default_spans(texts, noun_fallback))
    if train:
        result["extraction_learned"] = extraction(held, learned_vocabulary(train).spans(texts))
    return result


def default_spans(texts: list[str], noun_fallback: bool = True) -> list[list[tuple[int, int]]]:
    """Spans the stage would find: the aspect vocabulary, then noun phrases where none."""
    from ..aspects.extract import AspectMatcher, NounPhrases
    from ..aspects.lexicons import load_aspects

    matcher = AspectMatcher(load_aspects())
    found = [[(m.start, m.end) for m in matcher.find(t)] for t in texts]
    nouns = NounPhrases() if noun_fallback else None
    if nouns is not None and nouns.available:
        missing = [i for i, spans in enumerate(found) if not spans]
        for i, mentions in zip(missing, nouns.find_many([texts[i] for i in missing]),
                               strict=True):
            found[i] = [(m.start, m.end) for m in mentions]
    return found


def learned_vocabulary(train: list[Sentence], min_precision: float = 0.5):
    """Aspect terms of the training part that are aspects at least ``min_precision`` of
    the times they occur there: a domain vocabulary learned from labelled data."""
    import re

    from ..aspects.modifiers import CueMatcher

    gold: dict[str, int] = {}
    for s in train:
        for a, b in [(a, b) for a, b, _ in s.terms] + s.conflict:
            term = " ".join(s.text[a:b].lower().split())
            gold[term] = gold.get(term, 0) + 1
    matcher = CueMatcher([re.sub(r"\*", "", t) for t in gold if t.strip()])
    seen: dict[str, int] = {}
    for s in train:
        for match in matcher.regex.finditer(s.text):
            term = " ".join(match.group().lower().split())
            seen[term] = seen.get(term, 0) + 1
    keep = [t for t, n in gold.items() if n / max(seen.get(t, n), n) >= min_precision]
    return _Vocabulary(CueMatcher(keep))


@dataclass
class _Vocabulary:
    matcher: Any

    def spans(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        return [[(m.start(), m.end()) for m in self.matcher.regex.finditer(t)] for t in texts]


def format_aspects(result: dict[str, Any]) -> str:
    """A plain-text table of :func:`evaluate_aspects` output."""
    lines = [f"{result['data']}: {result['evaluated_sentences']:,} sentences evaluated"]
    if result.get("split"):
        s = result["split"]
        lines.append(f"held-out split: {1 - s['train_share']:.0%} of sentences, seed "
                     f"{s['seed']}; trained on {s['train_terms']:,} terms")
    lines.append(f"{'polarity':<16}{'n':>7}{'accuracy':>10}{'macro F1':>10}")
    for name, m in result["polarity"].items():
        if m:
            lines.append(f"{name:<16}{m['n']:>7,}{m['accuracy']:>10.3f}{m['macro_f1']:>10.3f}"
                         + (f"  ({m['backend']}, {m['seconds']:,.0f} s to train)"
                            if "backend" in m else ""))
    for key, name in (("extraction", "vocabulary+nouns"), ("extraction_learned",
                                                           "learned terms")):
        e = result.get(key)
        if e:
            lines.append(f"extraction ({name}): gold {e['gold']:,}, predicted "
                         f"{e['predicted']:,}: precision {e['precision']:.3f}, recall "
                         f"{e['recall']:.3f}, F1 {e['f1']:.3f} (overlap P "
                         f"{e['overlap_precision']:.3f} R {e['overlap_recall']:.3f})")
    return "\n".join(lines)
