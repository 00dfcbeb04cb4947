"""Root-cause classification: a taxonomy that works untrained, a trained model, abstention.

- :mod:`.taxonomy` reads ``lexicons/root_causes.yaml`` (the core) and the domain packs that
  extend it, and compiles its pattern language;
- :mod:`.rules` classifies with the taxonomy alone;
- :mod:`.model` trains the ``fast`` / ``accurate`` classifiers, saved without pickle;
- :mod:`.abstain` calibrates confidence and tunes when to answer ``unknown``;
- :mod:`.evaluate` scores predictions; :mod:`.draft` (with :mod:`.entries`) drafts new causes
  from the unknowns, by topic, and :mod:`.suggest` clusters them where no topics exist;
- :mod:`.service` holds the functions behind ``feedback rootcause``.

See docs/rootcause.md.
"""

from .rules import UNKNOWN, RuleClassifier
from .taxonomy import Taxonomy, load_taxonomy

__all__ = ["UNKNOWN", "RuleClassifier", "Taxonomy", "load_taxonomy"]
