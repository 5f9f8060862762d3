"""Reading a knowledge-base file for another program: the whole file, one section or a line range.

Why it exists: the MCP server hands KB text to clients that name files themselves, so a name is
trusted only if the index knows it, it still resolves inside the KB folder (no symlink out), and
it is a regular file (a FIFO would block the server). The file is read afresh, so what a client
gets is what is on disk now, with the line numbers an editor shows.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.corpus import Document, chunk_document, parse_document
from bot.errors import InputError

_LINES = re.compile(r"\s*L?(\d+)\s*(?:-\s*L?(\d+)\s*)?")


@dataclass(frozen=True)
class Excerpt:
    """Text from one KB file and where it is: 1-based lines, inclusive."""

    path: str
    title: str
    heading: str  # the section's heading path ("" for a whole file or a bare line range)
    line_start: int
    line_end: int
    total_lines: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_lines(spec: str) -> tuple[int, int]:
    """``"12-30"``, ``"L12-L30"`` (as citations are written) or ``"12"`` -> (12, 30) or (12, 12)."""
    match = _LINES.fullmatch(spec)
    if not match:
        raise InputError(f"lines must look like 12-30 or 12, got {spec!r}")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if start < 1 or end < start:
        raise InputError(f"lines must run forwards from line 1, got {spec!r}")
    return start, end


def read_kb_file(root: Path, path: str, known: Collection[str]) -> tuple[str, Document]:
    """The file's text (newlines normalised) and its parse; InputError for anything not in the KB.
    The bytes come through bot.kbfiles, the one reader of KB files (links out of the folder,
    FIFOs, devices and oversized or binary files are refused before anything is read)."""
    from bot import kbfiles

    if path not in known:
        raise InputError(f"{path!r} is not a file of the knowledge base (see the paramsbot://topics resource)")
    try:
        raw = kbfiles.read_kb_file(root, path)
    except kbfiles.Refused as refused:
        raise InputError(f"{path!r} is not read: {refused}") from None
    except OSError as error:
        raise InputError(f"cannot read {path!r} ({error.strerror or error})") from None
    try:
        document = parse_document(path, raw)
    except ValueError as error:
        raise InputError(f"cannot read {path!r}: {error}") from None
    return raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n"), document


def excerpt(root: Path, path: str, known: Collection[str], anchor: str | None = None,
            lines: str | None = None) -> Excerpt:
    """The whole file, the section under ``anchor`` (its heading slug) or the lines ``lines``."""
    if anchor is not None and lines is not None:
        raise InputError("give anchor or lines, not both")
    text, document = read_kb_file(root, path, known)
    all_lines = text.split("\n")
    if text.endswith("\n"):
        all_lines.pop()
    total = len(all_lines)
    heading = ""
    if anchor is not None:
        start, end, heading = _section(document, anchor.lstrip("#"))
    elif lines is not None:
        start, end = parse_lines(lines)
        if start > total:
            raise InputError(f"{path!r} has {total} lines; line {start} does not exist")
        end = min(end, total)
    else:
        start, end = 1, total
    return Excerpt(path=path, title=document.title, heading=heading, line_start=start, line_end=end,
                   total_lines=total, text="\n".join(all_lines[start - 1:end]))


def _section(document: Document, anchor: str) -> tuple[int, int, str]:
    """The lines of one section's own text (not its subsections), found as the chunker finds it."""
    wanted = "" if anchor == "intro" else anchor
    passages = [p for p in chunk_document(document, lambda _text: 0) if p.anchor == wanted]
    if not passages:
        anchors = [p.anchor for p in chunk_document(document, lambda _text: 0) if p.anchor]
        raise InputError(f"{document.path!r} has no section {anchor!r}"
                         + (f"; its sections: {', '.join(anchors[:12])}" if anchors else ""))
    return passages[0].line_start, passages[-1].line_end, passages[0].heading
