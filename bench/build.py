"""Index builds of paramsbot's KB: first build, full rebuild, no-op, one file changed.

    PYTHONPATH=. python bench/build.py [--runs 3]

A copy of kb/ in a temporary folder is indexed in a fresh cache. Each figure is a new process
opening the index through the library (``Retriever.from_kb``, no question asked), timed from
process start to exit:

- first build: empty cache, so sentence-transformers (torch) embeds everything and the model is
  exported to ONNX and verified (once per model and cache; run once);
- full rebuild (``rebuild=True``): every passage embedded again, by the stored ONNX export;
- no-op: nothing changed, nothing embedded, no model loaded;
- one file changed: one sentence appended to one article; only its changed passages embedded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import REPO, child_env, compile_package, machine, run_child, summary

CHILD = """
import json, sys
from bot.retriever import Retriever
r = Retriever.from_kb(sys.argv[1], rebuild=sys.argv[2] == "rebuild")
build = r._loaded.manifest.get("build") if r.rebuilt else None
print(json.dumps({"rebuilt": r.rebuilt, "passages": len(r.passages), "build": build}))
"""


def open_kb(kb: Path, cache: Path, mode: str = "open") -> tuple[float, dict]:
    run = run_child(["-c", CHILD, str(kb), mode], child_env(cache))
    assert run.returncode == 0, run.stderr
    return run.seconds, json.loads(run.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compile_package()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="paramsbot-bench-") as temp:
        kb = Path(temp) / "kb"
        shutil.copytree(REPO / "kb", kb)
        cache = Path(temp) / "cache"
        first, info = open_kb(kb, cache)
        assert info["rebuilt"] and info["build"]["encoder"] == "SentenceTransformerEncoder"
        passages = info["passages"]
        figures: dict[str, list[float]] = {"full rebuild": [], "no-op": [], "one file changed": []}
        embedded: dict[str, set[int]] = {name: set() for name in figures}
        article = sorted(kb.glob("*.md"))[0]
        for run in range(args.runs):
            for name in figures:
                if name == "one file changed":
                    with article.open("a", encoding="utf-8") as out:
                        out.write(f"\nOne more sentence, edit number {run}.\n")
                seconds, info = open_kb(kb, cache, "rebuild" if name == "full rebuild" else "open")
                assert info["rebuilt"] == (name != "no-op")
                figures[name].append(seconds)
                embedded[name].add(info["build"]["embedded"] if info["build"] else 0)
    print(f"\nindex builds of kb/ ({passages} passages), new process each, {args.runs} runs each:")
    print(f"  {'first build (torch + ONNX export)':<36}{first:.2f} s (1 run)")
    for name, values in figures.items():
        print(f"  {name:<36}{summary(values):<24}passages embedded: {'/'.join(map(str, sorted(embedded[name])))}")


if __name__ == "__main__":
    main()
