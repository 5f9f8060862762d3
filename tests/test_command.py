"""The console entry (bot.command): which command lines skip Typer, and that skipping it changes
nothing a user sees: the same stdout, stderr and exit code as `explain ask ...` through Typer."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.command import SUBCOMMANDS, one_shot
from conftest import REPO

Q = "what is a bias"


@pytest.mark.parametrize("argv, expected", [
    ([Q], (Q, False)),
    (["--json", Q], (Q, True)),
    ([Q, "--json"], (Q, True)),
    (["   "], ("   ", False)),
    ([""], ("", False)),
    (["help"], ("help", False)),
    (["what is a\x1b[31m bias"], ("what is a\x1b[31m bias", False)),
])
def test_plain_one_shot_forms_skip_typer(argv, expected):
    assert one_shot(argv) == expected


@pytest.mark.parametrize("argv", [
    [], ["--help"], ["-h"], ["--json"], ["--json", "--json"], ["--", Q], [Q, "--"], ["-k", "2", Q],
    ["-k2", Q], [Q, "-k", "2"], ["--kb", "kb", Q], ["--rebuild"], ["--rebuild", Q], ["--batch", "-"],
    ["--cache-dir", "c", Q], ["--top=2", Q], ["--json=1", Q], ["-"], ["-x"], ["ask"], ["ask", Q],
    ["calc"], ["eval"], ["--json", "ask"], ["eval", "--json"], [Q, Q], ["--json", Q, "--json"],
    [Q, "--json", Q], [Q, "--JSON"],
])
def test_everything_else_goes_to_typer(argv):
    assert one_shot(argv) is None


def test_subcommand_names_match_the_typer_app():
    from bot.cli import app

    assert SUBCOMMANDS == {command.name for command in app.registered_commands}


def _explain(args: list[str], cache: Path, python_args: tuple[str, ...] = (),
             terminal: bool = False) -> tuple[str, str, int]:
    """`python -m bot ARGS` as the console script runs it: (stdout, stderr, exit code).
    With ``terminal``, stdout is a pseudo-terminal, so answers are rendered with Rich."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PARAMSBOT_CACHE_DIR": str(cache), "COLUMNS": "90"}
    command = [sys.executable, *python_args, "-m", "bot", *args]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
        return done.stdout, done.stderr, done.returncode
    main, child = pty.openpty()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=child, stderr=err, cwd=REPO, env=env)
        os.close(child)
        out = b""
        while True:  # read as it comes, or a long answer would fill the terminal's buffer
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            out += chunk
        os.close(main)
        code = process.wait(timeout=300)
        err.seek(0)
        return out.decode(), err.read().decode(), code


@pytest.mark.slow
@pytest.mark.parametrize("args, code", [
    ([Q], 0),
    (["--json", Q], 0),
    ([Q, "--json"], 0),
    (["who won the 2018 world cup"], 1),
    (["--json", "who won the 2018 world cup"], 1),
    (["   "], 2),
    (["--json", ""], 2),
    (["x" * 20_001], 2),
    (["what is a\x1b[31m bias\x07?"], 0),
    (["--json", "what\x1b]0;title\x07 is a\tweight\x7f"], 0),
])
def test_fast_path_prints_what_typer_prints(kb_index_cache, args, code):
    fast = _explain(args, kb_index_cache)
    assert fast == _explain(["ask", *args], kb_index_cache)
    stdout, stderr, exit_code = fast
    assert exit_code == code, stderr
    assert "Traceback" not in stderr and "\x1b" not in stdout
    if code == 2:
        assert stdout == "" and stderr.count("\n") == 1 and stderr.startswith("explain: ")
    elif "--json" in args:
        assert json.loads(stdout)["kind"] == ("answer" if code == 0 else "no_answer")


@pytest.mark.slow
def test_fast_path_renders_like_typer_on_a_terminal(kb_index_cache):
    fast = _explain([Q], kb_index_cache, terminal=True)
    assert fast == _explain(["ask", Q], kb_index_cache, terminal=True)
    stdout, stderr, exit_code = fast
    assert exit_code == 0 and stderr == ""
    assert "\x1b[" in stdout and "**" not in stdout  # Rich rendered the Markdown


@pytest.mark.slow
def test_one_shot_imports_no_cli_framework_and_no_torch(kb_index_cache):
    stdout, log, exit_code = _explain(["--json", Q], kb_index_cache, python_args=("-X", "importtime"))
    assert exit_code == 0, log[-2000:]
    assert json.loads(stdout)["kind"] == "answer"
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", log, re.M))
    assert {"bot.command", "onnxruntime", "faiss"} <= modules, "the log is read correctly"
    frameworks = ("typer", "click", "pydantic", "pydantic_core", "torch", "transformers", "sentence_transformers",
                  "mcp", "mcp_types", "uvicorn", "starlette")
    assert sorted(m for m in modules if m.split(".")[0] in frameworks) == []
    assert "explain: warning" not in log


@pytest.mark.slow
def test_a_stream_declared_ascii_still_gets_the_utf8_answer(kb_index_cache):
    """As click does for a misconfigured stream: UTF-8 out, no traceback, on both paths."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PARAMSBOT_CACHE_DIR": str(kb_index_cache),
           "PYTHONIOENCODING": "ascii"}
    runs = [subprocess.run([sys.executable, "-m", "bot", *prefix, "--json", "what is a 偏置"], capture_output=True,
                           cwd=REPO, env=env, timeout=300) for prefix in ([], ["ask"])]
    assert runs[0].stdout == runs[1].stdout and runs[0].returncode == runs[1].returncode == 0, runs[0].stderr
    assert json.loads(runs[0].stdout.decode("utf-8"))["question"] == "what is a 偏置"
