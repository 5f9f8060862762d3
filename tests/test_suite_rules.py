"""Rules for the tests themselves, so a test cannot pass by not testing: every child process is
waited on with a timeout (a hang must fail CI, not hang it), hard dependencies are imported, not
``importorskip``-ed (a broken install must fail), and snapshots wait for their screen rather than
sleeping a fixed time."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PROCESS_WAITS = {"run", "call", "check_call", "check_output"}


def _calls(path: Path) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Call)]


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.name}:{node.lineno}"  # type: ignore[attr-defined]


def _has_timeout(call: ast.Call) -> bool:
    return any(keyword.arg == "timeout" for keyword in call.keywords)


def unbounded_waits(path: Path) -> list[str]:
    """subprocess.run/call/check_* without a timeout, and any ``.wait()`` or ``.communicate()``
    without one (a process's, or a threading event's: either can hang)."""
    found = []
    for call in _calls(path):
        func = call.func
        if not isinstance(func, ast.Attribute) or _has_timeout(call):
            continue
        if func.attr in PROCESS_WAITS and isinstance(func.value, ast.Name) and func.value.id == "subprocess":
            found.append(_where(path, call))
        elif (func.attr == "wait" and not call.args) or (func.attr == "communicate" and len(call.args) < 2):
            found.append(_where(path, call))
    return found


def test_every_child_process_is_waited_on_with_a_timeout() -> None:
    assert [where for path in sorted(TESTS.glob("*.py")) for where in unbounded_waits(path)] == []


def test_the_rule_catches_an_unbounded_wait(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import subprocess\nsubprocess.run(['x'])\np = subprocess.Popen(['x'])\np.wait()\n"
                      "p.communicate()\nsubprocess.run(['x'], timeout=5)\np.wait(timeout=5)\n")
    assert unbounded_waits(sample) == ["sample.py:2", "sample.py:4", "sample.py:5"]


def _dependencies() -> set[str]:
    text = (TESTS.parent / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("dependencies = ["):text.index("]", text.index("dependencies = ["))]
    names = {re.split(r"[<>=!~\[ ]", entry)[0].lower().replace("-", "_") for entry in re.findall(r'"([^"]+)"', block)}
    return names | {"transformers"}  # sentence-transformers requires it


def test_hard_dependencies_are_never_importorskipped() -> None:
    skipped = [f"{_where(path, call)} {ast.unparse(call.args[0])}" for path in sorted(TESTS.glob("*.py"))
               for call in _calls(path) if isinstance(call.func, ast.Attribute) and call.func.attr == "importorskip"
               and call.args and isinstance(call.args[0], ast.Constant)
               and str(call.args[0].value).split(".")[0].lower() in _dependencies()]
    assert skipped == []


@pytest.mark.parametrize("name", ["test_tui_snapshots.py"])
def test_snapshots_never_sleep_a_fixed_time(name: str) -> None:
    path = TESTS / name
    sleeps = [_where(path, call) for call in _calls(path) if isinstance(call.func, ast.Attribute)
              and call.func.attr in {"pause", "sleep"} and call.args]
    assert sleeps == []
