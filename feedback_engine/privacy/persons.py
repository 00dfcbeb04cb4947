"""PERSON detection from context: cues, titles, sign-offs, chat labels and a name gazetteer.

A capitalised word is not a name by itself ("Bill was wrong", "Galaxy S24"); it becomes one
with evidence: a cue before it ("my name is", "spoke to"), a title ("Mr."), a sign-off
("Kind regards,"), a chat speaker label ("[10:45] usman: hi"), or a known first name,
better still followed by a known surname. Words that are names elsewhere and ordinary words
here (``not_names`` in the lexicon) and sentiment words (VADER's lexicon: "Joy", "Hope")
count only with strong evidence: a cue that names, or a known surname after them
("May Whitfield").
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import PiiLexicon, first_names, fold, last_names
from .spans import Span

# A word: letters (any script with case) with inner apostrophes or hyphens (O'Brien, Al-Farsi).
TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
CONTRACTION = re.compile(r"['’](?:m|re|ve|ll|d|t)$|^(?:it|he|she|that|there|what|who)['’]s$",
                         re.IGNORECASE)
# After "this is X" these confirm X is a name ("this is Tom from billing").
CONFIRMERS = {"from", "here", "speaking", "calling", "at", "with", "and", "on", "in", "again"}
CLOSERS = ",.!?\n-–:;)("
ROLE_WORDS = {"agent", "customer", "caller", "advisor", "adviser", "rep", "system", "bot",
              "ivr", "engineer", "supervisor", "manager", "cust", "client", "operator"}
# A name that is also a word ("Grace", "Mark", "Faith") is a person when an agent's action
# follows it: "Grace was brilliant", "Mark sorted it out". Months are left out ("May was").
AGENT_VERBS = re.compile(
    r"\s+(?:sorted|fixed|helped|explained|resolved|called|rang|answered|listened|apologised|"
    r"apologized|even|promised|transferred|arranged|booked|"
    r"was (?:so |really |very |extremely )?(?:brilliant|lovely|helpful|great|amazing|"
    r"fantastic|excellent|rude|unhelpful|patient|friendly|polite|kind|useless|wonderful|"
    r"superb|awesome|professional|dismissive))\b")
DETERMINERS = {"the", "a", "an", "my", "your", "our", "their", "this", "that", "his", "her"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"}
# Weak cues after which a name typed in lower case is still taken ("hi fang", "thanks
# emeka"): greetings, thanks and role words address a person. After the others ("for",
# "from", "with", "it's") a lower-case word is usually a thing: "for easter", "with ivory",
# "from rana gill" (a brand), "mom jean".
LOWER_CUES = re.compile(
    r"(?i)\b(?:hi|hello|hey|hey there|thanks|thank you|cheers|agent|advisor|adviser|rep|"
    r"manager|supervisor|colleague|engineer|technician|courier|driver)[\s:,-]*$")
# Self-introductions: a lower-case name after them counts when a confirmer follows it
# ("hi its tuan again", "this is fang from billing"), not otherwise ("it is beau...").
SELF_CUES = re.compile(r"(?i)\b(?:this is|it's|it’s|it is|its|i'm|i’m|i am)[\s:,-]*$")
# After "it is" a lower-case word usually describes a thing ("it is ivory with gray stripes",
# "its navy and white"): there only the words that follow a caller's name confirm one.
IT_CUES = re.compile(r"(?i)\b(?:it's|it’s|it is|its)[\s:,-]*$")
CALLER_CONFIRMERS = {"from", "here", "speaking", "calling", "again"}
# Words before a place name ("from China", "in Sydney", "moved to Georgia"): there a word
# that is both a place and a name is the place.
PLACE_BEFORE = {"from", "in", "to", "at", "near", "around", "across", "visiting", "visited",
                "outside", "toward", "towards", "via", "into", "throughout", "within"}
# Before these a capitalised phrase found only by the name lists is a thing or a place ("the
# Notting Hill ATM", "your Oxford Street branch"), not a person.
# ("that", "this", "a" are left out: "upset that Ayesha Raza lied", "a Sarah Jones called".)
THING_DETERMINERS = {"the", "your", "our"}
# ...unless a known given name leads it and a person's word follows: "the Sarah Jones you sent".
PERSON_AFTER = re.compile(r"[ \t]*(?:$|[,.;!?)]|(?:you|who|whom|that|i|we|they|he|she|"
                          r"is|was|has|had|said|told|never|did|didn't|kept)\b)", re.IGNORECASE)
CHAT_LABEL = re.compile(r"(?m)^[ \t]*\[[^\]\n]{1,24}\][ \t]*(?P<label>[^\W\d_][^\n:]{0,40}?):[ \t]")


@lru_cache(maxsize=1)
def _sentiment_words() -> frozenset[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return frozenset(w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha())


@lru_cache(maxsize=1)
def _currencies() -> tuple[frozenset[str], frozenset[str]]:
    """ISO 4217 currency codes ("AUD") and folded names ("russian ruble"), from pycountry."""
    import pycountry

    codes = frozenset(c.alpha_3 for c in pycountry.currencies)
    names = frozenset(fold(c.name) for c in pycountry.currencies)
    return codes, names


def is_currency(phrase: str) -> bool:
    """Whether ``phrase`` is a currency: its ISO code in capitals, or its name (plural too)."""
    codes, names = _currencies()
    if phrase in codes:
        return True
    folded = fold(phrase)
    return folded in names or (folded.endswith("s") and folded[:-1] in names)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Ordinary English words: the entries of Webster's Second (``english-words``) spelt in
    lower case there ("core", "mart", "booth"; not "Aaron"). A surname that is also one of
    these ("Intel Core", "Wal Mart") is not trusted after an unknown given name."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], lower=False) if w.islower())


def _word_before(text: str, position: int) -> str:
    """The word just before ``position`` (within 20 characters), lower-cased; else ""."""
    before = re.search(r"([^\W\d_]+)[ \t]+$", text[max(0, position - 20):position])
    return before.group(1).lower() if before else ""


def _alternation(phrases: tuple[str, ...] | list[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)


class PersonFinder:
    """Finds PERSON spans; built once per lexicon, then called per text."""

    def __init__(self, lexicon: PiiLexicon) -> None:
        self.blocked = lexicon.not_names | _sentiment_words() | lexicon.titles
        self.places = lexicon.places
        self.all_firsts = first_names()  # blocked words included: "May" before "Whitfield"
        self.firsts = self.all_firsts - self.blocked
        self.core_firsts = first_names(core=True) - self.blocked
        self.lasts = last_names()
        self.strong = re.compile(rf"(?i)\b(?:{_alternation(lexicon.strong_cues)})(?!\w)[\s:,-]*")
        # Cues that say "a name follows" outright: only after these is a lower-case word
        # ("my name is james smith") taken as a name.
        naming = tuple(c for c in lexicon.strong_cues if "name" in c)
        self.naming = re.compile(rf"(?i)\b(?:{_alternation(naming)})(?!\w)[\s:,-]*$")
        self.weak = re.compile(rf"(?i)\b(?:{_alternation(lexicon.weak_cues)})(?!\w)[\s:,-]*")
        self.title = re.compile(rf"(?i)\b(?:{_alternation(sorted(lexicon.titles))})\b\.?\s+")
        self.signoff = re.compile(
            rf"(?im)(?:^|[.!?]\s+)\W*(?:{_alternation(lexicon.signoffs)})\s*[,.!-]*[ \t]*"
            r"(?:\n[ \t]*)*")

    # -- token helpers ---------------------------------------------------------------------
    @staticmethod
    def _word(match: re.Match[str]) -> str:
        return POSSESSIVE.sub("", match.group())

    @staticmethod
    def _end(match: re.Match[str]) -> int:
        found = POSSESSIVE.search(match.group())
        return match.end() - (len(found.group()) if found else 0)

    @staticmethod
    def _capitalised(word: str) -> bool:
        return word[0].isupper() and (not word.isupper() or len(word) >= 3)

    def _blocked(self, word: str) -> bool:
        return word.lower() in self.blocked

    def _namelike(self, word: str) -> bool:
        return (self._capitalised(word) and not self._blocked(word)
                and not CONTRACTION.search(word))

    def _first(self, word: str) -> bool:
        return fold(word) in self.firsts

    def _any_first(self, word: str) -> bool:
        return fold(word) in self.all_firsts

    def _core_first(self, word: str) -> bool:
        return fold(word) in self.core_firsts

    @staticmethod
    def _caps_around(text: str, match: re.Match[str]) -> bool:
        """Whether the text around ``match`` is all caps ("DEAR MR SMITH"): 60% of its letters
        within 40 characters either side are capitals."""
        window = text[max(0, match.start() - 40):match.end() + 40]
        letters = [ch for ch in window if ch.isalpha()]
        return sum(ch.isupper() for ch in letters) >= 0.6 * len(letters)

    def _shouted(self, text: str, match: re.Match[str]) -> bool:
        """An all-caps word among lower-case ones is an acronym (IBAN, MAC), not a name."""
        return match.group().isupper() and not self._caps_around(text, match)

    def _last(self, word: str) -> bool:
        folded = fold(word)
        return folded in self.lasts and folded not in self.blocked

    def _tokens_after(self, text: str, pos: int, limit: int = 3) -> list[re.Match[str]]:
        """Up to ``limit`` consecutive words from ``pos``, separated by spaces only."""
        out: list[re.Match[str]] = []
        while len(out) < limit:
            match = TOKEN.match(text, pos)
            if not match:
                break
            out.append(match)
            if POSSESSIVE.search(match.group()):
                break
            gap = re.match(r"[ \t]+", text[match.end():])
            if not gap:
                break
            pos = match.end() + gap.end()
        return out

    def _surnames(self, tokens: list[re.Match[str]], taken: int) -> int:
        """Extend a name over following capitalised, non-blocked words (or known surnames)."""
        while taken < len(tokens):
            word = self._word(tokens[taken])
            if not (self._namelike(word) or (self._capitalised(word) and self._last(word))):
                break
            taken += 1
        return taken

    def _lower_surnames(self, tokens: list[re.Match[str]], taken: int) -> int:
        while taken < len(tokens) and self._last(self._word(tokens[taken])) \
                and not self._blocked(self._word(tokens[taken])):
            taken += 1
        return taken

    def _span(self, tokens: list[re.Match[str]], first: int, last: int) -> Span:
        return Span(tokens[first].start(), self._end(tokens[last]), "PERSON")

    # -- rules -----------------------------------------------------------------------------
    def _after_strong(self, text: str, cue: re.Match[str]) -> Span | None:
        start = cue.end()
        tokens = self._tokens_after(text, start)
        if not tokens:
            return None
        first = self._word(tokens[0])
        if self._namelike(first):
            return self._span(tokens, 0, self._surnames(tokens, 1) - 1)
        if self._capitalised(first) and len(tokens) > 1 and self._capitalised(
                self._word(tokens[1])) and self._last(self._word(tokens[1])):
            return self._span(tokens, 0, self._surnames(tokens, 2) - 1)  # "May Whitfield"
        if not self.naming.search(text[max(0, start - 30):start]):
            return None
        if not self._blocked(first) and self._first(first):
            # Typed in lower case ("my name is james smith"): known names only.
            return self._span(tokens, 0, self._lower_surnames(tokens, 1) - 1)
        if self._any_first(first) and len(tokens) > 1 and self._last(self._word(tokens[1])):
            return self._span(tokens, 0, self._lower_surnames(tokens, 2) - 1)  # "may whitfield"
        return None

    def _after_weak(self, text: str, cue: re.Match[str]) -> Span | None:
        start = cue.end()
        if ":" in text[start - 3:start]:
            return None  # "Agent: Can I ..." is a speaker label, not "agent Can"
        tokens = self._tokens_after(text, start, limit=4)
        if not tokens:
            return None
        first = self._word(tokens[0])
        if not self._namelike(first):
            if not (first.islower() and not self._blocked(first) and self._core_first(first)):
                return None
            taken = self._lower_surnames(tokens, 1)
            confirmers = (CALLER_CONFIRMERS if IT_CUES.search(text, max(0, start - 30), start)
                          else CONFIRMERS)
            if LOWER_CUES.search(text, max(0, start - 30), start) or (
                    SELF_CUES.search(text, max(0, start - 30), start)
                    and self._next_word(text, self._end(tokens[taken - 1])) in confirmers):
                return self._span(tokens, 0, taken - 1)  # "hi fang", "its tuan again"
            return None
        taken = self._surnames(tokens, 1)
        after = text[self._end(tokens[taken - 1]):].lstrip(" \t")
        next_word = self._next_word(text, self._end(tokens[taken - 1]))
        confirmed = (self._core_first(first) or taken > 1
                     or (self._first(first) and (not after or after[0] in CLOSERS
                                                 or next_word in CONFIRMERS)))
        return self._span(tokens, 0, taken - 1) if confirmed else None

    @staticmethod
    def _next_word(text: str, end: int) -> str:
        after = text[end:].lstrip(" \t")
        return after.split(None, 1)[0].lower().strip(".,!?") if after.strip() else ""

    def _after_title(self, text: str, title: re.Match[str]) -> Span | None:
        start = title.end()
        tokens = self._tokens_after(text, start)
        if not tokens or not self._capitalised(self._word(tokens[0])):
            return None
        word = title.group().strip().rstrip(".")
        if len(word) > 1 and word.isupper() and not self._caps_around(text, title):
            return None  # "MS Office", "DR Congo": an acronym in mixed-case text
        if self._blocked(self._word(tokens[0])) and not self._last(self._word(tokens[0])):
            return None
        return self._span(tokens, 0, self._surnames(tokens, 1) - 1)

    def _after_signoff(self, text: str, cue: re.Match[str]) -> Span | None:
        start = cue.end()
        tokens = self._tokens_after(text, start)
        if not tokens:
            return None
        first = self._word(tokens[0])
        line_end = text.find("\n", start)
        on_own_line = text[start - 1:start] == "\n" or start == 0
        if self._namelike(first):
            taken = self._surnames(tokens, 1)
        elif on_own_line and first.islower() and not self._blocked(first) and (
                self._first(first) or self._last(first)):
            taken = self._lower_surnames(tokens, 1)  # "thanks,\nhamza"
        else:
            return None
        end = self._end(tokens[taken - 1])
        rest = text[end:line_end if line_end != -1 else len(text)].strip()
        if rest and not re.match(r"^[.!,]?\s*(?:[-|(–].*)?$", rest):
            return None  # "Thanks, Northwind team for ..." is a sentence, not a signature
        return self._span(tokens, 0, taken - 1)

    def _chat_labels(self, text: str) -> list[Span]:
        spans = []
        for match in CHAT_LABEL.finditer(text):
            tokens = list(TOKEN.finditer(match.group("label")))
            offset = match.start("label")
            if tokens and tokens[0].group().lower() in ROLE_WORDS:
                tokens = tokens[1:]  # "Agent Aisha:" -> Aisha
            if tokens and not any(t.group().lower() in ROLE_WORDS for t in tokens):
                spans.append(Span(offset + tokens[0].start(), offset + tokens[-1].end(),
                                  "PERSON"))
        return spans

    def _gazetteer(self, text: str) -> list[Span]:
        spans = []
        tokens = list(TOKEN.finditer(text))
        index = 0
        while index < len(tokens):
            word = self._word(tokens[index])
            if not self._capitalised(word) or self._shouted(text, tokens[index]):
                index += 1
                continue
            nxt = self._word(tokens[index + 1]) if index + 1 < len(tokens) else ""
            adjacent = index + 1 < len(tokens) and \
                text[tokens[index].end():tokens[index + 1].start()] == " "
            # A known first name with a known surname ("Yetunde Okafor", "May Whitfield");
            # a core first name may also stand alone ("I spoke to Gary").
            # An unknown given name is trusted before a known surname too ("Wei Chen"), if
            # neither word is an ordinary one.
            paired = (adjacent and self._capitalised(nxt) and self._last(nxt)
                      and not self._shouted(text, tokens[index + 1])
                      and (self._first(word) or (not word.isupper() and not nxt.isupper() and (
                          self._any_first(word) or (self._namelike(word)
                                                    and fold(nxt) not in common_words())))))
            alone = self._core_first(word) and not self._blocked(word)
            previous = tokens[index - 1].group().lower() if index else ""
            acting = (not alone and word.istitle() and self._any_first(word)
                      and word.lower() not in MONTHS and previous not in DETERMINERS
                      and AGENT_VERBS.match(text, tokens[index].end()) is not None)
            if acting:
                spans.append(self._span(tokens, index, index))
                index += 1
                continue
            if not (paired or alone):
                index += 1
                continue
            end = index + 1
            while (end < len(tokens) and not POSSESSIVE.search(tokens[end - 1].group())
                   and text[tokens[end - 1].end():tokens[end].start()] == " "
                   and self._capitalised(self._word(tokens[end]))
                   and (self._last(self._word(tokens[end]))
                        or (end > index + 1 and self._namelike(self._word(tokens[end]))))):
                end += 1
            begin = index
            # "Siobhan Kelly": a given name before a first name that is also a surname.
            if (index > 0 and self._last(word)
                    and text[tokens[index - 1].end():tokens[index].start()] == " "
                    and self._namelike(self._word(tokens[index - 1]))
                    and self._first(self._word(tokens[index - 1]))):
                begin = index - 1
            before = text[:tokens[begin].start()].rstrip()
            sentence_start = not before or before[-1] in ".!?:\n\"“"
            following = self._word(tokens[end]) if end < len(tokens) else ""
            if ((end - begin > 1 or not sentence_start or (following and following.islower()))
                    and not self._thing(text, tokens, begin, end)):
                spans.append(self._span(tokens, begin, end - 1))
            index = end
        return spans

    def _thing(self, text: str, tokens: list[re.Match[str]], begin: int, end: int) -> bool:
        """Whether a phrase the name lists found is a currency, a thing or a place instead.

        A currency ("AUD", "Russian Ruble"); a phrase after a determiner ("the Notting Hill
        ATM") unless a given name leads it and a person's word follows ("the Sarah Jones you
        sent"); or, after a place word ("in", "at", "near"...), a phrase whose first word is
        no known given name ("in Notting Hill"; "to Gary Smith" stays a name).
        """
        phrase = text[tokens[begin].start():self._end(tokens[end - 1])]
        if is_currency(phrase):
            return True
        previous = _word_before(text, tokens[begin].start())
        if AGENT_VERBS.match(text, self._end(tokens[end - 1])):
            return False  # "the Sarah Jones was so helpful": someone acting
        if previous in THING_DETERMINERS:
            return not (self._any_first(self._word(tokens[begin]))
                        and PERSON_AFTER.match(text, self._end(tokens[end - 1])) is not None)
        return previous in PLACE_BEFORE and not self._any_first(self._word(tokens[begin]))

    def _place(self, text: str, span: Span) -> bool:
        """Whether ``span`` is a place name after "from", "in", "to"...: "from China"."""
        return (fold(text[span.start:span.end]) in self.places
                and _word_before(text, span.start) in PLACE_BEFORE)

    def __call__(self, text: str) -> list[Span]:
        spans = [s for s in self._find(text) if not is_currency(text[s.start:s.end])]
        if self.places:
            spans = [s for s in spans if not self._place(text, s)]
        return spans

    def _find(self, text: str) -> list[Span]:
        spans = self._gazetteer(text)
        if "[" in text:
            spans += self._chat_labels(text)
        for pattern, rule in ((self.strong, self._after_strong), (self.weak, self._after_weak),
                              (self.title, self._after_title),
                              (self.signoff, self._after_signoff)):
            for match in pattern.finditer(text):
                span = rule(text, match)
                if span is not None:
                    spans.append(span)
        return spans
