"""Recompute the hand arithmetic of the sampling, loss and context-length worked examples.

The same four checks as tests/test_kb_examples_arithmetic.py (its helpers are reused): the
``numbers:`` mapping against an independent recomputation, every ``label: a = b ≈ c`` line, no
number in the body that is neither in the mapping nor a checked result, and every mapping value
printed. Plain Python: no calculator, no model.
"""

from __future__ import annotations

import itertools
import math

import pytest

import test_kb_examples_arithmetic as base


def _softmax(logits: list) -> tuple[list, float, list]:
    exps = [math.exp(v) for v in logits]
    total = sum(exps)
    return exps, total, [e / total for e in exps]


def recompute_sampling(n: dict) -> dict:
    logits = n["logits"]
    exps, total, probs = _softmax(logits)
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    assert order == list(range(len(probs))), "the example lists tokens from most to least likely"
    k = n["top_k"]
    top_k_sum = sum(probs[:k])
    cumulative = list(itertools.accumulate(probs))
    kept = next(i + 1 for i, c in enumerate(cumulative) if c >= n["top_p"])
    top_p_sum = cumulative[kept - 1]
    penalised = [logits[0] / n["penalty"], *logits[1:]]
    p_exps, p_total, p_probs = _softmax(penalised)
    # A more confident model: top-p keeps fewer tokens than a fixed k.
    confident_kept = 1 if n["confident_cat"] >= n["top_p"] else None
    return {
        "exps": exps, "sum": total, "probs": probs,
        "cumulative": cumulative[:kept],
        "top_k_sum": top_k_sum, "top_k_probs": [p / top_k_sum for p in probs[:k]],
        "top_p_kept": kept, "top_p_sum": top_p_sum,
        "top_p_probs": [p / top_p_sum for p in probs[:kept]],
        "penalised_logit": penalised[0], "penalised_exp": p_exps[0], "penalised_sum": p_total,
        "penalised_probs": p_probs, "confident_kept": confident_kept,
    }


def recompute_context(n: dict) -> dict:
    d, positions, total = n["gpt2_d"], n["gpt2_positions"], n["gpt2_total"]
    bytes_per = n["bits"] // 8
    table = positions * d
    long_table = n["gpt2_long_positions"] * d
    head_dim = d // n["gpt2_heads"]
    gpt2_kv = 2 * n["gpt2_layers"] * n["gpt2_heads"] * head_dim * bytes_per
    llama_kv = 2 * n["llama3_layers"] * n["llama3_kv_heads"] * n["llama3_head_dim"] * bytes_per
    long_context = n["llama3_context"] * n["rope_factor"]
    # Llama 3 8B from its config.json: vocab 128,256, width 4,096, MLP 14,336, untied head, RMSNorm.
    vocab, width, ff = 128256, 4096, 14336
    kv_width = n["llama3_kv_heads"] * n["llama3_head_dim"]
    block = 2 * width * width + 2 * width * kv_width + 3 * width * ff + 2 * width
    return {
        "llama3_total": 2 * vocab * width + n["llama3_layers"] * block + width,
        "gpt2_position_table": table, "gpt2_position_percent": round(100 * table / total, 2),
        "bert_position_table": n["bert_positions"] * d,
        "gpt2_long_table": long_table, "gpt2_long_extra": long_table - table,
        "gpt2_long_total": total + long_table - table,
        "gpt2_head_dim": head_dim, "bytes_per_number": bytes_per, "mib": 2 ** 20,
        "gpt2_kv_bytes_per_token": gpt2_kv, "gpt2_kv_bytes_full": gpt2_kv * positions,
        "gpt2_kv_mib_full": gpt2_kv * positions // 2 ** 20,
        "llama3_kv_bytes_per_token": llama_kv,
        "llama3_kv_bytes_full": llama_kv * n["llama3_context"],
        "llama3_long_context": long_context, "llama3_kv_bytes_long": llama_kv * long_context,
    }


def recompute_loss(n: dict) -> dict:
    _, _, exact = _softmax(n["logits"])
    probs = [round(p, 4) for p in exact]  # the softmax example's printed probabilities
    losses = [-math.log(p) for p in n["right_probs"]]
    mean = sum(losses) / len(losses)
    micro = n["micro_batch"] * n["micro_context"]
    assert len(n["right_probs"]) == n["sentence_tokens"] - 1
    return {
        "probs": probs, "loss_right": -math.log(probs[0]), "loss_wrong": -math.log(probs[2]),
        "gradient": [p - (1 if i == 0 else 0) for i, p in enumerate(probs)],
        "predictions": n["sentence_tokens"] - 1,
        "position_losses": losses, "loss_total": sum(losses), "loss_mean": mean,
        "perplexity": math.exp(mean), "uniform_loss": math.log(n["vocab"]),
        "tokens_per_step": n["batch"] * n["context"],
        "micro_tokens": micro, "accumulated_tokens": micro * n["accumulation"],
        "run_tokens": micro * n["accumulation"] * n["steps"],
        "sequences": n["steps"] * n["accumulation"] * n["micro_batch"],
    }


RECOMPUTE = {
    "next-token-loss.md": recompute_loss,
    "top-k-top-p-sampling.md": recompute_sampling,
    "context-length-what-grows.md": recompute_context,
}

MIN_RELATIONS = {
    "next-token-loss.md": 15,
    "top-k-top-p-sampling.md": 20,
    "context-length-what-grows.md": 12,
}


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_numbers_mapping_matches_recomputation(name: str) -> None:
    base.check_numbers_mapping(name, RECOMPUTE)


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_arithmetic_line_is_right(name: str) -> None:
    base.check_arithmetic_lines(name, MIN_RELATIONS[name])


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_number_in_the_body_is_accounted_for(name: str) -> None:
    base.check_numbers_accounted_for(name)


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_printed_list_matches_a_mapping_list_in_order(name: str) -> None:
    base.check_printed_lists(name)


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_mapping_value_is_printed(name: str) -> None:
    base.check_mapping_values_printed(name)
