"""Where a lean one-shot answer spends its time: import time by package, then the steps.

    PYTHONPATH=. python bench/lean_profile.py [--runs 5] [--question "what is a bias"]

With the index of paramsbot's KB built in a temporary cache:

1. ``python -X importtime -m bot --json QUESTION`` --runs times; each module's own import time
   (its "self" column) is added to its top-level package, and the median per package printed.
2. The steps of the same answer timed inside one process (``time.perf_counter``): start-up
   of an empty interpreter, importing the console entry (bot.command, which answers the plain
   one-shot form without Typer), opening the index, loading the ONNX model (import onnxruntime,
   checksum, session), and answering (embedding, search, composing); what the whole command
   takes beyond them (recognising the command line, printing, exit) by difference.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from common import child_env, compile_package, machine, run_child, summary

STEPS = """
import json, sys, time
t0 = time.perf_counter()
import bot.command
t1 = time.perf_counter()
from bot.answer import answer_question
from bot.retriever import Retriever
retriever = Retriever.from_kb()
t2 = time.perf_counter()
from bot.encoder import _onnx_session
_onnx_session(retriever.encoder.onnx)
t3 = time.perf_counter()
answer_question(sys.argv[1], retriever).dumps()
t4 = time.perf_counter()
print(json.dumps({"import the console entry (bot.command; no typer)": t1 - t0,
                  "open the index (manifest, checksums, faiss + mmap)": t2 - t1,
                  "load the ONNX model (onnxruntime, checksum, session)": t3 - t2,
                  "answer (tokenize, embed, search, compose)": t4 - t3}))
"""

LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)\s*$", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--question", default="what is a bias")
    args = parser.parse_args()
    compile_package()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="paramsbot-bench-") as temp:
        env = child_env(Path(temp))
        assert run_child(["-m", "bot", "--rebuild"], env).returncode == 0
        assert run_child(["-m", "bot", "--json", args.question], env).returncode == 0  # embeds the headings once
        by_package: dict[str, list[float]] = defaultdict(list)
        totals, walls = [], []
        for _ in range(args.runs):
            run = run_child(["-X", "importtime", "-m", "bot", "--json", args.question], env)
            assert run.returncode == 0, run.stderr[-500:]
            walls.append(run.seconds)
            sums: dict[str, float] = defaultdict(float)
            for own, _, _, module in LINE.findall(run.stderr):
                sums[module.split(".")[0]] += int(own) / 1e6
            for package, seconds in sums.items():
                by_package[package].append(seconds)
            totals.append(sum(sums.values()))
        steps: dict[str, list[float]] = defaultdict(list)
        empty, whole = [], []
        for _ in range(args.runs):
            empty.append(run_child(["-c", "pass"], env).seconds)
            whole.append(run_child(["-m", "bot", "--json", args.question], env).seconds)
            run = run_child(["-c", STEPS, args.question], env)
            assert run.returncode == 0, run.stderr[-500:]
            for step, seconds in json.loads(run.stdout).items():
                steps[step].append(seconds)
    print(f'\n`python -X importtime -m bot --json "{args.question}"`, {args.runs} runs '
          f"(wall with the import log: {summary(walls)}):")
    print(f"  all imports: {summary(totals)}; by package (own import time of its modules), median:")
    ranked = sorted(by_package.items(), key=lambda item: -statistics.median(item[1]))
    for package, values in ranked[:14]:
        print(f"    {package:<22}{statistics.median(values) * 1000:7.1f} ms")
    rest = sum(statistics.median(v) for _, v in ranked[14:])
    print(f"    {'(everything else)':<22}{rest * 1000:7.1f} ms")
    print(f"\nsteps of one answer in one process, {args.runs} runs, median (min–max):")
    print(f"  {'start an empty interpreter (python -c pass)':<60}{summary(empty, 's', 3)}")
    for step, values in steps.items():
        print(f"  {step:<60}{summary(values, 's', 3)}")
    rest = statistics.median(whole) - statistics.median(empty) - sum(statistics.median(v) for v in steps.values())
    print(f"  {'the rest: reading the command line, printing, exit':<60}{rest:.3f} s (by difference)")
    print(f"  {'the whole `python -m bot --json QUESTION`':<60}{summary(whole, 's', 3)}")


if __name__ == "__main__":
    main()
