"""Deterministic sample feedback corpus for Northwind Connect (demo data with planted signals)."""

from .generator import generate_corpus

__all__ = ["generate_corpus"]
