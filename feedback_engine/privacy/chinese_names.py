"""Chinese person names: a surname list plus jieba's person tags, honorifics and cues.

A Chinese name is a surname (one character, or two for a compound surname such as 欧阳) and
one or two given characters, written without spaces. Surnames are also common words (王
"king", 高 "high", 方 "square"), so a surname is never evidence alone. A span is a person when
it starts with a surname from ``lexicons/names/zh_surnames.txt`` and one of these holds:

1. an honorific or role follows it (``honorifics`` in ``pii.yaml``: 王先生, 张伟经理, 李师傅);
   the span is the name without the honorific, as an English title is left out;
2. a naming cue comes right before it (``strong_cues``: 我叫, 收件人：, 快递员);
3. jieba's part-of-speech tagger marks the word as a person name (``nr``; jieba's dictionary
   tags from the People's Daily corpus, with its HMM for unseen words), it is no common
   dictionary word, and a person's speech or action follows it (``PERSON_NEXT``: 张伟说会退款,
   小王态度很差); a leading 小 / 老 (小王, 老李, forms of address) is left out;
4. it is a sign-off: the whole of a line, or the text's last stretch after a sentence's end
   and a space (``……谢谢！ 刘洋``), is a surname and one or two given characters (not one
   repeated: 谢谢) that jieba's dictionary does not know as a common word, or tags as a
   person.

The tagger is loaded once per process (about 0.7 s; its dictionary ships in jieba's wheel).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from .lexicon import PiiLexicon, _lexicon_names
from .spans import Span

HAN = "\u3400-\u9fff\uf900-\ufaff"
# jieba's person-name flags: nr (name), nrfg and nrt (names of people it learnt as words).
PERSON_FLAGS = frozenset({"nr", "nrfg", "nrt"})
# Characters after which a name ends: punctuation, ASCII, or these particles and verbs,
# which jieba attaches to a name it has not seen ("张伟说" is read as one word). Some are
# surnames too (向, 于, 从, 和), but before an honorific they are prepositions: 向经理反映.
NAME_STOP = set("的了说是在和跟与给把被对就也都还又很不没让叫问打来去帮将向于从由连"
                "您你我他她它们啦吧呢吗呀哦")
# Before these a surname character is a measure word or part of a number ("这张卡" "this card").
NOT_BEFORE_NAME = set("这那哪每几一二两三四五六七八九十")
# jieba's dictionary tags many common words "nr" (谢谢 1,089, 师傅 1,976, 荣耀 493, 沙拉 49,
# 汤汁 13): a word it counts at least this often is not taken as a name without a cue or an
# honorific. Names it has not seen (张伟, 王芳: frequency 0 or none) come from its HMM. The
# value was set on the tune split and the first 2,000 zh_waimai_10k reviews (docs/privacy.md).
DICTIONARY_NAME_FREQ = 10
# After a name that jieba alone tagged (no cue, no honorific), one of these must follow: a
# person's speech or action towards the customer. Food words jieba's HMM also tags "nr"
# (宫保鸡, 牛腩, 黄焖 in food-delivery reviews) do not say or promise things.
PERSON_NEXT = re.compile(r"说|讲|告诉|答应|承诺|表示|回复|回答|解释|打电话|打了|联系|帮|处理|挂|骂|"
                         r"态度|服务|让我|叫我|问我|给我|跟我|和我|不理|推脱|敷衍|负责|同意|拒绝")
# A signature: 2-4 Chinese characters alone on a line, or closing the text after a sentence's
# end and a space ("谢谢！ 刘洋"; "送到..冷饭" and "太难吃了，冷面硬" are no signatures).
_SIGN_OFF = re.compile(f"(?:(?<![^\\n])|(?<=[。！？!?.][ \\t]))[ \\t]*([{HAN}]{{2,4}})"
                       f"[ \\t]*(?=\\n|$)")
# Forms of address before a surname (小王 "young Wang", 老李 "old Li"); not part of the span.
ADDRESS_PREFIX = ("小", "老", "阿")


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """The (single, compound) surnames of ``lexicons/names/zh_surnames.txt``."""
    names = _lexicon_names("names/zh_surnames.txt")
    return (frozenset(n for n in names if len(n) == 1),
            frozenset(n for n in names if len(n) == 2))


@lru_cache(maxsize=1)
def _posseg() -> Any:  # jieba has no types
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


@lru_cache(maxsize=1)
def _dictionary() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt


class ChineseNameFinder:
    """PERSON spans in Chinese text (see the module docstring for the rules).

    Example:
        >>> from .lexicon import load_pii_lexicon
        >>> finder = ChineseNameFinder(load_pii_lexicon())
        >>> text = "快递员李师傅把包裹放在门口，王先生很生气"
        >>> [text[s.start:s.end] for s in finder(text)]
        ['李', '王']
    """

    def __init__(self, lexicon: PiiLexicon) -> None:
        extra = lexicon.languages.get("zh", {})
        self.honorifics = tuple(sorted(extra.get("honorifics", ()), key=len, reverse=True))
        self.cues = tuple(sorted(extra.get("strong_cues", ()), key=len, reverse=True))
        self.single, self.compound = surnames()
        alternation = "|".join(map(re.escape, self.honorifics)) or "(?!)"
        self._honorific = re.compile(f"(?:{alternation})")
        cues = "|".join(map(re.escape, self.cues)) or "(?!)"
        self._cue = re.compile(f"(?:{cues})[：:\\s]*(?=[{HAN}])")

    def surname_length(self, text: str, start: int) -> int:
        """2 for a compound surname at ``start``, 1 for a single one, 0 for none."""
        if text[start:start + 2] in self.compound:
            return 2
        return 1 if text[start:start + 1] in self.single else 0

    def __call__(self, text: str) -> list[Span]:
        if not re.search(f"[{HAN}]", text):
            return []
        tokens = self._tokens(text)
        spans = self._after_cues(text) + self._before_honorifics(text, tokens)
        spans += self._tagged(text, tokens) + self._sign_offs(text)
        return sorted(set(spans))  # the same name found by two rules counts once

    def _sign_offs(self, text: str) -> list[Span]:
        """王伟 alone on a line, or ``谢谢！ 刘洋`` at the end: an e-mail's signature."""
        spans = []
        for match in _SIGN_OFF.finditer(text):
            name = match.group(1)
            surname = self.surname_length(name, 0)
            if (surname and 1 <= len(name) - surname <= 2 and len(set(name)) > 1
                    and (not self._common_word(name) or self._is_name(name))
                    and not any(c in NAME_STOP for c in name[surname:])):
                spans.append(Span(match.start(1), match.end(1), "PERSON"))
        return spans

    @staticmethod
    def _tokens(text: str) -> list[tuple[int, str, str]]:
        """jieba's words with their offsets and flags: (start, word, flag)."""
        out, position = [], 0
        for pair in _posseg().cut(text):
            out.append((position, pair.word, pair.flag))
            position += len(pair.word)
        return out

    @staticmethod
    def _common_word(word: str) -> bool:
        """A word jieba's dictionary knows well (谢谢, 辛苦, 师傅, 荣耀): its person tag there is
        not to be trusted. Names jieba has not seen have no frequency."""
        return len(word) >= 2 and (_dictionary().FREQ.get(word) or 0) >= DICTIONARY_NAME_FREQ

    def _given_end(self, text: str, start: int, most: int = 2) -> int:
        """The end of the given name after a surname ending at ``start``: up to ``most`` Han
        characters, stopping at an honorific, a particle or punctuation."""
        end = start
        while end < len(text) and end - start < most and re.match(f"[{HAN}]", text[end]):
            if text[end] in NAME_STOP or self._honorific.match(text, end):
                break
            end += 1
        return end

    def _before_honorifics(self, text: str, tokens: list[tuple[int, str, str]]) -> list[Span]:
        """王先生, 欧阳女士, 张伟经理, 李师傅: the name right before an honorific, as jieba cuts
        it (a surname jieba joins to a longer common word, 谢谢师傅, is no name)."""
        spans = []
        for match in self._honorific.finditer(text):
            begin = match.start()
            if begin >= 2 and text[begin - 2:begin] in self.compound:
                spans.append(Span(begin - 2, begin, "PERSON"))  # 欧阳女士
                continue
            for start, word, _ in tokens:
                end = start + len(word)
                if not start < begin <= end or start < begin - 3:
                    continue
                # the word before the honorific, or one that swallowed it (李师傅)
                name = text[start:begin]
                if (not self.surname_length(text, start) or any(c in NAME_STOP for c in name)
                        or (end == begin and self._common_word(word))
                        or (start > 0 and text[start - 1] in NOT_BEFORE_NAME)):
                    break
                if len(name) == 1 or end > begin or not self._common_word(name):
                    spans.append(Span(start, begin, "PERSON"))
                break
        return spans

    def _is_name(self, word: str) -> bool:
        words = _posseg().lcut(word)
        return len(words) == 1 and words[0].flag in PERSON_FLAGS

    def _after_cues(self, text: str) -> list[Span]:
        """我叫张伟, 收件人：李娜, 快递员刘强: a surname and its given name after a cue."""
        spans = []
        for match in self._cue.finditer(text):
            start = match.end()
            if text.startswith(ADDRESS_PREFIX, start) and self.surname_length(text, start + 1):
                # 客服小王: a form of address, the surname alone
                spans.append(Span(start + 1, start + 1 + self.surname_length(text, start + 1),
                                  "PERSON"))
                continue
            surname = self.surname_length(text, start)
            if not surname or self._honorific.match(text, start):
                continue  # 配送员师傅: a role and a title, no name
            # jieba decides where the name ends ("我叫张伟今天" -> 张伟); a word it does not
            # join to the surname leaves at most two given characters.
            first = _posseg().lcut(text[start:start + 6])[0].word
            if self._common_word(first) and (
                    len(set(first)) == 1
                    or _posseg().dt.word_tag_tab.get(first) not in PERSON_FLAGS):
                continue  # 快递小哥谢谢啦, 客服辛苦了: a word, not a name
            if first.startswith(text[start:start + surname]) and 2 <= len(first) <= 4:
                end = start + len(first)
                honorific = self._honorific.search(first)
                if honorific and honorific.start() >= surname:
                    end = start + honorific.start()
            else:
                end = self._given_end(text, start + surname)
            spans.append(Span(start, end, "PERSON"))
        return spans

    def _tagged(self, text: str, tokens: list[tuple[int, str, str]]) -> list[Span]:
        """Words jieba tags as person names that begin with a known surname and that its
        dictionary does not know as common words (see :meth:`_common_word`)."""
        spans = []
        for start, word, flag in tokens:
            if flag not in PERSON_FLAGS or len(word) < 2 or self._common_word(word):
                continue
            if word[0] == word[1]:
                continue  # a doubled character (谢谢, 谢谢你们, 哈哈) is a word
            offset = 1 if word.startswith(ADDRESS_PREFIX) and len(word) >= 2 else 0
            surname = self.surname_length(word, offset)
            if not surname:
                continue
            end = offset + surname
            while end < len(word) and end - offset < 4:
                if word[end] in NAME_STOP or self._honorific.match(word, end):
                    break
                end += 1
            if end - offset < 2 and offset == 0 and not self._honorific.match(word, end):
                continue  # a bare surname jieba tagged: no evidence
            if start > 0 and text[start - 1] in NOT_BEFORE_NAME and offset == 0:
                continue
            if not PERSON_NEXT.match(text, start + len(word)):
                continue
            spans.append(Span(start + offset, start + end, "PERSON"))
        return spans
