"""Helpers shared by the benchmark scripts: child processes with their own peak memory, summaries.

Benchmarks are scripts, not tests: they print figures and never fail a build on timing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def child_env(cache: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a benchmarked child: this checkout on the path, offline, its own cache."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    if cache is not None:
        env["PARAMSBOT_CACHE_DIR"] = str(cache)
    env.update(extra)
    return env


def run_child(args: Sequence[str], env: dict[str, str], stdin: bytes | None = None, cwd: Path = REPO) -> Run:
    """Run ``python ARGS`` to completion (in ``cwd``: ``python -m`` puts it first on the path);
    wall time and that child's own peak RSS (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([PYTHON, *args], stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                   stdout=out, stderr=err, env=env, cwd=cwd)
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(stdin)
            process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen did not reap it
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, process.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def summary(values: Sequence[float], unit: str = "s", digits: int = 2) -> str:
    """``median (min–max)`` of several runs."""
    return (f"{statistics.median(values):.{digits}f} {unit} "
            f"({min(values):.{digits}f}–{max(values):.{digits}f})")


def compile_package() -> None:
    """Byte-compile paramsbot once, as `pip install` does, so children do not compile its sources
    on every start (this environment sets PYTHONDONTWRITEBYTECODE)."""
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "bot")], check=True, stdout=subprocess.DEVNULL)


def check(label: str, ok: bool) -> str:
    return f"{label}: {'PASS' if ok else 'FAIL'}"


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, load average {load:.2f} at start, Python {sys.version.split()[0]}"
