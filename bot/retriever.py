"""The public retrieval API: a knowledge-base folder in, ranked passages out.

    from bot import Retriever
    retriever = Retriever.from_kb()            # our KB; or Retriever.from_kb("my/notes")
    for hit in retriever.search("what is a bias", k=3):
        print(f"{hit.score:.2f} {hit.heading}  ({hit.path})")
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.corpus import Passage
from bot.encoder import Encoder, default_encoder, query_encoder
from bot.errors import InputError
from bot.index import BuildProgress, LoadedIndex, open_index
from bot.paths import kb_dir
from bot.text import one_line

#: Questions are embedded from at most this many characters; the model sees ~256 tokens anyway.
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class Hit:
    """One passage that matches a query, with its cosine similarity (higher is closer, max 1)."""

    id: str  # stable: "biases.md#why-does-a-neuron-need-a-bias"
    title: str  # the document's title
    heading_path: tuple[str, ...]  # ("Biases", "Why does a neuron need a bias?")
    text: str  # the section's Markdown
    path: str  # source file, relative to the KB folder
    score: float
    anchor: str = ""  # heading slug inside the file ("" = top)
    kind: str = "article"  # "article" or "example"

    @property
    def heading(self) -> str:
        """The heading path joined for display: "Biases > Why does a neuron need a bias?"."""
        return " > ".join(self.heading_path)


@dataclass(frozen=True)
class DocumentInfo:
    """Front matter of one KB file, as the answer composer and UIs need it."""

    path: str
    title: str
    summary: str
    aliases: tuple[str, ...]
    related: tuple[str, ...]
    examples: tuple[str, ...]
    kind: str

    @classmethod
    def from_dict(cls, path: str, data: dict[str, Any]) -> DocumentInfo:
        return cls(
            path=path, title=str(data.get("title", path)), summary=str(data.get("summary", "")),
            aliases=tuple(data.get("aliases", ())), related=tuple(data.get("related", ())),
            examples=tuple(data.get("examples", ())), kind=str(data.get("kind", "article")),
        )


def normalize_query(query: object) -> str:
    """A usable query string, or InputError: control characters removed, whitespace folded."""
    if not isinstance(query, str):
        raise InputError("the question must be text")
    text = one_line(query)
    if not text:
        raise InputError("the question is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(f"the question is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS:,})")
    return text


class Retriever:
    """Semantic search over a folder of Markdown, backed by a FAISS index kept in the cache.

    Build it with :meth:`from_kb`. The index is loaded (or built, then saved) at construction;
    the embedding model itself loads on the first :meth:`search`.
    """

    def __init__(self, kb_root: Path, encoder: Encoder, loaded: LoadedIndex) -> None:
        self.kb_root = kb_root
        self.encoder = encoder
        self._loaded = loaded
        self.documents: dict[str, DocumentInfo] = {
            path: DocumentInfo.from_dict(path, data) for path, data in loaded.documents.items()
        }

    @classmethod
    def from_kb(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        encoder: Encoder | None = None,
        rebuild: bool = False,
        progress: BuildProgress | None = None,
    ) -> Retriever:
        """Open the index for a Markdown folder (default: paramsbot's own KB), building it if needed.

        ``cache_dir`` overrides where indexes live (else ``$PARAMSBOT_CACHE_DIR`` or the
        platform cache). ``rebuild`` forces a fresh index. ``progress(stage, done, total)`` is
        called during a build. Raises KnowledgeBaseError, CacheError or ModelError.
        """
        from bot.paths import cache_dir as default_cache

        root = Path(path).expanduser() if path is not None else kb_dir()
        chosen = encoder or default_encoder()
        loaded = open_index(root, chosen, cache_root=default_cache(cache_dir), rebuild=rebuild, progress=progress)
        if encoder is None:  # questions go through the model's ONNX export when the index has one
            chosen = query_encoder(chosen, loaded.onnx, loaded.onnx_problem)
        return cls(root, chosen, loaded)

    @property
    def passages(self) -> list[Passage]:
        """Every indexed passage, in index order."""
        return self._loaded.passages

    @property
    def problems(self) -> list[str]:
        """Files that were skipped when the index was built, with the reason."""
        return list(self._loaded.problems)

    @property
    def rebuilt(self) -> bool:
        """True if opening this retriever built the index (rather than loading it)."""
        return self._loaded.rebuilt

    @property
    def index_info(self) -> dict[str, Any]:
        """Where the index lives and what built it (for `explain --json` diagnostics and tests)."""
        manifest = self._loaded.manifest
        return {
            "folder": str(self._loaded.folder), "passages": len(self.passages),
            "model": manifest.get("model"), "index": manifest.get("index"),
            "unsaved": manifest.get("unsaved"),
        }

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` passages closest to ``query``, best first. Raises InputError on an empty query."""
        text = normalize_query(query)
        if k < 1:
            raise InputError("k must be at least 1")
        vector = self.encoder.encode([text])
        k = min(k, len(self.passages))
        scores, ids = self._loaded.search(vector, k)
        return [self._hit(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]

    def _hit(self, position: int, score: float) -> Hit:
        p = self.passages[position]
        return Hit(id=p.id, title=p.title, heading_path=p.heading_path, text=p.text, path=p.path,
                   score=round(score, 4), anchor=p.anchor, kind=p.kind)

    def source_file(self, path: str) -> Path:
        """The absolute path of a KB file named by its KB-relative path."""
        return self.kb_root / path
