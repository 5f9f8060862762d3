"""One question in, one answer out: the work shared by the console entry and the Typer CLI.

Why it is its own module: the console entry (bot.command) answers the plain ``explain QUESTION``
itself, without Typer, and the Typer ``ask`` command (bot.cli) calls the same functions, so both
print the same things and exit with the same codes (bot.exits). Both import this module and
neither imports the other at start-up; it must stay light (no typer, click, pydantic or torch).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ParamsbotError
from bot.exits import EXIT_INPUT, EXIT_NO_ANSWER, EXIT_OK
from bot.text import clean

if TYPE_CHECKING:
    from bot.retriever import Retriever

#: Sources shown with an answer unless -k says otherwise.
SOURCES_SHOWN = 3


def echo(message: str, err: bool = False) -> None:
    """One line on stdout, or on stderr with ``err``, flushed at once (as typer.echo does).

    A stream that declares an encoding the text does not fit (``PYTHONIOENCODING=ascii``, an old
    locale) gets UTF-8, as click gives it: JSON is UTF-8 by definition, and a traceback is worse
    than a mis-shown character. Messages on stderr name files and folders, so they are cleaned of
    escapes and control characters."""
    stream = sys.stderr if err else sys.stdout
    if err:
        message = clean(message)
    line = message + "\n"
    try:
        stream.write(line)
    except UnicodeEncodeError:  # raised before anything is written
        binary = getattr(stream, "buffer", None)
        if binary is None:
            stream.write(line.encode(stream.encoding or "ascii", "replace").decode(stream.encoding or "ascii"))
        else:
            stream.flush()
            binary.write(line.encode("utf-8", "surrogateescape"))
    stream.flush()


def fail(message: str, code: int = EXIT_INPUT) -> int:
    """Say what went wrong in one stderr line; the exit code to leave with."""
    echo(f"explain: {message}", err=True)
    return code


def exit_code(error: ParamsbotError) -> int:
    """The exit code an error ends the command with: each error type declares its own (bot.exits)."""
    return error.exit_code


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # type: ignore[no-untyped-def]
    """Library warnings (e.g. the slow encoder standing in for the fast one) as one stderr line."""
    echo(f"explain: warning: {message}", err=True)


def open_retriever(kb: Path | None, cache_dir: Path | None, rebuild: bool = False,
                   calibrating: bool = False) -> Retriever:
    """The retriever, with build progress and any skipped files or unsaved index on stderr."""
    from bot.ranking import RetrievalSettings  # the retrieval stack loads only once a command runs
    from bot.render import build_progress
    from bot.retriever import Retriever

    # Calibration writes the settings file, so it must run even when that file is missing or stale.
    settings = RetrievalSettings.load_or_uncalibrated() if calibrating else None
    with build_progress() as progress:
        retriever = Retriever.from_kb(kb, cache_dir=cache_dir, rebuild=rebuild, progress=progress,
                                      settings=settings)
    for problem in retriever.problems if retriever.rebuilt else ():
        echo(f"explain: skipped {problem}", err=True)
    unsaved = retriever.index_info.get("unsaved")
    if unsaved:
        echo(f"explain: warning: {unsaved}; it will be rebuilt next time", err=True)
    return retriever


def answer_one(question: str, json_output: bool = False, k: int = SOURCES_SHOWN, kb: Path | None = None,
               cache_dir: Path | None = None, rebuild: bool = False) -> int:
    """Answer one question on stdout (JSON, Rich on a terminal, else plain text); the exit code."""
    try:
        retriever = open_retriever(kb, cache_dir, rebuild)
        from bot.answer import answer_question

        result = answer_question(question, retriever, k=k)
    except ParamsbotError as error:
        return fail(str(error), exit_code(error))
    if json_output:
        echo(result.dumps())
    else:
        from bot.render import print_answer

        print_answer(result, str(retriever.kb_root))
    return EXIT_NO_ANSWER if result.kind == "no_answer" else EXIT_OK
