"""The span type shared by every detector, and overlap resolution."""

from __future__ import annotations

from dataclasses import dataclass

# When two detections overlap, the more specific type wins: a validated card number beats
# the phone pattern that also fits its digits; a street address beats a name inside it.
# A checksum-valid national id beats a phone number with the same digits, as a card does.
PRIORITY = {"CREDIT_CARD": 9, "IBAN_CODE": 9, "US_SSN": 8, "EMAIL_ADDRESS": 8,
            "CN_RESIDENT_ID": 8, "RU_INN": 8, "RU_SNILS": 8, "DE_TAX_ID": 8,
            "IP_ADDRESS": 7, "PHONE_NUMBER": 6, "LOCATION": 5, "PERSON": 4}
CUSTOM_PRIORITY = 7  # user patterns from pii.yaml: specific by construction


@dataclass(frozen=True, order=True)
class Span:
    """A detected entity: ``text[start:end]`` is of ``type``."""

    start: int
    end: int
    type: str

    @property
    def priority(self) -> int:
        return PRIORITY.get(self.type, CUSTOM_PRIORITY)


def resolve(spans: list[Span]) -> list[Span]:
    """Return non-overlapping spans: higher priority first, then longer, then earlier.

    >>> resolve([Span(0, 10, "PHONE_NUMBER"), Span(0, 16, "CREDIT_CARD"), Span(20, 25, "PERSON")])
    [Span(start=0, end=16, type='CREDIT_CARD'), Span(start=20, end=25, type='PERSON')]
    """
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (-s.priority, -(s.end - s.start), s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen)
