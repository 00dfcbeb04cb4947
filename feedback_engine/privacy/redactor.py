"""The redactor: every detector over a text, overlaps resolved, spans replaced.

Replacement is ``[TYPE]`` by default. With pseudonyms on, each value becomes
``[TYPE_xxxxxxxx]``: a keyed HMAC-SHA256 of the normalised value (RFC 2104), so the same
customer gets the same token across records and runs while the key (from the environment)
stays secret, and nobody can reverse a token without it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import error
from ..languages.detect import normalise_code
from .addresses import AddressFinder
from .lexicon import PATTERN_TIMEOUT_S, PiiLexicon, load_pii_lexicon
from .national import NATIONAL_TYPES
from .persons import PersonFinder
from .regions import regions_for
from .spans import Span, resolve
from .structured import DEFAULT_REGIONS, find_structured

log = logging.getLogger("feedback_engine")

KEY_ENV = "FEEDBACK_PII_KEY"
BUILTIN_TYPES = ("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN",
                 "IBAN_CODE", "IP_ADDRESS", "LOCATION")
# National ids (privacy/national.py: CN_RESIDENT_ID, RU_INN, RU_SNILS, DE_TAX_ID) are built in
# too; kept apart so BUILTIN_TYPES still names the types every language shares.
KNOWN_TYPES = (*BUILTIN_TYPES, *NATIONAL_TYPES)


@dataclass
class Redaction:
    text: str
    spans: list[Span]

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(s.type for s in self.spans).items()))


def pseudonym_key() -> bytes:
    """Return the HMAC key from ``$FEEDBACK_PII_KEY``; raise a clear error when unset."""
    key = os.environ.get(KEY_ENV, "")
    if len(key) < 16:
        raise error("FE258", env=KEY_ENV)
    return key.encode()


def pseudonym(value: str, kind: str, key: bytes, length: int = 8) -> str:
    """Return a stable token for ``value``: case, spaces and punctuation do not matter.

    >>> pseudonym("07700 900123", "PHONE_NUMBER", b"k" * 16) == \\
    ...     pseudonym("07700900123", "PHONE_NUMBER", b"k" * 16)
    True
    """
    normal = re.sub(r"[\W_]+", "", value.lower())
    digest = hmac.new(key, f"{kind}\x1f{normal}".encode(), hashlib.sha256).hexdigest()
    return digest[:length]


class Redactor:
    """Detects and replaces PII.

    Args:
        lexicon: a ``pii.yaml`` path, or None for the bundled one.
        types: entity types to redact (default: all built-in and user-defined types).
        pseudonyms: replace with keyed-HMAC tokens instead of ``[TYPE]``.
        ner: also use spaCy's named-entity recogniser for PERSON (slower; needs the
            ``nlp`` extra).
        regions: ISO 3166 codes whose national numbering plans validate a phone number
            written without "+CC" (default ``DEFAULT_REGIONS``: US, GB, DE, FR, IN, CA, AU).
            A number written with "+CC" needs no region.

    Language: :meth:`find` and :meth:`redact` take the text's language (ISO 639-1; None,
    empty or unknown is English). English text goes through exactly the English rules.
    Another language adds its home phone regions (:mod:`.regions`) and the national phone
    shapes, its national ids without a cue (:mod:`.national`), its ``languages`` lists of
    ``pii.yaml`` for the name finder, and a name finder of its own: natasha for Russian
    (:mod:`.russian_names`), surnames with jieba's tags for Chinese (:mod:`.chinese_names`).

    User patterns (``patterns`` in pii.yaml) run with a time limit per text
    (``PATTERN_TIMEOUT_S``). A pattern that runs past it fails closed: the whole text is
    masked as that pattern's type (nothing of that type can leak), the event is counted in
    ``pattern_timeouts`` and logged with the pattern's type (never the text), and the run
    goes on.

    Example:
        >>> Redactor().redact("Call Jane Doe on 07700 900123").text
        'Call [PERSON] on [PHONE_NUMBER]'
    """

    def __init__(self, lexicon: str | Path | PiiLexicon | None = None,
                 types: tuple[str, ...] | None = None, pseudonyms: bool = False,
                 ner: bool = False, regions: tuple[str, ...] | list[str] | None = None) -> None:
        self.lexicon = lexicon if isinstance(lexicon, PiiLexicon) else load_pii_lexicon(lexicon)
        known = set(KNOWN_TYPES) | {p.type for p in self.lexicon.patterns}
        unknown = set(types or ()) - known
        if unknown:
            raise error("FE259", kind=min(unknown), known=", ".join(sorted(known)))
        self.types = frozenset(types or known)
        self.key = pseudonym_key() if pseudonyms else None
        self.persons = PersonFinder(self.lexicon)
        self._language_finders: dict[str, list[Callable[[str], list[Span]]]] = {}
        self.addresses = AddressFinder(self.lexicon)
        self.ner = _SpacyPersons() if ner else None
        self.regions = _regions(regions)
        self.pattern_timeouts: Counter[str] = Counter()

    def find(self, text: str, language: str | None = None) -> list[Span]:
        """Return the non-overlapping PII spans of ``text``, in order.

        ``language``: the text's ISO 639-1 code (see the class docstring); None is English.
        """
        if not text:
            return []
        code = normalise_code(language) or "en"
        if code == "en":
            spans = [*find_structured(text, self.regions), *self.addresses(text),
                     *self.persons(text)]
        else:
            spans = [*find_structured(text, regions_for(code, self.regions), code),
                     *self.addresses(text)]
            for finder in self._persons_for(code):
                spans += finder(text)
        if self.ner is not None:
            spans += self.ner(text)
        for pattern in self.lexicon.patterns:
            if pattern.type not in self.types:
                continue
            try:
                spans += [Span(m.start(), m.end(), pattern.type)
                          for m in pattern.regex.finditer(text, timeout=PATTERN_TIMEOUT_S)
                          if m.end() > m.start()]
            except TimeoutError:
                self.pattern_timeouts[pattern.type] += 1
                log.warning("PII pattern %s ran past %.2f s on a text; the text is masked "
                            "whole", pattern.type, PATTERN_TIMEOUT_S)
                return [Span(0, len(text), pattern.type)]
        return resolve([s for s in spans if s.type in self.types])

    def _persons_for(self, language: str) -> list[Callable[[str], list[Span]]]:
        """The name finders for ``language``, built once per redactor."""
        if language not in self._language_finders:
            lexicon = self.lexicon.for_language(language)
            finders: list[Callable[[str], list[Span]]] = [
                self.persons if lexicon is self.lexicon else PersonFinder(lexicon)]
            if language == "ru":
                from .russian_names import RussianNameFinder

                finders.append(RussianNameFinder())
            elif language == "zh":
                from .chinese_names import ChineseNameFinder

                finders.append(ChineseNameFinder(self.lexicon))
            self._language_finders[language] = finders
        return self._language_finders[language]

    def redact(self, text: str, language: str | None = None) -> Redaction:
        """Return the text with every PII span replaced, and the spans found."""
        spans = self.find(text, language)
        return Redaction(self.replace(text, spans), spans)

    def replace(self, text: str, spans: list[Span]) -> str:
        """Return ``text`` with each of ``spans`` (sorted, not overlapping) replaced by its
        token."""
        parts, position = [], 0
        for span in spans:
            parts.append(text[position:span.start])
            parts.append(self.token(text[span.start:span.end], span.type))
            position = span.end
        parts.append(text[position:])
        return "".join(parts)

    def token(self, value: str, kind: str) -> str:
        if self.key is None:
            return f"[{kind}]"
        return f"[{kind}_{pseudonym(value, kind, self.key)}]"


def _regions(regions: tuple[str, ...] | list[str] | None, where: str = "") -> tuple[str, ...]:
    """Validate phone regions: ISO 3166 alpha-2 codes libphonenumber knows (``where``: the
    option they came from, for the message)."""
    if regions is None:
        return DEFAULT_REGIONS
    import phonenumbers

    if isinstance(regions, str):
        regions = [regions]
    out = tuple(str(r).strip().upper() for r in regions)
    bad = [r for r in out if r not in phonenumbers.SUPPORTED_REGIONS]
    if bad or not out:
        raise error("FE260", region=bad[0] if bad else "", where=where)
    return out


class _SpacyPersons:
    """PERSON entities from spaCy's English pipeline, when one is installed."""

    def __init__(self) -> None:
        from ..nlp import load_english

        self.nlp = load_english(require_ner=True)

    def __call__(self, text: str) -> list[Span]:
        return [Span(e.start_char, e.end_char, "PERSON") for e in self.nlp(text).ents
                if e.label_ == "PERSON"]
