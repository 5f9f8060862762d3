"""Counts, memory, KV cache and FLOPs: closed forms checked by hand, published figures, the report's JSON."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from bot import calc
from bot.calc.spec import TransformerSpec
from bot.errors import InputError


# ----- Dense networks and the line ---------------------------------------------------------------

@pytest.mark.parametrize("layers, bias, weights, biases", [
    ([2, 2, 1], True, 6, 3),
    ([1, 1], True, 1, 1),
    ([784, 128, 10], True, 784 * 128 + 128 * 10, 138),
    ([784, 128, 64, 10], True, 109_184, 202),
    ([784, 128, 64, 10], False, 109_184, 0),
    ([3, 4, 2], True, 20, 6),
])
def test_dense_counts(layers, bias, weights, biases):
    count = calc.dense(layers, bias=bias)
    assert (count.weights, count.biases, count.total) == (weights, biases, weights + biases)
    assert [layer.total for layer in count.layers] == [
        a * b + (b if bias else 0) for a, b in zip(layers, layers[1:])]


def test_dense_accepts_strings_and_reports_per_layer():
    count = calc.dense("784-128-64-10")
    assert count.total == 109_386
    assert count.layers[0].formula == "784 × 128 = 100,352 weights + 128 biases = 100,480"
    assert calc.dense("2,2,1").total == calc.dense("2 2 1").total == 9


def test_linear_model_has_two_parameters():
    line = calc.linear_model()
    assert (line.weights, line.biases, line.total) == (1, 1, 2)


# ----- Transformer closed forms --------------------------------------------------------------------

def test_gpt2_small_component_by_component():
    c = calc.count(calc.preset("gpt2").spec)
    d, V, P, L = 768, 50257, 1024, 12
    parts = {x.name: x.count for x in c.components}
    assert parts == {
        "token_embeddings": V * d, "position_embeddings": P * d,
        "attention": L * (4 * d * d + 4 * d), "mlp": L * (8 * d * d + 5 * d),
        "norms": L * 4 * d, "final_norm": 2 * d, "output_head": 0,
    }
    assert c.total == 124_439_808 == 12 * L * d * d + 13 * L * d + V * d + P * d + 2 * d
    assert c.embedding == (V + P) * d and c.non_embedding == c.total - c.embedding


def test_llama_2_7b_breakdown_and_gqa_70b():
    c = calc.count(calc.preset("llama-2-7b").spec)
    attention = c.component("attention")
    assert attention.parts == {"q_proj": 4096 * 4096, "k_proj": 4096 * 4096, "v_proj": 4096 * 4096,
                               "o_proj": 4096 * 4096}
    big = calc.count(calc.preset("llama-2-70b").spec).component("attention")
    assert big.parts["k_proj"] == 8192 * 8 * 128 and big.parts["q_proj"] == 8192 * 8192


def test_qwen2_biases_on_qkv_only_and_tied_head():
    c = calc.count(calc.preset("qwen2-0.5b").spec)
    parts = c.component("attention").parts
    assert parts["q_proj"] == 896 * 896 + 896
    assert parts["k_proj"] == 896 * 128 + 128
    assert parts["o_proj"] == 896 * 896
    assert c.component("output_head").count == 0
    assert c.total == 494_032_768


def test_bert_has_token_types_pooler_and_no_head():
    c = calc.count(calc.preset("bert-base").spec)
    names = [x.name for x in c.components]
    assert "token_type_embeddings" in names and "pooler" in names and "output_head" not in names
    assert c.total == 109_482_240
    assert calc.report("bert-large").params_total == 335_141_888


def test_moe_total_and_active():
    mixtral = calc.report("mixtral-8x7b")
    assert mixtral.params_total == 46_702_792_704
    assert mixtral.params_active == 12_879_925_248
    assert round(mixtral.params_total / 1e9, 1) == 46.7 and round(mixtral.params_active / 1e9, 1) == 12.9
    ds = calc.report("deepseek-v3")
    assert ds.params_total == 671_026_404_352
    assert 37e9 <= ds.params_active < 38e9
    assert ds.components["moe_shared_experts"] == 58 * 3 * 7168 * 2048
    assert ds.components["mlp"] == 3 * 3 * 7168 * 18432


def test_deepseek_mla_attention_parts():
    parts = calc.count(calc.preset("deepseek-v3").spec).component("attention").parts
    assert parts == {
        "q_a_proj": 7168 * 1536, "q_a_norm": 1536, "q_b_proj": 1536 * 128 * 192,
        "kv_a_proj": 7168 * (512 + 64), "kv_a_norm": 512, "kv_b_proj": 512 * 128 * 256,
        "o_proj": 128 * 128 * 7168,
    }


def test_dense_report_active_equals_total():
    for name in ("gpt2", "llama-2-7b", "bert-base"):
        r = calc.report(name)
        assert r.params_active == r.params_total and not r.is_moe
    assert calc.report([2, 2, 1]).params_active == 9


@pytest.mark.parametrize("name, published, tolerance", [
    ("gpt3-small", 125e6, 0.01), ("gpt3-medium", 350e6, 0.02), ("gpt3-large", 760e6, 0.01),
    ("gpt3-xl", 1.3e9, 0.02), ("gpt3-2.7b", 2.7e9, 0.02), ("gpt3-6.7b", 6.7e9, 0.01),
    ("gpt3-13b", 13e9, 0.02), ("gpt3-175b", 175e9, 0.005),
    ("gpt2-medium", 355e6, 0.005), ("gpt2-large", 774e6, 0.001), ("bert-base", 110e6, 0.01),
    ("bert-large", 340e6, 0.02), ("llama-2-13b", 13e9, 0.005), ("llama-2-70b", 70e9, 0.02),
    ("llama-3-8b", 8e9, 0.005), ("qwen2-0.5b", 0.5e9, 0.02),
    ("llama-3-70b", 70.6e9, 0.001), ("qwen2-7b", 7.6e9, 0.005), ("qwen2-72b", 72.7e9, 0.001),
    ("gemma-2b", 2.5e9, 0.005), ("gemma-7b", 8.5e9, 0.005), ("yi-34b", 34.4e9, 0.001),
    ("codellama-34b", 33.7e9, 0.002),
])
def test_presets_agree_with_their_published_labels(name, published, tolerance):
    assert abs(calc.report(name).params_total - published) <= tolerance * published


@pytest.mark.parametrize("name, exact", [
    ("llama-3-70b", 70_553_706_496), ("gemma-7b", 8_537_680_896), ("gemma-2b", 2_506_172_416),
    ("qwen2-7b", 7_615_616_512), ("qwen2-72b", 72_706_203_648), ("yi-34b", 34_388_917_248),
    ("codellama-34b", 33_743_970_304), ("tinyllama-1.1b", 1_100_048_384),
    ("bert-base-chinese", 102_267_648),  # BERT-Base (109,482,240) with 21,128 instead of 30,522 rows of 768
])
def test_presets_give_the_exact_counts_their_checkpoints_report(name, exact):
    """The totals the Hugging Face checkpoints report (safetensors metadata and model cards)."""
    assert calc.report(name).params_total == exact


def test_gpt3_table_oddities_are_explained():
    xl, b13 = calc.preset("gpt3-xl"), calc.preset("gpt3-13b")
    assert xl.paper_table["n_heads"] * xl.paper_table["d_head"] != xl.paper_table["d_model"]
    assert any("3,072" in note for note in xl.notes)
    assert b13.paper_table["d_model"] == 5140 and b13.spec.hidden_size == 5120


def test_grok_is_a_published_figure_and_its_note_checks_out():
    r = calc.report("grok-1")
    assert r.kind == "published" and r.params_total == 314_000_000_000 and r.components == {}
    assert calc.preset("grok-1").published_only
    with pytest.raises(InputError, match="published figure"):
        calc.preset("grok-1").spec
    # The note's reconstruction from xai-org/grok-1 run.py: 4 RMSNorms per layer (our spec has 2).
    spec = TransformerSpec(family="grok", vocab_size=131072, hidden_size=6144, num_layers=64, num_heads=48,
                           num_kv_heads=8, head_dim=128, intermediate_size=32768, num_experts=8,
                           experts_per_token=2, tie_embeddings=True)
    total = calc.count(spec).total + 64 * 2 * 6144
    assert round(total / 1e9, 1) == 315.7
    assert any("315.7B" in note for note in r.notes)


# ----- Memory, KV cache, FLOPs -----------------------------------------------------------------------

def test_memory_per_precision():
    n = 6_738_415_616
    assert calc.memory_table(n) == {"fp32": 4 * n, "fp16": 2 * n, "bf16": 2 * n, "int8": n, "int4": n // 2}
    assert calc.weights_bytes(3, "int4") == 2  # rounded up to whole bytes
    assert calc.training_bytes(7_000_000_000) == 112_000_000_000
    assert calc.report("llama-2-7b", precision="int4").weights_bytes == n // 2


def test_kv_cache_mha_gqa_mla_and_sliding_window():
    kv = calc.report("llama-2-7b", context=4096).kv_cache
    assert kv["bytes"] == 2 * 32 * 32 * 128 * 4096 * 2 == 2_147_483_648
    kv70 = calc.report("llama-2-70b", context=4096, batch=2, precision="int8").kv_cache
    assert kv70["bytes"] == 2 * 80 * 8 * 128 * 4096 * 2 * 1
    mla = calc.report("deepseek-v3", context=1000).kv_cache
    assert mla["bytes"] == 61 * (512 + 64) * 1000 * 2
    mistral = calc.report("mistral-7b", context=32768).kv_cache
    assert mistral["cached_tokens"] == 4096 and "sliding window" in mistral["formula"]
    assert calc.report("gpt2").kv_cache["context"] == 1024  # default: the model's maximum when below 4096
    bert = calc.report("bert-base")
    assert bert.kv_cache is None and any("no KV cache" in note for note in bert.notes)


def test_flops_and_compute_optimal_tokens():
    r = calc.report("llama-2-7b", tokens=2e12)
    assert r.flops["training"] == 6 * 6_738_415_616 * 2e12
    assert r.flops["inference_per_token"] == 2 * 6_738_415_616
    assert r.flops["compute_optimal_tokens"] == 20 * 6_738_415_616
    moe = calc.report("mixtral-8x7b", tokens=1e12)
    assert moe.flops["inference_per_token"] == 2 * moe.params_active
    assert moe.flops["training"] == 6 * moe.params_active * 1e12
    assert calc.report("gpt2").flops["training"] is None


def test_report_json_shape():
    data = calc.report("mixtral-8x7b", precision="int4", context=8192, tokens=1e12).to_dict()
    json.dumps(data)
    for key in ("params_total", "params_active", "components", "memory_bytes", "kv_cache", "flops", "family",
                "source", "unknown_fields", "breakdown", "weights_bytes", "training_bytes"):
        assert key in data
    assert data["family"] == "mixtral" and data["source"]["url"].startswith("https://")
    assert set(data["memory_bytes"]) == {"fp32", "fp16", "bf16", "int8", "int4"}
    assert sum(data["components"].values()) == data["params_total"]
    assert data["weights_bytes"] == data["memory_bytes"]["int4"]
    dense = calc.report([2, 2, 1]).to_dict()
    assert dense["components"] == {"weights": 6, "biases": 3} and dense["kv_cache"] is None
    assert [layer["total"] for layer in dense["layers"]] == [6, 3]


def test_every_preset_has_a_source_and_reports():
    names = calc.presets()
    expected = {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "gpt3-small", "gpt3-medium", "gpt3-large",
                "gpt3-xl", "gpt3-2.7b", "gpt3-6.7b", "gpt3-13b", "gpt3-175b", "bert-base", "bert-large",
                "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "mistral-7b", "mixtral-8x7b",
                "qwen2-0.5b", "deepseek-v3", "grok-1",
                # issue 14: the models people download today
                "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.2-1b", "llama-3.2-3b",
                *(f"qwen2.5-{s}" for s in ("0.5b", "1.5b", "3b", "7b", "14b", "32b", "72b")),
                *(f"qwen3-{s}" for s in ("0.6b", "1.7b", "4b", "8b", "14b", "32b")), "qwen3-30b-a3b",
                "qwen3-235b-a22b", "gemma-2-2b", "gemma-2-9b", "gemma-2-27b", "gemma-3-1b", "gemma-3-4b",
                "gemma-3-12b", "gemma-3-27b", "phi-3-mini", "phi-4", "mistral-nemo", "mixtral-8x22b", "deepseek-r1",
                "gpt-oss-20b", "gpt-oss-120b", "olmo-2-7b", "olmo-2-13b",
                "llama-3-70b", "gemma-2b", "gemma-7b", "qwen2-7b", "qwen2-72b", "yi-34b", "codellama-34b", "tinyllama-1.1b"}
    assert expected <= set(names)          # presets are added over time; none may go
    for name in names:
        p = calc.preset(name)
        assert p.source.url.startswith("https://") and p.source.label
        r = calc.report(name)
        assert r.params_total > 0 and r.unknown_fields == [] and r.defaults_used == []


def test_preset_aliases():
    assert calc.preset("Llama-2-7B").name == "llama-2-7b"
    assert calc.preset("llama2 7b").name == "llama-2-7b"
    assert calc.preset("GPT-2 XL").name == "gpt2-xl"
    with pytest.raises(InputError, match="unknown preset 'gpt-5'"):
        calc.preset("gpt-5")


# The modules that count what torch builds or what gguf reads import those inside their functions.
LAZY_HEAVY = {"meta.py": {"torch", "transformers"}, "weights.py": {"gguf"}}


def test_calc_package_imports_no_heavy_libraries():
    """bot.calc must run without torch, transformers, numpy or textual: only the meta-device path
    (bot/calc/meta.py) imports torch and transformers, inside the functions that build a model."""
    root = Path(calc.__file__).parent
    banned = {"torch", "transformers", "numpy", "textual", "sentence_transformers", "faiss", "gguf", "safetensors"}
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = LAZY_HEAVY.get(path.name, set())
        top_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            if allowed and id(node) not in top_level and isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not {n.split(".")[0] for n in names} & (banned - allowed), (path.name, names)
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {n.split(".")[0] for n in names} & banned, (path.name, names)


def test_sizes_just_under_a_unit_round_into_it():
    """Gemma 3 1B has 999,885,952 parameters: "1B", never "1e+03M"."""
    from bot.calc import fmt

    assert fmt.short(999_885_952) == "1B" and fmt.words(999_885_952) == "1 billion"
    assert fmt.short(999_400_000) == "999M" and fmt.short(124_439_808) == "124M" and fmt.short(999) == "999"
    assert "e+" not in "".join(fmt.short(calc.report(name).params_total) for name in calc.presets())
