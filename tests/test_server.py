"""`explain mcp`: the real server as a subprocess, spoken to with the MCP SDK's own client.

Over stdio and streamable HTTP: tools and resources listed, each tool called, bad arguments and
paths outside the KB refused as one-line tool errors, two HTTP clients at once, a client that
vanishes mid-call, Host/Origin checks, and a clean exit on EOF and on SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from conftest import MINI_KB, REPO, write_kb

pytestmark = pytest.mark.slow

TIMEOUT = 180  # seconds for any one server conversation, model load included
TOOLS = {"search", "answer", "read", "count_parameters", "estimate_memory"}


def server_env(cache: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PARAMSBOT_CACHE_DIR": str(cache),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def stdio(cache: Path, *args: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "bot", "mcp", *args],
                                 env=server_env(cache), cwd=str(REPO))


def text(result) -> str:  # type: ignore[no-untyped-def]
    return result.content[0].text


def structured(result):  # type: ignore[no-untyped-def]
    data = result.structured_content
    return data["result"] if set(data) == {"result"} else data


@pytest.fixture
def kb_with_link(tmp_path: Path) -> Path:
    """The mini KB plus a Markdown symlink that leads outside it."""
    root = write_kb(tmp_path / "kb", MINI_KB)
    (tmp_path / "secret.md").write_text("# Secret\n\nNot part of the knowledge base.\n", encoding="utf-8")
    (root / "leak.md").symlink_to(tmp_path / "secret.md")
    return root


async def test_stdio_tools_resources_and_errors(kb_with_link: Path, tmp_path: Path) -> None:
    with anyio.fail_after(TIMEOUT):
        async with Client(stdio(tmp_path / "cache", "--kb", str(kb_with_link))) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == TOOLS
            assert tools["search"].input_schema["properties"]["k"]["type"] == "integer"
            assert "query" in tools["search"].input_schema["required"]
            assert all(tool.description for tool in tools.values())

            hits = structured(await client.call_tool("search", {"query": "what is a bias", "k": 2}))
            assert len(hits) == 2
            best = hits[0]
            assert (best["id"], best["path"], best["location"]) == (
                "biases.md#what-is-a-bias", "biases.md", "biases.md#L11-L12")
            assert best["heading_path"] == ["Biases", "What is a bias?"] and best["text"].startswith("A bias is")

            answered = structured(await client.call_tool("answer", {"question": "what is a weight"}))
            assert set(answered) == {"question", "kind", "answer", "sources", "examples", "see_also", "calculation"}
            assert answered["kind"] == "answer" and answered["sources"][0]["location"].startswith("weights.md#L")
            cli = subprocess.run([sys.executable, "-m", "bot", "--kb", str(kb_with_link), "--json", "what is a weight"],
                                 cwd=REPO, env=server_env(tmp_path / "cache"), capture_output=True, timeout=TIMEOUT)
            assert answered == json.loads(cli.stdout), cli.stderr  # the same object as explain --json

            section = structured(await client.call_tool("read", {"path": "biases.md", "anchor": "why-does-a-neuron-need-a-bias"}))
            assert section["text"].startswith("Without a bias") and section["line_start"] == 16
            lines = structured(await client.call_tool("read", {"path": "biases.md", "lines": "L11-L12"}))
            assert lines["text"] == best["text"]

            counted = structured(await client.call_tool("count_parameters", {"layers": [2, 2, 1]}))
            assert counted["params_total"] == 9 and counted["layers"][0]["formula"].startswith("2 × 2 = 4 weights")
            memory = structured(await client.call_tool("estimate_memory", {"preset": "llama-2-7b", "precision": "int4",
                                                                           "context": 8192}))
            assert memory["kv_cache"]["bytes"] == 2 * 32 * 32 * 128 * 8192 // 2 and memory["precision"] == "int4"

            for name, arguments, expected in [
                ("read", {"path": "../secret.md"}, "not a file of the knowledge base"),
                ("read", {"path": "/etc/passwd"}, "not a file of the knowledge base"),
                ("read", {"path": "leak.md"}, "not a file of the knowledge base"),  # the index skipped the link
                ("read", {"path": "biases.md", "anchor": "nope"}, "has no section 'nope'"),
                ("search", {"query": "bias", "k": "many"}, "k: Input should be a valid integer"),
                ("search", {"query": "   "}, "the question is empty"),
                ("search", {"query": "bias", "method": "magic"}, "method"),
                ("count_parameters", {}, "give exactly one of"),
                ("count_parameters", {"preset": "gpt-9"}, "unknown preset 'gpt-9'"),
                ("estimate_memory", {"preset": "gpt2", "precision": "fp12"}, "precision"),
            ]:
                result = await client.call_tool(name, arguments)
                assert result.is_error, (name, arguments)
                message = text(result)
                assert expected in message and "\n" not in message and "Traceback" not in message, message

            resources = {str(r.uri): r for r in (await client.list_resources()).resources}
            assert {"paramsbot://topics", "paramsbot://kb/biases.md", "paramsbot://kb/examples/two-inputs.md"} <= set(resources)
            topics = json.loads((await client.read_resource("paramsbot://topics")).contents[0].text)
            assert {"path": "weights.md", "title": "Weights", "summary": "A weight scales one input of a neuron.",
                    "kind": "article"} in topics
            page = (await client.read_resource("paramsbot://kb/biases.md")).contents[0].text
            assert page == (kb_with_link / "biases.md").read_text(encoding="utf-8").rstrip("\n")


async def test_calculator_reads_config_files_over_stdio_only(kb_index_cache: Path, tmp_path: Path) -> None:
    config = {"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "num_hidden_layers": 32,
              "num_attention_heads": 32, "intermediate_size": 11008}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with anyio.fail_after(TIMEOUT):
        async with Client(stdio(kb_index_cache)) as client:
            totals = set()
            for arguments in ({"preset": "llama-2-7b"}, {"config": config}, {"config_path": str(path)},
                              {"dimensions": {k: v for k, v in config.items() if k != "model_type"}}):
                result = await client.call_tool("count_parameters", arguments)
                assert not result.is_error, text(result)
                totals.add(structured(result)["params_total"])
            assert totals == {6_738_415_616}
            size = structured(await client.call_tool("estimate_memory", {"size": "7B", "precision": "fp16"}))
            assert size["weights_bytes"] == 14_000_000_000 and size["kv_cache"] is None


# --- HTTP --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def http_server(kb_index_cache: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """`explain mcp --http PORT` on the built default KB: its URL, process and stderr file."""
    port = free_port()
    log = tmp_path / "stderr.txt"
    with log.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "bot", "mcp", "--http", str(port)], cwd=REPO,
                                   env=server_env(kb_index_cache), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=err)
    try:
        deadline = time.monotonic() + TIMEOUT
        while b"ready on" not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", process, log
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()


async def test_http_serves_two_clients_at_once_and_survives_one_vanishing(http_server) -> None:  # type: ignore[no-untyped-def]
    url, process, log = http_server
    results: dict[str, list[str]] = {}

    async def ask(query: str, expected_path: str) -> None:
        async with Client(url) as client:
            for _ in range(5):
                hits = structured(await client.call_tool("search", {"query": query, "k": 1}))
                results.setdefault(query, []).append(hits[0]["path"])
                assert hits[0]["path"] == expected_path

    async def vanish() -> None:
        async with Client(url) as client:
            with anyio.move_on_after(0.05):  # gives up while the server is still answering
                await client.call_tool("answer", {"question": "how many parameters does llama 2 70b have"})

    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as group:
            group.start_soon(ask, "what is a bias", "biases.md")
            group.start_soon(ask, "what is a weight", "weights.md")
            group.start_soon(vanish)
        assert {query: len(paths) for query, paths in results.items()} == {"what is a bias": 5, "what is a weight": 5}
        async with Client(url) as client:  # still serving after the client that left mid-call
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert tools == TOOLS
            result = await client.call_tool("count_parameters", {"config_path": "/etc/hostname"})
            assert result.is_error and "only read over stdio" in text(result)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert process.stdout is not None and process.stdout.read() == b""
    assert "Traceback" not in log.read_text()


def test_http_refuses_foreign_origins_and_hosts(http_server) -> None:  # type: ignore[no-untyped-def]
    import httpx2 as httpx  # the HTTP client the mcp SDK itself uses

    url, process, _ = http_server
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(timeout=30) as http:
        assert http.post(url, json=ping, headers={**headers, "Origin": "http://evil.example"}).status_code == 403
        assert http.post(url, json=ping, headers={**headers, "Host": "evil.example"}).status_code == 421
        allowed = http.post(url, json=ping, headers={**headers, "Origin": url.rsplit("/", 1)[0]})
        assert allowed.status_code not in (403, 421)


def test_http_binds_elsewhere_only_when_allowed(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "mcp", "--http", "0.0.0.0:8000"], cwd=REPO,
                          env=server_env(tmp_path), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and "--allow-remote" in done.stderr and done.stdout == ""
    done = subprocess.run([sys.executable, "-m", "bot", "mcp", "--http", "port"], cwd=REPO,
                          env=server_env(tmp_path), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and "[HOST:]PORT" in done.stderr


# --- lifecycle ---------------------------------------------------------------------------------

def start_stdio(cache: Path, kb: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen([sys.executable, "-m", "bot", "mcp", "--kb", str(kb)], cwd=REPO,
                                env=server_env(cache), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)


def wait_ready(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while b"ready on stdio" not in log.read_bytes():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)


def test_stdio_builds_with_progress_on_stderr_and_exits_on_eof_and_sigterm(mini_kb: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = start_stdio(cache, mini_kb, tmp_path / "first.txt")
    wait_ready(first, tmp_path / "first.txt")
    stdout, _ = first.communicate(timeout=60)  # closes stdin: EOF, the client is gone
    assert first.returncode == 0 and stdout == b""  # progress and the ready line went to stderr only
    assert "building the index" in (tmp_path / "first.txt").read_text()

    second = start_stdio(cache, mini_kb, tmp_path / "second.txt")
    wait_ready(second, tmp_path / "second.txt")
    second.send_signal(signal.SIGTERM)
    stdout, _ = second.communicate(timeout=60)
    assert second.returncode == 0 and stdout == b""
    log = (tmp_path / "second.txt").read_text()
    assert "Traceback" not in log and "building the index" not in log  # opened, not rebuilt


@pytest.mark.parametrize(("text", "host", "port", "loopback"), [
    ("8000", "127.0.0.1", 8000, True), ("localhost:1", "localhost", 1, True), ("[::1]:9000", "::1", 9000, True),
    ("0.0.0.0:8000", "0.0.0.0", 8000, False), ("example.org:443", "example.org", 443, False),
])
def test_endpoints_are_parsed(text: str, host: str, port: int, loopback: bool) -> None:
    from bot.server import Endpoint

    endpoint = Endpoint.parse(text)
    assert (endpoint.host, endpoint.port, endpoint.loopback) == (host, port, loopback)


@pytest.mark.parametrize("text", ["", "host:", "x:70000", "x:0", "x:-1", "8000x"])
def test_bad_endpoints_are_input_errors(text: str) -> None:
    from bot.errors import InputError
    from bot.server import Endpoint

    with pytest.raises(InputError, match=r"\[HOST:\]PORT"):
        Endpoint.parse(text)


def test_a_remote_server_still_checks_origins() -> None:
    from mcp.server.transport_security import TransportSecurityMiddleware

    from bot.server import Endpoint

    checks = TransportSecurityMiddleware(Endpoint("0.0.0.0", 8000).security())
    name = socket.gethostname()
    assert checks.settings.enable_dns_rebinding_protection
    assert checks._validate_host(f"{name}:8000") and checks._validate_host("127.0.0.1:8000")
    assert not checks._validate_host("evil.example:8000")
    assert checks._validate_origin(f"http://{name}:8000") and checks._validate_origin("http://localhost:3000")
    assert not checks._validate_origin("http://evil.example") and not checks._validate_origin(f"http://{name}.evil.example")


def test_the_sdk_loads_only_once_serving_starts() -> None:
    """bot.cli imports bot.server before serve() runs, so the SDK (bot.protocol) must not come
    with it: serve() imports it with the garbage collector paused (~0.1 s of a ~1 s start)."""
    probe = "import bot.server, sys; print(sorted(m for m in ('mcp', 'mcp_types', 'pydantic', 'bot.protocol') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
