"""LOCATION detection: street addresses with their unit, town and postcode; bare postcodes.

A street address needs a house number, one to four street-name words and a street type
("14 Baker Street", "1600 Pennsylvania Ave NW"); it then extends over what usually follows:
"Suite 4100", a town, "LS6 2AB" or "NY 10118". Durations, ratings and speeds ("3 days",
"5 stars", "500 Mbps") have no street type and survive.
"""

from __future__ import annotations

import re

from .lexicon import PiiLexicon
from .spans import Span

UK_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2}"
STOPWORDS = {"the", "a", "an", "for", "to", "of", "on", "in", "at", "and", "or", "my", "your",
             "our", "their", "his", "her", "it", "is", "was", "this", "that", "per", "by",
             "with", "from", "days", "hours", "minutes", "weeks", "months", "years", "times"}


class AddressFinder:
    """Finds LOCATION spans; built once per lexicon."""

    def __init__(self, lexicon: PiiLexicon) -> None:
        types = "|".join(sorted(map(re.escape, lexicon.street_types), key=len, reverse=True))
        units = "|".join(sorted(map(re.escape, lexicon.unit_words), key=len, reverse=True))
        states = "|".join(lexicon.us_states)
        unit = rf"(?:{units})\.?\s*#?[A-Za-z0-9]{{1,6}}"
        self.street = re.compile(
            rf"(?i)(?<![\w.,£$€])(?:{unit},?\s+)?"
            rf"\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,5}}[A-Za-z]?)?,?\s+"
            rf"(?P<words>(?:[A-Za-z][A-Za-z'’.-]*\s+){{1,4}}?)"
            rf"(?:{types})\b(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?")
        self.tail = re.compile(
            rf"(?:,?\s*(?:(?i:{unit})|{UK_POSTCODE}\b|(?:{states})\s+\d{{5}}(?:-\d{{4}})?\b"
            rf"|[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}}(?=\s*(?:,|$|\n|\.|\s+{UK_POSTCODE}\b"
            rf"|\s+(?:{states})\s+\d{{5}}))))")
        self.postcode = re.compile(rf"(?<![\w-]){UK_POSTCODE}(?![\w-])")
        self.zip = re.compile(rf"(?<![\w-])(?:{states})\s+\d{{5}}(?:-\d{{4}})?(?![\w-])")

    def __call__(self, text: str) -> list[Span]:
        spans = []
        if any(ch.isdigit() for ch in text):
            for match in self.street.finditer(text):
                words = match.group("words").lower().split()
                if any(w.strip(".,") in STOPWORDS for w in words):
                    continue
                end = match.end()
                while tail := self.tail.match(text, end):
                    if tail.end() == end:
                        break
                    end = tail.end()
                spans.append(Span(match.start(), end, "LOCATION"))
            spans += [Span(m.start(), m.end(), "LOCATION") for m in self.postcode.finditer(text)]
            spans += [Span(m.start(), m.end(), "LOCATION") for m in self.zip.finditer(text)]
        return spans
