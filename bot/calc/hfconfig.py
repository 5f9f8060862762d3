"""Read a Hugging Face ``config.json`` into a ``TransformerSpec``, saying what was and wasn't understood.

Every key of the file lands in exactly one list of the result:
- ``used_fields``: changes the count (sizes, heads, biases, tied head, experts ...);
- ``ignored_fields``: understood and known not to change the count (dropout, epsilons, token ids,
  rope settings, routing hyper-parameters ...);
- ``unknown_fields``: not understood. They are listed, never guessed at, so a user can tell when a
  config holds something (a new option, a typo) that the count may be missing.

Missing optional fields take transformers' own default for that ``model_type`` (so the count is what
transformers would build), and each default used is listed in ``defaults_used``. The core sizes
(vocabulary, width, depth, heads, MLP width) have no sensible default and are required.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from bot.calc.count import count_transformer
from bot.calc.spec import TransformerSpec, check_bool, check_int
from bot.errors import InputError

# Keys that never change a parameter count, for any family.
COMMON_IGNORED = frozenset({
    "architectures", "model_type", "torch_dtype", "dtype", "transformers_version", "_name_or_path",
    "auto_map", "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "cls_token_id",
    "mask_token_id", "unk_token_id", "decoder_start_token_id", "initializer_range", "initializer_factor",
    "use_cache", "hidden_act", "activation_function", "hidden_activation", "rms_norm_eps", "layer_norm_eps",
    "layer_norm_epsilon", "rope_theta", "rope_scaling", "rope_parameters", "rope_interleave", "partial_rotary_factor",
    "attention_dropout", "hidden_dropout", "hidden_dropout_prob", "attention_probs_dropout_prob",
    "classifier_dropout", "resid_pdrop", "embd_pdrop", "attn_pdrop", "dropout", "pretraining_tp",
    "gradient_checkpointing", "id2label", "label2id", "num_labels", "problem_type", "task_specific_params",
    "tokenizer_class", "prefix", "return_dict", "output_attentions", "output_hidden_states",
    "torchscript", "use_return_dict", "chunk_size_feed_forward", "is_encoder_decoder", "output_past",
    "finetuning_task", "max_length", "min_length", "do_sample", "early_stopping", "num_beams",
    "temperature", "top_k", "top_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
    "bad_words_ids", "num_return_sequences", "use_bfloat16", "pruned_heads", "tie_encoder_decoder",
    "attn_implementation", "_attn_implementation", "quantization_config",
})

# What each HF name means in TransformerSpec terms; GPT-2 uses its own short names.
_CORE = {
    "vocab_size": "vocab_size",
    "hidden_size": "hidden_size",
    "num_hidden_layers": "num_layers",
    "num_attention_heads": "num_heads",
    "intermediate_size": "intermediate_size",
}
_GPT2_NAMES = {"n_embd": "hidden_size", "n_layer": "num_hidden_layers", "n_head": "num_attention_heads",
               "n_positions": "max_position_embeddings", "n_inner": "intermediate_size"}


class UnsupportedConfig(InputError):
    """The config is well-formed but asks for something no closed form here covers (transformers may)."""


@dataclass(frozen=True)
class ConfigReading:
    """What ``from_hf_config`` made of a config: the spec plus an honest account of every key."""

    spec: TransformerSpec
    model_type: str
    source: str
    used_fields: tuple[str, ...]
    ignored_fields: tuple[str, ...]
    unknown_fields: tuple[str, ...]
    defaults_used: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class _Reader:
    """Bookkeeping while one config is read: which keys were consumed, which defaults applied."""

    raw: Mapping[str, Any]
    model_type: str
    used: set[str] = field(default_factory=set)
    ignored: set[str] = field(default_factory=set)
    defaults: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    nested_unknown: list[str] = field(default_factory=list)   # text_config.x, vision_config.y

    def has(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

    def required(self, key: str, *aliases: str) -> Any:
        for name in (key, *aliases):
            if self.has(name):
                self.used.add(name)
                return self.raw[name]
        raise InputError(f"config.json has no {key}, which a {self.model_type} model needs")

    def optional(self, key: str, default: Any, why: str | None = None) -> Any:
        if key in self.raw:
            self.used.add(key)
            if self.raw[key] is not None:
                return self.raw[key]
        if default is not None or why:
            shown = json.dumps(default)
            self.defaults.append(f"{key} = {shown} ({why or f'transformers default for {self.model_type}'})")
        return default

    def flag(self, key: str, default: bool) -> bool:
        return check_bool(key, self.optional(key, default))

    def ignore(self, *keys: str) -> None:
        self.ignored.update(k for k in keys if k in self.raw)

    def unsupported_if(self, key: str, bad: Callable[[Any], bool], why: str) -> None:
        if key in self.raw and bad(self.raw[key]):
            raise UnsupportedConfig(f"{key} = {json.dumps(self.raw[key])} is not supported: {why}")


def _int_or_none(key: str, value: Any) -> int | None:
    return None if value is None else check_int(key, value)


def _gpt2(r: _Reader) -> dict[str, Any]:
    for short, long in _GPT2_NAMES.items():
        if short in r.raw and long in r.raw and r.raw[short] != r.raw[long]:
            raise InputError(f"{short} ({r.raw[short]!r}) and {long} ({r.raw[long]!r}) disagree")
    hidden = check_int("n_embd", r.required("n_embd", "hidden_size"))
    if r.has("n_inner") or r.has("intermediate_size"):
        inner = r.required("n_inner", "intermediate_size")
    else:
        r.used.update(k for k in ("n_inner", "intermediate_size") if k in r.raw)
        r.defaults.append(f"n_inner = {4 * hidden} (null or absent: 4 × n_embd)")
        inner = 4 * hidden
    r.unsupported_if("add_cross_attention", lambda v: v is True, "cross-attention blocks are not counted")
    r.ignore("n_ctx", "summary_type", "summary_use_proj", "summary_activation", "summary_proj_to_labels",
             "summary_first_dropout", "scale_attn_weights", "scale_attn_by_inverse_layer_idx",
             "reorder_and_upcast_attn", "add_cross_attention")
    if r.has("n_ctx"):
        r.notes.append("n_ctx is a legacy alias of n_positions; n_positions sizes the position table")
    return dict(
        vocab_size=r.required("vocab_size"), hidden_size=hidden,
        num_layers=r.required("n_layer", "num_hidden_layers"), num_heads=r.required("n_head", "num_attention_heads"),
        intermediate_size=inner, position="learned", max_positions=r.required("n_positions", "max_position_embeddings"),
        norm="layernorm", gated_mlp=False, qkv_bias=True, out_bias=True, mlp_bias=True,
        tie_embeddings=r.flag("tie_word_embeddings", True),
    )


def _bert(r: _Reader) -> dict[str, Any]:
    r.unsupported_if("position_embedding_type", lambda v: v not in ("absolute", None),
                     "only absolute position embeddings are counted")
    r.unsupported_if("add_cross_attention", lambda v: v is True, "cross-attention blocks are not counted")
    r.ignore("position_embedding_type", "add_cross_attention", "is_decoder", "tie_word_embeddings", "gradient_checkpointing")
    r.notes.append("counts BertModel as published (with the pooler, without the masked-LM or NSP heads)")
    return dict(
        **{dst: r.required(src) for src, dst in _CORE.items()},
        position="learned", max_positions=r.required("max_position_embeddings"),
        token_types=check_int("type_vocab_size", r.optional("type_vocab_size", 2), minimum=0),
        norm="layernorm", final_norm=False, embedding_norm=True, gated_mlp=False,
        qkv_bias=True, out_bias=True, mlp_bias=True, lm_head=False, pooler=True,
    )


def _llama_like(r: _Reader, *, kv_default: str | None, qkv_bias: bool | None, sliding: bool,
                tie_default: bool = False) -> dict[str, Any]:
    """Llama, Mistral, Qwen2 and Mixtral share one decoder layout; they differ in biases and defaults."""
    if kv_default == "heads":
        kv = r.optional("num_key_value_heads", None)
        if kv is None:
            r.defaults.append("num_key_value_heads = num_attention_heads (absent: classic multi-head attention)")
    else:
        kv = r.optional("num_key_value_heads", int(kv_default) if kv_default else None)
    out: dict[str, Any] = dict(
        **{dst: r.required(src) for src, dst in _CORE.items()},
        num_kv_heads=_int_or_none("num_key_value_heads", kv),
        head_dim=_int_or_none("head_dim", r.raw.get("head_dim")),
        tie_embeddings=r.flag("tie_word_embeddings", tie_default),
        max_positions=_int_or_none("max_position_embeddings", r.raw.get("max_position_embeddings")),
    )
    if "head_dim" in r.raw:
        r.used.add("head_dim")
    r.ignore("max_position_embeddings")  # rotary positions: the table size adds no parameters
    if qkv_bias is None:  # Llama: one switch for q, k, v and o; another for the MLP
        bias = r.flag("attention_bias", False)
        out.update(qkv_bias=bias, out_bias=bias, mlp_bias=r.flag("mlp_bias", False))
    else:                 # Qwen2: q/k/v always biased, o never
        out.update(qkv_bias=qkv_bias, out_bias=False)
    if sliding:
        window = r.raw.get("sliding_window")
        if "sliding_window" in r.raw:
            r.used.add("sliding_window")
        out["sliding_window"] = _int_or_none("sliding_window", window)
    return out


def _heads_divide_hidden(r: _Reader, out: dict[str, Any]) -> dict[str, Any]:
    """Llama's, Gemma's and DeepSeek-V2's configs refuse this even when head_dim is given: so do we."""
    hidden, heads = check_int("hidden_size", out["hidden_size"]), check_int("num_attention_heads", out["num_heads"])
    if hidden % heads:
        raise InputError(f"num_attention_heads ({heads}) must divide hidden_size ({hidden}) for a {r.model_type} model")
    return out


def _llama(r: _Reader) -> dict[str, Any]:
    return _heads_divide_hidden(r, _llama_like(r, kv_default="heads", qkv_bias=None, sliding=False))


def _mistral(r: _Reader) -> dict[str, Any]:
    out = _llama_like(r, kv_default="8", qkv_bias=False, sliding=True)
    if "sliding_window" not in r.raw:
        out["sliding_window"] = 4096
        r.defaults.append("sliding_window = 4096 (transformers default for mistral; only affects the KV cache)")
    return out


def _qwen2(r: _Reader) -> dict[str, Any]:
    out = _llama_like(r, kv_default="heads", qkv_bias=True, sliding=False)
    use_window = r.flag("use_sliding_window", False)
    r.ignore("sliding_window", "max_window_layers", "layer_types", "use_mrope")
    if use_window:
        r.notes.append("use_sliding_window is true: the KV cache is computed as if every layer kept the whole "
                       "context (an upper bound)")
    return out


def _mixtral(r: _Reader) -> dict[str, Any]:
    out = _llama_like(r, kv_default="8", qkv_bias=False, sliding=True)
    if r.has("num_local_experts") or r.has("num_experts"):
        experts = r.required("num_local_experts", "num_experts")
    else:
        experts = r.optional("num_local_experts", 8)
    out.update(num_experts=check_int("num_local_experts", experts),
               experts_per_token=check_int("num_experts_per_tok", r.optional("num_experts_per_tok", 2)))
    r.ignore("output_router_logits", "router_aux_loss_coef", "router_jitter_noise")
    return out


def _deepseek_v3(r: _Reader) -> dict[str, Any]:
    r.unsupported_if("moe_layer_freq", lambda v: v not in (1, None), "only an MoE block in every layer after the "
                     "first_k_dense_replace dense ones is counted")
    if r.has("n_routed_experts") or r.has("num_local_experts"):
        experts = r.required("n_routed_experts", "num_local_experts")
    else:
        experts = r.optional("n_routed_experts", 256)
    mtp = r.raw.get("num_nextn_predict_layers", r.raw.get("num_mtp_layers"))
    if mtp:
        r.notes.append(f"num_nextn_predict_layers = {mtp}: the multi-token-prediction module is not part of the main "
                       "model and is not counted (DeepSeek's published 671B excludes it too)")
    r.ignore("num_nextn_predict_layers", "num_mtp_layers", "moe_layer_freq", "n_group", "topk_group", "topk_method",
             "scoring_func", "routed_scaling_factor", "norm_topk_prob", "aux_loss_alpha", "seq_aux", "ep_size",
             "output_router_logits", "router_aux_loss_coef", "max_position_embeddings", "num_key_value_heads")
    if r.has("num_key_value_heads"):
        r.notes.append("num_key_value_heads does not apply to multi-head latent attention (its KV is the latent)")
    if "q_lora_rank" in r.raw:  # null is meaningful here: a full-rank q projection
        r.used.add("q_lora_rank")
        q_rank = r.raw["q_lora_rank"]
    else:
        q_rank = r.optional("q_lora_rank", 1536)
    bias = r.flag("attention_bias", False)
    return dict(
        **{dst: r.required(src) for src, dst in _CORE.items()},
        attention="mla", q_lora_rank=_int_or_none("q_lora_rank", q_rank),
        kv_lora_rank=r.optional("kv_lora_rank", 512), qk_nope_head_dim=r.optional("qk_nope_head_dim", 128),
        qk_rope_head_dim=r.optional("qk_rope_head_dim", 64), v_head_dim=r.optional("v_head_dim", 128),
        qkv_bias=bias, out_bias=bias,
        num_experts=check_int("n_routed_experts", experts),
        experts_per_token=check_int("num_experts_per_tok", r.optional("num_experts_per_tok", 8)),
        moe_intermediate_size=check_int("moe_intermediate_size", r.optional("moe_intermediate_size", 2048)),
        shared_experts=check_int("n_shared_experts", r.optional("n_shared_experts", 1), minimum=0),
        first_dense_layers=check_int("first_k_dense_replace", r.optional("first_k_dense_replace", 3), minimum=0),
        tie_embeddings=r.flag("tie_word_embeddings", False),
    )


# ----- Newer families -------------------------------------------------------------------------------
# Each mirrors its transformers configuration class's defaults (transformers 5.x) and modeling code.

def _layer_kv(r: _Reader, out: dict[str, Any], *, default_window: int | None = None,
              default_pattern: Callable[[int], str] | None = None) -> None:
    """Sliding-window layers for the KV cache, from ``layer_types`` (or the family's default pattern)."""
    layers = check_int("num_hidden_layers", out["num_layers"], maximum=100_000)
    types = r.optional("layer_types", None) if "layer_types" in r.raw else None
    if types is None and default_pattern is not None:
        types = [default_pattern(i) for i in range(layers)]
    window = r.optional("sliding_window", default_window) if "sliding_window" in r.raw else default_window
    if types is None:
        return
    if not isinstance(types, list) or len(types) != layers or not all(isinstance(t, str) for t in types):
        raise InputError(f"layer_types must list one attention type per layer ({layers})")
    sliding = sum(t == "sliding_attention" for t in types)
    if sliding and window is not None:
        out.update(sliding_window=_int_or_none("sliding_window", window), sliding_layers=sliding)


def _dense_moe_layers(r: _Reader) -> None:
    """Qwen's MoE families can interleave dense layers; the closed form covers MoE in every layer."""
    r.unsupported_if("decoder_sparse_step", lambda v: v not in (1, None), "only an MoE block in every layer")
    r.unsupported_if("mlp_only_layers", lambda v: bool(v), "only an MoE block in every layer")
    r.ignore("decoder_sparse_step", "mlp_only_layers", "norm_topk_prob", "output_router_logits",
             "router_aux_loss_coef", "use_sliding_window", "max_window_layers", "sliding_window", "layer_types")


def _qwen3_attention(r: _Reader, out: dict[str, Any]) -> None:
    bias = r.flag("attention_bias", False)
    out.update(qkv_bias=bias, out_bias=bias, qk_norm="head")
    use_window = r.flag("use_sliding_window", False)
    if use_window:  # transformers: layers from max_window_layers on use the window
        start = check_int("max_window_layers", r.optional("max_window_layers", 28), minimum=0)
        _layer_kv(r, out, default_pattern=lambda i: "sliding_attention" if i >= start else "full_attention")
    r.ignore("sliding_window", "max_window_layers", "layer_types", "use_sliding_window")


def _qwen3(r: _Reader) -> dict[str, Any]:
    out = _llama_like(r, kv_default="heads", qkv_bias=False, sliding=False)
    if out["head_dim"] is None:
        out["head_dim"] = r.optional("head_dim", 128)
    _qwen3_attention(r, out)
    return out


def _qwen3_moe(r: _Reader) -> dict[str, Any]:
    out = _llama_like(r, kv_default="heads", qkv_bias=False, sliding=False)
    _qwen3_attention(r, out)
    _dense_moe_layers(r)
    experts = r.required("num_experts", "num_local_experts") if r.has("num_experts") or r.has(
        "num_local_experts") else r.optional("num_experts", 128)
    out.update(num_experts=check_int("num_experts", experts),
               experts_per_token=check_int("num_experts_per_tok", r.optional("num_experts_per_tok", 8)),
               moe_intermediate_size=check_int("moe_intermediate_size", r.optional("moe_intermediate_size", 768)))
    return out


def _qwen2_moe(r: _Reader) -> dict[str, Any]:
    out = _llama_like(r, kv_default="heads", qkv_bias=True, sliding=False)
    out["qkv_bias"] = r.flag("qkv_bias", True)
    _dense_moe_layers(r)
    out.update(num_experts=check_int("num_experts", r.optional("num_experts", 60)),
               experts_per_token=check_int("num_experts_per_tok", r.optional("num_experts_per_tok", 4)),
               moe_intermediate_size=check_int("moe_intermediate_size", r.optional("moe_intermediate_size", 1408)),
               shared_expert_size=check_int("shared_expert_intermediate_size",
                                            r.optional("shared_expert_intermediate_size", 5632), minimum=0),
               shared_expert_gate=True)
    return out


def _gemma1(r: _Reader) -> dict[str, Any]:
    """The first Gemma: Llama's layout with a free head_dim (256 by default), two norms per block and a
    tied head."""
    out = _llama_like(r, kv_default="heads", qkv_bias=False, sliding=False, tie_default=True)
    if out["head_dim"] is None:
        out["head_dim"] = r.optional("head_dim", 256)
    bias = r.flag("attention_bias", False)  # GemmaConfig has no switch for MLP biases: there are none
    out.update(qkv_bias=bias, out_bias=bias)
    return _heads_divide_hidden(r, out)


def _gemma(r: _Reader, *, qk_norm: str) -> dict[str, Any]:
    """Gemma 2 and 3: free head_dim, four norms per block, tied head, alternating sliding/full layers."""
    out = _llama_like(r, kv_default="4", qkv_bias=False, sliding=False, tie_default=True)
    if out["head_dim"] is None:
        out["head_dim"] = r.optional("head_dim", 256)
    bias = r.flag("attention_bias", False)
    out.update(block_norms=4, qk_norm=qk_norm, qkv_bias=bias, out_bias=bias)
    if qk_norm == "none":   # Gemma 2: every other layer slides, the first one included
        _layer_kv(r, out, default_window=4096, default_pattern=lambda i: "sliding_attention" if (i + 1) % 2 else
                  "full_attention")
    else:                   # Gemma 3: five sliding layers, then a full one
        period = check_int("sliding_window_pattern", r.optional("sliding_window_pattern", 6)) if (
            "sliding_window_pattern" in r.raw) else 6
        _layer_kv(r, out, default_window=4096, default_pattern=lambda i: "sliding_attention" if (i + 1) % period else
                  "full_attention")
    r.ignore("query_pre_attn_scalar", "final_logit_softcapping", "attn_logit_softcapping", "cache_implementation",
             "sliding_window_pattern", "rope_local_base_freq", "use_bidirectional_attention", "layer_types",
             "sliding_window")
    return _heads_divide_hidden(r, out)


def _gemma2(r: _Reader) -> dict[str, Any]:
    return _gemma(r, qk_norm="none")


def _gemma3_text(r: _Reader) -> dict[str, Any]:
    for key, value in (("vocab_size", 262208), ("num_attention_heads", 8)):
        if key not in r.raw:   # Gemma 3's multimodal configs leave these to transformers' defaults
            r.raw = {**r.raw, key: value}
            r.defaults.append(f"{key} = {value} (transformers default for gemma3_text)")
    return _gemma(r, qk_norm="head")


def _gemma3(r: _Reader) -> dict[str, Any]:
    """Gemma 3 4B and up: the text model plus a SigLIP vision encoder and a projector."""
    text, vision = r.raw.get("text_config"), r.raw.get("vision_config")
    if not isinstance(text, Mapping) or not isinstance(vision, Mapping):
        raise InputError("a gemma3 config needs text_config and vision_config")
    sub = _Reader(dict(text), "gemma3_text")
    out = _gemma3_text(sub)
    if "tie_word_embeddings" in r.raw:   # transformers ties by the top-level setting
        out["tie_embeddings"] = r.flag("tie_word_embeddings", True)
    v = _Reader(dict(vision), "siglip_vision_model")
    v.unsupported_if("vision_use_head", lambda x: x is not False, "only Gemma 3's head-less vision tower is counted")
    v.ignore("vision_use_head", "num_attention_heads", "num_channels", "layer_norm_eps", "hidden_act",
             "attention_dropout", "model_type")
    out.update(vision_layers=v.optional("num_hidden_layers", 27), vision_hidden_size=v.optional("hidden_size", 1152),
               vision_intermediate_size=v.optional("intermediate_size", 4304),
               vision_patch_size=v.optional("patch_size", 14), vision_image_size=v.optional("image_size", 896))
    r.used.update({"text_config", "vision_config"})
    r.ignore("mm_tokens_per_image", "boi_token_index", "eoi_token_index", "image_token_index", "boi_token_id",
             "eoi_token_id", "image_token_id", "tie_word_embeddings")
    unknown = [f"text_config.{k}" for k in text if k not in sub.used | sub.ignored | COMMON_IGNORED]
    unknown += [f"vision_config.{k}" for k in vision if k not in v.used | v.ignored | COMMON_IGNORED]
    r.notes.extend(sub.notes)
    r.defaults.extend(f"text_config.{d}" for d in sub.defaults)
    r.defaults.extend(f"vision_config.{d}" for d in v.defaults)
    r.nested_unknown.extend(unknown)
    return out


def _phi3(r: _Reader) -> dict[str, Any]:
    """Phi-3 and Phi-4: fused qkv and gate_up projections (the same count as separate ones), no biases."""
    out = _llama_like(r, kv_default="heads", qkv_bias=False, sliding=True)
    r.ignore("original_max_position_embeddings", "resid_pdrop", "embd_pdrop", "partial_rotary_factor")
    return out


def _olmo2(r: _Reader) -> dict[str, Any]:
    """OLMo 2: norms after attention and MLP instead of before, and q/k norms over the whole projection."""
    out = _llama_like(r, kv_default="heads", qkv_bias=False, sliding=False)
    bias = r.flag("attention_bias", False)
    out.update(qk_norm="full", qkv_bias=bias, out_bias=bias)
    return out


def _gpt_oss(r: _Reader) -> dict[str, Any]:
    """gpt-oss: biased attention with sinks, every layer an MoE with biased experts and router."""
    out = _llama_like(r, kv_default="8", qkv_bias=False, sliding=False)
    bias = r.flag("attention_bias", True)
    if out["head_dim"] is None:
        out["head_dim"] = r.optional("head_dim", 64)
    experts = r.required("num_local_experts", "num_experts") if r.has("num_local_experts") or r.has(
        "num_experts") else r.optional("num_local_experts", 128)
    out.update(qkv_bias=bias, out_bias=bias, attention_sinks=True, mlp_bias=True, router_bias=True,
               num_experts=check_int("num_local_experts", experts),
               experts_per_token=check_int("num_experts_per_tok", r.optional("num_experts_per_tok", 4)))
    _layer_kv(r, out, default_window=128, default_pattern=lambda i: "sliding_attention" if (i + 1) % 2 else
              "full_attention")
    r.ignore("swiglu_limit", "initial_context_length", "output_router_logits", "router_aux_loss_coef",
             "experts_per_token", "layer_types", "sliding_window")
    return out


def _deepseek_v2(r: _Reader) -> dict[str, Any]:
    """DeepSeek-V2: the V3 layout (MLA, shared experts, first dense layers) with V2's defaults."""
    for key, value in (("n_routed_experts", 64), ("num_experts_per_tok", None), ("moe_intermediate_size", 1407),
                       ("n_shared_experts", 2), ("first_k_dense_replace", 0), ("q_lora_rank", 1536)):
        if key not in r.raw and value is not None:
            r.raw = {**r.raw, key: value}
            r.defaults.append(f"{key} = {value} (transformers default for deepseek_v2)")
    if r.raw.get("num_experts_per_tok") is None:
        raise InputError("config.json has no num_experts_per_tok, which a deepseek_v2 model needs")
    out = _deepseek_v3(r)
    return _heads_divide_hidden(r, {**out, "num_heads": out["num_heads"]})


READERS: dict[str, Callable[[_Reader], dict[str, Any]]] = {
    "gpt2": _gpt2, "bert": _bert, "llama": _llama, "mistral": _mistral, "qwen2": _qwen2,
    "mixtral": _mixtral, "deepseek_v3": _deepseek_v3, "qwen3": _qwen3, "qwen3_moe": _qwen3_moe,
    "qwen2_moe": _qwen2_moe, "gemma": _gemma1, "gemma2": _gemma2, "gemma3_text": _gemma3_text, "gemma3": _gemma3,
    "phi3": _phi3, "olmo2": _olmo2, "gpt_oss": _gpt_oss, "deepseek_v2": _deepseek_v2,
}
SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(READERS)


def load_config(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The config as a dict plus a label for messages; a directory means its ``config.json``."""
    if isinstance(source, Mapping):
        return dict(source), "config"
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"config must be a path or a dict, got {type(source).__name__}")
    path = Path(source).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise InputError(f"folder {path} has no config.json")
        path = path / "config.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read config file {path}: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"config file {path} is not JSON (line {error.lineno}, column {error.colno}: "
                         f"{error.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"config file {path} must hold a JSON object, got {type(data).__name__}")
    return data, str(path)


def from_hf_config(source: str | os.PathLike[str] | Mapping[str, Any], *, family: str | None = None) -> ConfigReading:
    """Read a Hugging Face ``config.json`` (path, directory or dict) into a spec.

    Raises ``InputError`` for a missing or non-JSON file, a missing or unknown ``model_type``,
    missing core sizes, and any size that is not a positive, sane whole number.
    """
    raw, label = load_config(source)
    model_type = raw.get("model_type")
    if model_type is None:
        raise InputError(f"config has no model_type; supported: {', '.join(SUPPORTED_MODEL_TYPES)}")
    if not isinstance(model_type, str) or model_type not in READERS:
        raise UnsupportedConfig(f"model_type {model_type!r} is not supported; supported: {', '.join(SUPPORTED_MODEL_TYPES)}")
    reader = _Reader(raw, model_type)
    values = READERS[model_type](reader)
    spec = TransformerSpec(family=family or model_type, **values)
    count_transformer(spec)  # refuses sizes that multiply to an absurd total, as the spec refuses a bad field
    reader.ignored.update(k for k in raw if k in COMMON_IGNORED)
    reader.ignored -= reader.used
    known = reader.used | reader.ignored
    unknown = tuple(sorted([k for k in raw if k not in known] + reader.nested_unknown))
    return ConfigReading(spec=spec, model_type=model_type, source=label, used_fields=tuple(sorted(reader.used)),
                         ignored_fields=tuple(sorted(reader.ignored)), unknown_fields=unknown,
                         defaults_used=tuple(reader.defaults), notes=tuple(reader.notes))
