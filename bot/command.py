"""The ``explain`` console entry point, and the Typer-free core of the command.

Why it exists: the one-shot answer is the command's hot path, and Typer (with click, and the
pydantic that Typer now builds a validator from for every option) costs ~0.15 s of a ~0.55 s
answer. So the entry point recognises the plain form (``explain QUESTION``, with ``--json``
before or after) and answers it here, importing Typer only for everything else (bot.cli). The
Typer ``ask`` command calls the same :func:`answer_one`, so both paths print the same things and
exit with the same codes.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ParamsbotError
from bot.exits import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_NO_ANSWER, EXIT_OK
from bot.text import clean

if TYPE_CHECKING:
    from bot.retriever import Retriever

#: Sources shown with an answer unless -k says otherwise.
SOURCES_SHOWN = 3
#: The app's subcommands: a one-word argv naming one of them is never a question.
SUBCOMMANDS = frozenset({"ask", "calc", "eval", "mcp"})


def one_shot(argv: Sequence[str]) -> tuple[str, bool] | None:
    """``(question, json)`` when argv is exactly QUESTION, --json QUESTION or QUESTION --json.

    None for anything else (options, ``--``, a subcommand, no arguments), which the Typer app
    parses as it always has.
    """
    if len(argv) == 1:
        question, json_output = argv[0], False
    elif len(argv) == 2 and "--json" in argv:
        question, json_output = argv[1] if argv[0] == "--json" else argv[0], True
    else:
        return None
    if question.startswith("-") or question in SUBCOMMANDS:
        return None
    return question, json_output


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


def run(argv: Sequence[str]) -> int:
    """Run the command on argv (without the program name); the exit code."""
    try:
        plain = one_shot(argv)
        if plain is None:
            return _run_typer(argv)
        import warnings

        warnings.showwarning = show_warning
        return answer_one(*plain)
    except KeyboardInterrupt:  # the Typer app ends alike (bot.cli._AskByDefault.invoke)
        return EXIT_INTERRUPTED
    except OSError as error:
        if error.errno != errno.EPIPE:
            raise
        return EXIT_BROKEN_PIPE


def _run_typer(argv: Sequence[str]) -> int:
    from bot.cli import main  # Typer, click and pydantic load only here

    try:
        main(list(argv))
    except SystemExit as done:
        if isinstance(done.code, str):
            sys.stderr.write(done.code + "\n")
            return 1
        return done.code or 0
    return 0


def entry() -> None:
    """Console-script entry point: run, flush, and leave without tearing down every module.

    Unloading numpy, FAISS and onnxruntime at interpreter exit costs ~0.1 s of a ~0.7 s
    one-shot answer and does nothing useful, so a finished command ends the process at once.
    """
    code = run(sys.argv[1:])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (explain ... | head) is not an error here
            pass
    os._exit(code)
