"""Cold `explain calc --config FILE --json` on real config.json files: exact? how fast, each path?

For every file in tests/fixtures/hf_configs (or --configs FOLDER), one cold process takes the path
the command chooses (a closed form, else transformers on the meta device), and one is forced onto
the meta device (--transformers), the oracle. Prints per file: total and active, whether they agree,
and both times. Targets (issue 14): every file exact; closed form <= 0.5 s, general path <= 10 s.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import REPO, check, child_env, compile_package, machine, run_child, summary

ENTRY = ["-c", "from bot.command import entry; entry()"]


def measure(path: Path, *extra: str) -> tuple[dict, float]:
    run = run_child([*ENTRY, "calc", "--config", str(path), "--json", *extra],
                    child_env(TRANSFORMERS_OFFLINE="1"))
    if run.returncode:
        raise SystemExit(f"{path.name}: exit {run.returncode}: {run.stderr.strip()}")
    return json.loads(run.stdout), run.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=Path, default=REPO / "tests" / "fixtures" / "hf_configs")
    args = parser.parse_args()
    compile_package()
    print(machine())
    fast_times, meta_times, exact = [], [], 0
    files = sorted(p for p in args.configs.glob("*.json") if p.name != "SOURCES.json")
    for path in files:
        chosen, seconds = measure(path)
        truth, meta_seconds = measure(path, "--transformers")
        same = (chosen["params_total"], chosen["params_active"]) == (truth["params_total"], truth["params_active"])
        exact += same
        closed = not any("meta device" in note for note in chosen["notes"])
        (fast_times if closed else meta_times).append(seconds)
        meta_times.append(meta_seconds)
        print(f"{path.name:<24} {chosen['params_total']:>16,} {chosen['params_active']:>16,}  "
              f"{'exact' if same else 'DIFFERS'}  {'closed form' if closed else 'transformers'} {seconds:.2f} s, "
              f"transformers {meta_seconds:.2f} s")
    print(f"exact: {exact}/{len(files)}")
    if fast_times:
        print(f"closed form, cold: {summary(fast_times)}")
    print(f"transformers on the meta device, cold: {summary(meta_times)}")
    print(check("every file exact", exact == len(files)))
    print(check("closed form <= 0.5 s", not fast_times or max(fast_times) <= 0.5))
    print(check("general path <= 10 s", max(meta_times) <= 10))


if __name__ == "__main__":
    main()
