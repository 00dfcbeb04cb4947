"""Text normalisation: HTML entities and tags out, Unicode folded, whitespace tidied."""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd

from .base import stage

# Compiled once. Only formatting markup that email and web exports carry is removed;
# anything else (<script>, <img onerror=...>) stays as literal text, so an injection attempt
# remains visible as evidence and every renderer escapes it. "< 5 minutes" and "<3" are text.
_FORMATTING = ("p|br|div|span|b|i|u|em|strong|small|font|li|ul|ol|table|thead|tbody|tr|td|th|"
               "h[1-6]|blockquote|pre|code|hr|html|head|body|center|a|sup|sub|o:p")
_TAG = re.compile(rf"</?(?:{_FORMATTING})(?:\s[^<>]{{0,200}})?/?>", re.IGNORECASE)
_BREAK_TAG = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)
# Zero-width and other format characters that break tokenisation and matching.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def normalize_text(text: str) -> str:
    """Return text with markup removed and whitespace tidied; line breaks are kept.

    >>> normalize_text("<p>Refund &amp; credit</p><br>please")
    'Refund & credit\\nplease'
    """
    text = _BREAK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    # NFKC folds full-width letters and ligatures; emoji are left as they are.
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", text).strip()


@stage("normalize", version=1, requires=("text",),
       assigns={"text_clean": "VARCHAR", "n_words": "INTEGER"})
class Normalize:
    """Adds ``text_clean`` (markup-free text) and ``n_words``."""

    def setup(self) -> None:
        pass

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        out["text_clean"] = [normalize_text(t) for t in chunk["text"].tolist()]
        out["n_words"] = out["text_clean"].str.split().str.len().astype("int32")
        return out
