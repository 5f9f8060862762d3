"""Answers in Markdown for each thing the calculator is asked, with the working and the slots shown.

Each builder takes the numbers already read (``reader.Slots``) and computed (``report.Report``,
``parts.PartCount``) and writes the headline first ("**... is 6.5 GB.**"), then the arithmetic, then
the "taken as: ..." line that says how the question was read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from bot.calc import fmt
from bot.calc.count import count_dense
from bot.calc.formats import COMMON, FORMATS, Format, nearest
from bot.calc.parts import PartCount, article
from bot.calc.preset_store import Preset
from bot.calc.reader import Slots
from bot.calc.report import Report
from bot.calc.resources import PRECISIONS, TRAINING_BYTES_PER_PARAM
from bot.calc.spec import DenseSpec
from bot.paths import kb_dir

TM101 = "EleutherAI, Transformer Math 101"
OVERHEAD = 0.2   # inference memory ≈ 1.2 × the weights (Transformer Math 101)

# Worked examples in kb/examples/, linked from answers by name (kb/README.md, "Examples the calculator links").
EX_FORWARD_221 = "examples/forward-pass-2-2-1.md"
EX_LINE = "examples/fitting-a-line.md"
EX_DENSE = "examples/dense-784-128-64-10.md"
EX_GPT2 = "examples/gpt2-small-parameter-count.md"
EX_GPT3 = "examples/gpt3-175b-parameter-count.md"
EX_MEMORY = "examples/memory-7b-70b.md"
EX_MOE = "examples/moe-total-vs-active.md"
EX_TRAIN = "examples/llama2-7b-training-compute.md"
EX_KV = "examples/kv-cache-llama-2-7b.md"
EX_CHINCHILLA = "examples/chinchilla-compute-optimal.md"
# Extra examples the KB writers added beyond the fixed list.
EX_DENSE_342 = "examples/dense-3-4-2.md"
EX_LLAMA7B = "examples/llama-2-7b-parameter-count.md"
EX_SPEED = "examples/inference-speed-bandwidth.md"
KNOWN_EXAMPLES = (EX_FORWARD_221, EX_LINE, EX_DENSE, EX_GPT2, EX_GPT3, EX_MEMORY, EX_MOE, EX_TRAIN, EX_KV,
                  EX_CHINCHILLA, EX_DENSE_342, EX_LLAMA7B, EX_SPEED)


def links(paths: list[str]) -> list[str]:
    """The examples that exist in the knowledge base, so an answer never links a missing file.

    A checkout without any worked examples yet (the KB is written in parallel) keeps them all.
    """
    folder = kb_dir() / "examples"
    present = {p.name for p in folder.glob("*.md")} if folder.is_dir() else set()
    if not present:
        return list(paths)
    return [p for p in paths if p.split("/", 1)[1] in present]


@dataclass
class CalcAnswer:
    """A calculated answer: a title, Markdown showing the working, the JSON report, and worked examples."""

    title: str
    markdown: str
    calculation: dict[str, Any]
    examples: list[str] = field(default_factory=list)


# --- Answers -------------------------------------------------------------------------------------

def _source_line(r: Report) -> str:
    if r.source:
        return f"\n\nSource: [{r.source['label']}]({r.source['url']})."
    return ""


def _notes(r: Report, limit: int = 3) -> str:
    if not r.notes:
        return ""
    return "\n\n" + "\n".join(f"- {note}" for note in r.notes[:limit])


def dense_answer(r: Report, widths: tuple[int, ...], bias: bool) -> CalcAnswer:
    count = count_dense(DenseSpec(widths, bias=bias))
    shape = "-".join(map(str, widths))
    lines = [f"**{_cap(article(shape))} network has {fmt.commas(count.total)} parameters"
             + (f": {_plural(count.weights, 'weight')} and {_plural(count.biases, 'bias')}.**" if bias
                else " (weights only, no biases).**"),
             "",
             "Every neuron in a layer connects to every neuron in the previous one (one weight per connection: "
             "inputs × outputs)" + (", and each neuron has one bias." if bias else "; biases are left out here."),
             "", "| Layer | Weights | Biases | Total |", "|---|---:|---:|---:|"]
    for layer in count.layers:
        lines.append(f"| {layer.index}: {layer.inputs} → {layer.outputs} | {layer.inputs} × {layer.outputs} = "
                     f"{fmt.commas(layer.weights)} | {fmt.commas(layer.biases)} | {fmt.commas(layer.total)} |")
    lines.append(f"| **Total** | {fmt.commas(count.weights)} | {fmt.commas(count.biases)} | "
                 f"**{fmt.commas(count.total)}** |")
    if bias:
        other = count.weights
        lines += ["", f"Without biases it would have {fmt.commas(other)} parameters."]
    examples = {(2, 2, 1): [EX_FORWARD_221, EX_DENSE], (1, 1): [EX_LINE, EX_DENSE],
                (3, 4, 2): [EX_DENSE_342, EX_DENSE]}.get(widths, [EX_DENSE, EX_DENSE_342])
    title = f"Parameters in a {shape} network"
    return CalcAnswer(title, "\n".join(lines), _calc(r, "params"), examples)


def linear_answer(r: Report) -> CalcAnswer:
    md = ("**y = a·x + b has 2 parameters: the weight (slope) a and the bias (intercept) b.**\n\n"
          "It is the smallest network there is: one input x, one output y, one connection (1 × 1 = 1 weight) "
          "and one bias, so 1 + 1 = 2. Training finds the values of a and b that fit the data; x and y are data, "
          "not parameters.")
    return CalcAnswer("Parameters in y = a·x + b", md, _calc(r, "params"), [EX_LINE, EX_DENSE])


def _calc(r: Report, intent: str, **extra: Any) -> dict[str, Any]:
    out = r.to_dict()
    out["intent"] = intent
    out.update(extra)
    return out


def _moe_line(r: Report) -> str:
    if not r.is_moe or r.params_active is None:
        return ""
    approx = "about " if r.kind == "published" else ""
    return (f"\n\nIt is a mixture of experts: each token uses only {approx}{fmt.commas(r.params_active)} "
            f"({fmt.words(r.params_active)}) of them, the *active* parameters "
            f"({100 * r.params_active / r.params_total:.1f}% of the total).")


def params_answer(r: Report, preset: Preset | None) -> CalcAnswer:
    if r.kind == "published":
        md = (f"**{_cap(r.title)} has {fmt.words(r.params_total)} parameters ({fmt.commas(r.params_total)}), "
              f"as published.**{_moe_line(r)}\n\nThis is the publisher's figure, not an exact count from the "
              f"architecture.{_notes(r)}{_source_line(r)}")
        return CalcAnswer(f"Parameters in {r.title}", md, _calc(r, "params"), [EX_MOE])
    lines = [f"**{_cap(r.title)} has {fmt.commas(r.params_total)} parameters ({fmt.words(r.params_total)}).**"
             + _moe_line(r), "",
             "Adding them up component by component" + (" from its config.json:" if preset else ":"), "",
             "| Component | Parameters | Working |", "|---|---:|---|"]
    for item in r.breakdown:
        lines.append(f"| {item['label']} | {fmt.commas(item['count'])} | {item['formula']} |")
    lines.append(f"| **Total** | **{fmt.commas(r.params_total)}** | |")
    if r.published:
        lines += ["", f"Published as: {r.published}."]
    md = "\n".join(lines) + _notes(r) + _source_line(r)
    examples = [EX_GPT2]
    if r.family == "gpt3":
        examples = [EX_GPT3, EX_GPT2]
    elif r.is_moe:
        examples = [EX_MOE, EX_GPT2]
    elif r.family in ("llama", "mistral", "qwen2"):
        examples = [EX_LLAMA7B, EX_GPT2]
    return CalcAnswer(f"Parameters in {r.title}", md, _calc(r, "params"), examples)


def blocks_answer(r: Report, count: int) -> CalcAnswer | None:
    """Some of a model's repeated blocks ("one layer of Llama 2 7B", "fine-tuning the top 2 layers"): one
    block's parts from the breakdown, times the blocks asked about, and what lies outside the blocks.
    None when the blocks differ (mixture-of-experts models) or the model has fewer than asked."""
    inside = [item for item in r.breakdown if item.get("per_layer")]
    layers = {item.get("layers") for item in inside}
    if not inside or len(layers) != 1 or r.is_moe:
        return None
    total_layers = int(layers.pop())
    if not 0 < count <= total_layers:
        return None
    one = sum(int(item["per_layer"]) for item in inside)
    some = one * count
    what = "one block" if count == 1 else f"{count} blocks"
    head = (f"**One block (layer) of {r.title} has {fmt.commas(one)} parameters"
            + (f"; {count} blocks have {fmt.commas(some)} ({fmt.words(some)})" if count > 1 else f" ({fmt.words(one)})")
            + f", of {fmt.commas(r.params_total)} in the whole model.**")
    lines = [head, "", f"Each of its {total_layers} blocks has the same parts:", "",
             "| Part of one block | Parameters |", "|---|---:|"]
    lines += [f"| {item['label']} | {fmt.commas(int(item['per_layer']))} |" for item in inside]
    lines.append(f"| **One block** | **{fmt.commas(one)}** |")
    if count > 1:
        lines += ["", f"{_cap(what)}: {count} × {fmt.commas(one)} = **{fmt.commas(some)}**."]
    outside = [item for item in r.breakdown if not item.get("per_layer")]
    if outside:
        parts = "; ".join(f"{item['label'].lower()} {fmt.commas(item['count'])}" for item in outside)
        lines += ["", f"Outside the blocks: {parts}. Training only some blocks leaves these frozen; training the "
                      "output head too adds its count (a tied head shares the embedding matrix)."]
    lines += ["", f"{_cap(what)} {'is' if count == 1 else 'are'} {100 * some / r.params_total:.1f}% of the "
                  "model's parameters."]
    md = "\n".join(lines) + _source_line(r)
    return CalcAnswer(f"Parameters in {what} of {r.title}", md, _calc(r, "params"), [EX_GPT2])


def component_answer(r: Report, names: tuple[str, ...]) -> CalcAnswer | None:
    """One part of a named model ("the embedding matrix of Llama 3 8B", "Qwen2.5 7B's lm_head"): its count
    and working from the breakdown, its share of the model, then the whole breakdown for context."""
    items = [item for item in r.breakdown if item["name"] in names]
    if not items:
        return None
    count = sum(int(item["count"]) for item in items)
    what = " and ".join(item["label"].lower() for item in items)
    working = "; ".join(f"{item['label'].lower()}: {item['formula']}" for item in items)
    head = (f"**The {what} of {r.title} {'has' if len(items) == 1 and not what.endswith('s') else 'have'} {fmt.commas(count)} parameters "
            f"({fmt.words(count)}), {100 * count / r.params_total:.1f}% of its {fmt.commas(r.params_total)}.**")
    if count == 0:
        head = (f"**The {what} of {r.title} adds no parameters of its own: it shares the token-embedding "
                f"matrix (tied weights).**")
    whole = params_answer(r, None).markdown.split("\n", 2)[2]   # the breakdown table, without its headline
    md = "\n".join([head, "", f"Working: {working}.", "", whole])
    return CalcAnswer(f"Parameters in the {what} of {r.title}", md, _calc(r, "params"), [EX_GPT2])


def _kv16(r: Report) -> int:
    """The report's KV cache in fp16, whatever precision the weights are in (caches are rarely quantised)."""
    kv = r.kv_cache or {}
    return int(kv.get("values_per_token", 0) * kv.get("cached_tokens", 0) * kv.get("batch", 1) * 2)


def _name(r: Report) -> str:
    if r.kind != "size":
        return r.title
    return r.name if not r.name.endswith(" model") else f"a {fmt.short(r.params_total)}-parameter model"


def _formats(chosen: Format | None) -> list[Format]:
    """The rows of a memory table: every common format, plus the one the question names."""
    rows = [FORMATS[n] for n in COMMON]
    if chosen is not None and chosen not in rows:
        rows.insert(1, chosen)
    return rows


def _format_table(params: int, chosen: Format | None) -> list[str]:
    lines = ["| Format | Bits per weight | Weights |", "|---|---:|---|"]
    for f in _formats(chosen):
        name = f"**{f.name}**" if f == chosen else f.name
        lines.append(f"| {name} | {f.bits:g} | {fmt.commas(params)} × {f.bytes_per_param:g} B = "
                     f"{fmt.gb(f.bytes_for(params))} |")
    return lines


def memory_answer(r: Report, s: Slots) -> CalcAnswer:
    """Weights at the named format, or at every common one when none is named; the KV cache if a context is."""
    n, chosen, taken = r.params_total, s.fmt, s.taken
    if chosen is None:
        head = (f"**{_cap(_name(r))} needs about {fmt.size(FORMATS['fp16'].bytes_for(n))} for its weights in fp16, "
                f"{fmt.size(FORMATS['int8'].bytes_for(n))} in int8 and {fmt.size(FORMATS['int4'].bytes_for(n))} "
                f"in int4.**")
    else:
        head = f"**{_cap(_name(r))} needs about {fmt.size(chosen.bytes_for(n))} for its weights in {chosen.name}.**"
    lines = [head, "", "Memory for the weights = number of parameters × bytes per parameter:", ""]
    lines += _format_table(n, chosen)
    kv = r.kv_cache if (s.context and r.kv_cache) else None
    if kv is not None:
        f, kv_bytes = chosen or FORMATS["fp16"], _kv16(r)
        total = f.bytes_for(n) + kv_bytes
        formula = kv["formula"].rsplit(" × ", 1)[0] + " × 2 bytes (fp16)"
        lines += ["", f"With the KV cache for {kv['context']:,} tokens (batch {kv['batch']}): {fmt.size(kv_bytes)} "
                      f"({formula}), so {fmt.size(f.bytes_for(n))} + {fmt.size(kv_bytes)} = "
                      f"**{fmt.size(total)}** in {f.name}, plus runtime overhead."]
        lines[0] = lines[0][:-3] + f"; with the KV cache at {kv['context']:,} tokens, {fmt.size(total)} in {f.name}.**"
    elif s.context:
        lines += ["", f"The KV cache for {s.context:,} tokens depends on the layers, KV heads and head size, which a bare "
                      "parameter count does not give: name the model (\"Llama 3 8B with 8k context\") to add it."]
    if s.count_gpus:
        lines += _gpu_counts(needs(n, float(_kv16(r)) if kv else 0.0, None, chosen), None)
    lines += _moe_memory(r)
    lines += ["", "GGUF types store a scale per block of weights, so Q4_K_M costs about 4.89 bits per weight, not 4 "
              f"({FORMATS['Q4_K_M'].source}).",
              "", "Running it takes more than the weights: the KV cache grows with context length and batch, and "
              f"the runtime adds overhead (about 20% is a common rule of thumb, {TM101}).", "",
              f"Training with mixed precision and Adam needs about {TRAINING_BYTES_PER_PARAM} bytes per parameter "
              f"(Rajbhandari et al. 2019): {fmt.gb(r.training_bytes)}, before activations."]
    title = f"Memory for {_name(r)}"
    return CalcAnswer(title, "\n".join(lines) + _taken(taken) + _source_line(r), _calc(r, "memory"), [EX_MEMORY])


def max_size_answer(s: Slots) -> CalcAnswer:
    """The largest model a memory holds, per format: the fit rule (weights + about 20% overhead) read
    backwards; the context's KV cache and training come on top."""
    assert s.memory is not None and s.memory_text is not None
    cap = s.memory_text
    rows = [(f, s.memory / (f.bytes_per_param * (1 + OVERHEAD)), s.memory / f.bytes_per_param)
            for f in _formats(s.fmt)]
    by = {f.name: n for f, n, _ in rows}
    if s.fmt is not None and s.fmt.name in by:
        head = (f"**With {cap} you can run a model of up to about {fmt.short(by[s.fmt.name])} parameters in "
                f"{s.fmt.name}.**")
    else:
        head = (f"**With {cap} you can run a model of up to about {fmt.short(by['fp16'])} parameters in fp16, "
                f"{fmt.short(by['int8'])} in int8 and {fmt.short(by['int4'])} in int4.**")
    lines = [head, "", f"Largest model = memory ÷ (bytes per parameter × 1.2), the 1.2 for about 20% runtime overhead "
                       f"({TM101}):", "", "| Format | Bytes per parameter | Largest model | Weights alone would fill it at |",
             "|---|---:|---|---|"]
    for f, n, bare in rows:
        lines.append(f"| {f.name} | {f.bytes_per_param:g} | about {fmt.short(n)} ({fmt.commas(int(n))}) | "
                     f"{fmt.short(bare)} |")
    lines += ["", "A long context or a large batch needs room for the KV cache too, so leave a margin. Fine-tuning "
                  f"needs far more: full fine-tuning with Adam takes about {TRAINING_BYTES_PER_PARAM} bytes per "
                  f"parameter, so {cap} holds the model states of about {fmt.short(s.memory / TRAINING_BYTES_PER_PARAM)} "
                  "parameters (Rajbhandari et al. 2019)."]
    calc = {"intent": "max_size", "memory_bytes": s.memory,
            "largest_params": {f.name: int(n) for f, n, _ in rows}}
    return CalcAnswer(f"Largest model for {cap}", "\n".join(lines) + _taken(s.taken), calc, [EX_MEMORY])


@dataclass(frozen=True)
class Need:
    """Memory to run a model in one format: weights, KV cache and runtime overhead."""

    fmt: Format
    weights: float
    kv: float
    overhead: float

    @property
    def total(self) -> float:
        return self.weights + self.kv + self.overhead


def needs(params: int, kv: float, overhead: float | None, chosen: Format | None) -> list[Need]:
    return [Need(f, f.bytes_for(params), kv, overhead if overhead is not None else OVERHEAD * f.bytes_for(params))
            for f in _formats(chosen)]


#: Needing more than this share of the memory named is a plain "no", not a near miss.
TIGHT = 1.25


def _verdict(name: str, need: Need, capacity: float, cap: str) -> tuple[str, bool]:
    """A one-line verdict for one format, and whether it fits with its overhead."""
    f, w, total = need.fmt.name, fmt.size(need.weights), fmt.size(need.total)
    if need.total <= 0.9 * capacity:
        return f"Yes: in {f} {name} needs about {total} ({w} of weights), within {cap}", True
    if need.total <= capacity:
        return f"Yes, but tight: in {f} {name} needs about {total} ({w} of weights) of the {cap}", True
    if need.weights <= capacity and need.total > TIGHT * capacity:
        return (f"No: the weights fit ({w} in {f}), but with the KV cache and runtime overhead {name} needs "
                f"about {total}, far more than {cap}"), False
    if need.weights <= capacity:
        return (f"Tight, not enough headroom: yes, the weights fit ({w} in {f}), but with the KV cache and runtime "
                f"overhead it needs about {total}, more than {cap}"), False
    return f"No: in {f} {name}'s weights alone take {w}, more than {cap}", False


def fit_answer(r: Report, s: Slots) -> CalcAnswer:
    """A verdict for the memory named, the arithmetic per format, and what would make it fit."""
    assert s.memory is not None and s.memory_text is not None
    capacity, cap = s.memory, s.memory_text
    name = _name(r)
    kv = float(_kv16(r)) if (s.context and r.kv_cache) else 0.0
    rows = needs(r.params_total, kv, s.overhead, s.fmt)
    if s.fmt is not None:
        chosen = next(n for n in rows if n.fmt == s.fmt)
        verdict, _ = _verdict(name, chosen, capacity, cap)
    else:
        fp16 = next(n for n in rows if n.fmt.name == "fp16")
        verdict, ok = _verdict(name, fp16, capacity, cap)
        if ok:
            verdict = "Yes, even in fp16" + verdict[verdict.index(":"):]
        else:
            quantised = [n for n in rows if n.fmt.bits < 16]
            best = next((n for n in quantised if n.total <= capacity), None)
            if best is not None:
                tail, _ = _verdict(name, best, capacity, cap)
                verdict = (f"Only quantised: in fp16 {name} needs about {fmt.size(fp16.total)}, more than {cap}; "
                           f"{tail[0].lower()}{tail[1:]}")
            else:
                smallest = quantised[-1]
                verdict = (f"No: {name} does not fit in {cap}, even in {smallest.fmt.name}: the weights alone take "
                           f"{fmt.size(smallest.weights)} and with overhead it needs about {fmt.size(smallest.total)}")
    if s.count_gpus and not s.gpus:
        verdict = _gpu_verdict(name, rows, s.fmt, capacity, cap)
    lines = [f"**{verdict}.**", "",
             "Needed = weights (parameters × bytes per parameter)"
             + (f" + KV cache ({fmt.size(kv)} at {s.context:,} tokens, batch {s.batch or 1})" if kv else "")
             + (f" + overhead {fmt.size(s.overhead)} (as you said)" if s.overhead is not None
                else f" + about 20% runtime overhead ({TM101})") + ":", "",
             f"| Format | Weights | Needed | In {cap}? |", "|---|---|---|---|"]
    for n in rows:
        fits = "yes" if n.total <= capacity else ("weights only" if n.weights <= capacity else "no")
        lines.append(f"| {n.fmt.name} | {fmt.gb(n.weights)} | {fmt.size(n.total)} | {fits} |")
    if s.gpus or s.count_gpus:
        lines += _gpu_counts(rows, capacity / s.gpus if s.gpus else capacity)
    lines += _moe_memory(r)
    if any(n.total > capacity for n in rows if n.fmt.name in ("fp16", (s.fmt or FORMATS["fp16"]).name)):
        lines += ["", OFFLOAD]
    if not kv and r.kv_cache is None:
        lines += ["", "The KV cache is not counted beyond the overhead: name a context (\"with 8k context\") and a "
                      "model with a known architecture to add it."]
    elif not kv:
        lines += ["", "Long contexts need more: the KV cache grows with context and batch (ask with "
                      "\"with 8k context\" to add it)."]
    if cap.endswith(" GB") and "(" not in cap:
        lines += ["", f"{cap} is read as {fmt.commas(int(capacity))} bytes (10⁹ per GB); a GPU sold as {cap} usually "
                      f"holds {cap[:-3]} GiB, about 7% more."]
    fits_plain = {p: r.memory_bytes[p] <= capacity for p in PRECISIONS}
    title = f"Does {name} fit in {cap}?"
    calc = _calc(r, "fit", capacity_bytes=int(capacity), fits=fits_plain,
                 needed_bytes={n.fmt.name: int(n.total) for n in rows})
    return CalcAnswer(title, "\n".join(lines) + _taken(s.taken) + _source_line(r), calc, [EX_MEMORY])


MOE_MEMORY = ("It is a mixture of experts: memory follows the total, since every expert must be loaded, while speed "
              "and compute per token follow the active parameters ({active} of {total}).")
OFFLOAD = ("What does not fit in GPU memory can be offloaded to CPU RAM (llama.cpp, accelerate), but those layers then "
           "run much slower: every token reads them over PCIe or from system memory.")


def _moe_memory(r: Report) -> list[str]:
    if not r.is_moe or r.params_active is None:
        return []
    return ["", MOE_MEMORY.format(active=fmt.words(r.params_active), total=fmt.words(r.params_total))]


def _gpu_verdict(name: str, rows: list[Need], chosen: Format | None, per_gpu: float, cap: str) -> str:
    """ "How many GPUs": cards of the named size for the named format (fp16 when none is named)."""
    need = next(n for n in rows if n.fmt == (chosen or FORMATS["fp16"]))
    return (f"{math.ceil(need.total / per_gpu)} × {cap} for {name} in {need.fmt.name}: it needs about "
            f"{fmt.size(need.total)} with runtime overhead ({fmt.size(need.weights)} of weights alone, "
            f"{math.ceil(need.weights / per_gpu)} × {cap})")


#: The share of peak throughput a well-tuned training run sustains (model FLOPs utilisation, MFU):
#: Llama 2 and PaLM report about 40-50% (Chowdhery et al. 2022 give 46% for PaLM 540B).
MFU = 0.4


def time_line(flops: float, rate: float, peak: str = "") -> str:
    """Wall-clock time for ``flops`` at a sustained ``rate`` FLOP/s; at MFU of the ``peak`` GPUs' rate."""
    if peak:
        seconds = flops / (rate * MFU)
        return (f"\n\nAt the peak of {peak}, {fmt.sci(rate)} FLOP/s, it would take {flops / rate / 3600:,.0f} hours, but "
                f"real runs sustain about {MFU:.0%} of peak (model FLOPs utilisation; PaLM reached 46%, Chowdhery et "
                f"al. 2022): {fmt.sci(flops)} ÷ ({fmt.sci(rate)} × {MFU:g}) = {seconds:,.0f} s ≈ "
                f"{seconds / 86400:,.1f} days ({seconds / 3600:,.0f} hours).")
    seconds = flops / rate
    return (f"\n\nAt {fmt.sci(rate)} FLOP/s sustained: {fmt.sci(flops)} ÷ {fmt.sci(rate)} = {seconds:,.0f} s ≈ "
            f"{seconds / 86400:,.1f} days ({seconds / 3600:,.0f} hours). Real runs sustain perhaps 30-50% of a GPU's "
            "peak, so divide the peak by two or three.")


def _gpu_counts(rows: list[Need], per_gpu: float | None) -> list[str]:
    """How many cards of each common size the weights, and weights plus overhead, need."""
    sizes = [(per_gpu, fmt.size(per_gpu))] if per_gpu else [(24e9, "24 GB"), (80e9, "80 GB"), (141e9, "141 GB")]
    lines = ["", "GPUs needed (weights alone / with overhead):", ""]
    for n in rows:
        counts = [f"{math.ceil(n.weights / b)} × {label} / {math.ceil(n.total / b)} × {label}" for b, label in sizes]
        lines.append(f"- {n.fmt.name}: " + "; ".join(counts))
    return lines


def kv_answer(r: Report) -> CalcAnswer:
    kv = r.kv_cache
    assert kv is not None
    lines = [f"**The KV cache of {r.title} at {kv['context']:,} tokens (batch {kv['batch']}, {kv['precision']}) "
             f"is {fmt.gb(kv['bytes'])}.**", "",
             "Each layer stores a key and a value vector for every KV head and every token seen so far:", "",
             "```text", f"KV cache = {kv['formula']}", f"         = {fmt.commas(kv['bytes'])} bytes", "```", "",
             f"That is {fmt.gb(kv['bytes_per_token'])} per token per sequence{_per_layer(kv)}, on top of the "
             f"weights ({fmt.gb(r.memory_bytes[kv['precision']])} in {kv['precision']})."]
    spec = r.spec or {}
    if spec.get("attention") == "mla":
        lines.append("Multi-head latent attention caches one compressed latent per layer instead of full keys and "
                     "values, which is why this is small for such a large model.")
    elif spec.get("num_kv_heads") and spec.get("num_kv_heads") != spec.get("num_heads"):
        lines.append(f"Grouped-query attention shares {spec['num_kv_heads']} KV heads among {spec['num_heads']} "
                     f"query heads, so the cache is {spec['num_heads'] // spec['num_kv_heads']}× smaller than with "
                     "one KV head per query head.")
    return CalcAnswer(f"KV cache of {r.title}", "\n".join(lines) + _source_line(r), _calc(r, "kv_cache"), [EX_KV])


def _per_layer(kv: dict[str, Any]) -> str:
    """", and N per layer" when every attending layer caches the same (no sliding-window layers)."""
    layers = re.search(r"× ([\d,]+) layers", kv["formula"])
    if kv.get("window_bytes") is not None or layers is None:
        return ""
    return f", and {fmt.gb(kv['bytes'] // int(layers.group(1).replace(',', '')))} per layer"


def _n_line(r: Report) -> tuple[int, str]:
    n = r.params_active if r.params_active is not None else r.params_total
    label = "active parameters" if r.is_moe else "parameters"
    return n, label


def training_flops_answer(r: Report) -> CalcAnswer:
    n, label = _n_line(r)
    d = r.flops["training_tokens"]
    c = r.flops["training"]
    name = r.title if r.kind != "size" else f"a {fmt.short(r.params_total)} model"
    lines = [f"**Training {name} on {fmt.short(d)} tokens takes about {fmt.sci(c)} FLOPs.**", "",
             "The rule of thumb is C ≈ 6 × N × D (Kaplan et al. 2020): per parameter and per token, about 2 FLOPs "
             "in the forward pass and 4 in the backward pass.", "",
             "```text", f"C ≈ 6 × N × D = 6 × {fmt.commas(n)} × {fmt.commas(d)}", f"  ≈ {fmt.sci(c)} FLOPs", "```"]
    if r.is_moe:
        lines.append("\nFor a mixture of experts N is the active parameters per token, not the total.")
    lines.append(f"\nFor comparison, about {fmt.commas(20)} tokens per parameter (Chinchilla) would be "
                 f"{fmt.short(r.flops['compute_optimal_tokens'])} tokens.")
    return CalcAnswer(f"Training compute for {name}", "\n".join(lines) + _source_line(r),
                      _calc(r, "training_flops"), [EX_TRAIN, EX_CHINCHILLA])


def inference_flops_answer(r: Report) -> CalcAnswer:
    n, label = _n_line(r)
    f = r.flops["inference_per_token"]
    name = r.title if r.kind != "size" else f"a {fmt.short(r.params_total)} model"
    lines = [f"**Generating one token with {name} takes about {fmt.sci(f)} FLOPs.**", "",
             f"Each of the {label} is used once per token in a multiply and an add, so about 2 FLOPs each "
             "(Kaplan et al. 2020):", "", "```text", f"FLOPs per token ≈ 2 × N = 2 × {fmt.commas(n)} = {fmt.sci(f)}",
             "```", "",
             "Attention over a long context adds a little more, and in practice speed is often limited by "
             "reading the weights from memory rather than by arithmetic."]
    return CalcAnswer(f"Inference compute for {name}", "\n".join(lines) + _source_line(r),
                      _calc(r, "inference_flops"), [EX_SPEED, EX_TRAIN])


def optimal_tokens_answer(r: Report) -> CalcAnswer:
    n = r.params_total
    t = r.flops["compute_optimal_tokens"]
    name = r.title if r.kind != "size" else f"a {fmt.short(n)} model"
    lines = [f"**About {fmt.words(t)} tokens: 20 tokens per parameter for {name}.**", "",
             "Hoffmann et al. (2022, \"Chinchilla\") found that for a fixed compute budget, parameters and training "
             "tokens should grow together, about 20 tokens per parameter:", "", "```text",
             f"D ≈ 20 × N = 20 × {fmt.commas(n)} = {fmt.commas(t)} tokens", "```", "",
             "Many recent models train on far more tokens than this (Llama 2 7B saw 2 trillion), because a smaller "
             "model trained longer is cheaper to run afterwards."]
    return CalcAnswer(f"Compute-optimal training tokens for {name}", "\n".join(lines) + _source_line(r),
                      _calc(r, "optimal_tokens"), [EX_CHINCHILLA])


TRAINING_METHODS: tuple[tuple[str, str, float, str], ...] = (
    ("full", "Full fine-tuning, AdamW", 16.0, "fp16 weights 2 + gradients 2 + fp32 master weights 4 + Adam's two "
                                              "moments 4 + 4 (Rajbhandari et al. 2019, ZeRO)"),
    ("adam8bit", "Full fine-tuning, 8-bit Adam", 10.0, "2 + 2 + 4 + moments 1 + 1 (Dettmers et al. 2021)"),
    ("lora", "LoRA", 2.0, "frozen fp16 weights 2; only the small adapters train, 16 bytes each (Hu et al. 2021)"),
    ("qlora", "QLoRA", 4.127 / 8, "frozen weights in 4-bit NF4 with double quantisation, about 4.127 bits "
                                  "(Dettmers et al. 2023); adapters as in LoRA"),
)


#: LoRA on a base model loaded in 8 bits (bitsandbytes' load_in_8bit), when a question says so.
LORA_8BIT = ("lora", "LoRA, 8-bit frozen weights", 1.0, "frozen weights in int8, 1 byte each (LLM.int8(), "
                                                         "Dettmers et al. 2022); adapters as in LoRA")


def training_memory_answer(r: Report, s: Slots, adapters: int | None) -> CalcAnswer:
    """Model states for full fine-tuning, 8-bit Adam, LoRA and QLoRA, with a verdict if a memory is named."""
    name, n = _name(r), r.params_total
    extra = adapters or 0
    on_8bit = s.method == "lora" and s.fmt is not None and s.fmt.bits == 8  # "LoRA in 8-bit": load_in_8bit
    methods = tuple(LORA_8BIT if on_8bit and m[0] == "lora" else m for m in TRAINING_METHODS)
    rows = []
    for key, label, per, _ in methods:
        total = n * per + (extra * 16 if key in ("lora", "qlora") else 0)
        rows.append((key, label, per, total))
    wanted = "adam8bit" if s.optimizer == "adam8bit" and s.method in (None, "full") else s.method
    head_rows = [row for row in rows if row[0] == wanted] or rows[:1]
    key, label, per, total = head_rows[0]
    scratch = re.search(r"\bfrom scratch\b|\bpre-?train", s.text) and not re.search(r"\bfine[- ]?tun", s.text)
    what = {"full": "Training {} with AdamW" if scratch else "Full fine-tuning of {} with AdamW",
            "adam8bit": "Full fine-tuning of {} with 8-bit Adam",
            "lora": "LoRA fine-tuning of {}" + (" on 8-bit weights" if on_8bit else ""),
            "qlora": "QLoRA fine-tuning of {}"}[key].format(name)
    head = f"**{what} needs about {fmt.size(total)} for the model states"
    if wanted is None:
        lora_total = next(t for k, _, _, t in rows if k == "lora")
        qlora_total = next(t for k, _, _, t in rows if k == "qlora")
        head += f"; LoRA needs about {fmt.size(lora_total)} and QLoRA about {fmt.size(qlora_total)}"
    head += ", before activations.**"
    lines = [head, "", "| Method | Bytes per parameter | Model states |", "|---|---:|---|"]
    for k, lab, p, t in rows:
        working = f"{fmt.commas(n)} × {p:g} = {fmt.commas(int(n * p))} bytes"
        if k in ("lora", "qlora") and extra:
            working += f" + adapters {fmt.commas(extra)} × 16"
        lines.append(f"| {lab} | {p:g} | {working} ≈ {fmt.gb(t)} |")
    lines += [""] + [f"- {label}: {why}." for _, label, _, why in methods]
    if adapters:
        lines += ["", f"The LoRA adapters: {fmt.commas(adapters)} trainable parameters, 16 bytes each with Adam."]
    lines += ["", "Activations come on top and grow with batch size and sequence length (gradient checkpointing cuts "
                  "them); sharding (ZeRO/FSDP) splits the model states across GPUs."]
    if s.memory is not None and s.memory_text and s.count_gpus and not s.gpus:
        each = "; ".join(f"{lab}: {math.ceil(t / s.memory)}" for _, lab, _, t in rows)
        lines.insert(1, "")
        lines.insert(2, f"GPUs of {s.memory_text} needed for {_uncap(what)}: at least "
                        f"{math.ceil(total / s.memory)}, with the model states sharded evenly across them (ZeRO stage "
                        f"3 or FSDP) and before activations. Per method: {each}.")
    elif s.memory is not None and s.memory_text:
        ok = [lab for k, lab, p, t in rows if t <= s.memory]
        fits = total <= s.memory
        lines.insert(1, "")
        lines.insert(2, f"With {s.memory_text}: {'yes, that fits' if fits else 'not enough'} for "
                        f"{_uncap(what)} ({fmt.size(total)} of {s.memory_text}, before activations)."
                        + (f" What fits: {', '.join(ok)}." if ok and not fits else ""))
    calc = _calc(r, "training_memory", training_methods={k: int(t) for k, _, _, t in rows})
    return CalcAnswer(f"Training memory for {name}", "\n".join(lines) + _taken(s.taken) + _source_line(r),
                      calc, [EX_MEMORY])


# --- Parts, comparisons, reverse questions, speed -------------------------------------------------

def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _uncap(text: str) -> str:
    """The text to follow other words: "Full fine-tuning" -> "full fine-tuning", but "LoRA" stays."""
    first = text.split(" ", 1)[0]
    return text if any(c.isupper() for c in first[1:]) else text[:1].lower() + text[1:]


def _taken(taken: list[str]) -> str:
    """How the question was read, so a misreading shows."""
    return "\n\nTaken as: " + "; ".join(taken) + "." if taken else ""


def _plural(n: int, word: str) -> str:
    return f"{fmt.commas(n)} {word}" + ("" if n == 1 else ("es" if word.endswith("s") else "s"))


def part_answer(count: PartCount, taken: list[str], other: PartCount | None = None,
                other_label: str = "") -> CalcAnswer:
    """A part's count with each row's arithmetic; ``other`` is the same part the other way (bias off...)."""
    total = count.total
    verb = "have" if count.plural else "has"
    lines = [f"**{_cap(count.title)} {verb} {_plural(total, 'parameter')}.**", "",
             "| Part | Parameters | Working |", "|---|---:|---|"]
    for row in count.rows:
        lines.append(f"| {row.label} | {fmt.commas(row.count)} | {row.working} |")
    lines.append(f"| **Total** | **{fmt.commas(total)}** | |")
    if other is not None:
        lines += ["", f"{other_label}: {_plural(other.total, 'parameter')}."]
    lines += [f"\n{note}" for note in count.notes]
    calc = {"kind": "part", "intent": "params", "title": count.title, "params_total": total,
            "params_active": total, "components": {r.label: r.count for r in count.rows},
            "rows": [{"label": r.label, "count": r.count, "working": r.working} for r in count.rows],
            "memory_bytes": {}, "flops": {}, "family": "part", "taken_as": list(taken)}
    if other is not None:
        calc["alternative"] = {"label": other_label, "params_total": other.total}
    return CalcAnswer(f"Parameters in {count.title}", "\n".join(lines) + _taken(taken), calc, [EX_DENSE])


def compare_answer(first: Report, second: Report, taken: list[str]) -> CalcAnswer:
    """How many times bigger, and where the difference lies when both architectures are known."""
    a, b = first.params_total, second.params_total
    big, small = (first, second) if a >= b else (second, first)
    ratio = big.params_total / small.params_total
    lines = [f"**{_cap(_name(big))} has about {ratio:,.1f} times as many parameters as {_name(small)}: "
             f"{fmt.commas(big.params_total)} against {fmt.commas(small.params_total)} "
             f"({fmt.words(big.params_total)} against {fmt.words(small.params_total)}).**", "",
             f"{fmt.commas(big.params_total)} ÷ {fmt.commas(small.params_total)} = {ratio:,.2f}; "
             f"the difference is {fmt.commas(big.params_total - small.params_total)} parameters."]
    if first.breakdown and second.breakdown:
        one = {c["label"]: c["count"] for c in first.breakdown}
        two = {c["label"]: c["count"] for c in second.breakdown}
        lines += ["", f"| Component | {first.title} | {second.title} | Difference |", "|---|---:|---:|---:|"]
        for label in dict.fromkeys([*one, *two]):
            x, y = one.get(label, 0), two.get(label, 0)
            lines.append(f"| {label} | {fmt.commas(x)} | {fmt.commas(y)} | {y - x:+,} |")
    calc = {**first.to_dict(), "intent": "compare", "other": second.to_dict(), "ratio": ratio}
    return CalcAnswer(f"{first.title} vs {second.title}", "\n".join(lines) + _taken(taken), calc, [EX_GPT2])


def reverse_answer(r: Report, file_bytes: float, taken: list[str]) -> CalcAnswer:
    """File size ÷ parameters = bytes per parameter, which names the format it was saved in."""
    n = r.params_total
    per = file_bytes / n
    guess = nearest(per)
    lines = [f"**{fmt.size(file_bytes)} for {fmt.words(n)} parameters is {per:.2f} bytes per parameter "
             f"({per * 8:.1f} bits): the file holds the weights in {guess.name}"
             + (" (or bf16)" if guess.name == "fp16" else "") + ".**", "",
             "```text", f"{fmt.commas(int(file_bytes))} bytes ÷ {fmt.commas(n)} parameters = {per:.3f} bytes each",
             "```", "", "| Format | Bytes per parameter | Expected file |", "|---|---:|---|"]
    for f in _formats(guess):
        lines.append(f"| {f.name} | {f.bytes_per_param:g} | {fmt.size(f.bytes_for(n))} |")
    lines += ["", "A checkpoint may also hold optimizer states (Adam adds 8 bytes per parameter) or a second copy of "
                  "tied weights; a few percent above the expected size is metadata and unquantised layers."]
    calc = _calc(r, "reverse", file_bytes=int(file_bytes), bytes_per_param=per, format=guess.name)
    return CalcAnswer(f"What format is a {fmt.size(file_bytes)} file of {fmt.words(n)} parameters?",
                      "\n".join(lines) + _taken(taken) + _source_line(r), calc, [EX_MEMORY])


def speed_answer(r: Report, bandwidth: float, chosen: Format | None, taken: list[str],
                 memory: tuple[float, str] | None = None) -> CalcAnswer:
    """Generating one token reads every active weight once, so bandwidth ÷ bytes read bounds tokens per second.
    ``memory`` is the GPU memory named, when there is one: weights that do not fit it make the bound moot."""
    n = r.params_active if r.params_active is not None else r.params_total
    f = chosen or FORMATS["fp16"]
    read = f.bytes_for(n)
    rate = bandwidth / read
    lines = [f"**At most about {rate:,.1f} tokens per second: {_name(r)} reads {fmt.size(read)} of weights per "
             f"token in {f.name}, and the memory moves {bandwidth / 1e9:,.0f} GB/s.**", "",
             "```text", f"tokens/s ≤ bandwidth ÷ (active parameters × bytes) = {fmt.commas(int(bandwidth))} ÷ "
             f"({fmt.commas(n)} × {f.bytes_per_param:g}) = {rate:,.1f}", "```", "",
             "This is an upper bound for one sequence: real runtimes reach perhaps 60-80% of it, the KV cache is read "
             "too, and batching serves several sequences per read of the weights."]
    total = f.bytes_for(r.params_total)
    if memory is not None and total > memory[0]:
        lines += ["", f"But the {fmt.size(total)} of weights do not fit in {memory[1]}: the layers that do not fit run "
                      "from CPU RAM, read at its far lower bandwidth (about 51 GB/s for two channels of DDR4-3200, "
                      "DDR4 standard figures), so the real speed is far below this bound."]
    calc = _calc(r, "speed", bandwidth=bandwidth, tokens_per_second=rate)
    return CalcAnswer(f"Generation speed of {_name(r)}", "\n".join(lines) + _taken(taken) + _source_line(r), calc,
                      [EX_SPEED])
