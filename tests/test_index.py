"""The on-disk index: built once, reused, invalidated by any change, never trusted when damaged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.index import MANIFEST, VERIFIED_STAMP, IndexSettings, index_folder, open_index, read_manifest
from conftest import REPO


class RenamedModel:
    """The real encoder under another fingerprint: what a model upgrade looks like to the index."""

    def __init__(self, inner, fingerprint: str) -> None:
        self._inner = inner
        self.model_id, self.dimension, self.max_tokens = inner.model_id, inner.dimension, inner.max_tokens
        self.fingerprint = fingerprint
        self.encode, self.count_tokens = inner.encode, inner.count_tokens


def index_file(folder: Path) -> Path:
    return folder / read_manifest(folder)["index"]["file"]


def test_first_open_builds_second_reuses(mini_kb, encoder, isolated_cache):
    first = open_index(mini_kb, encoder)
    assert first.rebuilt and first.index.ntotal == len(first.passages) == 4
    folder = index_folder(mini_kb)
    manifest = read_manifest(folder)
    assert manifest["model"]["dimension"] == 384 and manifest["model"]["normalized"] is True
    assert set(manifest["files"]) == {"biases.md", "weights.md", "examples/two-inputs.md"}
    assert manifest["index"]["kind"] == "flat-ip"
    again = open_index(mini_kb, encoder)
    assert not again.rebuilt
    assert [p.id for p in again.passages] == [p.id for p in first.passages]
    assert not list(folder.glob("*.tmp")), "no temporary files are left behind"


def test_editing_adding_or_removing_a_file_rebuilds(mini_kb, encoder):
    open_index(mini_kb, encoder)
    (mini_kb / "weights.md").write_text("---\ntitle: Weights\n---\n## Changed\nNew text.\n")
    changed = open_index(mini_kb, encoder)
    assert changed.rebuilt and any(p.heading == "Weights > Changed" for p in changed.passages)
    (mini_kb / "new.md").write_text("## Extra\nMore.\n")
    assert open_index(mini_kb, encoder).rebuilt
    (mini_kb / "new.md").unlink()
    assert open_index(mini_kb, encoder).rebuilt
    assert not open_index(mini_kb, encoder).rebuilt


def test_model_change_rebuilds(mini_kb, encoder):
    open_index(mini_kb, encoder)
    assert open_index(mini_kb, RenamedModel(encoder, "another-model")).rebuilt


@pytest.mark.parametrize("damage", ["delete index", "truncate index", "flip a byte", "flip a byte, keep mtime",
                                    "corrupt manifest", "delete manifest", "manifest names another file",
                                    "wrong count"])
def test_damaged_cache_is_rebuilt_not_used(mini_kb, encoder, damage):
    open_index(mini_kb, encoder)
    assert not open_index(mini_kb, encoder).rebuilt  # a verified load stamps the index file's stat
    folder = index_folder(mini_kb)
    target = index_file(folder)
    assert (folder / VERIFIED_STAMP).is_file()
    if damage == "delete index":
        target.unlink()
    elif damage == "truncate index":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "flip a byte":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "flip a byte, keep mtime":  # the ctime still gives the write away
        before = target.stat()
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif damage == "corrupt manifest":
        (folder / MANIFEST).write_text("{ not json")
    elif damage == "delete manifest":
        (folder / MANIFEST).unlink()
    elif damage == "manifest names another file":
        manifest = read_manifest(folder)
        manifest["index"]["file"] = "../../elsewhere.faiss"
        (folder / MANIFEST).write_text(json.dumps(manifest))
    elif damage == "wrong count":
        manifest = read_manifest(folder)
        manifest["passages"] = manifest["passages"][:-1]
        (folder / MANIFEST).write_text(json.dumps(manifest))
    reopened = open_index(mini_kb, encoder)
    assert reopened.rebuilt
    assert reopened.index.ntotal == len(reopened.passages) == 4
    assert not open_index(mini_kb, encoder).rebuilt, "the rebuilt index is saved and then reused"


def test_rebuild_flag_forces_a_build(mini_kb, encoder):
    open_index(mini_kb, encoder)
    assert open_index(mini_kb, encoder, rebuild=True).rebuilt


def test_unwritable_cache_still_answers(mini_kb, encoder, tmp_path):
    """A cache that cannot be written (here: its parent is a file, which stops root too)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    loaded = open_index(mini_kb, encoder, cache_root=blocker / "cache")
    assert loaded.rebuilt and loaded.index.ntotal == 4
    assert "could not save" in loaded.manifest["unsaved"]
    assert blocker.read_text() == "x"


def test_cache_path_with_spaces_and_unicode(mini_kb, encoder, tmp_path):
    cache = tmp_path / "my cache ünïcødé"
    assert open_index(mini_kb, encoder, cache_root=cache).rebuilt
    assert not open_index(mini_kb, encoder, cache_root=cache).rebuilt


# --- incremental builds ----------------------------------------------------------------------

class CountingModel(RenamedModel):
    """The real encoder, recording every text it is asked to embed."""

    def __init__(self, inner, fingerprint: str | None = None) -> None:
        super().__init__(inner, fingerprint or inner.fingerprint)
        self.encoded: list[str] = []

        def encode(texts, *, progress=None):
            self.encoded.extend(texts)
            return inner.encode(texts, progress=progress)

        self.encode = encode


class Tripwire(RenamedModel):
    """Looks like the real model, but embedding fails the test: proof that the model is not loaded.
    With ``chunking=False`` even counting tokens (tokenizer only, for chunking) fails."""

    def __init__(self, inner, chunking: bool = True) -> None:
        super().__init__(inner, inner.fingerprint)

        def boom(*args, **kwargs):
            raise AssertionError("the model was used")

        self.encode = boom
        if not chunking:
            self.count_tokens = boom


def test_unchanged_kb_is_reused_without_loading_the_model(mini_kb, encoder):
    open_index(mini_kb, encoder)
    again = open_index(mini_kb, Tripwire(encoder, chunking=False))
    assert not again.rebuilt and again.index.ntotal == 4


def test_editing_one_file_embeds_only_its_passages(mini_kb, encoder):
    counting = CountingModel(encoder)
    first = open_index(mini_kb, counting)
    assert len(counting.encoded) == 4
    before = first.index.reconstruct_n(0, 4)
    (mini_kb / "weights.md").write_text("---\ntitle: Weights\n---\n## What is a weight?\nA multiplier on one input.\n")
    counting.encoded.clear()
    edited = open_index(mini_kb, counting)
    assert edited.rebuilt
    assert counting.encoded == [p.embed_text for p in edited.passages if p.path == "weights.md"]
    assert edited.manifest["build"] == {**edited.manifest["build"], "embedded": 1, "reused": 3}
    after = {p.id: v for p, v in zip(edited.passages, edited.index.reconstruct_n(0, 4))}
    for passage, vector in zip(first.passages, before):
        if passage.path != "weights.md":
            assert (after[passage.id] == vector).all(), "reused vectors are the stored ones, bit for bit"
    vector = encoder.encode(["a multiplier on one input"])
    assert edited.passages[int(edited.index.search(vector, 1)[1][0][0])].path == "weights.md"

    counting.encoded.clear()
    (mini_kb / "new.md").write_text("## Extra\nMore.\n")
    assert open_index(mini_kb, counting).rebuilt and counting.encoded == ["New > Extra\n\nMore."]
    counting.encoded.clear()
    (mini_kb / "new.md").unlink()
    assert open_index(mini_kb, counting).rebuilt and counting.encoded == []


def test_model_change_and_rebuild_flag_embed_everything(mini_kb, encoder):
    open_index(mini_kb, encoder)
    other = CountingModel(encoder, "another-model")
    assert open_index(mini_kb, other).rebuilt and len(other.encoded) == 4
    again = CountingModel(encoder, "another-model")
    assert open_index(mini_kb, again, rebuild=True).rebuilt and len(again.encoded) == 4


# --- two builders, killed builds ----------------------------------------------------------

def _explain(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.slow
def test_two_processes_building_at_once_build_once(mini_kb, encoder, isolated_cache):
    runs = [_explain("--kb", str(mini_kb), "--json", "what is a bias") for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert json.loads(outputs[0][0]) == json.loads(outputs[1][0])
    assert sum("building the index" in err for _, err in outputs) == 1, "the lock let only one build"
    folder = index_folder(mini_kb)
    assert len(list(folder.glob("index-*.faiss"))) == 1 and not list(folder.glob(".*.tmp"))
    assert len(list((isolated_cache / "models").glob("*/onnx-*"))) == 1
    assert not open_index(mini_kb, Tripwire(encoder)).rebuilt


def _many_sections(count: int) -> dict[str, str]:
    return {f"topic-{n:03}.md": f"# Topic {n}\n\n## Section {n}\n\nParameter fact number {n}.\n" for n in range(count)}


@pytest.mark.slow
def test_killed_build_leaves_the_old_index_usable(make_kb, encoder):
    kb = make_kb(_many_sections(400))
    old = open_index(kb, encoder)
    assert not open_index(kb, encoder).rebuilt  # loaded once: the index file's stat is stamped too
    folder = index_folder(kb)
    old_files = sorted(p.name for p in folder.iterdir())
    build = _explain("--kb", str(kb), "--rebuild")
    for line in build.stderr:  # wait until it is embedding, then kill it without warning
        if "building the index" in line:
            break
    os.kill(build.pid, signal.SIGKILL)
    build.communicate(timeout=60)
    assert build.returncode == -signal.SIGKILL
    reopened = open_index(kb, Tripwire(encoder))
    assert not reopened.rebuilt and [p.id for p in reopened.passages] == [p.id for p in old.passages]
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".tmp")) == old_files

    # What a build killed while writing leaves: a half-written temp file and an index file the
    # manifest never named. Neither is read; the next build tidies both away.
    (folder / ".index-killed.tmp").write_bytes(b"half a file")
    (folder / "index-000000000000.faiss").write_bytes(b"orphan")
    assert not open_index(kb, Tripwire(encoder)).rebuilt
    (kb / "topic-000.md").write_text("# Topic 0\n\n## Section 0\n\nChanged.\n")
    assert open_index(kb, encoder).rebuilt
    assert not list(folder.glob("*.tmp")) and not (folder / "index-000000000000.faiss").exists()


# --- index kinds, memory mapping --------------------------------------------------------------

def _mapped(path: Path) -> bool:
    return str(path) in Path("/proc/self/maps").read_text()


def test_hnsw_beyond_the_threshold_finds_what_exact_search_finds(make_kb, encoder):
    import faiss

    kb = make_kb(_many_sections(60))
    flat = open_index(kb, encoder)
    assert flat.manifest["index"]["kind"] == "flat-ip" and isinstance(flat.index, faiss.IndexFlat)
    settings = IndexSettings(hnsw_threshold=50, hnsw_m=8, ef_construction=40, ef_search=32)
    counting = CountingModel(encoder)
    hnsw = open_index(kb, counting, settings=settings)
    assert hnsw.rebuilt and counting.encoded == [], "a new index kind reuses the stored vectors"
    info = read_manifest(index_folder(kb))["index"]
    assert info["kind"] == "hnsw-ip" and info["params"] == {"M": 8, "efConstruction": 40, "efSearch": 32}
    loaded = open_index(kb, Tripwire(encoder), settings=settings)
    assert not loaded.rebuilt and isinstance(loaded.index, faiss.IndexHNSW)
    assert loaded.index.hnsw.efSearch == 32, "efSearch comes from the manifest"
    queries = encoder.encode([f"parameter fact number {n}" for n in range(0, 60, 7)])
    assert (loaded.index.search(queries, 5)[1] == flat.index.search(queries, 5)[1]).all()
    assert [p.id for p in loaded.passages] == [p.id for p in flat.passages]

    wider = IndexSettings(hnsw_threshold=50, hnsw_m=8, ef_construction=40, ef_search=64)
    changed = open_index(kb, Tripwire(encoder), settings=wider)
    assert changed.rebuilt and changed.index.hnsw.efSearch == 64
    assert read_manifest(index_folder(kb))["index"]["file"] == info["file"], "efSearch alone keeps the graph"
    back = open_index(kb, Tripwire(encoder))
    assert back.rebuilt and isinstance(back.index, faiss.IndexFlat)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads Linux's /proc/self/maps")
@pytest.mark.parametrize("threshold", [1_000, 1], ids=["flat", "hnsw"])
def test_index_files_are_memory_mapped(mini_kb, encoder, threshold):
    settings = IndexSettings(hnsw_threshold=threshold)
    open_index(mini_kb, encoder, settings=settings)
    loaded = open_index(mini_kb, encoder, settings=settings)
    assert not loaded.rebuilt and _mapped(index_file(index_folder(mini_kb)))
