"""paramsbot's parameter calculator: exact counts, memory and compute, in pure Python.

Quick tour::

    from bot import calc
    calc.dense([2, 2, 1]).total                 # 9: 6 weights + 3 biases
    calc.linear_model().total                   # 2: y = a*x + b
    calc.preset("llama-2-7b").spec              # the architecture, from its config.json
    calc.count(calc.preset("gpt2").spec).total  # 124,439,808
    r = calc.report("mixtral-8x7b", precision="int4", context=8192)
    r.params_total, r.params_active, r.weights_bytes, r.kv_cache["bytes"]
    calc.from_hf_config("path/to/config.json").unknown_fields
    calc.report_for_config("path/to/config.json")   # any model type: a closed form, else transformers on meta
    calc.report_for_weights("model.safetensors.index.json")   # or a .gguf: counted from the headers
    calc.evaluate_check({"preset": "gpt2", "quantity": "params_total"})
    calc.route("how much memory does a 7B model need in fp16?")   # a CalcAnswer or None

Everything raises ``bot.errors.InputError`` (with the offending field in the message) for bad input
and nothing else. Counts match Hugging Face transformers exactly (see tests/test_calc_transformers.py).
"""

from __future__ import annotations

from bot.calc.chat import CalcAnswer, route
from bot.calc.checks import QUANTITIES, CheckResult, evaluate_check, run_check
from bot.calc.count import (Component, DenseCount, DenseLayer, TransformerCount, count_dense,
                            count_transformer)
from bot.calc.file_report import report_for_config, report_for_weights
from bot.calc.hfconfig import SUPPORTED_MODEL_TYPES, ConfigReading, from_hf_config
from bot.calc.parse import parse_count, parse_layers
from bot.calc.preset_store import Preset, Source, get_preset, load_presets, preset_names
from bot.calc.report import DEFAULT_CONTEXT, Report, report, report_for_size
from bot.calc.resources import (BITS_PER_PARAM, PRECISIONS, KVCache, compute_optimal_tokens,
                                inference_flops_per_token, kv_cache, memory_table, precision_name,
                                training_bytes, training_flops, weights_bytes)
from bot.calc.spec import DenseSpec, PublishedModel, TransformerSpec


def dense(layers: "list[int] | tuple[int, ...] | str", bias: bool = True) -> DenseCount:
    """Count a fully connected network from its layer widths (``[784, 128, 10]`` or ``"784-128-10"``)."""
    widths = parse_layers(layers) if isinstance(layers, str) else tuple(layers)
    return count_dense(DenseSpec(widths, bias=bias))


def linear_model() -> DenseCount:
    """y = a*x + b: one input, one output, one weight (a) and one bias (b): 2 parameters."""
    return count_dense(DenseSpec((1, 1), bias=True))


def count(spec: TransformerSpec) -> TransformerCount:
    """Count a transformer spec component by component (exact, as transformers builds it)."""
    return count_transformer(spec)


def preset(name: str) -> Preset:
    """A named model (``"llama-2-7b"``, ``"gpt2-xl"``, ``"deepseek-v3"`` ... or an alias like ``"Llama 2 7B"``)."""
    return get_preset(name)


def presets() -> list[str]:
    """Names of all presets, in the order of ``data/presets.json``."""
    return preset_names()


__all__ = [
    "BITS_PER_PARAM", "DEFAULT_CONTEXT", "PRECISIONS", "QUANTITIES", "SUPPORTED_MODEL_TYPES",
    "CalcAnswer", "CheckResult", "Component", "ConfigReading", "DenseCount", "DenseLayer", "DenseSpec",
    "KVCache", "Preset", "PublishedModel", "Report", "Source", "TransformerCount", "TransformerSpec",
    "compute_optimal_tokens", "count", "count_dense", "count_transformer", "dense", "evaluate_check",
    "from_hf_config", "get_preset", "inference_flops_per_token", "kv_cache", "linear_model", "load_presets",
    "memory_table", "parse_count", "parse_layers", "precision_name", "preset", "presets", "report",
    "report_for_config", "report_for_size", "report_for_weights", "route", "run_check", "training_bytes",
    "training_flops", "weights_bytes",
]
