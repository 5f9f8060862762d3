"""Memory for the formats people download and the ways people fine-tune, each rule with its source.

Weights: GGUF quantisation types store blocks of weights with their scales, so a "4-bit" type costs
more than 4 bits per weight (block sizes from llama.cpp's ggml-common.h; checked against the gguf
package in tests). GPTQ/AWQ int4 adds an fp16 scale and a 4-bit zero point per group of 128.

Training (model states only; activations come on top and depend on batch and sequence length):
- AdamW, mixed precision: 2 (bf16 weights) + 2 (gradients) + 4 (fp32 master) + 8 (two fp32 moments)
  = 16 bytes per parameter (Rajbhandari et al. 2019, ZeRO, arXiv:1910.02054).
- 8-bit Adam: the two moments in 8 bits, block-wise quantised: 16 − 6 = 10 bytes per parameter
  (Dettmers et al. 2021, arXiv:2110.02861).
- LoRA: the base frozen in bf16 (2 bytes per parameter) and trainable rank-r adapters on every
  attention and MLP projection, r × (inputs + outputs) each, trained like the full model at 16 bytes
  (Hu et al. 2021, arXiv:2106.09685).
- QLoRA: the base in 4-bit NormalFloat with double quantisation, 4.127 bits per parameter, plus the
  same adapters (Dettmers et al. 2023, arXiv:2305.14314).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.calc.spec import TransformerSpec

# GGUF types: (weights per block, bytes per block), from llama.cpp's ggml-common.h.
GGUF_TYPES: dict[str, tuple[int, int]] = {
    "F16": (1, 2), "Q8_0": (32, 34), "Q6_K": (256, 210), "Q5_K": (256, 176), "Q4_K": (256, 144),
    "Q4_0": (32, 18), "IQ4_XS": (256, 136), "Q3_K": (256, 110), "Q2_K": (256, 84),
}
# Measured whole-file bits per weight of llama.cpp's mixes, Llama-3.1-8B (llama.cpp quantize README).
GGUF_MIXES_MEASURED: dict[str, float] = {"Q4_K_M": 4.8944, "Q8_0": 8.5008, "F16": 16.0005}
INT4_GROUP = 128                      # GPTQ/AWQ: one fp16 scale and one 4-bit zero per 128 weights
INT4_GROUP_BITS = 4 + (16 + 4) / INT4_GROUP
QLORA_BITS = 4.127                    # NF4 + double-quantised scales (QLoRA paper, section 3)
LORA_RANK = 16
ADAM_BYTES, ADAM_8BIT_BYTES, FROZEN_BF16_BYTES = 16, 10, 2


def gguf_bytes(params: int, gguf_type: str) -> int:
    """Bytes for ``params`` weights stored entirely as one GGUF type (whole blocks)."""
    per_block, block_bytes = GGUF_TYPES[gguf_type]
    return -(-params // per_block) * block_bytes


def weight_formats(params: int) -> dict[str, int]:
    """Bytes at each pure GGUF type and at GPTQ/AWQ int4 with group-128 scales."""
    out = {name: gguf_bytes(params, name) for name in GGUF_TYPES}
    out[f"int4 g{INT4_GROUP}"] = round(params * INT4_GROUP_BITS / 8)
    return out


@dataclass(frozen=True)
class TrainingRecipe:
    name: str
    bytes: int
    trainable: int
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bytes": self.bytes, "trainable": self.trainable, "rule": self.rule}


def lora_params(spec: TransformerSpec, rank: int = LORA_RANK) -> int | None:
    """Adapter parameters for rank ``rank`` on q, k, v, o and the dense MLP's projections of every layer.

    ``None`` for multi-head latent attention, whose projections LoRA recipes choose case by case.
    """
    if spec.attention == "mla":
        return None
    d, q, kv = spec.hidden_size, spec.num_heads * spec.head_size, spec.kv_heads * spec.head_size
    attention = (d + q) + 2 * (d + kv) + (q + d)
    mlp = (3 if spec.gated_mlp else 2) * (d + spec.intermediate_size)
    dense_layers = spec.num_layers - spec.moe_layers
    return rank * (spec.num_layers * attention + dense_layers * mlp)


def training_recipes(params: int, spec: TransformerSpec | None = None, rank: int = LORA_RANK) -> list[TrainingRecipe]:
    """Model-state memory for full fine-tuning (AdamW, 8-bit Adam) and, given the architecture, LoRA and QLoRA."""
    recipes = [
        TrainingRecipe("AdamW, mixed precision", params * ADAM_BYTES, params, "16 B/param: 2 weights + 2 gradients + "
                       "4 fp32 master + 8 Adam moments (ZeRO paper)"),
        TrainingRecipe("8-bit Adam", params * ADAM_8BIT_BYTES, params, "10 B/param: Adam moments in 8 bits "
                       "(Dettmers et al. 2021)"),
    ]
    adapters = lora_params(spec, rank) if spec is not None else None
    if adapters is not None:
        recipes.append(TrainingRecipe(f"LoRA r={rank}", params * FROZEN_BF16_BYTES + adapters * ADAM_BYTES, adapters,
                                      f"frozen bf16 base 2 B/param + {adapters:,} adapter parameters × 16 B"))
        recipes.append(TrainingRecipe(f"QLoRA r={rank}", round(params * QLORA_BITS / 8) + adapters * ADAM_BYTES,
                                      adapters, f"NF4 base {QLORA_BITS} bits/param + {adapters:,} adapter "
                                      "parameters × 16 B (Dettmers et al. 2023)"))
    return recipes
