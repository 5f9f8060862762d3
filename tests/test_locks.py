"""The build lock (filelock): a waiting command says so, gives up with exit 3, and the lock holds
without fcntl too; and an ONNX export another index still names is never deleted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.files import LOCK_TIMEOUT_ENV, folder_lock
from bot.index import INDEXES, MANIFEST, exports_in_use, index_folder
from bot.onnx_export import MODELS, _remove_unused
from conftest import REPO

#: A process that holds the lock on a folder until its stdin closes; ``NO_FCNTL`` hides fcntl first.
HOLDER = """
import sys
if sys.argv[2] == "NO_FCNTL":
    sys.modules["fcntl"] = None
from pathlib import Path
from bot.files import folder_lock
with folder_lock(Path(sys.argv[1]), "test holder") as locked:
    print("held" if locked else "not held", flush=True)
    sys.stdin.read()
"""


def hold(folder: Path, fcntl: bool = True) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder), "FCNTL" if fcntl else "NO_FCNTL"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(timeout=60) == 0


def explain(*args: str, timeout_s: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO), LOCK_TIMEOUT_ENV: timeout_s})


@pytest.mark.slow
def test_a_command_waiting_on_a_stuck_build_says_so_then_exits_3(mini_kb: Path, tmp_path: Path) -> None:
    holder = hold(index_folder(mini_kb))  # as a build suspended with Ctrl+Z would
    try:
        done = explain("--kb", str(mini_kb), "--json", "what is a bias", timeout_s="3", cwd=tmp_path)
    finally:
        release(holder)
    assert done.returncode == 3, done.stderr
    lines = done.stderr.splitlines()
    assert "paramsbot: waiting for another build of this index…" in lines
    assert lines[-1].startswith("explain: gave up after 3 s waiting for another build of this index")
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.slow
def test_a_command_waits_for_a_build_that_finishes(mini_kb: Path, tmp_path: Path) -> None:
    holder = hold(index_folder(mini_kb))
    waiter = subprocess.Popen([sys.executable, "-m", "bot", "--kb", str(mini_kb), "--json", "what is a bias"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert waiter.stderr is not None
    assert waiter.stderr.readline().strip() == "paramsbot: waiting for another build of this index…"
    release(holder)
    out, _ = waiter.communicate(timeout=300)
    assert waiter.returncode == 0 and json.loads(out)["sources"][0]["path"] == "biases.md"


@pytest.mark.parametrize("fcntl", [True, False], ids=["flock", "no-fcntl"])
def test_the_lock_excludes_another_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fcntl: bool) -> None:
    """Without fcntl (``sys.modules["fcntl"] = None`` in both processes) filelock still excludes."""
    from bot.errors import CacheError

    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "1.5")
    holder = hold(tmp_path, fcntl)
    waited: list[bool] = []
    try:
        if not fcntl:
            monkeypatch.setitem(sys.modules, "fcntl", None)
            for name in [m for m in sys.modules if m == "filelock" or m.startswith("filelock.")]:
                monkeypatch.delitem(sys.modules, name)
        with pytest.raises(CacheError, match="gave up after 1.5 s waiting for another build"):
            with folder_lock(tmp_path, "build", on_wait=lambda: waited.append(True)):
                pytest.fail("the lock was taken twice")
    finally:
        release(holder)
    assert waited == [True]
    with folder_lock(tmp_path) as locked:  # free again
        assert locked


def test_export_folders_an_index_names_are_kept(tmp_path: Path) -> None:
    home = tmp_path / MODELS / "model-fp"
    for name in ("onnx-aaa", "onnx-bbb", "onnx-new"):
        (home / name).mkdir(parents=True)
    index = tmp_path / INDEXES / "kb-123"
    index.mkdir(parents=True)
    (index / MANIFEST).write_text(json.dumps({"onnx": {"folder": f"{MODELS}/model-fp/onnx-aaa", "sha256": "x", "bytes": 1}}))
    (tmp_path / INDEXES / "damaged").mkdir()
    (tmp_path / INDEXES / "damaged" / MANIFEST).write_text("{not json")
    used = exports_in_use(tmp_path)
    assert used == {f"{MODELS}/model-fp/onnx-aaa"}
    _remove_unused(tmp_path, home, home / "onnx-new", None)  # unknown: nothing is deleted
    assert len(list(home.iterdir())) == 3
    _remove_unused(tmp_path, home, home / "onnx-new", used)
    assert sorted(p.name for p in home.iterdir()) == ["onnx-aaa", "onnx-new"]
