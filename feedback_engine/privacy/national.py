"""National identity and tax numbers, each validated by its checksum (python-stdnum).

- ``CN_RESIDENT_ID``: 18 characters (region, birth date, sequence, check 0-9 or X); ISO 7064
  MOD 11-2 and a real birth date (GB 11643-1999); ``stdnum.cn.ric`` (:func:`ric_valid`).
- ``RU_INN``: 10 digits (an organisation) or 12 (a person); weighted mod 11 check digits;
  ``stdnum.ru.inn``.
- ``RU_SNILS``: 11 digits, usually ``123-456-789 01``; weighted sum mod 101
  (:func:`snils_valid`, written here: python-stdnum 2.2 has no SNILS).
- ``DE_TAX_ID``: 11 digits (steuerliche Identifikationsnummer); ISO 7064 MOD 11,10 and the
  digit-repetition rule; ``stdnum.de.idnr``.

When a number counts (``find_national_ids``):

- after a cue naming its type ("ИНН", "СНИЛС", "身份证", "Steuer-ID", "tax id"), in a text of
  any language;
- without a cue, only in a text of the number's own language (``CN_RESIDENT_ID`` in Chinese,
  ``RU_INN`` and ``RU_SNILS`` in Russian, ``DE_TAX_ID`` in German), and never after an order or
  reference word (the resident id excepted: its birth date and check character are passed by
  about one random 18-digit number in 20,000). A 10-digit INN needs its cue even in Russian:
  one random 10-digit number in ten passes its single check digit, so order and account
  numbers would be masked.

A number that fails its checksum is left alone, as an invalid card number is: it is no one's
id, and blanking every long number would blank the order numbers the analysis needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from stdnum.cn import ric
from stdnum.de import idnr
from stdnum.ru import inn

from .spans import Span

# Digit boundaries that ignore the script around them: Chinese and Russian write numbers
# straight after a word ("身份证号110101199003074514", "ИНН7707083893").
_LEFT = r"(?<![0-9A-Za-z])"
_RIGHT = r"(?![0-9A-Za-z]|[.,]\d)"
CN_RIC = re.compile(_LEFT + r"\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]" + _RIGHT)
RU_INN = re.compile(_LEFT + r"\d{10}(?:\d{2})?" + _RIGHT)
RU_SNILS = re.compile(_LEFT + r"\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}" + _RIGHT)
DE_IDNR = re.compile(_LEFT + r"[1-9]\d(?:[ ]?\d{3}){3}" + _RIGHT)

# Words that name each type, in the languages we read (checked in the 40 characters before a
# number, so "ИНН: 7707083893" and "身份证号码是110101199003074514" both count).
_CUES = {
    "CN_RESIDENT_ID": r"身份证|身份號|身份证号|证件号|resident id|id card|identity card",
    "RU_INN": r"\bинн|\binn\b|идентификационный номер налогоплательщика|taxpayer",
    "RU_SNILS": r"снилс|\bsnils\b|страхов\w* номер",
    "DE_TAX_ID": r"steuer-?\s?id|steueridentifikationsnummer|identifikationsnummer|\bidnr|"
                 r"steuer-?identifikationsnummer|\btax id\b",
}
CUE = {kind: re.compile(rf"(?i)(?:{words})[^\n\d]{{0,25}}$") for kind, words in _CUES.items()}
# Words after which a number is an order, parcel, contract or ticket number: a number that
# passes a checksum by chance there is left alone (without a cue of its own type).
NOT_ID_CUE = re.compile(
    r"(?i)(?:\b(?:order|invoice|ref|tracking|ticket|case|заказ\w*|трек\w*|накладн\w*|"
    r"договор\w*|заявк\w*|обращени\w*|счет\w*|счёт\w*|bestell\w*|auftrag\w*|sendung\w*|"
    r"rechnung\w*|kundennummer|vorgang\w*)|订单号?|单号|运单|工单|编号|流水号|快递单)"
    r"[^\n\d]{0,12}$")
def named_as_id(text: str, start: int) -> bool:
    """Whether the words before ``start`` name the number there as an id: an order or
    reference word, or a national-id cue (a phone pattern must not take "ИНН 7707083894",
    an invalid INN, for a number)."""
    before = text[max(0, start - 40):start]
    return NOT_ID_CUE.search(before) is not None or any(
        cue.search(before) for cue in CUE.values())


HOME = {"CN_RESIDENT_ID": "zh", "RU_INN": "ru", "RU_SNILS": "ru", "DE_TAX_ID": "de"}
NATIONAL_TYPES = tuple(HOME)


def snils_valid(number: str) -> bool:
    """The SNILS check number: digits 1-9 weighted 9..1 and summed; below 100 the sum is the
    check, 100 and 101 give 00, above that the sum mod 101 (100 again giving 00). Numbers up
    to 001-001-998 were issued before the check existed and are not accepted. python-stdnum
    (2.2) has no SNILS module, so this is written from the Pension Fund's published rule
    (Постановление Правления ПФР от 27.07.1996 N 2, the "контрольное число" appendix).

    >>> snils_valid("112-233-445 95"), snils_valid("112-233-445 96")
    (True, False)
    """
    digits = re.sub(r"\D", "", number)
    if len(digits) != 11 or int(digits[:9]) <= 1_001_998:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(9, 0, -1), strict=True))
    check = total if total < 100 else 0 if total <= 101 else total % 101
    return (0 if check == 100 else check) == int(digits[9:])


def ric_valid(number: str) -> bool:
    """The resident id's check character and birth date (stdnum.cn.ric's own functions).

    ``stdnum.cn.ric.is_valid`` also looks the 6-digit region up in its bundled table, which
    lacks codes in use (310115, Shanghai Pudong, for one), so only the first digit, a region
    group 1-8, is checked here.

    >>> ric_valid("11010519491231002X"), ric_valid("310115198003256415"), \\
    ...     ric_valid("310115198003256416")
    (True, True, False)
    """
    value = number.upper()
    if len(value) != 18 or not value[:17].isdigit() or value[0] not in "12345678":
        return False
    try:
        ric.get_birth_date(value)
    except Exception:  # noqa: BLE001 - stdnum raises its own ValidationError subclasses
        return False
    return ric.calc_check_digit(value) == value[-1]


def _stdnum(module: object) -> Callable[[str], bool]:
    return lambda value: bool(module.is_valid(re.sub(r"\s", "", value)))  # type: ignore[attr-defined]


CHECKS: dict[str, tuple[re.Pattern[str], Callable[[str], bool]]] = {
    "CN_RESIDENT_ID": (CN_RIC, ric_valid),
    "RU_INN": (RU_INN, _stdnum(inn)),
    "RU_SNILS": (RU_SNILS, snils_valid),
    "DE_TAX_ID": (DE_IDNR, _stdnum(idnr)),
}


def find_national_ids(text: str, language: str = "en") -> Iterator[Span]:
    """Yield the checksum-valid national ids of ``text`` under the rules of this module.

    >>> [s.type for s in find_national_ids("мой ИНН 7707083893, СНИЛС 112-233-445 95", "ru")]
    ['RU_INN', 'RU_SNILS']
    >>> list(find_national_ids("order 7707083893", "en"))
    []
    """
    for kind, (pattern, valid) in CHECKS.items():
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 40):match.start()]
            cued = CUE[kind].search(before) is not None
            if not cued:
                if HOME[kind] != language:
                    continue
                if kind != "CN_RESIDENT_ID" and NOT_ID_CUE.search(before):
                    continue  # see the module docstring
                if kind == "RU_INN" and len(match.group()) == 10:
                    continue  # one check digit: too weak without "ИНН" (module docstring)
            if valid(match.group()):
                yield Span(match.start(), match.end(), kind)
