"""What paramsbot offers other programs: search, answer, read and the calculator, as JSON-able dicts.

Why it exists: the MCP server (bot.server) should only translate between the protocol and these
calls, so the behaviour lives here, free of the SDK. Every method raises ``ParamsbotError`` with a
one-line message for anything the caller got wrong; nothing else is expected to escape.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import InputError

if TYPE_CHECKING:
    from bot.calc.report import Report
    from bot.retriever import Retriever

#: The report fields each calculator tool returns (bot.calc.report.Report.to_dict has them all).
COUNT_FIELDS = ("kind", "name", "title", "family", "params_total", "params_active", "params_embedding",
                "params_non_embedding", "components", "breakdown", "layers", "spec", "source", "published",
                "unknown_fields", "ignored_fields", "defaults_used", "notes")
MEMORY_FIELDS = ("kind", "name", "title", "params_total", "params_active", "precision", "weights_bytes",
                 "memory_bytes", "kv_cache", "training_bytes", "training_bytes_note", "notes")
#: Most passages one search returns.
MAX_K = 50


@dataclass(frozen=True)
class ModelChoice:
    """The model a calculator call is about: exactly one of the fields before ``bias`` is given."""

    preset: str | None = None  # "llama-2-7b"
    config: dict[str, Any] | None = None  # a config.json's contents
    config_path: str | None = None  # a config.json (or its folder) on the server's machine
    layers: list[int] | str | None = None  # a dense network: [784, 128, 10] or "784-128-10"
    dimensions: dict[str, Any] | None = None  # Hugging Face names: hidden_size, num_hidden_layers ...
    size: str | float | None = None  # a bare parameter count: "7B", 7e9
    bias: bool = True  # with layers: count the biases too

    def given(self) -> list[str]:
        return [name for name in ("preset", "config", "config_path", "layers", "dimensions", "size")
                if getattr(self, name) is not None]


@dataclass
class Toolbox:
    """The operations, over one opened retriever. ``allow_files`` lets ``config_path`` name a file
    outside the KB: right on stdio (the client is the user's own program), wrong over a network."""

    retriever: Retriever
    allow_files: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def kb_files(self) -> list[str]:
        return sorted(self.retriever.documents)

    def search(self, query: str, k: int = 5, method: str | None = None) -> list[dict[str, Any]]:
        """The k best passages for query, with where each lies in its file."""
        if not 1 <= k <= MAX_K:
            raise InputError(f"k must be between 1 and {MAX_K}, got {k}")
        with self._lock:  # the retriever fills caches on first use; one caller at a time
            hits = self.retriever.search(query, k=k, method=method)  # type: ignore[arg-type]
        return [{
            "id": h.id, "title": h.title, "heading": h.heading, "heading_path": list(h.heading_path),
            "path": h.path, "line_start": h.line_start, "line_end": h.line_end, "location": h.location,
            "score": h.score, "kind": h.kind, "text": h.text,
        } for h in hits]

    def answer(self, question: str) -> dict[str, Any]:
        """The same object ``explain --json QUESTION`` prints."""
        from bot.answer import answer_question
        from bot.oneshot import SOURCES_SHOWN

        with self._lock:
            return answer_question(question, self.retriever, k=SOURCES_SHOWN).to_json()

    def read(self, path: str, anchor: str | None = None, lines: str | None = None) -> dict[str, Any]:
        """A KB file, one of its sections or a line range (see bot.excerpt)."""
        from bot.excerpt import excerpt

        return excerpt(self.retriever.kb_root, path, self.retriever.documents, anchor, lines).to_dict()

    def topics(self) -> list[dict[str, str]]:
        """Every KB file: path, title, summary and kind (article or worked example)."""
        return [{"path": d.path, "title": d.title, "summary": d.summary, "kind": d.kind}
                for d in (self.retriever.documents[p] for p in self.kb_files)]

    def count_parameters(self, model: ModelChoice, precision: str = "fp16") -> dict[str, Any]:
        """The exact count, component by component with its formula."""
        if model.size is not None:
            raise InputError("a bare size is already a count: give a preset, config, layers or dimensions")
        data = self.report(model, precision=precision).to_dict()
        return {key: data[key] for key in COUNT_FIELDS}

    def estimate_memory(self, model: ModelChoice, precision: str = "fp16", context: int | None = None,
                        batch: int = 1) -> dict[str, Any]:
        """Weights at every precision, the KV cache for context x batch, and training memory."""
        data = self.report(model, precision=precision, context=context, batch=batch).to_dict()
        return {key: data[key] for key in MEMORY_FIELDS}

    def report(self, model: ModelChoice, *, precision: str = "fp16", context: int | None = None,
               batch: int = 1) -> Report:
        """The calculator's report for the chosen model (bot.calc.report)."""
        from bot.calc import parse_count, parse_layers, report, report_for_size

        given = model.given()
        if len(given) != 1:
            raise InputError("give exactly one of preset, config, config_path, layers, dimensions or size"
                             + (f" (got {' and '.join(given)})" if given else ""))
        options: dict[str, Any] = {"precision": precision, "context": context, "batch": batch}
        if model.size is not None:
            size = parse_count(model.size) if isinstance(model.size, str) else model.size
            return report_for_size(size, precision=precision)
        if model.layers is not None:
            widths = parse_layers(model.layers) if isinstance(model.layers, str) else model.layers
            return report(list(widths), bias=model.bias, **options)
        if model.config_path is not None:
            if not self.allow_files:
                raise InputError("config_path is only read over stdio; send the config.json contents as config")
            return report(Path(model.config_path).expanduser(), **options)
        if model.dimensions is not None:
            return report({"model_type": "llama", **model.dimensions}, name="custom dimensions", **options)
        if model.config is not None:
            return report(model.config, **options)
        return report(str(model.preset), **options)
