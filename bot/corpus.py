"""Markdown knowledge base -> documents -> heading-aware passages.

A document is one Markdown file with optional YAML front matter. A passage is one section of it
(the text under a heading, up to the next heading), carrying its heading path so it reads on its
own, and a stable id ``path#heading-slug``. Headings are found by markdown-it-py's CommonMark
parser, so a ``#`` line inside a code block, an HTML block or a comment is never taken for one.
Sections too long for the embedding model are split.

Nothing here imports the model: token counting is passed in as a function.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.errors import KnowledgeBaseError
from bot.kbfiles import markdown_files, read_kb_file
from bot.text import clean

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

#: Bump when chunking changes, so indexes built by an older chunker are rebuilt.
#: 2: passages carry their line range in the source file.
#: 3: headings found by a CommonMark parser (none inside HTML blocks or comments).
CHUNKER_VERSION = 3

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Document:
    """One Markdown file: its front matter and body."""

    path: str  # relative to the KB root, with forward slashes
    title: str
    summary: str = ""
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    kind: str = "article"  # "article", "example" or "glossary" (kb/README.md)
    body: str = field(default="", repr=False)
    sha256: str = ""
    body_line: int = 1  # the file's line number of the body's first line (after the front matter)

    def info(self) -> dict[str, Any]:
        """The metadata kept in the index manifest (everything but the body)."""
        return {
            "title": self.title, "summary": self.summary, "aliases": list(self.aliases),
            "related": list(self.related), "examples": list(self.examples), "kind": self.kind,
        }


@dataclass(frozen=True)
class Passage:
    """One section of a document, readable on its own."""

    id: str  # "biases.md#why-does-a-neuron-need-a-bias"
    path: str
    title: str
    heading_path: tuple[str, ...]  # ("Biases", "Why does a neuron need a bias?")
    anchor: str  # heading slug within the document ("" for the text before the first heading)
    text: str  # the section's Markdown, without its heading line
    kind: str = "article"
    line_start: int = 0  # 1-based lines of the text in the source file (0: unknown)
    line_end: int = 0

    @property
    def heading(self) -> str:
        """The heading path as people read it: "Biases > Why a bias matters"."""
        return " > ".join(self.heading_path)

    @property
    def embed_text(self) -> str:
        """What the model embeds: the title and heading path first, then the text."""
        return f"{self.heading}\n\n{self.text}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "path": self.path, "title": self.title,
            "heading_path": list(self.heading_path), "anchor": self.anchor,
            "text": self.text, "kind": self.kind, "line_start": self.line_start, "line_end": self.line_end,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(
            id=str(data["id"]), path=str(data["path"]), title=str(data["title"]),
            heading_path=tuple(str(h) for h in data["heading_path"]), anchor=str(data["anchor"]),
            text=str(data["text"]), kind=str(data.get("kind", "article")),
            line_start=int(data.get("line_start", 0)), line_end=int(data.get("line_end", 0)),
        )


@dataclass(frozen=True)
class Problem:
    """A file that was skipped, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        """For people: the name cleaned of escapes and control characters (a file name may hold any)."""
        return f"{clean(self.path)}: {self.reason}"


# --- reading files -------------------------------------------------------------------------

def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative_name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter from the body. ``safe_load`` only: no tags that build objects."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise ValueError(f"front matter is not valid YAML{where}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a YAML mapping (key: value lines)")
    return meta, text[match.end():]


def _string(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"front matter field '{key}' must be text")
    return clean(str(value)).strip()


def _strings(meta: dict[str, Any], key: str) -> tuple[str, ...]:
    value = meta.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ValueError(f"front matter field '{key}' must be a list of text")
    return tuple(clean(str(v)).strip() for v in value if str(v).strip())


def parse_document(path: str, raw: bytes) -> Document:
    """Parse one file's bytes. Raises ValueError with a short reason when it cannot be used."""
    if b"\x00" in raw:
        raise ValueError("looks like a binary file (NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start})") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body = split_front_matter(text)
    body_line = 1 + text.count("\n", 0, len(text) - len(body))
    body = clean(body)
    title = _string(meta, "title") or _first_h1(body) or _title_from_name(path)
    kind = _string(meta, "kind") or ("example" if path.startswith("examples/") else "article")
    return Document(
        path=path, title=title, summary=_string(meta, "summary"), aliases=_strings(meta, "aliases"),
        related=_strings(meta, "related"), examples=_strings(meta, "examples"), kind=kind,
        body=body, sha256=file_digest(raw), body_line=body_line,
    )


def _first_h1(body: str) -> str:
    for block in _blocks(body.split("\n")):
        if block.heading_level == 1:
            return block.heading
    return ""


def _title_from_name(path: str) -> str:
    stem = clean(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])  # a file name may hold escapes
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or clean(path)


def read_documents(root: Path, paths: Iterable[Path] | None = None) -> tuple[list[Document], list[Problem]]:
    """Read and parse Markdown files below root; unusable files are reported, not fatal.

    Files are read by :func:`bot.kbfiles.read_kb_file`, which refuses special files, links out
    of the folder and oversized files before reading them."""
    documents: list[Document] = []
    problems: list[Problem] = []
    for file in markdown_files(root) if paths is None else paths:
        name = relative_name(file, root)
        try:
            documents.append(parse_document(name, read_kb_file(root, name)))
        except OSError as error:
            problems.append(Problem(name, f"cannot read ({error.strerror or error})"))
        except ValueError as error:
            problems.append(Problem(name, str(error)))
    return documents, problems


# --- Markdown structure -------------------------------------------------------------------------

@dataclass
class _Block:
    heading_level: int = 0  # 0: not a heading
    heading: str = ""
    lines: list[str] = field(default_factory=list)
    start: int = 0  # index of the block's first line in the scanned lines


@functools.lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """The CommonMark parser, imported on first use: answering a question from a built index never
    scans headings, so it never pays for importing markdown-it. Block rules only: a heading's text
    is kept as its Markdown source, so parsing inline markup would be wasted (it doubled the time)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").disable(["inline", "text_join"])


def _headings(text: str) -> Iterator[tuple[int, int, int, str]]:
    """(first line, line after, level, text) of each heading, 0-based, as CommonMark parses them.

    A ``#`` line in a code block, an HTML block or a comment is not a heading. Only top-level
    headings are sections: one quoted (``> #``) or in a list item belongs to its quote or list.
    The text is the heading's Markdown source, closing ``#``s dropped, lines of a setext heading
    joined by spaces."""
    tokens = _parser().parse(text)
    for token, inline in zip(tokens, tokens[1:]):
        if token.type == "heading_open" and token.level == 0 and token.map:
            heading = " ".join(line.strip() for line in inline.content.split("\n")).strip()
            yield token.map[0], token.map[1], int(token.tag[1]), heading


def _blocks(lines: list[str]) -> Iterator[_Block]:
    """Yield headings and the runs of lines between them, in order."""
    start = 0
    for first, after, level, heading in _headings("\n".join(lines)):
        yield _Block(lines=lines[start:first], start=start)
        yield _Block(heading_level=level, heading=heading, start=first)
        start = after
    yield _Block(lines=lines[start:], start=start)


def slugify(heading: str) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", heading).lower()
    text = re.sub(r"[`*_~\[\]()<>!\"'’“”,.?:;/\\|{}=+&%$#@^]", "", text)
    return re.sub(r"\s", "-", text.strip())


# --- chunking ----------------------------------------------------------------------------------

def chunk_document(doc: Document, count_tokens: TokenCounter, max_tokens: int = 256) -> list[Passage]:
    """Split a document at its headings; split further any section over ``max_tokens``."""
    passages: list[Passage] = []
    stack: list[tuple[int, str]] = []
    used: dict[str, int] = {}
    anchor = ""
    pending_heading = False
    for block in _blocks(doc.body.split("\n")):
        if block.heading_level:
            level, heading = block.heading_level, block.heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            # A leading H1 that repeats the title is the title itself, not a section.
            if not (level == 1 and heading.strip().lower() == doc.title.strip().lower() and not stack):
                stack.append((level, heading))
            anchor = _unique(slugify(heading), used) if heading else anchor
            pending_heading = True
            continue
        joined = "\n".join(block.lines)
        text = joined.strip("\n")
        if not text.strip():
            continue
        first_line = doc.body_line + block.start + len(joined) - len(joined.lstrip("\n"))
        heading_path = (doc.title, *(h for _, h in stack if h))
        section_anchor = anchor if pending_heading or stack else ""
        base_id = f"{doc.path}#{section_anchor or 'intro'}"
        parts = _split_to_fit(text, heading_path, count_tokens, max_tokens)
        for number, (part, (start, end)) in enumerate(zip(parts, _spans(text, parts)), start=1):
            passages.append(Passage(
                id=base_id if number == 1 else f"{base_id}-part-{number}", path=doc.path,
                title=doc.title, heading_path=heading_path, anchor=section_anchor,
                text=part, kind=doc.kind, line_start=first_line + text.count("\n", 0, start),
                line_end=first_line + text.count("\n", 0, end),
            ))
    return passages


def _spans(text: str, parts: list[str]) -> Iterator[tuple[int, int]]:
    """Where each part lies in text, as (start, end) character offsets.

    Splitting only ever breaks text at whitespace, so each part's words appear in text in order;
    following them word by word finds the part even when it was rejoined with other spacing."""
    cursor = 0
    for part in parts:
        start = end = cursor
        for word_number, word in enumerate(part.split()):
            found = text.find(word, cursor)
            if found < 0:  # cannot happen for parts of this text; keep the last position
                break
            start = found if word_number == 0 else start
            cursor = end = found + len(word)
        yield start, max(start, end - 1)


def _unique(slug: str, used: dict[str, int]) -> str:
    if slug in used:
        used[slug] += 1
        return f"{slug}-{used[slug]}"
    used[slug] = 0
    return slug


def _split_to_fit(text: str, heading_path: tuple[str, ...], count_tokens: TokenCounter, max_tokens: int) -> list[str]:
    """Greedily pack paragraphs (then sentences, then words) into parts that fit the model."""
    prefix = " > ".join(heading_path) + "\n\n"

    def fits(candidate: str) -> bool:
        return count_tokens(prefix + candidate) <= max_tokens

    if fits(text):
        return [text]
    parts: list[str] = []
    current = ""
    for unit in _units(text, fits):
        candidate = f"{current}\n\n{unit}" if current else unit
        if fits(candidate):
            current = candidate
        else:
            if current:
                parts.append(current)
            current = unit
    if current:
        parts.append(current)
    return parts


def _units(text: str, fits: Callable[[str], bool]) -> Iterator[str]:
    """Paragraphs that fit; over-long ones broken into sentences, then into word runs."""
    for paragraph in re.split(r"\n[ \t]*\n", text):
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            continue
        if fits(paragraph):
            yield paragraph
            continue
        for sentence in re.split(r"(?<=[.!?])\s+|\n", paragraph):
            if not sentence.strip():
                continue
            if fits(sentence):
                yield sentence
                continue
            words: list[str] = []
            for word in sentence.split():
                if words and not fits(" ".join([*words, word])):
                    yield " ".join(words)
                    words = []
                words.append(word)
            if words:
                yield " ".join(words)


@dataclass
class Corpus:
    """The parsed knowledge base: documents, their passages and the files that were skipped."""

    root: Path
    documents: list[Document]
    passages: list[Passage]
    problems: list[Problem]


def load_corpus(root: Path, count_tokens: TokenCounter, max_tokens: int = 256) -> Corpus:
    """Read every Markdown file below root and chunk it. Raises if nothing usable is found."""
    if not root.is_dir():
        raise KnowledgeBaseError(f"knowledge base folder not found: {root}")
    documents, problems = read_documents(root)
    passages = [p for doc in documents for p in chunk_document(doc, count_tokens, max_tokens)]
    if not passages:
        detail = f"; skipped {len(problems)} unusable file(s)" if problems else ""
        raise KnowledgeBaseError(f"no Markdown text to index in {root}{detail}")
    return Corpus(root=root, documents=documents, passages=passages, problems=problems)
