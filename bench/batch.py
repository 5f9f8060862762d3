"""`explain --json --batch FILE` throughput on 200 questions, lean path against sentence-transformers.

    PYTHONPATH=. python bench/batch.py [--runs 3]

The 200 questions are the first of the eval questions in data/eval/*.yaml (then questions made
from templates, if there are fewer). The index is built first, and each path answers one question
(the first question after a build embeds the section headings), untimed. Each run is a new process
answering all 200; the two paths alternate. Printed per path: end-to-end questions/s (200 / wall time, start-up
included), and the steady rate once the first answer is out (199 / time from first to last line).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from common import PYTHON, REPO, child_env, compile_package, machine, run_child, summary

PATHS = {"lean (onnxruntime)": {}, "sentence-transformers": {"PARAMSBOT_ENCODER": "sentence-transformers"}}
TOPICS = ["a bias", "a weight", "a parameter", "a hyperparameter", "a context window", "a token", "the vocabulary",
          "a mixture of experts", "a scaling law", "fp16", "int4 quantisation", "a 7B model", "GPT-3",
          "training", "fine-tuning", "an embedding matrix", "an attention head", "a layer", "a neuron",
          "the learning rate", "gradient descent", "model size", "memory per parameter", "inference cost",
          "the KV cache", "a dense model", "a sparse model", "an activation", "precision", "compute"]
TEMPLATES = ["what is {}", "explain {}", "why does {} matter", "how big is {}", "{}?", "tell me about {}",
             "how does {} affect the parameter count"]


def questions(count: int = 200) -> list[str]:
    found: list[str] = []
    for file in sorted((REPO / "data" / "eval").glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for part in ("in_scope", "out_of_scope"):
            for item in data.get(part, []) if isinstance(data, dict) else []:
                text = item.get("q", item.get("question")) if isinstance(item, dict) else item
                if isinstance(text, str):
                    found.append(text)
    found += [t.format(topic) for t in TEMPLATES for topic in TOPICS]
    return list(dict.fromkeys(found))[:count]


def timed_batch(file: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, seconds from the first answer line to the last, lines) for one batch process."""
    started = time.perf_counter()
    process = subprocess.Popen([PYTHON, "-m", "bot", "--json", "--batch", str(file)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    assert process.stdout is not None
    stamps = []
    for line in process.stdout:
        json.loads(line)
        stamps.append(time.perf_counter())
    _, status, _ = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    assert os.waitstatus_to_exitcode(status) == 0
    return wall, stamps[-1] - stamps[0], len(stamps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compile_package()
    print(f"machine: {machine()}")
    batch = questions()
    assert len(batch) == 200, len(batch)
    with tempfile.TemporaryDirectory(prefix="paramsbot-bench-") as temp:
        cache = Path(temp) / "cache"
        file = Path(temp) / "questions.txt"
        file.write_text("\n".join(batch) + "\n", encoding="utf-8")
        assert run_child(["-m", "bot", "--rebuild"], child_env(cache)).returncode == 0
        for extra in PATHS.values():  # the first question after a build also embeds the headings once
            assert run_child(["-m", "bot", "--json", batch[0]], child_env(cache, **extra)).returncode == 0
        overall: dict[str, list[float]] = {name: [] for name in PATHS}
        steady: dict[str, list[float]] = {name: [] for name in PATHS}
        for _ in range(args.runs):
            for name, extra in PATHS.items():
                wall, answering, lines = timed_batch(file, child_env(cache, **extra))
                assert lines == len(batch)
                overall[name].append(lines / wall)
                steady[name].append((lines - 1) / answering)
    print(f"\n`explain --json --batch` on {len(batch)} questions, {args.runs} runs per path, alternating:")
    print(f"  {'path':<24}{'questions/s end to end':<28}questions/s after the first answer")
    for name in PATHS:
        print(f"  {name:<24}{summary(overall[name], 'q/s', 1):<28}{summary(steady[name], 'q/s', 1)}")
    lean, slow = PATHS
    print(f"  ratio of medians, end to end: {statistics.median(overall[lean]) / statistics.median(overall[slow]):.1f}x")


if __name__ == "__main__":
    main()
