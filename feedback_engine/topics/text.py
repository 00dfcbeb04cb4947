"""Tokens and candidate phrases for keyphrases, topic labels and distinctive terms.

Light rules rather than a parse, so a 20k-record run costs seconds: lowercase word tokens,
redaction placeholders (``[PERSON]``, ``[EMAIL_1a2b]``) removed, a stop-word list made of
scikit-learn's English list plus words every support conversation uses ("hi", "thanks",
"please", "customer"), and a light plural fold (``refunds`` -> ``refund``) so counts
gather. Candidate phrases are runs of up to three content words between stop words
(Rose et al., 2010, "Automatic keyword extraction from individual documents", RAKE).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..languages.text import pieces

# Words that carry no topic in contact-center text: courtesy, filler, the roles themselves.
_SUPPORT_WORDS = """
    hi hello hey thanks thank thankyou please pls plz ok okay yes yeah yep no nope sure just
    really actually like got get getting gets want wanted need needed know let lets tell told
    said say says asked ask help helped helping hope regards dear sir madam customer agent
    caller team guys im ive id dont didnt doesnt isnt wasnt cant couldnt wont wouldnt youre
    theyre thats theres whats hes shes weve youve ill youll u ur pm am today yesterday
    tomorrow day days week weeks time times thing things way lot bit able going make made
    good great fine bad still also even would could should one two use using used tried try
    trying call called calling chat email message contact contacted again back new now
    ago since currently once twice thrice bye goodbye cheers youd hed shed theyd wed itd
    did does doing done cust re
"""
SUPPORT_STOP_WORDS = frozenset(_SUPPORT_WORDS.split())
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | SUPPORT_STOP_WORDS

_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*(?:_[0-9a-f]+)?\]")  # redaction tokens
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:['’-][a-z0-9]+)*")
_CLAUSE = re.compile(r"[.!?;:,()\[\]\"\n]+")  # phrases never cross punctuation
MAX_PHRASE_WORDS = 3


@lru_cache(maxsize=50_000)
def fold(word: str) -> str:
    """Return a light lemma: possessive and plural endings removed, apostrophes dropped.

    >>> [fold(w) for w in ("refunds", "charges", "boxes", "class", "bus", "customer's")]
    ['refund', 'charge', 'box', 'class', 'bus', 'customer']
    """
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("xes", "ches", "shes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def clean(text: str | None) -> str:
    """Lowercase text with redaction placeholders replaced by a clause break."""
    if not isinstance(text, str):
        return ""
    return _PLACEHOLDER.sub(" , ", text).lower()


def tokens(text: str | None) -> list[str]:
    """Return the lowercase word tokens of ``text`` as written (not folded), placeholders out.

    >>> tokens("My eSIM won't activate, [PERSON] said")
    ['my', 'esim', "won't", 'activate', 'said']
    """
    return _TOKEN.findall(clean(text))


def is_content(word: str) -> bool:
    """True for a word that can carry a topic: not a stop word, not a bare number."""
    return len(word) > 1 and word not in STOP_WORDS and not word.isdigit()


def _content(token: str) -> str | None:
    """The folded word when it is a content word before and after folding, else None."""
    plain = token.replace("’", "'").replace("'", "")
    if not is_content(plain):
        return None
    folded = fold(token)
    return folded if is_content(folded) else None


def phrases(text: str | None, max_words: int = MAX_PHRASE_WORDS,
            language: str | None = None) -> Iterator[list[str]]:
    """Yield candidate phrases (lists of folded words): content-word runs between stop words.

    Runs longer than ``max_words`` are split into consecutive pieces. ``language`` (ISO 639-1)
    other than English takes that language's words (:mod:`feedback_engine.languages.text`).

    >>> list(phrases("My eSIM activation failed again, please help! Refunds are late."))
    [['esim', 'activation', 'failed'], ['refund'], ['late']]
    >>> list(phrases("配送太慢了，等了一个多小时", language="zh"))
    [['配送', '太慢'], ['一个多', '小时']]
    """
    if language and language != "en":
        from ..languages.text import phrases as language_phrases

        yield from language_phrases(text, language, max_words)
        return
    for clause in _CLAUSE.split(clean(text)):
        run: list[str] = []
        for token in _TOKEN.findall(clause):
            word = _content(token)
            if word:
                run.append(word)
                continue
            yield from pieces(run, max_words)
            run = []
        yield from pieces(run, max_words)



def terms(text: str | None, bigrams: bool = True, language: str | None = None) -> set[str]:
    """Return the set of unigrams (and in-phrase bigrams) of ``text``: document-level terms.

    Words of a term are joined by a space whatever the language; :func:`display` writes a
    Chinese term as it is written."""
    out: set[str] = set()
    for phrase in phrases(text, max_words=10, language=language):
        out.update(phrase)
        if bigrams:
            out.update(f"{a} {b}" for a, b in zip(phrase, phrase[1:], strict=False))
    return out


_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


def display(term: str) -> str:
    """A term as a reader writes it: the space between two Chinese words removed.

    >>> display("送餐 速度"), display("card payment")
    ('送餐速度', 'card payment')
    """
    return _HAN_GAP.sub("", term)
