"""``feedback eval pii``: precision, recall and leak rate of PII redaction on labelled spans.

Data: JSON lines ``{"text": "...", "entities": [{"start": 0, "end": 5, "type": "PERSON"}]}``,
optionally with ``"language": "ru"`` (ISO 639-1): the redactor then reads that line as text in
that language (``Redactor.find(text, language)``); a line without it is English.

Scoring (span overlap, the usual lenient match for redaction):
- a predicted span of type T is correct when it overlaps a gold span of type T (precision);
- a gold span of type T is found when a predicted span of type T overlaps it (recall);
- untyped recall: a gold span overlapped by a predicted span of any type (it is masked);
- leak rate: the share of gold PII characters left unmasked by any predicted span.

Clean texts (``--clean``): real texts that should hold no PII (reviews, chat intents). Every
record the redactor changes counts; the figure is records changed per 1,000. Some such texts
do hold PII (a reviewer thanking a shop assistant by name); ``--show-errors`` lists every
change so a reader can judge each one, and an audit file (``--audit``) records those
judgements: per set (the sha256 of its texts), the records whose every redacted span is a
real person's name, each span given as the sha256 of its lower-cased value (so the audit
holds no name). Audited records are then counted apart from the false redactions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import error
from ..privacy import Redactor, Span
from ..sources.tabular import read_text


@dataclass
class TypeScore:
    gold: int = 0
    predicted: int = 0
    found: int = 0  # gold spans overlapped by a prediction of the same type
    correct: int = 0  # predictions overlapping a gold span of the same type

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None


@dataclass
class PiiEvaluation:
    n_texts: int
    per_type: dict[str, TypeScore]
    untyped_recall: float | None
    leak_rate: float | None
    gold_chars: int
    leaked_chars: int
    seconds: float
    errors: list[dict[str, Any]] = field(default_factory=list)
    clean: list[CleanEvaluation] = field(default_factory=list)

    @property
    def docs_per_s(self) -> float:
        return self.n_texts / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_texts": self.n_texts,
            "per_type": {t: {**asdict(s), "precision": s.precision, "recall": s.recall}
                         for t, s in sorted(self.per_type.items())},
            "untyped_recall": self.untyped_recall, "leak_rate": self.leak_rate,
            "gold_chars": self.gold_chars, "leaked_chars": self.leaked_chars,
            "seconds": round(self.seconds, 3), "docs_per_s": round(self.docs_per_s, 1),
            **({"clean": [c.as_dict() for c in self.clean]} if self.clean else {}),
        }


@dataclass
class CleanEvaluation:
    """Redactions on texts that should hold no PII: records changed, and of those the ones an
    audit confirmed hold a real person's name (``confirmed``; None without an audit)."""

    source: str
    n_texts: int
    changed: int
    by_type: dict[str, int]
    seconds: float
    errors: list[dict[str, Any]] = field(default_factory=list)
    texts_sha256: str = ""
    confirmed: int | None = None

    @property
    def per_1000(self) -> float:
        """Records changed per 1,000."""
        return 1000 * self.changed / self.n_texts if self.n_texts else 0.0

    @property
    def false_per_1000(self) -> float:
        """Records changed per 1,000, less those the audit confirmed."""
        false = self.changed - (self.confirmed or 0)
        return 1000 * false / self.n_texts if self.n_texts else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "n_texts": self.n_texts, "changed": self.changed,
               "changed_per_1000": round(self.per_1000, 2),
               "false_redactions_per_1000": round(self.false_per_1000, 2),
               "audited": self.confirmed is not None, "confirmed_names": self.confirmed,
               "by_type": dict(sorted(self.by_type.items())), "texts_sha256": self.texts_sha256,
               "seconds": round(self.seconds, 3)}


def value_hash(value: str) -> str:
    """How an audit names a redacted value: the sha256 of its lower-cased text."""
    return hashlib.sha256(value.lower().encode("utf-8")).hexdigest()


def texts_hash(texts: list[str]) -> str:
    """How an audit names a clean set: the sha256 of its texts, one a line."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def load_audit(path: str | Path) -> dict[str, dict[int, set[str]]]:
    """Read an audit file: ``{"version": 1, "sets": {texts_sha256: {"name": ...,
    "persons": {record: [value_sha256, ...]}}}}``; a malformed file is FE132."""
    try:
        data = json.loads(read_text(Path(path))[0])
        return {digest: {int(record): set(values)
                         for record, values in entry["persons"].items()}
                for digest, entry in data["sets"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise error("FE132", path=path, problem=type(exc).__name__) from None


# Columns tried, in order, when --clean-column is not given for a CSV.
TEXT_COLUMNS = ("text", "review text", "review_text", "review", "comment", "comments",
                "feedback", "message", "body", "content", "verbatim", "response")


def load_clean_texts(path: str | Path, column: str | None = None) -> list[str]:
    """Texts from a CSV (one column), JSONL (strings, or objects' ``column``/"text") or txt.

    Empty texts are skipped. A CSV's column is ``column`` where the file has it, else the
    first of :data:`TEXT_COLUMNS` present (case-insensitive).
    """
    path = Path(path)
    text = read_text(path)[0]  # UTF-8, UTF-16 or a legacy code page; binary is refused
    suffix = path.suffix.lower()
    texts: list[str] = []
    if suffix in (".jsonl", ".ndjson", ".json"):
        key = column or "text"
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                raise error("FE118", path=path, line=number) from None
            value = obj.get(key) if isinstance(obj, dict) else obj
            if isinstance(value, str):
                texts.append(value)
    elif suffix in (".csv", ".tsv"):
        reader = csv.reader(io.StringIO(text, newline=""),
                            delimiter="\t" if suffix == ".tsv" else ",")
        header = next(reader, [])
        lowered = [h.strip().lower() for h in header]
        # The named column where this file has it (one option serves several files),
        # else the first known text column.
        wanted = ([column.strip().lower()] if column else []) + list(TEXT_COLUMNS)
        index = next((lowered.index(w) for w in wanted if w in lowered), None)
        if index is None:
            tried = f"no column '{column}'" if column else "no column named " + "/".join(
                TEXT_COLUMNS)
            raise error("FE119", path=path, tried=tried, n=len(header))
        texts = [row[index] for row in reader if len(row) > index]
    else:
        texts = text.splitlines()
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise error("FE120", path=path)
    return texts


def evaluate_clean(texts: list[str], redactor: Redactor, source: str = "",
                   context: int = 30,
                   audit: dict[str, dict[int, set[str]]] | None = None) -> CleanEvaluation:
    """Count the texts ``redactor`` changes; each change is listed in ``errors``. With an
    ``audit`` that covers these texts, a changed record whose every span it confirms as a
    person's name is counted in ``confirmed`` (and its errors marked ``confirmed_name``)."""
    started = time.perf_counter()
    found = [redactor.find(text) for text in texts]
    seconds = time.perf_counter() - started
    digest = texts_hash(texts)
    audited = (audit or {}).get(digest)
    by_type: dict[str, int] = defaultdict(int)
    errors = []
    changed = confirmed = 0
    for number, (text, spans) in enumerate(zip(texts, found, strict=True), start=1):
        if not spans:
            continue
        changed += 1
        values = [text[span.start:span.end] for span in spans]
        names = audited is not None and all(
            span.type == "PERSON" and value_hash(v) in audited.get(number, ())
            for span, v in zip(spans, values, strict=True))
        confirmed += names
        for span, value in zip(spans, values, strict=True):
            by_type[span.type] += 1
            errors.append({
                "kind": "confirmed_name" if names else "false_redaction", "type": span.type,
                "record": number, "value": value, "value_sha256": value_hash(value),
                "context": text[max(0, span.start - context):span.end + context]})
    return CleanEvaluation(source=source, n_texts=len(texts), changed=changed,
                           by_type=dict(by_type), seconds=seconds, errors=errors,
                           texts_sha256=digest,
                           confirmed=confirmed if audited is not None else None)


@dataclass(frozen=True)
class LabelledText:
    """One labelled line: it unpacks as ``text, spans`` (as the tuples it replaced did), and
    carries the line's ``language`` (None when the line gives none)."""

    text: str
    spans: list[Span]
    language: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.text, self.spans))


def load_pii_data(path: str | Path) -> list[LabelledText]:
    """Read the labelled JSONL; a malformed line is an error naming the line."""
    items = []
    try:
        lines = Path(path).read_bytes().decode("utf-8-sig").split("\n")
    except UnicodeDecodeError as exc:
        raise error("FE121", path=path, byte=exc.start) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text = obj["text"]
            if not isinstance(text, str):
                raise TypeError("'text' is not a string")
            spans = [Span(int(e["start"]), int(e["end"]), str(e["type"]))
                     for e in obj.get("entities", [])]
            language = obj.get("language")
            if language is not None and not isinstance(language, str):
                raise TypeError("'language' is not a string")
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError,
                RecursionError) as exc:
            raise error("FE122", path=path, line=number, problem=exc) from None
        if any(not 0 <= s.start < s.end <= len(text) for s in spans):
            raise error("FE123", path=path, line=number)
        items.append(LabelledText(text, spans, language))
    if not items:
        raise error("FE124", path=path)
    return items


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def evaluate_pii(data: list[LabelledText] | list[tuple[str, list[Span]]],
                 redactor: Redactor) -> PiiEvaluation:
    """Score ``redactor`` (anything with ``find(text) -> list[Span]``) on labelled texts.

    A text with a ``language`` is read with ``redactor.find(text, language)``."""
    per_type: dict[str, TypeScore] = defaultdict(TypeScore)
    masked_gold = total_gold = 0
    gold_chars = leaked = 0
    started = time.perf_counter()
    predictions = [redactor.find(item.text, item.language)
                   if isinstance(item, LabelledText) and item.language
                   else redactor.find(next(iter(item))) for item in data]
    seconds = time.perf_counter() - started
    errors = []
    for (text, gold), predicted in zip(data, predictions, strict=True):
        for g in gold:
            per_type[g.type].gold += 1
            total_gold += 1
            if any(_overlaps(g, p) and p.type == g.type for p in predicted):
                per_type[g.type].found += 1
            if any(_overlaps(g, p) for p in predicted):
                masked_gold += 1
            else:
                errors.append({"kind": "missed", "type": g.type, "value": text[g.start:g.end]})
            covered = set()
            for p in predicted:
                covered.update(range(max(g.start, p.start), min(g.end, p.end)))
            gold_chars += g.end - g.start
            leaked += (g.end - g.start) - len(covered)
        for p in predicted:
            per_type[p.type].predicted += 1
            if any(_overlaps(g, p) and p.type == g.type for g in gold):
                per_type[p.type].correct += 1
            elif not any(_overlaps(g, p) for g in gold):
                errors.append({"kind": "false_positive", "type": p.type,
                               "value": text[p.start:p.end]})
    return PiiEvaluation(
        n_texts=len(data), per_type=dict(per_type),
        untyped_recall=masked_gold / total_gold if total_gold else None,
        leak_rate=leaked / gold_chars if gold_chars else None,
        gold_chars=gold_chars, leaked_chars=leaked, seconds=seconds, errors=errors)


def format_pii(result: PiiEvaluation) -> str:
    """A plain-text table of the evaluation."""

    def fmt(value: float | None) -> str:
        return "   -" if value is None else f"{value:.3f}"

    lines = [f"{'type':<16}{'gold':>6}{'pred':>6}{'precision':>11}{'recall':>8}"]
    for kind, score in sorted(result.per_type.items()):
        lines.append(f"{kind:<16}{score.gold:>6}{score.predicted:>6}"
                     f"{fmt(score.precision):>11}{fmt(score.recall):>8}")
    lines += [
        f"texts {result.n_texts}; untyped redaction recall {fmt(result.untyped_recall)}; "
        f"leak rate {100 * (result.leak_rate or 0):.2f}% "
        f"({result.leaked_chars} of {result.gold_chars} PII characters unmasked)",
        f"{result.docs_per_s:,.0f} docs/s ({result.seconds:.2f} s)",
    ]
    for clean in result.clean:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(clean.by_type.items())) or "none"
        lines.append(f"clean {clean.source}: {clean.n_texts:,} texts; records changed "
                     f"{clean.per_1000:.2f} per 1,000 ({clean.changed}; spans: {kinds})")
        lines.append(
            "  not audited (every change counts as false)" if clean.confirmed is None else
            f"  audited: {clean.confirmed} hold{'s' if clean.confirmed == 1 else ''} a real "
            "person's name; false redactions "
            f"{clean.false_per_1000:.2f} per 1,000 ({clean.changed - clean.confirmed})")
    return "\n".join(lines)
