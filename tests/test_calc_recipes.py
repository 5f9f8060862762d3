"""Weight formats and fine-tuning recipes (bot/calc/recipes.py) against their sources."""

from __future__ import annotations

import pytest

from bot import calc
from bot.calc.recipes import GGUF_TYPES, gguf_bytes, lora_params, training_recipes, weight_formats


def test_gguf_block_sizes_are_llama_cpps():
    import gguf
    for name, sizes in GGUF_TYPES.items():
        assert gguf.GGML_QUANT_SIZES[getattr(gguf.GGMLQuantizationType, name)] == sizes, name
    assert gguf_bytes(256, "Q4_K") == 144 and gguf_bytes(257, "Q4_K") == 288   # whole blocks


def test_int4_with_group_scales_costs_more_than_half_a_byte():
    formats = weight_formats(1_000_000_000)
    assert formats["int4 g128"] == 519_531_250            # 4 + 20/128 bits per weight
    assert formats["Q8_0"] == 1_062_500_000               # 8.5 bits


def test_lora_adapters_match_the_module_tree():
    """r × (inputs + outputs) for every q, k, v, o, gate, up and down projection of transformers' Llama."""
    import torch
    import transformers
    config = dict(calc.preset("llama-3.2-1b").config)
    cfg = transformers.AutoConfig.for_model(config.pop("model_type"), **config)
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(cfg)
    expected = sum(16 * (m.in_features + m.out_features) for name, m in model.named_modules()
                   if isinstance(m, torch.nn.Linear) and name.rsplit(".", 1)[-1] in
                   ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"))
    assert lora_params(calc.preset("llama-3.2-1b").spec, 16) == expected
    assert lora_params(calc.preset("llama-2-7b").spec, 16) == 39_976_960   # what PEFT prints for Llama-2-7B, r=16


def test_recipes():
    spec = calc.preset("llama-2-7b").spec
    n = calc.report("llama-2-7b").params_total
    by = {r.name: r for r in training_recipes(n, spec)}
    assert by["AdamW, mixed precision"].bytes == 16 * n and by["8-bit Adam"].bytes == 10 * n
    assert by["LoRA r=16"].bytes == 2 * n + 16 * 39_976_960
    assert by["QLoRA r=16"].bytes < by["LoRA r=16"].bytes
    assert [r.name for r in training_recipes(n)] == ["AdamW, mixed precision", "8-bit Adam"]   # no architecture
    assert lora_params(calc.preset("deepseek-v3").spec) is None
    assert calc.report("qwen3-8b").to_dict()["training"][2]["name"] == "LoRA r=16"
