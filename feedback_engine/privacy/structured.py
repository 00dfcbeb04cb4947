"""Detectors for structured identifiers: card, IBAN, SSN, email, phone, IP address.

Each is a compiled pattern for candidates plus a validator, so look-alikes survive: a
16-digit order number that fails the Luhn check, an IBAN-shaped code with wrong check digits,
a date or an amount that has the digits of a phone number.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import phonenumbers

from .national import find_national_ids, named_as_id
from .spans import Span

# Regions whose national number plans validate a phone candidate written without "+CC":
# a 10-digit order id that is no valid number in any of them is left alone.
DEFAULT_REGIONS = ("US", "GB", "DE", "FR", "IN", "CA", "AU")

DIGIT = re.compile(r"\d")
EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                   r"\.[A-Za-z]{2,24}(?![\w-])")

# 13-19 digits, optionally in groups separated by one space or dash. Issuer prefixes
# (ISO/IEC 7812): 2 and 5 Mastercard, 3 Amex/Diners/JCB, 4 Visa, 6 Discover/Maestro/UnionPay.
CARD = re.compile(r"(?<![\w-])(?<!\d[.,])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w-]|[.,]\d)")

# US SSN: area 001-899 except 666, group 01-99, serial 0001-9999 (SSA numbering rules).
SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])")
SSN_CUED = re.compile(r"(?i:\b(?:ssn|social security(?: number| no\.?)?|ss#)\W{0,4})"
                      r"((?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4})(?!\d)")

# Where an IBAN may start; the rest is walked by hand to the country's exact length.
IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")
# IBAN-shaped runs, valid or not: digits inside them are not phone or card numbers.
IBAN_SHAPED = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}"
                         r"(?:[ ]?[A-Z0-9]{1,4})?")
# IBAN lengths per country (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}

IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                  r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![\w:])")

# Phone candidates: international (+CC ...), UK national (0...), North American.
PHONE = re.compile(r"""
    (?<![\w+/.-])
    (?:
        \+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?(?:\(?\d{1,5}\)?[ .-]?){1,5}\d{2,5}     # +44 20 7946 0018
      | \(?0\d{2,5}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}                              # 020 7946 0018
      | (?:1[ .-])?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}                      # (415) 555-0132
      | 0\d{9,10}                                                             # 07700900123
      | [2-9]\d{2}[2-9]\d{6}                                                  # 4155550132
    )
    (?![\w]|[.,/-]\d)
""", re.VERBOSE)
# The same candidates for text in other languages, plus the national shapes the English
# pattern never needed, with boundaries that look at ASCII letters and digits only: Chinese
# and Russian write a number straight after a word ("电话13812345678", "тел.89161234567").
PHONE_ANY_SCRIPT = re.compile(r"""
    (?<![0-9A-Za-z+/-])(?<![0-9A-Za-z]\.)
    (?:
        \+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?(?:\(?\d{1,5}\)?[ .-]?){1,5}\d{2,5}     # +7 916 123 45 67
      | 1[3-9]\d(?:[ -]?\d{4}){2}                                        # CN 138 1234 5678
      | 8[ -]?\(?[3-9]\d{2}\)?[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}                # RU 8 (916) 123-45-67
      | \(?0\d{2,5}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}                              # 0151 23456789
      | (?:1[ .-])?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}                      # (415) 555-0132
      | 0\d{9,11}                                                             # 015123456789
      | 8\d{10}                                                               # RU 89161234567
      | [2-9]\d{2}[2-9]\d{6}                                                  # 4155550132
    )
    (?![0-9A-Za-z]|[.,/-]\d)
""", re.VERBOSE)
DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
# Words that name the bare digit run after them as an identifier, not a phone number:
# "order 2125550123", "tracking no. 4155550132", "ref #8005550199".
ID_CUE = re.compile(r"(?i)\b(?:order|ord|invoice|inv|ref|reference|tracking|track|ticket|case|"
                    r"confirmation|conf|transaction|txn|booking|receipt|parcel|shipment|"
                    r"package|serial|sku|item|product|model|po|imei|awb)"
                    r"(?:\s*(?:no|nr|number|num|id|code|ref))?[\s#:.-]*$")


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) checksum used by payment cards.

    >>> luhn_valid("4539578763621486"), luhn_valid("4539578763621487")
    (True, False)
    """
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN without spaces.

    >>> iban_valid("GB82WEST12345698765432"), iban_valid("GB82WEST12345698765433")
    (True, False)
    """
    number = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(number) % 97 == 1


def _inside(spans: list[tuple[int, int]], match: re.Match[str]) -> bool:
    return any(a <= match.start() and match.end() <= b for a, b in spans)


def _cards(text: str, shaped: list[tuple[int, int]]) -> Iterator[Span]:
    for match in CARD.finditer(text):
        if _inside(shaped, match):
            continue  # digit groups of an IBAN-shaped code
        raw = match.group()
        digits = re.sub(r"\D", "", raw)
        separators = set(re.findall(r"[ -]", raw))
        if 13 <= len(digits) <= 19 and len(separators) <= 1 and luhn_valid(digits):
            yield Span(match.start(), match.end(), "CREDIT_CARD")


def _ibans(text: str) -> Iterator[Span]:
    for match in IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(match.group()[:2].upper())
        if length is None:
            continue
        # Walk to the country's length, allowing single spaces, so a second IBAN or the
        # words after one ("... 32 and DE62 ...") are never swallowed.
        compact, end = match.group().upper(), match.end()
        while len(compact) < length and end < len(text):
            char = text[end]
            if char == " " and end + 1 < len(text) and text[end + 1].isalnum():
                end += 1
                continue
            if not (char.isascii() and char.isalnum()):
                break  # an IBAN is ASCII: "DE12 Вывожу" is no IBAN (and int(ch, 36) fails)
            compact += char.upper()
            end += 1
        if len(compact) == length and iban_valid(compact) and not text[end:end + 1].isalnum():
            yield Span(match.start(), end, "IBAN_CODE")


@lru_cache(maxsize=4096)
def phone_valid(raw: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> bool:
    """Whether ``raw`` is a phone number by libphonenumber's plans.

    Written as ``+CC ...`` it needs only a length the country's plan allows (the "+" is
    evidence enough, and drama or test ranges such as +44 7700 900xxx are still someone's
    number in a transcript); written nationally it must be a valid number in one of
    ``regions``, so "1111111111" survives while "(415) 555-0132" does not.

    >>> phone_valid("+44 7700 900123"), phone_valid("4155550132"), phone_valid("1111111111")
    (True, True, False)
    """
    try:
        if raw.lstrip().startswith("+"):
            return phonenumbers.is_possible_number(phonenumbers.parse(raw, None))
        return any(phonenumbers.is_valid_number(phonenumbers.parse(raw, region))
                   for region in regions)
    except phonenumbers.NumberParseException:
        return False


def _phones(text: str, shaped: list[tuple[int, int]],
            regions: tuple[str, ...] = DEFAULT_REGIONS, language: str = "en") -> Iterator[Span]:
    english = language == "en"
    for match in (PHONE if english else PHONE_ANY_SCRIPT).finditer(text):
        if _inside(shaped, match):
            continue  # digit groups of an IBAN-shaped code (an invalid IBAN is no phone)
        raw = match.group()
        digits = re.sub(r"\D", "", raw)
        if not 9 <= len(digits) <= 15 or DATE_LIKE.match(raw):
            continue
        if raw.startswith("+") and len(digits) < 8:
            continue
        if raw.isdigit() and (ID_CUE.search(text, max(0, match.start() - 30), match.start())
                              or (not english and named_as_id(text, match.start()))):
            continue  # an order or tracking number that happens to fit a numbering plan
        if phone_valid(raw, regions):
            yield Span(match.start(), match.end(), "PHONE_NUMBER")


def _ips(text: str) -> Iterator[Span]:
    for match in IPV4.finditer(text):
        yield Span(match.start(), match.end(), "IP_ADDRESS")
    if ":" in text:
        for match in IPV6.finditer(text):
            try:
                ipaddress.IPv6Address(match.group())
            except ValueError:
                continue
            yield Span(match.start(), match.end(), "IP_ADDRESS")


def find_structured(text: str, regions: Iterable[str] = DEFAULT_REGIONS,
                    language: str = "en") -> list[Span]:
    """Return every validated structured identifier in ``text`` (may overlap).

    ``regions``: ISO 3166 codes whose numbering plans validate national phone numbers.
    ``language``: the text's ISO 639-1 code. English keeps the English phone candidates;
    any other language reads the national shapes of ``PHONE_ANY_SCRIPT`` too. National ids
    (:mod:`.national`) are found in every language, by their rules.
    """
    spans: list[Span] = []
    if "@" in text:
        spans += [Span(m.start(), m.end(), "EMAIL_ADDRESS") for m in EMAIL.finditer(text)]
    if DIGIT.search(text) is None:
        return spans
    shaped = [(m.start(), m.end()) for m in IBAN_SHAPED.finditer(text)]
    spans += _cards(text, shaped)
    spans += _ibans(text)
    spans += [Span(m.start(), m.end(), "US_SSN") for m in SSN.finditer(text)]
    spans += [Span(m.start(1), m.end(1), "US_SSN") for m in SSN_CUED.finditer(text)]
    spans += _phones(text, shaped, tuple(regions), language)
    spans += find_national_ids(text, language)
    spans += _ips(text)
    return spans
