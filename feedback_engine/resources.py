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


def template_text(name: str) -> str:
    """Return the text of a report template shipped in ``feedback_engine/reports/templates``."""
    return (resources.files("feedback_engine.reports") / "templates" / name).read_text("utf-8")
