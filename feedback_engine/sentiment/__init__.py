"""Sentiment scoring: the rule layer over VADER and an optional learned calibration."""
