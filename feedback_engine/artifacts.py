"""One model-folder format for every saved model, plus fingerprints and library versions.

A model folder is plain files and a ``manifest.json`` naming the folder format, the model
kind and the SHA-256 of every other file. :func:`save_folder` writes it in a temporary folder
and renames it into place (complete or absent, never half-written); :func:`load_folder`
refuses anything but exactly what the manifest lists, always with a coded ModelFileError
naming the file and what to do. Nothing here unpickles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from .errors import error

FOLDER_FORMAT = "feedback-engine model folder v1"
MANIFEST = "manifest.json"
# A model file larger than this is refused before it is read: no saved model comes near it,
# and a link to /dev/zero or a swapped-in huge file must not exhaust memory.
MAX_MODEL_FILE_BYTES, MAX_MANIFEST_BYTES = 2 << 30, 16 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")  # one plain name: no path, no hidden file
Writer = Callable[[Path], object]  # writes the file at the path it is given


class FolderKind(NamedTuple):
    """What a model folder holds: a versioned ``name``, family first (``sentiment.v1``,
    ``aspects.finetune.v1``), and ``remake``, how to make a new one (it ends every error).
    Loading needs the exact name; saving may replace a folder of the same family."""

    name: str
    remake: str = "retrain or restore the model"

    @property
    def family(self) -> str:
        return self.name.split(".")[0]


class ModelFolder(NamedTuple):
    """A model folder that was written or verified: where it is and its manifest."""

    path: Path
    manifest: dict[str, Any]


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_lines(lines: Iterable[str]) -> str:
    """The SHA-256 of text lines, each ended by a newline: a training set's fingerprint."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(f"{line}\n".encode())
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


def save_folder(folder: str | Path, kind: FolderKind, files: Mapping[str, bytes | Writer],
                meta: Mapping[str, Any]) -> ModelFolder:
    """Write ``files`` (``{name: bytes or writer(path)}``) and a manifest of ``meta`` (plus
    ``format``, ``model``, ``files`` and, unless given, ``created``) into ``folder``, built aside
    and renamed in. ``folder`` may be missing, empty, or a model folder of the kind's family
    (replaced whole); anything else is OutputPathError."""
    target = Path(os.path.abspath(folder))  # "." and "a/.." have a name and a parent
    old = peek_manifest(target)
    ours = old.get("format") == FOLDER_FORMAT and str(old.get("model")).split(".")[0] == kind.family
    if target.is_symlink() or target.exists() and not (
            target.is_dir() and (ours or not any(target.iterdir()))):
        raise error("FE459", target=target, family=kind.family)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    aside = work.with_name(work.name + ".old")
    try:
        for name, content in files.items():
            if not _NAME.fullmatch(name) or name == MANIFEST:
                raise ValueError(f"{name!r} cannot be a model file name")
            if isinstance(content, bytes | bytearray):
                (work / name).write_bytes(content)
            else:
                content(work / name)
        manifest = {"format": FOLDER_FORMAT, "model": kind.name,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **meta}
        manifest.update(format=FOLDER_FORMAT, model=kind.name,
                        files={name: sha256_file(work / name) for name in sorted(files)})
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        if target.exists():
            os.replace(target, aside)  # the old folder stays whole until the new one is in
        os.replace(work, target)
    except BaseException:
        if aside.exists() and not target.exists():
            os.replace(aside, target)
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return ModelFolder(Path(folder), manifest)


def load_folder(folder: str | Path, kind: FolderKind,
                required: Iterable[str] = ()) -> ModelFolder:
    """Verify a folder written by :func:`save_folder` for ``kind``: its manifest names this
    format and kind and lists ``required`` and exactly the files present, each a regular file
    (no link or device) whose SHA-256 matches. Every file, not just the weights, because
    transformers reads any file in the folder. Else ModelFileError naming the file."""
    root, remake = Path(folder), kind.remake
    where = root / MANIFEST
    if not root.is_dir() or not (where.exists() or where.is_symlink()):
        raise error("FE502", root=root, family=kind.family, remake=remake)
    manifest = load_json_file(_regular_file(where, MAX_MANIFEST_BYTES, remake), remake)
    if not isinstance(manifest, dict):
        raise error("FE503", where=where, kind=type(manifest).__name__, remake=remake)
    if manifest.get("format") != FOLDER_FORMAT:
        raise error("FE504", where=where, found=manifest.get("format"), expected=FOLDER_FORMAT,
                    remake=remake)
    if manifest.get("model") != kind.name:
        raise error("FE505", root=root, found=manifest.get("model"), expected=kind.name,
                    remake=remake)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise error("FE506", where=where, remake=remake)
    if name := next((n for n in required if n not in files), None):
        raise error("FE507", where=where, name=name, remake=remake)
    if name := min({p.name for p in root.iterdir()} - {MANIFEST, *files}, default=None):
        raise error("FE508", path=root / name, remake=remake)
    for name, digest in files.items():
        if not _NAME.fullmatch(name) or name == MANIFEST or not isinstance(digest, str) or \
                not _SHA256.fullmatch(digest):
            raise error("FE509", where=where, name=name[:80], digest=str(digest)[:80],
                        remake=remake)
        if sha256_file(_regular_file(root / name, MAX_MODEL_FILE_BYTES, remake)) != digest:
            raise error("FE510", path=root / name, remake=remake)
    return ModelFolder(root, manifest)


def peek_manifest(folder: str | Path) -> dict[str, Any]:
    """A folder's manifest as it stands ({} when unreadable): nothing else is verified."""
    path = Path(folder) / MANIFEST
    try:  # never follow a link (to /dev/zero, say) or read a huge file, even to peek
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return {}
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _regular_file(path: Path, limit: int, remake: str) -> Path:
    """``path`` as a regular, non-link file under ``limit`` bytes, else ModelFileError."""
    if path.is_symlink():
        raise error("FE511", path=path)
    if not path.is_file():
        raise error("FE512", path=path, remake=remake,
                    state="not a regular file" if path.exists() else "missing")
    if path.stat().st_size > limit:
        raise error("FE513", path=path, limit=limit, remake=remake)
    return path


def load_arrays(path: str | Path, shapes: Mapping[str, tuple[int | None, ...]] | None = None
                ) -> dict[str, Any]:
    """Read a verified ``.npz`` (never pickles) into ``{name: array}``, or ModelFileError.

    ``shapes`` gives, for required arrays, the expected shape (``None`` for any length on an
    axis); a missing array, an object array or a wrong shape is refused with the file named.
    """
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise error("FE514", path=path, kind=type(exc).__name__) from None
    for name, shape in (shapes or {}).items():
        if name not in arrays:
            raise error("FE515", path=path, name=name)
        array = arrays[name]
        if array.dtype.kind not in "biuf" or array.ndim != len(shape) or any(
                want is not None and have != want for have, want in zip(array.shape, shape,
                                                                        strict=True)):
            raise error("FE516", path=path, name=name, shape=array.shape, dtype=array.dtype,
                        expected=shape)
    return arrays


def load_json_file(path: str | Path, remake: str = "retrain or restore the model") -> Any:
    """Read a verified JSON model file, or raise ModelFileError naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise error("FE517", path=path, kind=type(exc).__name__, remake=remake) from None
