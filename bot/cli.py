"""The ``explain`` command: parse arguments, call the library, print. No logic lives here.

    explain                          the app: chat, reader, calculator (on a terminal)
    explain "what is a bias"         one answer, rendered (plain text when piped)
    explain --json "QUESTION"        one JSON object
    explain --batch FILE             JSON Lines, one answer per input line (- for stdin)
    explain calc --preset llama-2-7b parameter calculator
    explain eval                     retrieval quality on data/eval/questions.yaml, per method
    explain mcp [--http [HOST:]PORT] the knowledge base and calculator as an MCP server

Exit codes (bot/exits.py): 0 answered, 1 the knowledge base has no answer, 2 usage or input
error, 3 the model, cache or paramsbot's data cannot be used, 130 interrupted, 141 output closed.
For `explain eval`: 0 targets met, 1 targets missed.

The console script starts in bot.command, which answers the plain one-shot forms itself (with
bot.oneshot, which ``ask`` calls too) and hands every other command line to this app (importing
Typer costs ~0.15 s). This module never imports bot.command.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Optional

import click
import typer
from typer.core import TyperGroup

from bot.calc.cli import calc_command
from bot.batch import run_batch
from bot.errors import ParamsbotError
from bot.exits import (EXIT_BROKEN_PIPE, EXIT_ENVIRONMENT, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_NO_ANSWER,
                       EXIT_OK)
from bot.oneshot import SOURCES_SHOWN, answer_one, exit_code, fail, open_retriever, show_warning


class _AskByDefault(TyperGroup):
    """`explain "question"` means `explain ask "question"`, as `llm "prompt"` does for prompts."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["ask", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """A closed output and Ctrl+C get their own exit codes (bot.exits): Click gives 1 to a
        broken pipe, the code for "no answer"."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except OSError as error:
            if error.errno != errno.EPIPE:
                raise
            raise typer.Exit(EXIT_BROKEN_PIPE) from None


app = typer.Typer(
    cls=_AskByDefault,
    help=(
        "Explain LLM parameters from a local knowledge base.\n\n"
        "explain alone opens the app (chat, worked examples, calculator) on a terminal; "
        'explain "what is a bias" answers one question (same as explain ask ...); '
        "explain calc counts parameters, memory and compute; explain eval measures retrieval. "
        "Run any command with --help."
    ),
    add_completion=False,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    return typer.Exit(fail(message, code))


@app.command("ask")
def ask(
    question: Annotated[Optional[str], typer.Argument(help="Your question, in quotes.", show_default=False)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object (JSON Lines with --batch).")] = False,
    batch: Annotated[Optional[str], typer.Option("--batch", metavar="FILE", help="Answer each line of FILE (- for stdin) as JSON Lines, in one process.")] = None,
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=50, help="How many sources to show.")] = SOURCES_SHOWN,
    kb: Annotated[Optional[Path], typer.Option("--kb", help="A folder of Markdown to answer from instead of the built-in knowledge base.", show_default=False)] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", envvar="PARAMSBOT_CACHE_DIR", help="Where indexes are kept.", show_default=False)] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the index even if it is current.")] = False,
) -> None:
    """Answer a question about LLM parameters from the knowledge base."""
    if question is not None and batch is not None:
        raise _fail("give either a QUESTION or --batch FILE, not both")
    if question is None and batch is None and not rebuild:
        if not json_output and _interactive():
            raise typer.Exit(_open_app(kb, cache_dir))
        raise _fail('give a question, for example: explain "what is a bias"')
    if question is not None:
        raise typer.Exit(answer_one(question, json_output, k=k, kb=kb, cache_dir=cache_dir, rebuild=rebuild))
    try:
        retriever = open_retriever(kb, cache_dir, rebuild)
        if batch is not None:
            raise typer.Exit(run_batch(batch, retriever, k, typer.echo))
        typer.echo(f"explain: index rebuilt ({len(retriever.passages)} passages)", err=True)  # --rebuild alone
        raise typer.Exit(EXIT_OK)
    except ParamsbotError as error:
        raise _fail(str(error), exit_code(error)) from None


app.command("calc")(calc_command)


@app.command("mcp")
def mcp_server(
    http: Annotated[Optional[str], typer.Option("--http", metavar="[HOST:]PORT", help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio (HOST defaults to 127.0.0.1).", show_default=False)] = None,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Let --http listen on an address other machines can reach.")] = False,
    kb: Annotated[Optional[Path], typer.Option("--kb", help="A folder of Markdown to serve instead of the built-in knowledge base.", show_default=False)] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", envvar="PARAMSBOT_CACHE_DIR", help="Where indexes are kept.", show_default=False)] = None,
) -> None:
    """Serve search, answers, KB files and the calculator over the Model Context Protocol (stdio by default)."""
    from bot.server import ServeOptions, serve  # the mcp SDK loads only for this command

    raise typer.Exit(serve(ServeOptions(kb=kb, cache_dir=cache_dir, http=http, allow_remote=allow_remote)))


def _interactive() -> bool:
    """The app needs a person at a terminal: stdin and stdout, and stderr, where Textual draws."""
    try:
        return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr))
    except (AttributeError, ValueError):
        return False


def _open_app(kb: Path | None, cache_dir: Path | None) -> int:
    from bot.tui import run  # Textual is imported only when the app opens

    return run(kb=kb, cache_dir=cache_dir)


@app.command("eval")
def evaluate(
    eval_set: Annotated[Optional[Path], typer.Option("--set", help="An eval set file (default: data/eval/questions.yaml).", show_default=False)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    calibrate: Annotated[bool, typer.Option("--calibrate", help="Choose the method, weights and thresholds on the tuning part, save them, then report.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", help="Where --calibrate writes (default: data/retrieval.json).", show_default=False)] = None,
    misses: Annotated[bool, typer.Option("--misses", help="Also list the questions the default method gets wrong.")] = False,
    passages: Annotated[bool, typer.Option("--passages", help="List every passage id (for labelling questions) and exit.")] = False,
    kb: Annotated[Optional[Path], typer.Option("--kb", help="A folder of Markdown to evaluate instead of the built-in knowledge base.", show_default=False)] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", envvar="PARAMSBOT_CACHE_DIR", help="Where indexes are kept.", show_default=False)] = None,
    real: Annotated[Optional[list[Path]], typer.Option("--real", help="A judged set of real questions (JSON Lines) to answer and judge, besides data/eval/real-questions.jsonl; repeatable.", show_default=False)] = None,
    answers_only: Annotated[bool, typer.Option("--answers-only", help="Only judge the answers to real questions; skip the retrieval metrics.")] = False,
) -> None:
    """Measure retrieval per method (dense, bm25, hybrid) on the eval set's tuning and held-back parts,
    and judge whole answers on sets of real questions."""
    try:
        from bot import judging

        sets = [p for p in judging.default_sets() if p.is_file()] + list(real or [])
        loaded = {p: judging.load_judged(p) for p in sets}  # a bad file fails before any work
        retriever = open_retriever(kb, cache_dir, rebuild=False, calibrating=calibrate)
        if passages:
            for p in retriever.passages:
                typer.echo(f"{p.id}\t{p.heading}")
            raise typer.Exit(EXIT_OK)
        from bot import evaluation

        if not answers_only:
            questions = evaluation.load_eval_set(eval_set)
            typer.echo(f"explain: evaluating {len(questions)} questions...", err=True)
            if calibrate:
                saved = evaluation.recalibrate(retriever, questions, judging.own_questions(loaded), output)
                typer.echo(f"explain: saved the calibration to {saved}", err=True)
        judged = [judging.run_judged(retriever, loaded[p], judging.display_name(p)) for p in sets]
        if answers_only:
            typer.echo(judging.format_judged(judged, misses=misses), nl=False)
            raise typer.Exit(EXIT_OK)
        report = evaluation.evaluate(retriever, questions, eval_set=str(eval_set or f"data/{evaluation.EVAL_SET}"))
    except ImportError as error:
        raise _fail(f"a package explain eval needs is missing ({error.name}): pip install 'paramsbot[eval]'",
                    EXIT_ENVIRONMENT) from None
    except ParamsbotError as error:
        raise _fail(str(error), exit_code(error)) from None
    if json_output:
        import json

        typer.echo(json.dumps({**report.to_json(), "judged": [j.to_json() for j in judged]}, ensure_ascii=False))
    else:
        from bot.render import print_eval

        print_eval(report, misses=misses)
        typer.echo(judging.format_judged(judged, misses=misses), nl=False)
    raise typer.Exit(EXIT_OK if report.targets_met else EXIT_NO_ANSWER)


def main(args: Sequence[str] | None = None) -> None:
    """Run the command (on sys.argv by default); raises SystemExit like any Click app."""
    import warnings

    warnings.showwarning = show_warning
    app(args)


if __name__ == "__main__":
    main()
