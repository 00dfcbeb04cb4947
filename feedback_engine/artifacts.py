"""What every saved artifact records: file hashes and the library versions it was made with.

Model folders (sentiment, aspects, root causes, topics, embeddings) and run provenance use
these, so a manifest written by one command reads like one written by another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions(packages: Iterable[str]) -> dict[str, str | None]:
    """``{package: installed version}``, None for a package that is not installed."""
    out: dict[str, str | None] = {}
    for package in packages:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out
