"""Languages: which language a record is in, and its words.

- :mod:`.detect` identifies the language of each text (py3langid, measured in
  ``docs/languages.md``), with a fallback to the declared language for short or unclear texts;
- :mod:`.text` splits a text into words the way its language needs: jieba for Chinese, razdel
  and pymorphy3 lemmas for Russian, simplemma lemmas for German, and stop words for each.

English keeps its own rules (``topics/text.py``); these modules serve the other languages.
"""

from .detect import SUPPORTED, Detection, LanguageDetector, normalise_code, record_language

__all__ = ["SUPPORTED", "Detection", "LanguageDetector", "normalise_code", "record_language"]
