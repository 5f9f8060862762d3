"""The real `explain` app in a real terminal (tmux): it opens, answers from the real index and
model, and quits cleanly with Ctrl+Q.

``python3 dev.py test`` installs tmux when it can; without it these tests skip, except under CI
(``$CI`` set, as .ci/run does), where they fail: a missing tool must not pass for a passing test."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def tmux_installed() -> None:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is not installed (python3 dev.py test installs it where it can)")
        pytest.skip("tmux is not installed")


def _tmux(*args: str, check: bool = True) -> str:
    """Run one tmux command (bounded: a hung tmux must not hang the suite); its stdout."""
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=check, timeout=30).stdout


def _capture(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session, check=False)


def _wait_for(session: str, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not on screen after {timeout:.0f} s; the screen was:\n{screen}")


def _quit_and_read_exit(session: str) -> str:
    _tmux("send-keys", "-t", session, "C-q")
    return _wait_for(session, "paramsbot-exit=", 30)


def _start(session: str, cache: Path, config: Path) -> None:
    # The shell prints the exit code after the app ends and keeps the pane open to read it.
    # COLUMNS/LINES may be inherited from the test process (80x24); the pane's real size must win.
    command = (f"cd {shlex.quote(str(REPO))} && env -u COLUMNS -u LINES {shlex.quote(sys.executable)} -m bot; "
               f"echo paramsbot-exit=$?; sleep 120")
    _tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30",
          "-e", f"PYTHONPATH={REPO}", "-e", f"PARAMSBOT_CACHE_DIR={cache}",
          "-e", f"PARAMSBOT_CONFIG_DIR={config}", "-e", "HF_HUB_OFFLINE=1", command)


def test_quitting_while_the_index_builds_stops_the_build(isolated_cache: Path, tmp_path: Path) -> None:
    """Ctrl+Q during the first build ends the app without finishing the build: no index is saved
    (the build stops at its next batch), and the next start builds it afresh."""
    session = f"paramsbot-test-quit-{os.getpid()}"
    _start(session, isolated_cache, tmp_path / "config")
    try:
        _wait_for(session, "building index", 120)
        screen = _quit_and_read_exit(session)
        assert "paramsbot-exit=0" in screen and "Traceback" not in screen
        assert not list(isolated_cache.glob("indexes/*/manifest.json")), "the app waited for the build"
    finally:
        _tmux("kill-session", "-t", session, check=False)


def test_explain_app_in_tmux_answers_and_quits_cleanly(isolated_cache: Path, tmp_path: Path) -> None:
    session = f"paramsbot-test-{os.getpid()}"
    _start(session, isolated_cache, tmp_path / "config")
    try:
        _wait_for(session, "Ask about LLM parameters", 60)  # the input is there at once...
        _tmux("send-keys", "-t", session, "-l", "what is a bias")
        _wait_for(session, "what is a bias", 30)
        _tmux("send-keys", "-t", session, "Enter")  # ...even while loading
        # The index is built and the model loaded, then the answer shows from its top: the question,
        # the answer (the bar marks it), its links and its sources from biases.md.
        screen = _wait_for(session, "Sources:", 600)
        assert "› what is a bias" in screen and "▌ " in screen
        assert "1. Biases" in screen
        screen = _quit_and_read_exit(session)
        assert "paramsbot-exit=0" in screen
        assert "Traceback" not in screen
    finally:
        _tmux("kill-session", "-t", session, check=False)
