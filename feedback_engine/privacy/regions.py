"""Which phone numbering plans a text's language brings in (its home regions).

A number written without "+CC" is valid only by some country's plan; English text is read by
the plans of ``DEFAULT_REGIONS``, and a text in another language adds the regions where that
language is an official or majority language (CLDR's territory-language data, trimmed to the
countries with the most speakers). A number written with "+CC" needs no region at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from .structured import DEFAULT_REGIONS

# ISO 639-1 -> ISO 3166-1 alpha-2, the largest speaker populations first (CLDR supplemental
# territoryInfo). Languages not listed add no region: the defaults and "+CC" still apply.
LANGUAGE_REGIONS: dict[str, tuple[str, ...]] = {
    "zh": ("CN", "HK", "TW", "MO", "SG"), "ru": ("RU", "BY", "KZ", "KG"),
    "de": ("DE", "AT", "CH", "LI", "LU"), "en": (), "fr": ("FR", "BE", "CH", "CA", "LU"),
    "es": ("ES", "MX", "AR", "CO", "CL", "PE"), "pt": ("PT", "BR"), "it": ("IT", "CH"),
    "nl": ("NL", "BE"), "pl": ("PL",), "uk": ("UA",), "tr": ("TR",), "ja": ("JP",),
    "ko": ("KR",), "ar": ("SA", "AE", "EG", "MA", "JO"), "hi": ("IN",), "sv": ("SE", "FI"),
    "da": ("DK",), "no": ("NO",), "nb": ("NO",), "fi": ("FI",), "cs": ("CZ",), "sk": ("SK",),
    "hu": ("HU",), "ro": ("RO", "MD"), "el": ("GR", "CY"), "he": ("IL",), "vi": ("VN",),
    "th": ("TH",), "id": ("ID",), "ms": ("MY",), "bg": ("BG",), "sr": ("RS",), "hr": ("HR",),
    "kk": ("KZ",), "be": ("BY",),
}


def regions_for(language: str, base: Iterable[str] = DEFAULT_REGIONS) -> tuple[str, ...]:
    """``base`` followed by the home regions of ``language``, without repeats.

    >>> regions_for("ru", ("US", "GB"))
    ('US', 'GB', 'RU', 'BY', 'KZ', 'KG')
    >>> regions_for("en") == DEFAULT_REGIONS
    True
    """
    return tuple(dict.fromkeys([*base, *LANGUAGE_REGIONS.get(language, ())]))
