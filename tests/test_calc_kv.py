"""The KV cache as engines allocate it: per-token sizes from public measurements, hybrid sliding-window
layers, KV formats, and the meta-device path agreeing with the closed forms."""

from __future__ import annotations

import pytest

from bot import calc
from bot.calc.resources import KV_FORMATS, kv_cache
from bot.errors import InputError

GIB = 2**30


@pytest.mark.parametrize("name, per_token", [
    ("llama-3.1-8b", 131_072),       # 2 × 32 layers × 8 KV heads × 128 × 2 bytes
    ("gpt-oss-120b", 73_728),        # what vLLM holds per token (hf-mem issue #60)
    ("deepseek-v3", 61 * 576 * 2),   # MLA: one 576-number latent per layer
])
def test_bytes_per_token(name, per_token):
    assert kv_cache(calc.preset(name).spec, 4096, 1, "bf16").bytes_per_token == per_token


def test_hybrid_sliding_layers_as_vllm_allocates_and_as_llama_cpp_keeps():
    """gpt-oss-20b at 8k, batch 32: 12.00 GiB measured in vLLM; 6.09 GiB if sliding layers kept only 128 tokens
    (the figure hf-mem reported before its fix)."""
    kv = kv_cache(calc.preset("gpt-oss-20b").spec, 8192, 32, "bf16")
    assert kv.bytes == 12 * GIB
    assert round(kv.window_bytes / GIB, 2) == 6.09
    short = kv_cache(calc.preset("gpt-oss-20b").spec, 100, 1, "bf16")   # inside the window: nothing to save
    assert short.window_bytes is None and short.bytes == 100 * 49_152


def test_a_model_whose_every_layer_slides_keeps_only_the_window():
    kv = kv_cache(calc.preset("mistral-7b").spec, 32_768, 1, "fp16")
    assert kv.cached_tokens == 4096 and kv.bytes == 4096 * 131_072


def test_kv_formats_match_llama_cpp_block_sizes():
    import gguf
    for name in ("q8_0", "q4_0"):
        block, type_size = gguf.GGML_QUANT_SIZES[getattr(gguf.GGMLQuantizationType, name.upper())]
        assert KV_FORMATS[name] == (block, type_size)
    spec = calc.preset("llama-3.1-8b").spec
    assert kv_cache(spec, 8192, 1, "q8_0").bytes == 8192 * 131_072 // 2 * 34 // 32
    assert kv_cache(spec, 8192, 1, "fp8").bytes == 8192 * 131_072 // 2
    assert calc.report("llama-3.1-8b", kv_dtype="q4_0", context=8192).kv_cache["precision"] == "q4_0"
    with pytest.raises(InputError, match="KV cache type"):
        kv_cache(spec, 8192, 1, "q3_k")


@pytest.mark.parametrize("name", ["llama-3.1-8b", "qwen3-8b", "gpt-oss-20b", "gemma-2-9b", "gemma-3-1b",
                                  "gemma-3-12b", "deepseek-v3", "mistral-nemo"])
def test_meta_path_kv_agrees_with_the_closed_form(name):
    import torch  # noqa: F401
    from bot.calc.file_report import meta_report
    from bot.calc.meta import count_on_meta

    closed = calc.report(name, context=65_536, batch=2, precision="bf16").kv_cache
    meta = meta_report(count_on_meta(calc.preset(name).config), name, notes=[], context=65_536, batch=2,
                       precision="bf16").kv_cache
    assert (meta["bytes"], meta["window_bytes"], meta["bytes_per_token"]) == \
        (closed["bytes"], closed["window_bytes"], closed["bytes_per_token"])
