"""Transcripts as conversations: metrics, the QA scorecard and its rule engine."""

from .metrics import METRICS, Turns, conversation_metrics
from .rules import score_conversation
from .scorecard import Scorecard, load_scorecard

__all__ = ["METRICS", "Scorecard", "Turns", "conversation_metrics", "load_scorecard",
           "score_conversation"]
