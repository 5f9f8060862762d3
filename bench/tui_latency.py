"""How fast the app feels: launch to a ready input, launch to a loaded model, Enter to an answer.

Runs the real `explain` (``python -m bot``) in a detached tmux session, several times, and reads
the screen with ``tmux capture-pane``. The index is built first, so this measures a user's usual
start (index on disk, model not yet in memory). Prints the median of each figure.

    python bench/tui_latency.py [--runs 5] [--question "what is a bias"]

Needs tmux. Uses its own cache folder (or $PARAMSBOT_CACHE_DIR) and config folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROMPT_TEXT = "Ask about LLM parameters"  # the input's placeholder: drawn in the first frame
READY_TEXT = "● ready"  # the status line once the model is loaded
ANSWER_TEXT = "▌ "  # the bar left of every answer (the answer is shown from its top)


def capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_for(session: str, text: str, timeout: float, start: float) -> float:
    """Seconds from ``start`` until ``text`` is on the screen (polling every 10 ms)."""
    while time.perf_counter() - start < timeout:
        if text in capture(session):
            return time.perf_counter() - start
        time.sleep(0.01)
    raise TimeoutError(f"{text!r} did not appear within {timeout:.0f} s:\n{capture(session)}")


def one_run(env: dict[str, str], question: str, n: int) -> tuple[float, float, float]:
    session = f"paramsbot-bench-{os.getpid()}-{n}"
    command = f"cd {REPO} && exec env -u COLUMNS -u LINES {sys.executable} -m bot"  # the pane's size wins
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-e",
                    f"PYTHONPATH={env['PYTHONPATH']}", "-e", f"PARAMSBOT_CACHE_DIR={env['PARAMSBOT_CACHE_DIR']}",
                    "-e", f"PARAMSBOT_CONFIG_DIR={env['PARAMSBOT_CONFIG_DIR']}", command], check=True)
    try:
        input_ready = wait_for(session, PROMPT_TEXT, 30, start)
        model_ready = wait_for(session, READY_TEXT, 180, start)
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", question], check=True)
        time.sleep(0.2)
        asked = time.perf_counter()
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        answered = wait_for(session, ANSWER_TEXT, 60, asked)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        time.sleep(0.5)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return input_ready, model_ready, answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--question", default="what is a bias")
    args = parser.parse_args()
    if not shutil.which("tmux"):
        sys.exit("tui_latency: tmux is needed")
    work = Path(tempfile.mkdtemp(prefix="paramsbot-bench-"))
    env = {
        "PYTHONPATH": str(REPO),
        "PARAMSBOT_CACHE_DIR": os.environ.get("PARAMSBOT_CACHE_DIR", str(work / "cache")),
        "PARAMSBOT_CONFIG_DIR": str(work / "config"),
    }
    print("building the index (once)...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "bot", args.question], cwd=REPO, env={**os.environ, **env},
                   capture_output=True, check=False)
    results = []
    for n in range(args.runs):
        results.append(one_run(env, args.question, n))
        print(f"run {n + 1}: input {results[-1][0]:.3f} s, model {results[-1][1]:.2f} s, "
              f"answer {results[-1][2]:.3f} s", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    names = ("launch -> input ready", "launch -> model loaded", "Enter -> answer on screen")
    for i, name in enumerate(names):
        print(f"{name:28s} median {statistics.median(r[i] for r in results):.3f} s "
              f"(min {min(r[i] for r in results):.3f}, max {max(r[i] for r in results):.3f}, runs {len(results)})")


if __name__ == "__main__":
    main()
