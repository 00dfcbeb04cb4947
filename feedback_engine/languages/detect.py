"""Language identification per record, with a fallback to the declared language.

py3langid (a maintained fork of langid.py, Lui and Baldwin, 2012) scores the candidate
languages with its model, which ships in its wheel as a plain ``.npz`` (no pickle). On a mix of
the public multilingual sets and Banking77 it was the more accurate of the two libraries
measured (0.9997 against lingua's 0.991, and 2.7 times faster; ``docs/languages.md``).

A text written only in Chinese characters is Chinese, and one only in Cyrillic is the one
Cyrillic candidate, however short. Any other text with fewer than ``min_letters`` letters, or
whose best language scores below ``min_confidence``, takes the declared language instead: the
record's own ``language`` column when the source has one, else ``[input] language``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..errors import error

# The languages with their own text processing, sentiment and PII rules.
SUPPORTED = ("en", "zh", "ru", "de")
# How a record's language was decided (the ``language_source`` column).
DETECTED, DECLARED, DEFAULT = "detected", "declared", "default"

_NAMES = {"english": "en", "chinese": "zh", "mandarin": "zh", "russian": "ru", "german": "de",
          "deutsch": "de", "русский": "ru", "中文": "zh", "汉语": "zh"}
_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC = ("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg", "tt")
# Links, addresses, @handles and redaction placeholders say nothing of the language.
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|@\w+|\[[A-Z][A-Z_]*(?:_[0-9a-f]+)?\]")


def normalise_code(value: object) -> str | None:
    """The ISO 639-1 code of a declared language (``"zh-CN"``, ``"ru_RU"``, ``"German"``),
    or None when ``value`` is empty or not a language tag.

    >>> [normalise_code(v) for v in ("zh-CN", "ru_RU", "German", "EN", "", None, "1234")]
    ['zh', 'ru', 'de', 'en', None, None, None]
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    if text in _NAMES:
        return _NAMES[text]
    match = _CODE.match(text)
    if not match:
        return None
    code = match.group(1)
    return {"zho": "zh", "chi": "zh", "rus": "ru", "deu": "de", "ger": "de",
            "eng": "en"}.get(code, code)


def record_language(value: object) -> str:
    """The language a stage processes a record in: its ``language`` column, English when the
    column is empty or missing (pipelines without the language stage).

    >>> record_language("zh"), record_language(None), record_language(float("nan"))
    ('zh', 'en', 'en')
    """
    return normalise_code(value) or "en"


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float | None  # the detector's probability; None when declared
    source: str  # detected | declared | default


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]):  # noqa: ANN202 - py3langid has no types
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages:  # () keeps every language the model knows
        ident.set_languages(list(languages))
    return ident


class LanguageDetector:
    """Detects each text's language among ``languages``.

    Args:
        languages: the candidate ISO 639-1 codes (``[input] languages``); one code means every
            record is in it and nothing is detected.
        default: the language of a short or unclear text when the record declares none.
        min_confidence: below this probability the declared language wins.
        min_letters: texts with fewer letters are not detected at all.

    Raises:
        ConfigError: an empty list, a code py3langid does not know (FE600), or a default
            outside the list (FE601).
    """

    def __init__(self, languages: Sequence[str] = SUPPORTED, default: str = "en",
                 min_confidence: float = 0.9, min_letters: int = 4) -> None:
        codes = tuple(dict.fromkeys(normalise_code(c) or str(c) for c in languages))
        known = set(_identifier(()).nb_classes)
        unknown = [c for c in codes if c not in known]
        if not codes or unknown:
            raise error("FE600", codes=", ".join(unknown) or "(none)",
                        known=", ".join(SUPPORTED))
        default_code = normalise_code(default) or str(default)
        if default_code not in codes:
            raise error("FE601", default=default, languages=", ".join(codes))
        self.languages, self.default = codes, default_code
        self.min_confidence, self.min_letters = float(min_confidence), int(min_letters)

    def detect(self, text: str | None, declared: object = None) -> Detection:
        """The language of ``text``; ``declared`` is the record's own language, if any."""
        own = normalise_code(declared)
        fallback = (Detection(own, None, DECLARED) if own
                    else Detection(self.default, None, DEFAULT))
        if len(self.languages) == 1:
            return fallback if own else Detection(self.default, None, DEFAULT)
        body = _URL.sub(" ", text or "")
        letters = _LETTER.findall(body)
        script = self._by_script(letters)
        if script:
            return Detection(script, 1.0, DETECTED)
        if len(letters) < self.min_letters:
            return fallback
        code, probability = _identifier(self.languages).classify(body)
        if probability < self.min_confidence:
            return fallback
        return Detection(str(code), round(float(probability), 4), DETECTED)

    def _by_script(self, letters: list[str]) -> str | None:
        """The one candidate written in the script of every letter (Chinese characters with
        no kana; Cyrillic when one candidate uses it), else None: a two-character Chinese
        review is Chinese, however short."""
        if not letters:
            return None
        if "zh" in self.languages and all(_HAN.match(c) for c in letters):
            return "zh"
        cyrillic = [c for c in self.languages if c in _CYRILLIC]
        if len(cyrillic) == 1 and all(_CYRILLIC_LETTER.match(c) for c in letters):
            return cyrillic[0]
        return None

    def detect_many(self, texts: Sequence[str | None],
                    declared: Sequence[object] | None = None) -> list[Detection]:
        """:meth:`detect` for each text, with its declared language when given."""
        own = declared if declared is not None else [None] * len(texts)
        return [self.detect(t, d) for t, d in zip(texts, own, strict=True)]
