"""``explain mcp``: paramsbot as a Model Context Protocol server, on the official ``mcp`` SDK.

Why it exists: editors, chat apps and agents reach local knowledge through MCP. This module only
translates: the tools and resources call bot.tools, and a ``ParamsbotError`` becomes an MCP tool
error carrying its one-line message. stdout is the protocol on stdio, so everything else (build
progress, warnings, the ready line) goes to stderr.

Over HTTP the server binds to loopback unless ``--allow-remote`` is given, and always checks the
Host and Origin headers (the specification's defence against DNS rebinding: a web page must not
be able to reach a local server through the user's browser).
"""

from __future__ import annotations

import ipaddress
import json
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import __version__
from bot.errors import InputError, ParamsbotError
from bot.tools import MAX_K, ModelChoice, Toolbox

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TOPICS_URI = "paramsbot://topics"
KB_URI = "paramsbot://kb/"
INSTRUCTIONS = (
    "paramsbot explains the parameters of large language models (weights, biases, training, counts, "
    "memory) from a local Markdown knowledge base. Use `answer` for a ready answer with sources, `search` "
    "for passages to quote (each with its file and lines), `read` to open a file, section or line range, "
    "and `count_parameters` / `estimate_memory` for exact figures with their working."
)

Precision = Literal["fp32", "fp16", "bf16", "int8", "int4"]
T = TypeVar("T")


class Dimensions(BaseModel):
    """A transformer's sizes, with Hugging Face config.json names (the rest take the model type's defaults)."""

    model_config = ConfigDict(extra="forbid")

    model_type: str = Field("llama", description="Hugging Face model_type: llama, mistral, qwen2, gpt2, bert ...")
    vocab_size: int = Field(description="Tokens in the vocabulary, e.g. 32000")
    hidden_size: int = Field(description="Width of the residual stream, e.g. 4096")
    num_hidden_layers: int = Field(description="Transformer blocks, e.g. 32")
    num_attention_heads: int = Field(description="Query heads per layer, e.g. 32")
    intermediate_size: int = Field(description="Width of the MLP's hidden layer, e.g. 11008")
    num_key_value_heads: int | None = Field(None, description="KV heads (grouped-query attention); default: one per query head")
    tie_word_embeddings: bool | None = Field(None, description="Output layer shares the embedding matrix")


@dataclass(frozen=True)
class Endpoint:
    """Where the HTTP server listens."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        """``PORT``, ``HOST:PORT`` or ``[IPv6]:PORT``; loopback when no host is given."""
        host, _, port = text.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise InputError(f"--http takes [HOST:]PORT with a port from 1 to 65535, got {text!r}")
        return cls(host, int(port))

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/mcp"

    def security(self) -> TransportSecuritySettings:
        """Host and Origin checks: loopback names always, and this host's own names when remote."""
        names = {*LOOPBACK, self.host}
        if not self.loopback:
            names |= {socket.gethostname(), socket.getfqdn()}
        hosts = {f"[{n}]" if ":" in n else n for n in names}
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=sorted({*hosts, *(f"{h}:*" for h in hosts)}),
            allowed_origins=sorted({f"{scheme}://{h}{port}" for h in hosts for scheme in ("http", "https")
                                    for port in ("", ":*")}),
        )


@dataclass(frozen=True)
class ServeOptions:
    """What ``explain mcp`` was asked for."""

    kb: Path | None = None
    cache_dir: Path | None = None
    http: str | None = None  # "[HOST:]PORT"; None: stdio
    allow_remote: bool = False


class ParamsbotServer(MCPServer):
    """The SDK's server, with argument errors told in one line ("k: Input should be ...")."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            cause = error.__cause__
            if not isinstance(cause, ValidationError):
                raise
            problems = "; ".join(f"{'.'.join(str(part) for part in e['loc']) or 'arguments'}: {e['msg']}"
                                 for e in cause.errors())
            raise ToolError(f"invalid arguments for {name}: {problems}") from cause


def tool_call(work: Callable[[], T]) -> T:
    """Run one operation; a ParamsbotError becomes the tool error the client sees, in one line."""
    try:
        return work()
    except ParamsbotError as error:
        raise ToolError(str(error)) from None


def build_server(toolbox: Toolbox) -> ParamsbotServer:
    """The MCP server: five tools, one resource per KB file and the list of topics."""
    server = ParamsbotServer("paramsbot", title="paramsbot", version=__version__, instructions=INSTRUCTIONS,
                       log_level="WARNING")
    local = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=local)
    def search(
        query: Annotated[str, Field(description="What to look for, in plain words")],
        k: Annotated[int, Field(ge=1, le=MAX_K, description="How many passages")] = 5,
        method: Annotated[Literal["dense", "bm25", "hybrid"] | None,
                          Field(description="Ranking; default: the calibrated one")] = None,
    ) -> list[dict[str, Any]]:
        """Passages of the knowledge base that best match the query, best first: id, title, heading path,
        KB path, 1-based line range (location "file.md#L12-L30"), score (max 1) and the Markdown text."""
        return tool_call(lambda: toolbox.search(query, k, method))

    @server.tool(annotations=local)
    def answer(question: Annotated[str, Field(description="A question about LLM parameters")]) -> dict[str, Any]:
        """paramsbot's answer, as `explain --json` prints it: kind (answer, calculation or no_answer), the
        Markdown answer, its sources with their lines, worked examples, related topics and any calculation."""
        return tool_call(lambda: toolbox.answer(question))

    @server.tool(annotations=local)
    def read(
        path: Annotated[str, Field(description="A KB file as search results name it, e.g. biases.md")],
        anchor: Annotated[str | None, Field(description="A section's heading slug (the part after # in an id)")] = None,
        lines: Annotated[str | None, Field(description='A line range such as "12-30" or "L12-L30"')] = None,
    ) -> dict[str, Any]:
        """A knowledge-base file: all of it, one section (anchor) or a line range, with its line numbers.
        Only files of the knowledge base can be read."""
        return tool_call(lambda: toolbox.read(path, anchor, lines))

    @server.tool(annotations=local)
    def count_parameters(
        preset: Annotated[str | None, Field(description="A named model, e.g. llama-2-7b, gpt2, mixtral-8x7b")] = None,
        config: Annotated[dict[str, Any] | None, Field(description="The contents of a Hugging Face config.json")] = None,
        config_path: Annotated[str | None, Field(description="A config.json on this machine (stdio only)")] = None,
        layers: Annotated[list[int] | str | None, Field(description='A dense network\'s layer widths, e.g. [784, 128, 10] or "784-128-10"')] = None,
        dimensions: Annotated[Dimensions | None, Field(description="A transformer's sizes")] = None,
        bias: Annotated[bool, Field(description="With layers: count biases too")] = True,
    ) -> dict[str, Any]:
        """Exact parameter count of one model (give exactly one of preset, config, config_path, layers or
        dimensions): total, active (mixture of experts), and each component with the formula behind it."""
        choice = ModelChoice(preset=preset, config=config, config_path=config_path, layers=layers, bias=bias,
                             dimensions=dimensions.model_dump(exclude_none=True) if dimensions else None)
        return tool_call(lambda: toolbox.count_parameters(choice))

    @server.tool(annotations=local)
    def estimate_memory(
        preset: Annotated[str | None, Field(description="A named model, e.g. llama-2-7b")] = None,
        config: Annotated[dict[str, Any] | None, Field(description="The contents of a Hugging Face config.json")] = None,
        config_path: Annotated[str | None, Field(description="A config.json on this machine (stdio only)")] = None,
        layers: Annotated[list[int] | str | None, Field(description="A dense network's layer widths")] = None,
        dimensions: Annotated[Dimensions | None, Field(description="A transformer's sizes")] = None,
        size: Annotated[str | None, Field(description='A bare parameter count, e.g. "7B" (no KV cache then)')] = None,
        precision: Annotated[Precision, Field(description="Precision of the weights and KV cache")] = "fp16",
        context: Annotated[int | None, Field(ge=1, description="Tokens per sequence for the KV cache (default 4096)")] = None,
        batch: Annotated[int, Field(ge=1, description="Sequences in the KV cache")] = 1,
    ) -> dict[str, Any]:
        """Memory of one model (give exactly one of preset, config, config_path, layers, dimensions or size):
        weights at every precision, the KV cache for context x batch with its formula, and training memory."""
        choice = ModelChoice(preset=preset, config=config, config_path=config_path, layers=layers, size=size,
                             dimensions=dimensions.model_dump(exclude_none=True) if dimensions else None)
        return tool_call(lambda: toolbox.estimate_memory(choice, precision, context, batch))

    server.add_resource(FunctionResource.from_function(
        lambda: json.dumps(toolbox.topics(), ensure_ascii=False), uri=TOPICS_URI, name="topics",
        title="Topics", description="Every article and worked example: path, title, summary, kind",
        mime_type="application/json"))
    for topic in toolbox.topics():
        server.add_resource(FunctionResource.from_function(
            _file_reader(toolbox, topic["path"]), uri=KB_URI + topic["path"], name=topic["path"],
            title=topic["title"], description=topic["summary"] or None, mime_type="text/markdown"))
    return server


def _file_reader(toolbox: Toolbox, path: str) -> Callable[[], str]:
    def read() -> str:
        try:
            return str(toolbox.read(path)["text"])
        except ParamsbotError as error:
            raise ResourceError(str(error)) from None

    return read


def serve(options: ServeOptions) -> int:
    """Open the index (building it if needed, progress on stderr), then serve until EOF or SIGTERM."""
    from bot.exits import EXIT_INPUT
    from bot.oneshot import echo, exit_code, fail, open_retriever

    try:
        endpoint = Endpoint.parse(options.http) if options.http is not None else None
        if endpoint is not None and not endpoint.loopback and not options.allow_remote:
            raise InputError(f"--http {options.http} would accept connections from other machines; "
                             "add --allow-remote if that is what you want")
        retriever = open_retriever(options.kb, options.cache_dir)
        toolbox = Toolbox(retriever, allow_files=endpoint is None)
        toolbox.search("parameters", k=1)  # load the model and the BM25 and heading caches now
    except ParamsbotError as error:
        return fail(str(error), exit_code(error))
    server = build_server(toolbox)
    signal.signal(signal.SIGTERM, _stop)
    where = "stdio" if endpoint is None else endpoint.url
    echo(f"paramsbot: MCP server ready on {where} ({len(retriever.passages)} passages from "
         f"{retriever.kb_root})", err=True)
    try:
        if endpoint is None:
            server.run("stdio")
        else:
            server.run("streamable-http", host=endpoint.host, port=endpoint.port,
                       transport_security=endpoint.security())
    except (KeyboardInterrupt, SystemExit):
        pass
    except OSError as error:  # the port is taken, or the address is not this machine's
        return fail(f"cannot listen on {options.http}: {error.strerror or error}", EXIT_INPUT)
    return 0


def _stop(signum: int, frame: object) -> None:
    """SIGTERM ends the server as Ctrl+C does: no traceback, exit status 0."""
    sys.stderr.flush()
    raise KeyboardInterrupt
