"""Evaluation against labelled data: the engine measured beside its baseline."""
