"""The FAISS index of a knowledge base, kept on disk with a JSON manifest that proves it current.

Layout of one index folder (one per knowledge-base folder, under the cache root)::

    manifest.json          what was indexed, by which model and chunker; the index file's checksum
    index-<sha12>.faiss    the vectors, named by their checksum
    verified.json          the index file's stat when its checksum last held: skips re-hashing it
    headings.json, lexical.json   derived on first use and cached (bot.headings, bot.lexical)

The manifest is checked before FAISS ever sees the index file: format, chunker version, model
fingerprint and dimension, a content hash per KB file, and the index file's SHA-256 (hashed again
only when the file's stat differs from the one recorded at the last full check). Anything
that does not match means "rebuild", never "use anyway". Writes go to a temporary file that is
renamed into place, and the manifest is written last, so a reader sees either the old complete
index or the new one. Builders take a lock so two processes do not build the same index at once.
No pickle: metadata is JSON and vectors are FAISS's own format.

Builds are incremental: the previous index's vectors are read back from its FAISS file and reused
for every passage whose text is unchanged, so editing one file embeds only that file's changed
passages; a model change rebuilds everything. The index kind follows the size
(:class:`IndexSettings`): exact inner product (``flat-ip``) for small collections, HNSW
(``hnsw-ip``) beyond a threshold, with its parameters in the manifest. Index files are
memory-mapped when FAISS allows it (flat and HNSW storage both are, with ``IO_FLAG_MMAP_IFC``).

When the encoder is the default sentence-transformers one, the build also makes sure an ONNX
export of the model exists (:mod:`bot.onnx_export`) and records it in the manifest, so questions
can be embedded without torch; once it exists, builds embed new passages with it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus import CHUNKER_VERSION, Passage, load_corpus, relative_name
from bot.encoder import Encoder, OnnxModel
from bot.errors import CacheError, KnowledgeBaseError
from bot.files import (atomic_write_text, checksum_holds, folder_lock, remove_stale_temps, sha256_file,
                       write_checksum_named)
from bot.kbfiles import content_key, markdown_files
from bot.paths import cache_dir

if TYPE_CHECKING:
    import faiss

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
INDEXES = "indexes"  # under the cache root: one folder per knowledge base
VERIFIED_STAMP = "verified.json"  # the index file's stat when its checksum last held (files.checksum_holds)
FLAT, HNSW = "flat-ip", "hnsw-ip"

#: Events a long build reports: ("wait"|"scan"|"embed"|"index"|"export"|"write", done, total);
#: "wait" (0, 1) comes once if another process has been building this index for over a second,
#: "export" (0, 1) once, before the model is exported to ONNX.
BuildProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IndexSettings:
    """Which FAISS index a build makes. Exact search up to ``hnsw_threshold`` vectors, HNSW beyond.

    Measured with bench/search.py on 2 cores, 384-d vectors, one query at a time: exact search
    costs ~0.055 ms per 1,000 vectors (10k: 0.25 ms, 100k: 5.5 ms, 1M: 55 ms), so up to 50,000
    it stays under ~3 ms, less than embedding the question, and answers are exact. Beyond, HNSW
    with these parameters answered in 0.2-0.3 ms at 100k and 1M vectors with recall@10 of 1.00
    and 0.97 against exact search. Its price is the build (1M vectors: ~4 minutes) and ~20% more
    disk and memory for the graph.
    """

    hnsw_threshold: int = 50_000
    hnsw_m: int = 32  # graph degree: memory 4*d + 8*M bytes per vector
    ef_construction: int = 80  # build effort
    ef_search: int = 128  # query effort, applied on load (the manifest's value wins)
    export_onnx: bool = True  # make the ONNX twin of a sentence-transformers model

    def plan(self, count: int) -> dict[str, Any]:
        """The manifest's ``index`` kind and parameters for ``count`` vectors."""
        if count < self.hnsw_threshold:
            return {"kind": FLAT, "params": {}}
        return {"kind": HNSW, "params": {"M": self.hnsw_m, "efConstruction": self.ef_construction,
                                         "efSearch": self.ef_search}}


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
    onnx: OnnxModel | None = None  # the model's ONNX export this index records, if any
    onnx_problem: str | None = None  # why there is none, when the build tried to make one

    def scores(self, vectors: Any, candidates: int = 100) -> Any:
        """Cosine similarity of every passage to each vector: shape (len(vectors), passages).

        Exact for a flat index. An HNSW index scores the ``candidates`` passages nearest each
        vector and leaves the others at 0: scoring every passage is what it is there to avoid.
        A question, or the few queries one post makes, runs on one FAISS thread: for a handful of
        queries FAISS's extra OpenMP threads only add hand-off cost (bench/search.py on 2 busy
        cores, 10k vectors exact: median 0.25 ms on one thread, 0.54 ms on two, p95 0.3 against
        15 ms; 2 queries over the 536-passage KB at load 7: median 0.05 ms against 15 ms).
        """
        import numpy as np  # comes with FAISS

        vectors = np.ascontiguousarray(vectors, dtype="float32")
        total = self.index.ntotal
        k = min(total, candidates) if _is_hnsw(self.index) else total
        with faiss_threads(1) if len(vectors) <= ONE_THREAD_QUERIES else contextlib.nullcontext():
            found, ids = self.index.search(vectors, k)
        scores = np.zeros((len(vectors), total), dtype="float32")
        for row in range(len(vectors)):
            valid = ids[row] >= 0
            scores[row, ids[row][valid]] = found[row][valid]
        return scores


#: Up to this many queries searched together run on one FAISS thread (see LoadedIndex.scores).
ONE_THREAD_QUERIES = 16


def index_folder(kb_root: Path, cache_root: Path | None = None) -> Path:
    """One folder per knowledge base, named after it and the hash of its absolute path."""
    resolved = kb_root.resolve()
    tag = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in resolved.name)[:40] or "kb"
    return (cache_root or cache_dir()) / INDEXES / f"{safe}-{tag}"


def scan_kb(kb_root: Path) -> dict[str, str]:
    """Content hash of every Markdown file (or why it is skipped): what decides whether an index is current."""
    names = (relative_name(file, kb_root) for file in markdown_files(kb_root))
    return {name: content_key(kb_root, name) for name in names}


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
    """Check the index file against the manifest, then let FAISS map it. None if anything is off."""
    import faiss  # FAISS is only needed once an index is actually opened (~0.1 s import).

    try:
        info = manifest["index"]
        passages = [Passage.from_dict(p) for p in manifest["passages"]]
        documents = dict(manifest["documents"])
        problems = [str(p) for p in manifest.get("problems") or []]
        if not all(isinstance(d, dict) for d in documents.values()):
            return None
        if info["texts_sha256"] != texts_digest(passages):
            return None  # the passages are not the ones the vectors were made from
        file = folder / str(info["file"])
        if Path(info["file"]).name != info["file"]:
            return None
        if not checksum_holds([file], str(info["sha256"]), lambda: sha256_file(file), folder / VERIFIED_STAMP):
            return None
        # Memory-mapped and read-only: the file is immutable (named by its checksum), pages load
        # on demand and are shared between processes. Older FAISS without the flag reads it all.
        index = faiss.read_index(str(file), getattr(faiss, "IO_FLAG_MMAP_IFC", 0) | faiss.IO_FLAG_READ_ONLY)
        if not _configure(index, info):
            return None
    except (OSError, KeyError, TypeError, ValueError, AttributeError, RuntimeError):
        return None
    if index.ntotal != len(passages) or index.d != manifest["model"]["dimension"]:
        return None
    return LoadedIndex(index, passages, documents, manifest, folder, rebuilt=False, problems=problems)


@contextlib.contextmanager
def faiss_threads(count: int) -> Iterator[None]:
    """Run FAISS with ``count`` OpenMP threads inside the block (the setting is process-wide)."""
    import faiss  # see _load_verified

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def texts_digest(passages: Sequence[Passage]) -> str:
    """SHA-256 of the embedded texts in index order: ties the manifest's passages to the vectors."""
    digest = hashlib.sha256()
    for passage in passages:
        digest.update(passage.embed_text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _is_hnsw(index: faiss.Index) -> bool:
    import faiss  # see _load_verified

    return isinstance(index, faiss.IndexHNSW)


def _configure(index: faiss.Index, info: dict[str, Any]) -> bool:
    """Check the FAISS object is the recorded kind, and apply its query-time parameters."""
    import faiss  # see _load_verified

    if index.metric_type != faiss.METRIC_INNER_PRODUCT:
        return False
    if info.get("kind") == FLAT:
        return isinstance(index, faiss.IndexFlat)
    if info.get("kind") == HNSW and isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = int(info["params"]["efSearch"])
        return True
    return False


def open_index(
    kb_root: Path,
    encoder: Encoder,
    *,
    cache_root: Path | None = None,
    rebuild: bool = False,
    progress: BuildProgress | None = None,
    settings: IndexSettings | None = None,
) -> LoadedIndex:
    """Load the index for kb_root if it is current and intact; otherwise build it (and save it).

    A build reuses the vectors of unchanged passages unless ``rebuild`` is set. ``settings``
    chooses the index kind for a build (default: :class:`IndexSettings`).
    """
    if not kb_root.is_dir():
        raise KnowledgeBaseError(f"knowledge base folder not found: {kb_root}")
    root = cache_root or cache_dir()
    folder = index_folder(kb_root, root)
    hashes = scan_kb(kb_root)
    settings = settings or IndexSettings()
    if not rebuild:
        loaded = _current(folder, root, encoder, hashes, settings)
        if loaded:
            return loaded
    waiting = (lambda: progress("wait", 0, 1)) if progress else None
    with folder_lock(folder, "build of this index", on_wait=waiting) as locked:
        if not rebuild:  # another process may have built it while we waited for the lock
            loaded = _current(folder, root, encoder, hashes, settings)
            if loaded:
                return loaded
        if locked:
            remove_stale_temps(folder)  # left by a build that was killed
        return _build(kb_root, folder, root, encoder, settings, progress, reuse=not rebuild)


def _current(folder: Path, cache_root: Path, encoder: Encoder, hashes: dict[str, str],
             settings: IndexSettings) -> LoadedIndex | None:
    from bot.onnx_export import ExportRecord, can_export

    manifest = read_manifest(folder)
    if manifest is None or why_stale(manifest, encoder, hashes):
        return None
    info, passages = manifest.get("index"), manifest.get("passages")
    if not isinstance(info, dict) or not isinstance(passages, list):
        return None
    if {"kind": info.get("kind"), "params": info.get("params")} != settings.plan(len(passages)):
        return None  # other index settings: rebuild the index from the stored vectors
    record = ExportRecord.from_dict(manifest["onnx"]) if manifest.get("onnx") is not None else None
    if manifest.get("onnx") is not None and can_export(encoder) and not (record and record.present(cache_root)):
        return None  # the export went missing: rebuild, which reuses every vector and exports again
    loaded = _load_verified(folder, manifest)
    if loaded:
        loaded.onnx = record.model(cache_root) if record else None
        problem = manifest.get("onnx_problem")
        loaded.onnx_problem = str(problem) if problem else None
    return loaded


def _previous_vectors(folder: Path, encoder: Encoder) -> tuple[LoadedIndex, dict[str, int], Any] | None:
    """The last index for this model (checksum verified) and its vectors, keyed by embedded text."""
    manifest = read_manifest(folder)
    expected = _expected_header(encoder)
    if (manifest is None or manifest.get("format_version") != FORMAT_VERSION
            or manifest.get("model") != expected["model"]):
        return None
    old = _load_verified(folder, manifest)
    if old is None:
        return None
    vectors = old.index.reconstruct_n(0, old.index.ntotal)
    rows: dict[str, int] = {}
    for row, passage in enumerate(old.passages):
        rows.setdefault(passage.embed_text, row)
    return old, rows, vectors


def _build(kb_root: Path, folder: Path, cache_root: Path, encoder: Encoder, settings: IndexSettings,
           progress: BuildProgress | None, *, reuse: bool) -> LoadedIndex:
    import numpy as np  # comes with FAISS

    started = time.perf_counter()
    corpus = load_corpus(kb_root, encoder.count_tokens, encoder.max_tokens)
    if progress:
        progress("scan", len(corpus.documents), len(corpus.documents))
    texts = [p.embed_text for p in corpus.passages]
    previous = _previous_vectors(folder, encoder) if reuse else None
    old_rows = previous[1] if previous else {}
    missing = list(dict.fromkeys(t for t in texts if t not in old_rows))  # unique, in order
    embedder = _embedder(encoder, cache_root) if missing else encoder
    fresh = embedder.encode(
        missing, progress=(lambda done, total: progress("embed", done, total)) if progress else None,
    ) if missing else np.zeros((0, encoder.dimension), dtype="float32")
    fresh = np.ascontiguousarray(fresh, dtype="float32")
    if fresh.shape != (len(missing), encoder.dimension):
        raise CacheError(f"the encoder returned vectors of shape {fresh.shape}")
    fresh_rows = {text: row for row, text in enumerate(missing)}
    vectors = np.empty((len(texts), encoder.dimension), dtype="float32")
    is_fresh = np.array([t in fresh_rows for t in texts], dtype=bool)
    if is_fresh.any():
        vectors[is_fresh] = fresh[[fresh_rows[t] for t in texts if t in fresh_rows]]
    if not is_fresh.all():
        vectors[~is_fresh] = previous[2][[old_rows[t] for t in texts if t not in fresh_rows]]  # type: ignore[index]

    plan = settings.plan(len(texts))
    unchanged = previous is not None and [p.embed_text for p in previous[0].passages] == texts \
        and _same_graph(previous[0].manifest["index"], plan)
    if unchanged:  # same vectors in the same order: keep the file (efSearch is only read at load)
        index = previous[0].index  # type: ignore[index]
        _configure(index, plan)
    else:
        index = make_index(vectors, plan, progress)
    manifest: dict[str, Any] = {
        **_expected_header(encoder),
        "kb_root": str(kb_root.resolve()),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {d.path: {"sha256": d.sha256} for d in corpus.documents},
        "problems": [str(p) for p in corpus.problems],
        "documents": {d.path: d.info() for d in corpus.documents},
        "passages": [p.to_dict() for p in corpus.passages],
        "onnx": None,
        "onnx_problem": None,
    }
    # Skipped files are recorded too, so an unchanged broken file does not force a rebuild.
    for problem in corpus.problems:
        manifest["files"][problem.path] = {"sha256": content_key(kb_root, problem.path)}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        manifest["index"] = {**previous[0].manifest["index"], **plan} if unchanged else _save_index(folder, index, plan)  # type: ignore[index]
        manifest["index"]["texts_sha256"] = texts_digest(corpus.passages)
        if settings.export_onnx:
            _export(encoder, cache_root, texts, manifest, progress)
        manifest["build"] = {"embedded": len(missing), "reused": int((~is_fresh).sum()),
                             "encoder": type(embedder).__name__, "seconds": round(time.perf_counter() - started, 3)}
        atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        _remove_unused(folder, manifest["index"]["file"])
    except OSError as error:
        # A read-only or full cache must not stop answers: keep the index in memory this time.
        manifest["unsaved"] = f"could not save the index in {folder}: {error.strerror or error}"
        manifest["onnx"] = None
    if progress:
        progress("write", 1, 1)
    loaded = LoadedIndex(index, corpus.passages, manifest["documents"], manifest, folder, rebuilt=True,
                         problems=manifest["problems"], onnx_problem=manifest["onnx_problem"])
    if manifest["onnx"]:
        from bot.onnx_export import ExportRecord

        record = ExportRecord.from_dict(manifest["onnx"])
        loaded.onnx = record.model(cache_root) if record else None
    return loaded


def _embedder(encoder: Encoder, cache_root: Path) -> Encoder:
    """The encoder's verified ONNX twin if the cache has one (no torch to load), else the encoder."""
    from bot.onnx_export import stored_twin

    return stored_twin(encoder, cache_root) or encoder


def _export(encoder: Encoder, cache_root: Path, texts: Sequence[str], manifest: dict[str, Any],
            progress: BuildProgress | None) -> None:
    """Record the model's verified ONNX export in the manifest (or why there is none)."""
    from bot.onnx_export import ExportFailed, can_export, ensure_export

    if not can_export(encoder):
        return
    samples = [*texts[:8], *sorted(texts, key=len)[-8:]]  # the first passages and the longest
    announce = (lambda: progress("export", 0, 1)) if progress else None
    try:
        manifest["onnx"] = ensure_export(encoder, cache_root, samples, announce,  # type: ignore[arg-type]
                                         in_use=lambda: exports_in_use(cache_root)).to_dict()
    except ExportFailed as error:
        manifest["onnx_problem"] = str(error)
    except OSError as error:
        manifest["onnx_problem"] = f"the ONNX export could not be saved ({error.strerror or error})"


def exports_in_use(cache_root: Path) -> set[str] | None:
    """The ONNX export folders (relative to the cache root) that some index's manifest names, or
    None when a manifest cannot be read: then nothing can be known to be unused."""
    from bot.onnx_export import ExportRecord

    used: set[str] = set()
    try:
        folders = [path for path in (cache_root / INDEXES).iterdir() if path.is_dir()]
    except FileNotFoundError:
        return used
    except OSError:
        return None
    for folder in folders:
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except OSError:
            return None
        except ValueError:
            continue  # a damaged manifest: that index is rebuilt before it is used
        record = ExportRecord.from_dict(manifest.get("onnx")) if isinstance(manifest, dict) else None
        if record is not None:
            used.add(record.folder)
    return used


def _same_graph(info: dict[str, Any], plan: dict[str, Any]) -> bool:
    """True if an index described by ``info`` is what ``plan`` would build (efSearch aside)."""
    def build_params(params: Any) -> dict[str, Any]:
        return {k: v for k, v in (params or {}).items() if k != "efSearch"}

    return info.get("kind") == plan["kind"] and build_params(info.get("params")) == build_params(plan["params"])


def make_index(vectors: Any, plan: dict[str, Any], progress: BuildProgress | None = None) -> faiss.Index:
    """A FAISS inner-product index of the kind ``plan`` names (see IndexSettings.plan), filled."""
    import faiss  # see _load_verified

    count, dimension = vectors.shape
    if plan["kind"] == FLAT:
        index = faiss.IndexFlatIP(dimension)
        index.add(vectors)
        return index
    params = plan["params"]
    index = faiss.IndexHNSWFlat(dimension, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = int(params["efConstruction"])
    step = 20_000  # in slices, so a long build can report progress
    for start in range(0, count, step):
        index.add(vectors[start:start + step])
        if progress:
            progress("index", min(start + step, count), count)
    index.hnsw.efSearch = int(params["efSearch"])
    return index


def _save_index(folder: Path, index: faiss.Index, plan: dict[str, Any]) -> dict[str, Any]:
    """Write the index file (named by its checksum); the manifest that points to it comes after."""
    import faiss  # see _load_verified

    final, checksum = write_checksum_named(folder, "index", ".faiss", lambda temp: faiss.write_index(index, str(temp)))
    return {"file": final.name, "sha256": checksum, **plan, "count": index.ntotal, "bytes": final.stat().st_size}


def _remove_unused(folder: Path, current: str) -> None:
    """Index files the manifest no longer names (a reader holding one mapped keeps its copy)."""
    for old in folder.glob("index-*.faiss"):
        if old.name != current:
            with contextlib.suppress(OSError):
                old.unlink()


__all__ = ["FORMAT_VERSION", "MANIFEST", "IndexSettings", "LoadedIndex", "index_folder",
           "make_index", "open_index", "read_manifest", "scan_kb", "why_stale"]
