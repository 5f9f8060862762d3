"""A section's paragraphs, and which of them answers a question best.

Retrieval finds the section; the sentences that answer are not always its first paragraph ("what
is the role of the bias?" is answered by the paragraph on what a bias does, not by the definition
that opens the section). A section is cut into blocks (paragraphs; a paragraph that ends with ":"
or is a short lead-in keeps the list, table or paragraph it introduces), and each block is compared
with the question by the same embedding model.

Block vectors are computed when a section is first shown and kept in ``paragraphs.json`` in the
index folder (base64 of little-endian float32, keyed by the block's SHA-1, written atomically,
never pickled), so a section's blocks are embedded once per model, not once per question.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from bot.encoder import Encoder

if TYPE_CHECKING:
    import numpy as np

CACHE_FILE = "paragraphs.json"
#: A first paragraph shorter than this is a lead-in ("Both use 16 bits; they split them
#: differently."): the paragraph after it, which says how, belongs with it.
MIN_LEAD_WORDS = 40
#: A last paragraph shorter than this stays with the one before it.
MIN_TAIL_WORDS = 15


def blocks(text: str) -> list[str]:
    """The section's text as answerable blocks, in order (see the module docstring)."""
    out: list[str] = []
    for block in (b.strip("\n") for b in re.split(r"\n[ \t]*\n", text.strip()) if b.strip()):
        if out and (out[-1].rstrip().endswith(":") or len(out[-1].split()) < MIN_LEAD_WORDS):
            out[-1] = f"{out[-1]}\n\n{block}"  # a lead-in keeps what it introduces
        else:
            out.append(block)
    if len(out) > 1 and len(out[-1].split()) < MIN_TAIL_WORDS:
        out[-2:] = [f"{out[-2]}\n\n{out[-1]}"]  # a closing pointer ("See the worked example.") is not an answer
    return out


def first_block(text: str) -> str:
    found = blocks(text)
    return found[0] if found else ""


class BlockVectors:
    """Embeddings of section blocks, computed on first use and cached beside the index."""

    def __init__(self, encoder: Encoder, folder: Path | None) -> None:
        self.encoder = encoder
        self.folder = folder
        self._cache: dict[str, np.ndarray] | None = None

    def vectors(self, texts: list[str]) -> np.ndarray:
        """One normalised vector per text (shape texts x dimension)."""
        import numpy as np

        cache = self._load()
        keys = [_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts) if k not in cache}
        if missing:
            cache.update(zip(missing, self.encoder.encode(list(missing.values()))))
            self._save(cache)
        return np.stack([cache[k] for k in keys]) if keys else np.zeros((0, self.encoder.dimension), "float32")

    def _load(self) -> dict[str, np.ndarray]:
        if self._cache is None:
            self._cache = _read(self.folder, self.encoder) if self.folder else {}
        return self._cache

    def _save(self, cache: dict[str, np.ndarray]) -> None:
        if not self.folder:
            return
        from bot.index import atomic_write_text

        keys = sorted(cache)
        blob = b"".join(cache[k].astype("<f4").tobytes() for k in keys)
        data = {"model": self.encoder.fingerprint, "dimension": self.encoder.dimension,
                "dtype": "float32-le-base64", "keys": keys, "vectors": base64.b64encode(blob).decode("ascii")}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.folder / CACHE_FILE, json.dumps(data))
        except OSError:
            pass  # a read-only cache: blocks are embedded again next time, nothing else is lost


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _read(folder: Path, encoder: Encoder) -> dict[str, np.ndarray]:
    import numpy as np

    try:
        data = json.loads((folder / CACHE_FILE).read_text(encoding="utf-8"))
        if data.get("model") != encoder.fingerprint or data.get("dimension") != encoder.dimension:
            return {}
        keys = [str(k) for k in data["keys"]]
        matrix = np.frombuffer(base64.b64decode(data["vectors"]), dtype="<f4").reshape(len(keys), encoder.dimension)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # missing or damaged: recompute
    return dict(zip(keys, matrix))
