"""PII redaction stage: runs before anything else stores or prints customer text."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from ..errors import ConfigError
from ..privacy import Redactor
from ..privacy.redactor import pseudonym, pseudonym_key
from .base import stage

ID_COLUMNS = ("agent_id", "customer_id")
# Unmapped input columns whose names say they hold personal data are masked whole.
PII_COLUMN_WORDS = ("name", "email", "e_mail", "phone", "mobile_number", "address", "postcode",
                    "zip", "ssn", "iban", "card", "ip")


def _pii_column(name: str) -> bool:
    words = name.lower().replace("-", "_").replace(" ", "_").split("_")
    return any(w in PII_COLUMN_WORDS for w in words)


@stage("redact", version=1, requires=("text_clean",), optional=("turns", "extra"),
       rewrites=("turns", "extra", *ID_COLUMNS),
       assigns={"text_redacted": "VARCHAR", "pii_counts": "JSON"})
class Redact:
    """Adds ``text_redacted`` and ``pii_counts``; scrubs turns, ``extra`` and, on request, ids.

    Args:
        lexicon: a ``pii.yaml`` to use instead of the bundled one.
        types: entity types to redact (default: all).
        pseudonyms: consistent ``[TYPE_xxxxxxxx]`` tokens (key in ``$FEEDBACK_PII_KEY``).
        pseudonymize_ids: columns among agent_id, customer_id to replace with tokens.
        ner: add spaCy NER for names (needs the ``nlp`` extra; slower).
    """

    def __init__(self, lexicon: str | None = None, types: list[str] | None = None,
                 pseudonyms: bool = False, pseudonymize_ids: list[str] | None = None,
                 ner: bool = False) -> None:
        self.lexicon, self.types, self.pseudonyms = lexicon, types, pseudonyms
        self.pseudonymize_ids = list(pseudonymize_ids or [])
        self.ner = ner
        unknown = set(self.pseudonymize_ids) - set(ID_COLUMNS)
        if unknown:
            raise ConfigError(f"stages.redact.pseudonymize_ids: '{sorted(unknown)[0]}' is not "
                              f"one of {', '.join(ID_COLUMNS)}")

    def setup(self) -> None:
        self.redactor_ = Redactor(self.lexicon, tuple(self.types) if self.types else None,
                                  pseudonyms=self.pseudonyms, ner=self.ner)
        self.id_key_ = pseudonym_key() if self.pseudonymize_ids else None

    def text(self, value: Any) -> Any:
        """Redact one value if it is a string; return other values unchanged."""
        if not isinstance(value, str) or not value:
            return value
        return self.redactor_.redact(value).text

    def scrub_json(self, raw: str | None) -> str | None:
        """Redact every string in a JSON object (``extra``, a reject's raw values)."""
        if raw is None:
            return None
        data = json.loads(raw)
        return json.dumps(self._scrub(data), ensure_ascii=False)

    def _scrub(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self._scrub(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v, key) for v in value]
        if isinstance(value, str) and value and key and _pii_column(key):
            return "[REDACTED]"
        return self.text(value)

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        results = [self.redactor_.redact(t) if isinstance(t, str) else None
                   for t in chunk["text_clean"].tolist()]
        out["text_redacted"] = [r.text if r else None for r in results]
        out["pii_counts"] = [r.counts if r else {} for r in results]
        if "turns" in chunk:
            out["turns"] = [
                [{**t, "text": self.text(t["text"])} for t in turns]
                if isinstance(turns, list) else turns for turns in chunk["turns"].tolist()]
        if "extra" in chunk:
            out["extra"] = [self.scrub_json(e) for e in chunk["extra"].tolist()]
        for column in self.pseudonymize_ids:
            if column in chunk:
                prefix = column.split("_")[0]
                out[column] = [None if v is None or pd.isna(v) else
                               f"{prefix}_{pseudonym(str(v), column, self.id_key_)}"
                               for v in chunk[column].tolist()]
        return out
