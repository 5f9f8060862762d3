"""`explain mcp` over stdio: server start to first answered call, and `search` latency.

    PYTHONPATH=. python bench/mcp_server.py [--runs 5] [--calls 200]

The index of kb/ is built first, untimed. Each run starts a new server process through the MCP
SDK's own client and times from launching it to the first `search` result (process start, imports,
opening the index, the MCP handshake, one call). The last run then makes --calls `search` calls
(k=5, the eval questions) one after another, each timed from request to result at the client.
Targets: start to first answer <= 1.5 s, median `search` <= 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import anyio
from batch import questions
from common import PYTHON, REPO, check, child_env, compile_package, machine, summary
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client


async def session(cache: Path, queries: list[str]) -> tuple[float, list[float]]:
    """(seconds from launch to the first search result, per-call seconds of the searches after it)."""
    params = StdioServerParameters(command=PYTHON, args=["-m", "bot", "mcp"], env=child_env(cache), cwd=str(REPO))
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
    return startup, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="server starts to time")
    parser.add_argument("--calls", type=int, default=200, help="search calls timed in the last run")
    options = parser.parse_args()
    print(machine())
    compile_package()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        for args in (["--rebuild"], ["--json", "what is a bias"]):  # build, then embed the headings
            subprocess.run([PYTHON, "-m", "bot", *args], env=child_env(cache), cwd=REPO, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
        starts: list[float] = []
        latencies: list[float] = []
        for run in range(options.runs):
            last = run == options.runs - 1
            startup, timed = anyio.run(session, cache, questions(options.calls) if last else [])
            starts.append(startup)
            latencies = timed or latencies
    ms = [s * 1000 for s in latencies]
    print(f"start to first answered search ({options.runs} runs): {summary(starts)}")
    print(f"search over {len(ms)} calls: median {statistics.median(ms):.1f} ms, "
          f"p95 {statistics.quantiles(ms, n=20)[-1]:.1f} ms ({min(ms):.1f}–{max(ms):.1f})")
    print(check("start <= 1.5 s (median)", statistics.median(starts) <= 1.5))
    print(check("search median <= 50 ms", statistics.median(ms) <= 50))


if __name__ == "__main__":
    main()
