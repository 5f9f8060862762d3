"""The ONNX export of the embedding model: made once per model, verified, shared by every index.

Layout under the cache root (next to ``indexes/``)::

    models/<model>-<fingerprint>/export.json                 the current export and its SHA-256
    models/<model>-<fingerprint>/onnx-<sha12>/model.onnx     the graph
    models/<model>-<fingerprint>/onnx-<sha12>/model.weights  its weights (ONNX external data)

An index build calls :func:`ensure_export`. A stored export whose checksum holds is reused (no
torch needed), and also embeds the build's new passages (:func:`stored_twin`), so only the first
build per model loads torch. Otherwise the model is exported with torch, the ONNX vectors are compared with
sentence-transformers' on varied texts (each cosine at least :data:`MIN_COSINE`), and only then
is the folder renamed into place. The index manifest records which export it uses and its
checksum; :class:`bot.encoder.OnnxEncoder` checks that checksum again before loading it.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from bot.encoder import (ONNX_FILES, OnnxEncoder, OnnxModel, SentenceTransformerEncoder, export_checksum,
                         export_intact, first_line)
from bot.files import atomic_write_text, folder_lock, remove_stale_temps, write_checksum_named_folder

MODELS = "models"
EXPORT_JSON = "export.json"
#: Every verification text must embed to within this cosine of sentence-transformers' vector.
MIN_COSINE = 0.9999

#: Checked on every export besides the knowledge base's own passages: short and long (past the
#: 256-token limit, so truncation is compared too), non-ASCII, code, numbers, near-empty.
VERIFY_TEXTS = (
    "what is a bias",
    "b",
    "Weights > What is a weight?\n\nA weight scales one input of a neuron.",
    "¿Qué es un parámetro? Ünïcödé, 日本語のテキスト, emoji 🎉 and “quotes”.",
    "```python\nfor layer in model.layers:\n    print(layer.weight.shape)\n```",
    "7,000,000,000 parameters × 2 bytes = 14 GB in fp16; 3.5 GB at 4 bits.",
    " ".join(f"token{i} and a parameter of layer {i % 12}" for i in range(200)),
)


class ExportFailed(Exception):
    """The model could not be exported, or the export does not give the model's vectors."""


@dataclass(frozen=True)
class ExportRecord:
    """What an index manifest keeps about the export it uses (folder relative to the cache root)."""

    folder: str
    sha256: str
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "sha256": self.sha256, "bytes": self.bytes}

    @classmethod
    def from_dict(cls, data: Any) -> ExportRecord | None:
        """The record if it is well formed and points inside the models folder, else None."""
        try:
            record = cls(str(data["folder"]), str(data["sha256"]), int(data["bytes"]))
        except (KeyError, TypeError, ValueError):
            return None
        parts = PurePosixPath(record.folder).parts
        if len(parts) != 3 or parts[0] != MODELS or any(p in ("", ".", "..") for p in parts):
            return None
        return record

    def model(self, cache_root: Path) -> OnnxModel:
        return OnnxModel(cache_root.joinpath(*PurePosixPath(self.folder).parts), self.sha256)

    def present(self, cache_root: Path) -> bool:
        """A cheap check (the files exist with the recorded size); the checksum is checked on load."""
        folder = self.model(cache_root).folder
        try:
            return sum((folder / name).stat().st_size for name in ONNX_FILES) == self.bytes
        except OSError:
            return False


def can_export(encoder: object) -> bool:
    return isinstance(encoder, SentenceTransformerEncoder)


def model_folder(cache_root: Path, encoder: SentenceTransformerEncoder) -> Path:
    name = encoder.model_id.rsplit("/", 1)[-1]
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:40] or "model"
    return cache_root / MODELS / f"{safe}-{encoder.fingerprint}"


#: Exports verified in this process, by model fingerprint: another cache gets a copy, not a re-export.
_VERIFIED: dict[str, tuple[Path, str, dict[str, Any]]] = {}


def ensure_export(encoder: SentenceTransformerEncoder, cache_root: Path, samples: Sequence[str] = (),
                  announce: Callable[[], None] | None = None,
                  in_use: Callable[[], set[str] | None] | None = None) -> ExportRecord:
    """A verified ONNX export of the encoder's model in the cache, made now if there is none.

    ``samples`` (e.g. some of the passages being indexed) are verified besides VERIFY_TEXTS;
    ``announce`` is called before a (slow) export. After a new export, older export folders are
    deleted only if ``in_use`` (the folders, relative to the cache root, that indexes still name;
    None if unknown) leaves them out: another index may be answering with one. Raises ExportFailed
    with a one-line reason, or OSError when the cache cannot be written.
    """
    home = model_folder(cache_root, encoder)
    with folder_lock(home, "export of this model") as locked:
        stored = _stored_export(home)
        if stored is not None:
            return _record(cache_root, *stored)
        if locked:
            remove_stale_temps(home)  # left by an export that was killed
        check: dict[str, Any] = {}
        copied = _copy_verified(home, encoder.fingerprint)
        if copied is not None:
            final, checksum = copied
            source, _, source_check = _VERIFIED[encoder.fingerprint]
            check.update(source_check, copied_from=str(source))
        else:
            if announce:
                announce()

            def export(temp: Path) -> None:
                try:
                    encoder.export_onnx(temp)
                except Exception as error:  # the exporter's failures are many and deep: one line
                    raise ExportFailed(f"the model could not be exported to ONNX ({first_line(error)})") from error
                check.update(verify(encoder, temp, samples))

            final, checksum = _publish(home, export)
        _remove_unused(cache_root, home, final, in_use() if in_use else None)
        atomic_write_text(home / EXPORT_JSON, json.dumps({
            "folder": final.name, "sha256": checksum, "model_id": encoder.model_id,
            "fingerprint": encoder.fingerprint, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "verified": check,
        }, indent=1))
        _VERIFIED[encoder.fingerprint] = (final, checksum, {k: v for k, v in check.items() if k != "copied_from"})
        return _record(cache_root, final, checksum)


def _remove_unused(cache_root: Path, home: Path, current: Path, in_use: set[str] | None) -> None:
    """Delete the model's older export folders that no index names (none, if that is unknown)."""
    if in_use is None:
        return
    for old in home.glob("onnx-*"):
        if old != current and old.relative_to(cache_root).as_posix() not in in_use:
            shutil.rmtree(old, ignore_errors=True)


def stored_twin(encoder: object, cache_root: Path) -> OnnxEncoder | None:
    """The encoder's verified ONNX export from the cache as an encoder, if there is one.

    Builds embed new passages with it, so editing a file does not load torch; it hands over to
    ``encoder`` if onnxruntime fails.
    """
    if not isinstance(encoder, SentenceTransformerEncoder):
        return None
    stored = _stored_export(model_folder(cache_root, encoder))
    if stored is None:
        return None
    return OnnxEncoder(OnnxModel(*stored), encoder.model_path, encoder.model_id, fallback=encoder)


def _stored_export(home: Path) -> tuple[Path, str] | None:
    """The export named by export.json and its checksum, if its files still have that checksum
    (hashed only when their stat moved since the last check: bot.files.checksum_holds)."""
    try:
        info = json.loads((home / EXPORT_JSON).read_text(encoding="utf-8"))
        folder = home / str(info["folder"])
        if Path(info["folder"]).name == info["folder"] and export_intact(OnnxModel(folder, str(info["sha256"]))):
            return folder, str(info["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _record(cache_root: Path, folder: Path, checksum: str) -> ExportRecord:
    size = sum((folder / name).stat().st_size for name in ONNX_FILES)
    return ExportRecord(folder.relative_to(cache_root).as_posix(), checksum, size)


def _publish(home: Path, fill: Callable[[Path], None]) -> tuple[Path, str]:
    """Let ``fill`` write an export into a temporary folder, then rename it to onnx-<sha12>."""
    return write_checksum_named_folder(home, "onnx", fill, ONNX_FILES, export_checksum)


class _CopyFailed(Exception):
    pass


def _copy_verified(home: Path, fingerprint: str) -> tuple[Path, str] | None:
    """Copy an export this process verified earlier (in another cache), if it is still intact."""
    if fingerprint not in _VERIFIED:
        return None
    source, checksum, _ = _VERIFIED[fingerprint]

    def copy(temp: Path) -> None:
        try:
            for name in ONNX_FILES:
                shutil.copyfile(source / name, temp / name)
        except OSError as error:
            raise _CopyFailed from error
        if export_checksum(temp) != checksum:
            raise _CopyFailed

    try:
        return _publish(home, copy)
    except _CopyFailed:
        del _VERIFIED[fingerprint]
        return None


def verify(encoder: SentenceTransformerEncoder, folder: Path, samples: Sequence[str] = ()) -> dict[str, Any]:
    """Compare the export's vectors with the encoder's; ExportFailed if any cosine is too low."""
    import numpy as np  # already loaded by the encoder

    texts = [*VERIFY_TEXTS, *samples]
    expected = encoder.encode(texts)
    onnx = OnnxEncoder(OnnxModel(folder, export_checksum(folder)), encoder.model_path, encoder.model_id)
    try:
        got = onnx.encode(texts)
    except Exception as error:  # ModelError from an export onnxruntime refuses
        raise ExportFailed(f"the ONNX export cannot be run ({first_line(error)})") from error
    cosines = np.sum(expected * got, axis=1)
    worst = float(cosines.min())
    if worst < MIN_COSINE:
        raise ExportFailed(f"the ONNX export gives different vectors (cosine {worst:.6f} < {MIN_COSINE})")
    return {"texts": len(texts), "min_cosine": round(worst, 7)}
