"""Safe writes: temporary file + rename, checksums, and one builder per folder.

A reader sees either an old complete file or a new complete one, never half of one: everything
is written to a temporary file (or folder) in the same folder, flushed, then renamed into place.
Files that other files point to are named by their checksum, so they are never rewritten. Every
writer uses these functions (:func:`atomic_write_text` for a whole file) rather than its own rename.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from bot.errors import CacheError

#: Temporary files (and folders) start with a dot and end in .tmp; a killed build may leave some.
TEMP_GLOB = ".*.tmp"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_holds(files: Sequence[Path], expected: str, checksum: Callable[[], str], stamp: Path) -> bool:
    """True if ``checksum()`` (the SHA-256 of ``files``) is ``expected``, hashing only when needed.

    Hashing is the slow part of opening the cache (the ~90 MB ONNX export: ~50 ms of a ~0.5 s
    one-shot answer; a 1M-vector index: over a second), so after a full check the files' stat
    (size, mtime and ctime in ns, inode, device) is written to ``stamp``, as git's index does for
    the work tree, and an identical stat later stands for the same bytes. Any write, rename or
    copy changes the ctime or the inode, which a process cannot set back, so a file changed
    since is hashed again. The stamp is written only if the stat did not move during the hash,
    and best effort: a read-only cache is hashed every time. OSError if a file is missing.
    """
    before = {path.name: _identity(path) for path in files}
    try:
        if json.loads(stamp.read_text(encoding="utf-8")) == {"sha256": expected, "files": before}:
            return True
    except (OSError, ValueError):
        pass  # no stamp, or a damaged one: hash
    if checksum() != expected:
        return False
    if {path.name: _identity(path) for path in files} == before:
        with contextlib.suppress(OSError):
            atomic_write_text(stamp, json.dumps({"sha256": expected, "files": before}))
    return True


def _identity(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def temp_path(folder: Path, prefix: str) -> Path:
    """A new empty temporary file in folder (for writers that want a path, like FAISS)."""
    handle, name = tempfile.mkstemp(prefix=f".{prefix}-", suffix=".tmp", dir=folder)
    os.close(handle)
    return Path(name)


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def write_checksum_named(folder: Path, stem: str, suffix: str, write: Callable[[Path], None]) -> tuple[Path, str]:
    """Let ``write`` fill a temporary file, then rename it to ``<stem>-<sha12><suffix>``.

    Returns the final path and the file's full SHA-256. The temporary file never outlives a failure.
    """
    temp = temp_path(folder, stem)
    try:
        write(temp)
        fsync_file(temp)
        checksum = sha256_file(temp)
        final = folder / f"{stem}-{checksum[:12]}{suffix}"
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final, checksum


def write_checksum_named_folder(home: Path, stem: str, fill: Callable[[Path], None], files: Sequence[str],
                                checksum: Callable[[Path], str]) -> tuple[Path, str]:
    """:func:`write_checksum_named` for a folder: ``fill`` writes ``files`` into a temporary folder,
    which is flushed and renamed to ``<stem>-<sha12>`` (replacing a damaged leftover of that name).

    Returns the final folder and ``checksum(folder)``. The temporary folder never outlives a failure.
    """
    temp = Path(tempfile.mkdtemp(prefix=f".{stem}-", suffix=".tmp", dir=home))
    try:
        fill(temp)
        for name in files:
            fsync_file(temp / name)
        digest = checksum(temp)
        final = home / f"{stem}-{digest[:12]}"
        if final.exists():
            shutil.rmtree(final)
        os.replace(temp, final)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return final, digest


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to a temporary file beside path, flush it to disk, then rename it over path."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)


#: Seconds to wait for another process's lock before giving up: a build suspended with Ctrl+Z
#: holds it for as long as it is suspended. ``$PARAMSBOT_LOCK_TIMEOUT`` overrides it.
LOCK_TIMEOUT = 600.0
LOCK_TIMEOUT_ENV = "PARAMSBOT_LOCK_TIMEOUT"
#: Waiting longer than this is announced once (``on_wait``), so a waiting command is never silent.
WAIT_NOTICE = 1.0


def lock_timeout() -> float:
    """LOCK_TIMEOUT, or ``$PARAMSBOT_LOCK_TIMEOUT`` seconds when that is a number >= 0."""
    try:
        value = float(os.environ.get(LOCK_TIMEOUT_ENV, ""))
    except ValueError:
        return LOCK_TIMEOUT
    return value if value >= 0 else LOCK_TIMEOUT


@contextlib.contextmanager
def folder_lock(folder: Path, what: str = "writer of this folder",
                on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold an exclusive lock on folder; yields whether the lock is really held.

    ``filelock`` locks with flock where there is one, else with Windows' locks or a lock file, so
    writers exclude each other everywhere. ``on_wait`` is called once if another process holds the
    lock for over WAIT_NOTICE seconds; after :func:`lock_timeout` seconds CacheError names ``what``
    was being waited for. A folder that cannot be written (read-only cache) yields False: atomic
    renames still protect readers, but the caller must not tidy up other writers' temporary files.
    """
    with warnings.catch_warnings():  # without fcntl filelock warns it uses a lock file: that is the point
        warnings.filterwarnings("ignore", "only soft file lock is available")
        from filelock import FileLock, Timeout  # ~0.1 s to import, and only builds need it

    timeout = lock_timeout()
    lock = FileLock(folder / ".lock")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            lock.acquire(timeout=min(WAIT_NOTICE, timeout))
        except Timeout:
            if on_wait is not None:
                on_wait()
            lock.acquire(timeout=max(0.0, timeout - WAIT_NOTICE))
    except Timeout:
        raise CacheError(f"gave up after {timeout:g} s waiting for another {what} (is one suspended with "
                         f"Ctrl+Z? resume or end it); set {LOCK_TIMEOUT_ENV} to wait longer") from None
    except OSError:
        locked = False  # read-only cache: nothing will be written, so there is nothing to serialise
    else:
        locked = True
    try:
        yield locked
    finally:
        if locked:
            lock.release()


def remove_stale_temps(folder: Path) -> None:
    """Delete temporary files and folders a killed writer left. Only call while holding folder_lock."""
    for stale in folder.glob(TEMP_GLOB):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                stale.unlink()
