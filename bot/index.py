"""The FAISS index of a knowledge base, kept on disk with a JSON manifest that proves it current.

Layout of one index folder (one per knowledge-base folder, under the cache root)::

    manifest.json          what was indexed, by which model and chunker; the index file's checksum
    index-<sha12>.faiss    the vectors, named by their checksum

The manifest is checked before FAISS ever sees the index file: format, chunker version, model
fingerprint and dimension, a content hash per KB file, and the index file's SHA-256. Anything
that does not match means "rebuild", never "use anyway". Writes go to a temporary file that is
renamed into place, and the manifest is written last, so a reader sees either the old complete
index or the new one. Builders take a lock so two processes do not build the same index at once.
No pickle: metadata is JSON and vectors are FAISS's own format.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus import CHUNKER_VERSION, Passage, file_digest, load_corpus, markdown_files, relative_name
from bot.encoder import Encoder
from bot.errors import CacheError, KnowledgeBaseError
from bot.paths import cache_dir

if TYPE_CHECKING:
    import faiss

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

#: Events a long build reports: ("scan"|"embed"|"write", done, total).
BuildProgress = Callable[[str, int, int], None]


@dataclass
class LoadedIndex:
    """A verified index: FAISS object, passages in vector order, document metadata."""

    index: faiss.Index
    passages: list[Passage]
    documents: dict[str, dict[str, Any]]
    manifest: dict[str, Any]
    folder: Path
    rebuilt: bool
    problems: list[str]


def index_folder(kb_root: Path, cache_root: Path | None = None) -> Path:
    """One folder per knowledge base, named after it and the hash of its absolute path."""
    resolved = kb_root.resolve()
    tag = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in resolved.name)[:40] or "kb"
    return (cache_root or cache_dir()) / "indexes" / f"{safe}-{tag}"


def scan_kb(kb_root: Path) -> dict[str, str]:
    """Content hash of every Markdown file: what decides whether an index is current."""
    hashes: dict[str, str] = {}
    for file in markdown_files(kb_root):
        try:
            hashes[relative_name(file, kb_root)] = file_digest(file.read_bytes())
        except OSError:
            hashes[relative_name(file, kb_root)] = "unreadable"
    return hashes


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _expected_header(encoder: Encoder) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "chunker_version": CHUNKER_VERSION,
        "model": {
            "id": encoder.model_id, "fingerprint": encoder.fingerprint,
            "dimension": encoder.dimension, "max_tokens": encoder.max_tokens, "normalized": True,
        },
    }


def why_stale(manifest: dict[str, Any], encoder: Encoder, kb_hashes: dict[str, str]) -> str | None:
    """None if the manifest describes a current index for this KB and encoder, else the reason."""
    expected = _expected_header(encoder)
    if manifest.get("format_version") != expected["format_version"]:
        return "index format changed"
    if manifest.get("chunker_version") != expected["chunker_version"]:
        return "chunker changed"
    if manifest.get("model") != expected["model"]:
        return "embedding model changed"
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        return "manifest damaged"
    if {k: v.get("sha256") for k, v in files.items()} != kb_hashes:
        return "knowledge base changed"
    return None


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest as a dict, or None when it is missing or unreadable (then: rebuild)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _load_verified(folder: Path, manifest: dict[str, Any]) -> LoadedIndex | None:
    """Check the index file against the manifest, then let FAISS read it. None if anything is off."""
    import faiss  # FAISS is only needed once an index is actually opened (~0.2 s import).

    try:
        info = manifest["index"]
        passages = [Passage.from_dict(p) for p in manifest["passages"]]
        documents = dict(manifest["documents"])
        problems = [str(p) for p in manifest.get("problems") or []]
        if not all(isinstance(d, dict) for d in documents.values()):
            return None
        file = folder / str(info["file"])
        if Path(info["file"]).name != info["file"] or _sha256_file(file) != info["sha256"]:
            return None
        index = faiss.read_index(str(file))
    except (OSError, KeyError, TypeError, ValueError, AttributeError, RuntimeError):
        return None
    if index.ntotal != len(passages) or index.d != manifest["model"]["dimension"]:
        return None
    return LoadedIndex(index, passages, documents, manifest, folder, rebuilt=False, problems=problems)


def open_index(
    kb_root: Path,
    encoder: Encoder,
    *,
    cache_root: Path | None = None,
    rebuild: bool = False,
    progress: BuildProgress | None = None,
) -> LoadedIndex:
    """Load the index for kb_root if it is current and intact; otherwise build it (and save it)."""
    if not kb_root.is_dir():
        raise KnowledgeBaseError(f"knowledge base folder not found: {kb_root}")
    folder = index_folder(kb_root, cache_root)
    hashes = scan_kb(kb_root)
    if not rebuild:
        loaded = _current(folder, encoder, hashes)
        if loaded:
            return loaded
    with _build_lock(folder):
        if not rebuild:  # another process may have built it while we waited for the lock
            loaded = _current(folder, encoder, hashes)
            if loaded:
                return loaded
        return _build(kb_root, folder, encoder, progress)


def _current(folder: Path, encoder: Encoder, hashes: dict[str, str]) -> LoadedIndex | None:
    manifest = read_manifest(folder)
    if manifest is None or why_stale(manifest, encoder, hashes):
        return None
    return _load_verified(folder, manifest)


def _build(kb_root: Path, folder: Path, encoder: Encoder, progress: BuildProgress | None) -> LoadedIndex:
    import faiss  # see _load_verified
    import numpy as np

    corpus = load_corpus(kb_root, encoder.count_tokens, encoder.max_tokens)
    if progress:
        progress("scan", len(corpus.documents), len(corpus.documents))
    vectors = encoder.encode(
        [p.embed_text for p in corpus.passages],
        progress=(lambda done, total: progress("embed", done, total)) if progress else None,
    )
    vectors = np.ascontiguousarray(vectors, dtype="float32")
    if vectors.shape != (len(corpus.passages), encoder.dimension):
        raise CacheError(f"the encoder returned vectors of shape {vectors.shape}")
    index = faiss.IndexFlatIP(encoder.dimension)
    index.add(vectors)
    manifest: dict[str, Any] = {
        **_expected_header(encoder),
        "kb_root": str(kb_root.resolve()),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {d.path: {"sha256": d.sha256} for d in corpus.documents},
        "problems": [str(p) for p in corpus.problems],
        "documents": {d.path: d.info() for d in corpus.documents},
        "passages": [p.to_dict() for p in corpus.passages],
    }
    # Skipped files are recorded too, so an unchanged broken file does not force a rebuild.
    for problem in corpus.problems:
        manifest["files"][problem.path] = {"sha256": _hash_or_unreadable(kb_root / problem.path)}
    try:
        _save(folder, index, manifest)
    except OSError as error:
        # A read-only or full cache must not stop answers: keep the index in memory this time.
        manifest["unsaved"] = f"could not save the index in {folder}: {error.strerror or error}"
    if progress:
        progress("write", 1, 1)
    return LoadedIndex(index, corpus.passages, manifest["documents"], manifest, folder, rebuilt=True,
                       problems=manifest["problems"])


def _hash_or_unreadable(path: Path) -> str:
    try:
        return file_digest(path.read_bytes())
    except OSError:
        return "unreadable"


def _save(folder: Path, index: faiss.Index, manifest: dict[str, Any]) -> None:
    """Index file first (named by checksum), manifest last: readers never see a half-written pair."""
    import faiss  # see _load_verified

    folder.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=folder)
    os.close(handle)
    temp = Path(temp_name)
    try:
        faiss.write_index(index, str(temp))
        checksum = _sha256_file(temp)
        final = folder / f"index-{checksum[:12]}.faiss"
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    manifest["index"] = {"file": final.name, "sha256": checksum, "kind": "flat-ip", "count": index.ntotal}
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    for old in folder.glob("index-*.faiss"):
        if old.name != final.name:
            old.unlink(missing_ok=True)


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


@contextlib.contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock per index folder (POSIX flock); without it, atomic renames still protect readers."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    except OSError:
        yield  # read-only cache: nothing will be written, so there is nothing to serialise
        return
    try:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass
        yield
    finally:
        handle.close()
