"""One JSON-able report per model: counts, memory, KV cache and FLOPs, with the working kept.

The report is the calculator's single output format: the CLI prints it (as a table or ``--json``),
the chat router puts it in ``CalcAnswer.calculation``, and KB checks read numbers out of it.

``params_active`` is always a number when it is known: for a dense model it equals
``params_total`` (every parameter is used for every token), for a mixture of experts it counts the
experts chosen per token plus everything shared. It is ``null`` only for a published-only model
whose publisher gave no active figure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, Union

from bot.calc.count import DenseCount, TransformerCount, count_dense, count_transformer
from bot.calc.hfconfig import ConfigReading, from_hf_config
from bot.calc.preset_store import Preset, get_preset
from bot.calc.recipes import training_recipes, weight_formats
from bot.calc.resources import (PRECISIONS, TOKENS_PER_PARAM_OPTIMAL, TRAINING_BYTES_PER_PARAM,
                                compute_optimal_tokens, inference_flops_per_token, kv_cache, memory_table,
                                precision_name, training_bytes, training_flops)
from bot.calc.spec import DenseSpec, TransformerSpec, check_number
from bot.errors import InputError

DEFAULT_CONTEXT = 4096

ModelLike = Union[str, Preset, TransformerSpec, DenseSpec, ConfigReading, Sequence[int], Mapping[str, Any],
                  "os.PathLike[str]"]


@dataclass(frozen=True)
class Report:
    """Everything the calculator says about one model; ``to_dict`` is the documented JSON."""

    kind: str                                   # "dense" | "transformer" | "published"
    name: str
    title: str
    family: str
    params_total: int
    params_active: int | None
    components: dict[str, int]
    memory_bytes: dict[str, int]
    precision: str
    training_bytes: int
    flops: dict[str, Any]
    kv_cache: dict[str, Any] | None = None
    params_embedding: int | None = None
    params_non_embedding: int | None = None
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    layers: list[dict[str, Any]] = field(default_factory=list)
    source: dict[str, str] | None = None
    published: str | None = None
    spec: dict[str, Any] | None = None
    unknown_fields: list[str] = field(default_factory=list)
    ignored_fields: list[str] = field(default_factory=list)
    weights_file: dict[str, Any] | None = None    # what a weight file's headers say (bot.calc.weights)
    weight_formats: dict[str, int] = field(default_factory=dict)   # bytes at GGUF types, int4 g128
    training: list[dict[str, Any]] = field(default_factory=list)   # fine-tuning recipes (bot.calc.recipes)
    defaults_used: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def weights_bytes(self) -> int:
        return self.memory_bytes[self.precision]

    @property
    def is_moe(self) -> bool:
        return self.params_active is not None and self.params_active != self.params_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "title": self.title, "family": self.family,
            "params_total": self.params_total, "params_active": self.params_active,
            "params_embedding": self.params_embedding, "params_non_embedding": self.params_non_embedding,
            "components": dict(self.components), "breakdown": list(self.breakdown), "layers": list(self.layers),
            "precision": self.precision, "weights_bytes": self.weights_bytes, "memory_bytes": dict(self.memory_bytes),
            "training_bytes": self.training_bytes,
            "training_bytes_note": f"{TRAINING_BYTES_PER_PARAM} bytes/parameter: mixed precision + Adam "
                                   "(Rajbhandari et al. 2019, ZeRO); activations not included",
            "kv_cache": self.kv_cache, "flops": dict(self.flops),
            "source": self.source, "published": self.published, "spec": self.spec,
            "unknown_fields": list(self.unknown_fields), "ignored_fields": list(self.ignored_fields),
            "defaults_used": list(self.defaults_used), "notes": list(self.notes),
            "weights_file": self.weights_file, "weight_formats": dict(self.weight_formats),
            "training": list(self.training),
        }


def _flops(total: int, active: int | None, tokens: float | None, *, dense_net: bool = False) -> dict[str, Any]:
    n = active if active is not None else total
    out: dict[str, Any] = {
        "inference_per_token": inference_flops_per_token(n),
        "inference_rule": "2 × N per token (N = active parameters)" if not dense_net
        else "2 × N per forward pass of one example",
        "compute_optimal_tokens": compute_optimal_tokens(total),
        "compute_optimal_rule": f"{TOKENS_PER_PARAM_OPTIMAL} tokens per parameter (Hoffmann et al. 2022)"
        + ("; fitted on dense models, applied here to the total, so only a rough guide for a mixture of experts"
           if active is not None and active != total else ""),
        "training_tokens": tokens,
        "training": training_flops(n, tokens) if tokens is not None else None,
        "training_rule": "6 × N × D (Kaplan et al. 2020; N = active parameters, D = training tokens)",
    }
    return out


def _resolve(model: ModelLike, bias: bool) -> tuple[str, Any]:
    """Turn whatever the caller passed into (kind, object)."""
    if isinstance(model, Preset):
        return "preset", model
    if isinstance(model, (TransformerSpec, DenseSpec, ConfigReading)):
        return type(model).__name__, model
    if isinstance(model, Mapping):
        return "ConfigReading", from_hf_config(model)
    if isinstance(model, os.PathLike):
        return "ConfigReading", from_hf_config(model)
    if isinstance(model, str):
        return "preset", get_preset(model)
    if isinstance(model, Sequence):
        return "DenseSpec", DenseSpec(tuple(model), bias=bias)
    raise InputError(f"cannot make a report from {type(model).__name__}")


def report(model: ModelLike, *, precision: str = "fp16", context: int | None = None, batch: int = 1,
           tokens: float | None = None, bias: bool = True, name: str | None = None,
           kv_dtype: str | None = None) -> Report:
    """The full report for a preset name, ``Preset``, spec, HF config (dict, path or reading) or layer list.

    ``precision`` picks the headline weights/KV figures (all precisions are in ``memory_bytes``);
    ``context`` (default 4,096 or the model's maximum if smaller) and ``batch`` size the KV cache;
    ``tokens`` adds training FLOPs (6ND). ``bias`` applies to a layer list only. ``kv_dtype`` stores the
    KV cache in another format than the weights (fp8, q8_0, q4_0 ...).
    """
    precision = precision_name(precision)
    if tokens is not None:
        tokens = check_number("tokens", tokens)
    kind, obj = _resolve(model, bias)
    if kind == "DenseSpec":
        return _dense_report(count_dense(obj), precision, tokens, name)
    if kind == "preset":
        preset: Preset = obj
        if preset.published_model is not None:
            return _published_report(preset, precision, tokens)
        assert preset.reading is not None
        return _transformer_report(count_transformer(preset.spec), precision, context, batch, tokens,
                                   name=preset.name, title=preset.title, reading=preset.reading,
                                   source=preset.source.to_dict(), published=preset.published,
                                   notes=[*preset.notes, *preset.reading.notes], kv_dtype=kv_dtype)
    if kind == "ConfigReading":
        reading: ConfigReading = obj
        return _transformer_report(count_transformer(reading.spec), precision, context, batch, tokens,
                                   name=name or reading.source, title=name or f"{reading.model_type} from {reading.source}",
                                   reading=reading, source=None, published=None, notes=list(reading.notes),
                                   kv_dtype=kv_dtype)
    spec: TransformerSpec = obj
    return _transformer_report(count_transformer(spec), precision, context, batch, tokens,
                               name=name or spec.family, title=name or spec.family, reading=None, source=None,
                               published=None, notes=[], kv_dtype=kv_dtype)


def _dense_report(count: DenseCount, precision: str, tokens: float | None, name: str | None) -> Report:
    widths = "-".join(str(w) for w in count.spec.layers)
    label = name or f"dense {widths}{'' if count.spec.bias else ' (no biases)'}"
    return Report(
        kind="dense", name=label, title=f"Dense network {widths}" + ("" if count.spec.bias else ", no biases"),
        family="dense", params_total=count.total, params_active=count.total,
        components={"weights": count.weights, "biases": count.biases},
        layers=[layer.to_dict() for layer in count.layers],
        memory_bytes=memory_table(count.total), precision=precision, training_bytes=training_bytes(count.total),
        flops=_flops(count.total, count.total, tokens, dense_net=True),
        spec={"layers": list(count.spec.layers), "bias": count.spec.bias},
    )


def _transformer_report(count: TransformerCount, precision: str, context: int | None, batch: int,
                        tokens: float | None, *, name: str, title: str, reading: ConfigReading | None,
                        source: dict[str, str] | None, published: str | None, notes: list[str],
                        kv_dtype: str | None = None) -> Report:
    spec = count.spec
    if context is None:
        context = min(spec.max_positions or DEFAULT_CONTEXT, DEFAULT_CONTEXT)
    cache = kv_cache(spec, context, batch, kv_dtype or precision)  # validates context and batch for every model
    if not spec.lm_head:
        notes = [*notes, "An encoder such as BERT reads its whole input at once and keeps no KV cache between "
                         "steps, so none is reported."]
    total, active = count.total, count.active
    return Report(
        kind="transformer", name=name, title=title, family=spec.family,
        params_total=total, params_active=active,
        params_embedding=count.embedding, params_non_embedding=count.non_embedding,
        components={c.name: c.count for c in count.components},
        breakdown=[c.to_dict() for c in count.components],
        memory_bytes=memory_table(total), precision=precision, training_bytes=training_bytes(total),
        kv_cache=cache.to_dict() if spec.lm_head else None, flops=_flops(total, active, tokens),
        weight_formats=weight_formats(total), training=[t.to_dict() for t in training_recipes(total, spec)],
        source=source, published=published, spec=spec.to_dict(),
        unknown_fields=list(reading.unknown_fields) if reading else [],
        ignored_fields=list(reading.ignored_fields) if reading else [],
        defaults_used=list(reading.defaults_used) if reading else [],
        notes=notes,
    )


def _published_report(preset: Preset, precision: str, tokens: float | None) -> Report:
    model = preset.published_model
    assert model is not None
    return Report(
        kind="published", name=preset.name, title=preset.title, family=preset.family,
        params_total=model.params_total, params_active=model.params_active, components={},
        memory_bytes=memory_table(model.params_total), precision=precision,
        training_bytes=training_bytes(model.params_total),
        flops=_flops(model.params_total, model.params_active, tokens),
        weight_formats=weight_formats(model.params_total),
        training=[t.to_dict() for t in training_recipes(model.params_total)], source=preset.source.to_dict(), published=preset.published, notes=list(preset.notes),
    )


def report_for_size(params: int | float, *, precision: str = "fp16", tokens: float | None = None,
                    name: str | None = None) -> Report:
    """A report for a bare size ("a 7B model"): memory and FLOPs need only N, not the architecture.

    There are no components and no KV cache (that needs layers and heads), and N is taken as both
    total and active, i.e. a dense model.
    """
    n = int(check_number("params", params, minimum=1.0, maximum=1e16))
    precision = precision_name(precision)
    if tokens is not None:
        tokens = check_number("tokens", tokens)
    from bot.calc.fmt import short

    label = name or f"{short(n)} model"
    return Report(
        kind="size", name=label, title=f"A {label} (dense, {n:,} parameters)", family="unspecified",
        params_total=n, params_active=n, components={}, memory_bytes=memory_table(n), precision=precision,
        training_bytes=training_bytes(n), flops=_flops(n, n, tokens), weight_formats=weight_formats(n),
        training=[t.to_dict() for t in training_recipes(n)],
        notes=["Only the parameter count was given, so it is treated as a dense model; the KV cache needs the "
               "architecture (layers, KV heads, head size) and is not computed."],
    )


__all__ = ["Report", "report", "report_for_size", "PRECISIONS", "DEFAULT_CONTEXT"]
