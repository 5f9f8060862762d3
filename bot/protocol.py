"""The MCP server object: paramsbot's tools and resources declared on the official ``mcp`` SDK.

Why it exists: this is the only module that imports the SDK (~0.5 s of imports, most of it its
pydantic protocol types), so ``explain mcp`` (bot.server) can load it while the index opens on
another thread. It only translates: the tools and resources call bot.tools, and a
``ParamsbotError`` becomes an MCP tool error carrying its one-line message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import __version__
from bot.errors import ParamsbotError
from bot.tools import MAX_K, ModelChoice, Toolbox

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

    # FunctionResource itself, not from_function: that wraps each reader in pydantic's validate_call,
    # ~0.3 ms apiece for functions that take no arguments (one per KB file, at every start).
    server.add_resource(FunctionResource(
        fn=lambda: json.dumps(toolbox.topics(), ensure_ascii=False), uri=TOPICS_URI, name="topics",
        title="Topics", description="Every article and worked example: path, title, summary, kind",
        mime_type="application/json"))
    for topic in toolbox.topics():
        server.add_resource(FunctionResource(
            fn=_file_reader(toolbox, topic["path"]), uri=KB_URI + topic["path"], name=topic["path"],
            title=topic["title"], description=topic["summary"], mime_type="text/markdown"))
    return server


def _file_reader(toolbox: Toolbox, path: str) -> Callable[[], str]:
    def read() -> str:
        try:
            return str(toolbox.read(path)["text"])
        except ParamsbotError as error:
            raise ResourceError(str(error)) from None

    return read
