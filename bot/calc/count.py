"""Exact parameter counts, component by component, with the arithmetic shown.

The counts follow the modules that Hugging Face transformers builds for each family (tests build
those models on the meta device and compare every preset and random configs), so "exact" means
"the same integer as ``sum(p.numel() for p in model.parameters())``". Buffers (rotary tables,
attention masks, DeepSeek's router score-correction bias) are not parameters and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.calc.spec import MAX_PARAMS, DenseSpec, TransformerSpec
from bot.errors import InputError


def _n(value: int) -> str:
    """Thousands separators make the working readable: 4,096 × 4,096."""
    return f"{value:,}"


@dataclass(frozen=True)
class DenseLayer:
    """One fully connected layer: every input meets every output (weights), plus one bias per output."""

    index: int
    inputs: int
    outputs: int
    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases

    @property
    def formula(self) -> str:
        base = f"{self.inputs} × {self.outputs} = {_n(self.weights)} weights"
        if self.biases:
            return f"{base} + {_n(self.biases)} biases = {_n(self.total)}"
        return base

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.index, "inputs": self.inputs, "outputs": self.outputs, "weights": self.weights,
                "biases": self.biases, "total": self.total, "formula": self.formula}


@dataclass(frozen=True)
class DenseCount:
    """Parameters of a dense network, per layer and in total."""

    spec: DenseSpec
    layers: tuple[DenseLayer, ...]

    @property
    def weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    @property
    def biases(self) -> int:
        return sum(layer.biases for layer in self.layers)

    @property
    def total(self) -> int:
        return self.weights + self.biases


def count_dense(spec: DenseSpec) -> DenseCount:
    """Weights n_in × n_out and biases n_out for each pair of consecutive layer widths."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(spec.layers, spec.layers[1:]), start=1):
        layers.append(DenseLayer(i, n_in, n_out, n_in * n_out, n_out if spec.bias else 0))
    return DenseCount(spec, tuple(layers))


@dataclass(frozen=True)
class Component:
    """One part of a transformer: how many parameters, how many are used per token, and why.

    ``per_layer``/``layers`` are set for parts repeated in every block; ``parts`` breaks one
    layer's count down (q, k, v, o ...); ``formula`` shows the numbers substituted in.
    """

    name: str
    label: str
    count: int
    formula: str
    active: int | None = None                 # None: all of it is used for every token
    per_layer: int | None = None
    layers: int | None = None
    parts: dict[str, int] = field(default_factory=dict)

    @property
    def active_count(self) -> int:
        return self.count if self.active is None else self.active

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "count": self.count,
                               "active": self.active_count, "formula": self.formula}
        if self.per_layer is not None:
            out["per_layer"] = self.per_layer
            out["layers"] = self.layers
        if self.parts:
            out["parts_per_layer"] = dict(self.parts)
        return out


EMBEDDING_COMPONENTS = ("token_embeddings", "position_embeddings", "token_type_embeddings")


@dataclass(frozen=True)
class TransformerCount:
    """A transformer's parameters by component; totals are sums of the components."""

    spec: TransformerSpec
    components: tuple[Component, ...]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.components)

    @property
    def active(self) -> int:
        """Parameters used for one token: all of them for a dense model; for MoE, the routed
        experts actually chosen (top-k) plus everything shared (attention, router, shared experts,
        embeddings, head), which is how Mixtral's 12.9B and DeepSeek-V3's 37B are counted."""
        return sum(c.active_count for c in self.components)

    @property
    def embedding(self) -> int:
        """Input lookup tables (token, position, token-type): Kaplan et al.'s "embedding parameters"."""
        return sum(c.count for c in self.components if c.name in EMBEDDING_COMPONENTS)

    @property
    def non_embedding(self) -> int:
        return self.total - self.embedding

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)


def _linear(n_in: int, n_out: int, bias: bool) -> int:
    return n_in * n_out + (n_out if bias else 0)


def _attention_parts(s: TransformerSpec) -> dict[str, int]:
    """One layer's attention, per projection (plus MLA's small norms)."""
    d = s.hidden_size
    if s.attention == "mla":
        qk_head = (s.qk_nope_head_dim or 0) + (s.qk_rope_head_dim or 0)
        parts: dict[str, int] = {}
        if s.q_lora_rank is None:
            parts["q_proj"] = _linear(d, s.num_heads * qk_head, False)
        else:
            parts["q_a_proj"] = _linear(d, s.q_lora_rank, s.qkv_bias)
            parts["q_a_norm"] = s.q_lora_rank
            parts["q_b_proj"] = _linear(s.q_lora_rank, s.num_heads * qk_head, False)
        assert s.kv_lora_rank is not None and s.qk_rope_head_dim is not None and s.v_head_dim is not None
        parts["kv_a_proj"] = _linear(d, s.kv_lora_rank + s.qk_rope_head_dim, s.qkv_bias)
        parts["kv_a_norm"] = s.kv_lora_rank
        parts["kv_b_proj"] = _linear(s.kv_lora_rank, s.num_heads * ((s.qk_nope_head_dim or 0) + s.v_head_dim), False)
        parts["o_proj"] = _linear(s.num_heads * s.v_head_dim, d, s.out_bias)
        return parts
    q_width = s.num_heads * s.head_size
    kv_width = s.kv_heads * s.head_size
    parts = {
        "q_proj": _linear(d, q_width, s.qkv_bias),
        "k_proj": _linear(d, kv_width, s.qkv_bias),
        "v_proj": _linear(d, kv_width, s.qkv_bias),
        "o_proj": _linear(q_width, d, s.out_bias),
    }
    if s.qk_norm != "none":     # per head: one shared scale of head size; full: a scale per channel
        parts["q_norm"] = s.head_size if s.qk_norm == "head" else q_width
        parts["k_norm"] = s.head_size if s.qk_norm == "head" else kv_width
    if s.attention_sinks:
        parts["sinks"] = s.num_heads
    return parts


def _attention_formula(s: TransformerSpec, per_layer: int) -> str:
    d = s.hidden_size
    if s.attention == "mla":
        qk_head = (s.qk_nope_head_dim or 0) + (s.qk_rope_head_dim or 0)
        pieces = []
        if s.q_lora_rank is None:
            pieces.append(f"q {_n(d)}×{_n(s.num_heads * qk_head)}")
        else:
            pieces.append(f"q_a {_n(d)}×{_n(s.q_lora_rank)} + q norm {_n(s.q_lora_rank)}"
                          f" + q_b {_n(s.q_lora_rank)}×{_n(s.num_heads * qk_head)}")
        assert s.kv_lora_rank is not None and s.qk_rope_head_dim is not None and s.v_head_dim is not None
        pieces.append(f"kv_a {_n(d)}×{_n(s.kv_lora_rank + s.qk_rope_head_dim)} + kv norm {_n(s.kv_lora_rank)}"
                      f" + kv_b {_n(s.kv_lora_rank)}×{_n(s.num_heads * ((s.qk_nope_head_dim or 0) + s.v_head_dim))}")
        pieces.append(f"o {_n(s.num_heads * s.v_head_dim)}×{_n(d)}")
        if s.qkv_bias or s.out_bias:
            pieces.append("biases")
        return f"{s.num_layers} layers × ({' + '.join(pieces)}) = {s.num_layers} × {_n(per_layer)}"
    q_width = s.num_heads * s.head_size
    kv_width = s.kv_heads * s.head_size
    pieces = [f"q {_n(d)}×{_n(q_width)}", f"k {_n(d)}×{_n(kv_width)}", f"v {_n(d)}×{_n(kv_width)}",
              f"o {_n(q_width)}×{_n(d)}"]
    biases = []
    if s.qkv_bias:
        biases.append(f"q/k/v biases {_n(q_width + 2 * kv_width)}")
    if s.out_bias:
        biases.append(f"o bias {_n(d)}")
    if s.qk_norm != "none":
        size = (s.head_size, s.head_size) if s.qk_norm == "head" else (q_width, kv_width)
        biases.append(f"q/k norms {_n(size[0])} + {_n(size[1])}")
    if s.attention_sinks:
        biases.append(f"sinks {s.num_heads}")
    return f"{s.num_layers} layers × ({' + '.join(pieces + biases)}) = {s.num_layers} × {_n(per_layer)}"


def _mlp(s: TransformerSpec, inner: int) -> int:
    """A gated MLP has gate, up and down matrices; a classic one has up and down."""
    d = s.hidden_size
    if s.gated_mlp:
        return 2 * _linear(d, inner, s.mlp_bias) + _linear(inner, d, s.mlp_bias)
    return _linear(d, inner, s.mlp_bias) + _linear(inner, d, s.mlp_bias)


def _mlp_formula(s: TransformerSpec, inner: int) -> str:
    d = s.hidden_size
    mats = 3 if s.gated_mlp else 2
    text = f"{mats} × {_n(d)}×{_n(inner)}"
    if s.mlp_bias:
        text += f" + biases {_n((2 if s.gated_mlp else 1) * inner + d)}"
    return text


def _norm_size(s: TransformerSpec) -> int:
    """LayerNorm learns a scale and a shift per channel; RMSNorm only a scale."""
    return 2 * s.hidden_size if s.norm == "layernorm" else s.hidden_size


def _vision(s: TransformerSpec) -> Component:
    """A SigLIP vision encoder (biased attention and MLP, LayerNorms) and Gemma 3's projector into the text width."""
    D, I, L, p = s.vision_hidden_size, s.vision_intermediate_size, s.vision_layers, s.vision_patch_size
    positions = (s.vision_image_size // p) ** 2
    patch = 3 * p * p * D + D
    layer = 4 * (D * D + D) + (D * I + I) + (I * D + D) + 2 * 2 * D
    projector = D + D * s.hidden_size                   # an RMSNorm, then D × hidden
    total = patch + positions * D + L * layer + 2 * D + projector
    return Component("vision", "Vision encoder and projector", total,
                     f"patches 3×{p}×{p}×{_n(D)} + {_n(D)} + positions {_n(positions)} × {_n(D)} + {L} layers × "
                     f"(attention 4 × ({_n(D)}² + {_n(D)}) + MLP {_n(D)}×{_n(I)} ×2 + biases + 2 LayerNorms) + final "
                     f"LayerNorm + projector {_n(D)} + {_n(D)}×{_n(s.hidden_size)} = {_n(total)}",
                     per_layer=layer, layers=L)


def count_transformer(spec: TransformerSpec) -> TransformerCount:
    """Count every parameter of ``spec``, component by component (see the module docstring).

    Raises ``InputError`` when the total is absurdly large although each size is plausible alone:
    the spec checked its fields as it was made, and this last check needs the count."""
    s = spec
    d = s.hidden_size
    L = s.num_layers
    out: list[Component] = []

    out.append(Component("token_embeddings", "Token embeddings", s.vocab_size * d,
                         f"vocab {_n(s.vocab_size)} × hidden {_n(d)}"))
    if s.position == "learned":
        assert s.max_positions is not None
        out.append(Component("position_embeddings", "Position embeddings", s.max_positions * d,
                             f"positions {_n(s.max_positions)} × hidden {_n(d)}"))
    if s.token_types:
        out.append(Component("token_type_embeddings", "Token-type embeddings", s.token_types * d,
                             f"types {s.token_types} × hidden {_n(d)}"))
    if s.embedding_norm:
        out.append(Component("embedding_norm", "Embedding LayerNorm", _norm_size(s),
                             f"{'2 × ' if s.norm == 'layernorm' else ''}{_n(d)}"))

    attn_parts = _attention_parts(s)
    attn = sum(attn_parts.values())
    out.append(Component("attention", "Attention (MLA)" if s.attention == "mla" else "Attention",
                         L * attn, _attention_formula(s, attn), per_layer=attn, layers=L, parts=attn_parts))

    dense_layers = L - s.moe_layers
    if dense_layers:
        mlp = _mlp(s, s.intermediate_size)
        out.append(Component("mlp", "MLP (feed-forward)" if not s.is_moe else "Dense MLP (first layers)",
                             dense_layers * mlp,
                             f"{dense_layers} layers × {_mlp_formula(s, s.intermediate_size)} = "
                             f"{dense_layers} × {_n(mlp)}", per_layer=mlp, layers=dense_layers))
    if s.is_moe:
        m = s.moe_layers
        router = d * s.num_experts + (s.num_experts if s.router_bias else 0)
        out.append(Component("moe_router", "MoE router", m * router,
                             f"{m} layers × hidden {_n(d)} × {s.num_experts} experts"
                             + (f" + bias {s.num_experts}" if s.router_bias else ""), per_layer=router, layers=m))
        expert = _mlp(s, s.expert_size)
        out.append(Component(
            "moe_routed_experts", "Routed experts", m * s.num_experts * expert,
            f"{m} layers × {s.num_experts} experts × ({_mlp_formula(s, s.expert_size)} = {_n(expert)});"
            f" active: {s.experts_per_token} of {s.num_experts}",
            active=m * s.experts_per_token * expert, per_layer=s.num_experts * expert, layers=m,
            parts={"one_expert": expert}))
        if s.shared_experts or s.shared_expert_size:
            width = s.shared_expert_size if s.shared_expert_size is not None else s.expert_size * s.shared_experts
            shared = _mlp(s, width) + (d if s.shared_expert_gate else 0)
            what = (f"{_mlp_formula(s, width)}" if s.shared_expert_size is not None
                    else f"{s.shared_experts} × {_mlp_formula(s, s.expert_size)}")
            gate = f" + gate {_n(d)}×1" if s.shared_expert_gate else ""
            out.append(Component("moe_shared_experts", "Shared experts", m * shared, f"{m} layers × ({what}{gate})",
                                 per_layer=shared, layers=m))

    norm = _norm_size(s)
    k = s.block_norms
    if s.norm == "layernorm":
        out.append(Component("norms", "LayerNorms in blocks", L * k * norm,
                             f"{L} layers × {k} norms × (scale + shift) 2 × {_n(d)}", per_layer=k * norm, layers=L))
    else:
        out.append(Component("norms", "RMSNorms in blocks", L * k * norm,
                             f"{L} layers × {k} norms × {_n(d)}", per_layer=k * norm, layers=L))
    if s.final_norm:
        out.append(Component("final_norm", "Final norm", norm,
                             f"{'2 × ' if s.norm == 'layernorm' else ''}{_n(d)}"))
    if s.vision_layers:
        out.append(_vision(s))
    if s.pooler:
        out.append(Component("pooler", "Pooler", d * d + d, f"{_n(d)}×{_n(d)} + {_n(d)}"))
    if s.lm_head:
        if s.tie_embeddings:
            out.append(Component("output_head", "Output head (tied)", 0,
                                 "shares the token-embedding matrix: 0 extra"))
        else:
            out.append(Component("output_head", "Output head", d * s.vocab_size,
                                 f"hidden {_n(d)} × vocab {_n(s.vocab_size)}"))
    counted = TransformerCount(spec, tuple(out))
    if counted.total > MAX_PARAMS:
        raise InputError(f"these sizes give {counted.total:.3g} parameters, which is absurdly large "
                         f"(limit {MAX_PARAMS:.0e})")
    return counted
