"""The public retrieval API: a knowledge-base folder in, ranked passages out.

    from bot import Retriever
    retriever = Retriever.from_kb()            # our KB; or Retriever.from_kb("my/notes")
    for hit in retriever.search("what is a bias", k=3):
        print(f"{hit.score:.2f} {hit.heading}  ({hit.path})")

Three ways to rank (``method=``): "dense" (cosine similarity of all-MiniLM-L6-v2 embeddings),
"bm25" (lexical, see bot.lexical) and "hybrid", which blends both with each section heading's own
similarity to the question (see bot.ranking). The default method, the blend weights and each
method's no-answer threshold are chosen on the eval set by ``explain eval --calibrate`` and read
from ``data/retrieval.json``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus import Passage
from bot.encoder import Encoder, default_encoder, query_encoder
from bot.errors import InputError
from bot.index import BuildProgress, LoadedIndex, open_index
from bot.paths import kb_dir
from bot.ranking import METHODS, Method, RetrievalSettings, Signals
from bot.text import one_line

if TYPE_CHECKING:
    import numpy as np

    from bot.lexical import LexicalIndex

#: The longest query accepted: a pasted post with its logs (bot.reading keeps what it asks).
MAX_QUERY_CHARS = 20_000


@dataclass(frozen=True)
class Hit:
    """One passage that matches a query. ``score`` ranks (higher is closer, max 1): the cosine
    similarity for "dense", the share of the query's terms matched for "bm25", a blend for
    "hybrid". ``confidence`` is what the no-answer threshold is compared with (see MethodSettings)."""

    id: str  # stable: "biases.md#why-does-a-neuron-need-a-bias"
    title: str  # the document's title
    heading_path: tuple[str, ...]  # ("Biases", "Why does a neuron need a bias?")
    text: str  # the section's Markdown
    path: str  # source file, relative to the KB folder
    score: float
    anchor: str = ""  # heading slug inside the file ("" = top)
    kind: str = "article"  # "article", "example" or "glossary" (kb/README.md)
    confidence: float = 0.0
    line_start: int = 0  # 1-based lines of the text in the source file (0: unknown)
    line_end: int = 0

    @property
    def heading(self) -> str:
        """The heading path joined for display: "Biases > Why does a neuron need a bias?"."""
        return " > ".join(self.heading_path)

    @property
    def location(self) -> str:
        """Where to read it, as editors and GitHub link lines: "biases.md#L12-L30"."""
        return citation(self.path, self.line_start, self.line_end)


def citation(path: str, line_start: int, line_end: int) -> str:
    """``path#Lstart-Lend`` (``path#Lstart`` for one line; the bare path when the lines are unknown)."""
    if line_start < 1:
        return path
    return f"{path}#L{line_start}" if line_end <= line_start else f"{path}#L{line_start}-L{line_end}"


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


_PART_SUFFIX = re.compile(r"-part-\d+$")


def section_id(passage_id: str) -> str:
    """The section a passage belongs to: one split for length is "x.md#a-part-2" -> "x.md#a"."""
    return _PART_SUFFIX.sub("", passage_id)


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


_TERM_WORD = re.compile(r"[a-z0-9]+")
_TERM_LENGTH = 6  # words in the longest alias looked for


class Retriever:
    """Hybrid search over a folder of Markdown: a FAISS index kept in the cache, plus BM25.

    Build it with :meth:`from_kb`. The index is loaded (or built, then saved) at construction;
    the embedding model loads on the first :meth:`search`, the BM25 index is derived from the
    passages on first use (and cached beside the index).
    """

    def __init__(self, kb_root: Path, encoder: Encoder, loaded: LoadedIndex,
                 settings: RetrievalSettings | None = None) -> None:
        self.kb_root = kb_root
        self.encoder = encoder
        self._loaded = loaded
        self.documents: dict[str, DocumentInfo] = {
            path: DocumentInfo.from_dict(path, data) for path, data in loaded.documents.items()
        }
        self.settings = settings or RetrievalSettings.load()

    @classmethod
    def from_kb(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        encoder: Encoder | None = None,
        rebuild: bool = False,
        progress: BuildProgress | None = None,
        settings: RetrievalSettings | None = None,
    ) -> Retriever:
        """Open the index for a Markdown folder (default: paramsbot's own KB), building it if needed.

        ``cache_dir`` overrides where indexes live (else ``$PARAMSBOT_CACHE_DIR`` or the
        platform cache). ``rebuild`` forces a fresh index. ``progress(stage, done, total)`` is
        called during a build. ``settings`` replaces data/retrieval.json. Raises
        KnowledgeBaseError, CacheError or ModelError.
        """
        from bot.paths import cache_dir as default_cache

        root = Path(path).expanduser() if path is not None else kb_dir()
        chosen = encoder or default_encoder()
        loaded = open_index(root, chosen, cache_root=default_cache(cache_dir), rebuild=rebuild, progress=progress)
        if encoder is None:  # questions go through the model's ONNX export when the index has one
            chosen = query_encoder(chosen, loaded.onnx, loaded.onnx_problem)
        return cls(root, chosen, loaded, settings)

    @property
    def passages(self) -> list[Passage]:
        """Every indexed passage, in index order."""
        return self._loaded.passages

    def section(self, passage_id: str) -> list[Passage]:
        """The passages of the section ``passage_id`` belongs to, in order (a section split for
        length has several); empty for an unknown id."""
        return self._sections.get(section_id(passage_id), [])

    @cached_property
    def _sections(self) -> dict[str, list[Passage]]:
        grouped: dict[str, list[Passage]] = {}
        for passage in self.passages:
            grouped.setdefault(section_id(passage.id), []).append(passage)
        return grouped

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

    @cached_property
    def lexical(self) -> LexicalIndex:
        """The BM25 index and speller, derived from the passages and front matter (cached beside the index)."""
        from bot.lexical import load_lexical, load_translations

        return load_lexical(
            self.passages,
            aliases={path: doc.aliases for path, doc in self.documents.items()},
            summaries={path: doc.summary for path, doc in self.documents.items()},
            translations=load_translations(),
            folder=self._loaded.folder,
        )

    @cached_property
    def _kb_terms(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The front-matter aliases of three characters or more: Latin ones as word sequences, others
        (Chinese) as they are written."""
        latin, other = set(), set()
        for doc in self.documents.values():
            for alias in doc.aliases:
                alias = alias.lower().strip()
                if len(alias) < 3:
                    continue
                words = _TERM_WORD.findall(alias)
                if alias.isascii():
                    if words:
                        latin.add(" ".join(words))
                else:
                    other.add(alias)
        return frozenset(latin), tuple(sorted(other))

    def kb_terms_named(self, text: str) -> set[str]:
        """The KB's own names for what it covers ("position embedding", "LoRA", "参数量") that ``text`` uses."""
        latin, other = self._kb_terms
        words, named, i = _TERM_WORD.findall(text.lower()), set(), 0
        while i < len(words):               # the longest alias at each word, as a regular expression would
            for n in range(min(_TERM_LENGTH, len(words) - i), 0, -1):
                if (term := " ".join(words[i:i + n])) in latin:
                    named.add(term)
                    i += n
                    break
            else:
                i += 1
        rest = text
        for alias in sorted(other, key=len, reverse=True):
            if alias in rest:
                named.add(alias)
                rest = rest.replace(alias, " ")
        return named

    def search(self, query: str, k: int = 5, method: Method | None = None) -> list[Hit]:
        """The ``k`` passages that best answer ``query``, best first, ranked by ``method``
        (default: the calibrated one). Raises InputError on an empty query or unknown method."""
        return self.search_many([query], k, method)[0]

    def search_many(self, queries: list[str], k: int = 5, method: Method | None = None) -> list[list[Hit]]:
        """:meth:`search` for several queries at once, embedded in one batch."""
        texts = [normalize_query(q) for q in queries]
        if k < 1:
            raise InputError("k must be at least 1")
        method = self._method(method)
        settings = self.settings.of(method)
        return [self._top(signals.rank(method, settings), signals.confidence(method, settings),
                          min(k, len(self.passages)))
                for signals in self.signals_many(texts, dense=method != "bm25")]

    def block_scores(self, query: str, blocks: list[str]) -> np.ndarray:
        """How much of the query each block of a section covers (bot.lexical.text_coverage): the
        answer leads with the block that says what was asked."""
        from bot.lexical import text_coverage

        return text_coverage(self.lexical, query, blocks)

    def _method(self, method: str | None) -> Method:
        method = method or self.settings.method
        if method not in METHODS:
            raise InputError(f"unknown retrieval method {method!r} (choose from {', '.join(METHODS)})")
        return method  # type: ignore[return-value]

    def signals(self, query: str, *, dense: bool = True) -> Signals:
        """What every ranking method is made from, for one (normalised) query."""
        return self.signals_many([query], dense=dense)[0]

    def signals_many(self, queries: list[str], *, dense: bool = True) -> list[Signals]:
        """:meth:`signals` for many queries, embedded in one batch (the eval's path)."""
        import numpy as np

        analysed = [self.lexical.analyse_query(q) for q in queries]
        texts = list(dict.fromkeys([*queries, *(a.text for a in analysed)])) if dense else []
        vectors = dict(zip(texts, self.encoder.encode(texts))) if texts else {}
        rows = dict(zip(texts, self._loaded.scores(np.stack(list(vectors.values()))))) if texts else {}
        return [
            Signals(dense=rows.get(q), corrected_dense=rows.get(a.text),
                    heading=self.heading_vectors @ vectors[a.text] if dense else None,
                    lexical=self.lexical.coverage(a), latin=a.latin)
            for q, a in zip(queries, analysed)
        ]

    @cached_property
    def heading_vectors(self) -> np.ndarray:
        """Each passage's own heading, embedded alone (see bot.headings); cached beside the index."""
        from bot.headings import heading_vectors

        return heading_vectors(self.passages, self.encoder, self._loaded.folder)

    def _top(self, scores: np.ndarray, confidence: np.ndarray, k: int) -> list[Hit]:
        import numpy as np

        order = np.argsort(-scores, kind="stable")[:k]
        return [self._hit(int(i), float(scores[i]), float(confidence[i])) for i in order]

    def _hit(self, position: int, score: float, confidence: float) -> Hit:
        p = self.passages[position]
        return Hit(id=p.id, title=p.title, heading_path=p.heading_path, text=p.text, path=p.path,
                   score=round(score, 4), anchor=p.anchor, kind=p.kind, confidence=round(confidence, 4),
                   line_start=p.line_start, line_end=p.line_end)
