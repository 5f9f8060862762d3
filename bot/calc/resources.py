"""Memory and compute from a parameter count: the rules of thumb, each with its source.

- Weights: parameters × bytes per parameter (4 fp32, 2 fp16/bf16, 1 int8, 0.5 int4). Real int4
  files add a few percent for per-group scales; that overhead is noted, not counted.
- Training with mixed precision and Adam: 16 bytes per parameter (fp16 weights 2 + fp16 gradients 2
  + fp32 master weights 4 + Adam momentum 4 + variance 4), Rajbhandari et al. 2019 (ZeRO),
  arXiv:1910.02054. Activations come on top and depend on batch and sequence length.
- KV cache: 2 (K and V) × layers × KV heads × head size × tokens × batch × bytes; grouped-query
  attention stores fewer KV heads; DeepSeek-V3's multi-head latent attention stores one compressed
  latent (kv_lora_rank + qk_rope_head_dim numbers) per layer and token instead.
- FLOPs: about 2N per generated token and 6ND to train on D tokens (Kaplan et al. 2020,
  arXiv:2001.08361), with N the *active* parameters for a mixture of experts.
- Compute-optimal data: about 20 tokens per parameter (Hoffmann et al. 2022, arXiv:2203.15556).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.calc.spec import MAX_BATCH, MAX_CONTEXT, TransformerSpec, check_int, check_number
from bot.errors import InputError

# Bits rather than bytes so int4's half byte stays an exact integer.
BITS_PER_PARAM: dict[str, int] = {"fp32": 32, "fp16": 16, "bf16": 16, "int8": 8, "int4": 4}
PRECISIONS: tuple[str, ...] = tuple(BITS_PER_PARAM)
PRECISION_ALIASES = {
    "float32": "fp32", "f32": "fp32", "32": "fp32", "full": "fp32",
    "float16": "fp16", "half": "fp16", "f16": "fp16", "16": "fp16",
    "bfloat16": "bf16",
    "8bit": "int8", "8-bit": "int8", "q8": "int8", "8": "int8",
    "4bit": "int4", "4-bit": "int4", "q4": "int4", "4": "int4",
}
# KV-cache formats: (values per block, bytes per block). llama.cpp's q8_0 and q4_0 store 32 values with
# one fp16 scale (ggml-common.h: block_q8_0 is 34 bytes, block_q4_0 18), so 8.5 and 4.5 bits per value.
KV_FORMATS: dict[str, tuple[int, int]] = {
    "fp32": (1, 4), "fp16": (1, 2), "bf16": (1, 2), "fp8": (1, 1), "int8": (1, 1), "q8_0": (32, 34),
    "q4_0": (32, 18), "int4": (2, 1),
}
TRAINING_BYTES_PER_PARAM = 16          # mixed precision + Adam, ZeRO paper
TOKENS_PER_PARAM_OPTIMAL = 20          # Chinchilla


def precision_name(value: Any) -> str:
    """Normalise ``FP16``/``float16``/``half`` to ``fp16``; raise ``InputError`` naming ``precision``."""
    if not isinstance(value, str):
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, got {value!r}")
    key = value.strip().lower()
    key = PRECISION_ALIASES.get(key, key)
    if key not in BITS_PER_PARAM:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, got {value!r}")
    return key


def kv_format_name(value: Any) -> str:
    """A KV-cache format: any weight precision, or fp8, q8_0 and q4_0 (``--cache-type-k`` in llama.cpp)."""
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, str) and key in KV_FORMATS:
        return key
    try:
        return precision_name(value)
    except InputError:
        raise InputError(f"KV cache type must be one of {', '.join(KV_FORMATS)}, got {value!r}") from None


def kv_bytes(values: int, fmt: str) -> int:
    """Bytes for ``values`` cached numbers in KV format ``fmt`` (whole blocks)."""
    per_block, block_bytes = KV_FORMATS[fmt]
    return -(-values // per_block) * block_bytes


def _bytes(count: int, bits: int) -> int:
    return (count * bits + 7) // 8


def weights_bytes(params: int, precision: str = "fp16") -> int:
    """Bytes to hold ``params`` weights at ``precision`` (rounded up to a whole byte)."""
    return _bytes(params, BITS_PER_PARAM[precision_name(precision)])


def memory_table(params: int) -> dict[str, int]:
    """Weights' bytes at every supported precision."""
    return {p: weights_bytes(params, p) for p in PRECISIONS}


def training_bytes(params: int) -> int:
    """Model states for mixed-precision Adam training: 16 bytes per parameter (ZeRO paper)."""
    return params * TRAINING_BYTES_PER_PARAM


def inference_flops_per_token(active_params: int) -> int:
    """About 2 FLOPs (one multiply, one add) per active parameter for each generated token."""
    return 2 * active_params


def training_flops(active_params: int, tokens: float) -> float:
    """About 6 FLOPs per active parameter per training token: 2 forward + 4 backward."""
    return 6.0 * active_params * check_number("tokens", tokens)


def compute_optimal_tokens(params: int) -> int:
    """Chinchilla's rule of thumb: about 20 training tokens per parameter."""
    return TOKENS_PER_PARAM_OPTIMAL * params


@dataclass(frozen=True)
class KVShape:
    """What the KV cache depends on, for a model known only from transformers' module tree (bot.calc.meta)."""

    num_layers: int                     # layers that attend (and so cache); SSM layers keep a fixed state
    kv_heads: int
    head_size: int
    sliding_window: int | None = None
    sliding_layers: int | None = None
    attention: str = "standard"         # "mla": one latent of kv_lora_rank + qk_rope_head_dim per layer
    kv_lora_rank: int | None = None
    qk_rope_head_dim: int | None = None


@dataclass(frozen=True)
class KVCache:
    """The KV cache for one batch: bytes and how they were obtained."""

    context: int
    batch: int
    precision: str
    cached_tokens: int          # per sequence, after any sliding window
    values_per_token: int       # numbers stored per token across all layers
    bytes: int
    formula: str

    window_bytes: int | None = None   # hybrid models: if sliding layers kept only their window

    @property
    def bytes_per_token(self) -> int:
        return kv_bytes(self.values_per_token, self.precision)

    def to_dict(self) -> dict[str, Any]:
        return {"context": self.context, "batch": self.batch, "precision": self.precision,
                "cached_tokens": self.cached_tokens, "values_per_token": self.values_per_token,
                "bytes_per_token": self.bytes_per_token, "bytes": self.bytes, "formula": self.formula,
                "window_bytes": self.window_bytes}


def kv_cache(spec: TransformerSpec | KVShape, context: int, batch: int = 1, precision: str = "fp16") -> KVCache:
    """KV-cache size for ``batch`` sequences of ``context`` tokens (GQA- and MLA-aware).

    For an encoder such as BERT this is what a decoder of the same shape would store; reports leave
    it out, since an encoder keeps no cache between steps.
    """
    context = check_int("context", context, maximum=MAX_CONTEXT)
    batch = check_int("batch", batch, maximum=MAX_BATCH)
    precision = kv_format_name(precision)
    per_block, block_bytes = KV_FORMATS[precision]
    size = f"{block_bytes / per_block:g} bytes"
    window = spec.sliding_window
    sliding = 0 if window is None else (spec.num_layers if spec.sliding_layers is None else spec.sliding_layers)
    tokens = context if window is None or sliding < spec.num_layers else min(context, window)
    L = spec.num_layers
    if spec.attention == "mla":
        assert spec.kv_lora_rank is not None and spec.qk_rope_head_dim is not None
        per_layer = spec.kv_lora_rank + spec.qk_rope_head_dim
        what = f"(kv_lora_rank {spec.kv_lora_rank} + rope {spec.qk_rope_head_dim})"
    else:
        per_layer = 2 * spec.kv_heads * spec.head_size
        what = f"2 (K and V) × {spec.kv_heads} KV heads × {spec.head_size} head size"
    per_token = L * per_layer
    if 0 < sliding < L and window is not None and context > window:
        # Hybrid: engines such as vLLM size every layer's pages for the whole context (hf-mem #60 measured
        # gpt-oss-20b at 8k × 32 this way: 12.00 GiB); llama.cpp keeps only the window in sliding layers.
        kept = (L - sliding) * context + sliding * window
        window_total = kv_bytes(per_layer * kept * batch, precision)
        formula = (f"2 (K and V) × {L} layers × {spec.kv_heads} KV heads × {spec.head_size} head size × "
                   f"{context:,} tokens × batch {batch} × {size} (every layer's pages sized for the context, as vLLM "
                   f"allocates; keeping only the {window:,}-token window in the {sliding} sliding layers, as "
                   f"llama.cpp does: {window_total:,} bytes)")
        total = kv_bytes(per_token * context * batch, precision)
        return KVCache(context, batch, precision, context, per_token, total, formula, window_total)
    window_note = (f" (sliding window: at most {window:,} tokens kept)"
                   if window is not None and context > window and sliding == L else "")
    tail = f"{tokens:,} tokens × batch {batch} × {size}{window_note}"
    formula = (f"{L} layers × {what} × {tail}" if spec.attention == "mla" else
               f"2 (K and V) × {L} layers × {spec.kv_heads} KV heads × {spec.head_size} head size × {tail}")
    total = kv_bytes(per_token * tokens * batch, precision)
    return KVCache(context, batch, precision, tokens, per_token, total, formula)
