"""Words for each language: tokens, lemmas, stop words and candidate phrases.

- Chinese has no spaces: jieba (precise mode, with its HMM for unknown words) segments it.
- Russian: razdel tokenises, pymorphy3 gives each word its dictionary form
  (``кредитной`` -> ``кредитный``), so the inflections of one word count together.
- German: simplemma's lemma tables (``Verspätungen`` -> ``Verspätung``).
- Other languages: word characters, lowercased.

Stop words are stopwordsiso's list for the language plus a few words of our own that every
service conversation uses (greetings, thanks, "please") and that carry no topic.
English is not handled here: ``feedback_engine.topics.text`` keeps its rules for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import lru_cache

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+")
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*(?:_[0-9a-f]+)?\]")
_WORD = re.compile(r"[^\W\d_](?:[^\W_]|['’-][^\W\d_])*", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Phrases never cross punctuation (ASCII and the full-width forms Chinese uses).
_CLAUSE = re.compile(r"[.!?;:,()\[\]\"\n。！？；：，、（）【】《》“”…~～]+")
MAX_PHRASE_WORDS = 3

# Our own additions to stopwordsiso: courtesy and filler of service conversations.
_EXTRA_STOP = {
    "zh": "您好 你好 谢谢 感谢 麻烦 请问 一下 一个 这个 那个 就是 还是 但是 然后 真的 感觉 觉得"
          " 东西 时候 没有 有点 非常 比较 已经 可以 不错 亲 啊 吧 呢 哦 嗯 呀 哈 哈哈",
    "ru": "здравствуйте привет спасибо пожалуйста добрый день вечер утро это весь свой который"
          " мочь быть очень просто ещё уже",
    "de": "hallo danke bitte guten tag sehr mal schon einfach immer wieder gibt gab sein haben"
          " werden",
}
# stopwordsiso words that are topics in service feedback (money, waiting, work, the phone).
_KEEP = {
    "ru": "деньги деньга работа работать время ждать долго ответ ответить номер вопрос телефон"
          " место дело сторона",
    "de": "zeit",
}


def _jieba():  # noqa: ANN202 - jieba has no types
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=1)
def _morph():  # noqa: ANN202
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=16)
def stop_words(language: str) -> frozenset[str]:
    """The stop words of ``language`` (lowercase; lemmas included for Russian and German)."""
    import stopwordsiso

    words = set(stopwordsiso.stopwords(language)) if stopwordsiso.has_lang(language) else set()
    words |= set(_EXTRA_STOP.get(language, "").split())
    if language in ("ru", "de"):
        words |= {lemma(w, language) for w in list(words)}
    words -= set(_KEEP.get(language, "").split())
    return frozenset(w.lower() for w in words)


def clean(text: str | None) -> str:
    """Text with links, addresses and redaction placeholders replaced by a clause break."""
    if not isinstance(text, str):
        return ""
    return _PLACEHOLDER.sub(" , ", _URL.sub(" , ", text))


def tokens(text: str | None, language: str) -> list[str]:
    """The word tokens of ``text`` as written, lowercased; punctuation and numbers out.

    >>> tokens("送餐太慢了，饭都凉了", "zh")
    ['送餐', '太慢', '了', '饭', '都', '凉', '了']
    >>> tokens("Не могу дозвониться в МТС!", "ru")
    ['не', 'могу', 'дозвониться', 'в', 'мтс']
    """
    body = clean(text)
    if language == "zh":
        return [w.lower() for w in _jieba().lcut(body) if _is_word(w)]
    if language == "ru":
        from razdel import tokenize

        return [t.text.lower() for t in tokenize(body) if _is_word(t.text)]
    return [w.lower() for w in _WORD.findall(body)]


def _is_word(token: str) -> bool:
    return bool(_HAN.search(token)) or bool(_WORD.fullmatch(token))


@lru_cache(maxsize=200_000)
def lemma(word: str, language: str) -> str:
    """The dictionary form of a lowercase ``word`` (Russian and German); others unchanged.

    >>> lemma("кредитной", "ru"), lemma("verspätungen", "de")
    ('кредитный', 'verspätung')
    """
    if language == "ru" and re.search("[а-яё]", word):
        return _morph().parse(word)[0].normal_form.replace("ё", "е")
    if language == "de":
        import simplemma

        return simplemma.lemmatize(word, lang="de").lower()
    return word


def is_content(word: str, language: str) -> bool:
    """True for a word that can carry a topic: not a stop word, and for Chinese two or more
    characters (single characters are mostly particles and measure words)."""
    if word in stop_words(language):
        return False
    if language == "zh":
        return len(word) >= 2 and bool(_HAN.search(word))
    return len(word) > 1


def _content(token: str, language: str) -> str | None:
    """The lemma of ``token`` when both are content words, else None."""
    word = lemma(token, language)
    return word if is_content(word, language) and is_content(token, language) else None


def content_words(text: str | None, language: str) -> list[str]:
    """The lemmas of ``text``'s content words, in order."""
    return [w for w in (_content(t, language) for t in tokens(text, language)) if w]


def phrases(text: str | None, language: str,
            max_words: int = MAX_PHRASE_WORDS) -> Iterator[list[str]]:
    """Candidate phrases: runs of content-word lemmas between stop words and punctuation,
    cut into pieces of at most ``max_words``.

    >>> list(phrases("送餐速度太慢了，饭都凉了", "zh"))
    [['送餐', '速度', '太慢']]
    """
    for clause in _CLAUSE.split(clean(text)):
        run: list[str] = []
        for token in tokens(clause, language):
            word = _content(token, language)
            if word:
                run.append(word)
                continue
            yield from pieces(run, max_words)
            run = []
        yield from pieces(run, max_words)


def pieces(run: list[str], max_words: int) -> Iterator[list[str]]:
    """``run`` cut into consecutive pieces of at most ``max_words``."""
    for start in range(0, len(run), max_words):
        yield run[start:start + max_words]


def join(words: list[str], language: str) -> str:
    """A phrase as it is written: Chinese words run together, others take spaces."""
    return ("" if language == "zh" else " ").join(words)
