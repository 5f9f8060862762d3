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


def test_initialisation_spreads():
    # Glorot and Bengio 2010: var 2/(fan_in+fan_out); He et al. 2015: var 2/fan_in;
    # PyTorch nn.Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Layer 784 -> 128.
    import math
    assert 784 + 128 == 912
    assert round(math.sqrt(2 / 912), 3) == 0.047
    assert round(math.sqrt(2 / 784), 3) == 0.051
    assert math.sqrt(784) == 28 and round(1 / 28, 3) == 0.036
    section = _section("training.md", "What are Xavier (Glorot) and He (Kaiming) initialisation, and why do they depend on the layer size?")
    for shown in ("sqrt(2 / 912) ≈ 0.047", "sqrt(2 / 784) ≈ 0.051", "±1/28 ≈ ±0.036"):
        assert shown in section
    # truncated normal: re-drawn beyond two standard deviations of 0.02
    assert "±0.04" in _section("training.md", "What does initializer_range = 0.02 mean in a model's config, and what is a truncated normal?")


def test_vocabulary_padding_numbers():
    # nanoGPT pads 50,257 to 50,304 (multiple of 64); Pythia configs are multiples of 128.
    assert 50_304 % 64 == 0 and 50_304 - 64 < 50_257 <= 50_304
    assert 50_304 - 50_257 == 47 and 47 * 768 == 36_096
    for padded in (50_304, 50_432, 50_688):
        assert padded % 128 == 0 and padded > 50_277
    assert 151_936 > 151_646 and 151_936 % 128 == 0
    section = _section("tokens-vocabulary-context.md", "Do the extra, unused embedding rows count as parameters?")
    assert "47 × 768 = 36,096" in section


def test_fp16_overflow_and_gpu_memory_numbers():
    fp16_max = (2 - 2 ** -10) * 2 ** 15
    assert fp16_max == 65_504 and 66_246 > fp16_max
    assert round(2 ** -24 * 1e8) == 6              # smallest fp16 subnormal, about 6e-8
    bf16_max = (2 - 2 ** -7) * 2 ** 127
    assert 3e38 < bf16_max < 4e38
    assert 2 ** 16 == 65_536                       # GradScaler init_scale
    section = _section("memory-and-precision.md", "Why does training in fp16 make the loss NaN when bf16 does not?")
    for shown in ("65,504", "66,246", "65,536", "6 × 10^-8", "3 × 10^38"):
        assert shown in section
    # vLLM 0.9 of a 24 GB card; Llama 3 8B KV cache: 2 x 32 layers x 8 kv heads x 128 x 2 bytes.
    assert round(0.9 * 24, 1) == 21.6
    per_token = 2 * 32 * 8 * 128 * 2
    assert per_token == 131_072 and per_token / 2 ** 20 == 0.125
    assert 4_096 * per_token / 2 ** 30 == 0.5 and 131_072 * per_token / 2 ** 30 == 16
    section = _section("memory-and-precision.md", "Why does my GPU show far more memory in use than the weights need, for example with vLLM or llama.cpp?")
    for shown in ("21.6 GB", "0.125 MiB", "0.5 GiB for 4,096", "16 GiB for 131,072"):
        assert shown in section


def test_attention_projection_shapes():
    assert 12 * 64 == 768 and 3 * 768 == 2_304 and 32 * 128 == 4_096
    # Gemma 7B config: hidden 3072, 16 heads of 256.
    assert 16 * 256 == 4_096
    assert 3_072 * 4_096 == 12_582_912 and 4 * 12_582_912 == 50_331_648
    assert 4 * 3_072 ** 2 == 37_748_736
    assert 64 * 128 == 8_192 and 8 * 128 == 1_024
    section = _section("transformer-anatomy.md", "Does the number of heads times the head size always equal the hidden size?")
    for shown in ("3,072 × 4,096 = 12,582,912", "4 × 12,582,912 = 50,331,648", "4 × 3,072^2 = 37,748,736",
                  "64 × 128 = 8,192", "8 × 128 = 1,024"):
        assert shown in section
    assert "768 × 2,304" in _section("transformer-anatomy.md", "What shapes are the Q, K, V and output (o_proj) matrices in multi-head attention?")



# kb2-gaps: optimiser state, fp32 upcast, classification heads and depth up-scaling.
# Shapes from the official configs: Llama 2 7B (6,738,415,616 parameters), Llama 3 8B (vocab 128,256,
# width 4,096, 32 layers, untied head), BERT-base (width 768; body 109,482,240 with pooler) and
# Mistral 7B (width 4,096, MLP 14,336, 8 key-value heads of 128, vocab 32,000, untied head).

LLAMA3_8B = {"vocab": 128_256, "d": 4096, "layers": 32}
MISTRAL_7B = {"vocab": 32_000, "d": 4096, "d_ff": 14_336, "kv": 1024, "layers": 32}


def _mistral_layer() -> int:
    d, kv, d_ff = MISTRAL_7B["d"], MISTRAL_7B["kv"], MISTRAL_7B["d_ff"]
    return 2 * d * d + 2 * d * kv + 3 * d * d_ff + 2 * d


def _mistral_total(layers: int) -> int:
    return layers * _mistral_layer() + 2 * MISTRAL_7B["vocab"] * MISTRAL_7B["d"] + MISTRAL_7B["d"]


def test_mistral_shapes_match_the_published_count():
    assert _mistral_layer() == 218_112_000
    assert _mistral_total(32) == 7_241_732_096  # the calculator's mistral-7b preset
    assert _mistral_total(48) == 10_731_524_096


KB2_CASES = [
    ("optimizer-settings.md", "How much memory does an 8-bit optimiser such as AdamW8bit save?",
     [LLAMA2_7B["total"], LLAMA2_7B["total"] * 2 * 4, LLAMA2_7B["total"] * 2 * 1]),
    ("fine-tuning-setup.md", "Why does prepare_model_for_kbit_training make my QLoRA model use more memory?",
     [LLAMA3_8B["vocab"] * LLAMA3_8B["d"], 2 * LLAMA3_8B["vocab"] * LLAMA3_8B["d"],
      2 * 2 * LLAMA3_8B["vocab"] * LLAMA3_8B["d"], LLAMA3_8B["layers"] * 2 * LLAMA3_8B["d"] + LLAMA3_8B["d"]]),
    ("fine-tuning-setup.md", 'What does "Some weights were not initialized from the model checkpoint and are newly initialized" mean?',
     [768 * 2 + 2]),
    ("model-merging.md", "How can a merged model, such as a frankenmerge, have more parameters than the models it came from?",
     [_mistral_total(48), _mistral_total(32)]),
    ("model-merging.md", "How did SOLAR 10.7B get 10.7 billion parameters from a 7B model?",
     [_mistral_layer(), _mistral_total(0), 16 * _mistral_layer(), _mistral_total(32), _mistral_total(48)]),
    ("examples/gradient-clipping-and-optimizer-state.md", "How much memory does Adam's state take for Llama 2 7B in 32 and in 8 bits?",
     [LLAMA2_7B["total"], LLAMA2_7B["total"] * 8, LLAMA2_7B["total"] * 2, LLAMA2_7B["total"] * 6]),
    ("examples/new-classification-head.md", "How many new parameters does BERT-base get for two labels?",
     [768 * 2, 768 * 2 + 2, 768 * 5 + 5]),
    ("examples/new-classification-head.md", "What is the total, and how much of it is new?",
     [109_482_240, 109_482_240 + 768 * 2 + 2]),
    ("examples/new-classification-head.md", "Why is RoBERTa-base's head bigger?",
     [768 * 768 + 768, 768 * 2 + 2, 768 * 768 + 768 + 768 * 2 + 2]),
    ("examples/depth-upscaling-solar.md", "How many parameters does one Mistral 7B layer have?",
     [2 * 4096 * 4096 + 2 * 4096 * 1024, 3 * 4096 * 14_336, 2 * 4096, _mistral_layer()]),
    ("examples/depth-upscaling-solar.md", "What lies outside the layers?", [_mistral_total(0)]),
    ("examples/depth-upscaling-solar.md", "What are the totals for 32 and 48 layers?",
     [_mistral_total(32), _mistral_total(48), 16 * _mistral_layer()]),
    ("examples/depth-upscaling-solar.md", "How much memory do the two models need in fp16?",
     [2 * _mistral_total(32), 2 * _mistral_total(48)]),
]


@pytest.mark.parametrize("name,heading,values", CASES + KB2_CASES, ids=[c[1][:50] for c in CASES + KB2_CASES])
def test_section_states_the_recomputed_numbers(name, heading, values):
    section = _section(name, heading)
    for value in values:
        shown = f"{value:,}" if value >= 1000 else str(value)
        assert shown in section, f"{name} '{heading}': {shown} is not written"


def test_kb2_rounded_figures():
    # Adam state: 53.9 GB -> 13.5 GB, saving 40.4 GB; upcast 2.1 GB; head share 0.0014%; fp16 14.5 / 21.5 GB.
    assert (round(LLAMA2_7B["total"] * 8 / 1e9, 1), round(LLAMA2_7B["total"] * 2 / 1e9, 1),
            round(LLAMA2_7B["total"] * 6 / 1e9, 1)) == (53.9, 13.5, 40.4)
    assert round(4 * LLAMA3_8B["vocab"] * LLAMA3_8B["d"] / 1e9, 1) == 2.1
    assert round(100 * 1538 / 109_483_778, 4) == 0.0014
    assert (round(2 * _mistral_total(32) / 1e9, 1), round(2 * _mistral_total(48) / 1e9, 1)) == (14.5, 21.5)
    # Gradient clipping: (3, 4) has norm 5; scaled by 1/5 it is (0.6, 0.8) with norm 1.
    assert (3 ** 2 + 4 ** 2) ** 0.5 == 5
    assert (3 * 0.2, 4 * 0.2) == pytest.approx((0.6, 0.8))
    assert (0.6 ** 2 + 0.8 ** 2) ** 0.5 == pytest.approx(1)
    section = _section("examples/gradient-clipping-and-optimizer-state.md", "How is a gradient of (3, 4) clipped to max_grad_norm 1?")
    assert "= 5" in section and "= 0.6" in section and "= 0.8" in section


def test_framework_layer_counts():
    # PyTorch MultiheadAttention: in_proj_weight (3d, d) + in_proj_bias 3d + out_proj d x d + d.
    d, heads, d_ff = 512, 8, 2048
    mha = 3 * d * d + 3 * d + d * d + d
    assert (3 * d * d + 3 * d, d * d + d, d * d) == (787_968, 262_656, 262_144)
    assert mha == 4 * d * d + 4 * d == 1_050_624
    # Keras MultiHeadAttention, self-attention: 4 * d * h * k + 3 * h * k + d
    keras = lambda k: 4 * d * heads * k + 3 * heads * k + d
    assert keras(d // heads) == mha and keras(d) == 8_401_408
    # nn.TransformerEncoderLayer(512, 8): attention, linear1, linear2, two LayerNorms
    lin1, lin2, norms = d * d_ff + d_ff, d_ff * d + d, 2 * 2 * d
    layer = mha + lin1 + lin2 + norms
    assert (lin1, lin2, norms, layer, 6 * layer) == (1_050_624, 1_049_088, 2_048, 3_152_384, 18_914_304)
    # BatchNorm after a 512-unit layer: Keras 4C (2C trainable), PyTorch 2C
    assert (4 * 512, 2 * 512) == (2_048, 1_024)
    # Keras Dense(10) on input (20, 5): last axis only; after Flatten: 100 inputs
    assert (5 * 10 + 10, 20 * 5 * 10 + 10) == (60, 1_010)
    name = "framework-layer-counts.md"
    checks = {
        "How many parameters does a BatchNormalization layer have, and why does Keras show twice as many as PyTorch?": ["2,048", "1,024"],
        "How many parameters does PyTorch's nn.MultiheadAttention have, and why doesn't num_heads change it?": ["787,968", "262,656", "262,144", "1,050,624"],
        "Why does Keras MultiHeadAttention have num_heads times more parameters than I expected?": ["1,050,624", "8,401,408"],
        "How many parameters does nn.TransformerEncoderLayer have?": ["1,050,624", "1,049,088", "2,048", "3,152,384", "18,914,304"],
        "Why does a Keras Dense layer applied to a 3D input have so few parameters?": ["= 60", "1,010"],
    }
    for heading, shown in checks.items():
        section = _section(name, heading)
        for value in shown:
            assert value in section, f"{heading}: {value}"


def test_reducing_parameters_numbers():
    # VGG16 (Simonyan and Zisserman 2014; Keras applications): last map 7 x 7 x 512, Dense 4096, 4096, 1000
    flat = 7 * 7 * 512
    fc1, fc2, fc3 = flat * 4096 + 4096, 4096 * 4096 + 4096, 4096 * 1000 + 1000
    dense = fc1 + fc2 + fc3
    total = 138_357_544
    assert (flat, fc1, dense, total - dense) == (25_088, 102_764_544, 123_642_856, 14_714_688)
    assert round(100 * dense / total) == 89
    gap = 512 * 4096 + 4096
    assert gap == 2_101_248
    section = _section("reducing-parameters.md", "Why does the Dense layer after Flatten hold most of a CNN's parameters?")
    for shown in ("25,088", "102,764,544", "138,357,544", "123,642,856", "about 89%", "14,714,688"):
        assert shown in section
    section = _section("reducing-parameters.md", "Does global average pooling use fewer parameters than Flatten?")
    for shown in ("25,088", "102,764,544", "2,101,248"):
        assert shown in section
    # Weight sharing: 3x3 conv 3 -> 32 channels on 32 x 32 with padding vs a dense layer
    inputs, outputs = 32 * 32 * 3, 32 * 32 * 32
    assert (inputs, outputs, inputs * outputs) == (3_072, 32_768, 100_663_296)
    assert _conv(3, 3, 32, bias=False) == 864 and _conv(3, 3, 32) == 896
    section = _section("other-layer-types.md", "What is weight sharing (parameter sharing) in a convolutional layer?")
    for shown in ("3,072 × 32,768 = 100,663,296", "864", "896"):
        assert shown in section


# --- kb3: GPTQ/AWQ group size, FLOP counters, LoRA memory, EMA copies -------------------------

def _gptq_bits(group: int, zero_bits: int = 4, scale_bits: int = 16, bits: int = 4) -> float:
    """Bits per weight of a grouped 4-bit layout: one fp16 scale and one packed zero per group."""
    return bits + (scale_bits + zero_bits) / group


def test_kb3_gptq_group_size_bits_per_weight():
    section = _section("gptq-awq-group-size.md", "How many bits per weight does 4-bit GPTQ with group size 128 really use?")
    assert _gptq_bits(128) == 4.15625 and "4.156" in section and "20 / 128" in section
    assert round(20 / 128, 3) == 0.156 and "0.156" in section
    assert _gptq_bits(64) == 4.3125 and "4.3125" in section
    assert _gptq_bits(32) == 4.625 and "4.625" in section
    assert round(_gptq_bits(4096), 3) == 4.005 and "4.005" in section
    assert _gptq_bits(128, zero_bits=16) == 4.25 and "4.25" in section and "32 ÷ 128 = 0.25" in section
    # One 4,096 x 4,096 matrix at group 128: qweight + fp16 scales + 4-bit zeros.
    n_in = n_out = 4096
    qweight = n_in * n_out * 4 // 8
    groups = (n_in // 128) * n_out
    total = qweight + groups * 2 + groups * 4 // 8
    assert total == 8_716_288 and f"{total:,}" in section
    assert total * 8 / (n_in * n_out) == _gptq_bits(128)
    fp16 = n_in * n_out * 2
    assert fp16 == 33_554_432 and f"{fp16:,}" in section
    assert round(fp16 / total, 2) == 3.85 and "3.85" in section
    choose = _section("gptq-awq-group-size.md", "Should I pick group size 128, 32 or -1 for GPTQ?")
    # 4.3125, 4.625 and 4.15625 written to two decimals (4.625 rounded half up).
    for exact, shown in ((_gptq_bits(64), "4.31"), (_gptq_bits(32), "4.63"), (_gptq_bits(128), "4.16")):
        assert abs(exact - float(shown)) <= 0.005 and shown in choose
    stored = _section("gptq-awq-group-size.md", "What is stored for each group of quantised weights?")
    assert 32 // 4 == 8 and "32 ÷ 4 = 8" in " ".join(stored.split())


def test_kb3_macs_and_flops():
    section = _section("parameter-counting-tools.md", "What is the difference between MACs (GMac) and FLOPs (GFLOPs)?")
    assert round(2 * 4.12, 2) == 8.24 and "4.12 GMac" in section and "8.24 GFLOPs" in section
    macs = 784 * 128
    assert macs == 100_352 and f"{macs:,}" in section
    assert 2 * macs == 200_704 and f"{2 * macs:,}" in section


def test_kb3_lora_memory_and_ema_copies():
    lora = _section("lora-memory-and-int4-speed.md", "Why does LoRA fine-tuning still need so much GPU memory?")
    assert f"{LLAMA2_7B['total']:,}" in lora
    assert round(LLAMA2_7B["total"] * 2 / 1e9, 1) == 13.5 and "13.5 GB" in lora
    ema = _section("checkpoints-and-file-size.md", "Should I load the EMA or the non-EMA weights, and why does the checkpoint take twice the space?")
    # fp32 weights + fp32 EMA copy = 8 bytes; + Adam's two fp32 moments = 16 bytes per parameter.
    assert 4 + 4 == 8 and 4 + 4 + 2 * 4 == 16
    assert "8 bytes per parameter" in ema and "16 bytes" in ema


def test_train_optimizer_state_fp32_master_and_updates_per_step():
    import struct

    # Optimiser state per parameter of Llama 2 7B: SGD momentum 4 bytes, Adam 8, 8-bit Adam 2.
    n = LLAMA2_7B["total"]
    state = " ".join(_section("fine-tuning-and-freezing.md", "How much memory do the optimizer states of SGD, SGD with momentum and Adam take?").split())
    assert f"{n:,} parameters" in state
    for per_param, gb in ((4, 27.0), (8, 53.9), (2, 13.5)):
        assert f"{n * per_param:,} bytes ({gb} GB)" in state
        assert round(n * per_param / 1e9, 1) == gb
    # 2 + 2 + 4 + 8 = 16 bytes per parameter (Rajbhandari et al. 2019); Adam's two averages are 8 of them.
    assert 2 + 2 + 4 + 8 == 16 and 2 * 4 == 8
    assert "8 of the 16 bytes" in state

    # fp16 has 10 fraction bits: 1 + 0.0001 rounds to 1, the next value above 1 is 1 + 2^-10, and
    # an update 2,048 = 2^11 times smaller than the weight is lost (Micikevicius et al. 2017).
    def fp16(x: float) -> float:
        return struct.unpack("<e", struct.pack("<e", x))[0]

    assert fp16(1 + 0.0001) == 1.0
    assert 1 / 0.0001 > 2048 == 2 ** 11
    assert 1 + 2 ** -10 == 1.0009765625 and fp16(1 + 2 ** -10) == 1 + 2 ** -10
    assert fp16(1 + 2 ** -11) == 1.0  # a tie, rounded to even: exactly 2,048 times smaller is lost too
    master = " ".join(_section("memory-and-precision.md", "Why does mixed-precision training keep an fp32 master copy of the weights?").split())
    assert "2,048 times smaller" in master and "1 + 2^-10 = 1.0009765625" in master
    assert "2 for 16-bit weights, 2 for gradients, 4 for the master copy and 8 for Adam's two averages" in master

    # Updates per epoch: 12,800 examples, batch 8, accumulation 4.
    per_step = 8 * 4
    steps = 12_800 // per_step
    assert (per_step, steps, steps * 3, 12_800 * 3) == (32, 400, 1_200, 38_400)
    updates = _section("loss-and-training-step.md", "How many times is each weight updated: after every example, every batch or every epoch?")
    updates = " ".join(updates.split())
    for shown in ("8 × 4 = 32", "12,800 / 32 = 400", "400 × 3 = 1,200", "12,800 × 3 = 38,400"):
        assert shown in updates

    # BERT-base has 12 layers; the example freezes the first 8.
    freeze = _section("fine-tuning-and-freezing.md", "How do I freeze layers in PyTorch with requires_grad = False?")
    assert "first 8 of its 12 layers" in freeze and "layer[:8]" in freeze


# --- architecture details: bias=False, position tables, added tokens, GQA, tied embeddings ---------
# Shapes from the official configs: Llama 2 7B (d 4,096, MLP 11,008, 32 layers, 6,738,415,616
# parameters), Llama 3 8B (d 4,096, vocab 128,256, 32 query and 8 key-value heads of 128),
# Llama 3.2 1B (d 2,048, vocab 128,256, tied), Gemma 7B (d 3,072, vocab 256,000), GPT-2 small,
# BERT-base, T5-base (12 heads, 32 buckets) and ViT-B/16 at 224 pixels.

def test_architecture_details_numbers():
    name = "architecture-details.md"
    d, d_ff, layers = LLAMA2_7B["d"], LLAMA2_7B["d_ff"], LLAMA2_7B["layers"]
    per_block = 4 * d + 2 * d_ff + d
    assert per_block == 42_496 and layers * per_block == 1_359_872
    assert round(100 * layers * per_block / LLAMA2_7B["total"], 2) == 0.02
    section = _section(name, "Why do Llama and many modern LLMs use bias=False in their linear layers?")
    for shown in ("4 × 4,096 + 2 × 11,008 + 4,096 = 42,496", "1,359,872", "0.02%", "6,738,415,616"):
        assert shown in section

    assert (1024 * 768, 512 * 768, 32 * 12) == (786_432, 393_216, 384)
    section = _section(name, "Which position encodings have trainable parameters: learned, sinusoidal, RoPE or ALiBi?")
    for shown in ("1,024 × 768 = 786,432", "512 × 768 = 393,216", "32 × 12 = 384"):
        assert shown in section
    patches = (224 // 16) ** 2
    assert patches == 196 and (patches + 1) * 768 == 151_296
    assert round(100 * 151_296 / 86e6, 1) == 0.2
    section = _section(name, "Is ViT's position embedding learned, and how many parameters does it have?")
    for shown in ("14 × 14 = 196", "197 × 768 = 151,296", "0.2%"):
        assert shown in section

    assert [2 ** -h for h in range(1, 9)][0] == 1 / 2 and 2 ** -8 == 1 / 256
    assert "1/2, 1/4, ..., 1/256" in _section(name, "What is ALiBi, and does it add any parameters?")

    assert 2 * 768 == 1_536 and 2 * 2 * 4096 == 16_384
    section = _section(name, "How many parameters does resize_token_embeddings add when I add tokens to the tokenizer?")
    assert "2 × 768 = 1,536" in section and "2 × 2 × 4,096 = 16,384" in section
    assert 151_646 < 151_936

    vocab3 = 128_256
    assert vocab3 * 4096 == 525_336_576 and 2 * 4096 == 8_192
    section = _section(name, "Can I train only the new token embeddings and freeze the rest of the matrix?")
    assert "525,336,576" in section and "2 × 4,096 = 8,192" in section

    assert 128 // 2 == 64 and 4096 // 32 == 128
    q = o = 4096 * 4096
    kv = 4096 * 8 * 128
    assert (kv, q, 2 * q + 2 * kv, 4 * q) == (4_194_304, 16_777_216, 41_943_040, 67_108_864)
    section = _section(name, "What is the difference between multi-head, multi-query and grouped-query attention (num_key_value_heads)?")
    for shown in ("4,096 × 1,024 = 4,194,304", "16,777,216", "41,943,040", "67,108,864", "32 / 8 = 4"):
        assert shown in section

    tied_1b = vocab3 * 2048
    assert tied_1b == 262_668_288 and 0.19 < tied_1b / 1.24e9 < 0.22  # "about a fifth"
    assert 256_000 * 3072 == 786_432_000
    section = _section(name, "Which models tie their input and output embeddings (tie_word_embeddings)?")
    for shown in ("128,256 × 2,048 = 262,668,288", "256,000 × 3,072 = 786,432,000", "525,336,576"):
        assert shown in section


# --- names: model names, files and formats (model-files-and-names.md), GGUF legacy types, count checklist ---

def _flat(name: str, heading: str) -> str:
    return " ".join(_section(name, heading).split())


def test_names_llama2_file_sizes_and_dtype():
    n = LLAMA2_7B["total"]
    assert 2 * n == 13_476_831_232 and (2 * n) // 2 == n
    assert round(2 * n / 1e9, 1) == 13.5 and round(4 * n / 1e9) == 27
    assert round(9.98 + 3.5, 1) == 13.5  # the two -hf shards, GB
    name = "model-files-and-names.md"
    same = _flat(name, "Why are the original Llama 2 checkpoint and the -hf version the same size?")
    for shown in ("6,738,415,616", "13,476,831,232", "13.5 GB", "9.98 and 3.5 GB"):
        assert shown in same, shown
    shards = _flat(name, "What are model-00001-of-00002.safetensors files and model.safetensors.index.json, and do I need every shard?")
    assert "13,476,831,232" in shards and "6,738,415,616" in shards
    dtype = _flat(name, "Why does from_pretrained load my model in float32 and double its memory?")
    assert "27 GB" in dtype and "13.5 GB" in dtype


def test_names_mistral_v03_vocabulary_growth():
    new_tokens = 32_768 - MISTRAL_7B["vocab"]
    assert new_tokens == 768 and MISTRAL_7B["d"] == 4096
    assert new_tokens * MISTRAL_7B["d"] * 2 == 6_291_456
    section = _flat("model-files-and-names.md", "What do -v0.1 and -v0.2 mean, and can a new version have more parameters?")
    assert "768 new tokens × 4,096 wide × 2" in section and "6,291,456" in section and "32,768" in section


def test_names_moe_speed_follows_active_parameters():
    # Bytes read per token at 4 bits (0.5 bytes) per weight, in GB.
    assert (22 * 0.5, 37 * 0.5, 235 * 0.5, 671 * 0.5) == (11, 18.5, 117.5, 335.5)
    assert round(37 / 22, 1) == 1.7 and round(671 / 235, 1) == 2.9
    section = _flat("model-files-and-names.md",
                    "Why do MoE models of very different sizes, like Qwen3-235B-A22B and DeepSeek-V3, generate at similar speeds?")
    for shown in ("11 GB", "18.5 GB", "1.7 times", "2.9 times", "117.5 GB", "over 335 GB", "235B", "22B", "671B", "37B"):
        assert shown in section, shown


def test_names_gguf_legacy_block_sizes():
    # ggml-common.h: fp16 scale d (2 bytes), fp16 min m (2), 5th bits qh (4), 32 quants.
    blocks = {"Q4_0": (2 + 16, 4.5), "Q4_1": (2 + 2 + 16, 5.0), "Q5_0": (2 + 4 + 16, 5.5),
              "Q5_1": (2 + 2 + 4 + 16, 6.0), "Q8_0": (2 + 32, 8.5)}
    section = _flat("quantisation-formats.md",
                    "What do the _0 and _1 in GGUF types like Q4_0, Q4_1 and Q5_0 mean, and how many bits do they use?")
    for name, (size, bits) in blocks.items():
        assert size * 8 / 32 == bits
        assert f"| {name} |" in section and f"= {size} | {bits} |" in section, name
    assert round(100 * (20 / 18 - 1)) == 11 and "about 11% bigger" in section


def test_names_two_sources_checklist():
    llama3 = 8_030_261_248
    assert round((llama3 - LLAMA3_8B["vocab"] * LLAMA3_8B["d"]) / 1e9, 2) == 7.50
    assert round(llama3 / 2 ** 30, 2) == 7.48
    section = _flat("model-sizes.md", "Why do two sources give different parameter counts for the same model?")
    for shown in ("6,738,415,616", "124,439,808", "85,056,000", "7.50B", "8.03B", "7.48", "46.7B", "12.9B"):
        assert shown in section, shown


# kb-dist: training memory and parallelism (kb/training-memory-and-parallelism.md).
# Llama 2 7B config (6,738,415,616 parameters; hidden 4,096, 32 heads, 32 layers); ZeRO paper formulas
# (Rajbhandari et al. 2019: 16 bytes per parameter, K = 12); Korthikanti et al. 2022 activations
# sbh(34 + 5as/h) bytes per layer; GPipe bubble (K - 1)/(M + K - 1).

TRAIN = "training-memory-and-parallelism.md"


def test_training_full_fine_tune_7b_state():
    n = LLAMA2_7B["total"]
    assert n * 16 == 107_814_649_856 and round(n * 16 / 1e9) == 108
    assert round(n * 4 / 1e9) == 27
    section = _section(TRAIN, "Why does full fine-tuning of a 7B model not fit on one 80 GB GPU?")
    for shown in ("6,738,415,616", "16 bytes per parameter", "about 108 GB", "27 GB"):
        assert shown in section, shown


def test_training_hugging_face_18_bytes():
    assert 6 + 4 + 8 == 18 and 2 + 2 + 4 + 8 == 16
    section = _section(TRAIN, "Why does training use more GPU memory than the 16 (or 18) bytes per parameter rule?")
    assert "18 bytes per parameter" in section and "6 for" in section and "4 for fp32 gradients" in section


def test_training_activation_memory_per_layer():
    s, b, h, a, layers = 4_096, 1, LLAMA2_7B["d"], 32, LLAMA2_7B["layers"]
    assert 5 * a * s // h == 160
    per_layer = s * b * h * (34 + 5 * a * s // h)
    assert per_layer == 3_254_779_904 and round(per_layer / 1e9, 2) == 3.25
    assert round(per_layer * layers / 1e9) == 104
    linear = 34 * s * b * h
    assert round(linear / 1e9, 2) == 0.57 and round(linear * layers / 1e9, 1) == 18.3
    section = _section(TRAIN, "How many bytes of activations does each transformer layer keep for the backward pass?")
    for shown in ("4,096 × 4,096 × (34 + 160) ≈ 3.25 GB", "32 layers ≈ 104 GB", "0.57 GB per layer",
                  "32 layers ≈ 18.3 GB"):
        assert shown in section, shown
    # full recomputation keeps only each layer's input, 2sbh bytes
    assert 2 * s * b * h * layers == 2 ** 30
    section = _section(TRAIN, "What is selective activation recomputation, and how does it compare with full gradient checkpointing?")
    assert "1 GiB for 32 layers" in section and "about 104 GB" in section


def test_training_zero_stages_7b_on_8_gpus():
    psi, n = LLAMA2_7B["total"] / 1e9, 8
    assert round(psi, 3) == 6.738
    assert round(16 * psi, 1) == 107.8
    assert round(4 * psi + 12 * psi / n, 1) == 37.1
    assert round(2 * psi + 14 * psi / n, 1) == 25.3
    assert round(16 * psi / n, 1) == 13.5
    section = _section(TRAIN, "What is the difference between DeepSpeed ZeRO stage 1, 2 and 3, and how much memory does each need?")
    for shown in ("| 16Ψ | 107.8 GB |", "| 4Ψ + 12Ψ/N | 37.1 GB |", "| 2Ψ + 14Ψ/N | 25.3 GB |", "| 16Ψ/N | 13.5 GB |"):
        assert shown in section, shown


def test_training_offload_cpu_ram():
    n = LLAMA2_7B["total"]
    assert 4 + 4 + 4 == 12 and round(12 * n / 1e9, 1) == 80.9
    section = _section(TRAIN, "What do ZeRO-Offload and ZeRO-Infinity move to the CPU or NVMe?")
    assert "12 × 6,738,415,616 bytes ≈ 80.9 GB" in section


def test_training_bf16_bytes():
    assert 4 + 4 + 8 == 16 and 2 + 2 + 2 + 2 == 8
    section = _section(TRAIN, "Does training in bf16 halve the memory compared with fp32, and what does pure_bf16 change?")
    assert "4 + 4 + 8" in section and "8 bytes per parameter" in section


def test_training_adafactor_matrix_state():
    assert 2 * 4_096 * 4_096 == 33_554_432 and 4_096 + 4_096 == 8_192
    section = _section(TRAIN, "How much memory does Adafactor save compared with Adam?")
    assert "33,554,432" in section and "8,192" in section


def test_training_pipeline_bubble_and_parallel_sizes():
    def bubble(k, m):
        return (k - 1) / (m + k - 1)
    assert round(100 * bubble(4, 4)) == 43 and round(100 * bubble(4, 32), 1) == 8.6
    assert 64 // (8 * 4) == 2
    section = _section(TRAIN, "What is the pipeline bubble, and how is pipeline parallelism combined with tensor and data parallelism?")
    for shown in ("3/7 ≈ 43%", "3/35 ≈ 8.6%", "64 / (8 × 4) = 2"):
        assert shown in section, shown


# kb-basics: backpropagation-and-initialisation.md. One backward step through the 2-2-1 network of
# kb/examples/forward-pass-2-2-1.md (x = (1, 2); hidden weights (0.5, 0.25 | -0.5, 0.1), biases
# (0.1, 0.2), ReLU; output weights (0.8, -0.6), bias 0.3, linear), target 1.0, loss ½(y - target)^2.

BACKPROP = "backpropagation-and-initialisation.md"


def _forward_221(w11, w21, w12, w22, b1, b2, u1, u2, b3, x1=1.0, x2=2.0):
    z1, z2 = w11 * x1 + w21 * x2 + b1, w12 * x1 + w22 * x2 + b2
    h1, h2 = max(0.0, z1), max(0.0, z2)
    return z1, z2, h1, h2, u1 * h1 + u2 * h2 + b3


def test_backprop_221_gradients_and_update():
    params = dict(w11=0.5, w21=0.25, w12=-0.5, w22=0.1, b1=0.1, b2=0.2, u1=0.8, u2=-0.6, b3=0.3)
    z1, z2, h1, h2, y = _forward_221(**params)
    assert (round(z1, 4), round(z2, 4), round(h1, 4), h2, round(y, 4)) == (1.1, -0.1, 1.1, 0.0, 1.18)
    delta = y - 1.0
    assert round(delta, 4) == 0.18
    assert round(delta * h1, 4) == 0.198 and delta * h2 == 0
    back = (params["u1"] * delta, params["u2"] * delta)          # W.T δ_out
    assert (round(back[0], 4), round(back[1], 4)) == (0.144, -0.108)
    d1, d2 = back[0] * (1 if z1 > 0 else 0), back[1] * (1 if z2 > 0 else 0)
    assert (round(d1, 4), d2) == (0.144, 0)
    assert round(d1 * 2.0, 4) == 0.288                          # gradient of w(2, 1): δ1 × x2
    lr = 0.1
    assert round(0.8 - lr * 0.198, 4) == 0.7802 == round(0.8 + lr * (1.0 - 1.18) * 1.1, 4)
    grads = dict(w11=d1 * 1.0, w21=d1 * 2.0, w12=d2 * 1.0, w22=d2 * 2.0, b1=d1, b2=d2,
                 u1=delta * h1, u2=delta * h2, b3=delta)
    new = {k: v - lr * grads[k] for k, v in params.items()}
    assert round(_forward_221(**new)[-1], 3) == 1.073
    section = _flat(BACKPROP, "How is the gradient of one weight computed in backpropagation?")
    for shown in ("y - target = 0.18", "0.18 × 1.1 = 0.198", "0.18 × 0 = 0"):
        assert shown in section, shown
    section = _flat(BACKPROP, "Why does backpropagation use the transposed weight matrix (W.T) to send the error back to the hidden layer?")
    for shown in ("(0.144, -0.108)", "(0.144, 0)", "0.144 × 2.0 = 0.288"):
        assert shown in section, shown
    section = _flat(BACKPROP, "Why does the update subtract the gradient, and why does some code write w += lr * (target - output)?")
    for shown in ("0.8 - 0.1 × 0.198 = 0.7802", "0.8 + 0.1 × (1.0 - 1.18) × 1.1", "about 1.073"):
        assert shown in section, shown


def test_vanishing_gradient_numbers():
    import math
    assert round(0.9 ** 50, 3) == 0.005 and round(1.1 ** 50) == 117
    assert "factors of 0.9 leave about 0.005" in _flat(BACKPROP, "What is the vanishing gradient problem, and what are exploding gradients?")
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    assert sig(0) * (1 - sig(0)) == 0.25 and 1 - math.tanh(0) ** 2 == 1
    assert round(0.25 ** 10 * 1e7, 1) == 9.5
    assert round(sig(5) * (1 - sig(5)), 4) == 0.0066
    section = _flat(BACKPROP, "Why do sigmoid and tanh activations cause vanishing gradients?")
    for shown in ("at most 0.25", "0.25^10 ≈ 9.5 × 10^-7", "about 0.0066"):
        assert shown in section, shown
    # starting weights: spread of a sum of n unit-size inputs is s × sqrt(n)
    assert math.sqrt(784) == 28 and round(1 / 28, 3) == 0.036
    assert sig(28) * (1 - sig(28)) < 1e-12
    section = _flat(BACKPROP, "Why must the initial weights be small random numbers, and why are about half negative?")
    for shown in ("sqrt(784) = 28", "below 10^-12", "1/sqrt(784) = 1/28 ≈ 0.036"):
        assert shown in section, shown


# kb-align: kb/what-changes-the-weights.md (Llama 2 7B config: vocab 32,000, d_model 4,096, 32 layers,
# MLP 11,008, no biases; KV cache 2 × 32 × 4,096 × 2 bytes per token; llama.cpp's Llama 2 70B scorechart)
WEIGHTS = "what-changes-the-weights.md"


def _weights_section(heading: str) -> str:
    """The section with its line breaks as spaces (the prose is wrapped freely)."""
    return " ".join(_section(WEIGHTS, heading).split())


def test_weights_reward_model_head_count():
    d, vocab = LLAMA2_7B["d"], 32_000
    assert vocab * d == 131_072_000
    reward = LLAMA2_7B["total"] - vocab * d + d * 1  # lm_head out, score = Linear(4096, 1, bias=False) in
    assert reward == 6_607_347_712
    section = _weights_section("How big is the reward model in RLHF?")
    assert "6,738,415,616 − 131,072,000 (the `lm_head`) + 4,096 = 6,607,347,712" in section
    assert "4,096 × 1" in section


def test_weights_dpo_reference_copy_bf16():
    assert round(LLAMA2_7B["total"] * 2 / 1e9, 1) == 13.5
    section = _weights_section("Does DPOTrainer keep a second copy of the model as ref_model, and how much memory does it take?")
    assert "6,738,415,616 × 2 bytes ≈ 13.5 GB" in section


def test_weights_system_prompt_kv_cache():
    per_token = 2 * LLAMA2_7B["layers"] * LLAMA2_7B["d"] * 2
    assert per_token == 524_288
    assert 1_000 * per_token == 524_288_000 and round(1_000 * per_token / 1e9, 2) == 0.52
    section = _weights_section("Does a system prompt or custom instruction change the model's weights?")
    assert "524,288 bytes per token" in section and "524,288,000 bytes, about 0.52 GB" in section


def test_weights_removing_eight_llama_layers():
    d, d_ff, vocab = LLAMA2_7B["d"], LLAMA2_7B["d_ff"], 32_000
    layer = 4 * d * d + 3 * d * d_ff + 2 * d
    assert layer == 202_383_360
    assert LLAMA2_7B["layers"] * layer + 2 * vocab * d + d == LLAMA2_7B["total"]
    removed = 8 * layer
    assert removed == 1_619_066_880
    assert LLAMA2_7B["total"] - removed == 5_119_348_736
    assert round(100 * removed / LLAMA2_7B["total"], 1) == 24.0
    assert round(removed * 2 / 1e9, 2) == 3.24
    assert 2 * vocab * d == 262_144_000
    assert 2 * 24 * d * 2 == 393_216 == 524_288 * 24 // 32
    section = _weights_section("How many parameters does removing layers save?")
    for shown in ("8 × 202,383,360 = 1,619,066,880", "6,738,415,616 − 1,619,066,880 = 5,119,348,736",
                  "1,619,066,880 / 6,738,415,616 ≈ 24.0%", "1,619,066,880 × 2 bytes ≈ 3.24 GB",
                  "262,144,000", "393,216 bytes per token"):
        assert shown in section, shown


def test_weights_perplexity_and_quantisation():
    import math

    assert round(math.log(5), 3) == 1.609 and 1 / 5 == 0.2
    assert round(math.log(1.012), 3) == 0.012
    section = _weights_section("Why does quantisation raise perplexity slightly, and what does a perplexity of 5 mean?")
    assert "ln 5 ≈ 1.609" in section and "1/5 = 0.2" in section and "ln 1.012 ≈ 0.012" in section
    assert "1.20%" in section and "8.82%" in section  # llama.cpp scorechart, as in quantisation-formats.md


def test_weights_knowledge_bits_and_mixtral():
    assert 2 * 7e9 == 14e9  # 2 bits per parameter (Allen-Zhu and Li 2024)
    assert "14 billion bits" in _weights_section("Do bigger models know more facts and hallucinate less?")
    section = _weights_section("What is the difference between a sparse and a dense model, and what is 2:4 structured sparsity?")
    assert "46.7B" in section and "12.9B" in section


# kb-quant: quantisation and PEFT methods (kb/quantisation-and-peft-methods.md).
# Absmax and zero-point int8 (Dettmers et al. 2022), HF bitsandbytes blog timings, GPTQ reference code
# and AutoAWQ calibration defaults, DoRA on Llama 2 7B (PEFT dora.py; config.json), rsLoRA scale with
# QLoRA's r 64 / alpha 16, ChatGLM-6B PrefixEncoder (28 layers, hidden 4096, 6.2B parameters).

QPEFT = "quantisation-and-peft-methods.md"


def test_quant_absmax_int8_worked_example():
    weights = [0.423, -1.27, 0.051, 0.904]
    scale = max(abs(w) for w in weights) / 127
    assert scale == pytest.approx(0.01)
    codes = [round(w / scale) for w in weights]
    assert codes == [42, -127, 5, 90]
    back = [q * scale for q in codes]
    assert back == pytest.approx([0.42, -1.27, 0.05, 0.90])
    errors = [round(abs(w - b), 3) for w, b in zip(weights, back)]
    assert errors == [0.003, 0, 0.001, 0.004] and max(errors) <= scale / 2
    assert (4096 * 4096) // 128 == 131_072
    section = _flat(QPEFT, "How does int8 quantisation turn a weight into an integer: scale, rounding and dequantisation?")
    for shown in ("1.27 / 127 = 0.01", "42 -127 5 90", "0.42 -1.27 0.05 0.90", "at most 0.005"):
        assert shown in section, shown
    section = _flat(QPEFT, "How many scales does a quantised matrix have: per-tensor, per-channel or per-group?")
    assert "4,096 × 4,096 matrix that is 1, 4,096 or 131,072 scales" in section


def test_quant_zero_point_against_absmax():
    lo, hi = -0.5, 2.05
    scale = (hi - lo) / 255
    assert scale == pytest.approx(0.01)
    zero = round(-lo / scale)
    assert zero == 50
    assert [round(x / scale) + zero for x in (lo, 0.0, hi)] == [0, 50, 255]
    absmax_scale = hi / 127
    assert round(absmax_scale, 4) == 0.0161
    assert round(lo / absmax_scale, 2) == -30.98
    assert round(lo / absmax_scale) == -31
    assert len(range(-127, -31)) == 96
    assert round(absmax_scale / scale, 1) == 1.6
    section = _flat(QPEFT, "What is the difference between absmax (symmetric) and zero-point (asymmetric) quantisation?")
    for shown in ("(2.05 - (-0.5)) / 255 = 0.01", "round(0.5 / 0.01) = 50", "2.05 -> 255",
                  "2.05 / 127 ≈ 0.0161", "= -31", "96 codes", "1.6 times"):
        assert shown in section, shown


def test_quant_int8_slowdown_and_calibration_tokens():
    assert round(43.5 / 11.7, 1) == 3.7
    section = _flat(QPEFT, "Why is load_in_8bit (LLM.int8()) slower than fp16?")
    assert "43.5 ms" in section and "11.7 ms" in section and "3.7 times" in section
    assert 128 * 2048 == 262_144 and 128 * 512 == 65_536
    section = _flat(QPEFT, "What does the calibration dataset do when quantising, and which data should I use?")
    for shown in ("128 samples of 2,048 tokens", "262,144", "128 samples of 512 tokens", "65,536"):
        assert shown in section, shown


def test_peft_dora_rslora_and_ptuning_counts():
    d, layers = LLAMA2_7B["d"], LLAMA2_7B["layers"]
    lora = layers * 2 * 8 * (d + d)
    magnitude = layers * 2 * d
    assert (lora, magnitude, lora + magnitude) == (4_194_304, 262_144, 4_456_448)
    assert round(100 * magnitude / lora) == 6
    section = _flat(QPEFT, "What is DoRA (use_dora), and how many parameters does it add to LoRA?")
    for shown in ("4,194,304", "262,144", "4,456,448", "about 6% more"):
        assert shown in section, shown

    assert 16 / 64 == 0.25 and 16 / 64 ** 0.5 == 2
    section = _flat(QPEFT, "What are LoRA+ and rsLoRA, and do they add trainable parameters?")
    assert "16 / 64 = 0.25" in section and "16 / 8 = 2" in section

    glm_layers, glm_d, glm_total = 28, 4096, 6.2e9
    long_prefix, short_prefix = 128 * glm_layers * 2 * glm_d, 8 * glm_layers * 2 * glm_d
    assert (long_prefix, short_prefix) == (29_360_128, 1_835_008)
    assert round(100 * long_prefix / glm_total, 1) == 0.5 and round(100 * short_prefix / glm_total, 2) == 0.03
    section = _flat(QPEFT, "What is P-tuning v2, and how many parameters does ChatGLM's pre_seq_len train?")
    for shown in ("128 × 28 × 2 × 4,096 = 29,360,128", "8 × 28 × 2 × 4,096 = 1,835,008", "0.5% or 0.03%",
                  "6.2 billion"):
        assert shown in section, shown


# kb/inference-and-serving.md. Shapes from the configs: Llama 2 7B (32 layers, 32 KV heads of 128),
# Llama 3 / 3.1 8B (32 layers, 8 KV heads of 128), Llama 3.1 70B (80 layers, 8 KV heads of 128).
# Hardware: A100 2,039 GB/s and 312 TFLOPS; RTX 4090 1,008 GB/s; M2 Max 400 GB/s; two channels of
# DDR4-3200 = 3,200e6 x 8 bytes x 2. Llama 3.1 70B Q4_K_M GGUF: 43.1 GB (llama.cpp quantize README).
INFER = "inference-and-serving.md"
A100_BW, A100_FLOPS, RTX4090_BW, M2MAX_BW = 2_039e9, 312e12, 1_008e9, 400e9
LLAMA31_8B, LLAMA31_70B, Q4KM_70B = 8_030_261_248, 70_553_706_496, 43.1e9


def _kv_per_token(layers: int, kv_heads: int, head_dim: int = 128, nbytes: int = 2) -> int:
    return 2 * layers * kv_heads * head_dim * nbytes


def test_infer_prefill_against_decode():
    n = LLAMA2_7B["total"]
    flops = 2 * n * 4096
    assert round(flops / 1e13, 1) == 5.5 and round(n / 1e9, 2) == 6.74
    prefill = flops / A100_FLOPS
    decode = 2 * n / A100_BW
    assert round(prefill, 2) == 0.18 and round(decode * 1e3, 1) == 6.6
    assert round(prefill / decode) == 27
    section = _flat(INFER, "What is the difference between prefill and decode, and why does a long prompt raise the time to first token?")
    for shown in ("2 × 6,738,415,616 × 4,096 ≈ 5.5 × 10^13 FLOPs", "0.18 s", "6.6 ms", "27 answer tokens", "13.5 GB"):
        assert shown in section, shown


def test_infer_batching_throughput_and_per_user_speed():
    weights = 2 * LLAMA2_7B["total"]
    kv = _kv_per_token(32, 32) * 4096
    assert kv == 2 ** 31                                  # 2 GiB
    assert (round(weights / 1e9, 2), round(kv / 1e9, 2), round(8 * kv / 1e9, 2)) == (13.48, 2.15, 17.18)
    one = (weights + kv) / A100_BW
    eight = (weights + 8 * kv) / A100_BW
    assert round(one * 1e3, 1) == 7.7 and round(1 / one, -1) == 130
    assert round(eight * 1e3) == 15 and round(8 / eight, -1) == 530 and round(1 / eight, 1) == 66.5
    assert round(A100_FLOPS / A100_BW) == 153
    section = _flat(INFER, "Why does a bigger batch raise total tokens per second but not each user's speed?")
    for shown in ("(13.48 + 2.15) GB", "7.7 ms", "130 tokens/s", "(13.48 + 17.18) GB", "15 ms", "530 tokens/s, 66.5 each",
                  "153 FLOPs per byte", "2 GiB at 4,096"):
        assert shown in section, shown


def test_infer_kv_cache_limits_vllm_batch():
    budget = 0.9 * 80e9
    assert budget == 72e9
    l2 = (budget - 2 * LLAMA2_7B["total"]) / _kv_per_token(32, 32)
    l3 = (budget - 2 * LLAMA31_8B) / _kv_per_token(32, 8)
    assert _kv_per_token(32, 32) == 524_288 and _kv_per_token(32, 8) == 131_072
    assert round(l2, -2) == 111_600 and int(l2 / 4096) == 27
    assert round(l3, -2) == 426_800 and int(l3 / 4096) == 104
    section = _flat(INFER, "Why does the KV cache limit how many requests vLLM can batch, and what does PagedAttention do?")
    for shown in ("72 GB", "13.48 GB", "111,600 tokens", "524,288 bytes", "27 requests of 4,096", "131,072 bytes",
                  "about 104", "20.4% to 38.2%", "2 to 4 times"):
        assert shown in section, shown


def test_infer_two_gpus_and_ngl_offload():
    assert 43.1 < 48 and 43.1 > 24
    split = Q4KM_70B / RTX4090_BW
    assert round(split * 1e3) == 43 and int(1 / split) == 23
    assert round(split / 2 * 1e3) == 21
    assert 2 * 80 == 160                                   # two all-reduces per layer, 80 layers
    section = _flat(INFER, "Why doesn't a second GPU make generation twice as fast?")
    for shown in ("43.1 GB ÷ 1,008 GB/s ≈ 43 ms", "about 23 tokens/s", "about 21 ms", "160 per token for 80 layers"):
        assert shown in section, shown
    per_layer = Q4KM_70B / 80
    assert round(per_layer / 1e9, 2) == 0.54
    on_gpu = int(20e9 / per_layer)
    assert on_gpu == 37 and 80 - on_gpu == 43
    ddr4 = 3_200e6 * 8 * 2
    assert round(ddr4 / 1e9) == 51
    cpu_bytes = 43 * per_layer
    cpu_time = cpu_bytes / ddr4
    gpu_time = on_gpu * per_layer / RTX4090_BW
    assert round(cpu_bytes / 1e9, 1) == 23.2 and round(cpu_time, 2) == 0.45
    assert round(gpu_time * 1e3) == 20 and round(1 / (cpu_time + gpu_time)) == 2
    section = _flat(INFER, "What does -ngl (n_gpu_layers) mean in llama.cpp, and how many layers fit on my GPU?")
    for shown in ("43.1 GB ÷ 80 ≈ 0.54 GB per layer", "about 37 layers in 20 GB", "other 43 layers: 23.2 GB ÷ 51 GB/s",
                  "0.45 s per token", "about 2 tokens per second"):
        assert shown in section, shown


def test_infer_kv_cache_quantization_sizes():
    f16 = _kv_per_token(32, 8) * 131_072
    assert f16 == 16 * 2 ** 30
    assert f16 * 8.5 / 16 / 2 ** 30 == 8.5 and f16 * 4.5 / 16 / 2 ** 30 == 4.5   # Q8_0 34/32 bytes, Q4_0 18/32
    assert 34 * 8 / 32 == 8.5 and 18 * 8 / 32 == 4.5
    section = _flat(INFER, "What does KV cache quantisation (fp8, q8_0, q4_0) save, and what does it cost?")
    for shown in ("131,072-token", "16 GiB in f16", "8.5 GiB in q8_0", "4.5 GiB in q4_0"):
        assert shown in section, shown


def test_infer_speculative_decoding_numbers():
    alpha, gamma = 0.8, 4
    assert round((1 - alpha ** (gamma + 1)) / (1 - alpha), 2) == 3.36
    section = _flat(INFER, "How does speculative decoding with a draft model work, and does it change the output?")
    assert "(1 − 0.8^5) ÷ 0.2 ≈ 3.36" in section
    draft, target = 2 * LLAMA31_8B, 2 * LLAMA31_70B
    assert (round(draft / 1e9, 2), round(target / 1e9, 2)) == (16.06, 141.11)
    assert round(100 * draft / target) == 11
    assert (_kv_per_token(32, 8), _kv_per_token(80, 8)) == (131_072, 327_680)
    assert 131_072 / 327_680 == 0.4
    section = _flat(INFER, "Does speculative decoding (a draft model or Medusa heads) add parameters or GPU memory?")
    for shown in ("8,030,261,248", "70,553,706,496", "16.06 GB next to 141.11 GB, about 11% more",
                  "131,072 bytes per token next to 327,680, 40% more"):
        assert shown in section, shown


def test_infer_mac_unified_memory_speed():
    mac = Q4KM_70B / M2MAX_BW
    assert round(mac * 1e3) == 108 and int(1 / mac) == 9
    section = _flat(INFER, "Why can a Mac with 64 GB of unified memory run a 70B model, and how fast is Apple Silicon?")
    for shown in ("43.1 GB ÷ 400 GB/s ≈ 108 ms", "about 9 tokens/s", "43 of 80 layers", "about 2 tokens/s",
                  "64 GB", "24 GB card"):
        assert shown in section, shown
