"""Errors the engine raises for things a user can fix.

Every message carries a code (``[FE1xx]`` input, ``[FE2xx]`` config, ``[FE3xx]`` pipeline,
``[FE4xx]`` warehouse, ``[FE5xx]`` models and optional
dependencies) and says what to do about it. The CLI turns these into a one-line
message and exit code 1, never a traceback. Messages must not contain customer text.
"""

from __future__ import annotations


class FeedbackEngineError(Exception):
    """Base class: a problem the user can fix, with a coded, actionable message."""

    code = "FE000"

    def __init__(self, message: str) -> None:
        super().__init__(f"[{self.code}] {message}")


class SourceError(FeedbackEngineError, ValueError):
    """An input file cannot be read as a whole (not a single bad row: those are rejects)."""

    code = "FE100"


class ColumnNotFoundError(SourceError):
    """A required column is missing and could not be detected."""

    code = "FE101"


class UnsupportedFormatError(SourceError):
    """The file's extension names no format the engine reads."""

    code = "FE102"


class NoInputError(SourceError, FileNotFoundError):
    """A path or glob matched no file."""

    code = "FE103"


class ConfigError(FeedbackEngineError, ValueError):
    """feedback.toml is malformed, or names an unknown key or a bad value."""

    code = "FE200"


class PipelineError(FeedbackEngineError, ValueError):
    """The stage pipeline cannot be built (unknown stage, unmet requirement)."""

    code = "FE300"


class StageOutputError(PipelineError):
    """A stage broke its contract (dropped rows, missed a declared column)."""

    code = "FE301"


class WarehouseError(FeedbackEngineError, RuntimeError):
    """The DuckDB warehouse is missing, locked, or empty where data is needed."""

    code = "FE400"


class MissingDependencyError(FeedbackEngineError, ImportError):
    """A feature needs an optional package (an extra) that is not installed."""

    code = "FE500"


class ModelFileError(FeedbackEngineError, ValueError):
    """A saved model folder is missing, incomplete, altered, or from an incompatible version."""

    code = "FE501"


class OutputPathError(FeedbackEngineError, ValueError):
    """An output path would overwrite an input, or cannot be written."""

    code = "FE140"


class DiskFullError(WarehouseError):
    """The disk filled up while the warehouse or an output was being written."""

    code = "FE401"


class OutputWriteError(OutputPathError):
    """An output could not be written (permission denied, a folder in the way, an I/O error)."""

    code = "FE141"
