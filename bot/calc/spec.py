"""The shapes the calculator counts: a dense network or a transformer, described by plain numbers.

Every architecture the calculator knows is one ``TransformerSpec`` with switches (norm type, gated
MLP, biases, tied head, GQA, MoE, MLA ...), so one exact formula serves all families and the
per-family presets and config readers only choose the switches. Each field is checked here as a
spec is made, so every way in (presets, ``config.json``, the CLI, the chat router, the Python API)
rejects the same bad input with the same message naming the field. A total too large to be real
(sizes each plausible alone) needs the count, so the count refuses it (bot.calc.count).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from bot.errors import InputError

# Upper bounds that no real model comes near; anything above is a typo or a stress test.
MAX_WIDTH = 10_000_000          # hidden / intermediate / vocabulary / one dense layer
MAX_LAYERS = 100_000
MAX_HEADS = 1_000_000
MAX_EXPERTS = 1_000_000
MAX_POSITIONS = 1_000_000_000
MAX_DENSE_LAYERS = 10_000
MAX_PARAMS = 10**16             # ten quadrillion parameters: far beyond any published model
MAX_CONTEXT = 1_000_000_000
MAX_BATCH = 10_000_000
MAX_TOKENS = 10**18


def check_int(name: str, value: Any, *, minimum: int = 1, maximum: int = MAX_WIDTH) -> int:
    """Return ``value`` as an int, or raise ``InputError`` naming ``name``.

    Booleans are refused (``True`` is an int in Python but never a size), and floats are accepted
    only when they are whole numbers (YAML and JSON writers sometimes emit ``4096.0``).
    """
    if isinstance(value, bool) or value is None:
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InputError(f"{name} must be a whole number, got {value!r}")
        value = int(value)
    if not isinstance(value, int):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        if minimum == 1:
            raise InputError(f"{name} must be a positive whole number, got {value}")
        raise InputError(f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise InputError(f"{name} = {value:,} is absurdly large (limit {maximum:,})")
    return value


def check_number(name: str, value: Any, *, minimum: float = 0.0, maximum: float = float(MAX_TOKENS),
                 strict: bool = True) -> float:
    """Return ``value`` as a finite float (for token counts like ``2.0e12``), or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"{name} must be a finite number, got {value!r}")
    if number < minimum or (strict and number == minimum == 0.0):
        raise InputError(f"{name} must be a positive number, got {value!r}")
    if number > maximum:
        raise InputError(f"{name} = {number:g} is absurdly large (limit {maximum:g})")
    return number


def check_bool(name: str, value: Any) -> bool:
    """Booleans only: ``"false"`` as a string is a classic config mistake and must not count as true."""
    if not isinstance(value, bool):
        raise InputError(f"{name} must be true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class DenseSpec:
    """A fully connected network given by its layer widths, input first (``2,2,1`` has 9 parameters)."""

    layers: tuple[int, ...]
    bias: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.layers, (str, bytes)) or not hasattr(self.layers, "__iter__"):
            raise InputError(f"layers must be a list of layer widths, got {self.layers!r}")
        widths = tuple(self.layers)
        if len(widths) < 2:
            raise InputError(f"layers needs at least two sizes (inputs and outputs), got {len(widths)}")
        if len(widths) > MAX_DENSE_LAYERS:
            raise InputError(f"layers has {len(widths):,} sizes, which is absurdly many (limit {MAX_DENSE_LAYERS:,})")
        checked = tuple(check_int(f"layers[{i}]", w) for i, w in enumerate(widths))
        object.__setattr__(self, "layers", checked)
        check_bool("bias", self.bias)


@dataclass(frozen=True)
class TransformerSpec:
    """One transformer, with every switch that changes its parameter count.

    Defaults describe a Llama-style decoder (RMSNorm, gated MLP, RoPE, no biases, untied head).
    ``family`` is a label for people; the switches alone decide the count, so a new family that
    reuses known parts needs no new formula.
    """

    family: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    num_kv_heads: int | None = None          # None: same as num_heads (classic multi-head attention)
    head_dim: int | None = None              # None: hidden_size // num_heads
    # Positions: learned table (GPT-2, BERT) or rotary (no parameters).
    position: Literal["learned", "rope"] = "rope"
    max_positions: int | None = None
    # Norms: LayerNorm has a weight and a bias per channel; RMSNorm only a weight.
    norm: Literal["layernorm", "rmsnorm"] = "rmsnorm"
    final_norm: bool = True
    embedding_norm: bool = False              # BERT normalises the summed embeddings
    # MLP: two matrices (GELU) or three (gated: gate, up, down).
    gated_mlp: bool = True
    # Biases in linear layers.
    qkv_bias: bool = False
    out_bias: bool = False
    mlp_bias: bool = False
    # Output.
    tie_embeddings: bool = False
    lm_head: bool = True                      # False for an encoder such as BertModel
    token_types: int = 0                      # BERT's segment embeddings (type_vocab_size)
    pooler: bool = False                      # BERT's [CLS] pooler (dense d x d + bias)
    # Mixture of experts (num_experts == 0: dense MLP everywhere).
    num_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int | None = None  # None: intermediate_size
    shared_experts: int = 0
    first_dense_layers: int = 0               # DeepSeek's first_k_dense_replace
    # Multi-head latent attention (DeepSeek-V2/V3). attention == "mla" uses the fields below.
    attention: Literal["standard", "mla"] = "standard"
    q_lora_rank: int | None = None
    kv_lora_rank: int | None = None
    qk_nope_head_dim: int | None = None
    qk_rope_head_dim: int | None = None
    v_head_dim: int | None = None
    # KV cache: layers that attend over a sliding window keep at most this many tokens.
    sliding_window: int | None = None
    sliding_layers: int | None = None         # how many layers use the window (None: all of them)
    # Newer families' extras (Qwen3, Gemma 2/3, OLMo 2, Qwen2-MoE, gpt-oss).
    qk_norm: Literal["none", "head", "full"] = "none"   # RMSNorm on q and k: per head (Qwen3) or whole (OLMo 2)
    block_norms: int = 2                      # norms per block: Gemma 2/3 add post-attention/-MLP norms (4)
    shared_expert_size: int | None = None     # Qwen2-MoE: the shared expert's width (None: shared × expert size)
    shared_expert_gate: bool = False          # Qwen2-MoE: a hidden → 1 gate on the shared expert
    router_bias: bool = False                 # gpt-oss: the router has a bias per expert
    attention_sinks: bool = False             # gpt-oss: one learned sink logit per head
    # A SigLIP-style vision encoder and projector (Gemma 3 4B and up); 0 layers: none.
    vision_layers: int = 0
    vision_hidden_size: int = 0
    vision_intermediate_size: int = 0
    vision_patch_size: int = 0
    vision_image_size: int = 0

    def __post_init__(self) -> None:
        validate(self)

    # Derived sizes -------------------------------------------------------------------------
    @property
    def kv_heads(self) -> int:
        """Key/value heads: fewer than query heads means grouped-query attention (GQA/MQA)."""
        return self.num_heads if self.num_kv_heads is None else self.num_kv_heads

    @property
    def head_size(self) -> int:
        """Per-head width; Llama-family configs may set it freely (``head_dim``)."""
        return self.head_dim if self.head_dim is not None else self.hidden_size // self.num_heads

    @property
    def expert_size(self) -> int:
        """Inner width of one routed expert."""
        return self.moe_intermediate_size if self.moe_intermediate_size is not None else self.intermediate_size

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def moe_layers(self) -> int:
        return self.num_layers - self.first_dense_layers if self.is_moe else 0

    def with_changes(self, **changes: Any) -> "TransformerSpec":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The switches as JSON-able data (``None`` and default-off MoE/MLA fields left out)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = value
        return out


_MODE_FIELDS = {"position": ("learned", "rope"), "norm": ("layernorm", "rmsnorm"), "attention": ("standard", "mla"),
                "qk_norm": ("none", "head", "full")}


def validate(spec: TransformerSpec) -> None:
    """Raise ``InputError`` naming the first field that makes ``spec`` impossible or absurd."""
    if not isinstance(spec.family, str) or not spec.family:
        raise InputError(f"family must be a non-empty name, got {spec.family!r}")
    for name, allowed in _MODE_FIELDS.items():
        if getattr(spec, name) not in allowed:
            raise InputError(f"{name} must be one of {', '.join(allowed)}, got {getattr(spec, name)!r}")
    for name in ("final_norm", "embedding_norm", "gated_mlp", "qkv_bias", "out_bias", "mlp_bias",
                 "tie_embeddings", "lm_head", "pooler", "shared_expert_gate", "router_bias", "attention_sinks"):
        check_bool(name, getattr(spec, name))
    check_int("vocab_size", spec.vocab_size)
    check_int("hidden_size", spec.hidden_size)
    check_int("num_hidden_layers", spec.num_layers, maximum=MAX_LAYERS)
    check_int("num_attention_heads", spec.num_heads, maximum=MAX_HEADS)
    check_int("intermediate_size", spec.intermediate_size)
    if spec.num_kv_heads is not None:
        check_int("num_key_value_heads", spec.num_kv_heads, maximum=MAX_HEADS)
        if spec.num_heads % spec.num_kv_heads:
            raise InputError(
                f"num_attention_heads ({spec.num_heads}) must be a multiple of num_key_value_heads "
                f"({spec.num_kv_heads})"
            )
    if spec.head_dim is not None:
        check_int("head_dim", spec.head_dim)
    elif spec.attention == "standard" and spec.hidden_size % spec.num_heads:
        raise InputError(
            f"num_attention_heads ({spec.num_heads}) must divide hidden_size ({spec.hidden_size}) "
            "when head_dim is not given"
        )
    if spec.position == "rope" and spec.attention == "standard" and spec.head_size % 2:
        raise InputError(f"head_dim ({spec.head_size}) must be even: rotary position embeddings rotate pairs "
                         "of channels")
    if spec.position == "learned":
        check_int("max_position_embeddings", spec.max_positions, maximum=MAX_POSITIONS)
    elif spec.max_positions is not None:
        check_int("max_position_embeddings", spec.max_positions, maximum=MAX_POSITIONS)
    check_int("type_vocab_size", spec.token_types, minimum=0)
    if spec.sliding_window is not None:
        check_int("sliding_window", spec.sliding_window, maximum=MAX_POSITIONS)
    if spec.sliding_layers is not None:
        check_int("sliding_layers", spec.sliding_layers, minimum=0, maximum=spec.num_layers)
    check_int("block_norms", spec.block_norms, minimum=0, maximum=8)
    if spec.shared_expert_size is not None:
        check_int("shared_expert_intermediate_size", spec.shared_expert_size, minimum=0)
    check_int("vision_config.num_hidden_layers", spec.vision_layers, minimum=0, maximum=MAX_LAYERS)
    if spec.vision_layers:
        for name in ("hidden_size", "intermediate_size", "patch_size", "image_size"):
            check_int(f"vision_config.{name}", getattr(spec, f"vision_{name}"))
    # Mixture of experts.
    check_int("num_experts", spec.num_experts, minimum=0, maximum=MAX_EXPERTS)
    if spec.is_moe:
        check_int("num_experts_per_tok", spec.experts_per_token, maximum=MAX_EXPERTS)
        if spec.experts_per_token > spec.num_experts:
            raise InputError(
                f"num_experts_per_tok ({spec.experts_per_token}) cannot exceed the number of experts "
                f"({spec.num_experts})"
            )
        if spec.moe_intermediate_size is not None:
            check_int("moe_intermediate_size", spec.moe_intermediate_size)
        check_int("n_shared_experts", spec.shared_experts, minimum=0, maximum=MAX_EXPERTS)
        check_int("first_k_dense_replace", spec.first_dense_layers, minimum=0, maximum=MAX_LAYERS)
        if spec.first_dense_layers > spec.num_layers:
            raise InputError(
                f"first_k_dense_replace ({spec.first_dense_layers}) cannot exceed num_hidden_layers "
                f"({spec.num_layers})"
            )
    else:
        for name, value in (("num_experts_per_tok", spec.experts_per_token), ("n_shared_experts", spec.shared_experts),
                            ("first_k_dense_replace", spec.first_dense_layers)):
            check_int(name, value, minimum=0, maximum=MAX_LAYERS)
    # Multi-head latent attention.
    if spec.attention == "mla":
        if spec.q_lora_rank is not None:
            check_int("q_lora_rank", spec.q_lora_rank)
        check_int("kv_lora_rank", spec.kv_lora_rank)
        check_int("qk_nope_head_dim", spec.qk_nope_head_dim, minimum=0)
        check_int("qk_rope_head_dim", spec.qk_rope_head_dim)
        if spec.qk_rope_head_dim % 2:  # type: ignore[operator]
            raise InputError(f"qk_rope_head_dim ({spec.qk_rope_head_dim}) must be even: rotary position "
                             "embeddings rotate pairs of channels")
        check_int("v_head_dim", spec.v_head_dim)
    # The total, which needs the count, is checked by the count (bot.calc.count.count_transformer).


@dataclass(frozen=True)
class PublishedModel:
    """A model known only by its published figure (no architecture we can count exactly)."""

    family: str
    params_total: int
    params_active: int | None = None
    active_is_approximate: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
