"""Recompute the training-memory numbers of kb/examples/memory-7b-70b.md.

The calculator checks the weight sizes (``checks:``); training memory at 16 bytes per
parameter (Adam + mixed precision, ZeRO paper) is not a calculator quantity, so this test
redoes it from the Llama 2 configurations and the ``numbers:`` mapping, and asserts that
each stated number is written in the article body with thousands separators.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "kb" / "examples" / "memory-7b-70b.md"


def _llama(vocab: int, d: int, layers: int, heads: int, kv_heads: int, ff: int) -> int:
    """Llama 2 layout: untied embeddings, no biases, RMSNorm scales, gated MLP."""
    head_dim = d // heads
    attention = 2 * d * d + 2 * d * kv_heads * head_dim
    per_layer = attention + 3 * d * ff + 2 * d
    return 2 * vocab * d + layers * per_layer + d


def _read() -> tuple[dict, str]:
    text = EXAMPLE.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match
    return yaml.safe_load(match.group(1))["numbers"], match.group(2)


NUMBERS, BODY = _read()
EXPECTED = {
    "llama2_7b_params": _llama(32000, 4096, 32, 32, 32, 11008),
    "llama2_70b_params": _llama(32000, 8192, 80, 64, 8, 28672),
}
EXPECTED["llama2_7b_training_bytes"] = EXPECTED["llama2_7b_params"] * NUMBERS["bytes_per_param_training"]
EXPECTED["llama2_70b_training_bytes"] = EXPECTED["llama2_70b_params"] * NUMBERS["bytes_per_param_training"]


def test_sixteen_bytes_per_parameter():
    # 2 (fp16 weights) + 2 (fp16 gradients) + 4 + 4 + 4 (fp32 master weights, Adam momentum, variance)
    assert NUMBERS["bytes_per_param_training"] == 2 + 2 + 4 + 4 + 4


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_number_matches_and_is_shown(name):
    assert NUMBERS[name] == EXPECTED[name]
    assert f"{EXPECTED[name]:,}" in BODY
