"""Shared pieces of every saved artifact: fingerprints and manifests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from feedback_engine.artifacts import sha256_file, sha256_lines, write_manifest


def test_a_training_set_fingerprint_is_the_hash_of_its_newline_ended_lines() -> None:
    assert sha256_lines(["a\tb", "c"]) == hashlib.sha256(b"a\tb\nc\n").hexdigest()
    assert sha256_lines(["ab"]) != sha256_lines(["a", "b"])


def test_a_manifest_is_readable_utf8_json_ending_in_a_newline(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, {"label": "Rückerstattung", "n": 3})
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "manifest.json" and text.endswith("}\n")
    assert "Rückerstattung" in text and json.loads(text) == {"label": "Rückerstattung", "n": 3}
    assert len(sha256_file(path)) == 64
