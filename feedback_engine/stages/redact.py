"""PII redaction stage: runs before anything else stores or prints customer text."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pandas as pd

from ..errors import ConfigError, error
from ..languages.detect import normalise_code
from ..privacy import Redactor
from ..privacy.redactor import pseudonym, pseudonym_key
from ..privacy.spans import Span
from .base import stage

ID_COLUMNS = ("agent_id", "customer_id")
# Canonical label columns: kept as written, with any PII inside replaced by its [TYPE] token.
LABEL_COLUMNS = ("team", "queue", "product")
# Digits from which a number anywhere (an int or float cell) is worth a redactor pass: the
# shortest phone numbers; a score or a count never has that many.
LONG_NUMBER_DIGITS = 7
# Key of the id pseudonyms when $FEEDBACK_PII_KEY is unset. It is public, so such tokens are
# stable (reruns upsert the same keys) but not secret: anyone can test a guessed value
# against one. Set $FEEDBACK_PII_KEY (16+ characters) to make them unguessable.
FALLBACK_ID_KEY = b"feedback-engine/id-pseudonym/v1"

# Header words that make a column personal whatever its values: every value is masked whole.
PERSONAL_WORDS = frozenset({
    "email", "e_mail", "mail", "phone", "mobile", "telephone", "tel", "fax", "address",
    "postcode", "zip", "zipcode", "ssn", "iban", "card", "ip", "surname", "firstname",
    "lastname", "fullname", "username", "dob", "birthday", "passport",
    # national ids, and the personal headers of Chinese, Russian and German exports
    "inn", "snils", "idnr", "steuerid", "steueridentifikationsnummer", "taxid", "nationalid",
    "инн", "снилс", "телефон", "тел", "мобильный", "фио", "фамилия", "отчество",
    "паспорт", "адрес", "почта", "身份证", "身份证号", "身份证号码", "证件号", "证件号码",
    "手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "姓名", "地址",
    "收货地址", "邮箱", "联系人", "收件人", "telefon", "telefonnummer", "handy",
    "handynummer", "adresse", "anschrift", "vorname", "nachname", "geburtsdatum"})
# Two-word headers that name a person's id: "tax_id", "National ID", "resident id".
PERSONAL_PAIRS = frozenset({("tax", "id"), ("national", "id"), ("resident", "id"),
                            ("citizen", "id"), ("id", "card"), ("steuer", "id")})
# "name" is personal only when it names a person: alone, or after one of these words.
# "Division Name", "Class Name", "Product Name" name things: their values go through the
# redactor like any other value, and a category such as "General" or "Tops" is kept.
PERSON_NAME_QUALIFIERS = frozenset({
    "first", "last", "full", "given", "family", "middle", "maiden", "nick", "sur", "display",
    "customer", "client", "agent", "contact", "user", "caller", "person", "rep", "holder",
    "cardholder", "account_holder", "employee", "owner", "reviewer", "author", "member",
    "patient", "recipient", "sender", "buyer", "guest", "your", "my", "legal", "real"})


def _pii_column(name: str) -> bool:
    """Whether a header names personal data, so that every value under it is masked whole.

    The rule: a header is personal when one of its words is a personal field (email, phone,
    address, card, ...) or when its word ``name`` names a person: the header is just
    ``name``, or ``name`` follows a person word (first_name, customer_name, "Agent Name").
    A ``name`` after any other word names a thing (division, class, department, product,
    plan, queue, team, store): those are categories, and their values are only masked where
    the redactor finds PII in them.
    """
    spaced = "".join(c if c.isalnum() else "_" for c in str(name).lower())
    words = [w for w in spaced.split("_") if w]
    return (any(w in PERSONAL_WORDS for w in words) or words in (["name"], ["имя"], ["名字"])
            or any(pair in PERSONAL_PAIRS for pair in pairwise(words))
            or any(before in PERSON_NAME_QUALIFIERS
                   for before, word in pairwise(words) if word == "name"))


def id_key() -> bytes:
    """The key of id pseudonyms: ``$FEEDBACK_PII_KEY`` when set, else the fixed fallback."""
    try:
        return pseudonym_key()
    except ConfigError:
        return FALLBACK_ID_KEY


def exact_pseudonym(value: str, kind: str, key: bytes, length: int = 16) -> str:
    """A keyed token for one exact value (``pseudonym`` folds case and punctuation, which
    would merge distinct ids such as ``A-1`` and ``a1``)."""
    return pseudonym(value.encode("utf-8", "surrogatepass").hex(), kind, key, length)


def _merge(spans: list[Span]) -> list[Span]:
    """Union of overlapping spans, each typed by its highest-priority member."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            kind = last.type if last.priority >= span.priority else span.type
            merged[-1] = Span(last.start, max(last.end, span.end), kind)
        else:
            merged.append(span)
    return merged


def scrub_label(redactor: Redactor, text: str, language: str | None = None) -> str:
    """Redact a label, a header name or a path: the text as it is, and again with ``_`` and
    ``/`` read as spaces (``jane@x.com_4539578763621486.csv`` hides the card from the word
    boundaries a detector needs); every span found either way is replaced. ``language``:
    the record's, as for :meth:`Redactor.find`."""
    if not text:
        return text
    spaced = text.replace("_", " ").replace("/", " ").replace("\\", " ")
    spans = redactor.find(text, language) + (
        redactor.find(spaced, language) if spaced != text else [])
    return redactor.replace(text, _merge(spans))


@stage("redact", version=2, requires=("text_clean",), optional=("turns", "extra", "language"),
       rewrites=("turns", "extra", *ID_COLUMNS, *LABEL_COLUMNS),
       assigns={"text_redacted": "VARCHAR", "pii_counts": "JSON"})
class Redact:
    """Adds ``text_redacted`` and ``pii_counts``; scrubs turns, ``extra``, ids and labels.

    Version 2: each record is redacted in its ``language`` (phone regions, national ids,
    Russian and Chinese names; docs/privacy.md); no language column reads as English.

    Besides the text, every stored value is scanned, whatever its column or type:

    - ``extra`` (unmapped columns) and a reject's raw values: under a personal header (see
      :func:`_pii_column`) a value is masked whole (``[REDACTED]``), numbers included; any
      other string, and any number of 7+ digits, goes through the redactor. Header names
      holding PII (an email as a column name) are redacted too.
    - ``team``, ``queue``, ``product``: the redacted text.
    - ``agent_id``, ``customer_id`` and (through :meth:`scrub_record_ids`, which the engines
      call before the stages, since stages must keep ``record_id``) ``record_id``: a value in
      which the redactor finds PII is replaced whole by a keyed HMAC token (``id_…``,
      ``agent_…``, ``customer_…``; key :func:`id_key`), so the same input gives the same
      token in every run and re-analysis still upserts by id. Ids without PII are kept.

    Each record is read in its ``language`` (the language stage's column; missing or null
    is English): text, turns, ``extra``, labels and ids alike (see ``Redactor``).
    """

    option_help = {
        "lexicon": "your own patterns, cues and street types, a pii.yaml (default: the "
                   "bundled one)",
        "types": "redact only these entity types (default: every type)",
        "pseudonyms": "[PERSON_1a2b3c4d] tokens: the same value gets the same token; the key "
                      "comes from $FEEDBACK_PII_KEY (16+ characters)",
        "pseudonymize_ids": "tokens for these ids too (agent_id, customer_id; same key)",
        "ner": 'add spaCy NER for names (pip install ".[nlp]"; slower)',
        "regions": "ISO 3166 codes whose phone numbering plans are checked; a number valid in "
                   "none is not a phone (default: the bundled list)",
    }
    option_examples = {"lexicon": "lexicons/pii.yaml", "types": ["PERSON", "EMAIL_ADDRESS"],
                       "pseudonymize_ids": ["agent_id", "customer_id"],
                       "regions": ["US", "GB", "DE", "FR", "IN", "CA", "AU"]}

    def __init__(self, lexicon: str | None = None, types: list[str] | None = None,
                 pseudonyms: bool = False, pseudonymize_ids: list[str] | None = None,
                 ner: bool = False, regions: list[str] | None = None) -> None:
        from ..privacy.redactor import _regions

        self.lexicon, self.types, self.pseudonyms = lexicon, types, pseudonyms
        self.pseudonymize_ids = list(pseudonymize_ids or [])
        self.ner = ner
        for key, value in (("types", types), ("pseudonymize_ids", pseudonymize_ids),
                           ("regions", regions)):
            if value is not None and not (isinstance(value, list | tuple)
                                          and all(isinstance(v, str) for v in value)):
                raise error("FE340", key=key, value=value)
        where = " in stages.redact.regions"
        self.regions = list(_regions(regions, where)) if regions is not None else None
        unknown = set(self.pseudonymize_ids) - set(ID_COLUMNS)
        if unknown:
            raise error("FE341", column=min(unknown), columns=", ".join(ID_COLUMNS))

    def setup(self) -> None:
        self.redactor_ = Redactor(self.lexicon, tuple(self.types) if self.types else None,
                                  pseudonyms=self.pseudonyms, ner=self.ner,
                                  regions=self.regions)
        self.id_key_ = pseudonym_key() if self.pseudonymize_ids else None
        self.pii_id_key_ = id_key()

    def text(self, value: Any, language: str | None = None) -> Any:
        """Redact one value if it is a string; return other values unchanged.

        ``language`` (here and below): the record's ISO 639-1 code; None reads English."""
        if not isinstance(value, str) or not value:
            return value
        return self.redactor_.redact(value, language).text

    def label(self, value: Any, language: str | None = None) -> Any:
        """Redact a label or name (see :func:`scrub_label`); non-strings unchanged."""
        if not isinstance(value, str) or not value:
            return value
        return scrub_label(self.redactor_, value, language)

    def scrub_id(self, value: Any, column: str, language: str | None = None) -> Any:
        """``value`` when it holds no PII, else a keyed token of the whole value."""
        if not isinstance(value, str) or not value:
            return value
        if scrub_label(self.redactor_, value, language) == value:
            return value
        prefix = "id" if column == "record_id" else column.split("_")[0]
        return f"{prefix}_{exact_pseudonym(value, column, self.pii_id_key_)}"

    def scrub_record_ids(self, ids: Any) -> list[Any]:
        """The record ids with each one that holds PII replaced by its token (records and
        rejects alike, so one row keeps one key whichever table it lands in)."""
        return [self.scrub_id(v, "record_id") for v in list(ids)]

    def scrub_json(self, raw: str | None, language: str | None = None) -> str | None:
        """Redact every string in a JSON object (``extra``, a reject's raw values)."""
        if raw is None:
            return None
        return json.dumps(self._scrub(json.loads(raw), language=language), ensure_ascii=False)

    def _scrub(self, value: Any, key: str = "", personal: bool = False,
               language: str | None = None) -> Any:
        personal = personal or bool(key and _pii_column(key))
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                name = self.label(k, language) if isinstance(k, str) else k
                while name in out:  # two header names redacted to the same token
                    name = f"{name}#"
                out[name] = self._scrub(v, k, personal, language)
            return out
        if isinstance(value, list):
            return [self._scrub(v, key, personal, language) for v in value]
        if value is None or isinstance(value, bool):
            return value
        if personal and (isinstance(value, int | float) or (isinstance(value, str) and value)):
            return "[REDACTED]"
        if isinstance(value, int | float):
            return self._number(value, language)
        return self.label(value, language)

    def _number(self, value: int | float, language: str | None = None) -> Any:
        """A long number (a card or phone typed as a number) goes through the redactor."""
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return value
            text = str(int(value)) if value.is_integer() else repr(value)
        else:
            text = str(value)
        if sum(c.isdigit() for c in text) < LONG_NUMBER_DIGITS:
            return value
        redacted = self.label(text, language)
        return value if redacted == text else redacted

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        # Each record's language (the language stage's column); missing or null is English.
        languages = ([normalise_code(v) or "en" for v in chunk["language"].tolist()]
                     if "language" in chunk else ["en"] * len(chunk))
        results = [self.redactor_.redact(t, lang) if isinstance(t, str) else None
                   for t, lang in zip(chunk["text_clean"].tolist(), languages, strict=True)]
        out["text_redacted"] = [r.text if r else None for r in results]
        out["pii_counts"] = [r.counts if r else {} for r in results]
        if "turns" in chunk:
            out["turns"] = [
                [{**t, "text": self.text(t["text"], lang)} for t in turns]
                if isinstance(turns, list) else turns
                for turns, lang in zip(chunk["turns"].tolist(), languages, strict=True)]
        if "extra" in chunk:
            out["extra"] = [self.scrub_json(e, lang)
                            for e, lang in zip(chunk["extra"].tolist(), languages, strict=True)]
        for column in LABEL_COLUMNS:
            if column in chunk:
                out[column] = [self.label(v, lang) for v, lang in
                               zip(chunk[column].tolist(), languages, strict=True)]
        for column in ID_COLUMNS:
            if column not in chunk:
                continue
            if column in self.pseudonymize_ids:
                prefix = column.split("_")[0]
                out[column] = [None if v is None or pd.isna(v) else
                               f"{prefix}_{pseudonym(str(v), column, self.id_key_)}"
                               for v in chunk[column].tolist()]
            else:
                out[column] = [self.scrub_id(v, column, lang) for v, lang in
                               zip(chunk[column].tolist(), languages, strict=True)]
        return out
