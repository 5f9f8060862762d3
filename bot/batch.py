"""``explain --batch FILE``: answer every line of a file in one process, as JSON Lines.

Why one process: opening the index and the model is most of a one-shot answer's time, so a
file of questions is answered with one retriever. A bad line gets an error object in its place
and the run goes on, so the output stays one object per non-blank input line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.errors import InputError
from bot.exits import EXIT_INPUT, EXIT_OK

if TYPE_CHECKING:
    from bot.retriever import Retriever

#: Prints one line: ``echo(text)`` on stdout, ``echo(text, err=True)`` on stderr (typer.echo's signature).
Echo = Callable[..., None]


def run_batch(source: str, retriever: Retriever, k: int, echo: Echo) -> int:
    """One JSON object per non-blank line of ``source`` (- for stdin); the exit code (2 if any line failed)."""
    from bot.answer import answer_question

    try:
        stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror or error}") from None
    failures = 0
    with stream:
        for number, raw in enumerate(stream, start=1):
            try:
                line = raw.decode("utf-8").strip()
                if not line:
                    continue
                echo(answer_question(line, retriever, k=k).dumps())
            except (UnicodeDecodeError, InputError) as error:
                failures += 1
                reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
                echo(json.dumps({"line": number, "kind": "error", "error": reason}))
                echo(f"explain: line {number}: {reason}", err=True)
    return EXIT_INPUT if failures else EXIT_OK
