"""Route a chat question to the calculator: read its slots, compute what it asks, answer with the working.

``route(question)`` returns a ``CalcAnswer`` when the question asks for a number about something
concrete (a part with its sizes, a named model, a size such as "7B", a file size, a GPU) and
``None`` otherwise, so conceptual questions ("what is a parameter", "why do bigger models need more
memory") go to the knowledge base. The reader (``bot.calc.reader``) fills the slots; here they are
checked for what each calculation needs: a missing size gets every common value (all precisions,
bias on and off) or no calculation at all, never a silent guess. Bad numbers give ``None``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from bot.calc import fmt, parts
from bot.calc.answers import (KNOWN_EXAMPLES, CalcAnswer, blocks_answer, component_answer, compare_answer, dense_answer, fit_answer,
                              inference_flops_answer, kv_answer, linear_answer, links, max_size_answer,
                              memory_answer, optimal_tokens_answer, params_answer, part_answer, reverse_answer, speed_answer, time_line,
                              training_flops_answer, training_memory_answer)
from bot.calc.preset_store import Preset
from bot.calc.reader import Slots, read
from bot.calc.report import Report, report, report_for_size
from bot.calc.resources import PRECISIONS
from bot.calc.spec import TransformerSpec
from bot.errors import InputError

__all__ = ["CalcAnswer", "KNOWN_EXAMPLES", "route", "route_code"]

_BLOCKERS = [
    r"\bwhy\b",
    r"\bmean(?:s|ing|t)?\b",
    r"\bstands? for\b",
    r"\bdifference\b|\bdiffer\b|\bcompar\w*\b",
    r"^\s*(?:what|who)(?:'s| is| are) (?:a|an)\b",
    r"^\s*(?:what|who)(?:'s| is| are) (?:parameters?|weights?|biases?|tokens?|flops?|quantization|the kv cache)\s*\??$",
    r"^\s*(?:who|when)\b|^\s*where\b(?!.*\bcome from\b)",
    r"\b(?:better|smarter|worse|more intelligent)\b",
]
_CALC_VERBS = (r"\b(?:calculat(?:e|ed|ing)|comput(?:e|ed|ing)|count(?:ed|ing)?|work(?:ed)? out|figured? out|"
               r"estimat(?:e|ed)|derived?|add(?:ed)? up|arrive[sd]? at|get (?:to )?(?:the )?\d[\d.]*\s*[kmbt]?)\b")


def _conceptual(s: Slots) -> bool:
    """"Why", "what is", "difference between" and yes/no questions about ideas are the KB's, unless they
    carry a complete calculation (a file size with a count, two models to compare, N and D for 6ND)."""
    text = s.text
    concrete = (s.asks == "reverse" or (s.asks == "compare" and not re.search(r"\bwhy\b", text)) or _reverse_widths(s) is not None or (s.asks == "training_flops" and s.tokens is not None)
                or (s.asks == "lora" and s.params2 is not None))
    if concrete:
        return False
    if any(re.search(p, text) for p in _BLOCKERS):
        return True
    if re.search(r"^\s*how (?:does|do|is|are)\b", text) and not re.search(_CALC_VERBS + r"|\bhow (?:many|much)\b",
                                                                          text) \
            and not re.search(r"\bfit\b|\brun\b", text):
        return True
    asks = re.sub(r"\bparam(?:eter)? counts?\b", "", text)  # "parameter count" is a noun, not "count!"
    return bool(re.search(r"^\s*(?:did|does|do|is|are|was|were|has|have|will|would)\b", text) and not re.search(
        _CALC_VERBS + r"|\bhow (?:many|much)\b|\bfits?\b|\benough\b|\brun\b|\bhandle\b|\bload\b|\bhold\b", asks))


#: A question that names compute and no memory asks about FLOPs, whatever GPU it mentions: a memory
#: answer ("does it fit in an A100?") would answer something it did not ask.
_COMPUTE_WORDS = re.compile(r"\bflops?\b|\btflops?\b|\bflop/s\b|\butili[sz]ation\b|\bgpu[- ]hours?\b")
_MEMORY_WORDS = re.compile(r"\bmemory\b|\bv?ram\b|\bgi?b\b|\bfits?\b|\benough\b|\bbytes?\b|\bsize\b|\bload\w*\b|\brun\b")


def _asks_other_quantity(s: Slots) -> bool:
    return s.asks in ("fit", "memory") and bool(_COMPUTE_WORDS.search(s.text)) and not _MEMORY_WORDS.search(s.text)


#: A question about what a change adds to a model ("how many parameters does that add", "how many extra
#: parameters"): the model's total would answer something it did not ask.
_INCREMENT = re.compile(r"\b(?:does|do|did|will|would)\s+(?:that|this|it|they|these|those)\s+add\b|\bhow many (?:extra|more|"
                        r"additional|new) param|\b(?:adds?|added|adding)\s+(?:\w+\s+){0,3}(?:tokens?|rows?|layers?|heads?)\b")


def route(question: str) -> CalcAnswer | None:
    """A ``CalcAnswer`` for a calculation question, ``None`` for anything else (see the module docstring)."""
    if not isinstance(question, str) or not question.strip() or len(question) > 600:
        return None
    s = read(question)
    if (s.asks is None and _reverse_widths(s) is None) or _conceptual(s) or _asks_other_quantity(s):
        return None
    try:
        answer = _part(s) if (s.part or s.layer_params) and not s.presets else None
        if answer is None:
            if s.asks == "params" and _INCREMENT.search(s.text):
                return None     # "how many parameters does adding 5 tokens add?": not the model's total
            answer = _model(s)
    except InputError:
        return None
    if answer is not None:
        answer.examples = links(answer.examples)
    return answer


_ASKS_COUNT = re.compile(r"\bparam\w*|\bweights?\b|\bsummary\b|\bhow many\b|\bnumber of\b|参数|权重", re.I)
#: A printed module tree ("(0-31): 32 x LlamaDecoderLayer(", LoRA's lora_A) lists each repeated layer once:
#: counting its lines would undercount, so it is left to the KB.
_PRINTED_TREE = re.compile(r"\d+\s*x\s*[A-Z]\w*\(|\blora_[AB]\b")


def route_code(code: str, asked: str) -> CalcAnswer | None:
    """A model pasted as code (Keras ``Sequential``, PyTorch ``nn.Sequential`` or ``__init__``) or as a Keras
    ``model.summary()`` table, whose size the question asks about: every layer counted or explained in order
    (``bot.calc.stack``); None for anything else."""
    if not _ASKS_COUNT.search(asked) or _PRINTED_TREE.search(code):
        return None
    from bot.calc.stack import read_stack, read_summary, stack_answer

    stack = read_summary(code) or read_stack(code)     # a summary's counts are the framework's own
    if stack is None:
        return None
    answer = stack_answer(stack)
    answer.examples = links(answer.examples)
    return answer


# --- Parts --------------------------------------------------------------------------------------------

def _both(s: Slots, make: Callable[[bool], parts.PartCount], default: bool, on: str, off: str) -> CalcAnswer:
    """A count that depends on bias (or tying): the one asked for, or both when the question does not say."""
    if s.bias is not None:
        return part_answer(make(s.bias), [*s.taken, on if s.bias else off])
    return part_answer(make(default), [*s.taken, (on if default else off) + " (not stated)"], make(not default),
                       _capital(off if default else on))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _reverse_widths(s: Slots) -> tuple[tuple[int, ...], bool] | None:
    """Layer widths from per-layer counts and the input width: each unit of a dense layer has one weight
    per input plus one bias, so units = count ÷ (inputs + 1) (or ÷ inputs without biases)."""
    inputs = s.dims.get("inputs")
    if not s.layer_params or not inputs:
        return None
    for bias in (True, False):
        widths, previous = [inputs], inputs
        for count in s.layer_params:
            units, rest = divmod(count, previous + (1 if bias else 0))
            if rest or units < 1:
                break
            widths.append(units)
            previous = units
        else:
            return tuple(widths), bias
    return None


def _part(s: Slots) -> CalcAnswer | None:
    """Counts of a part from its sizes; None when the sizes it needs are not in the question."""
    reverse = _reverse_widths(s)
    if reverse is not None:
        widths, bias = reverse
        answer = dense_answer(report(list(widths), bias=bias), widths, bias)
        steps = [f"{c:,} = ({p:,} inputs{' + 1 bias' if bias else ''}) × {u:,} units"
                 for c, p, u in zip(s.layer_params or (), widths, widths[1:])]
        answer.markdown += ("\n\nWorking back from the counts, each unit has one weight per input"
                            + (" plus one bias" if bias else "") + ":\n\n" + "\n".join(f"- {x}" for x in steps)
                            + f"\n\nTaken as: {' → '.join(map(str, widths))}, {'with' if bias else 'without'} biases.")
        return answer
    if s.asks not in ("params", None) and s.part not in ("lora",):
        return None
    d, dims, w = s.dims.get("d"), s.dims, s.widths
    if s.part == "line":
        return linear_answer(report([1, 1]))
    if s.part == "regression":
        features = dims.get("inputs") or (w[0] if w else None)
        return part_answer(parts.regression(features), s.taken) if features else None
    if s.part == "neuron":
        n = dims.get("inputs") or (w[0] if w else None)
        if n is None:
            return None
        return _both(s, lambda b: parts.neuron(n, b), True, "with a bias", "without a bias")
    if s.part in ("linear", "layers") and w:
        if len(w) == 2 and not re.search(r"\bnetwork\b|\bnet\b|\bmlp\b|\bnn\b", s.text):
            if re.search(r"\bmatri", s.text):       # a weight matrix alone has no bias
                return _both(s, lambda b: parts.linear(w[0], w[1], b, s.repeat), False, "with biases",
                             "a matrix alone, no biases")
            return _both(s, lambda b: parts.linear(w[0], w[1], b, s.repeat), True, "with biases (nn.Linear's default)",
                         "without biases")
        bias = s.bias is not False
        r = report(list(w), bias=bias)
        answer = dense_answer(r, w, bias)
        taken = " → ".join(map(str, w)) + (", with biases" + (" (not stated)" if s.bias is None else "")
                                             if bias else ", without biases")
        answer.markdown += f"\n\nTaken as: {taken}."
        return answer
    if s.part in ("embedding", "embedding_head"):
        vocab = dims.get("vocab")
        if (vocab is None or d is None) and w and len(w) == 2:
            vocab, d = max(w), min(w)
        if vocab is None or d is None:
            return None
        if s.part == "embedding":
            return part_answer(parts.embedding(vocab, d), s.taken)
        if s.tied is not None:
            return part_answer(parts.embedding_and_head(vocab, d, s.tied), s.taken)
        return part_answer(parts.embedding_and_head(vocab, d, False), [*s.taken, "untied (not stated)"],
                           parts.embedding_and_head(vocab, d, True), "Tied (the head shares the embedding)")
    if s.part == "attention" and d:
        heads, kv, head_dim = dims.get("heads"), dims.get("kv_heads"), dims.get("head_dim")
        if heads and not head_dim:
            s.taken = [*s.taken, f"head size d / heads = {d // heads:,} (not stated)"]
        return _both(s, lambda b: parts.attention(d, heads, kv, b, head_dim), False, "with biases", "without biases")
    if s.part == "ffn" and d:
        inner = dims.get("ffn") or 4 * d
        taken = [*s.taken] + ([] if "ffn" in dims else [f"inner width 4 × {d:,} (not stated)"])
        gated = s.gated if s.gated is not None else False
        count = parts.ffn(d, inner, gated, bool(s.bias))
        other = None if s.gated is not None else parts.ffn(d, inner, True, bool(s.bias))
        return part_answer(count, taken + ([] if s.gated is not None else ["two matrices (not stated)"]), other,
                           "Gated (SwiGLU, three matrices)" if other else "")
    if s.part == "norm" and d:
        if s.norm:
            return part_answer(parts.norm(d, s.norm), s.taken)
        return part_answer(parts.norm(d, "layernorm"), [*s.taken, "LayerNorm (not stated)"], parts.norm(d, "rmsnorm"),
                           "RMSNorm (scale only)")
    if s.part == "block" and d:
        inner = dims.get("ffn") or 4 * d
        taken = [*s.taken, "attention, feed-forward and two norms"]
        if "ffn" not in dims:
            taken.append(f"FFN width 4 × {d:,} (not stated)")
        return part_answer(parts.block(d, inner, bool(s.gated), s.norm or "layernorm", bool(s.bias),
                                       dims.get("heads"), dims.get("kv_heads")), taken)
    if s.part == "conv" and s.conv is not None:  # only a fully described one is "conv" (reader._part)
        cin, cout, kernel = s.conv
        taken = [*s.taken] + ([] if s.bias is not None else ["with biases (the default in PyTorch and Keras)"])
        return part_answer(parts.conv(cin, cout, kernel, s.bias is not False), taken)
    if s.part in ("lstm", "gru"):
        inputs, hidden = dims.get("inputs"), dims.get("hidden_units") or d
        if inputs is None and w and len(w) == 2:
            inputs, hidden = w
        if inputs is None or hidden is None:
            return None
        stacked = re.search(r"\b(\d+)[- ]layers?\b|\bnum_layers\s*=\s*(\d+)|\b(\d+) stacked\b", s.text)
        layers = int(next(g for g in stacked.groups() if g)) if stacked else 1
        return part_answer(parts.recurrent(s.part, inputs, hidden, layers if 1 <= layers <= 100 else 1), s.taken)
    if s.part == "lora" and s.rank and w and len(w) == 2:
        shapes = [(f"{w[0]:,} × {w[1]:,} matrix", w[0], w[1])] * s.repeat
        layers = dims.get("layers", 1)
        return part_answer(parts.lora(s.rank, shapes, layers), s.taken)
    return None


# --- Whole models ---------------------------------------------------------------------------------------

def _from_dims(s: Slots) -> Report | None:
    """A whole transformer from its dimensions (d, layers, vocab); the rest stated as taken."""
    d, layers, vocab = s.dims.get("d"), s.dims.get("layers"), s.dims.get("vocab")
    if not (d and layers and vocab):
        return None
    inner = s.dims.get("ffn") or 4 * d
    gated = bool(s.gated)
    heads = s.dims.get("heads") or max(1, d // 64)
    if d % heads:
        heads = 1
    spec = TransformerSpec(family="custom", vocab_size=vocab, hidden_size=d, num_layers=layers, num_heads=heads,
                           num_kv_heads=s.dims.get("kv_heads"), intermediate_size=inner, gated_mlp=gated,
                           norm=s.norm or ("rmsnorm" if gated else "layernorm"),
                           qkv_bias=bool(s.bias), out_bias=bool(s.bias), mlp_bias=bool(s.bias),
                           tie_embeddings=bool(s.tied))
    s.taken.append(f"d {d:,}, {layers} layers, vocab {vocab:,}, FFN {inner:,} ({'gated' if gated else 'two matrices'})"
                   f", {'tied' if s.tied else 'untied'} head, {'with' if s.bias else 'no'} biases, rotary positions")
    return report(spec, name=f"a transformer with d = {d:,} and {layers} layers")


def _subject(s: Slots, preset: Preset | None, precision: str = "fp16") -> Report | None:
    """The model asked about: a user's number wins over a preset's (the exact count is shown beside it)."""
    tokens = s.tokens if s.asks == "training_flops" else None
    if s.asks == "training_flops" and tokens is None and preset is not None:
        tokens = _published_tokens(preset)
    if s.asks == "training_flops" and s.active and not s.params:
        s.params = s.active
    given = s.active if (s.asks in ("training_flops", "inference_flops", "speed") and s.active) else s.params
    if given is not None and preset is not None and not preset.published_only and given == s.params and \
            s.asks != "params" and not 0.5 <= given / report(preset).params_total <= 2:
        given = None     # "run Llama 30B? a 12B model took 40 GB": a count far from the named model's is another
        #                  model; asked about the count itself ("numel says 6.5B for Mixtral") it is the puzzle
    if given is None and s.active is not None and preset is None:
        return None          # memory follows the total, which an active count alone does not give
    if preset is not None and given is None:
        kwargs = {"context": s.context, "batch": s.batch or 1} if not preset.published_only else {}
        changed = _changed(s, preset)
        if changed is not None:
            return report(changed[0], precision=precision, tokens=tokens, name=changed[1], **kwargs)
        return report(preset, precision=precision, tokens=tokens, **kwargs)
    if given is not None:
        name = None
        if preset is not None:
            exact = report(preset)
            s.taken.append(f"{given:,.0f} parameters as you wrote (the exact count of {preset.title} is "
                           f"{exact.params_total:,})")
            name = preset.title
        sized = report_for_size(given, precision=precision, tokens=tokens, name=name)
        if preset is not None and s.context and not preset.published_only:
            # The count is the user's, the architecture the named model's: its KV cache at their context.
            cache = report(preset, precision=precision, context=s.context, batch=s.batch or 1).kv_cache
            sized = dataclasses.replace(sized, kv_cache=cache, notes=[]) if cache else sized
        return sized
    return _from_dims(s)


_BREAKDOWN = re.compile(r"\bhow (?:do|does|did|would|can|could|is|are|was|were) .{0,40}?\b(?:get|reach|arrive at|"
                        r"end up with|come up with|obtain|calculat\w*|comput\w*|count\w*|work(?:ed)? out|figured? out|"
                        r"derived?|add(?:s|ed)? up)\b|\bwhere (?:does|do|did) .{0,40}\bcome from\b")


def _about_the_count(s: Slots, preset: Preset) -> bool:
    """Whether a question with a figure asks how a named model's count is made ("how is BERT's 110M
    calculated?", "my count of 70B for Llama 2 70B"), rather than using the figure for something else."""
    if _BREAKDOWN.search(s.text) or _changed(s, preset, dry=True) is not None:
        return True
    if preset.published_only or s.params is None or not re.search(_CALC_VERBS + r"|\bcount\b", s.text):
        return False
    exact = report(preset).params_total
    return abs(s.params - exact) <= 0.15 * exact


def _preset_count(s: Slots, preset: Preset) -> Report:
    """A named model's count asked about with a figure ("how is BERT's 110M counted?"): the preset's own
    count with its working; the figure the user wrote is what they want explained, shown as taken."""
    taken = [t for t in s.taken if "as you wrote" not in t]
    s.taken[:] = taken
    changed = _changed(s, preset)
    if changed is not None:
        return report(changed[0], name=changed[1])
    if s.params is not None:
        s.taken.append(f"{fmt.words(s.params)} as you wrote it is {preset.title}'s rounded size")
    return report(preset)


#: Dimensions a question can change on a named model: slot name → (spec field, how it is shown).
_CHANGES = {"vocab": ("vocab_size", "vocabulary", r"\bvocab"),
            "d": ("hidden_size", "hidden size", r"\b(?:hidden[ _](?:size|dim\w*)|d_?model|dim\w*|width|n_embd)\b"),
            "layers": ("num_layers", "layers", r"\b(?:layers|blocks)\b"),
            "heads": ("num_heads", "attention heads", r"\bheads\b"),
            "kv_heads": ("num_kv_heads", "KV heads", r"\bheads\b"),
            "ffn": ("intermediate_size", "FFN width", r"\b(?:ffn|intermediate|mlp|feed[- ]?forward|d_ff)\b")}


def _changed(s: Slots, preset: Preset, dry: bool = False) -> tuple[TransformerSpec, str] | None:
    """A named model with a change the question states ("BERT-base with a 21,128-token vocabulary",
    "GPT-2 small with 2048 positions"): the user's number wins over the preset's, and "Taken as" says so."""
    if preset.published_only or preset.spec.is_moe:
        return None
    spec = preset.spec
    updates: dict[str, int] = {}
    shown: list[str] = []
    for slot, (name, label, stated) in _CHANGES.items():
        value = s.dims.get(slot)
        if value is None or not re.search(stated, s.text) or (slot == "layers" and (s.blocks or re.search(
                r"\boffload\w*\b|\bgpu[- ]layers\b|\bon (?:the )?gpu\b", s.text))):
            continue
        old = getattr(spec, name) if name != "num_kv_heads" else spec.kv_heads
        if value != old:
            updates[name] = value
            shown.append(f"{label} {value:,} as you wrote (the preset's is {old:,})")
    if s.context and spec.position == "learned" and s.asks == "params" and s.context != spec.max_positions:
        updates["max_positions"] = s.context
        shown.append(f"{s.context:,} positions as you wrote (the preset's is {spec.max_positions:,})")
    if not updates:
        return None
    changed = dataclasses.replace(spec, **updates)  # a spec's checks raise InputError, as route expects
    if dry:
        return changed, ""
    s.taken.append(f"{preset.title} with " + "; ".join(shown))
    return changed, f"{preset.title} with " + ", ".join(x.split(" as you wrote")[0] for x in shown)


#: Parts of a named model a question can ask about, by breakdown name (bot.calc.report).
_COMPONENTS = (
    (("output_head",), r"\b(?:lm[_ -]?head|output head|output layer|unembedding|output projection)\b"),
    (("token_embeddings",), r"\b(?:(?:token |input |word )?embeddings?(?: table| matrix| layer)?|wte|embed_tokens)\b"),
    (("position_embeddings",), r"\bposition(?:al)? embeddings?\b|\bwpe\b"),
    (("attention",), r"\b(?:self-)?attention(?: layers?| blocks?| weights| projections)?\b"),
    (("mlp", "moe_routed_experts", "moe_shared_experts"), r"\b(?:mlp|ffn|feed[- ]?forward)\b|\bexperts\b"),
    (("norms", "final_norm", "embedding_norm"), r"\b(?:layer ?norms?|rms ?norms?|normali[sz]ation(?: layers)?)\b"),
)


def _components(text: str) -> tuple[str, ...]:
    """The breakdown parts a question about a named model's count names, or () for the whole model (also
    when it excludes them: "without the embeddings", "non-embedding parameters")."""
    if re.search(r"\b(?:exclud\w*|without|non-?embedding|not counting|except|apart from|besides|other than)\b", text):
        return ()
    names: list[str] = []
    for parts, pattern in _COMPONENTS:
        if re.search(pattern, text):
            if parts == ("token_embeddings",) and re.search(r"\bposition(?:al)? embeddings?\b", text) and \
                    not re.search(r"\b(?:token|input|word) embeddings?\b", text):
                continue   # "position embeddings" alone names only the position table
            names += parts
    return tuple(names)


def _published_tokens(preset: Preset) -> float | None:
    """Training tokens stated in a preset's notes ("Pretrained on 2 trillion tokens"), shown as taken."""
    for note in preset.notes:
        m = re.search(r"(\d+(?:\.\d+)?)\s*(trillion|billion|T|B)\s+tokens", note)
        if m:
            scale = 1e12 if m.group(2) in ("trillion", "T") else 1e9
            return float(m.group(1)) * scale
    return None


def _model(s: Slots) -> CalcAnswer | None:
    asks = s.asks
    if asks == "max_size":
        return max_size_answer(s)
    if asks == "compare":
        return _compare(s)
    if asks == "lora":
        return _lora(s)  # a part's LoRA (no model named) was _part's, which route tried first
    if (s.context is None and s.preset is not None and not s.preset.published_only and s.preset.spec.max_positions
            and re.search(r"\b(?:full|entire|whole|max(?:imum)?|complete|native)\s+context(?:[- ](?:length|window|size))?\b|"
                          r"\bmax(?:imum)? (?:context|sequence) length\b", s.text)):
        s.context = s.preset.spec.max_positions     # "at full context": the model's own maximum, shown as taken
        s.taken.append(f"full context = {s.context:,} tokens ({s.preset.title}'s maximum)")
    plain = s.fmt.name if s.fmt is not None and s.fmt.name in PRECISIONS else "fp16"
    r = _subject(s, s.preset, plain)
    if r is None:
        return None
    if s.fmt is not None:
        s.taken.append(s.fmt.name)
    if s.context:
        s.taken.append(f"context {s.context:,} tokens, batch {s.batch or 1}")
    if asks == "reverse":
        assert s.file_bytes is not None
        return reverse_answer(r, s.file_bytes, s.taken)
    if asks == "params":
        if r.kind == "size" and s.preset is not None and _about_the_count(s, s.preset):
            r = _preset_count(s, s.preset)
        if r.kind == "size":
            return None                      # "how many parameters does a 7B model have" answers itself
        if s.blocks:
            return blocks_answer(r, s.blocks)   # "one layer of Llama 2 7B", "fine-tuning the top 2 layers"
        named = _components(s.text)
        if named:
            return component_answer(r, named) or params_answer(r, s.preset)   # "the lm_head of Qwen2.5 7B"
        answer = params_answer(r, s.preset)
        if s.taken:
            answer.markdown += "\n\nTaken as: " + "; ".join(s.taken) + "."
        if r.is_moe and r.params_active is not None and re.search(r"\bactive\b|\bactivated\b|\bper token\b", s.text):
            answer.markdown = (f"**{r.title} uses {r.params_active:,} active parameters per token, of "
                               f"{r.params_total:,} in total.**\n\n" + answer.markdown)
        return answer
    if asks == "kv_cache":
        if s.preset is None or s.preset.published_only or r.kv_cache is None:
            return None                      # a bare count has no layers or heads to size the cache from
        return kv_answer(r)
    if asks == "training_flops":
        if r.flops.get("training") is None:
            return None
        answer = training_flops_answer(r)
        if s.flops_rate:
            answer.markdown += time_line(r.flops["training"], s.flops_rate, s.flops_rate_peak)
        return answer
    if asks == "inference_flops":
        answer = inference_flops_answer(r)
        if s.tokens:
            per = r.flops["inference_per_token"]
            answer.markdown += (f"\n\nFor {s.tokens:,.0f} tokens: {fmt.sci(per)} × {s.tokens:,.0f} = "
                                f"**{fmt.sci(per * s.tokens)} FLOPs**.")
        return answer
    if asks == "optimal_tokens":
        return optimal_tokens_answer(r)
    if asks == "training_memory":
        return training_memory_answer(r, s, _adapters(s))
    if asks == "speed":
        memory = (s.memory, s.memory_text) if s.memory is not None and s.memory_text else None
        return speed_answer(r, s.bandwidth, s.fmt, s.taken, memory) if s.bandwidth else None
    if asks == "fit" and s.memory is not None:
        return fit_answer(r, s)
    return memory_answer(r, s)


def _compare(s: Slots) -> CalcAnswer | None:
    subjects: list[Report] = [report(p) for p in s.presets[:2]]
    for value in (s.params, s.params2):
        if value is not None and len(subjects) < 2:
            subjects.append(report_for_size(value))
    if len(subjects) < 2:
        return None
    return compare_answer(subjects[0], subjects[1], s.taken)


def _lora_shapes(preset: Preset) -> dict[str, tuple[str, int, int]]:
    """Every matrix LoRA can adapt in one layer of ``preset``, as (name, inputs, outputs)."""
    spec = preset.spec
    d, q, kv, inner = spec.hidden_size, spec.num_heads * spec.head_size, spec.kv_heads * spec.head_size, \
        spec.intermediate_size
    return {"q": ("q", d, q), "k": ("k", d, kv), "v": ("v", d, kv), "o": ("o", q, d),
            "gate": ("gate", d, inner), "up": ("up", d, inner), "down": ("down", inner, d)}


def _targets(s: Slots, shapes: dict[str, tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The matrices the question names (a dense MLP has no gate), else PEFT's default q and v."""
    names = s.targets or ("q", "v")
    gated = s.preset is not None and s.preset.spec.gated_mlp
    return [shapes[n] for n in names if n != "gate" or gated]


def _adapters(s: Slots) -> int | None:
    """LoRA's trainable parameters for a preset: rank r (PEFT's default 8) on the named matrices."""
    if s.method not in ("lora", "qlora") or s.preset is None or s.preset.published_only or s.preset.spec.is_moe:
        return None
    spec = s.preset.spec
    rank = s.rank or 8
    shapes = _targets(s, _lora_shapes(s.preset))
    count = parts.lora(rank, shapes, spec.num_layers)
    s.taken.append(f"LoRA rank {rank}{'' if s.rank else ' (PEFT default)'} on {', '.join(n for n, _, _ in shapes)}"
                   f"{'' if s.targets else ' (PEFT default)'} in all {spec.num_layers} layers")
    return count.total


def _lora(s: Slots) -> CalcAnswer | None:
    """LoRA's added parameters; with two counts given, which rank and matrices explain the difference."""
    if s.preset is None or s.preset.published_only or s.preset.spec.is_moe:
        return None
    spec = s.preset.spec
    d, L = spec.hidden_size, spec.num_layers
    shapes = _lora_shapes(s.preset)
    if s.params is not None and s.params2 is not None:
        diff = int(abs(s.params2 - s.params))
        choices = [s.targets] if s.targets else ["qv", "qkvo", "qkv", "q", "v", "qk"]
        matches = [parts.lora(rank, [shapes[t] for t in targets], L)
                   for targets in choices
                   for rank in ((s.rank,) if s.rank else (1, 2, 4, 8, 16, 32, 64, 128, 256))
                   if parts.lora(rank, [shapes[t] for t in targets], L).total == diff]
        if not matches:
            return None
        taken = [*s.taken, f"{int(max(s.params, s.params2)):,} − {int(min(s.params, s.params2)):,} = {diff:,} added",
                 f"{s.preset.title}: d {d:,}, {L} layers"]
        answer = part_answer(matches[0], taken)
        if len(matches) > 1:
            answer.markdown += "\n\nThe same number also comes from: " + "; ".join(m.title for m in matches[1:4]) + "."
        return answer
    rank = s.rank or 8
    count = parts.lora(rank, _targets(s, shapes), L)
    return part_answer(count, [*s.taken, f"rank {rank}{'' if s.rank else ' (PEFT default)'}"
                                         + ("" if s.targets else ", q and v (PEFT default)")])
