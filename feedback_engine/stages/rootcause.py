"""Root cause per record: a trained model when configured, else the taxonomy rules.

What is classified: the customer's own words. For transcripts (records with ``turns``) that
is the customer turns joined, since agents' lines ("let me put you on hold", "I've raised a
refund") would otherwise plant causes the customer never raised; for everything else it is
``text_redacted``.

Decision per record:

1. with ``model`` set, the model's answer when it does not abstain (method ``model``);
2. otherwise the taxonomy rules (method ``rules``) — also when the model abstains, unless
   ``rules_fallback = false``;
3. otherwise, with ``semantic`` on, the cause nearest in meaning to the text among the
   taxonomy's examples and descriptions, when the text is close enough to one (method
   ``semantic``; :mod:`feedback_engine.rootcause.semantic`);
4. otherwise ``unknown`` (method ``unknown``, confidence 0).

``root_cause_evidence`` holds the phrases that matched (rules), the word n-grams that
weighed most (model), or the nearest example (semantic).

Languages: a record's ``language`` (missing or empty: English) picks the taxonomy's patterns
in that language. The model serves the records of ``model_languages`` only (default English)
and the semantic layer English records only; the others get their language's rules alone.
"""

from __future__ import annotations

import pandas as pd

from ..languages.detect import record_language
from ..records import customer_text
from ..rootcause.rules import MIN_SCORE, UNKNOWN, TaxonomyClassifier
from ..rootcause.taxonomy import load_taxonomy
from .base import stage


@stage("rootcause", version=1, requires=("text_redacted",), optional=("turns", "language"),
       assigns={"root_cause": "VARCHAR", "root_cause_conf": "DOUBLE",
                "root_cause_method": "VARCHAR", "root_cause_evidence": "JSON"})
class RootCause:
    """Adds ``root_cause``, ``root_cause_conf``, ``root_cause_method``, ``root_cause_evidence``
    per record: a trained model, else the taxonomy rules (docs/rootcause.md)."""

    option_help = {
        "taxonomy": "your causes and patterns (default: the bundled root_causes.yaml)",
        "model": "a folder from `feedback rootcause train`; unset: the rules alone",
        "min_score": 'least rule score that names a cause (else "unknown")',
        "conf_threshold": "overrides the model's tuned confidence threshold for abstaining",
        "sim_threshold": "overrides the model's tuned floor on the fit to its training data "
                         "(0-1) for abstaining",
        "rules_fallback": 'when the model abstains, try the rules before "unknown"',
        "customer_only": "transcripts: classify the customer's turns only",
        "semantic": "match what the rules leave unknown to the causes' examples by meaning",
        "embeddings": "encoder of the semantic layer: auto (the taxonomy's, else MiniLM when "
                      "installed, else the layer is off), minilm, model2vec or tfidf-svd",
        "semantic_threshold": "least similarity to a cause text that keeps a semantic match "
                              "(default: set from the taxonomy)",
        "model_languages": "languages the model was trained on; records in others skip it "
                           '(default ["en"])',
    }
    option_examples = {"taxonomy": "my_root_causes.yaml", "model": "models/rootcause",
                       "conf_threshold": 0.5, "sim_threshold": 0.1, "semantic_threshold": 0.5,
                       "model_languages": ["en"]}

    def __init__(self, taxonomy: str | None = None, model: str | None = None,
                 min_score: float = MIN_SCORE, conf_threshold: float | None = None,
                 sim_threshold: float | None = None, rules_fallback: bool = True,
                 customer_only: bool = True, semantic: bool = True, embeddings: str = "auto",
                 semantic_threshold: float | None = None,
                 model_languages: list[str] | None = None) -> None:
        self.taxonomy, self.model = taxonomy, model
        self.min_score = min_score
        self.conf_threshold, self.sim_threshold = conf_threshold, sim_threshold
        self.rules_fallback, self.customer_only = rules_fallback, customer_only
        self.semantic, self.embeddings = semantic, embeddings
        self.semantic_threshold = semantic_threshold
        self.model_languages = model_languages

    def embedding_need(self) -> str | None:
        """The encoder of the accurate root-cause model, which reads every record's vector
        (None for the fast model, or no model)."""
        from ..artifacts import peek_manifest
        from ..vectors import SHAREABLE

        if not self.model:
            return None
        kind = str(peek_manifest(self.model).get("embedding_backend") or "").split(":", 1)[0]
        return kind if kind in SHAREABLE else None

    def setup(self) -> None:
        self.rules_ = TaxonomyClassifier(load_taxonomy(self.taxonomy), self.min_score,
                                         semantic=self.semantic, embeddings=self.embeddings,
                                         threshold=self.semantic_threshold)
        self.model_ = None
        if self.model:
            from ..rootcause.model import RootCauseModel

            self.model_ = RootCauseModel.load(self.model)

    def texts(self, chunk: pd.DataFrame) -> list[str]:
        """What each record's root cause is read from."""
        texts = chunk["text_redacted"].tolist()
        if not self.customer_only or "turns" not in chunk:
            return [t if isinstance(t, str) else "" for t in texts]
        return [customer_text(turns, " ") or (t if isinstance(t, str) else "")
                for t, turns in zip(texts, chunk["turns"].tolist(), strict=True)]

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        texts = self.texts(chunk)
        n = len(texts)
        causes: list[str] = [UNKNOWN] * n
        confs: list[float] = [0.0] * n
        methods: list[str] = ["unknown"] * n
        evidence: list[list[str]] = [[] for _ in range(n)]
        languages = chunk["language"].tolist() if "language" in chunk else ["en"] * n
        todo = list(range(n))
        served = {record_language(v) for v in (self.model_languages or ["en"])}
        modelled = [i for i in range(n) if record_language(languages[i]) in served]
        if self.model_ is not None and modelled:
            predictions = self.model_.predict([texts[i] for i in modelled], explain=True,
                                              conf_threshold=self.conf_threshold,
                                              sim_threshold=self.sim_threshold)
            todo = sorted(set(range(n)) - set(modelled))
            for k, (i, label) in enumerate(zip(modelled, predictions.labels, strict=True)):
                if label != UNKNOWN:
                    causes[i], methods[i] = label, "model"
                    confs[i] = round(float(predictions.confidence[k]), 4)
                    evidence[i] = predictions.evidence[k]
                elif self.rules_fallback:
                    todo.append(i)
            todo.sort()
        found = self.rules_.classify_many([texts[i] for i in todo], [languages[i] for i in todo])
        for i, (result, method) in zip(todo, found, strict=True):
            if result.label != UNKNOWN:
                causes[i], confs[i], methods[i] = result.label, result.confidence, method
                evidence[i] = result.evidence
        out["root_cause"] = causes
        out["root_cause_conf"] = pd.array(confs, dtype="Float64")
        out["root_cause_method"] = methods
        out["root_cause_evidence"] = evidence
        return out
