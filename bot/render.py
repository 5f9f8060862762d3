"""Printing answers and progress: Rich on a terminal, plain text when piped, JSON for tools.

Everything printed here has already been cleaned of escape sequences (questions by
``normalize_query``, KB text by the corpus loader), so no input can drive the terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from bot.answer import Answer
from bot.text import clean

if TYPE_CHECKING:
    from bot.evaluation import EvalReport
    from bot.index import BuildProgress


#: What a command says when another process is building the index it needs.
WAITING = "waiting for another build of this index…"


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def print_answer(answer: Answer, kb_root: str, stream: TextIO | None = None) -> None:
    """Rendered Markdown on a terminal, the same content as plain text when piped."""
    stream = stream or sys.stdout
    if is_terminal(stream):
        _print_rich(answer, kb_root, stream)
    else:
        stream.write(plain_text(answer, kb_root))
        stream.flush()


def plain_text(answer: Answer, kb_root: str) -> str:
    lines = [answer.answer.rstrip(), ""]
    if answer.examples:
        lines.append("Worked examples:")
        lines += [f"  - {e.title} ({clean(e.path)})" for e in answer.examples]
        lines.append("")
    if answer.see_also:
        lines.append("See also:")
        lines += [f"  - {e.title} ({clean(e.path)})" for e in answer.see_also]
        lines.append("")
    if answer.sources and answer.kind != "no_answer":
        lines.append(f"Sources (in {clean(kb_root)}):")
        lines += [f"  {n}. {s.heading} ({clean(s.path)}, score {s.score:.2f})"
                  for n, s in enumerate(answer.sources, 1)]
        lines.append("")
    return "\n".join(lines)


def _print_rich(answer: Answer, kb_root: str, stream: TextIO) -> None:
    from rich.console import Console  # Rich is only needed when a terminal is attached
    from rich.markdown import Markdown
    from rich.text import Text

    console = Console(file=stream, highlight=False)
    console.print(Markdown(answer.answer))
    if answer.examples:
        console.print()
        console.print(Text("Worked examples", style="bold"))
        for e in answer.examples:
            console.print(Text.assemble("  • ", (e.title, "cyan"), f"  {clean(e.path)}"))
    if answer.see_also:
        console.print()
        console.print(Text("See also", style="bold"))
        for e in answer.see_also:
            console.print(Text.assemble("  • ", (e.title, "cyan"), f"  {clean(e.path)}"))
    if answer.sources and answer.kind != "no_answer":
        console.print()
        console.print(Text(f"Sources  ({clean(kb_root)})", style="bold"))
        for n, s in enumerate(answer.sources, 1):
            console.print(Text.assemble(f"  {n}. ", s.heading, (f"  {clean(s.path)}  {s.score:.2f}", "dim")))


def print_eval(report: EvalReport, misses: bool = False, stream: TextIO | None = None) -> None:
    """The eval table: a Rich table on a terminal, the plain-text table when piped."""
    from bot.evaluation import format_misses, format_report, verdict

    stream = stream or sys.stdout
    if not is_terminal(stream):
        stream.write(format_report(report) + (("\n" + format_misses(report)) if misses else ""))
        stream.flush()
        return
    from rich.console import Console  # see print_answer
    from rich.table import Table

    console = Console(file=stream, highlight=False)
    table = Table(title=f"Retrieval on {report.eval_set} ({report.passages} passages): tuning / held-back",
                  title_justify="left")
    columns = [("R@1", "recall_1"), ("R@3", "recall_3"), ("MRR@10", "mrr_10"), ("nDCG@10", "ndcg_10"),
               ("refuse out", "oos_refusal"), ("refuse in", "false_refusal")]
    table.add_column("method")
    for name, _ in columns:
        table.add_column(name, justify="right")
    for method, parts in report.results.items():
        label = f"{method} (default)" if method == report.default else method
        table.add_row(label, *(f"{getattr(parts['tune'], a):.3f} / {getattr(parts['held'], a):.3f}"
                               for _, a in columns), style="bold" if method == report.default else None)
    console.print(table)
    console.print(verdict(report), markup=False)
    for problem in report.label_problems:
        console.print(f"label naming no passage: {problem}", markup=False, style="red")
    if misses:
        console.print(format_misses(report), markup=False)


@contextmanager
def build_progress(stream: TextIO | None = None) -> Iterator[BuildProgress]:
    """A progress callback for index builds: a bar on a terminal, two plain lines otherwise."""
    stream = stream or sys.stderr
    if not is_terminal(stream) or os.environ.get("TERM") == "dumb":
        announced = False

        def plain(stage: str, done: int, total: int) -> None:
            nonlocal announced
            if stage == "wait":
                stream.write(f"paramsbot: {WAITING}\n")
            elif stage == "embed" and not announced:
                stream.write(f"paramsbot: building the index ({total} passages)...\n")
                announced = True
            elif stage == "export":
                stream.write("paramsbot: exporting the model to ONNX (once per model)...\n")
            elif stage == "write":
                stream.write("paramsbot: index ready\n")
            stream.flush()

        yield plain
        return
    from rich.console import Console  # see print_answer
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("[bold]building index"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(file=stream), transient=True) as bar:
        task = None

        def rich_progress(stage: str, done: int, total: int) -> None:
            nonlocal task
            if stage == "wait":
                bar.console.print(WAITING, markup=False, highlight=False)
            if stage != "embed":
                return
            if task is None:
                task = bar.add_task("embed", total=total)
            bar.update(task, completed=done)

        yield rich_progress
