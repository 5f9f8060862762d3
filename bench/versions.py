"""This checkout against an earlier commit, side by side: one-shot answers and --batch throughput.

    PYTHONPATH=. python bench/versions.py --base 660946c [--runs 9] [--questions 200]

Why: a change to how questions are read or answered must not slow the lean path, and timings on
this shared machine only mean something next to each other. The base commit is checked out into
a temporary git worktree; each version gets its own fresh cache and builds its index first
(untimed), answers once (untimed: the first question after a build embeds headings), then the
one-shot runs alternate between the versions, so both see the same load. Each one-shot is a new
``python -m bot --json QUESTION`` process; the batch is one ``python -m bot --json --batch -``
process answering the questions of ``data/kb_questions.yaml`` (repeated to ``--questions``).
Both versions run in this interpreter's environment, with their own code first on the path.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

import yaml

from common import REPO, child_env, machine, run_child, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the earlier commit to compare with")
    parser.add_argument("--runs", type=int, default=9, help="cold one-shot runs per version (default 9)")
    parser.add_argument("--questions", type=int, default=200, help="questions in the batch run (default 200)")
    parser.add_argument("--question", default="what is a bias")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    data = yaml.safe_load((REPO / "data" / "kb_questions.yaml").read_text(encoding="utf-8"))
    pool = [item["question"] for item in data]
    batch = "\n".join((pool * (args.questions // max(len(pool), 1) + 1))[:args.questions]).encode() + b"\n"
    with tempfile.TemporaryDirectory(prefix="paramsbot-versions-") as temp:
        base = Path(temp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.base], cwd=REPO, check=True)
        try:
            trees = {f"base {args.base}": base, "this checkout": REPO}
            envs = {name: {**child_env(Path(temp) / f"cache-{i}"), "PYTHONPATH": str(tree)}
                    for i, (name, tree) in enumerate(trees.items())}
            for name, env in envs.items():
                for step in (["-m", "bot", "--rebuild"], ["-m", "bot", "--json", args.question]):
                    done = run_child(step, env, cwd=trees[name])
                    assert done.returncode == 0, f"{name}: {done.stderr[-500:]}"
            times: dict[str, list[float]] = {name: [] for name in trees}
            for _ in range(args.runs):
                for name, env in envs.items():
                    times[name].append(run_child(["-m", "bot", "--json", args.question], env, cwd=trees[name]).seconds)
            rates = {}
            for name, env in envs.items():
                done = run_child(["-m", "bot", "--json", "--batch", "-"], env, stdin=batch, cwd=trees[name])
                rates[name] = args.questions / done.seconds
            for name in trees:
                print(f"{name}: one-shot {summary(times[name])}; batch of {args.questions}: "
                      f"{rates[name]:.0f} q/s end to end")
            new, old = (statistics.median(times[n]) for n in ("this checkout", f"base {args.base}"))
            print(f"one-shot median, this / base: {new / old:.2f}; batch q/s, this / base: "
                  f"{rates['this checkout'] / rates[f'base {args.base}']:.2f}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False)


if __name__ == "__main__":
    main()
