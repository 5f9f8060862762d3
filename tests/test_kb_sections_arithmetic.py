"""Recompute the numbers of article sections on other layer types, PEFT methods and multi-GPU memory.

These sections state small worked numbers in prose (not in a worked example with a ``numbers:``
mapping), so this test redoes each from the published shapes and checks the article writes it:

* Conv2D and LSTM/GRU/RNN counts in kb/other-layer-types.md (PyTorch and Keras layer docs);
* prompt tuning, prefix tuning, Houlsby adapters and IA3 in kb/trainable-parameters.md
  (Llama 2 7B config: d_model 4096, 32 layers, MLP 11008; BERT-base width 768);
* the ZeRO stage-3 example in kb/memory-and-precision.md (Rajbhandari et al. 2019) and the
  gradient-accumulation effective batch.

Pure Python: no calculator, no model, no network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[1] / "kb"

LLAMA2_7B = {"d": 4096, "layers": 32, "d_ff": 11008, "total": 6_738_415_616}


def _section(name: str, heading: str) -> str:
    text = (KB / name).read_text(encoding="utf-8")
    start = text.index("## " + heading)
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def _conv(k: int, c_in: int, c_out: int, bias: bool = True) -> int:
    return k * k * c_in * c_out + (c_out if bias else 0)


def _recurrent(gates: int, x: int, h: int, biases: int) -> int:
    return gates * (h * (h + x) + biases * h)


CASES = [
    ("other-layer-types.md", "How many parameters does a convolutional (Conv2D) layer have?",
     [_conv(3, 3, 32), _conv(3, 3, 32, bias=False)]),
    ("other-layer-types.md", "How many parameters does a depthwise-separable convolution have?",
     [_conv(3, 32, 64), 3 * 3 * 32, 32 * 64, 3 * 3 * 32 + 32 * 64 + 64]),
    ("other-layer-types.md", "How many parameters does an LSTM layer have?",
     [128 * (128 + 100), 128 * (128 + 100) + 128, 128 * (128 + 100) + 2 * 128,
      _recurrent(4, 100, 128, 1), _recurrent(4, 100, 128, 2)]),
    ("other-layer-types.md", "How many parameters do GRU and simple RNN layers have?",
     [_recurrent(3, 100, 128, 2), _recurrent(3, 100, 128, 1),
      _recurrent(1, 100, 128, 1), _recurrent(1, 100, 128, 2)]),
    ("trainable-parameters.md", "How many parameters do prompt tuning (soft prompts) and prefix tuning train?",
     [20 * LLAMA2_7B["d"], 20 * LLAMA2_7B["layers"] * 2 * LLAMA2_7B["d"]]),
    ("trainable-parameters.md", "How many parameters do adapters and IA3 train?",
     [2 * 768 * 64 + 768 + 64, LLAMA2_7B["layers"] * (2 * LLAMA2_7B["d"] + LLAMA2_7B["d_ff"])]),
    ("memory-and-precision.md", "Does gradient accumulation reduce the memory for parameters?",
     [4 * 8]),
]


@pytest.mark.parametrize("name,heading,values", CASES, ids=[c[1][:50] for c in CASES])
def test_section_states_the_recomputed_numbers(name, heading, values):
    section = _section(name, heading)
    for value in values:
        shown = f"{value:,}" if value >= 1000 else str(value)
        assert shown in section, f"{name} '{heading}': {shown} is not written"


def test_gru_is_about_three_quarters_of_lstm():
    assert _recurrent(3, 100, 128, 2) / _recurrent(4, 100, 128, 2) == pytest.approx(0.75)


def test_prefix_and_ia3_shares_of_llama2_7b():
    prefix = 20 * LLAMA2_7B["layers"] * 2 * LLAMA2_7B["d"]
    ia3 = LLAMA2_7B["layers"] * (2 * LLAMA2_7B["d"] + LLAMA2_7B["d_ff"])
    assert round(100 * prefix / LLAMA2_7B["total"], 2) == 0.08
    assert 100 * ia3 / LLAMA2_7B["total"] < 0.01
    section = _section("trainable-parameters.md", "How many parameters do prompt tuning (soft prompts) and prefix tuning train?")
    assert "0.08%" in section
    assert "under 0.01%" in _section("trainable-parameters.md", "How many parameters do adapters and IA3 train?")


def test_zero_stage_3_example():
    # 7.5B parameters x 16 bytes (mixed-precision Adam) over 64 GPUs (ZeRO paper, Figure 1).
    total_gb = 7.5 * 16
    assert total_gb == 120
    assert round(total_gb / 64, 1) == 1.9
    section = _section("memory-and-precision.md", "What do DeepSpeed ZeRO and FSDP shard, and how much memory does each GPU need?")
    assert "7.5 × 16 = 120 GB" in section and "120 / 64 ≈ 1.9 GB" in section



def test_all_params_with_lora_adapters_on_llama2_7b():
    # rank 8 on q_proj and v_proj: per projection A (8 x 4096) + B (4096 x 8), two projections, 32 layers
    adapters = 2 * (8 * LLAMA2_7B["d"] + LLAMA2_7B["d"] * 8) * LLAMA2_7B["layers"]
    assert adapters == 4_194_304
    total = LLAMA2_7B["total"] + adapters
    assert total == 6_742_609_920
    section = _section("trainable-parameters.md",
                       'Does adding LoRA adapters make the model\'s total ("all params") bigger than the base model?')
    assert f"{adapters:,}" in section and f"{total:,}" in section
    assert f"{100 * adapters / total:.4f}%" in section  # 0.0622%
