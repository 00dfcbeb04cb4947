"""What a language's patterns run on: the text as written, its lemmas, or its characters.

- English (and any language without patterns of its own): the text itself, as before.
- Russian and German: the text's words in their dictionary form
  (:func:`feedback_engine.languages.text.lemma`: pymorphy3 for Russian, simplemma for German),
  one space apart, sentences kept apart by `` . `` so that a pattern never spans two of them.
  A pattern's plain words are put in the same form when it is compiled, so ``курьер опоздал``
  matches "курьеры опоздали" and ``Lieferung verspätet`` matches "Lieferungen verspäten sich".
- Chinese: the text lowercased; patterns match its characters (``taxonomy`` docstring says
  why not jieba's words).

Example:
    >>> view("Курьеры опоздали! Ждали 2 часа.", "ru")
    'курьер опоздать . ждать 2 час .'
    >>> view("Die Lieferung kam zu spät", "de")
    'der lieferung kommen zu spät'
"""

from __future__ import annotations

import re

# Languages whose patterns a taxonomy may hold (``patterns_zh`` ...): those with their own
# text processing in ``feedback_engine.languages.text``. English patterns are ``patterns``.
PATTERN_LANGUAGES = ("zh", "ru", "de")
LEMMA_LANGUAGES = ("ru", "de")
_SENTENCE = re.compile(r"([.!?…]+)")
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def normalise_word(word: str, language: str, lemmatise: bool = True) -> str:
    """A pattern's word in the form the text view has: lowercase, and for Russian and German
    a plain word (no ``*``, ``#`` or hyphen) in its dictionary form."""
    word = word.lower()
    if language == "ru":
        word = word.replace("ё", "е")
    if (lemmatise and language in LEMMA_LANGUAGES and word != "#" and "*" not in word
            and "-" not in word):
        from ..languages.text import lemma

        word = lemma(word, language)
    return word


def view(text: str, language: str) -> str:
    """The form of ``text`` that ``language``'s patterns are matched against."""
    if language == "zh":
        return text.lower()
    if language not in LEMMA_LANGUAGES:
        return text
    from ..languages.text import lemma

    out: list[str] = []
    for piece in _SENTENCE.split(text.replace("\u2019", "'")):
        if _SENTENCE.fullmatch(piece):
            out.append(".")
            continue
        for token in _TOKEN.findall(piece.lower()):
            out.append(lemma(token, language).replace("ё", "е") if not token.isdigit() else token)
    return " ".join(out)
