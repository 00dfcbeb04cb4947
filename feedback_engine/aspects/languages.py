"""Aspects in Chinese, Russian and German: per-language terms and polarity by clause.

An aspect's ``patterns_zh`` / ``patterns_ru`` / ``patterns_de`` (``lexicons/aspects.yaml``)
hold its terms in that language. A record in one of those languages is matched with them
(records in English, or in a language the file has no terms for, keep the plain ``patterns``):

- Chinese: the terms as characters, longest first (配送 inside 配送费 is the longer term's
  when both are listed), since jieba's segmentation of a phrase depends on its neighbours;
- Russian and German: each word of the text in its dictionary form
  (:func:`feedback_engine.languages.text.lemma`), compared with the terms' dictionary forms,
  so ``официант`` also finds "официантов" and ``Lieferung`` finds "Lieferungen"; a term may
  start or end with ``*`` (``*preis`` finds "Ticketpreis", "Fahrpreise").

Polarity: the clause around the mention (the sentence cut at commas, semicolons and the
language's contrast words: 但是/不过/就是, но/однако, aber/jedoch) scored by
:func:`feedback_engine.sentiment.multilingual.score`, the zero-shot scorer of that language
(imported when first needed).

Example:
    >>> from feedback_engine.aspects.lexicons import Aspect
    >>> finder = LanguageAspects([Aspect("delivery", "Delivery",
    ...                                  language_patterns={"zh": ("配送", "送餐")})], "zh")
    >>> [(m.aspect, m.start, m.end) for m in finder.find("菜很好吃，但是送餐太慢了")]
    [('delivery', 7, 9)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .extract import Mention
from .lexicons import Aspect

ASPECT_LANGUAGES = ("zh", "ru", "de")
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# Where a clause ends: punctuation (ASCII and full-width) and each language's contrast words.
_CLAUSE = {
    "zh": re.compile(r"[,，;；、。！？!?.\n…~～]|但是|不过|可是|就是|只是|然而|可惜"),
    "ru": re.compile(r"[,;.!?\n…]|(?i:\b(?:но|однако|зато|хотя)\b)"),
    "de": re.compile(r"[,;.!?\n…]|(?i:\b(?:aber|jedoch|sondern|doch|obwohl|trotzdem)\b)"),
}


def _lemma(word: str, language: str) -> str:
    from ..languages.text import lemma

    word = word.lower().replace("ё", "е") if language == "ru" else word.lower()
    return lemma(word, language).replace("ё", "е")


class LanguageAspects:
    """The aspect terms of one language, matched on characters (zh) or lemmas (ru, de)."""

    def __init__(self, aspects: Sequence[Aspect], language: str) -> None:
        self.language = language
        self.terms: dict[tuple[str, ...], str] = {}  # lemma sequence (or zh term) -> aspect
        self.prefixes: list[tuple[str, str]] = []  # "preis*" -> ("preis", aspect)
        self.suffixes: list[tuple[str, str]] = []  # "*preis"
        chinese: list[tuple[str, str]] = []
        for aspect in aspects:
            for term in aspect.language_patterns.get(language, ()):
                term = term.strip().lower()
                if language == "zh":
                    chinese.append((term, aspect.id))
                elif term.startswith("*"):
                    self.suffixes.append((_lemma(term[1:], language), aspect.id))
                elif term.endswith("*"):
                    self.prefixes.append((term[:-1].replace("ё", "е"), aspect.id))
                else:
                    key = tuple(_lemma(w, language) for w in term.split())
                    self.terms.setdefault(key, aspect.id)
        self.longest = max((len(k) for k in self.terms), default=1)
        chinese.sort(key=lambda pair: -len(pair[0]))
        self._zh = dict(chinese)
        self._zh_regex = (re.compile("|".join(re.escape(t) for t, _ in chinese))
                          if chinese else None)

    def find(self, text: str) -> list[Mention]:
        """The aspect mentions of ``text``, left to right."""
        if self.language == "zh":
            if self._zh_regex is None:
                return []
            return [Mention(self._zh[m.group().lower()], m.start(), m.end())
                    for m in self._zh_regex.finditer(text.lower())]
        tokens = list(_TOKEN.finditer(text))
        lemmas = [_lemma(t.group(), self.language) for t in tokens]
        out: list[Mention] = []
        i = 0
        while i < len(tokens):
            found = None
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                aspect = self.terms.get(tuple(lemmas[i:i + size]))
                if aspect is not None:
                    found = (aspect, size)
                    break
            if found is None:
                word = lemmas[i]
                aspect = next((a for p, a in self.prefixes if word.startswith(p)), None) or \
                    next((a for s, a in self.suffixes if word.endswith(s)), None)
                found = (aspect, 1) if aspect else None
            if found is None:
                i += 1
                continue
            aspect, size = found
            out.append(Mention(aspect, tokens[i].start(), tokens[i + size - 1].end()))
            i += size
        return out

    def clause(self, text: str, mention: Mention) -> str:
        """The stretch of ``text`` between the clause ends around ``mention``."""
        cuts = [m for m in _CLAUSE[self.language].finditer(text)]
        start = max((m.end() for m in cuts if m.end() <= mention.start), default=0)
        end = min((m.start() for m in cuts if m.start() >= mention.end), default=len(text))
        return text[start:end]


def clause_scores(texts: Sequence[str], mentions: Sequence[Sequence[Mention]],
                  finder: LanguageAspects) -> list[list[float]]:
    """Each mention's polarity (−1…1): its clause scored by the language's zero-shot scorer,
    all clauses of the batch in one call."""
    from ..sentiment.multilingual import score

    clauses = [finder.clause(text, m) for text, found in zip(texts, mentions, strict=True)
               for m in found]
    unique = list(dict.fromkeys(clauses))
    scored = dict(zip(unique, score(unique, finder.language), strict=True)) if unique else {}
    out: list[list[float]] = []
    at = 0
    for found in mentions:
        out.append([float(scored[c]) for c in clauses[at:at + len(found)]])
        at += len(found)
    return out
