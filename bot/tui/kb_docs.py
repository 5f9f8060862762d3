"""Reading the knowledge base for people: the topic list and one page for the reader.

This needs no model and no index (only the Markdown files), so the topic browser and the reader
work while the model loads, and even when the index cannot be built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.corpus import parse_document, read_documents
from bot.errors import KnowledgeBaseError
from bot.kbfiles import read_kb_file
from bot.retriever import DocumentInfo
from bot.tui.links import NavLink, document_links


@dataclass(frozen=True)
class Topics:
    """Every readable KB file's front matter, by KB-relative path, and the files that were skipped."""

    documents: dict[str, DocumentInfo]
    problems: list[str] = field(default_factory=list)

    @property
    def articles(self) -> list[DocumentInfo]:
        return [d for d in self.documents.values() if d.kind != "example"]

    @property
    def examples(self) -> list[DocumentInfo]:
        return [d for d in self.documents.values() if d.kind == "example"]


@dataclass(frozen=True)
class Page:
    """One KB file ready to show: its Markdown body (front matter removed) and where it links."""

    path: str
    title: str
    kind: str
    body: str
    links: list[NavLink]
    anchor: str = ""  # the section to show first


def read_topics(kb_root: Path) -> Topics:
    """Front matter of every Markdown file; KnowledgeBaseError if the folder cannot be read at all."""
    if not kb_root.is_dir():
        raise KnowledgeBaseError(f"the knowledge base folder {kb_root} does not exist")
    documents, problems = read_documents(kb_root)
    infos = {
        d.path: DocumentInfo(path=d.path, title=d.title, summary=d.summary, aliases=d.aliases,
                             related=d.related, examples=d.examples, kind=d.kind)
        for d in documents
    }
    return Topics(infos, [str(p) for p in problems])


def read_page(kb_root: Path, path: str, documents: dict[str, DocumentInfo], anchor: str = "") -> Page:
    """One KB file, by KB-relative path; KnowledgeBaseError (one line) when it cannot be shown."""
    try:
        document = parse_document(path, read_kb_file(kb_root, path))
    except OSError as error:
        raise KnowledgeBaseError(f"cannot read {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise KnowledgeBaseError(f"cannot show {path}: {error}") from None
    return Page(path=path, title=document.title, kind=document.kind, body=document.body,
                links=document_links(path, documents), anchor=anchor)
