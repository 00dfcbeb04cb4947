"""PERSON detection from context: cues, titles, sign-offs and a first-name gazetteer.

A capitalised word is not a name by itself ("Bill was wrong", "Galaxy S24"); it becomes one
with evidence: a cue before it ("my name is", "spoke to"), a title ("Mr."), a sign-off
("Kind regards,"), or a known first name followed by a surname. Words that are names in some
places and ordinary words in ours (``not_names`` in the lexicon) and sentiment words (VADER's
lexicon: "Joy", "Hope") never count on their own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import PiiLexicon, first_names, last_names
from .spans import Span

TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
# After "this is X" a word like these confirms X is a name ("this is Tom from billing").
CONFIRMERS = {"from", "here", "speaking", "calling", "at", "with", "and", "on", "in"}


@lru_cache(maxsize=1)
def _sentiment_words() -> frozenset[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return frozenset(w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha())


def _alternation(phrases: tuple[str, ...]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)


class PersonFinder:
    """Finds PERSON spans; built once per lexicon, then called per text."""

    def __init__(self, lexicon: PiiLexicon) -> None:
        self.firsts = first_names() - lexicon.not_names
        self.lasts = last_names()
        self.blocked = lexicon.not_names | _sentiment_words() | lexicon.titles
        self.titles = lexicon.titles
        self.strong = re.compile(rf"(?i)\b(?:{_alternation(lexicon.strong_cues)})(?!\w)[\s:,-]*")
        self.weak = re.compile(rf"(?i)\b(?:{_alternation(lexicon.weak_cues)})(?!\w)[\s:,-]*")
        self.title = re.compile(rf"(?i)\b(?:{_alternation(tuple(lexicon.titles))})\b\.?\s+")
        self.signoff = re.compile(
            rf"(?im)(?:^|[.!?]\s+)\W*(?:{_alternation(lexicon.signoffs)})\s*[,.!-]*[ \t]*\n?[ \t]*")

    # -- token helpers ---------------------------------------------------------------------
    def _capitalised(self, word: str) -> bool:
        return word[0].isupper() and (not word.isupper() or len(word) >= 3)

    def _namelike(self, word: str) -> bool:
        return self._capitalised(word) and word.lower() not in self.blocked

    def _tokens_after(self, text: str, pos: int, limit: int = 3) -> list[re.Match[str]]:
        """Up to ``limit`` consecutive word tokens from ``pos``, separated by spaces only."""
        out: list[re.Match[str]] = []
        while len(out) < limit:
            match = TOKEN.match(text, pos)
            if not match:
                break
            out.append(match)
            gap = re.match(r"[ \t]+", text[match.end():])
            if not gap:
                break
            pos = match.end() + gap.end()
        return out

    def _extend_surnames(self, tokens: list[re.Match[str]], taken: int) -> int:
        """Count further capitalised, non-blocked tokens after the first ``taken``."""
        while taken < len(tokens) and self._namelike(tokens[taken].group()):
            taken += 1
        return taken

    # -- rules -----------------------------------------------------------------------------
    def _after_strong(self, text: str, start: int) -> Span | None:
        tokens = self._tokens_after(text, start)
        if not tokens:
            return None
        first = tokens[0].group()
        if first.lower() in self.blocked:
            return None
        if self._capitalised(first):
            taken = self._extend_surnames(tokens, 1)
        elif first.lower() in self.firsts or first.lower() in self.lasts:
            # Typed in lower case ("my name is james smith"): known names only.
            taken = 1
            while taken < len(tokens) and tokens[taken].group().lower() in self.lasts \
                    and tokens[taken].group().lower() not in self.blocked:
                taken += 1
        else:
            return None
        return Span(tokens[0].start(), tokens[taken - 1].end(), "PERSON")

    def _after_weak(self, text: str, start: int) -> Span | None:
        tokens = self._tokens_after(text, start, limit=4)
        if not tokens or not self._namelike(tokens[0].group()):
            return None
        taken = self._extend_surnames(tokens, 1)
        after = text[tokens[taken - 1].end():].lstrip(" \t")
        next_word = after.split(None, 1)[0].lower().strip(".,!?") if after.strip() else ""
        confirmed = (tokens[0].group().lower() in self.firsts or next_word in CONFIRMERS
                     or not after or after[0] in ",.!?\n")
        if not confirmed:
            return None
        return Span(tokens[0].start(), tokens[taken - 1].end(), "PERSON")

    def _after_title(self, text: str, start: int) -> Span | None:
        tokens = self._tokens_after(text, start)
        if not tokens or not self._namelike(tokens[0].group()):
            return None
        taken = self._extend_surnames(tokens, 1)
        return Span(tokens[0].start(), tokens[taken - 1].end(), "PERSON")

    def _after_signoff(self, text: str, start: int) -> Span | None:
        tokens = self._tokens_after(text, start)
        if not tokens or not self._namelike(tokens[0].group()):
            return None
        taken = self._extend_surnames(tokens, 1)
        end = tokens[taken - 1].end()
        rest = text[end:end + 2]
        if rest and not re.match(r"\s*(?:\n|$)|[.!,]", rest):
            return None  # "Thanks, Northwind team for ..." is a sentence, not a signature
        return Span(tokens[0].start(), end, "PERSON")

    def _gazetteer(self, text: str) -> list[Span]:
        spans = []
        tokens = list(TOKEN.finditer(text))
        index = 0
        while index < len(tokens):
            token = tokens[index]
            word = token.group()
            if not (self._capitalised(word) and word.lower() in self.firsts):
                index += 1
                continue
            end = index + 1
            while (end < len(tokens) and text[tokens[end - 1].end():tokens[end].start()] == " "
                   and self._namelike(tokens[end].group())
                   and (tokens[end].group().lower() in self.lasts or end > index + 1)):
                end += 1
            begin = index
            # "Siobhan Kelly": a rarer given name before a first name that is also a surname.
            if (index > 0 and word.lower() in self.lasts
                    and text[tokens[index - 1].end():token.start()] == " "
                    and self._namelike(tokens[index - 1].group())):
                begin = index - 1
            before = text[:tokens[begin].start()].rstrip()
            sentence_start = not before or before[-1] in ".!?:\n\"“"
            following = tokens[end].group() if end < len(tokens) else ""
            if (end - begin > 1 or not sentence_start
                    or (following and following.islower())):
                spans.append(Span(tokens[begin].start(), tokens[end - 1].end(), "PERSON"))
            index = end
        return spans

    def __call__(self, text: str) -> list[Span]:
        spans = self._gazetteer(text)
        for pattern, rule in ((self.strong, self._after_strong), (self.weak, self._after_weak),
                              (self.title, self._after_title),
                              (self.signoff, self._after_signoff)):
            for match in pattern.finditer(text):
                span = rule(text, match.end())
                if span is not None:
                    spans.append(span)
        return spans
