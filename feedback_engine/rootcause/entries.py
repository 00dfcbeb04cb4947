"""One taxonomy entry from a group of texts: discriminating patterns, examples, polarity.

The one entry builder of ``feedback taxonomy draft`` (a topic's or a cluster's ``unknown``
records) and ``feedback topics promote`` (a topic's records). Patterns are written in the
taxonomy's pattern language and measured with it (:func:`.taxonomy.compile_pattern`, the
same anchor pre-check and regex as the rule classifier) on the period's texts, so what the
draft says a pattern matches is what the classifier will match.

Candidates come from the group's distinctive terms against the rest (the weighted log-odds
of :mod:`feedback_engine.topics.distinctive`): its in-phrase bigrams ("qr code"), pairs of
its top words up to :data:`GAP` words apart ("esim ~3 activation"), and its single words.
A folded word goes back to the forms the texts use (``code|codes``). With *precision* the
share of the texts a pattern matches that belong to the group (sampled rest texts count for
the texts they stand for), the rule is:

* a phrase (two words or more) needs precision >= :data:`MIN_PRECISION` and support: it
  matches at least ``max(MIN_SUPPORT, SUPPORT_SHARE x group size)`` of the group's texts;
* a single word is kept only when it is rare and highly discriminating: not an ordinary
  English word (not in Webster's Second, the word list the redactor uses: "esim", "wifi",
  "mbps" pass; "green", "code", "refund" never do), precision >= :data:`SINGLE_PRECISION`,
  in at most :data:`SINGLE_REST_SHARE` of the rest, a rest of at least
  :data:`SINGLE_MIN_REST` texts (else that share says nothing), not a stop word;
* phrases are chosen first, greedily (the one adding the most group texts), then single
  words for the texts no phrase reaches, while the union keeps precision >=
  :data:`MIN_PRECISION` and matches at most :data:`MAX_REST_SHARE` of the rest; at most
  :data:`MAX_PATTERNS`.

Examples are the group's texts that most chosen patterns (then most distinctive terms)
match, distinct, whitespace collapsed, cut at a word; the polarity is the texts' mean VADER
score (:func:`group_polarity`: questions and requests are neutral, plain problem reports
negative).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

import numpy as np
import yaml

from ..topics.distinctive import rank_counts
from ..topics.text import STOP_WORDS, fold, terms, tokens
from .taxonomy import compile_pattern

MIN_PRECISION = 0.8  # of the texts a pattern matches, at least 80% are the group's
SINGLE_PRECISION = 0.95  # a lone word must be this sure ...
SINGLE_REST_SHARE = 0.005  # ... and in at most 0.5% of the other texts ...
SINGLE_MIN_REST = 200  # ... of at least 200 (one hit in 200 is already 0.5%)
MAX_REST_SHARE = 0.02  # all patterns together match at most 2% of the other texts
MIN_SUPPORT = 2  # texts a pattern must match, at the least ...
SUPPORT_SHARE = 0.05  # ... and 5% of the group
MAX_PATTERNS = 6
GAP = 3  # "a ~3 b": the words a pair may have between them (the language's default)
N_CANDIDATES = 40  # distinctive terms looked at per group
# Any over-representation makes a candidate: the prior shrinks a small group's z well below
# 1.96 (30 texts all saying "esim", none elsewhere: z 1.7), and the rule above, measured on
# the texts, is the real filter.
Z_MIN = 0.01
N_PAIR_WORDS = 8  # top single words that are paired
N_EXAMPLES = 5
EXAMPLE_CHARS = 300
POLARITY_SAMPLE = 2000  # texts scored for the polarity (VADER, ~0.1 ms each)
_WORD_RE = re.compile(r"\w+")  # the rule classifier's words (rules.RuleClassifier._words)


class TextIndex:
    """The period's texts with their weights, term sets and word index; matches are cached.

    Args:
        texts: the texts (redacted), as the rule classifier sees them.
        weights: how many texts of the period each stands for (1 unless sampled).
    """

    def __init__(self, texts: Sequence[str], weights: Sequence[float] | None = None) -> None:
        self.texts = [(t or "").replace("\u2019", "'").replace("\u2018", "'") for t in texts]
        n = len(self.texts)
        self.weights = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        self.terms = [terms(t) for t in self.texts]
        index: dict[str, list[int]] = {}
        for i, text in enumerate(self.texts):
            for word in set(_WORD_RE.findall(text.lower().replace("'", ""))):
                index.setdefault(word, []).append(i)
        self._index = {w: np.array(ix, dtype=np.int64) for w, ix in index.items()}
        self._matches: dict[str, np.ndarray] = {}
        self._totals: Counter[str] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def _rows(self, word: str) -> np.ndarray:
        if not word.endswith("*"):
            return self._index.get(word, np.zeros(0, dtype=np.int64))
        prefix = word[:-1]
        found = [ix for w, ix in self._index.items() if w.startswith(prefix)]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def matches(self, pattern: str) -> np.ndarray:
        """Boolean mask of the texts that ``pattern`` (the pattern language) matches."""
        cached = self._matches.get(pattern)
        if cached is not None:
            return cached
        source, _, anchors = compile_pattern(pattern)
        regex = re.compile(source, re.IGNORECASE)
        rows = (np.arange(len(self.texts)) if anchors is None else
                np.unique(np.concatenate([self._rows(a) for a in anchors])))
        mask = np.zeros(len(self.texts), dtype=bool)
        for i in rows:
            if regex.search(self.texts[i]):
                mask[i] = True
        self._matches[pattern] = mask
        return mask

    def counts(self, mask: np.ndarray) -> Counter[str]:
        """Weighted document counts of the terms of the texts in ``mask``."""
        out: Counter[str] = Counter()
        for i in np.flatnonzero(mask):
            w = self.weights[i]
            for term in self.terms[i]:
                out[term] += w
        return out

    def rest_counts(self, rest: np.ndarray) -> Counter[str]:
        """:meth:`counts` of ``rest``, from the totals less what lies outside it (cheaper
        when the rest is most of the period)."""
        if self._totals is None:
            self._totals = self.counts(np.ones(len(self.texts), dtype=bool))
        out = Counter(self._totals)
        out.subtract(self.counts(~rest))
        return +out  # drops terms left at zero (or float dust below it)


@dataclass
class PatternStat:
    """A chosen pattern and what it matched in the period."""

    pattern: str
    group_share: float  # of the group's texts
    rest_share: float  # of the other texts
    precision: float

    def comment(self) -> str:
        single = "single word (rare, discriminating): " if len(self.pattern.split()) == 1 else ""
        return (f"{single}{self.group_share:.0%} of this entry's texts, "
                f"{self.rest_share:.2%} of the others")


@dataclass
class Entry:
    """One drafted taxonomy cause with its evidence."""

    id: str
    label: str
    description: str
    polarity: str
    size: int
    patterns: list[PatternStat]
    examples: list[str]
    terms: list[str]
    origin: str = ""  # where the texts came from: 'topic 17 "esim / qr code"', a cluster
    coverage: float = 0.0  # share of the group's texts some pattern matches
    rest_share: float = 0.0  # share of the other texts some pattern matches
    notes: list[str] = field(default_factory=list)
    topic_id: int | None = None  # the topic the texts came from, if any

    def to_cause(self) -> dict[str, Any]:
        """The entry as a taxonomy cause (the keys :func:`.taxonomy.parse_taxonomy` reads)."""
        return {"id": self.id, "label": self.label, "polarity": self.polarity,
                "description": self.description, "patterns": [p.pattern for p in self.patterns],
                "examples": list(self.examples)}

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "polarity": self.polarity,
                "description": self.description, "size": self.size, "origin": self.origin,
                "patterns": [p.__dict__ for p in self.patterns], "examples": self.examples,
                "terms": self.terms, "coverage": self.coverage, "rest_share": self.rest_share,
                "notes": self.notes, "topic_id": self.topic_id}


def _scalar(value: Any) -> str:
    """``value`` as one line of YAML (quoted when it must be)."""
    dumped = yaml.safe_dump([value], default_flow_style=True, width=10**9, allow_unicode=True)
    return dumped.strip()[1:-1]


def entry_yaml(entry: Entry, indent: str = "  ") -> str:
    """The entry as a commented YAML list item, indented to sit under ``causes:``."""
    inner = indent + "  "
    lines = [f"{indent}# {entry.origin}: {entry.size:,} texts" if entry.origin else "",
             f"{indent}# its patterns match {entry.coverage:.0%} of these texts and "
             f"{entry.rest_share:.2%} of the others" if entry.patterns else
             f"{indent}# no pattern passed the rule (docs/rootcause.md); the semantic layer "
             "can still match it by its examples"]
    lines += [f"{indent}# {note}" for note in entry.notes]
    lines += [f"{indent}- id: {_scalar(entry.id)}", f"{inner}label: {_scalar(entry.label)}",
              f"{inner}polarity: {entry.polarity}",
              f"{inner}description: {_scalar(entry.description)}"]
    if entry.patterns:
        lines.append(f"{inner}patterns:")
        lines += [f"{inner}  - {_scalar(p.pattern)}  # {p.comment()}" for p in entry.patterns]
    else:
        lines.append(f"{inner}patterns: []")
    lines.append(f"{inner}examples:")
    lines += [f"{inner}  - {_scalar(e)}" for e in entry.examples]
    return "\n".join(line for line in lines if line) + "\n"


def _forms(texts: Sequence[str]) -> dict[str, Counter[str]]:
    """Folded word to the forms the texts write it in (``code`` -> ``code``, ``codes``)."""
    out: dict[str, Counter[str]] = {}
    for text in texts:
        for token in tokens(text):
            token = token.replace("\u2019", "'")
            out.setdefault(fold(token), Counter())[token] += 1
    return out


def _slot(word: str, forms: dict[str, Counter[str]]) -> str:
    """A pattern word for a folded word: its forms covering 95% of its uses, ``a|b``."""
    seen = forms.get(word)
    if not seen:
        return word
    total, covered, kept = sum(seen.values()), 0, []
    for form, n in seen.most_common(4):
        kept.append(form)
        covered += n
        if covered >= 0.95 * total:
            break
    return "|".join(kept)


def _phrase(term: str, forms: dict[str, Counter[str]]) -> str:
    return " ".join(_slot(w, forms) for w in term.split())


def _cut(text: str, limit: int = EXAMPLE_CHARS) -> str:
    """Whitespace collapsed; cut at a word before ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(" ,;:") + "…"


def _n_words(pattern: str) -> int:
    return sum(1 for w in pattern.split() if not w.startswith("~"))


def _dictionary_word(pattern: str) -> bool:
    """True when a one-word pattern is an ordinary English word (any of its forms is an
    entry of Webster's Second, :func:`feedback_engine.privacy.persons.common_words`): such a
    word alone ("green", "code", "refund") is too common to name a cause, however well it
    sets this data's group apart; product names and jargon ("esim", "wifi", "mbps") are not
    in it."""
    from ..privacy.persons import common_words

    words = common_words()
    return any(w in words or fold(w) in words for w in pattern.split("|"))


def _is_single_word(pattern: str) -> bool:
    return _n_words(pattern) == 1


def candidate_patterns(index: TextIndex, focus: np.ndarray, rest: np.ndarray,
                       support: float) -> tuple[list[str], list[str]]:
    """``(candidate patterns, the group's distinctive terms)`` for ``focus`` against ``rest``."""
    n_focus, n_rest = index.weights[focus].sum(), index.weights[rest].sum()
    ranked = rank_counts(index.counts(focus), n_focus, index.rest_counts(rest), n_rest,
                         top_k=N_CANDIDATES, min_count=support, z_min=Z_MIN)
    found = [r["term"] for r in ranked]
    forms = _forms([index.texts[i] for i in np.flatnonzero(focus)])
    out = [_phrase(t, forms) for t in found if " " in t]
    words = [t for t in found if " " not in t]
    members = [index.terms[i] for i in np.flatnonzero(focus)]
    weights = index.weights[focus]
    for a, b in permutations(words[:N_PAIR_WORDS], 2):
        together = sum(w for w, seen in zip(weights, members, strict=True)
                       if a in seen and b in seen)
        if together >= support:
            out.append(f"{_slot(a, forms)} ~{GAP} {_slot(b, forms)}")
    out += [_slot(w, forms) for w in words if len(w) >= 3 and w not in STOP_WORDS]
    return list(dict.fromkeys(out)), found


def choose_patterns(index: TextIndex, focus: np.ndarray, rest: np.ndarray,
                    candidates: Sequence[str], support: float) -> list[PatternStat]:
    """Apply the module's rule to ``candidates``: the kept patterns, in the order chosen."""
    w = index.weights
    n_focus, n_rest = w[focus].sum(), w[rest].sum()
    passed: list[tuple[str, np.ndarray, PatternStat]] = []
    for pattern in candidates:
        mask = index.matches(pattern)
        f, r = w[mask & focus].sum(), w[mask & rest].sum()
        precision = f / (f + r) if f + r else 0.0
        stat = PatternStat(pattern, round(float(f / n_focus), 4) if n_focus else 0.0,
                           round(float(r / n_rest), 5) if n_rest else 0.0,
                           round(float(precision), 4))
        if f < support or precision < MIN_PRECISION:
            continue
        if _is_single_word(pattern) and (precision < SINGLE_PRECISION or n_rest < SINGLE_MIN_REST
                                         or r / n_rest > SINGLE_REST_SHARE
                                         or _dictionary_word(pattern)):
            continue
        passed.append((pattern, mask, stat))
    chosen: list[PatternStat] = []
    covered = np.zeros(len(index), dtype=bool)
    hit_rest = np.zeros(len(index), dtype=bool)
    for singles in (False, True):  # phrases first; single words for what they leave
        pool = [p for p in passed if _is_single_word(p[0]) == singles]
        while pool and len(chosen) < MAX_PATTERNS:
            gains = [w[mask & focus & ~covered].sum() for _, mask, _ in pool]
            # Ties: the surer, the longer, an unbroken phrase, the shorter text.
            best = max(range(len(pool)), key=lambda i: (gains[i], pool[i][2].precision,
                                                        _n_words(pool[i][0]),
                                                        "~" not in pool[i][0],
                                                        -len(pool[i][0]), pool[i][0]))
            pattern, mask, stat = pool.pop(best)
            if gains[best] < support:
                break
            new_cover, new_rest = covered | (mask & focus), hit_rest | (mask & rest)
            f, r = w[new_cover].sum(), w[new_rest].sum()
            if f / (f + r) < MIN_PRECISION or (n_rest and r / n_rest > MAX_REST_SHARE):
                continue
            covered, hit_rest = new_cover, new_rest
            chosen.append(stat)
    return chosen


def _examples(index: TextIndex, focus: np.ndarray, chosen: Sequence[PatternStat],
              found: Sequence[str], n: int) -> list[str]:
    rows = np.flatnonzero(focus)
    hits = sum((index.matches(p.pattern)[rows].astype(int) for p in chosen),
               np.zeros(len(rows), dtype=int))
    top = set(found[:10])
    order = sorted(range(len(rows)), key=lambda k: (-hits[k], -len(top & index.terms[rows[k]]),
                                                    len(index.texts[rows[k]]), int(rows[k])))
    out: list[str] = []
    seen: set[str] = set()
    for k in order:
        text = _cut(index.texts[rows[k]])
        key = text.lower()[:80]
        if text and key not in seen:
            seen.add(key)
            out.append(text)
        if len(out) == n:
            break
    return out


# A question or a request: "?", an opening question word, or a polite ask ("can you").
_ASK_RE = re.compile(r"\?|^\W*(?:how|can|could|would|what|when|where|which|is|are|do|does|will)"
                     r"\b|\b(?:please|i'd like|i would like|i want to|i need to|can i|can you|"
                     r"could you|how do i)\b", re.IGNORECASE)
ASK_SHARE = 0.5


def group_polarity(texts: Sequence[str]) -> str:
    """A group's polarity: :func:`.fewshot.text_polarity` (mean VADER score); where that is
    neutral, ``neutral`` only for a group of questions and requests (at least
    :data:`ASK_SHARE` of its texts ask), else ``negative``: a problem told in plain words
    ("Scanned the QR code three times and nothing happens") is still a complaint.

    >>> group_polarity(["How do I add a user?", "Can I add my partner to the account?"])
    'neutral'
    >>> group_polarity(["The QR code does nothing.", "Activation stuck since Monday."])
    'negative'
    """
    from .fewshot import text_polarity

    polarity = text_polarity(texts)
    if polarity != "neutral":
        return polarity
    asks = sum(1 for t in texts if _ASK_RE.search(t))
    return "neutral" if asks >= ASK_SHARE * len(texts) else "negative"


def build_entry(index: TextIndex, focus: np.ndarray, rest: np.ndarray, cause_id: str,
                label: str, description: str, origin: str = "",
                n_examples: int = N_EXAMPLES) -> Entry:
    """The entry for the texts in ``focus`` (boolean mask over ``index``) against ``rest``.

    Args:
        index: the period's texts.
        focus: the group's texts.
        rest: the texts it must stand apart from (other topics, other clusters).
        cause_id, label: the entry's id and label.
        description: the description; ``{size}`` and ``{about}`` (": texts about" its best
            terms, or nothing) are filled in.
        origin: where the group came from, for the YAML comment.

    Example:
        >>> texts = ["the esim qr code is rejected", "esim qr code rejected again"] * 15
        >>> index = TextIndex(texts + ["my refund is late", "refund still late"] * 15)
        >>> focus = np.arange(60) < 30
        >>> entry = build_entry(index, focus, ~focus, "new.esim", "New › eSIM", "{size} texts")
        >>> entry.size, entry.description, [p.pattern for p in entry.patterns]
        (30, '30 texts', ['qr code'])
    """
    size = int(round(index.weights[focus].sum()))
    support = max(MIN_SUPPORT, SUPPORT_SHARE * size)
    candidates, found = candidate_patterns(index, focus, rest, support)
    chosen = choose_patterns(index, focus, rest, candidates, support)
    rows = np.flatnonzero(focus)
    if len(rows) > POLARITY_SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(rows, POLARITY_SAMPLE, replace=False))
    polarity = group_polarity([index.texts[i] for i in rows]) if len(rows) else "negative"
    union = np.zeros(len(index), dtype=bool)
    for p in chosen:
        union |= index.matches(p.pattern)
    w = index.weights
    coverage = w[union & focus].sum() / max(w[focus].sum(), 1e-12)
    rest_share = w[union & rest].sum() / max(w[rest].sum(), 1e-12)
    words = _readable_terms(found)
    about = f": texts about {', '.join(words)}" if words else ""
    return Entry(cause_id, label, description.format(size=f"{size:,}", about=about),
                 polarity, size, chosen, _examples(index, focus, chosen, found, n_examples),
                 found, origin, round(float(coverage), 4), round(float(rest_share), 5))


def _readable_terms(found: Sequence[str], n: int = 4) -> list[str]:
    """The best terms, a phrase hiding the words it contains (for descriptions and labels)."""
    from ..topics.distinctive import pick_terms

    return pick_terms(((t, 0.0) for t in found), n)


def slug(pattern_or_name: str) -> str:
    """An id part from a pattern or a name: first alternatives, gaps and marks dropped."""
    words = [w.split("|")[0].strip("()*?") for w in pattern_or_name.lower().split()
             if not w.startswith("~")]
    return re.sub(r"[^a-z0-9]+", "_", " ".join(words)).strip("_")[:40] or "cause"
