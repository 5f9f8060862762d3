"""Reports for the files a user has: a ``config.json`` or weight files (safetensors, GGUF).

A config is counted by its family's closed form when there is one and it understands every field
(fast, shows the arithmetic); otherwise transformers builds it on the meta device (any of its
800+ model types, exact by construction). Weight files are counted from their headers.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from bot.calc.hfconfig import READERS, UnsupportedConfig, from_hf_config, load_config
from bot.calc.report import DEFAULT_CONTEXT, Report, _flops, report
from bot.calc.recipes import training_recipes, weight_formats
from bot.calc.resources import kv_cache, memory_table, precision_name, training_bytes
from bot.calc.spec import check_number

Engine = Literal["auto", "transformers"]


def report_for_config(source: str | os.PathLike[str] | Mapping[str, Any], *, engine: Engine = "auto",
                      progress: Callable[[str], None] | None = None, precision: str = "fp16",
                      context: int | None = None, batch: int = 1, tokens: float | None = None,
                      kv_dtype: str | None = None) -> Report:
    """The report for a config.json (path, folder or dict): closed form if it covers it, else transformers."""
    raw, label = load_config(source)
    options = dict(precision=precision, context=context, batch=batch, tokens=tokens, kv_dtype=kv_dtype)
    fallback_note, unknown = None, ()
    if engine == "auto" and raw.get("model_type") in READERS:
        try:
            reading = from_hf_config(raw)
        except UnsupportedConfig as error:
            fallback_note = f"the closed form does not cover this config ({error}); counted with transformers"
        else:
            if not reading.unknown_fields:
                return report(reading, name=label, **options)  # type: ignore[arg-type]
            unknown = reading.unknown_fields
            fallback_note = (f"the closed form does not know {', '.join(reading.unknown_fields)}; "
                             "counted with transformers")
    from bot.calc.meta import count_on_meta

    counted = count_on_meta(raw, progress=progress)
    notes = [*([fallback_note] if fallback_note else []), *counted.notes]
    result = meta_report(counted, label, notes=notes, **options)  # type: ignore[arg-type]
    return replace(result, unknown_fields=list(unknown)) if unknown else result


def meta_report(counted: Any, label: str, *, notes: list[str], precision: str = "fp16", context: int | None = None,
                batch: int = 1, tokens: float | None = None, kv_dtype: str | None = None) -> Report:
    """A ``Report`` from a :class:`bot.calc.meta.MetaCount` (the module tree's breakdown, no closed form)."""
    precision = precision_name(precision)
    if tokens is not None:
        tokens = check_number("tokens", tokens)
    cache = kv_cache(counted.kv, context or DEFAULT_CONTEXT, batch, kv_dtype or precision) if counted.kv else None
    if counted.kv is None:
        notes = [*notes, "no KV cache is reported: no layer of this model holds attention weights that were "
                         "recognised (a state-space model keeps a fixed-size state instead)"]
    total = counted.total
    active = counted.active if counted.active is not None else total
    if counted.active is None:
        notes = [*notes, "the active count is taken as the total"]
    return Report(
        kind="transformer", name=label, title=f"{counted.architecture} from {label}", family=counted.model_type,
        params_total=total, params_active=active, params_embedding=counted.embedding,
        params_non_embedding=counted.non_embedding,
        components={c.name: c.count for c in counted.components},
        breakdown=[c.to_dict() for c in counted.components],
        memory_bytes=memory_table(total), precision=precision, training_bytes=training_bytes(total),
        flops=_flops(total, active, tokens), kv_cache=cache.to_dict() if cache else None,
        weight_formats=weight_formats(total), training=[t.to_dict() for t in training_recipes(total)],
        notes=[f"counted by transformers {counted.transformers_version}: {counted.architecture} built on the meta "
               "device (no weights)", *notes],
    )


def report_for_weights(path: str | os.PathLike[str], *, precision: str = "fp16", tokens: float | None = None) -> Report:
    """The report for weight files, from their headers: exact element count and stored bytes."""
    from bot.calc.weights import read_weights

    precision = precision_name(precision)
    if tokens is not None:
        tokens = check_number("tokens", tokens)
    reading = read_weights(path)
    n = reading.elements
    notes = list(reading.notes)
    moe = "experts" in reading.components
    if moe:
        notes.append("a mixture of experts: the headers do not say how many experts a token uses, so FLOPs use the "
                     "total; count its config.json for the active figure")
    return Report(
        kind="weights", name=Path(reading.path).name, title=f"{reading.format} weights: {reading.path}",
        family=reading.architecture or reading.format, params_total=n, params_active=n,
        components=dict(reading.components), memory_bytes=memory_table(n), precision=precision,
        training_bytes=training_bytes(n), flops=_flops(n, n, tokens), weights_file=reading.to_dict(), notes=notes,
        weight_formats=weight_formats(n), training=[t.to_dict() for t in training_recipes(n)],
    )


__all__ = ["report_for_config", "report_for_weights", "meta_report"]
