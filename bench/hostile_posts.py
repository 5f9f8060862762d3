"""The worst cases of reading a post: 20,000 characters (the limit) of one repeated character or pair.

A post is read by regular expressions before anything is searched, and a pattern that backtracks
turns a long run of one character ("[" * 20,000, "`" * 20,000, 20,000 spaces) into seconds of CPU.
This script times ``read_post``, the calculator's ``route`` and its reader of pasted code and summaries
(``route_code``) on each such post and prints the slowest; the target is under 0.25 s for the worst (a normal question reads in about a millisecond).
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import check, machine

UNITS = list("[](){}<>`*_#|-.:!?@\"'~=+/\\,;%$&^ \t") + [
    " .", "a ", "1 ", "1.", "a,", "](", "**", "__", "``", "<a", "# ", "> ", "- ", "[x", "7b ", "gb ", "x ",
    "?\n", "\n", "a\n\n", "中", "。", "？", "\u3000", "- [ ] a\n", "@a ", "1%|", "### a | ", "hi all, ",
    "torch 2.2 ", "quick question: ", "3 x ", "conv2d(1, ", "Dense(", "nn.Linear(8, ", "a (Dense) (None, 1) 1\n",
    "│ a (Conv2D) │ (", "Param # ",
]
LIMIT = 20_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timings per post; the median is kept (default 3)")
    args = parser.parse_args()
    print(machine())
    from bot.calc.chat import route, route_code
    from bot.errors import InputError
    from bot.reading import read_post

    timings = []
    for unit in UNITS:
        post = (unit * (LIMIT // len(unit) + 1))[:LIMIT]
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            try:
                read_post(post)
            except InputError:
                pass  # a post of spaces is empty: refused, which is fine
            route(post)
            route_code(post, "how many parameters?")
            runs.append(time.perf_counter() - started)
        timings.append((statistics.median(runs), unit))
    timings.sort(reverse=True)
    for seconds, unit in timings[:5]:
        print(f"{seconds:.3f} s  {unit!r} x {LIMIT // len(unit):,}")
    print(f"median over {len(UNITS)} posts: {statistics.median(t for t, _ in timings):.3f} s")
    print(check("worst post read in under 0.25 s", timings[0][0] < 0.25))


if __name__ == "__main__":
    main()
