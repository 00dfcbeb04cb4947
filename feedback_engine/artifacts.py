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


# A model file larger than this is refused before it is read: no saved model comes near it,
# and a link to /dev/zero or a swapped-in huge file must not exhaust memory.
MAX_MODEL_FILE_BYTES = 2 << 30
MAX_MANIFEST_BYTES = 16 << 20


def _regular_file(path: Path, limit: int) -> Path:
    """``path`` as a regular, non-link file under ``limit`` bytes, else ModelFileError."""
    from .errors import ModelFileError

    if path.is_symlink():
        raise ModelFileError(f"{path} is a symbolic link; a model folder must hold its own "
                             "regular files: copy the model instead of linking it")
    if not path.exists():
        raise ModelFileError(f"{path} is missing from the model folder; retrain or restore it")
    if not path.is_file():
        raise ModelFileError(f"{path} is not a regular file; retrain or restore the model")
    if path.stat().st_size > limit:
        raise ModelFileError(f"{path} is larger than {limit} bytes; it is not a model file "
                             "written by this engine: retrain or restore the model")
    return path


def read_manifest(folder: str | Path, kind: str = "model") -> dict[str, Any]:
    """Read ``folder/manifest.json`` as a JSON object, or raise ModelFileError (FE501).

    The manifest must be a regular file holding a JSON object: a list, bad UTF-8 or bad JSON
    is refused with the file named, never a traceback.
    """
    from .errors import ModelFileError

    root = Path(folder)
    if not root.is_dir():
        raise ModelFileError(f"{root} is not a {kind} folder; train one or fix the path")
    if not (root / "manifest.json").exists() and not (root / "manifest.json").is_symlink():
        raise ModelFileError(f"{root} is not a {kind} folder: manifest.json is missing")
    path = _regular_file(root / "manifest.json", MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path} is not valid UTF-8 JSON ({type(exc).__name__}); "
                             f"retrain or restore the {kind}") from None
    if not isinstance(manifest, dict):
        raise ModelFileError(f"{path} holds a JSON {type(manifest).__name__}, not an object; "
                             f"retrain or restore the {kind}")
    return manifest


def verify_files(folder: str | Path, manifest: Mapping[str, Any],
                 names: Iterable[str]) -> None:
    """Check every file in ``names`` against the SHA-256 the manifest records for it.

    Why required, not optional: a check that is skipped when the manifest omits the hash can
    be switched off by whoever can edit the folder. Every file a loader reads must be listed
    in ``manifest["files"]`` (``{name: sha256}``), be a regular file (no links, no devices),
    and match. ``weights_sha256`` (older single-file manifests) counts for ``weights.*``.
    Raises ModelFileError (FE501) naming the file.
    """
    from .errors import ModelFileError

    root = Path(folder)
    files = manifest.get("files")
    if files is None and isinstance(manifest.get("weights_sha256"), str):
        files = {}
    if not isinstance(files, Mapping):
        raise ModelFileError(f"{root / 'manifest.json'} lists no file hashes (\"files\"); "
                             "the model cannot be verified: retrain it with this version")
    for name in names:
        digest = files.get(name)
        if digest is None and name.startswith("weights."):
            digest = manifest.get("weights_sha256")
        if not isinstance(digest, str) or len(digest) != 64:
            raise ModelFileError(f"{root / 'manifest.json'} records no SHA-256 for {name}; "
                                 "the model cannot be verified: retrain it with this version")
        path = _regular_file(root / name, MAX_MODEL_FILE_BYTES)
        if sha256_file(path) != digest.lower():
            raise ModelFileError(f"{path} does not match the hash in manifest.json; the "
                                 "model was altered or damaged: retrain or restore it")


def load_arrays(path: str | Path, shapes: Mapping[str, tuple[int | None, ...]] | None = None
                ) -> dict[str, Any]:
    """Read a verified ``.npz`` (never pickles) into ``{name: array}``, or ModelFileError.

    ``shapes`` gives, for required arrays, the expected shape (``None`` for any length on an
    axis); a missing array, an object array or a wrong shape is refused with the file named.
    """
    import numpy as np

    from .errors import ModelFileError

    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile_error()) as exc:
        raise ModelFileError(f"{path} is not a readable array file ({type(exc).__name__}: "
                             "object arrays and damaged files are refused); retrain or "
                             "restore the model") from None
    for name, shape in (shapes or {}).items():
        if name not in arrays:
            raise ModelFileError(f"{path} has no array {name!r}; retrain or restore the model")
        array = arrays[name]
        if array.dtype.kind not in "biuf" or array.ndim != len(shape) or any(
                want is not None and have != want for have, want in zip(array.shape, shape,
                                                                        strict=True)):
            raise ModelFileError(f"{path}: array {name!r} has shape {array.shape} "
                                 f"({array.dtype}), expected {shape} numbers; retrain or "
                                 "restore the model")
    return arrays


def zipfile_error() -> type[Exception]:
    """The exception a damaged ``.npz`` (a zip archive) raises."""
    import zipfile

    return zipfile.BadZipFile


def load_json_file(path: str | Path) -> Any:
    """Read a verified JSON model file, or raise ModelFileError naming it."""
    from .errors import ModelFileError

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path} is not valid UTF-8 JSON ({type(exc).__name__}); retrain "
                             "or restore the model") from None
