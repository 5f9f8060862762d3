"""Recompute the numbers of the file-size, GGUF and trainable-parameter worked examples.

kb/examples/gguf-file-size.md, checkpoint-file-size.md, frozen-backbone-count.md and
lora-llama-3-8b-trainable.md each keep their figures in a ``numbers:`` mapping. This test redoes
every figure from the model configurations (Llama 3 / 3.1, GPT-2) and the stated bits or bytes
per parameter, and checks that each figure is printed in the example's body (with thousands
separators for counts). The articles that quote the same figures are checked too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

KB = Path(__file__).resolve().parents[1] / "kb"


def _read(name: str) -> tuple[dict, str]:
    text = (KB / name).read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match, name
    return yaml.safe_load(match.group(1)), match.group(2)


def _llama(vocab: int, d: int, layers: int, heads: int, kv_heads: int, ff: int) -> int:
    """Llama 2/3 layout: untied embeddings, no biases, RMSNorm scales, gated MLP, GQA."""
    head_dim = d // heads
    per_layer = 2 * d * d + 2 * d * kv_heads * head_dim + 3 * d * ff + 2 * d
    return 2 * vocab * d + layers * per_layer + d


LLAMA3_8B = _llama(128256, 4096, 32, 32, 8, 14336)
LLAMA3_70B = _llama(128256, 8192, 80, 64, 8, 28672)
LLAMA2_7B = _llama(32000, 4096, 32, 32, 32, 11008)
GPT2 = 124439808  # 12 layers of 768, vocabulary 50,257, 1,024 positions (checked by the calculator)


def _shown(body: str, value) -> bool:
    if isinstance(value, str):
        return value in body
    if isinstance(value, int):
        return f"{value:,}" in body or str(value) in body
    return f"{value}" in body


def _expected_gguf(n: dict) -> dict:
    return {
        "llama31_8b_params": LLAMA3_8B,
        "llama31_70b_params": LLAMA3_70B,
        "f16_8b_bytes": round(LLAMA3_8B * n["bpw_f16"] / 8),
        "q8_0_8b_bytes": round(LLAMA3_8B * n["bpw_q8_0"] / 8),
        "q4_k_m_8b_bytes": round(LLAMA3_8B * n["bpw_q4_k_m"] / 8),
        "q4_k_m_70b_bytes": round(LLAMA3_70B * n["bpw_q4_k_m"] / 8),
        "exact_4bit_70b_bytes": LLAMA3_70B * 4 // 8,
        "block_4bit_70b_bytes": LLAMA3_70B * 9 // 16,  # 4.5 bits: 18 bytes per 32 weights
    }


def _expected_checkpoint(n: dict) -> dict:
    return {
        "gpt2_params": GPT2, "fp32_bytes": 4 * GPT2, "fp16_bytes": 2 * GPT2,
        "fp32_adam_bytes": 12 * GPT2, "fp32_adam_ema_bytes": 16 * GPT2,
    }


def _expected_frozen(n: dict) -> dict:
    i, h, o = n["inputs"], n["hidden"], n["outputs"]
    dense1, dense2 = i * h + h, h * o + o
    return {
        "dense1": dense1, "bn_trainable": 2 * h, "bn_moving": 2 * h, "bn_total": 4 * h, "dense2": dense2,
        "keras_total": dense1 + 4 * h + dense2, "keras_trainable": dense1 + 2 * h + dense2,
        "keras_non_trainable": 2 * h, "pytorch_total": dense1 + 2 * h + dense2,
        "frozen_trainable": dense2, "frozen_non_trainable": dense1 + 4 * h,
    }


def _expected_lora(n: dict) -> dict:
    r, r8, d, kv, ff, layers, vocab = n["rank"], n["rank_small"], 4096, 1024, 14336, 32, 128256
    q, k, mlp = r * (d + d), r * (d + kv), r * (d + ff)
    per_layer = 2 * q + 2 * k + 3 * mlp
    all_linear = layers * per_layer
    qv = layers * (r8 * (d + d) + r8 * (d + kv))
    emb = vocab * d
    with_emb = all_linear + 2 * emb
    return {
        "base_params": LLAMA3_8B, "q_lora": q, "k_lora": k, "mlp_lora": mlp, "per_layer": per_layer,
        "all_linear": all_linear, "all_linear_percent": f"{100 * all_linear / LLAMA3_8B:.2f}%",
        "peft_all_params": LLAMA3_8B + all_linear,
        "peft_percent": f"{100 * all_linear / (LLAMA3_8B + all_linear):.4f}%",
        "qv_r8": qv, "qv_r8_percent": f"{100 * qv / LLAMA3_8B:.3f}%",
        "per_layer_r8": per_layer * r8 // r, "all_linear_r8": all_linear * r8 // r,
        "embedding": emb, "embedding_and_head": 2 * emb, "with_embeddings": with_emb,
        "with_embeddings_percent": f"{100 * with_emb / LLAMA3_8B:.1f}%",
    }


CASES = {
    "examples/gguf-file-size.md": _expected_gguf,
    "examples/checkpoint-file-size.md": _expected_checkpoint,
    "examples/frozen-backbone-count.md": _expected_frozen,
    "examples/lora-llama-3-8b-trainable.md": _expected_lora,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_numbers_are_recomputed_and_shown(name):
    meta, body = _read(name)
    numbers = meta["numbers"]
    expected = CASES[name](numbers)
    problems = [f"{k}: stated {numbers.get(k)!r}, recomputed {v!r}" for k, v in expected.items()
                if numbers.get(k) != v]
    problems += [f"{k} = {numbers[k]!r} is not printed in the body" for k in numbers if not _shown(body, numbers[k])]
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_gguf_sizes_match_the_llama_cpp_readme():
    """The README prints GiB for the 8B file and GB for the 70B Q4_K_M file."""
    numbers = _read("examples/gguf-file-size.md")[0]["numbers"]
    assert round(numbers["f16_8b_bytes"] / 2**30, 2) == 14.96
    assert round(numbers["q8_0_8b_bytes"] / 2**30, 2) == 7.95
    assert round(numbers["q4_k_m_8b_bytes"] / 2**30, 2) == 4.58
    assert abs(numbers["q4_k_m_70b_bytes"] / 1e9 - 43.1) < 0.1


def test_block_layouts_give_the_stated_bits_per_weight():
    # ggml-common.h: Q4_0 = fp16 scale + 16 bytes per 32; Q8_0 = fp16 scale + 32 bytes per 32;
    # Q4_K = 2 fp16 + 12 bytes of scales + 128 bytes per 256; Q6_K = 128 + 64 + 16 + fp16 per 256.
    assert (2 + 16) * 8 / 32 == 4.5
    assert (2 + 32) * 8 / 32 == 8.5
    assert (4 + 12 + 128) * 8 / 256 == 4.5
    assert (128 + 64 + 16 + 2) * 8 / 256 == 6.5625
    text = (KB / "quantisation-formats.md").read_text(encoding="utf-8")
    for figure in ("4.5 bits per weight", "144 bytes per 256 weights", "18 bytes per 32 weights"):
        assert figure in text


def test_articles_quote_the_same_figures():
    sizes = (KB / "model-sizes.md").read_text(encoding="utf-8")
    assert f"{LLAMA3_8B:,}" in sizes and f"{LLAMA3_70B:,}" in sizes
    vocab, mlp, gqa = 2 * (128256 - 32000) * 4096, 3 * 4096 * (14336 - 11008) * 32, 2 * 4096 * (4096 - 1024) * 32
    assert vocab + mlp - gqa == LLAMA3_8B - LLAMA2_7B
    for value in (vocab, mlp, gqa, LLAMA3_8B - LLAMA2_7B):
        assert f"{value:,}" in sizes
    assert round((LLAMA3_8B - 128256 * 4096) / 1e9, 2) == 7.50
    assert round((LLAMA3_8B - 2 * 128256 * 4096) / 1e9, 2) == 6.98
    assert round(LLAMA3_8B / 2**30, 2) == 7.48

    memory = (KB / "memory-and-precision.md").read_text(encoding="utf-8")
    packed_layers = LLAMA3_8B - 2 * 128256 * 4096 - (2 * 32 + 1) * 4096
    assert f"{packed_layers:,}" in memory and f"{packed_layers // 2:,}" in memory
    naive = packed_layers // 2 + 2 * 128256 * 4096 + (2 * 32 + 1) * 4096
    assert round(naive / 1e9, 2) == 4.54 and "4.54 billion" in memory

    trainable = (KB / "trainable-parameters.md").read_text(encoding="utf-8")
    lora = _read("examples/lora-llama-3-8b-trainable.md")[0]["numbers"]
    for key in ("all_linear", "embedding", "embedding_and_head", "qv_r8", "all_linear_r8"):
        assert f"{lora[key]:,}" in trainable


def test_quantisation_and_adapter_figures_in_the_articles():
    """NF4 overheads (QLoRA), MXFP4 and GPTQ bits per weight, the Llama 2 7B LoRA adapter and
    fp32/fp16 sizes quoted in quantisation-formats.md and checkpoints-and-file-size.md."""
    quant = (KB / "quantisation-formats.md").read_text(encoding="utf-8")
    assert 32 / 64 == 0.5 and round(8 / 64 + 32 / (64 * 256), 3) == 0.127
    assert round(0.5 - (8 / 64 + 32 / (64 * 256)), 3) == 0.373
    assert round((0.5 - (8 / 64 + 32 / (64 * 256))) * 65e9 / 8 / 1e9) == 3  # "about 3 GB" at 65B
    assert (32 * 4 + 8) / 32 == 4.25  # MXFP4: 32 E2M1 values + one 8-bit scale
    assert round(4 + 16 / 128 + 4 / 128, 2) == 4.16  # GPTQ 4-bit, fp16 scale + 4-bit zero per 128
    for figure in ("4.127 bits", "0.373 bits", "4.25 bits", "about 4.16 bits", "blocks of 64", "blocks of 256"):
        assert figure in quant, figure

    ckpt = (KB / "checkpoints-and-file-size.md").read_text(encoding="utf-8")
    r, d, layers = 8, 4096, 32
    per_matrix = r * (d + d)
    adapter = layers * 2 * per_matrix
    assert (per_matrix, adapter) == (65_536, 4_194_304)
    assert round(adapter * 4 / 1e6, 1) == 16.8 and round(adapter * 2 / 1e6, 1) == 8.4
    lm_head = 32000 * 4096
    assert lm_head == 131_072_000 and round(lm_head * 2 / 1e6) == 262
    assert round(LLAMA2_7B * 4 / 1e9) == 27 and round(LLAMA2_7B * 4 / 2**30, 1) == 25.1
    assert round(LLAMA2_7B * 2 / 1e9, 1) == 13.5 and round(LLAMA2_7B * 2 / 2**30, 1) == 12.6
    for figure in ("65,536", "4,194,304", "16.8 MB", "8.4 MB", "131,072,000", "262 MB",
                   "27 GB (25.1 GiB)", "13.5 GB (12.6 GiB)"):
        assert figure in ckpt, figure
