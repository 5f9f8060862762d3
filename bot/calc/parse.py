"""Parsing the little languages people type: layer lists and sizes like ``7B``, ``2T``, ``24 GB``."""

from __future__ import annotations

import re

from bot.calc.spec import DenseSpec, check_int
from bot.errors import InputError

_SEPARATORS = re.compile(r"\s*(?:,|-|–|→|->|x|×|\s)\s*")
SCALE = {"": 1, "k": 10**3, "thousand": 10**3, "m": 10**6, "million": 10**6, "b": 10**9, "bn": 10**9,
         "billion": 10**9, "t": 10**12, "trillion": 10**12}


def parse_layers(text: str) -> tuple[int, ...]:
    """``"2,2,1"``, ``"784-128-64-10"`` or ``"3 4 2"`` → layer widths; ``InputError`` naming ``layers``."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"layers must look like 2,2,1 or 784-128-64-10, got {text!r}")
    negative = re.search(r"(?:^|[,\s(\[])-\s*(\d+)", text.strip())
    if negative:
        raise InputError(f"layers must be positive whole numbers, got -{negative.group(1)} in {text!r}")
    body = text.strip().strip("[]()").strip()
    if not re.fullmatch(r"\d+(?:" + _SEPARATORS.pattern + r"\d+)*", body):
        raise InputError(f"layers must look like 2,2,1 or 784-128-64-10 (whole numbers and one separator "
                         f"between them), got {text!r}")
    widths = [check_int(f"layers[{i}]", int(piece)) for i, piece in enumerate(re.findall(r"\d+", body))]
    if len(widths) < 2:
        raise InputError(f"layers needs at least two sizes (inputs and outputs), got {text!r}")
    return DenseSpec(tuple(widths)).layers


def parse_count(text: str, name: str = "tokens") -> float:
    """``"7B"`` → 7e9, ``"2T"`` → 2e12, ``"1.5 billion"`` → 1.5e9, ``"2e12"`` → 2e12; errors name ``name``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-z]*)\s*", text.lower())
    if not match or match.group(2) not in SCALE:
        raise InputError(f"{name} must be a number like 7B, 2T or 2e12, got {text!r}")
    return float(match.group(1)) * SCALE[match.group(2)]
