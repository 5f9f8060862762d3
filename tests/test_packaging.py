"""A plain `pip install .` must carry the knowledge base and data inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from conftest import REPO


@pytest.mark.slow
def test_wheel_carries_kb_and_data(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("paramsbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    kb_files = sorted(p.relative_to(REPO / "kb").as_posix() for p in (REPO / "kb").rglob("*.md"))
    data_files = sorted(p.relative_to(REPO / "data").as_posix() for p in (REPO / "data").rglob("*") if p.is_file())
    assert kb_files and data_files
    assert {f"bot/_kb/{name}" for name in kb_files} <= names
    assert {f"bot/_data/{name}" for name in data_files} <= names
    assert {"bot/py.typed", "bot/cli.py", "bot/command.py"} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "explain = bot.command:entry" in zipfile.ZipFile(wheel).read(entry_points).decode()
