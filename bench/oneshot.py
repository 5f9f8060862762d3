"""One-shot answers: cold `explain --json QUESTION` processes, lean path against sentence-transformers.

    PYTHONPATH=. python bench/oneshot.py [--runs 7] [--question "what is a bias"]

The index of paramsbot's own KB is built first in a fresh temporary cache, and each path answers
once (the first question after a build embeds the section headings; none of this is timed). Then each
run starts a new process, ``python -m bot --json QUESTION``, alternating the lean path (the
default: the model's ONNX export on onnxruntime) and the sentence-transformers path
(``PARAMSBOT_ENCODER=sentence-transformers``), so both see the same machine load. Wall time is
measured around each process; peak RSS is that process's own ``ru_maxrss`` (``os.wait4``).
"Cold" means a new Python process each time; the OS file cache stays warm (dropping it would
disturb everyone else on the machine). Both paths must print the same answer.

Targets (issue 6): lean median <= 0.8 s, at least 8x faster than sentence-transformers,
lean peak RSS <= 350 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from common import check, child_env, compile_package, machine, run_child, summary

PATHS = {"lean (onnxruntime)": {}, "sentence-transformers": {"PARAMSBOT_ENCODER": "sentence-transformers"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="cold runs per path (default 7)")
    parser.add_argument("--question", default="what is a bias")
    args = parser.parse_args()
    compile_package()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="paramsbot-bench-") as temp:
        cache = Path(temp)
        build = run_child(["-m", "bot", "--rebuild"], child_env(cache))
        assert build.returncode == 0, build.stderr
        print(f"index built in {build.seconds:.1f} s (first build: embedding + ONNX export; not part of the figures)")
        for extra in PATHS.values():  # the first question after a build also embeds the headings once
            assert run_child(["-m", "bot", "--json", args.question], child_env(cache, **extra)).returncode == 0
        seconds: dict[str, list[float]] = {name: [] for name in PATHS}
        rss: dict[str, list[float]] = {name: [] for name in PATHS}
        answers: dict[str, dict] = {}
        for _ in range(args.runs):
            for name, extra in PATHS.items():
                run = run_child(["-m", "bot", "--json", args.question], child_env(cache, **extra))
                assert run.returncode == 0, run.stderr
                assert "warning" not in run.stderr, run.stderr
                answers[name] = json.loads(run.stdout)
                seconds[name].append(run.seconds)
                rss[name].append(run.peak_rss_mb)
    lean, slow = PATHS
    assert answers[lean] == answers[slow], "both paths must give the same answer"
    print(f'\none-shot `explain --json "{args.question}"`, {args.runs} cold runs per path, alternating:')
    print(f"  {'path':<24}{'median (min–max)':<26}peak RSS median (min–max)")
    for name in PATHS:
        print(f"  {name:<24}{summary(seconds[name]):<26}{summary(rss[name], 'MB', 0)}")
    ratio = statistics.median(seconds[slow]) / statistics.median(seconds[lean])
    print(f"  ratio of medians: the lean path is {ratio:.1f}x faster")
    print("targets: " + "; ".join([
        check("lean median <= 0.8 s", statistics.median(seconds[lean]) <= 0.8),
        check(">= 8x faster", ratio >= 8),
        check("lean peak RSS <= 350 MB", max(rss[lean]) <= 350),
    ]))


if __name__ == "__main__":
    main()
