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
from .structured import DIGIT

# Typed in lower case in chats ("b67 6aq"); an ordinal after a code ("8th") still counts,
# since B33 8TH is a real postcode.
UK_POSTCODE_ANY_CASE = r"(?i:(?:[a-z]{1,2}\d[a-z\d]?|gir)\s?\d[a-z]{2})"
# State codes that are also English words are only trusted in capitals ("in 12345").
WORD_STATES = {"IN", "OR", "ME", "OK", "HI", "DE", "LA", "PA", "MA", "OH", "ID", "AL", "CO",
               "GA", "MO", "WA", "NE", "MS", "SC"}
STOPWORDS = {"the", "a", "an", "for", "to", "of", "on", "in", "at", "and", "or", "my", "your",
             "our", "their", "his", "her", "it", "is", "was", "this", "that", "per", "by",
             "with", "from", "days", "hours", "minutes", "weeks", "months", "years", "times",
             # Pronouns and verbs: "a size 6 us you can't fully close", "the 6 would be way".
             "i", "me", "we", "us", "you", "they", "them", "he", "him", "she", "its", "be",
             "am", "are", "were", "been", "would", "could", "should", "will", "can", "can't",
             "won't", "don't", "didn't", "not", "too", "so", "very", "but", "if", "than",
             "just", "more", "less", "fully", "size", "sizes", "inch", "inches", "lbs",
             "pounds", "feet", "ft"}


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
        city = r"(?!(?:Thanks|Regards|Cheers|Kind|Best|Hi|Hello|Please|Many|Sincerely)\b)"
        city += r"[A-Z][a-z]+(?:[ -](?:upon|on|under|in|le|la|de|by|[A-Z][a-z]+)){0,3}"
        plain = "|".join(s for s in lexicon.us_states if s not in WORD_STATES)
        code = (rf"(?:{UK_POSTCODE_ANY_CASE}|(?:{states})\s+\d{{5}}(?:-\d{{4}})?"
                rf"|(?i:{plain})\s+\d{{5}}(?:-\d{{4}})?)")
        # What may follow a street, each piece after a comma, a line break or a space:
        # a unit, a postcode or ZIP, a town (capitalised; lower case only before a code).
        self.tail = re.compile(
            rf"(?:(?:,[ \t]*|[ \t]*\n[ \t]*|[ \t]+)(?:(?i:{unit})|{code}(?![\w-]))"
            rf"|(?:,[ \t]*|[ \t]*\n[ \t]*){city}(?![\w-])"
            rf"|,[ \t]*[a-z]+(?:[ \t][a-z]+){{0,2}}(?=,?[ \t]*{code}(?![\w-])))")
        self.postcode = re.compile(rf"(?<![\w-]){UK_POSTCODE_ANY_CASE}(?![\w-])")
        self.zip = re.compile(rf"(?<![\w-])(?:(?:{states})|(?i:{plain}))\s+\d{{5}}(?:-\d{{4}})?"
                              r"(?![\w-])")

    def __call__(self, text: str) -> list[Span]:
        spans = []
        if DIGIT.search(text):
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
