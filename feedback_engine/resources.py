"""Find the bundled lexicons and templates, from a wheel or from a source checkout.

The wheel carries ``lexicons/`` inside the package (see ``pyproject.toml``); an editable
checkout keeps them at the repository root. Users override either from ``feedback.toml``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from .errors import error


def lexicons_dir() -> Path:
    """Return the folder holding the default lexicons."""
    packaged = Path(str(resources.files("feedback_engine"))) / "lexicons"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "lexicons"
    if checkout.is_dir():
        return checkout
    raise error("FE262")


def lexicon_path(name: str, override: str | Path | None = None) -> Path:
    """Return the path of lexicon ``name`` (e.g. ``"sentiment/contact_center.tsv"``).

    Args:
        name: path relative to the lexicons folder.
        override: a user-supplied path that wins when given.
    """
    path = Path(override) if override else lexicons_dir() / name
    if not path.is_file():
        raise error("FE261", path=path)
    return path


def resolve_lexicon(name_or_path: str | Path, default: str) -> Path:
    """A user's file when ``name_or_path`` is one, else the bundled lexicon of that name
    (``"domains/banking/root_causes.yaml"``); ``default`` when it is empty."""
    if not name_or_path:
        return lexicon_path(default)
    path = Path(name_or_path)
    return path if path.is_file() else lexicon_path(str(name_or_path))


DOMAINS_DIR = "domains"
CORE = "core"


def domains() -> list[str]:
    """The domains a taxonomy and aspect vocabulary can be chosen for: ``core`` and the
    bundled packs (``lexicons/domains/NAME/``)."""
    folder = lexicons_dir() / DOMAINS_DIR
    packs = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return [CORE, *packs]


def domain_lexicon(domain: str, name: str, where: str = "") -> str:
    """The bundled lexicon ``name`` (``"root_causes.yaml"``) of ``domain``: the core file for
    ``core``, else the pack's, which extends it.

    Raises:
        ConfigError: no such domain (FE200).
    """
    known = domains()
    if domain not in known:
        raise error("FE200", domain=domain, where=where, domains=", ".join(known))
    return name if domain == CORE else f"{DOMAINS_DIR}/{domain}/{name}"


def read_yaml(file: Path) -> Any:
    """A lexicon file's YAML (``yaml.safe_load``: no tags that run code), or a coded error.

    Raises:
        ConfigError: the file is not UTF-8 (FE241) or not valid YAML (FE251).
    """
    import yaml

    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise error("FE241", file=file, byte=exc.start) from None
    except yaml.YAMLError as exc:
        raise error("FE251", file=file, problem=exc) from None


def read_extended(file: Path, list_key: str, extend_key: str, fields: tuple[str, ...],
                  _seen: tuple[Path, ...] = ()) -> Any:
    """A lexicon file's YAML over the file it ``extends`` (a path relative to it), as domain
    packs are written: the extended file's ``list_key`` entries first, one of the same ``id``
    replaced in place, then the file's own; each ``extend_key`` entry adds to the ``fields``
    lists of an entry of the extended file.

    Raises:
        ConfigError: the extended file is missing (FE261), extends itself (FE202), or an
            extension is malformed or names no entry there (FE203).
    """
    data = read_yaml(file)
    if not isinstance(data, dict) or "extends" not in data:
        if isinstance(data, dict) and extend_key in data:
            raise error("FE203", where=f"{file}, {extend_key}", problem="needs 'extends:'")
        return data
    reference = data["extends"]
    if not isinstance(reference, str) or not reference.strip():
        raise error("FE203", where=f"{file}, extends", problem="must be a file path")
    base_file = (file.parent / reference).resolve()
    chain = (*_seen, file.resolve())
    if base_file in chain:
        raise error("FE202", file=file, chain=" → ".join(str(p) for p in (*chain, base_file)))
    if not base_file.is_file():
        raise error("FE261", path=base_file)
    base = read_extended(base_file, list_key, extend_key, fields, chain)
    for where, value in ((base_file, base), (file, data)):
        if not isinstance(value, dict) or not isinstance(value.get(list_key) or [], list):
            raise error("FE203", where=str(where), problem=f"needs a '{list_key}:' list")
    entries = [dict(e) if isinstance(e, dict) else e for e in base.get(list_key) or []]
    index = {e.get("id"): i for i, e in enumerate(entries) if isinstance(e, dict)}
    for entry in data.get(list_key) or []:
        if isinstance(entry, dict) and entry.get("id") in index:
            entries[index[entry["id"]]] = entry
        else:
            entries.append(entry)
    extensions = data.get(extend_key) or []
    if not isinstance(extensions, list):
        raise error("FE203", where=f"{file}, {extend_key}", problem="must be a list")
    for number, entry in enumerate(extensions, 1):
        where = f"{file}, {extend_key} #{number}"
        if not isinstance(entry, dict) or entry.get("id") not in index:
            raise error("FE203", where=where, problem=f"names no entry of {base_file}")
        unknown = set(entry) - {"id", *fields}
        if unknown:
            raise error("FE203", where=where,
                        problem=f"unknown key '{min(unknown)}' (id, {', '.join(fields)})")
        target = entries[index[entry["id"]]]
        for key in fields:
            if not isinstance(entry.get(key) or [], list):
                raise error("FE203", where=where, problem=f"'{key}' must be a list")
            target[key] = [*(target.get(key) or []), *(entry.get(key) or [])]
    rest = {k: v for k, v in data.items() if k not in ("extends", extend_key, list_key)}
    return {**base, **rest, list_key: entries}


def template_text(name: str) -> str:
    """Return the text of a report template shipped in ``feedback_engine/reports/templates``."""
    return (resources.files("feedback_engine.reports") / "templates" / name).read_text("utf-8")
