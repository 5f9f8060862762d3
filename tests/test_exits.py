"""Exit codes come from bot/exits.py, each error type declares its own, and every one is in the README."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import command, exits, oneshot
from bot.errors import CacheError, DataError, InputError, KnowledgeBaseError, ModelError
from conftest import REPO

CODES = {name: value for name, value in vars(exits).items() if name.startswith("EXIT_")}


def test_the_readme_lists_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("Exit codes"):].split("\n\n", 1)[0]
    assert sorted(int(code) for code in re.findall(r"`(\d+)`", paragraph)) == sorted(CODES.values())


@pytest.mark.parametrize("error, code", [
    (InputError("x"), exits.EXIT_INPUT), (KnowledgeBaseError("x"), exits.EXIT_INPUT),
    (CacheError("x"), exits.EXIT_ENVIRONMENT), (ModelError("x"), exits.EXIT_ENVIRONMENT),
    (DataError("x"), exits.EXIT_ENVIRONMENT),
])
def test_each_error_type_brings_its_exit_code(monkeypatch: pytest.MonkeyPatch, error: Exception, code: int) -> None:
    def fails(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(oneshot, "open_retriever", fails)
    assert command.run(["what is a bias"]) == code


@pytest.mark.parametrize("raised, code", [
    (KeyboardInterrupt(), exits.EXIT_INTERRUPTED), (BrokenPipeError(32, "Broken pipe"), exits.EXIT_BROKEN_PIPE),
])
def test_interrupt_and_broken_pipe_have_their_own_codes(monkeypatch: pytest.MonkeyPatch, raised: BaseException,
                                                        code: int) -> None:
    def fails(*args: object, **kwargs: object) -> None:
        raise raised

    from bot import cli

    monkeypatch.setattr(command, "answer_one", fails)
    monkeypatch.setattr(cli, "answer_one", fails)
    assert command.run(["what is a bias"]) == code  # the one-shot path
    assert command.run(["-k", "2", "what is a bias"]) == code  # through Typer, which would say 1 for EPIPE


def test_damaged_shipped_presets_exit_3_not_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.calc import preset_store
    from bot.cli import app

    (tmp_path / preset_store.PRESETS_FILE).write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(preset_store, "data_dir", lambda: tmp_path)
    preset_store.load_presets.cache_clear()
    try:
        done = CliRunner().invoke(app, ["calc", "--preset", "llama-2-7b"])
    finally:
        preset_store.load_presets.cache_clear()
    assert done.exit_code == exits.EXIT_ENVIRONMENT, done.output
    assert "is not JSON" in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)  # no traceback


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--json", "what is a bias"], ["-k", "2", "what is a bias"],
                                  ["calc", "--preset", "llama-2-7b"]], ids=["one-shot", "typer", "calc"])
def test_a_closed_output_exits_141_without_a_traceback(kb_index_cache: Path, args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # nobody will read what explain writes
    try:
        done = subprocess.run([sys.executable, "-m", "bot", *args], stdout=write, stderr=subprocess.PIPE, text=True,
                              cwd=REPO, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO),
                                                          "PARAMSBOT_CACHE_DIR": str(kb_index_cache)})
    finally:
        os.close(write)
    assert done.returncode == exits.EXIT_BROKEN_PIPE, done.stderr
    assert "Traceback" not in done.stderr


def _terminal_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@pytest.mark.slow
def test_ctrl_c_exits_130(kb_index_cache: Path) -> None:
    # Ctrl+C as a terminal delivers it: a shell starts background jobs with SIGINT ignored, and the child
    # would inherit that from a suite launched in the background, so the child gets the default back.
    batch = subprocess.Popen([sys.executable, "-m", "bot", "--batch", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO), "PARAMSBOT_CACHE_DIR": str(kb_index_cache)},
                             preexec_fn=_terminal_sigint)
    assert batch.stdin is not None and batch.stdout is not None
    batch.stdin.write("what is a bias\n")
    batch.stdin.flush()
    assert '"kind": "answer"' in batch.stdout.readline()  # answered: now it waits for the next line
    batch.send_signal(signal.SIGINT)
    _, err = batch.communicate(timeout=60)
    assert batch.returncode == exits.EXIT_INTERRUPTED and "Traceback" not in err, err
