"""The calculator against the real thing: transformers builds each model on the meta device (no
weights, no downloads) and ``sum(p.numel())`` must equal the calculator's count exactly, for every
preset it can build and for random small configs of every family.

torch and transformers are imported here only; ``bot.calc`` never imports them.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import calc
from bot.paths import data_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import torch  # noqa: E402 - hard dependencies: a broken install fails here rather than skipping
import transformers  # noqa: E402

# DeepSeek with n_shared_experts = 0 builds an empty shared MLP; torch warns, the count is still right.
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")

PRESETS: dict[str, Any] = json.loads((data_dir() / "presets.json").read_text(encoding="utf-8"))
BUILDABLE = [name for name, p in PRESETS.items() if "config" in p]


def meta_count(config: dict[str, Any]) -> int:
    """Build the model transformers would build from ``config`` on the meta device; count its parameters."""
    fields = dict(config)
    model_type = fields.pop("model_type")
    cfg = transformers.AutoConfig.for_model(model_type, **fields)
    architectures = fields.get("architectures")
    with torch.device("meta"):
        if model_type == "bert":
            model = transformers.BertModel(cfg)  # the published BERT counts include the pooler
        elif architectures:                     # Gemma 3 4B and up: text, vision encoder and projector
            model = getattr(transformers, architectures[0])(cfg)
        else:
            model = transformers.AutoModelForCausalLM.from_config(cfg)
    return sum(p.numel() for p in model.parameters())


def test_every_buildable_preset_is_checked():
    assert "grok-1" not in BUILDABLE  # published-only
    assert len(BUILDABLE) == len(PRESETS) - 1
    for family in ("gpt2", "gpt3", "bert", "llama", "mistral", "mixtral", "qwen2", "deepseek_v3", "qwen3", "qwen3_moe",
                   "gemma", "gemma2", "gemma3_text", "gemma3", "phi3", "olmo2", "gpt_oss"):
        assert any(PRESETS[name]["family"] == family for name in BUILDABLE), family


@pytest.mark.parametrize("name", BUILDABLE)
def test_preset_matches_transformers_exactly(name):
    assert calc.report(name).params_total == meta_count(PRESETS[name]["config"])


@pytest.mark.parametrize("name, published", [
    ("gpt2", 124_439_808),
    ("gpt2-xl", 1_557_611_200),
    ("llama-2-7b", 6_738_415_616),
    ("mistral-7b", 7_241_732_096),
])
def test_known_published_counts(name, published):
    assert calc.report(name).params_total == published == meta_count(PRESETS[name]["config"])


# ----- Random configs, every family ----------------------------------------------------------------

small = st.integers(min_value=1, max_value=24)
tiny = st.integers(min_value=1, max_value=4)


@st.composite
def gpt2_configs(draw):
    heads = draw(tiny)
    return {"model_type": "gpt2", "vocab_size": draw(small), "n_positions": draw(small),
            "n_embd": heads * draw(st.integers(1, 6)), "n_layer": draw(st.integers(1, 3)), "n_head": heads,
            "n_inner": draw(st.none() | small), "tie_word_embeddings": draw(st.booleans())}


@st.composite
def bert_configs(draw):
    heads = draw(tiny)
    return {"model_type": "bert", "vocab_size": draw(small), "hidden_size": heads * draw(st.integers(1, 6)),
            "num_hidden_layers": draw(st.integers(1, 3)), "num_attention_heads": heads,
            "intermediate_size": draw(small), "max_position_embeddings": draw(small),
            "type_vocab_size": draw(st.integers(1, 3))}


@st.composite
def _decoder_base(draw, model_type: str, free_head_dim: bool = True):
    kv = draw(tiny)
    heads = kv * draw(tiny)
    # Rotary embeddings need an even head size. A free head_dim for Mistral/Qwen2/Mixtral; Llama's
    # config insists that heads divide hidden even when head_dim is given.
    head_dim = draw(st.none() | st.integers(1, 4).map(lambda n: 2 * n)) if free_head_dim else None
    hidden = heads * 2 * draw(st.integers(1, 3)) if head_dim is None or model_type == "llama" else draw(small)
    cfg = {"model_type": model_type, "vocab_size": draw(small), "hidden_size": hidden,
           "num_hidden_layers": draw(st.integers(1, 3)), "num_attention_heads": heads,
           "num_key_value_heads": kv, "intermediate_size": draw(small),
           "tie_word_embeddings": draw(st.booleans())}
    if head_dim is not None:
        cfg["head_dim"] = head_dim
    return cfg


@st.composite
def llama_configs(draw):
    cfg = draw(_decoder_base("llama"))
    cfg.update(attention_bias=draw(st.booleans()), mlp_bias=draw(st.booleans()))
    return cfg


@st.composite
def mistral_configs(draw):
    return draw(_decoder_base("mistral"))


@st.composite
def qwen2_configs(draw):
    return draw(_decoder_base("qwen2"))


@st.composite
def mixtral_configs(draw):
    cfg = draw(_decoder_base("mixtral"))
    experts = draw(st.integers(1, 4))
    cfg.update(num_local_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)))
    return cfg


@st.composite
def deepseek_v3_configs(draw):
    layers = draw(st.integers(1, 3))
    experts = draw(st.integers(1, 4))
    return {"model_type": "deepseek_v3", "vocab_size": draw(small), "hidden_size": draw(small),
            "num_hidden_layers": layers, "num_attention_heads": draw(tiny), "intermediate_size": draw(small),
            "moe_intermediate_size": draw(st.integers(1, 8)), "n_routed_experts": experts,
            "num_experts_per_tok": draw(st.integers(1, experts)), "n_shared_experts": draw(st.integers(0, 2)),
            "first_k_dense_replace": draw(st.integers(0, layers)), "n_group": 1, "topk_group": 1,
            "q_lora_rank": draw(st.none() | st.integers(1, 8)), "kv_lora_rank": draw(st.integers(1, 8)),
            "qk_nope_head_dim": draw(st.integers(1, 4)), "qk_rope_head_dim": 2 * draw(st.integers(1, 3)),
            "v_head_dim": draw(st.integers(1, 4)), "attention_bias": draw(st.booleans()),
            "tie_word_embeddings": draw(st.booleans())}


@st.composite
def qwen3_configs(draw):
    return dict(draw(_decoder_base("qwen3")), attention_bias=draw(st.booleans()))


@st.composite
def qwen3_moe_configs(draw):
    cfg = draw(_decoder_base("qwen3_moe"))
    experts = draw(st.integers(1, 4))
    cfg.update(num_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)),
               moe_intermediate_size=draw(st.integers(1, 8)), decoder_sparse_step=1, mlp_only_layers=[])
    return cfg


@st.composite
def qwen2_moe_configs(draw):
    cfg = draw(_decoder_base("qwen2_moe"))
    experts = draw(st.integers(1, 4))
    cfg.update(num_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)),
               moe_intermediate_size=draw(st.integers(1, 8)), shared_expert_intermediate_size=draw(st.integers(1, 8)))
    return cfg


@st.composite
def _gemma_configs(draw, model_type: str):
    """Gemma and Gemma 2: heads must divide the width even with a head_dim of their own."""
    cfg = draw(_decoder_base(model_type))
    cfg["hidden_size"] = cfg["num_attention_heads"] * draw(st.integers(1, 3))  # Gemma's config insists
    cfg.update(attention_bias=draw(st.booleans()))
    return cfg


@st.composite
def gemma3_text_configs(draw):
    cfg = draw(_decoder_base("gemma3_text"))
    cfg["hidden_size"] = cfg["num_attention_heads"] * draw(st.integers(1, 3))  # Gemma's config insists
    return dict(cfg, attention_bias=draw(st.booleans()))


@st.composite
def gemma3_configs(draw):
    text = draw(gemma3_text_configs())
    tie = text.pop("tie_word_embeddings")
    heads = draw(tiny)
    vision = {"model_type": "siglip_vision_model", "hidden_size": heads * draw(st.integers(1, 4)),
              "intermediate_size": draw(small), "num_hidden_layers": draw(st.integers(1, 2)),
              "num_attention_heads": heads, "patch_size": draw(st.integers(1, 4)), "image_size": 8, "vision_use_head": False}
    return {"model_type": "gemma3", "architectures": ["Gemma3ForConditionalGeneration"], "text_config": text,
            "vision_config": vision, "mm_tokens_per_image": 4, "tie_word_embeddings": tie}


@st.composite
def phi3_configs(draw):  # pad_token_id: its default (32000) must fit the tiny vocabulary
    return dict(draw(_decoder_base("phi3", free_head_dim=False)), pad_token_id=None)


@st.composite
def olmo2_configs(draw):
    return dict(draw(_decoder_base("olmo2", free_head_dim=False)), attention_bias=draw(st.booleans()), pad_token_id=None)


@st.composite
def gpt_oss_configs(draw):
    cfg = draw(_decoder_base("gpt_oss"))
    if "head_dim" not in cfg:
        cfg["head_dim"] = 2 * draw(st.integers(1, 4))
    experts = draw(st.integers(1, 4))
    layers = cfg["num_hidden_layers"]
    cfg.update(num_local_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)),
               attention_bias=draw(st.booleans()), sliding_window=draw(st.integers(1, 8)),
               layer_types=draw(st.lists(st.sampled_from(["sliding_attention", "full_attention"]),
                                         min_size=layers, max_size=layers)))
    return cfg


@st.composite
def deepseek_v2_configs(draw):
    cfg = draw(deepseek_v3_configs())
    return dict(cfg, model_type="deepseek_v2", hidden_size=cfg["num_attention_heads"] * draw(st.integers(1, 4)))


FAMILY_STRATEGIES = {
    "gpt2": gpt2_configs(), "bert": bert_configs(), "llama": llama_configs(), "mistral": mistral_configs(),
    "qwen2": qwen2_configs(), "mixtral": mixtral_configs(), "deepseek_v3": deepseek_v3_configs(),
    "qwen3": qwen3_configs(), "qwen3_moe": qwen3_moe_configs(), "qwen2_moe": qwen2_moe_configs(),
    "gemma": _gemma_configs("gemma"), "gemma2": _gemma_configs("gemma2"), "gemma3_text": gemma3_text_configs(),
    "gemma3": gemma3_configs(),
    "phi3": phi3_configs(), "olmo2": olmo2_configs(), "gpt_oss": gpt_oss_configs(),
    "deepseek_v2": deepseek_v2_configs(),
}
_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _check(config: dict[str, Any]) -> None:
    reading = calc.from_hf_config(config)
    assert reading.unknown_fields == ()
    counted = calc.count(reading.spec)
    assert counted.total == meta_count(config), (config, [(c.name, c.count) for c in counted.components])


@pytest.mark.parametrize("family", list(FAMILY_STRATEGIES))
def test_random_configs_match_transformers(family):
    @_SETTINGS
    @given(FAMILY_STRATEGIES[family])
    def run(config):
        _check(config)

    run()


def test_deepseek_v3_real_config_total_and_active():
    """671B total and 37B active per token, as published (arXiv:2412.19437); MTP excluded."""
    r = calc.report("deepseek-v3")
    assert r.params_total == meta_count(PRESETS["deepseek-v3"]["config"]) == 671_026_404_352
    assert round(r.params_total / 1e9) == 671
    assert round(r.params_active / 1e9) in (37, 38) and 37e9 <= r.params_active < 38e9


def test_mixtral_active_matches_a_dense_model_with_top_k_experts():
    """Active parameters = the same model built with only its top-k experts (checked in transformers)."""
    config = dict(PRESETS["mixtral-8x7b"]["config"])
    active_equivalent = dict(config, num_local_experts=config["num_experts_per_tok"])
    r = calc.report("mixtral-8x7b")
    router_difference = (config["num_local_experts"] - config["num_experts_per_tok"]) * \
        config["hidden_size"] * config["num_hidden_layers"]
    assert r.params_active == meta_count(active_equivalent) + router_difference
