"""The error types the public API raises. Each carries a one-line message meant for a person.

Callers (the CLI, the TUI, other people's tools) catch ``ParamsbotError`` and show ``str(error)``;
anything else escaping the API is a bug.
"""

from __future__ import annotations

from bot.exits import EXIT_ENVIRONMENT, EXIT_INPUT


class ParamsbotError(Exception):
    """Base class: a problem paramsbot can explain in one line; ``exit_code`` is the command's."""

    exit_code: int = EXIT_INPUT


class InputError(ParamsbotError):
    """A question, option or file given by the user cannot be used."""


class KnowledgeBaseError(ParamsbotError):
    """The Markdown folder cannot be read or holds nothing to index."""


class CacheError(ParamsbotError):
    """The on-disk index cannot be built, written or trusted."""

    exit_code = EXIT_ENVIRONMENT


class ModelError(ParamsbotError):
    """The embedding model cannot be loaded."""

    exit_code = EXIT_ENVIRONMENT


class DataError(ParamsbotError):
    """Data shipped with paramsbot (presets, retrieval settings, translations) is missing or
    damaged: a broken install, not the user's input."""

    exit_code = EXIT_ENVIRONMENT


class ParamsbotWarning(UserWarning):
    """Something works, but worse than it should (e.g. the slow encoder stands in for the fast one)."""


__all__ = ["ParamsbotError", "InputError", "KnowledgeBaseError", "CacheError", "ModelError", "DataError",
           "ParamsbotWarning"]


def data_file_problem(error: BaseException) -> str:
    """An OSError or YAML error as one line: "not valid YAML (line 3)" rather than the parser's
    multi-line report with a caret."""
    mark = getattr(error, "problem_mark", None)
    if mark is not None or type(error).__module__.startswith("yaml"):
        return "not valid YAML" + (f" (line {mark.line + 1})" if mark is not None else "")
    return " ".join(str(error).split())
