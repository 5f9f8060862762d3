"""`explain mcp` over stdio: server start to first answered call, and `search` latency.

    PYTHONPATH=. python bench/mcp_server.py [--runs 5] [--calls 200] [--base COMMIT]

The index of kb/ is built first, untimed. Each run starts a new server process through the MCP
SDK's own client and times from launching it to the first `search` result (process start, imports,
opening the index, the MCP handshake, one call), and the CPU time (user + system, all threads) the
server used, start to exit: unlike wall time, that barely moves with the load of a shared machine.
One more session then makes --calls `search` calls (k=5, the eval questions) one after another,
each timed from request to result at the client.
Targets: start to first answer <= 1.5 s, median `search` <= 50 ms.

With --base, that earlier commit is checked out into a temporary git worktree with its own cache
and its server starts alternate with this checkout's, so both see the same load (as in
bench/versions.py): start-up figures on this shared machine only compare side by side.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import anyio
from batch import questions
from common import PYTHON, REPO, check, child_env, compile_package, machine, summary
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client


async def session(tree: Path, cache: Path, queries: list[str]) -> tuple[float, list[float], float]:
    """(seconds from launch to the first search result, per-call seconds of the searches after it,
    CPU seconds the server used in all)."""
    before = _children_cpu()
    params = StdioServerParameters(command=PYTHON, args=["-m", "bot", "mcp"], env=env(tree, cache), cwd=str(tree))
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errlog:  # the server's stderr: its ready line, nothing else
        async with Client(stdio_client(params, errlog=errlog)) as client:
            first = await client.call_tool("search", {"query": "what is a bias", "k": 5})
            startup = time.perf_counter() - started
            assert not first.is_error, first.content
            latencies = []
            for query in queries:
                began = time.perf_counter()
                result = await client.call_tool("search", {"query": query, "k": 5})
                latencies.append(time.perf_counter() - began)
                assert not result.is_error, result.content
    return startup, latencies, _children_cpu() - before  # the client has reaped the server by now


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def env(tree: Path, cache: Path) -> dict[str, str]:
    """A server's environment: its own checkout first on the path, offline, its own cache."""
    return {**child_env(cache), "PYTHONPATH": str(tree)}


def worktree(stack: ExitStack, folder: Path, commit: str) -> Path:
    """``commit`` checked out in a temporary git worktree, removed when ``stack`` closes."""
    tree = folder / "base"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), commit], cwd=REPO, check=True)
    stack.callback(subprocess.run, ["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(tree / "bot")], check=True, stdout=subprocess.DEVNULL)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="server starts to time (per version)")
    parser.add_argument("--calls", type=int, default=200, help="search calls timed in one more session")
    parser.add_argument("--base", help="an earlier commit whose server starts alternate with this checkout's")
    options = parser.parse_args()
    print(machine())
    compile_package()
    with tempfile.TemporaryDirectory() as temp, ExitStack() as stack:
        folder = Path(temp)
        trees = {"this checkout": REPO}
        if options.base:
            trees = {f"base {options.base}": worktree(stack, folder, options.base), **trees}
        caches = {name: folder / f"cache-{i}" for i, name in enumerate(trees)}
        for name, tree in trees.items():
            for args in (["--rebuild"], ["--json", "what is a bias"]):  # build, then embed the headings
                subprocess.run([PYTHON, "-m", "bot", *args], env=env(tree, caches[name]), cwd=tree, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
        for name, tree in trees.items():  # untimed: the client's own first-call imports, a warm disk cache
            anyio.run(session, tree, caches[name], [])
        starts: dict[str, list[float]] = {name: [] for name in trees}
        cpu: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(options.runs):
            for name, tree in trees.items():
                startup, _, seconds = anyio.run(session, tree, caches[name], [])
                starts[name].append(startup)
                cpu[name].append(seconds)
        _, latencies, _ = anyio.run(session, REPO, caches["this checkout"], questions(options.calls))
    ms = [s * 1000 for s in latencies]
    for name in trees:
        print(f"start to first answered search, {name} ({options.runs} runs): {summary(starts[name])}; "
              f"server CPU {summary(cpu[name])}")
    if options.base:
        base = f"base {options.base}"
        print(f"medians, this / base: start {statistics.median(starts['this checkout']) / statistics.median(starts[base]):.2f}, "
              f"CPU {statistics.median(cpu['this checkout']) / statistics.median(cpu[base]):.2f}")
    print(f"search over {len(ms)} calls: median {statistics.median(ms):.1f} ms, "
          f"p95 {statistics.quantiles(ms, n=20)[-1]:.1f} ms ({min(ms):.1f}–{max(ms):.1f})")
    print(check("start <= 1.5 s (median)", statistics.median(starts["this checkout"]) <= 1.5))
    print(check("search median <= 50 ms", statistics.median(ms) <= 50))


if __name__ == "__main__":
    main()
