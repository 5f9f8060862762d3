"""Section headings embedded on their own, cached beside the index.

The knowledge base phrases every heading as the question the section answers, so a question's
similarity to a heading alone is a strong ranking signal that the passage vectors (dominated by the
section's text) blur: "what is a parameter" is close to "What is a parameter in an LLM?" even when
that section's text talks mostly about LLMs. The vectors are computed once per model and heading
and kept in ``headings.json`` in the index folder: base64 of little-endian float32, written
atomically (temp file + rename), never pickled. A KB edit only embeds the headings it added.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.corpus import Passage
from bot.encoder import Encoder

if TYPE_CHECKING:
    import numpy as np

CACHE_FILE = "headings.json"


def heading_vectors(passages: Sequence[Passage], encoder: Encoder, folder: Path | None) -> np.ndarray:
    """One normalised vector per passage (shape passages x dimension), from the cache where it can.

    A document's intro (the text before its first heading) asks no question of its own: its row
    is zero, so likeness to the title ("Parameters") never lifts an overview above the section
    that answers ("What is a parameter in an LLM?")."""
    import numpy as np

    texts = {p.heading_path[-1] for p in passages if p.anchor}
    cached = _read(folder, encoder) if folder else {}
    missing = sorted(texts - cached.keys())
    if missing:
        cached.update(zip(missing, encoder.encode(missing)))
        if folder:
            _write(folder, encoder, {t: cached[t] for t in texts})
    vectors = np.zeros((len(passages), encoder.dimension), dtype="float32")
    for row, p in enumerate(passages):
        if p.anchor:
            vectors[row] = cached[p.heading_path[-1]]
    return vectors


def _read(folder: Path, encoder: Encoder) -> dict[str, np.ndarray]:
    import numpy as np

    try:
        data = json.loads((folder / CACHE_FILE).read_text(encoding="utf-8"))
        if data.get("model") != encoder.fingerprint or data.get("dimension") != encoder.dimension:
            return {}
        vectors = {str(t): np.frombuffer(base64.b64decode(v), dtype="<f4") for t, v in data["vectors"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # missing or damaged: recompute
    return {t: v for t, v in vectors.items() if v.shape == (encoder.dimension,)}


def _write(folder: Path, encoder: Encoder, vectors: dict[str, np.ndarray]) -> None:
    from bot.files import atomic_write_text

    data = {
        "model": encoder.fingerprint, "dimension": encoder.dimension, "dtype": "float32-le-base64",
        "vectors": {t: base64.b64encode(v.astype("<f4").tobytes()).decode("ascii") for t, v in sorted(vectors.items())},
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / CACHE_FILE, json.dumps(data, ensure_ascii=False))
    except OSError:
        pass  # a read-only cache: the vectors are recomputed next time, nothing else is lost
