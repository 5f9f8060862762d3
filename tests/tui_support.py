"""Helpers for the TUI tests: a small fixed knowledge base, a word-overlap retriever over it (for
widget tests and snapshots; tests/test_tui_real.py and the tmux test use the real model), and
waiting on a running app without sleeping a fixed time."""

from __future__ import annotations

import io
import re
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from bot.corpus import Passage, chunk_document, read_documents
from bot.ranking import MethodSettings, RetrievalSettings
from bot.retriever import DocumentInfo, Hit, section_id

TUI_KB = {
    "biases.md": """
        ---
        title: Biases
        summary: A bias is a learned number added to a neuron's weighted sum.
        aliases: [bias, biases, offset]
        related: [weights.md, parameters.md]
        examples: [examples/two-inputs.md]
        ---

        Biases are the second kind of parameter, next to [weights](weights.md).

        ## What is a bias?

        A bias is a learned number added to a neuron's weighted sum, so the output can move away
        from zero even when every input is zero. See the [worked example](examples/two-inputs.md).

        ## Why do we need biases?

        Without a bias, the line a neuron draws must pass through the origin; the bias lets it
        cross the y-axis anywhere.

        ## How are biases counted?

        One bias per neuron: a layer of 128 neurons has 128 biases.

        ## Do LLMs have biases?

        Many recent LLMs leave biases out of their linear layers; GPT-2 keeps them.

        ## How do biases change during training?

        Gradient descent nudges each bias, as it does each weight, a little at every step.

        ## Is a bias the same as inductive bias?

        No. The bias term is a number in the model; inductive bias is an assumption built into it.
        """,
    "weights.md": """
        ---
        title: Weights
        summary: A weight scales one input of a neuron.
        aliases: [weight, weights]
        related: [biases.md, parameters.md]
        examples: [examples/two-inputs.md]
        ---

        ## What is a weight?

        A weight is the strength of one connection: the number an input is multiplied by before
        the neuron adds everything up.

        ## How many weights does a layer have?

        Inputs times outputs: a layer from 784 inputs to 128 neurons has 100,352 weights.
        """,
    "parameters.md": """
        ---
        title: Parameters
        summary: "Parameters are the numbers a model learns: its weights and biases."
        aliases: [parameter, parameters, params]
        related: [weights.md, biases.md]
        ---

        ## What are parameters?

        Parameters are the numbers a model learns during training: all its weights and biases.
        """,
    "examples/two-inputs.md": """
        ---
        title: A neuron with two inputs
        kind: example
        related: [biases.md, weights.md]
        ---

        ## The numbers

        Inputs 1 and 2, weights 0.5 and -0.25, bias 0.1.

        ## The sum

        1 × 0.5 + 2 × (-0.25) + 0.1 = 0.1, so the bias alone decides the output here.
        """,
}

_WORDS = re.compile(r"[a-z0-9]+")
_STOP = {"a", "an", "the", "is", "are", "what", "how", "do", "does", "of", "to", "in", "and", "why", "we", "i"}


def write_tui_kb(root: Path) -> Path:
    for name, text in TUI_KB.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORDS.findall(text.lower()) if w not in _STOP}


class FakeRetriever:
    """The Retriever's interface over a folder, ranked by word overlap: fast and deterministic.
    It meets bot.tui.loading.AppRetriever, as the real one does (tests/test_tui_units.py checks)."""

    def __init__(self, kb_root: Path) -> None:
        self.kb_root = kb_root
        documents, problems = read_documents(kb_root)
        self.problems = [str(p) for p in problems]
        self.documents = {
            d.path: DocumentInfo(path=d.path, title=d.title, summary=d.summary, aliases=d.aliases,
                                 related=d.related, examples=d.examples, kind=d.kind)
            for d in documents
        }
        self.passages = [p for d in documents for p in chunk_document(d, lambda t: len(t.split()), 10_000)]
        # One "method" whose confidence is the overlap score; below 0.5 there is no answer.
        self.settings = RetrievalSettings(method="dense", methods={"dense": MethodSettings(threshold=0.5)})
        self.index_info: dict[str, Any] = {"passages": len(self.passages), "unsaved": None}

    def search(self, query: str, k: int = 5) -> list[Hit]:
        wanted = _words(query)
        scored = []
        for position, p in enumerate(self.passages):
            heading, body = _words(" ".join(p.heading_path)), _words(p.text)
            overlap = len(wanted & heading) * 2 + len(wanted & body)
            score = 0.45 + 0.5 * min(1.0, overlap / (2 * max(1, len(wanted)))) if overlap else 0.1
            scored.append((-round(score, 4), position, p))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [Hit(id=p.id, title=p.title, heading_path=p.heading_path, text=p.text, path=p.path,
                    score=-s, anchor=p.anchor, kind=p.kind, confidence=-s, line_start=p.line_start,
                    line_end=p.line_end) for s, _, p in scored[:k]]

    def section(self, passage_id: str) -> list[Passage]:
        return [p for p in self.passages if section_id(p.id) == section_id(passage_id)]

    def search_many(self, queries: list[str], k: int = 5) -> list[list[Hit]]:
        return [self.search(q, k) for q in queries]

    def kb_terms_named(self, text: str) -> set[str]:
        named = _words(text)
        return {alias for d in self.documents.values() for alias in d.aliases if _words(alias) <= named}

    def block_scores(self, query: str, blocks: list[str]) -> np.ndarray:
        wanted = _words(query)
        return np.array([len(wanted & _words(b)) / max(1, len(wanted)) for b in blocks])


def fake_factory(kb_root: Path, gate: threading.Event | None = None) -> Callable[[Any], FakeRetriever]:
    """A retriever factory that reports loading progress and, with a gate, waits for it first."""

    def factory(progress: Any) -> FakeRetriever:
        progress("model", 0, 0)
        if gate is not None:
            gate.wait(timeout=60)
        return FakeRetriever(kb_root)

    return factory


async def wait_until(pilot: Any, predicate: Callable[[], object], timeout: float = 30.0, step: float = 0.05) -> None:
    """Pause the app until ``predicate()`` is true; fail with a clear message after ``timeout``."""
    waited = 0.0
    while not predicate():
        if waited >= timeout:
            raise AssertionError(f"condition not met within {timeout:.0f} s: {getattr(predicate, '__name__', predicate)}")
        await pilot.pause(step)
        waited += step


def flat_text(app: Any) -> str:
    """The screen's words on one line: what wrapped at the edge reads as one sentence again."""
    return " ".join(screen_text(app).replace("▌", " ").split())


def screen_text(app: Any) -> str:
    """The current screen as plain text, as a person would read it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      color_system=None, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
