"""Russian person names: natasha's named-entity tagger (PER spans), and given names by their
dictionary tags.

natasha (MIT) tags people, places and organisations with slovnet's NER model over navec
embeddings, both shipped in their wheels (about 27 MB; no download). It reads inflected forms
("Ивану Петровичу", "с Ольгой") and full names with patronymics. The models are loaded once
per process, the first time a Russian text is redacted (about 0.6 s); the tagger ran at about
1,000 short texts a second on one core of the project's 2-core VM (``docs/privacy.md``).

The tagger misses some names standing alone ("Курьер Павел опоздал"), so a capitalised word
whose most likely parse in pymorphy3's dictionary (OpenCorpora) is a given name or a
patronymic (grammemes ``Name``, ``Patr``) is a name too, joined with a neighbouring surname
(``Surn``). A surname alone is not enough: streets and squares carry them ("на Ленина").

Reference: natasha project, https://github.com/natasha/natasha (slovnet NER, trained on the
Nerus corpus).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .spans import Span

# Upper bound on the text natasha sees at once: a long transcript is tagged in pieces cut at
# line breaks, so memory stays flat (slovnet pads every sentence of a document together).
MAX_CHARS = 5000


# pymorphy3 grammemes: a given name, a patronymic (evidence alone), a surname (next to one).
NAME_GRAMMEMES = frozenset({"Name", "Patr"})
CAPITALISED = re.compile(r"\b[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\b")


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any]:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


class RussianNameFinder:
    """PERSON spans from natasha's PER entities.

    Example:
        >>> text = "Оператор Иванова Мария Петровна обещала перезвонить"
        >>> [text[s.start:s.end] for s in RussianNameFinder()(text)]
        ['Иванова Мария Петровна']
    """

    def __call__(self, text: str) -> list[Span]:
        if not any("\u0400" <= ch <= "\u04ff" for ch in text):
            return []
        from natasha import Doc

        segmenter, tagger = _models()
        spans: list[Span] = []
        offset = 0
        for piece in _pieces(text):
            doc = Doc(piece)
            doc.segment(segmenter)
            doc.tag_ner(tagger)
            spans += [Span(offset + s.start, offset + s.stop, "PERSON")
                      for s in doc.spans if s.type == "PER"]
            offset += len(piece)
        return sorted(set(spans + _dictionary_names(text)))


def _dictionary_names(text: str) -> list[Span]:
    """Runs of capitalised words that pymorphy3 parses as name parts, holding at least one
    given name or patronymic."""
    morph = _morph()
    spans: list[Span] = []
    run: list[tuple[int, int, bool]] = []  # (start, end, given name or patronymic)

    def close() -> None:
        if any(strong for _, _, strong in run):
            spans.append(Span(run[0][0], run[-1][1], "PERSON"))
        run.clear()

    for match in CAPITALISED.finditer(text):
        tag = morph.parse(match.group())[0].tag
        strong = any(g in tag for g in NAME_GRAMMEMES)
        if not strong and "Surn" not in tag:
            close()
            continue
        if run and text[run[-1][1]:match.start()] != " ":
            close()
        run.append((match.start(), match.end(), strong))
    close()
    return spans


def _pieces(text: str) -> list[str]:
    """``text`` cut after line breaks into pieces of at most about MAX_CHARS."""
    if len(text) <= MAX_CHARS:
        return [text]
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + MAX_CHARS)
        cut = text.rfind("\n", start, end) + 1 if end < len(text) else end
        end = cut if cut > start else end
        pieces.append(text[start:end])
        start = end
    return pieces
