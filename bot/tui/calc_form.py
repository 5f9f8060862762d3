"""The calculator panel's form, read and computed without a screen.

The panel hands over what is typed (:class:`CalcForm`, all text) and gets back a
:class:`CalcOutcome`: the numbers to show, or the problems to mark, each naming its fields in
words people see ("Heads (32) must divide Hidden size (4,100)"). All the arithmetic is
``bot.calc``'s; this module only reads fields and shapes results for display.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import calc
from bot.errors import InputError

SIZE, DENSE, FILE = "size", "dense", "file"  # the models that are not presets
WEIGHT_SUFFIXES = (".safetensors", ".gguf", ".index.json")

#: Architecture fields: (form key, label, spec attribute, name used in calc's messages).
ARCH_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("vocab", "Vocabulary", "vocab_size", "vocab_size"),
    ("hidden", "Hidden size", "hidden_size", "hidden_size"),
    ("layers", "Layers", "num_layers", "num_hidden_layers"),
    ("heads", "Heads", "num_heads", "num_attention_heads"),
    ("kv_heads", "KV heads", "num_kv_heads", "num_key_value_heads"),
    ("mlp", "MLP size", "intermediate_size", "intermediate_size"),
)
LABELS = {key: label for key, label, _, _ in ARCH_FIELDS} | {
    "context": "Context", "batch": "Batch", "params": "Parameters", "dense": "Layer widths", "model": "Model",
    "path": "File",
}
_MESSAGE_NAMES = {name: key for key, _, _, name in ARCH_FIELDS} | {
    "context": "context", "batch": "batch", "params": "params", "layers": "dense",
}


@dataclass(frozen=True)
class CalcForm:
    """What the panel's fields hold, as typed."""

    model: str = "llama-2-7b"  # a preset name, SIZE or DENSE
    sizes: Mapping[str, str] = field(default_factory=dict)  # ARCH_FIELDS keys; missing: the preset's value
    precision: str = "fp16"
    context: str = "4096"
    batch: str = "1"
    params: str = "7B"  # SIZE: a count such as 7B
    dense: str = "2-2-1"  # DENSE: layer widths
    path: str = ""  # FILE: a config.json, a weight file or a folder


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    note: str = ""


@dataclass(frozen=True)
class MemoryRow:
    precision: str
    bytes_per_param: float
    weights: int
    kv_cache: int | None


@dataclass(frozen=True)
class FieldProblem:
    """Why the form cannot be counted, and the fields to mark for it."""

    fields: tuple[str, ...]  # form keys to mark
    message: str


@dataclass(frozen=True)
class CalcResult:
    title: str
    headline: str  # "6,738,415,616 parameters (6.74 billion)", with the active count for an MoE
    params_total: int
    params_active: int | None
    bars: list[Bar]
    memory: list[MemoryRow]
    kv_note: str
    notes: list[str]
    sizes: dict[str, str]  # the architecture counted, for the fields
    calculation: dict[str, Any]


@dataclass(frozen=True)
class CalcOutcome:
    form: CalcForm
    result: CalcResult | None = None
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def invalid(self) -> set[str]:
        return {key for p in self.problems for key in p.fields}


@dataclass(frozen=True)
class PresetChoice:
    """A model the picker offers, with the sizes that fill the fields when it is picked."""

    title: str
    name: str
    sizes: dict[str, str]  # empty: only a published total, no architecture
    context: str = "4096"  # the KV cache's default context: the model's maximum, at most 4,096


def preset_choices() -> list[PresetChoice]:
    """Every preset, for the model picker."""
    presets = calc.load_presets()
    choices = []
    for name in calc.presets():
        preset = presets[name]
        if preset.published_only:
            choices.append(PresetChoice(preset.title, name, {}))
        else:
            context = min(preset.spec.max_positions or calc.DEFAULT_CONTEXT, calc.DEFAULT_CONTEXT)
            choices.append(PresetChoice(preset.title, name, _sizes(preset.spec), str(context)))
    return choices


def compute(form: CalcForm) -> CalcOutcome:
    """The numbers for a form, or the problems that stop them."""
    problems: list[FieldProblem] = []
    try:
        precision = calc.precision_name(form.precision)
    except InputError as error:
        return CalcOutcome(form, problems=[FieldProblem(("precision",), str(error))])
    try:
        if form.model == DENSE:
            return _finish(form, calc.report(list(calc.parse_layers(form.dense)), precision=precision), None,
                           None, None, problems)
        if form.model == SIZE:
            report = calc.report_for_size(calc.parse_count(form.params), precision=precision)
            return _finish(form, report, None, None, None, problems)
        if form.model == FILE:
            return _from_file(form, precision)
        preset = calc.preset(form.model)
        context = _whole(form.context, "context", problems)  # only an architecture has a KV cache
        batch = _whole(form.batch, "batch", problems)
    except InputError as error:
        default = {SIZE: "params", DENSE: "dense", FILE: "path"}.get(form.model, "model")
        return CalcOutcome(form, problems=[*problems, _problem(str(error), default=default)])
    if preset.published_only:
        return _finish(form, calc.report(preset, precision=precision), None, None, None, [])
    spec = preset.spec
    changes: dict[str, Any] = {}
    for key, label, attribute, _ in ARCH_FIELDS:
        raw = form.sizes.get(key)
        if raw is None:
            continue
        if key == "kv_heads" and not raw.strip():
            value: int | None = None  # blank: one KV head per query head
        else:
            value = _whole(raw, key, problems)
        if value is not None or key == "kv_heads":
            if value != getattr(spec, attribute):
                changes[attribute] = value
    if problems:
        return CalcOutcome(form, problems=problems)
    try:
        edited = spec.with_changes(**changes) if changes else spec
        kwargs = dict(precision=precision, context=context, batch=batch)
        report = (calc.report(preset, **kwargs) if not changes
                  else calc.report(edited, name=f"{preset.title} (edited)", **kwargs))  # type: ignore[arg-type]
    except InputError as error:
        return CalcOutcome(form, problems=[_problem(str(error))])
    return _finish(form, report, edited, context, batch, problems)


def _from_file(form: CalcForm, precision: str) -> CalcOutcome:
    """A config.json (closed form, else transformers on the meta device: seconds) or weight headers."""
    from pathlib import Path

    from bot.calc.file_report import report_for_config, report_for_weights

    text = form.path.strip()
    if not text:
        return CalcOutcome(form, problems=[FieldProblem(("path",), "File: give a config.json, a .safetensors or .gguf "
                                                              "file, or a folder holding them")])
    path = Path(text).expanduser()
    weights = path.name.endswith(WEIGHT_SUFFIXES) or (path.is_dir() and not (path / "config.json").is_file())
    if weights:
        report = report_for_weights(path, precision=precision)
    else:
        problems: list[FieldProblem] = []
        context, batch = _whole(form.context, "context", problems), _whole(form.batch, "batch", problems)
        if problems:
            return CalcOutcome(form, problems=problems)
        report = report_for_config(path, precision=precision, context=context, batch=batch)
    return _finish(form, report, None, None, None, [], kv=report.kv_cache)


def _finish(form: CalcForm, report: Any, spec: Any, context: int | None, batch: int | None,
            problems: list[FieldProblem], kv: Mapping[str, Any] | None = None) -> CalcOutcome:
    kv_bytes: dict[str, int] = {}
    kv_note = "KV cache: needs the architecture (layers, KV heads, head size)"
    if kv:  # a report's own KV cache, at its precision (a file counted by transformers has no spec)
        kv_bytes[kv["precision"]] = kv["bytes"]
        kv_note = f"KV cache for {kv['context']:,} tokens × batch {kv['batch']}"
    if spec is not None and context and batch and not problems:
        for precision in calc.PRECISIONS:
            kv_bytes[precision] = calc.kv_cache(spec, context, batch, precision).bytes
        kv_note = f"KV cache for {context:,} tokens × batch {batch}"
        if spec.sliding_window and context > spec.sliding_window:
            kv_note += f" (sliding window keeps {spec.sliding_window:,})"
    elif spec is not None:
        kv_note = "KV cache: fix the context and batch fields"
    memory = [MemoryRow(p, calc.BITS_PER_PARAM[p] / 8, report.memory_bytes[p], kv_bytes.get(p)) for p in calc.PRECISIONS]
    from bot.calc import fmt

    headline = f"{report.params_total:,} parameters ({fmt.words(report.params_total)})"
    if report.is_moe:
        headline += f"; {report.params_active:,} ({fmt.words(report.params_active)}) active per token"
    result = CalcResult(
        title=report.title, headline=headline, params_total=report.params_total, params_active=report.params_active,
        bars=_bars(report), memory=memory, kv_note=kv_note, notes=list(report.notes),
        sizes=_sizes(spec), calculation=report.to_dict(),
    )
    return CalcOutcome(form, result, problems)


def _bars(report: Any) -> list[Bar]:
    if report.kind == "dense":
        return [Bar(f"Layer {layer['layer']}: {layer['inputs']:,}→{layer['outputs']:,}", layer["total"],
                    layer["formula"]) for layer in report.layers]
    bars = []
    for item in report.breakdown:
        note = item.get("formula", "")
        if item.get("active") is not None and item["active"] != item["count"]:
            note = f"active per token {item['active']:,}; {note}"
        bars.append(Bar(item["label"], item["count"], note))
    return bars


def _sizes(spec: Any) -> dict[str, str]:
    if spec is None:
        return {}
    out = {key: str(getattr(spec, attribute)) for key, _, attribute, _ in ARCH_FIELDS}
    if spec.num_kv_heads is None:
        out["kv_heads"] = ""
    return out


def _whole(raw: str, key: str, problems: list[FieldProblem]) -> int | None:
    text = raw.strip().replace(",", "").replace("_", "")
    if not re.fullmatch(r"\d+", text):
        problems.append(FieldProblem((key,), f"{LABELS[key]} must be a whole number, got {raw.strip() or 'nothing'!r}"))
        return None
    value = int(text)
    if value < 1:
        problems.append(FieldProblem((key,), f"{LABELS[key]} must be at least 1"))
        return None
    return value


def _problem(message: str, default: str = "") -> FieldProblem:
    """Name the fields a calc message mentions, in the panel's words."""
    keys: list[str] = []

    def rename(match: re.Match[str]) -> str:
        key = _MESSAGE_NAMES[match.group(0)]
        if key not in keys:
            keys.append(key)
        return LABELS[key]

    dense = re.match(r"layers\[(\d+)\](.*)", message)
    if dense:  # "layers[1] must be ..." from a layer list
        return FieldProblem(("dense",), f"Layer width {int(dense.group(1)) + 1}{dense.group(2)}")
    pattern = r"\b(?:" + "|".join(sorted(map(re.escape, _MESSAGE_NAMES), key=len, reverse=True)) + r")\b"
    text = re.sub(pattern, rename, message)
    return FieldProblem(tuple(keys) or ((default,) if default else ()), text)


def form_for(calculation: Mapping[str, Any]) -> CalcForm:
    """The form that shows a chat calculation (``Answer.calculation``) again, numbers filled in."""
    kind = calculation.get("kind")
    precision = str(calculation.get("precision") or "fp16")
    kv = calculation.get("kv_cache") or {}
    context, batch = str(kv.get("context", 4096)), str(kv.get("batch", 1))
    spec = calculation.get("spec") or {}
    if kind == "dense":
        return CalcForm(model=DENSE, dense="-".join(str(w) for w in spec.get("layers", (2, 2, 1))), precision=precision)
    name = str(calculation.get("name") or "")
    presets = calc.load_presets()
    if kind in ("transformer", "published") and name in presets:
        sizes = {key: str(spec[attribute]) for key, _, attribute, _ in ARCH_FIELDS if attribute in spec}
        return CalcForm(model=name, sizes=sizes, precision=precision, context=context, batch=batch)
    return CalcForm(model=SIZE, params=str(calculation.get("params_total") or "7B"), precision=precision)
