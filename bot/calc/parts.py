"""Exact counts for the parts of a network people ask about: a neuron, a linear layer, an embedding
table, an attention block, a feed-forward block, a norm, one transformer block, LoRA adapters, an
LSTM or GRU layer. Each count keeps its rows (what, how many, the arithmetic) so answers show the
working; the formulas are PyTorch's modules (``nn.Linear``, ``nn.Embedding``, ``nn.LSTM``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.calc.spec import check_int


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    working: str


@dataclass(frozen=True)
class PartCount:
    """A part's parameters, row by row; ``total`` is their sum."""

    title: str
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    plural: bool = False                      # "LoRA adapters ... have", "4 × ... layers have"

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)


def _c(n: int) -> str:
    return f"{n:,}"


def article(phrase: str) -> str:
    """ "a 1,024 → 4,096 layer", "an 8 → 1 layer", "an LSTM": the article by the first sound."""
    vowel = re.match(r"(?:8|11\b|11,|18\b|18,|[aeio]|lstm|rms|mlp|ffn|fc\b)", phrase.lower())
    return ("an " if vowel else "a ") + phrase


def linear_rows(n_in: int, n_out: int, bias: bool, label: str = "Linear") -> list[Row]:
    """nn.Linear: a weight per input-output pair, plus one bias per output."""
    rows = [Row(f"{label} weights", n_in * n_out, f"{_c(n_in)} × {_c(n_out)}")]
    if bias:
        rows.append(Row(f"{label} biases", n_out, f"one per output: {_c(n_out)}"))
    return rows


def neuron(inputs: int, bias: bool = True) -> PartCount:
    inputs = check_int("inputs", inputs)
    rows = [Row("Weights", inputs, f"one per input: {_c(inputs)}")]
    if bias:
        rows.append(Row("Bias", 1, "one per neuron"))
    return PartCount(f"a neuron with {_c(inputs)} input{'s' if inputs != 1 else ''}", tuple(rows))


def linear(n_in: int, n_out: int, bias: bool = True, repeat: int = 1) -> PartCount:
    n_in, n_out = check_int("inputs", n_in), check_int("outputs", n_out)
    repeat = check_int("layers", repeat, maximum=100_000)
    rows = linear_rows(n_in, n_out, bias)
    if repeat > 1:
        rows = [Row(r.label, r.count * repeat, f"{repeat} × ({r.working})") for r in rows]
    what = f"{_c(n_in)} → {_c(n_out)} linear layer"
    return PartCount(f"{repeat} × {what}s" if repeat > 1 else article(what), tuple(rows), plural=repeat > 1)


def regression(features: int) -> PartCount:
    features = check_int("features", features)
    return PartCount(f"linear regression with {_c(features)} feature{'s' if features != 1 else ''}",
                     (Row("Weights (coefficients)", features, f"one per feature: {_c(features)}"),
                      Row("Bias (intercept)", 1, "one")))


def embedding(vocab: int, d: int) -> PartCount:
    vocab, d = check_int("vocab_size", vocab), check_int("hidden_size", d)
    return PartCount(f"an embedding table of {_c(vocab)} tokens × {_c(d)} dimensions",
                     (Row("Embedding table", vocab * d, f"vocab {_c(vocab)} × d {_c(d)}"),))


def embedding_and_head(vocab: int, d: int, tied: bool) -> PartCount:
    vocab, d = check_int("vocab_size", vocab), check_int("hidden_size", d)
    rows = [Row("Input embeddings", vocab * d, f"vocab {_c(vocab)} × d {_c(d)}"),
            Row("Output head", 0 if tied else d * vocab,
                "tied: shares the embedding matrix" if tied else f"d {_c(d)} × vocab {_c(vocab)}")]
    return PartCount(f"embeddings and output head ({'tied' if tied else 'untied'}), {_c(vocab)} × {_c(d)}",
                     tuple(rows), plural=True)


def attention(d: int, heads: int | None = None, kv_heads: int | None = None, bias: bool = False,
              head_dim: int | None = None) -> PartCount:
    """Q, K, V and output projections; with grouped-query attention K and V have kv_heads × head_dim outputs."""
    d = check_int("hidden_size", d)
    if kv_heads is not None and heads is None:
        heads = kv_heads
    hd = head_dim or (d // heads if heads else d)
    q = (heads or 1) * hd if heads else d
    kv = (kv_heads * hd) if kv_heads else q
    rows = (linear_rows(d, q, bias, "Q") + linear_rows(d, kv, bias, "K") + linear_rows(d, kv, bias, "V")
            + linear_rows(q, d, bias, "Output"))
    gqa = f", {kv_heads} KV heads (GQA)" if kv_heads and heads and kv_heads != heads else ""
    return PartCount(f"an attention block, d = {_c(d)}{f', {heads} heads' if heads else ''}{gqa}", tuple(rows))


def ffn(d: int, inner: int, gated: bool, bias: bool = False) -> PartCount:
    d, inner = check_int("hidden_size", d), check_int("intermediate_size", inner)
    rows = linear_rows(d, inner, bias, "Up")
    if gated:
        rows = linear_rows(d, inner, bias, "Gate") + rows
    rows += linear_rows(inner, d, bias, "Down")
    return PartCount(f"a {'gated (SwiGLU) ' if gated else ''}feed-forward block, {_c(d)} → {_c(inner)} → {_c(d)}",
                     tuple(rows))


def norm(d: int, kind: str) -> PartCount:
    d = check_int("hidden_size", d)
    if kind == "rmsnorm":
        return PartCount(f"an RMSNorm over {_c(d)} channels", (Row("Scale", d, f"one per channel: {_c(d)}"),))
    return PartCount(f"a LayerNorm over {_c(d)} channels", (Row("Scale (gain)", d, f"one per channel: {_c(d)}"),
                                                             Row("Shift (bias)", d, f"one per channel: {_c(d)}")))


def block(d: int, inner: int, gated: bool, norm_kind: str, bias: bool, heads: int | None = None,
          kv_heads: int | None = None) -> PartCount:
    """One transformer block: attention, feed-forward and two norms (pre-norm, as GPT-2 and Llama)."""
    a, f, n = attention(d, heads, kv_heads, bias), ffn(d, inner, gated, bias), norm(d, norm_kind)
    rows = (Row("Attention (Q, K, V, O)", a.total, " + ".join(_c(r.count) for r in a.rows)),
            Row("Feed-forward", f.total, " + ".join(_c(r.count) for r in f.rows)),
            Row("Two norms", 2 * n.total, f"2 × {_c(n.total)}"))
    return PartCount(f"one transformer block, d = {_c(d)}, FFN {_c(inner)}", rows)


def lora(rank: int, shapes: list[tuple[str, int, int]], layers: int) -> PartCount:
    """LoRA adds A (r × d_in) and B (d_out × r) beside each adapted matrix: r × (d_in + d_out)."""
    rank, layers = check_int("rank", rank), check_int("layers", layers, maximum=100_000)
    rows = tuple(Row(f"{name} adapter", layers * rank * (n_in + n_out),
                     f"{layers} layers × r {rank} × ({_c(n_in)} + {_c(n_out)})") for name, n_in, n_out in shapes)
    names = dict.fromkeys(n for n, _, _ in shapes)
    where = ", ".join((article(n) if " " in n else n) if (k := sum(1 for x in shapes if x[0] == n)) == 1
                      else f"{k} × {n.replace('matrix', 'matrices')}" for n in names)
    per = f" in {layers} layers" if layers > 1 else ""
    return PartCount(f"LoRA adapters of rank {rank} on {where}{per}", rows, plural=True)


def conv(in_channels: int, out_channels: int, kernel: tuple[int, ...], bias: bool = True) -> PartCount:
    """A convolution (nn.Conv1d/2d/3d, Keras Conv2D): one kernel of in_channels × kernel size per output
    channel, plus one bias per output channel; the image size adds nothing."""
    cin, cout = check_int("in_channels", in_channels), check_int("out_channels", out_channels)
    size = 1
    for k in kernel:
        size *= check_int("kernel_size", k)
    shape = " × ".join(_c(k) for k in kernel)
    rows = [Row("Weights", cout * cin * size,
                f"{_c(cout)} filter{'s' * (cout != 1)} × {_c(cin)} channel{'s' * (cin != 1)} × {shape}")]
    if bias:
        rows.append(Row("Biases", cout, f"one per filter: {_c(cout)}"))
    note = ("The input's height and width add no parameters: the same kernel slides over every position, which is "
            "why a convolution has far fewer parameters than a dense layer on the same image.")
    return PartCount(article(f"{len(kernel)}D convolution, {_c(cin)} → {_c(cout)} channels, {shape} kernel"),
                     tuple(rows), (note,))


def recurrent(kind: str, inputs: int, hidden: int, layers: int = 1) -> PartCount:
    """PyTorch's nn.LSTM/nn.GRU: 4 (or 3) gates, each with input and recurrent weights and two bias vectors.
    Stacked (num_layers > 1), every layer after the first reads the one below: its inputs are ``hidden`` wide."""
    inputs, hidden = check_int("input_size", inputs), check_int("hidden_size", hidden)
    gates = 4 if kind == "lstm" else 3
    if layers > 1:
        first, upper = recurrent(kind, inputs, hidden), recurrent(kind, hidden, hidden)
        n = layers - 1
        rows = (Row("Layer 1", first.total, f"inputs {_c(inputs)} → hidden {_c(hidden)}"),
                Row(f"Layers 2-{layers}" if layers > 2 else "Layer 2", n * upper.total,
                    (f"{n} × " if n > 1 else "") + f"{_c(upper.total)} (inputs {_c(hidden)} → hidden {_c(hidden)})"))
        return PartCount(article(f"{layers}-layer {kind.upper()}, {_c(inputs)} inputs → {_c(hidden)} hidden"), rows,
                         ("Each layer has input weights, recurrent weights and two bias vectors per gate "
                          "(PyTorch); Keras counts one bias vector per gate.",))
    rows = (Row("Input weights", gates * hidden * inputs, f"{gates} gates × {_c(hidden)} × {_c(inputs)}"),
            Row("Recurrent weights", gates * hidden * hidden, f"{gates} gates × {_c(hidden)} × {_c(hidden)}"),
            Row("Biases (b_ih and b_hh)", 2 * gates * hidden, f"2 × {gates} gates × {_c(hidden)}"))
    keras = gates * (hidden * (inputs + hidden) + hidden)
    note = (f"Keras counts one bias vector per gate: {_c(keras)}." if kind == "lstm"
            else f"Keras' GRU with reset_after=True (its default) also has two bias vectors; with reset_after=False "
                 f"it has one: {_c(keras)}.")
    return PartCount(article(f"{kind.upper()} layer, {_c(inputs)} inputs → {_c(hidden)} hidden"), rows, (note,))
