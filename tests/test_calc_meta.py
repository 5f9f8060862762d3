"""The general path: any config.json built by transformers on the meta device (bot/calc/meta.py).

Transformers is the oracle for totals, so these tests check what the module adds on top of it: the
tied head counted once, the active count of a mixture of experts (checked against the closed forms
and against the same model built with only its top-k experts), the embedding split, a breakdown
that adds up, the class chosen, and one-line errors for configs it must refuse.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from bot import calc
from bot.calc.file_report import report_for_config
from bot.errors import InputError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import torch  # noqa: F401
import transformers
from bot.calc.meta import count_on_meta  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")

TINY = dict(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=24, head_dim=4)


def built_total(config: dict[str, Any]) -> int:
    """transformers' own count, straight: the causal-LM class on the meta device."""
    import torch

    fields = dict(config)
    cfg = transformers.AutoConfig.for_model(fields.pop("model_type"), **fields)
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(cfg)
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", ["llama-2-7b", "mixtral-8x7b", "deepseek-v3", "gpt2", "qwen2-0.5b"])
def test_meta_path_agrees_with_the_closed_forms(name):
    """Two independent ways: total, active (MoE), embedding and the head must all agree."""
    preset = calc.preset(name)
    counted = count_on_meta(preset.config)
    closed = calc.report(name)
    assert counted.total == closed.params_total
    assert counted.active == closed.params_active
    assert counted.embedding == closed.params_embedding
    parts = {c.name: c.count for c in counted.components}
    assert sum(parts.values()) == counted.total
    assert parts.get("head", 0) == closed.components.get("output_head", 0)
    if closed.is_moe:
        assert parts["experts"] == closed.components["moe_routed_experts"]
        assert parts["router"] == closed.components["moe_router"]


def test_tied_head_is_counted_once():
    untied = count_on_meta(dict(TINY, model_type="qwen3", tie_word_embeddings=False))
    tied = count_on_meta(dict(TINY, model_type="qwen3", tie_word_embeddings=True))
    assert untied.total - tied.total == 50 * 16
    assert "head" not in {c.name for c in tied.components}
    assert tied.embedding == untied.embedding == 50 * 16


@pytest.mark.parametrize("model_type, experts_key, extra, router_per_layer", [
    ("qwen3_moe", "num_experts", dict(moe_intermediate_size=8, decoder_sparse_step=1, mlp_only_layers=[]), 16),
    ("qwen2_moe", "num_experts", dict(moe_intermediate_size=8, shared_expert_intermediate_size=12), 16),
    ("gpt_oss", "num_local_experts", dict(layer_types=["sliding_attention", "full_attention"]), 16 + 1),
    ("mixtral", "num_local_experts", {}, 16),
])
def test_active_equals_the_same_model_built_with_top_k_experts(model_type, experts_key, extra, router_per_layer):
    """Active = a model with only k experts per layer, plus the router rows of the experts not chosen."""
    config = dict(TINY, model_type=model_type, num_experts_per_tok=2, **{experts_key: 6}, **extra)
    counted = count_on_meta(config)
    with_k = built_total(dict(config, **{experts_key: 2}))
    assert counted.total == built_total(config)
    assert counted.active == with_k + (6 - 2) * router_per_layer * config["num_hidden_layers"]
    assert {"experts", "router", "attention"} <= {c.name for c in counted.components}


def test_a_dense_model_is_all_active_and_a_state_space_model_has_no_attention():
    mamba = {"model_type": "mamba", "architectures": ["MambaForCausalLM"], "vocab_size": 64, "hidden_size": 16,
             "num_hidden_layers": 2, "state_size": 4, "expand": 2, "conv_kernel": 4, "tie_word_embeddings": True}
    counted = count_on_meta(mamba)
    assert counted.active == counted.total == built_total(mamba)
    names = {c.name for c in counted.components}
    assert "ssm" in names and "attention" not in names
    assert counted.kv is None   # a state-space model keeps a fixed-size state, no KV cache


def test_architectures_picks_the_class():
    config = dict(TINY, model_type="llama", hidden_size=16, num_attention_heads=4, num_key_value_heads=4)
    config.pop("head_dim")
    causal = count_on_meta(dict(config, architectures=["LlamaForCausalLM"]))
    base = count_on_meta(dict(config, architectures=["LlamaModel"]))
    assert causal.architecture == "LlamaForCausalLM" and base.architecture == "LlamaModel"
    assert causal.total - base.total == 50 * 16          # the untied head
    unknown = count_on_meta(dict(config, architectures=["LlamaForSomethingNew"]))
    assert unknown.total == causal.total and any("LlamaForSomethingNew" in n for n in unknown.notes)


@pytest.mark.parametrize("config, message", [
    ({"model_type": "my_new_model", "auto_map": {"AutoConfig": "configuration_x.XConfig"}, **TINY}, "remote code"),
    ({"model_type": "llama", "architectures": ["XForCausalLM"], "auto_map": {"AutoModelForCausalLM": "x.X"},
      **TINY}, "remote code"),
    ({"model_type": "no_such_model_type", **TINY}, "unknown to transformers"),
    ({**TINY}, "model_type"),
    ({"model_type": "qwen3", "hidden_size": 64, "num_hidden_layers": 2}, "vocab_size"),
    ({"model_type": "qwen3", **{k: v for k, v in TINY.items() if k != "num_hidden_layers"}}, "num_hidden_layers"),
    ({"model_type": "gemma3", "architectures": ["Gemma3ForConditionalGeneration"]}, "text_config"),
    ({"model_type": "qwen3", **TINY, "layer_types": ["full_attention"]}, "qwen3"),     # 1 type for 2 layers
])
def test_configs_it_must_refuse_get_one_line(config, message):
    with pytest.raises(InputError) as error:
        count_on_meta(config)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_report_for_config_uses_the_closed_form_when_it_can(tmp_path):
    llama = dict(calc.preset("llama-2-7b").config, architectures=["LlamaForCausalLM"])
    path = tmp_path / "config.json"
    path.write_text(json.dumps(llama))
    fast = report_for_config(path)
    slow = report_for_config(path, engine="transformers")
    assert fast.params_total == slow.params_total == 6_738_415_616
    assert "attention" in fast.components and any("meta device" in n for n in slow.notes)
    # A field the closed form does not know sends it to transformers, with a note naming it.
    path.write_text(json.dumps(dict(llama, some_new_switch=True)))
    assert any("some_new_switch" in n for n in report_for_config(path).notes)


def test_progress_line_after_a_second(monkeypatch):
    import bot.calc.meta as meta

    lines: list[str] = []
    monkeypatch.setattr(meta, "PROGRESS_AFTER_SECONDS", 0.0)
    count_on_meta(dict(TINY, model_type="qwen3"), progress=lines.append)
    assert lines and "meta device" in lines[0]
