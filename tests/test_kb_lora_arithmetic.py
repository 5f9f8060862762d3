"""Recompute the LoRA worked example's numbers and check the article shows them.

The parameter calculator cannot express LoRA, so this test redoes the arithmetic of
kb/examples/lora-parameter-count.md from the inputs in its front-matter ``numbers:`` mapping
(model width, MLP width, layers, ranks, Llama 2 7B's total) and asserts that

* every derived number stated in ``numbers:`` equals the recomputed value, and
* every stated number appears in the article body as a reader sees it
  (integers with thousands separators, percentages as written, e.g. "0.062%").

Pure Python: no calculator, no model, no network.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "kb" / "examples" / "lora-parameter-count.md"

# Bytes per trained parameter with Adam in mixed precision (ZeRO paper, Rajbhandari et al. 2019).
ADAM_MIXED_PRECISION_BYTES = 16
FP16_BYTES = 2


def _read_example() -> tuple[dict, str]:
    text = EXAMPLE.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match, f"{EXAMPLE} has no front matter"
    return yaml.safe_load(match.group(1)), match.group(2)


def _lora(rank: int, d: int, k: int) -> int:
    """Trainable numbers LoRA adds to one d x k matrix: B (d x r) plus A (r x k)."""
    return rank * (d + k)


def _recompute(n: dict) -> dict:
    d, ff, layers = n["d_model"], n["mlp_width"], n["layers"]
    r, r_large, total = n["rank"], n["rank_large"], n["llama2_7b_params"]

    full_matrix = d * d
    one_matrix = _lora(r, d, d)
    qv = layers * 2 * _lora(r, d, d)
    qkvo = layers * 4 * _lora(r_large, d, d)
    # q, k, v, o are d x d; MLP gate and up are d x ff; down is ff x d.
    all_linear = layers * (4 * _lora(r, d, d) + 2 * _lora(r, d, ff) + _lora(r, ff, d))
    return {
        "full_matrix_params": full_matrix,
        "lora_matrix_params": one_matrix,
        "lora_matrix_percent": 100 * one_matrix / full_matrix,
        "matrix_reduction_factor": full_matrix // one_matrix,
        "qv_trainable_r8": qv,
        "qv_percent_of_model": 100 * qv / total,
        "adapter_bytes_fp16": qv * FP16_BYTES,
        "qkvo_trainable_r16": qkvo,
        "qkvo_percent_of_model": 100 * qkvo / total,
        "all_linear_trainable_r8": all_linear,
        "all_linear_percent_of_model": 100 * all_linear / total,
        "full_finetune_bytes": total * ADAM_MIXED_PRECISION_BYTES,
        "lora_optimizer_bytes": qv * ADAM_MIXED_PRECISION_BYTES,
    }


def _shown(value: object) -> str:
    """How a stated number is written in the body."""
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(value, int):
        return f"{value:,}" if value >= 1000 else str(value)
    return str(value)


NUMBERS, BODY = _read_example()
STATED = NUMBERS["numbers"]
RECOMPUTED = _recompute(STATED)


def test_every_derived_number_is_stated():
    assert set(RECOMPUTED) <= set(STATED), sorted(set(RECOMPUTED) - set(STATED))


@pytest.mark.parametrize("name", sorted(RECOMPUTED))
def test_stated_number_matches_arithmetic(name):
    stated, computed = STATED[name], RECOMPUTED[name]
    if isinstance(stated, str) and stated.endswith("%"):
        digits = stated[:-1]
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        assert round(computed, decimals) == pytest.approx(float(digits)), (
            f"{name}: stated {stated}, arithmetic gives {computed:.6f}%"
        )
    else:
        assert stated == computed, f"{name}: stated {stated}, arithmetic gives {computed}"


@pytest.mark.parametrize("name", sorted(STATED))
def test_stated_number_appears_in_body(name):
    assert _shown(STATED[name]) in BODY, f"{name} = {STATED[name]!r} is not written in the article"


def test_llama2_7b_total_matches_its_config():
    # vocab 32000, width 4096, 32 layers, gated MLP 11008, RMSNorm, untied head, no biases.
    d, ff, layers, vocab = 4096, 11008, 32, 32000
    per_layer = 4 * d * d + 3 * d * ff + 2 * d
    assert 2 * vocab * d + layers * per_layer + d == STATED["llama2_7b_params"]
