"""The one reader of knowledge-base files: the corpus, the index scan and the app's reader use it.

A KB folder is the user's (``--kb``), so it may hold anything: a FIFO that blocks a reader
forever, a link to ``/dev/zero`` or out of the folder, a 2 GB log, a binary. So a file is
checked before any of it is read: its path resolved (symlinks followed) and refused unless it
stays inside the KB folder, its type (regular files only: FIFOs, sockets and devices are never
opened), and its size. It is then opened without blocking and without following a link swapped in
meanwhile, checked again through the open handle, and read up to the limit, never whole.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import stat
from pathlib import Path

#: Larger files are skipped: a knowledge-base article is a few kilobytes.
MAX_FILE_BYTES = 2_000_000

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class Refused(ValueError):
    """A KB file paramsbot will not read; the message says why, in a few words."""


#: A README at the top of a KB folder describes the folder to its editors (paramsbot's says how
#: articles are written): it is not an article, so it is never indexed. Compared case-insensitively.
FOLDER_README = "readme.md"


def markdown_files(root: Path) -> list[Path]:
    """Every ``*.md`` below root, sorted, without following directory symlinks (no loops).

    Hidden folders are skipped, and so is the folder's own README (:data:`FOLDER_README`). What the
    names point to is checked only when a file is read.
    """
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        top = Path(folder) == Path(root)
        found.extend(Path(folder) / name for name in files
                     if name.lower().endswith(".md") and not (top and name.lower() == FOLDER_README))
    return sorted(found)


def read_kb_file(root: Path, name: str) -> bytes:
    """The bytes of the KB file ``name`` (relative to ``root``).

    Raises :class:`Refused` for a file that is not to be read (outside the folder, not a regular
    file, too large, binary) and OSError for one that cannot be (missing, no permission).
    """
    target, info = _real_path(_base(os.path.abspath(root)), name)
    _check(info)
    handle = os.open(target, _OPEN_FLAGS)
    with os.fdopen(handle, "rb") as stream:
        opened = os.fstat(stream.fileno())
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise Refused("replaced while being read")
        _check(opened)
        data = stream.read(opened.st_size + 1)  # a byte more than its size: a file still growing shows
    if len(data) > opened.st_size:
        raise Refused("changed while being read")
    if b"\x00" in data:
        raise Refused("looks like a binary file (NUL bytes)")
    return data


@functools.lru_cache(maxsize=16)
def _base(folder: str) -> str:
    """The real path of an absolute folder path, resolved once per process: a scan reads every file under it."""
    return os.path.realpath(folder)


def _real_path(base: str, name: str) -> tuple[str, os.stat_result]:
    """The real path of ``base/name``, symlinks resolved, and its stat; Refused unless it is
    inside ``base``.

    When no part of the path below ``base`` is a link and it has no "..", it is its own real path:
    a few lstat calls instead of resolving every folder from the filesystem root.
    """
    parts = [part for part in name.replace(os.sep, "/").split("/") if part not in ("", ".")]
    if parts and ".." not in parts and not os.path.isabs(name):
        path = base
        for part in parts:
            path = os.path.join(path, part)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                break
        else:
            return path, info
    try:
        target = os.path.realpath(os.path.join(base, name), strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused("a symlink loop") from None
        raise
    if not target.startswith(os.path.join(base, "")):
        raise Refused("a link to outside the knowledge base folder")
    return target, os.stat(target)


def content_key(root: Path, name: str) -> str:
    """What decides whether an index is current for this file: the SHA-256 of its bytes, or why
    it is skipped (so an unchanged unusable file does not force a rebuild, and a fixed one does)."""
    try:
        return hashlib.sha256(read_kb_file(root, name)).hexdigest()
    except Refused as refused:
        return f"skipped: {refused}"
    except OSError:
        return "unreadable"


def _check(info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"not a regular file ({_kind(info.st_mode)})")
    if info.st_size > MAX_FILE_BYTES:
        raise Refused(_too_large())


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return kind
    return "a special file"


def _too_large() -> str:
    return f"larger than {MAX_FILE_BYTES // 1_000_000} MB"


__all__ = ["FOLDER_README", "MAX_FILE_BYTES", "Refused", "content_key", "markdown_files", "read_kb_file"]
