"""Find the bundled lexicons and templates, from a wheel or from a source checkout.

The wheel carries ``lexicons/`` inside the package (see ``pyproject.toml``); an editable
checkout keeps them at the repository root. Users override either from ``feedback.toml``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import ConfigError


def lexicons_dir() -> Path:
    """Return the folder holding the default lexicons."""
    packaged = Path(str(resources.files("feedback_engine"))) / "lexicons"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "lexicons"
    if checkout.is_dir():
        return checkout
    raise ConfigError(
        "the default lexicons are missing from this installation; reinstall feedback-engine "
        "or set lexicon paths in feedback.toml"
    )


def lexicon_path(name: str, override: str | Path | None = None) -> Path:
    """Return the path of lexicon ``name`` (e.g. ``"sentiment/contact_center.tsv"``).

    Args:
        name: path relative to the lexicons folder.
        override: a user-supplied path that wins when given.
    """
    path = Path(override) if override else lexicons_dir() / name
    if not path.is_file():
        raise ConfigError(f"lexicon file not found: {path}; check the path in feedback.toml")
    return path


def template_text(name: str) -> str:
    """Return the text of a report template shipped in ``feedback_engine/reports/templates``."""
    return (resources.files("feedback_engine.reports") / "templates" / name).read_text("utf-8")
