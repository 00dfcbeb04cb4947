"""What every saved artifact records: file hashes and the library versions it was made with.

Model folders (sentiment, aspects, root causes, topics, embeddings) and run provenance use
these, so a manifest written by one command reads like one written by another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any


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


def sha256_lines(lines: Iterable[str]) -> str:
    """The SHA-256 of text lines, each ended by a newline: a training set's fingerprint."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(f"{line}\n".encode())
    return digest.hexdigest()


def write_manifest(folder: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``folder/manifest.json`` (indented UTF-8 JSON, newline-ended); return its path."""
    path = Path(folder) / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path
