"""The ``explain`` console entry point: the plain one-shot form without Typer, the rest through it.

Why it exists: the one-shot answer is the command's hot path, and Typer (with click, and the
pydantic that Typer now builds a validator from for every option) costs ~0.15 s of a ~0.55 s
answer. So the entry point recognises the plain form (``explain QUESTION``, with ``--json``
before or after) and answers it with bot.oneshot, importing Typer (bot.cli) only for everything
else. The Typer ``ask`` command calls the same :func:`bot.oneshot.answer_one`, so both paths
print the same things and exit with the same codes.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence

from bot.exits import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED
from bot.oneshot import answer_one, show_warning

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
