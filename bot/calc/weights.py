"""Count a model from the weight files a user already has, reading headers only, never the weights.

- safetensors: an 8-byte little-endian header length, then a JSON header naming each tensor's
  dtype, shape and byte range (https://huggingface.co/docs/safetensors). Parsed here in pure
  Python: a few kilobytes of a file that may be hundreds of gigabytes.
- A sharded checkpoint: ``model.safetensors.index.json`` maps tensors to shard files; each shard's
  header is read.
- GGUF: read with the ``gguf`` package (llama.cpp's own reader), which maps the file and parses
  the metadata and tensor table without touching tensor data. Each tensor's quantisation type
  gives its exact bytes, so bits per weight come out exactly (Q4_K_M files mix several types).

Counts are of stored elements. For unquantised files that is the parameter count; packed
quantised tensors (GPTQ/AWQ int32 words, MXFP4 blocks) hold several weights per element, which is
said in a note.
"""

from __future__ import annotations

import json
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from bot.errors import InputError

# Bits per element of each safetensors dtype (https://github.com/huggingface/safetensors, Dtype).
SAFETENSORS_BITS: dict[str, int] = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16,
    "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "I64": 64, "U64": 64, "F64": 64,
    "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}
MAX_HEADER_BYTES = 100_000_000       # safetensors' own limit
INDEX_FILE = "model.safetensors.index.json"
# Tensors whose elements pack several weights: the count is of stored elements, not weights.
PACKED = re.compile(r"(qweight|qzeros|_blocks|\.absmax|quant_map|weight_packed)$")


@dataclass(frozen=True)
class DtypeTotal:
    """Elements and bytes stored at one dtype or quantisation type."""

    name: str
    elements: int
    bytes: int
    tensors: int

    @property
    def bits_per_weight(self) -> float:
        return 8 * self.bytes / self.elements if self.elements else 0.0


@dataclass(frozen=True)
class WeightsReading:
    """What the headers of a weight file (or a set of shards) say: exact counts and bytes."""

    path: str
    format: str                               # "safetensors" | "gguf"
    files: int
    tensors: int
    elements: int
    bytes: int
    by_dtype: tuple[DtypeTotal, ...]
    components: dict[str, int]
    architecture: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def bits_per_weight(self) -> float:
        """Stored bits per element, scales and block headers included: Q4_K_M is ~4.9, not 4."""
        return 8 * self.bytes / self.elements if self.elements else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "files": self.files, "tensors": self.tensors,
                "elements": self.elements, "bytes": self.bytes, "bits_per_weight": round(self.bits_per_weight, 4),
                "architecture": self.architecture,
                "by_dtype": [{"dtype": d.name, "elements": d.elements, "bytes": d.bytes, "tensors": d.tensors,
                              "bits_per_weight": round(d.bits_per_weight, 4)} for d in self.by_dtype],
                "components": dict(self.components), "notes": list(self.notes)}


@dataclass(frozen=True)
class _Tensor:
    name: str
    dtype: str
    elements: int
    bytes: int


def read_weights(path: str | Path) -> WeightsReading:
    """Read a ``.safetensors`` file, a sharded index, a ``.gguf`` file, or a folder holding them."""
    path = Path(path).expanduser()
    if not path.exists():
        raise InputError(f"weights not found: {path}")
    if path.is_dir():
        return _read_folder(path)
    if path.name.endswith(".index.json"):
        return _read_index(path)
    if path.suffix == ".gguf":
        return read_gguf(path)
    if path.suffix == ".safetensors":
        return _summarise(str(path), "safetensors", 1, _safetensors_tensors(path))
    raise InputError(f"{path.name} is not a .safetensors, .gguf or model.safetensors.index.json file")


def _read_folder(folder: Path) -> WeightsReading:
    if (folder / INDEX_FILE).is_file():
        return _read_index(folder / INDEX_FILE)
    shards = sorted(folder.glob("*.safetensors"))
    if shards:
        tensors = [t for shard in shards for t in _safetensors_tensors(shard)]
        return _summarise(str(folder), "safetensors", len(shards), tensors)
    ggufs = sorted(folder.glob("*.gguf"))
    if len(ggufs) == 1:
        return read_gguf(ggufs[0])
    if ggufs:
        raise InputError(f"{folder} holds {len(ggufs)} .gguf files; give one of them")
    raise InputError(f"{folder} holds no .safetensors, {INDEX_FILE} or .gguf file")


def _read_index(index: Path) -> WeightsReading:
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{index} is not a readable JSON index: {error}") from None
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        raise InputError(f"{index} has no weight_map")
    shards = sorted(set(map(str, weight_map.values())))
    tensors = [t for shard in shards for t in _safetensors_tensors(index.parent / shard)]
    missing = set(weight_map) - {t.name for t in tensors}
    if missing:
        raise InputError(f"{index.name} lists {len(missing)} tensors that no shard holds, e.g. {min(missing)}")
    return _summarise(str(index), "safetensors", len(shards), tensors)


def _safetensors_tensors(path: Path) -> list[_Tensor]:
    """The tensors a safetensors header declares, checked against the file's length."""
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            head = f.read(8)
            if len(head) < 8:
                raise InputError(f"{path.name} is {'empty' if not head else 'truncated'}: no safetensors header")
            (length,) = struct.unpack("<Q", head)
            if length > MAX_HEADER_BYTES or 8 + length > size:
                raise InputError(f"{path.name} is truncated or not safetensors: its header claims {length:,} bytes "
                                 f"of a {size:,}-byte file")
            header = json.loads(f.read(length).decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"shard not found: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path.name} is not safetensors: its header is not JSON") from None
    if not isinstance(header, dict):
        raise InputError(f"{path.name} is not safetensors: its header is not a JSON object")
    data_size = size - 8 - length
    out = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (start, end) = info["dtype"], info["shape"], info["data_offsets"]
            elements = 1
            for dim in shape:
                if not isinstance(dim, int) or dim < 0:
                    raise ValueError
                elements *= dim
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path.name}: tensor {name} has a malformed header entry") from None
        if dtype not in SAFETENSORS_BITS:
            raise InputError(f"{path.name}: tensor {name} has unknown dtype {dtype!r}")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= data_size):
            raise InputError(f"{path.name} is truncated: tensor {name} ends at byte {end:,} of {data_size:,}")
        if end - start != (elements * SAFETENSORS_BITS[dtype] + 7) // 8:
            raise InputError(f"{path.name}: tensor {name} holds {end - start:,} bytes, not what {dtype} {shape} needs")
        out.append(_Tensor(name, dtype, elements, end - start))
    return out


def read_gguf(path: Path) -> WeightsReading:
    """A GGUF file's tensor table: elements, quantisation type and exact bytes per tensor."""
    with path.open("rb") as f:
        magic = f.read(4)
    if not magic:
        raise InputError(f"{path.name} is empty")
    if magic != b"GGUF":
        raise InputError(f"{path.name} is not GGUF: it does not start with the GGUF magic bytes")
    try:
        import gguf
    except ImportError:
        raise InputError("reading GGUF needs the gguf package: pip install gguf") from None
    try:
        reader = gguf.GGUFReader(path, "r")
        tensors = [_Tensor(t.name, t.tensor_type.name, int(t.n_elements), int(t.n_bytes)) for t in reader.tensors]
        arch_field = reader.get_field("general.architecture")
        architecture = arch_field.contents() if arch_field is not None else None
    except InputError:
        raise
    except Exception as error:  # the reader raises ValueError, struct and numpy errors on bad files
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"{path.name} is truncated or malformed GGUF (the gguf reader says: {message[:160]})") from None
    return _summarise(str(path), "gguf", 1, tensors, architecture=architecture)


def _summarise(path: str, fmt: str, files: int, tensors: Iterable[_Tensor], *,
               architecture: str | None = None) -> WeightsReading:
    tensors = list(tensors)
    if not tensors:
        raise InputError(f"{path} declares no tensors")
    by: dict[str, list[int]] = {}
    components: Counter[str] = Counter()
    packed = 0
    for t in tensors:
        entry = by.setdefault(t.dtype, [0, 0, 0])
        entry[0] += t.elements
        entry[1] += t.bytes
        entry[2] += 1
        components[component_of(t.name)] += t.elements
        packed += bool(PACKED.search(t.name))
    notes = []
    if packed:
        notes.append(f"{packed} tensors are packed quantised data (several weights per stored element): the count "
                     "is of stored elements, not of the model's parameters")
    dtypes = tuple(DtypeTotal(name, *values) for name, values in sorted(by.items(), key=lambda kv: -kv[1][1]))
    return WeightsReading(path=path, format=fmt, files=files, tensors=len(tensors),
                          elements=sum(t.elements for t in tensors), bytes=sum(t.bytes for t in tensors),
                          by_dtype=dtypes, components=dict(components.most_common()),
                          architecture=architecture, notes=tuple(notes))


def component_of(name: str) -> str:
    """The component a tensor belongs to, from its name (transformers' names and llama.cpp's)."""
    n = name.lower()
    rules = (
        ("experts", r"_exps\.|\.experts\."),
        ("router", r"ffn_gate_inp|\.gate\.weight$|\.router\.|shared_expert_gate"),
        ("norms", r"norm|(^|\.)ln_?\w*\."),
        ("embeddings", r"embed|token_embd|(^|\.)wte\.|(^|\.)wpe\."),
        ("head", r"^lm_head\.|^output\.weight$"),
        ("attention", r"attn|attention"),
        ("mlp", r"mlp|ffn|feed_forward"),
    )
    return next((label for label, pattern in rules if re.search(pattern, n)), "other")
