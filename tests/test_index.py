"""The on-disk index: built once, reused, invalidated by any change, never trusted when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.index import MANIFEST, index_folder, open_index, read_manifest


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


@pytest.mark.parametrize("damage", ["delete index", "truncate index", "flip a byte", "corrupt manifest",
                                    "delete manifest", "manifest names another file", "wrong count"])
def test_damaged_cache_is_rebuilt_not_used(mini_kb, encoder, damage):
    open_index(mini_kb, encoder)
    folder = index_folder(mini_kb)
    target = index_file(folder)
    if damage == "delete index":
        target.unlink()
    elif damage == "truncate index":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "flip a byte":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
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
