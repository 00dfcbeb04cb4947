"""Aspect sentiment, customer effort and emotion from customer text.

- :mod:`.extract`: aspect mentions (vocabulary, noun-phrase fallback) and rule polarity;
- :mod:`.model`: the optional learned polarity classifier (``feedback aspects train``);
- :mod:`.effort`: a −5…5 effort score with its evidence;
- :mod:`.emotion`: multi-label emotion intensities;
- :mod:`.modifiers`: the cue matching, negation and intensifier rules the last two share;
- :mod:`.lexicons`: readers for ``aspects.yaml``, ``effort.tsv`` and ``emotions.tsv``.

The pipeline stages live in :mod:`feedback_engine.stages.aspects`.
"""
