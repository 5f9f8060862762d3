"""`explain` with no question opens the app on a terminal, and only there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import cli

REPO = Path(__file__).resolve().parent.parent


def test_no_question_opens_the_app_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[tuple[object, object]] = []

    def fake_run(kb: Path | None = None, cache_dir: Path | None = None) -> int:
        opened.append((kb, cache_dir))
        return 0

    import bot.tui

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.setattr(bot.tui, "run", fake_run)
    result = CliRunner().invoke(cli.app, ["--kb", str(tmp_path), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert opened == [(tmp_path, tmp_path / "c")]


def test_no_question_without_a_terminal_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: False)
    result = CliRunner().invoke(cli.app, [])
    assert result.exit_code == 2
    assert 'give a question, for example: explain "what is a bias"' in result.output


def test_json_without_a_question_never_opens_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = CliRunner().invoke(cli.app, ["--json"])
    assert result.exit_code == 2


def test_piped_explain_prints_the_usage_line_and_exits_2() -> None:
    done = subprocess.run([sys.executable, "-m", "bot"], cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == 'explain: give a question, for example: explain "what is a bias"'
    assert "Traceback" not in done.stderr


def test_headless_modules_never_import_textual() -> None:
    code = (
        "import sys, bot.conversation, bot.answer, bot.retriever, bot.calc, bot.tui, bot.tui.calc_form, "
        "bot.tui.links, bot.tui.settings, bot.tui.loading, bot.tui.kb_docs\n"
        "print(','.join(m for m in ('textual', 'torch', 'faiss', 'sentence_transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
