"""Number formats a model's weights are stored in, with bits per weight and where each figure comes from.

``resources.BITS_PER_PARAM`` keeps the five plain precisions of the report; this table adds fp8 and
the common GGUF types, whose size is not "exactly n bits": every block of weights carries scales, so
Q4_K_M costs about 4.89 bits per weight, not 4 (a 70B file is ~43 GB, not 35 GB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LLAMA_CPP_QUANTIZE = "llama.cpp quantize README (Llama-3.1-8B), github.com/ggml-org/llama.cpp/tree/master/tools/quantize"
GGML_BLOCKS = "ggml block layouts (ggml-common.h): bytes per block of 32 or 256 weights"


@dataclass(frozen=True)
class Format:
    """One storage format: its name, bits per weight and the source of that figure."""

    name: str
    bits: float
    source: str = "IEEE 754 / integer width"

    @property
    def bytes_per_param(self) -> float:
        return self.bits / 8

    def bytes_for(self, params: float) -> float:
        return params * self.bits / 8


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("fp32", 32), Format("fp16", 16), Format("bf16", 16), Format("fp8", 8), Format("int8", 8),
    Format("int4", 4),
    Format("Q8_0", 8.5, GGML_BLOCKS + " (34 bytes per 32 weights)"),
    Format("Q6_K", 6.5625, GGML_BLOCKS + " (210 bytes per 256 weights)"),
    Format("Q5_K_M", 5.70, LLAMA_CPP_QUANTIZE),
    Format("Q5_K_S", 5.5, GGML_BLOCKS + " (q5_K: 176 bytes per 256 weights)"),
    Format("Q4_K_M", 4.89, LLAMA_CPP_QUANTIZE),
    Format("Q4_0", 4.5, GGML_BLOCKS + " (18 bytes per 32 weights)"),
    Format("Q3_K", 3.4375, GGML_BLOCKS + " (110 bytes per 256 weights)"),
    Format("Q2_K", 2.625, GGML_BLOCKS + " (84 bytes per 256 weights)"),
)}

#: The rows shown when the question names no format: every common choice, never a silent guess.
COMMON = ("fp32", "fp16", "int8", "Q4_K_M", "int4")

_WORDS: list[tuple[str, str]] = [
    # "without (8-bit) quantization", "unquantised", "不量化": the model as released, 16-bit
    ("fp16", r"\b(?:w/o|without|no|not|never)\s+(?:any\s+)?(?:\d+[- ]?bits?\s+)?quanti[sz]\w*|\bunquanti[sz]ed\b|"
             r"\bnon[- ]quanti[sz]ed\b|(?:不|未)\s*quanti[sz]ed"),
    ("fp32", r"\bf[pb]32\b|\bfloat32\b|\bf32\b|\bfull precision\b|\b32[- ]?bits?\b|\bsingle precision\b"),
    ("bf16", r"\bbf16\b|\bbfloat ?16\b"),
    ("fp16", r"\bf[pb]16\b|\bfloat16\b|\bf16\b|\bhalf[- ]precision\b|\bin half\b|\b16[- ]?bits?\b"),
    ("fp8", r"\bf[pb]8\b|\bfloat8\b|\be4m3\b|\be5m2\b"),
    ("Q8_0", r"\bq8_0\b"),
    ("Q6_K", r"\bq6_k\w*\b"),
    ("Q5_K_S", r"\bq5_k_s\b"),
    ("Q5_K_M", r"\bq5_k\w*\b|\bq5\w*\b"),
    ("Q4_K_M", r"\bq4_k\w*\b|\bgguf\b.*\b4[- ]?bits?\b|\b4[- ]?bits?\b.*\bgguf\b"),
    ("Q4_0", r"\bq4_0\b"),
    ("Q3_K", r"\bq3\w*\b"),
    ("Q2_K", r"\bq2\w*\b"),
    ("int8", r"\bint8\b|\b8[- ]?bits?\b|\bq8\w*\b"),
    ("int4", r"\bint4\b|\b4[- ]?bits?\b|\bq4\w*\b|\bnf4\b|\bgptq\b|\bawq\b"),
]


def find_format(text: str) -> Format | None:
    """The format a question names ("in 4-bit", "Q4_K_M", "bf16"), or None."""
    for name, pattern in _WORDS:
        if re.search(pattern, text):
            return FORMATS[name]
    return None


def nearest(bytes_per_param: float) -> Format:
    """The plain format closest to an observed bytes-per-parameter ratio (reverse questions)."""
    plain = [FORMATS[n] for n in ("fp32", "fp16", "int8", "Q4_K_M", "int4")]
    return min(plain, key=lambda f: abs(f.bytes_per_param - bytes_per_param) / f.bytes_per_param)
