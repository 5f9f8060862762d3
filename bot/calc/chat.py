"""Recognise calculation questions in plain English and answer them with the working shown.

``route(question)`` returns a ``CalcAnswer`` when the question asks for a number the calculator
can produce about something concrete (a named model, a size such as "7B", a layer list such as
"784-128-10" or "3 inputs, 4 hidden neurons and 2 outputs", the line y = a*x + b), and ``None``
otherwise, so conceptual questions ("what is a parameter", "why do bigger models need more memory")
go to the knowledge base. A question needs both a *subject* and an *intent* (parameters, memory,
fit, KV cache, training or inference FLOPs, compute-optimal tokens); "why", "what does ... mean",
"difference between" and "how does ... work" questions are left to the KB even when they name a model.
Input the calculator rejects (a layer of width 0, an absurd size) also yields ``None``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from bot.calc import fmt
from bot.calc.count import count_dense
from bot.calc.preset_store import Preset, alias_table, get_preset, normalise_name
from bot.calc.report import Report, report, report_for_size
from bot.calc.resources import BITS_PER_PARAM, PRECISIONS, TRAINING_BYTES_PER_PARAM
from bot.calc.spec import DenseSpec, check_int
from bot.errors import InputError
from bot.paths import kb_dir

# Worked examples in kb/examples/ (names fixed by KB_SPEC.md), linked from answers.
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


def _links(paths: list[str]) -> list[str]:
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


# --- Reading the question ---------------------------------------------------------------------

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a single": 1, "single": 1, "a": 1, "an": 1}
_NUM = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"

_BLOCKERS = [
    r"\bwhy\b",
    r"\bmean(?:s|ing|t)?\b",
    r"\bstands? for\b",
    r"\bdifference\b|\bdiffer\b|\bcompar\w*\b",
    r"^\s*(?:what|who)(?:'s| is| are) (?:a|an)\b",
    r"^\s*(?:what|who)(?:'s| is| are) (?:parameters?|weights?|biases?|tokens?|flops?|quantization|the kv cache)\s*\??$",
    r"^\s*(?:who|when|where)\b",
    r"\b(?:better|smarter|worse|more intelligent)\b",
]
_CALC_VERBS = r"\b(?:calculate|compute|count|work out|figure out|estimate)\b"

_INTENTS: list[tuple[str, str]] = [
    ("kv_cache", r"\bkv[- ]?cache\b|\bkey[- ]value cache\b|\bkv memory\b"),
    ("training_memory", r"\b(?:memory|vram|ram|gb|gpus?)\b.*\b(?:train|training|fine[- ]?tun\w*|adam)\b|"
                        r"\b(?:train|training|fine[- ]?tun\w*)\b.*\b(?:memory|vram|ram|gb)\b|\badam\b.*\bmemory\b"),
    ("training_flops", r"\b(?:train(?:ing)?|pre-?train(?:ing)?)\b.*\b(?:flops?|compute|flop count)\b|"
                       r"\b(?:flops?|compute)\b.*\b(?:to )?(?:train|training|pretrain\w*)\b|\b6\s*n\s*d\b"),
    ("optimal_tokens", r"\bchinchilla\b|\bcompute[- ]optimal\b|\bhow many (?:training )?tokens\b.*\btrain|"
                       r"\btokens?\b.*\b(?:should|to) (?:i |we |it |you )?(?:be )?train"),
    ("inference_flops", r"\bflops?\b.*\b(?:per token|inference|generat\w*|forward pass)\b|"
                        r"\b(?:per token|inference)\b.*\bflops?\b|\bcompute per token\b"),
    ("fit", r"\bfit\b|\bfits\b|\benough\b|\bcan i run\b|\brun (?:it |this |that )?on (?:my |an? |one )?\d|\bon (?:my |an? )?\d+\s*(?:gb|gib|g)\b"),
    ("memory", r"\bmemory\b|\bvram\b|\bram\b|\bgb\b|\bgib\b|\bgigabytes?\b|\bbytes\b|\bdisk\b|\bstorage\b|"
               r"\bspace\b|\bfile size\b|\bdownload\b|\bfootprint\b|\bhow (?:big|large) (?:is|are) .* (?:in|at) "
               r"(?:fp|bf|int|float|half|\d+[- ]?bit)"),
    ("params", r"\bparam(?:eter)?s?\b|\bweights?\b|\bbias(?:es)?\b|\bhow (?:big|large)\b|\bsize of\b"),
]

_PRECISION_WORDS: list[tuple[str, str]] = [
    ("fp32", r"\bfp32\b|\bfloat32\b|\bfull precision\b|\b32[- ]?bits?\b|\bsingle precision\b"),
    ("bf16", r"\bbf16\b|\bbfloat16\b|\bbfloat 16\b"),
    ("fp16", r"\bfp16\b|\bfloat16\b|\bhalf precision\b|\bhalf\b|\b16[- ]?bits?\b"),
    ("int8", r"\bint8\b|\b8[- ]?bits?\b|\bq8\w*\b"),
    ("int4", r"\bint4\b|\b4[- ]?bits?\b|\bq4\w*\b|\bnf4\b"),
]

_SCALE = {"": 1, "k": 10**3, "thousand": 10**3, "m": 10**6, "million": 10**6, "b": 10**9, "bn": 10**9,
          "billion": 10**9, "t": 10**12, "trillion": 10**12}
_NUMBER = r"(\d+(?:\.\d+)?(?:e\d+)?)"


def _whole(value: float, name: str) -> int:
    """A parsed number as an int; a non-finite or absurd one is refused like any other bad input."""
    return check_int(name, value if math.isfinite(value) else None, maximum=10**18)


def _num(word: str) -> int:
    return int(word) if word.isdigit() else _WORD_NUMBERS[word]


def _tokens(text: str) -> tuple[float | None, str]:
    """Training tokens ("2T tokens", "1.4 trillion tokens"); returns the text without that phrase."""
    m = re.search(_NUMBER + r"\s*(k|thousand|m|million|b|bn|billion|t|trillion)?\s+(?:training\s+)?tokens?\b", text)
    if not m:
        m = re.search(_NUMBER + r"(k|m|b|t)\s+tokens?\b", text)
    if not m:
        return None, text
    return float(m.group(1)) * _SCALE[m.group(2) or ""], text[:m.start()] + " " + text[m.end():]


def _context(text: str) -> int | None:
    """Context length: "4096 tokens", "8k context", "a context of 32k". k means 1,024 here (4k = 4,096)."""
    patterns = [r"(\d+(?:\.\d+)?)\s*(k)?\s*(?:tokens?|context|ctx|token context)\b",
                r"context(?: length| window| size)?(?: of)?\s*(?:=\s*)?(\d+(?:\.\d+)?)\s*(k)?\b"]
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            return _whole(float(m.group(1)) * (1024 if m.group(2) else 1), "context")
    return None


def _batch(text: str) -> int | None:
    m = re.search(r"batch(?:\s+size)?(?:\s+of)?\s*(?:=\s*)?(\d+)", text) or \
        re.search(r"(\d+)\s+(?:sequences|concurrent users|users|requests|prompts)\b", text)
    return check_int("batch", int(m.group(1)), maximum=10**7) if m else None


def _capacity(text: str) -> tuple[int, str] | None:
    """GPU or RAM size in bytes and as the user wrote it: "24 GB" (10⁹), "24 GiB" (2³⁰), "80G", "1 TB"."""
    m = re.search(r"(\d+(?:\.\d+)?)\s*(gb|gib|g|gig|gigs|tb|tib)\b", text)
    if not m:
        return None
    scale = {"gb": 10**9, "g": 10**9, "gig": 10**9, "gigs": 10**9, "gib": 2**30, "tb": 10**12, "tib": 2**40}
    unit = {"gib": "GiB", "tb": "TB", "tib": "TiB"}.get(m.group(2), "GB")
    return _whole(float(m.group(1)) * scale[m.group(2)], "memory size"), f"{m.group(1)} {unit}"


def _precision(text: str) -> str | None:
    for name, pattern in _PRECISION_WORDS:
        if re.search(pattern, text):
            return name
    return None


def _size(text: str) -> float | None:
    """A bare model size: "a 7B model", "13 billion parameters", "a 125M-parameter model"."""
    m = re.search(r"(?<![\w.])" + _NUMBER + r"\s*(b|bn|billion|m|million|t|trillion)(?:[- ]?param(?:eter)?s?)?"
                  r"(?![\w])(?!\s*(?:tokens?|bytes|gb|flops))", text)
    if not m:
        return None
    return float(m.group(1)) * _SCALE[m.group(2)]


def _preset(text: str) -> Preset | None:
    norm = " " + normalise_name(text) + " "
    for alias, name in alias_table():
        if re.search(r"(?<![a-z0-9.])" + re.escape(alias) + r"(?![a-z0-9])", norm):
            return get_preset(name)
    return None


_NET_WORDS = r"\b(?:network|net|nn|mlp|perceptron|layers?|neurons?|dense|architecture|units|nodes|inputs?|outputs?)\b"


def _dense(text: str) -> tuple[tuple[int, ...], bool] | None:
    """Layer widths from "784-128-10", "layer sizes 10, 20, 5", or "3 inputs, 4 hidden neurons and 2 outputs"."""
    bias = not re.search(r"\b(?:without|no|ignoring|excluding|minus)\s+(?:any\s+|the\s+)?bias(?:es)?\b|"
                         r"\bbias(?:es)?\s*=\s*(?:false|no|0)\b|\bweights only\b|\bonly (?:the )?weights\b", text)
    # 1. An explicit list: dashes, arrows or x between numbers; commas only next to network words.
    m = re.search(r"(?<![\w.,])(\d+(?:\s*(?:-|–|→|->|x|×)\s*\d+)+)(?![\w.])", text)
    if m and re.search(_NET_WORDS, text):
        return tuple(int(n) for n in re.findall(r"\d+", m.group(1))), bias
    m = re.search(r"(?:layers?|layer sizes|widths|sizes|shape)\s*(?:of|:|=|are|is)?\s*\[?(\d+(?:\s*,\s*(?:and\s+)?\d+)+)",
                  text)
    if m:
        return tuple(int(n) for n in re.findall(r"\d+", m.group(1))), bias
    # 2. Words: inputs, hidden layers, outputs.
    inputs = re.search(_NUM + r"\s+(?:input|feature)(?:s| neurons| units| nodes| features)?\b", text) or \
        re.search(r"\bwith\s+" + _NUM + r"\s+inputs?\b", text)
    outputs = re.search(_NUM + r"\s+output(?:s| neurons| units| nodes| classes)?\b", text) or \
        re.search(r"\b(?:a|an|one|single)\s+output\b", text)
    hidden: list[int] = []
    hm = re.search(_NUM + r"\s+hidden\s+layers?\s+(?:of|with)\s+" + _NUM + r"\s+(?:neurons|units|nodes)", text)
    if hm:
        hidden = [_num(hm.group(2))] * _num(hm.group(1))
    else:
        hm = re.search(r"hidden\s+layers?\s+(?:of|with)\s+(\d+(?:\s*(?:,|and)\s*\d+)+)", text)
        if hm:
            hidden = [int(n) for n in re.findall(r"\d+", hm.group(1))]
        else:
            for pattern in (_NUM + r"\s+hidden\s+(?:neurons|units|nodes)",
                            r"(?:a|one|single)\s+hidden\s+layer\s+(?:of|with)\s+" + _NUM,
                            _NUM + r"\s+(?:neurons|units|nodes)\s+in\s+(?:the|a|one|its)\s+hidden\s+layer"):
                hm = re.search(pattern, text)
                if hm:
                    hidden = [_num(hm.group(1))]
                    break
    single = re.search(r"\b(?:a|one)\s+(?:single\s+)?neuron\s+with\s+" + _NUM + r"\s+inputs?", text)
    if single:
        return (_num(single.group(1)), 1), bias
    if inputs and outputs:
        n_out = _num(outputs.group(1)) if outputs.groups() and outputs.group(1) else 1
        return (_num(inputs.group(1)), *hidden, n_out), bias
    return None


def _linear(text: str) -> bool:
    return bool(re.search(r"\by\s*=\s*[amw]\s*\*?\s*x\s*\+\s*[bc]\b|\blinear (?:model|regression|function)\b|"
                          r"\bstraight line\b|\bline y\b", text))


# --- Answers -------------------------------------------------------------------------------------

def _source_line(r: Report) -> str:
    if r.source:
        return f"\n\nSource: [{r.source['label']}]({r.source['url']})."
    return ""


def _notes(r: Report, limit: int = 3) -> str:
    if not r.notes:
        return ""
    return "\n\n" + "\n".join(f"- {note}" for note in r.notes[:limit])


def _dense_answer(r: Report, widths: tuple[int, ...], bias: bool) -> CalcAnswer:
    count = count_dense(DenseSpec(widths, bias=bias))
    shape = "-".join(map(str, widths))
    lines = [f"**A {shape} network has {fmt.commas(count.total)} parameters"
             + (f": {fmt.commas(count.weights)} weights and {fmt.commas(count.biases)} biases.**" if bias
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


def _linear_answer(r: Report) -> CalcAnswer:
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


def _params_answer(r: Report, preset: Preset | None) -> CalcAnswer:
    if r.kind == "published":
        md = (f"**{r.title} has {fmt.words(r.params_total)} parameters ({fmt.commas(r.params_total)}), "
              f"as published.**{_moe_line(r)}\n\nThis is the publisher's figure, not an exact count from the "
              f"architecture.{_notes(r)}{_source_line(r)}")
        return CalcAnswer(f"Parameters in {r.title}", md, _calc(r, "params"), [EX_MOE])
    lines = [f"**{r.title} has {fmt.commas(r.params_total)} parameters ({fmt.words(r.params_total)}).**"
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


def _precision_table(r: Report, highlight: str | None, capacity: int | None = None) -> list[str]:
    head = "| Precision | Bytes per parameter | Weights |" + (" Fits? |" if capacity else "")
    lines = [head, "|---|---:|---|" + ("---|" if capacity else "")]
    for p in PRECISIONS:
        b = r.memory_bytes[p]
        row = (f"| {'**' + p + '**' if p == highlight else p} | {BITS_PER_PARAM[p] / 8:g} | "
               f"{fmt.commas(r.params_total)} × {BITS_PER_PARAM[p] / 8:g} = {fmt.gb(b)} |")
        if capacity:
            row += f" {'yes' if b <= capacity else 'no'} |"
        lines.append(row)
    return lines


def _memory_answer(r: Report, precision: str | None) -> CalcAnswer:
    p = precision or "fp16"
    lines = [f"**{r.title} needs about {fmt.gb(r.memory_bytes[p])} for its weights in {p}.**", "",
             "Memory for the weights = number of parameters × bytes per parameter:", ""]
    lines += _precision_table(r, p)
    lines += ["",
              "Running it takes more than the weights: the KV cache grows with context length and batch, and the "
              "runtime adds some overhead. Real int4 formats also store scales (a few percent more).", "",
              f"Training with mixed precision and Adam needs about {TRAINING_BYTES_PER_PARAM} bytes per parameter "
              f"(Rajbhandari et al. 2019): {fmt.gb(r.training_bytes)}, before activations."]
    if r.kind == "size":
        lines[0] = f"**A {fmt.short(r.params_total)}-parameter model needs about {fmt.gb(r.memory_bytes[p])} for its weights in {p}.**"
    title = f"Memory for {r.title if r.kind != 'size' else 'a ' + fmt.short(r.params_total) + ' model'}"
    return CalcAnswer(title, "\n".join(lines) + _source_line(r), _calc(r, "memory"), [EX_MEMORY])


def _fit_answer(r: Report, capacity: int, cap: str, precision: str | None) -> CalcAnswer:
    fits = {p: r.memory_bytes[p] <= capacity for p in PRECISIONS}
    name = r.title if r.kind != "size" else f"A {fmt.short(r.params_total)} model"
    if precision:
        ok = fits[precision]
        verdict = (f"**{'Yes' if ok else 'No'}: in {precision}, {name}'s weights take "
                   f"{fmt.gb(r.memory_bytes[precision])}, {'within' if ok else 'more than'} {cap}.**")
    elif fits["fp16"]:
        verdict = f"**Yes: even in fp16, {name}'s weights take {fmt.gb(r.memory_bytes['fp16'])}, within {cap}.**"
    elif fits["int4"]:
        best = next(p for p in ("int8", "int4") if fits[p])
        verdict = (f"**Only quantised: in fp16 {name} needs {fmt.gb(r.memory_bytes['fp16'])}, more than {cap}; "
                   f"in {best} the weights take {fmt.gb(r.memory_bytes[best])}, which fits.**")
    else:
        verdict = (f"**No: {name} does not fit in {cap}, even at int4: the weights alone take "
                   f"{fmt.gb(r.memory_bytes['int4'])}.**")
    lines = [verdict, "", "Weights = parameters × bytes per parameter, compared with the memory you have:", ""]
    lines += _precision_table(r, precision, capacity)
    lines += ["", "Leave room beyond the weights: the KV cache (it grows with context and batch), activations and "
              "the runtime's own overhead, typically a GB or more. A model that only just fits will not run "
              "comfortably."]
    if cap.endswith(" GB"):
        gib = cap[:-3] + " GiB"
        lines += ["", f"{cap} is read as {fmt.commas(capacity)} bytes (10⁹ per GB). A GPU sold as {cap} usually "
                  f"holds {gib} = {fmt.commas(capacity * 2**30 // 10**9)} bytes, about 7% more."]
    title = f"Does {name} fit in {cap}?"
    return CalcAnswer(title, "\n".join(lines) + _source_line(r),
                      _calc(r, "fit", capacity_bytes=capacity, fits=fits), [EX_MEMORY])


def _kv_answer(r: Report) -> CalcAnswer:
    kv = r.kv_cache
    assert kv is not None
    lines = [f"**The KV cache of {r.title} at {kv['context']:,} tokens (batch {kv['batch']}, {kv['precision']}) "
             f"is {fmt.gb(kv['bytes'])}.**", "",
             "Each layer stores a key and a value vector for every KV head and every token seen so far:", "",
             "```text", f"KV cache = {kv['formula']}", f"         = {fmt.commas(kv['bytes'])} bytes", "```", "",
             f"That is {fmt.gb(kv['bytes_per_token'])} per token per sequence, on top of the weights "
             f"({fmt.gb(r.memory_bytes[kv['precision']])} in {kv['precision']})."]
    spec = r.spec or {}
    if spec.get("attention") == "mla":
        lines.append("Multi-head latent attention caches one compressed latent per layer instead of full keys and "
                     "values, which is why this is small for such a large model.")
    elif spec.get("num_kv_heads") and spec.get("num_kv_heads") != spec.get("num_heads"):
        lines.append(f"Grouped-query attention shares {spec['num_kv_heads']} KV heads among {spec['num_heads']} "
                     f"query heads, so the cache is {spec['num_heads'] // spec['num_kv_heads']}× smaller than with "
                     "one KV head per query head.")
    return CalcAnswer(f"KV cache of {r.title}", "\n".join(lines) + _source_line(r), _calc(r, "kv_cache"), [EX_KV])


def _n_line(r: Report) -> tuple[int, str]:
    n = r.params_active if r.params_active is not None else r.params_total
    label = "active parameters" if r.is_moe else "parameters"
    return n, label


def _training_flops_answer(r: Report) -> CalcAnswer:
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


def _inference_flops_answer(r: Report) -> CalcAnswer:
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


def _optimal_tokens_answer(r: Report) -> CalcAnswer:
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


def _training_memory_answer(r: Report) -> CalcAnswer:
    name = r.title if r.kind != "size" else f"a {fmt.short(r.params_total)} model"
    n = r.params_total
    lines = [f"**Training {name} with mixed precision and Adam needs about {fmt.gb(r.training_bytes)} for the model "
             "states alone.**", "",
             "Per parameter (Rajbhandari et al. 2019, the ZeRO paper): fp16 weights 2 bytes + fp16 gradients 2 + "
             "fp32 master weights 4 + Adam momentum 4 + Adam variance 4 = 16 bytes.", "", "```text",
             f"{fmt.commas(n)} × 16 bytes = {fmt.commas(r.training_bytes)} bytes ≈ {fmt.gb(r.training_bytes)}", "```",
             "", f"Just running it in fp16 needs {fmt.gb(r.memory_bytes['fp16'])}. Activations come on top and grow "
             "with batch size and sequence length; sharding (ZeRO), 8-bit optimisers and LoRA cut the total."]
    return CalcAnswer(f"Training memory for {name}", "\n".join(lines) + _source_line(r),
                      _calc(r, "training_memory"), [EX_MEMORY])


# --- The router ------------------------------------------------------------------------------------

def _intent(text: str) -> str | None:
    for name, pattern in _INTENTS:
        if re.search(pattern, text):
            return name
    return None


def route(question: str) -> CalcAnswer | None:
    """A ``CalcAnswer`` for a calculation question, ``None`` for anything else (see the module docstring)."""
    if not isinstance(question, str):
        return None
    text = " ".join(question.lower().replace("×", "x").replace("’", "'").split())
    if not text or len(text) > 600:
        return None
    if any(re.search(p, text) for p in _BLOCKERS):
        return None
    if re.search(r"^\s*how (?:does|do|is|are|can)\b", text) and not re.search(_CALC_VERBS + r"|\bhow (?:many|much)\b",
                                                                              text) \
            and not re.search(r"\bfit\b|\brun\b", text):
        return None
    # Yes/no questions ("does DeepSeek-V3 prove size doesn't matter?", "is 175B a file size?") are
    # conceptual unless they ask whether something fits or ask for a count.
    asks = re.sub(r"\bparam(?:eter)? counts?\b", "", text)  # "parameter count" is a noun, not "count!"
    if re.search(r"^\s*(?:did|does|do|is|are|was|were|has|have|will|would)\b", text) and not re.search(
            _CALC_VERBS + r"|\bhow (?:many|much)\b|\bfits?\b|\benough\b|\brun\b", asks):
        return None
    try:
        answer = _answer(text)
    except InputError:
        return None
    if answer is not None:
        answer.examples = _links(answer.examples)
    return answer


def _answer(text: str) -> CalcAnswer | None:
    tokens, rest = _tokens(text)
    intent = _intent(text)
    precision = _precision(text)
    # Dense networks and the line come first: "3 inputs ... 2 outputs" must not read as a model size.
    if _linear(text) and intent in ("params", None) and re.search(r"\bparam|\bhow many\b|\bcount\b|\bweights\b", text):
        r = report([1, 1])
        return _linear_answer(r)
    dense = _dense(text)
    preset = _preset(rest)
    if dense and not preset:
        if intent not in ("params", None) and not re.search(r"\bhow many\b|\bcount\b", text):
            return None
        if intent is None and not re.search(_CALC_VERBS, text):
            return None
        widths, bias = dense
        return _dense_answer(report(list(widths), bias=bias), widths, bias)
    if intent is None:
        return None
    size = None if preset else _size(rest)
    if preset is None and size is None:
        return None
    context = _context(text) if intent == "kv_cache" else None
    batch = _batch(text)
    batch = 1 if batch is None else batch
    if intent == "kv_cache":
        if preset is None or preset.published_only:
            return None              # the KV cache needs the architecture
        r = report(preset, precision=precision or "fp16", context=context, batch=batch)
        return _kv_answer(r)
    if preset is not None:
        r = report(preset, precision=precision or "fp16", tokens=tokens)
    else:
        assert size is not None
        r = report_for_size(size, precision=precision or "fp16", tokens=tokens)
    if intent == "training_flops":
        if tokens is None:
            if preset is not None and preset.family == "llama" and preset.name.startswith("llama-2"):
                r = report(preset, precision=precision or "fp16", tokens=2e12)   # Llama 2's published 2T
            else:
                return None
        return _training_flops_answer(r)
    if intent == "inference_flops":
        return _inference_flops_answer(r)
    if intent == "optimal_tokens":
        return _optimal_tokens_answer(r)
    if intent == "training_memory":
        return _training_memory_answer(r)
    if intent == "fit":
        capacity = _capacity(text)
        if capacity is None:
            return _memory_answer(r, precision)
        return _fit_answer(r, *capacity, precision)
    if intent == "memory":
        return _memory_answer(r, precision)
    # params
    if size is not None:
        return None                  # "how many parameters does a 7B model have" answers itself
    return _params_answer(r, preset)
