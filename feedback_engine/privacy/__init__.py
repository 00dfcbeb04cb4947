"""PII detection and redaction: structured identifiers, addresses, names, user patterns."""

from .redactor import BUILTIN_TYPES, Redaction, Redactor, pseudonym
from .spans import Span

__all__ = ["BUILTIN_TYPES", "Redaction", "Redactor", "Span", "pseudonym"]
