"""Rule-based sentiment for support text: VADER plus a domain layer.

VADER (Hutto & Gilbert, ICWSM 2014) scores each sentence; on top of it:

- a contact-center lexicon (``lexicons/sentiment/*.tsv``) whose words override VADER's and
  whose multi-word phrases ("fed up", "went above and beyond", "still waiting") are matched
  before tokenising, so they score as units and VADER's negation and boosters still apply;
- contrast beyond VADER's "but": "however", "yet", "except", "whereas" shift weight to the
  clause after them, and a sentence opened by "although", "even though", "despite" or
  "while" to its main clause; weights 0.5 / 1.5, VADER's own for "but";
- a document score aggregated from sentence scores (see :meth:`RuleScorer.aggregate`),
  which does not saturate towards ±1 as VADER's single compound does on long texts.
"""

from __future__ import annotations

import math
import re
import string
from pathlib import Path
from typing import NamedTuple

from ..errors import error
from ..resources import lexicon_path

DEFAULT_LEXICONS = ("sentiment/contact_center.tsv",)
BEFORE, AFTER = 0.5, 1.5  # VADER's weights around "but" (vaderSentiment._but_check)
VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = x / sqrt(x² + 15)
LENGTH_DAMPING = 0.25  # sentence valence sums are divided by n ** 0.25 (see aggregate)
RECENCY_FROM = 4  # sentences; from here on later sentences weigh more (see aggregate)
MID_MARKERS = ("but", "however", "yet", "except", "nevertheless", "nonetheless", "whereas")
LEAD_MARKERS = ("although", "even though", "though", "despite", "while", "whilst")
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
MID_ANY = re.compile(rf"\b(?:{'|'.join(MID_MARKERS)})\b")  # on lower-cased text
MID = re.compile(rf"(?i)[,;]?\s+\b(?:{'|'.join(MID_MARKERS)})\b[,]?\s+")
LEAD = re.compile(rf"(?i)^\s*(?:{'|'.join(LEAD_MARKERS)})\b")
# Requests and questions: politeness in them ("please", "I'd like", "can you help",
# "thanks") is not an opinion, so it is dropped before scoring such a sentence.
REQUEST_STARTS = ("can ", "could ", "would ", "will ", "may ", "please", "kindly", "i'd like",
                  "i would like", "i need", "i want to", "how ", "what", "where", "when ",
                  "is ", "are ", "do ", "does ", "did ", "which", "who ", "just need",
                  "need to")
GREETINGS = ("hi", "hello", "thanks", "ok", "okay")
REQUEST_OPENING = re.compile(
    r"[\s\"'(*-]*(?:(?:" + "|".join(GREETINGS) + r")\b[\s,.!-]*)?(?:"
    + "|".join(re.escape(start) for start in REQUEST_STARTS) + ")")
POLITENESS = re.compile(r"(?i)\b(?:please|kindly|help|like|thanks|thank you|happy|glad|ok|"
                        r"okay|sure|yes|yeah|great|quick|hi|hello)\b")


# Sarcasm, narrowly: praise that opens a sentence ("Great, another outage.", "Oh brilliant,
# cancelled again.") next to a complaint marker in the same sentence reads as its opposite.
SARCASM_OPENER = re.compile(
    r"(?i)^\W*(?:oh\s+|just\s+|yeah,?\s+|wow,?\s+)?(?:great|brilliant|fantastic|wonderful|"
    r"lovely|amazing|perfect|marvellous|super|nice|cheers|well done|thanks for nothing|"
    r"love being|so glad|good to see|nice to know)\b")
SARCASM_CUE = re.compile(r"(?i)\b(?:another|again|for nothing|nothing|never|third time|"
                         r"fourth time|as always|as usual|whole week|hung up)\b")


class SentenceScore(NamedTuple):
    start: int
    end: int
    score: float


def load_sentiment_lexicon(paths: tuple[str | Path, ...]) -> tuple[dict[str, float],
                                                                     dict[str, float]]:
    """Read VADER-format TSV files into (words, phrases); later files win.

    Raises:
        ConfigError: naming the file and line of a malformed entry.
    """
    words: dict[str, float] = {}
    phrases: dict[str, float] = {}
    for entry in paths:
        path = Path(entry) if Path(entry).is_file() else lexicon_path(str(entry))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            try:
                term, valence = parts[0].strip().lower(), float(parts[1])
            except (IndexError, ValueError):
                raise error("FE464", path=path, line=number) from None
            if not term or not -4.0 <= valence <= 4.0:
                raise error("FE465", path=path, line=number)
            (phrases if " " in term else words)[term] = valence
    return words, phrases


def _is_request(low: str) -> bool:
    """Does the (lower-cased) sentence open like a request ("could you…", "hi, i'd like…")?"""
    return REQUEST_OPENING.match(low) is not None


def _raw(compound: float) -> float:
    """Invert VADER's normalisation: the valence sum behind a compound score."""
    c = max(min(compound, 0.9999), -0.9999)
    return math.sqrt(VADER_ALPHA) * c / math.sqrt(1.0 - c * c)


def trie_pattern(phrases: list[str]) -> str:
    """A regex alternation shaped as a character trie: one branch per distinct next
    character instead of one per phrase, so matching cost does not grow with the lexicon.

    >>> re.fullmatch(trie_pattern(["fed up", "fed", "fix"]), "fed up") is not None
    True
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + build(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(
            branches) + ")"
        return body + ("?" if ends else "")

    return build(trie)


def _token(phrase: str) -> str:
    return "fe_" + re.sub(r"\W+", "_", phrase).strip("_")


class _Tokens:
    """What ``vaderSentiment.SentiText`` computes (its words and emoticons, and whether only
    some of them are in capitals), in one pass and without its per-token method calls."""

    __slots__ = ("text", "words_and_emoticons", "is_cap_diff")

    def __init__(self, text: str) -> None:
        self.text = text
        words = []
        for word in text.split():
            stripped = word.strip(string.punctuation)
            words.append(word if len(stripped) <= 2 else stripped)  # keeps emoticons whole
        upper = sum(map(str.isupper, words))
        self.words_and_emoticons = words
        self.is_cap_diff = 0 < len(words) - upper < len(words)


class _Window:
    """The few words around one token, standing in for ``SentiText`` (see
    ``CompoundAnalyzer.sentiment_valence``)."""

    __slots__ = ("words_and_emoticons", "is_cap_diff")

    def __init__(self, words: list[str], is_cap_diff: bool) -> None:
        self.words_and_emoticons, self.is_cap_diff = words, is_cap_diff


# VADER looks at most three words back and two ahead of a token (its negation, booster,
# idiom and "least" checks); sentences longer than this are scored through that window.
WINDOW_BEFORE, WINDOW_AFTER, WINDOW_FROM = 3, 2, 16


def _compound_analyzer():
    """A VADER analyzer with a ``compound(text)`` that computes only the compound score.

    Same rules as ``polarity_scores`` (vaderSentiment 3.3.2), in the same order, but the
    emoji pass runs only when the text has an emoji, and the pos/neu/neg proportions that
    the engine does not use are never computed: this keeps sentence-level scoring, which
    calls VADER once per sentence, as fast as plain VADER on whole documents.
    """
    from vaderSentiment import vaderSentiment as vs

    class CompoundAnalyzer(vs.SentimentIntensityAnalyzer):
        def __init__(self) -> None:
            super().__init__()
            self.emoji_chars = frozenset(self.emojis)

        def sentiment_valence(self, valence, sentitext, item, i, sentiments):
            """VADER's valence of token ``i``, read through a window of its neighbours.

            Why: VADER's negation and idiom checks lower-case the whole sentence for every
            sentiment word, so one long sentence (a row of 10,000 emoji, each becoming
            words such as "grinning face") cost quadratic time: 52 s. Every index those checks
            read lies within three words before and two after ``i`` (each guarded by
            ``i > k``, so none wraps around), so the same call on that window of words gives
            the same valence in linear time.
            """
            words = sentitext.words_and_emoticons
            if len(words) <= WINDOW_FROM:
                return super().sentiment_valence(valence, sentitext, item, i, sentiments)
            low = max(0, i - WINDOW_BEFORE)
            window = _Window(words[low:i + WINDOW_AFTER + 1], sentitext.is_cap_diff)
            return super().sentiment_valence(valence, window, item, i - low, sentiments)

        def compound(self, text: str) -> float:
            if not text.isascii() and not self.emoji_chars.isdisjoint(text):  # emoji: non-ASCII
                return float(self.polarity_scores(text)["compound"])
            text = text.strip()
            sentitext = _Tokens(text)
            tokens = sentitext.words_and_emoticons
            boosters, valence_of = vs.BOOSTER_DICT, self.sentiment_valence  # hot loop
            lexicon = self.lexicon
            valences: list[float] = []
            last = len(tokens) - 1
            for index, token in enumerate(tokens):
                lowered = token.lower()
                if lowered not in lexicon or lowered in boosters or (
                        lowered == "kind" and index < last and tokens[index + 1].lower() == "of"):
                    # Modifiers carry no valence of their own, and VADER gives a word outside
                    # its lexicon 0 without looking further: skip the call.
                    valences.append(0)
                    continue
                valences = valence_of(0, sentitext, token, index, valences)
            if "but" in text or "BUT" in text or "But" in text:  # else a no-op, skip its pass
                valences = self._but_check(tokens, valences)
            if not valences:
                return 0.0
            total = float(sum(valences))
            emphasis = self._punctuation_emphasis(text)
            total += emphasis if total > 0 else -emphasis if total < 0 else 0.0
            return round(vs.normalize(total), 4)

    return CompoundAnalyzer()


class RuleScorer:
    """Scores texts and sentences; build once (it loads VADER and the lexicons)."""

    def __init__(self, lexicons: tuple[str | Path, ...] = DEFAULT_LEXICONS) -> None:
        self.lexicons = tuple(lexicons)
        self.analyzer = _compound_analyzer()
        words, phrases = load_sentiment_lexicon(lexicons)
        self.analyzer.lexicon.update(words)
        self.tokens = {p: _token(p) for p in phrases}
        self.analyzer.lexicon.update({self.tokens[p]: v for p, v in phrases.items()})
        # Words that can start a phrase: a sentence without any of them skips the regex.
        first_words = {p.split()[0] for p in phrases}
        self.first_word_re = re.compile(
            r"(?<![\w'])(?:" + "|".join(sorted(map(re.escape, first_words), key=len,
                                               reverse=True)) + r")(?![\w'])"
        ) if phrases else None
        pattern = trie_pattern(sorted(phrases))
        self.phrases = re.compile(rf"(?i)(?<![\w'])(?:{pattern})(?![\w'])") if phrases else None

    def join_phrases(self, text: str, low: str | None = None) -> str:
        """Replace each lexicon phrase by its single token (same length not kept)."""
        if self.phrases is None or self.first_word_re.search(
                low if low is not None else text.lower()) is None:
            return text
        return self.phrases.sub(lambda m: self.tokens[" ".join(m.group().lower().split())],
                                text)


    def sentence(self, text: str) -> float:
        """Score one sentence, weighting the clauses around contrast markers."""
        low = text.lower()  # once: every check below reads it
        tail = low.rstrip()
        # A question (one "?", not "?????") or a sentence opened like a request.
        request = (tail.endswith("?") and not tail.endswith("??")) or _is_request(low)
        opener = SARCASM_OPENER.match(text)
        joined = self.join_phrases(text, low)
        if request:
            joined = POLITENESS.sub(" ", joined)
        score = self._clauses(joined, MID_ANY.search(low) is not None,
                              low.lstrip().startswith(LEAD_MARKERS))
        if opener and score > 0 and self._sarcastic(text[opener.end():]):
            return -score
        return score

    def _sarcastic(self, tail: str) -> bool:
        """After a praise opener: is the rest a complaint, with no praise of its own?

        Cheap word look-ups first, since many texts open with praise and mean it.
        """
        valences = [self.analyzer.lexicon.get(w.strip(".,!?;:'\"").lower(), 0.0)
                    for w in tail.split()]
        if any(v > 0.5 for v in valences):
            return False  # "Brilliant, the outage is fixed."
        cue = SARCASM_CUE.search(tail) is not None
        if not cue and not any(v < -0.5 for v in valences):
            return False
        rest = self._clauses(tail)
        return rest < -0.05 or (cue and rest < 0.05)

    def _clauses(self, text: str, has_mid: bool = True, has_lead: bool = True) -> float:
        """Weight the clause after a contrast marker over the one before it.

        "A but B but C" nests to the right: B-and-C outweighs A, C outweighs B. The chain is
        walked in a loop, not by recursion, so a text of a thousand "but"s cannot overflow
        the stack.
        """
        befores: list[float] = []
        while True:
            lead = LEAD.match(text) if has_lead else None
            if lead and "," in text[lead.end():]:
                comma = text.index(",", lead.end())
                minor, main = text[lead.end():comma], text[comma + 1:]
                score = (BEFORE * self.analyzer.compound(minor)
                         + AFTER * self.analyzer.compound(main)) / (BEFORE + AFTER)
                break
            mid = MID.search(text) if has_mid else None
            if mid and text[mid.end():].strip() and text[:mid.start()].strip():
                befores.append(self.analyzer.compound(text[:mid.start()]))
                text, has_mid, has_lead = text[mid.end():], True, True
                continue
            score = self.analyzer.compound(text)
            break
        for before in reversed(befores):
            score = (BEFORE * before + AFTER * score) / (BEFORE + AFTER)
        return score

    def sentences(self, text: str) -> list[SentenceScore]:
        """Score each sentence of ``text`` (offsets into ``text``)."""
        out = []
        for match in SENTENCE.finditer(text):
            if match.group().strip():
                out.append(SentenceScore(match.start(), match.end(),
                                         self.sentence(match.group())))
        return out

    @staticmethod
    def aggregate(scores: list[float]) -> float | None:
        """Combine sentence scores without saturating on long texts.

        Each compound is mapped back to VADER's raw valence sum (inverting
        ``x / sqrt(x² + 15)``), the sums are added and divided by ``n ** 0.25``, and the result
        is normalised again. One sentence scores as VADER would; sixteen equally negative
        sentences score like two rather than like sixteen. The exponent was chosen on the
        VADER tweets and movie sets: it keeps VADER's correlation on tweets while damping
        length (plain mean: r 0.833 on tweets; plain sum: saturation).
        """
        if not scores:
            return None
        n = len(scores)
        if n == 1:
            return scores[0]
        # In long texts later sentences weigh more (up to 2x): complaints and praise end with
        # the verdict ("... and I'm leaving", "... couldn't ask for better"). Short texts
        # (tweets, one-line answers) keep equal weights.
        weights = [1.0 + i / (n - 1) if n >= RECENCY_FROM else 1.0 for i in range(n)]
        mean_weight = sum(weights) / n
        total = sum(w * _raw(s) for w, s in zip(weights, scores, strict=True)) / mean_weight
        total /= n ** LENGTH_DAMPING
        return total / math.sqrt(total * total + VADER_ALPHA)

    def document(self, text: str | None) -> tuple[float | None, list[SentenceScore]]:
        """Return the document score (−1…1) and its sentences."""
        if not text or not text.strip():
            return None, []
        parts = self.sentences(text)
        return self.aggregate([p.score for p in parts]), parts
