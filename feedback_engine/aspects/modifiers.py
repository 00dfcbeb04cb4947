"""Cue matching with negation and intensifiers, shared by the effort and emotion scorers.

A :class:`CueMatcher` finds lexicon cues (words, phrases, ``word*`` prefixes and ``re:``
regular expressions) in a text with one compiled regex, longest match first, and gives each
hit a multiplier from its context:

- **negation**: a negator (VADER's list plus "no", "nobody", "hardly"…) among the three
  words before the cue, within the same clause, flips it (multiplier −1, then scaled by
  ``NEGATION_SCALAR`` as VADER does: "not easy" is weaker than "hard");
- **intensifiers / downtoners**: VADER's booster words in the two words before the cue
  (``very``, ``so``, ``extremely`` / ``slightly``, ``a bit``), ×1.5 or ×0.6;
- **emphasis**: a cue in CAPITALS within mixed-case text ×1.3, and 1–3 "!" ending its
  sentence ×(1 + 0.1 per mark).

Reference: the negation scope (three words) and booster list follow VADER (Hutto & Gilbert,
ICWSM 2014); the multipliers are this project's, chosen by hand on the contact-center tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..sentiment.rules import trie_pattern

NEGATION_WINDOW = 3  # words before a cue that can negate it (VADER's scope)
NEGATION_SCALAR = 0.74  # VADER's N_SCALAR: a negated cue keeps 74% of its strength
BOOST_UP, BOOST_DOWN = 1.5, 0.6
CAPS_BOOST = 1.3
EXCLAMATION_STEP, EXCLAMATION_MAX = 0.1, 3
EXTRA_NEGATORS = ("no", "nobody", "noone", "no one", "hardly", "barely", "neither", "never",
                  "not", "without", "nothing", "none", "cant", "wont", "dont", "didnt",
                  "isnt", "wasnt")
WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")
# A clause ends at these: negation and boosters do not reach across them.
CLAUSE_BREAK = re.compile(r"[.!?;:,\n]|\b(?:but|however|although|though|yet|and then)\b",
                          re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?\n]")


def _vader_words() -> tuple[frozenset[str], dict[str, float]]:
    from vaderSentiment import vaderSentiment as vs

    negators = frozenset([*vs.NEGATE, *EXTRA_NEGATORS]) - {"despite"}
    return negators, dict(vs.BOOSTER_DICT)


NEGATORS, BOOSTERS = _vader_words()


def cue_regex(cue: str) -> str:
    """Return the regex for one lexicon cue: a phrase, ``word*`` or ``re:PATTERN``.

    >>> bool(re.fullmatch(cue_regex("refund*"), "refunded"))
    True
    """
    if cue.startswith("re:"):
        return cue[3:]
    body = r"\s+".join(re.escape(word) for word in cue.rstrip("*").split())
    return body + (r"[\w'-]*" if cue.endswith("*") else "")


def compile_cues(cues: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive regex for all ``cues`` on word boundaries, longest match first.

    Plain phrases share a character trie (fast on large lexicons); wildcard and ``re:`` cues
    are alternatives of their own, tried first so that "refund*" is not cut to "refund".
    """
    plain = sorted({c.lower() for c in cues if not c.startswith("re:") and "*" not in c})
    special = [cue_regex(c) for c in cues if c.startswith("re:") or "*" in c]
    branches = [f"(?:{s})" for s in sorted(special, key=len, reverse=True)]
    if plain:
        branches.append(trie_pattern(plain))
    if not branches:
        return re.compile(r"(?!x)x")  # matches nothing
    return re.compile(rf"(?i)(?<![\w'])(?:{'|'.join(branches)})(?![\w'])")


@dataclass(frozen=True)
class Hit:
    """One cue found in a text, with its context multiplier."""

    cue: str  # the lexicon entry that matched
    start: int
    end: int
    multiplier: float  # negation (< 0), boosters and emphasis
    negated: bool

    def text(self, source: str) -> str:
        return source[self.start:self.end]


class CueMatcher:
    """Finds the cues of one lexicon in texts and weighs each by its context."""

    def __init__(self, cues: Iterable[str]) -> None:
        self.cues = list(dict.fromkeys(cues))
        self.regex = compile_cues(self.cues)
        self._plain = {c.lower(): c for c in self.cues if not c.startswith("re:")
                       and "*" not in c}
        self._special = [(c, re.compile(rf"(?i){cue_regex(c)}")) for c in self.cues
                         if c.startswith("re:") or "*" in c]

    def entry(self, matched: str) -> str:
        """Return the lexicon cue that produced ``matched``."""
        key = " ".join(matched.lower().split())
        if key in self._plain:
            return self._plain[key]
        for cue, regex in self._special:
            if regex.fullmatch(matched):
                return cue
        return key

    def find(self, text: str) -> Iterator[Hit]:
        """Yield each cue in ``text`` (non-overlapping, left to right) with its multiplier."""
        mixed_case = text != text.upper()
        for match in self.regex.finditer(text):
            multiplier, negated = context_multiplier(text, match.start(), match.end(),
                                                     mixed_case)
            yield Hit(self.entry(match.group()), match.start(), match.end(), multiplier,
                      negated)


def _words_before(text: str, start: int, limit: int) -> list[str]:
    """The last ``limit`` words before ``start`` in the same clause, lower-cased."""
    window = text[max(0, start - 60):start]
    breaks = list(CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    words = [w.lower().replace("\u2019", "'") for w in WORD.findall(window)]
    return words[-limit:]


def context_multiplier(text: str, start: int, end: int,
                       mixed_case: bool = True) -> tuple[float, bool]:
    """Return (multiplier, negated) for the cue at ``text[start:end]``.

    >>> context_multiplier("it was not easy", 11, 15)
    (-0.74, True)
    >>> context_multiplier("very easy", 5, 9)
    (1.5, False)
    """
    before = _words_before(text, start, NEGATION_WINDOW)
    multiplier = 1.0
    joined = " ".join(before)
    negated = any(w in NEGATORS or w.endswith("n't") for w in before) or " no one" in (
        " " + joined)
    for word in before[-2:]:
        boost = BOOSTERS.get(word)
        if boost is not None:
            multiplier *= BOOST_UP if boost > 0 else BOOST_DOWN
    if len(before) >= 2 and " ".join(before[-2:]) in ("a bit", "a little", "kind of",
                                                      "sort of"):
        multiplier *= BOOST_DOWN
    cue = text[start:end]
    if mixed_case and len(cue) > 2 and cue.isupper():
        multiplier *= CAPS_BOOST
    sentence_end = SENTENCE_END.search(text, end)
    if sentence_end and text[sentence_end.start()] == "!":
        marks = len(text[sentence_end.start():]) - len(text[sentence_end.start():].lstrip("!"))
        multiplier *= 1.0 + EXCLAMATION_STEP * min(marks, EXCLAMATION_MAX)
    if negated:
        multiplier *= -NEGATION_SCALAR
    return round(multiplier, 4), negated
