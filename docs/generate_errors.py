"""Regenerate docs/errors.md from the error classes and the message catalogue:
``python docs/generate_errors.py``. tests/test_docs.py fails when the page is stale."""

from __future__ import annotations

import inspect
from pathlib import Path

from feedback_engine import errors

TARGET = Path(__file__).with_name("errors.md")


def _classes() -> list[type[errors.FeedbackEngineError]]:
    found = [c for _, c in inspect.getmembers(errors, inspect.isclass)
             if issubclass(c, errors.FeedbackEngineError)]
    return sorted(found, key=lambda c: c.code)


def render() -> str:
    parts = ["# Error codes", "",
             "Generated from `feedback_engine/errors.py` by `python docs/generate_errors.py`; "
             "do not edit by hand.", "",
             "Every error the engine raises for something you can fix prints one line, "
             "`Error: [FEnnn] cause; fix`, and exits 1 (2 for a command-line mistake); no "
             "traceback. `FEEDBACK_DEBUG=1` shows the traceback of an `FE900` engine fault.",
             "", "## Classes", "",
             "A class's own code is printed where a message is not catalogued yet.", "",
             "| code | class | meaning |", "| --- | --- | --- |"]
    for cls in _classes():
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        parts.append(f"| `{cls.code}` | `{cls.__name__}` | {doc} |")
    parts += ["", "## Messages", "", "| code | class | cause | fix |",
              "| --- | --- | --- | --- |"]
    for code in sorted(errors.CATALOGUE):
        entry = errors.CATALOGUE[code]
        cause = entry.cause.replace("|", "\\|")
        fix = entry.fix.replace("|", "\\|")
        parts.append(f"| `{code}` | `{entry.kind.__name__}` | {cause} | {fix} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
