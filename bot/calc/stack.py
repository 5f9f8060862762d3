"""A model written as code, counted layer by layer: what ``model.summary()`` or ``torchinfo`` would print.

People paste their Keras ``Sequential`` or PyTorch ``nn.Sequential`` / ``nn.Module`` and ask why a
layer has 51,264 parameters or what the total is. Single constructors ("nn.Linear(4096, 11008)") are
the reader's (``bot.calc.reader``); this module reads a *stack* of them in the order written and, for
Keras, carries the shape from layer to layer (a convolution's input channels, a Dense layer's inputs
after Flatten), because Keras layers name only their outputs. A size the code does not give (an
``input_shape`` held in a variable) leaves that layer uncounted and says so; nothing is guessed.

Pure Python and regular expressions only: no framework is imported or run.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.calc import fmt

#: Constructors read, in either framework ("nn." or "layers." prefixes are optional).
_CALL = re.compile(
    r"(?<![\w.])(?:(?:torch\.)?nn\.|(?:tf\.)?(?:keras\.)?layers\.)?"
    r"(Linear|Conv[123]d|Conv[123]D|Convolution[12]D|Embedding|LSTM|GRU|SimpleRNN|RNN|BatchNorm[123]d|"
    r"BatchNormalization|LayerNorm|LayerNormalization|Dense|Flatten|MaxPool(?:ing)?[12]D|AveragePooling[12]D|"
    r"AvgPool[12]D|GlobalAveragePooling[12]D|GlobalMaxPooling[12]D|GlobalAvgPool[12]D|Dropout|Activation|"
    r"ReLU|LeakyReLU|Softmax|Reshape)\s*\(")

_ZERO = {"flatten", "dropout", "activation", "relu", "leakyrelu", "softmax", "reshape"}
_MAX_LAYERS = 200
_MAX_SIZE = 10**7                     # a width or channel count beyond this is not a layer anyone wrote


@dataclass(frozen=True)
class Layer:
    """One constructor: its name as written, its parameters (None when a size is missing) and the working."""

    name: str
    params: int | None
    working: str
    shape: tuple[int | None, ...] | None = None   # Keras output shape, without the batch axis
    non_trainable: int = 0                         # BatchNormalization's moving mean and variance


@dataclass(frozen=True)
class Stack:
    framework: str                                 # "keras" or "pytorch"
    layers: tuple[Layer, ...]
    given: bool = False                            # the counts are a pasted summary's, not worked out here

    @property
    def counted(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.params is not None]

    @property
    def total(self) -> int:
        return sum(layer.params or 0 for layer in self.layers)

    @property
    def complete(self) -> bool:
        return all(layer.params is not None for layer in self.layers)


def _args(text: str, start: int) -> str | None:
    """The argument text of the call whose "(" ends at ``start``, balanced and bounded."""
    depth, i = 1, start
    end = min(len(text), start + 400)
    while i < end:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1
    return None


def _split(args: str) -> tuple[list[str], dict[str, str]]:
    """Positional and keyword arguments, split at top-level commas."""
    items, depth, current = [], 0, ""
    for c in args:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += c
    if current.strip():
        items.append(current.strip())
    positional, keywords = [], {}
    for item in items:
        m = re.match(r"^([A-Za-z_]\w*)\s*=\s*(.+)$", item, re.S)
        if m:
            keywords[m.group(1)] = m.group(2).strip()
        else:
            positional.append(item)
    return positional, keywords


def _int(value: str | None) -> int | None:
    """A size written as a number or a product of numbers ("16 * 5 * 5"); None for anything else."""
    if value is None or not re.fullmatch(r"\s*\d{1,8}(?:\s*\*\s*\d{1,8}){0,3}\s*", value):
        return None
    n = math.prod(int(x) for x in value.split("*"))
    return n if 0 < n <= _MAX_SIZE else None


def _ints(value: str | None) -> tuple[int | None, ...] | None:
    """ "(28, 28, 1)" → (28, 28, 1); "(None, 100)" → (None, 100); "3" → (3,); a variable → None."""
    if value is None:
        return None
    inner = value.strip()
    if inner.startswith(("(", "[")) and inner.endswith((")", "]")):
        inner = inner[1:-1]
    items = [x.strip() for x in inner.split(",") if x.strip()]
    if not items:
        return None
    out: list[int | None] = []
    for item in items:
        if item == "None":
            out.append(None)
        elif (n := _int(item)) is not None:
            out.append(n)
        else:
            return None
    return tuple(out)


def _false(value: str | None) -> bool:
    return value is not None and value.strip() == "False"


def read_stack(code: str) -> Stack | None:
    """The layers of a model written as code, in order; None unless at least two of them have parameters."""
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    for seen, m in enumerate(_CALL.finditer(code)):
        if seen > _MAX_LAYERS:
            return None                 # not a model anyone wrote by hand
        args = _args(code, m.end())
        if args is not None:
            calls.append((m.group(1), *_split(args)))
    weighted = [c for c in calls if c[0].lower() not in _ZERO and not c[0].lower().startswith(
        ("maxpool", "averagepool", "avgpool", "globalaverage", "globalmax", "globalavg"))]
    if len(weighted) < 2:
        return None
    torch = bool(re.search(r"(?<![\w.])nn\.[A-Z]\w*\s*\(", code)) or any(
        re.fullmatch(r"Linear|LayerNorm|RNN|Conv[123]d|BatchNorm[123]d", name) for name, _, _ in calls)
    layers = _pytorch(calls) if torch else _keras(calls)
    if sum(1 for layer in layers if layer.params is not None) < 1:
        return None
    return Stack("pytorch" if torch else "keras", tuple(layers))


# --- PyTorch: every constructor states its own sizes -----------------------------------------------------

def _pytorch(calls: list[tuple[str, list[str], dict[str, str]]]) -> list[Layer]:
    layers = []
    for name, pos, kw in calls:
        low = name.lower()
        get = lambda i, key: _int(kw.get(key)) if key in kw else (_int(pos[i]) if len(pos) > i else None)  # noqa: E731
        params, working = None, "a size is not a number in the code"
        if low == "linear":
            n_in, n_out = get(0, "in_features"), get(1, "out_features")
            bias = not _false(kw.get("bias"))
            if n_in and n_out:
                params = n_in * n_out + (n_out if bias else 0)
                working = f"{n_in:,} × {n_out:,}" + (f" + {n_out:,} biases" if bias else " (bias=False)")
        elif re.fullmatch(r"conv[123]d", low):
            cin, cout = get(0, "in_channels"), get(1, "out_channels")
            kernel = _ints(kw.get("kernel_size") or (pos[2] if len(pos) > 2 else None))
            dims = int(low[4])
            bias = not _false(kw.get("bias"))
            groups = _int(kw.get("groups")) or 1
            if cin and cout and kernel and all(kernel):
                kernel = kernel * dims if len(kernel) == 1 else kernel
                size = math.prod(k for k in kernel if k)
                params = cout * (cin // groups) * size + (cout if bias else 0)
                working = (f"{cout:,} × {cin // groups:,} × {' × '.join(map(str, kernel))}"
                           + (f" + {cout:,} biases" if bias else " (bias=False)"))
        elif low == "embedding":
            n, d = get(0, "num_embeddings"), get(1, "embedding_dim")
            if n and d:
                params, working = n * d, f"{n:,} × {d:,}"
        elif low in ("lstm", "gru", "rnn"):
            n_in, hidden = get(0, "input_size"), get(1, "hidden_size")
            stacked = get(2, "num_layers") or 1
            gates = {"lstm": 4, "gru": 3, "rnn": 1}[low]
            bidirectional = 2 if kw.get("bidirectional", "").strip() == "True" else 1
            bias = 0 if _false(kw.get("bias")) else 2
            if n_in and hidden:
                params, parts = 0, []
                for i in range(stacked):
                    width = n_in if i == 0 else hidden * bidirectional
                    params += bidirectional * gates * hidden * (width + hidden + bias)
                    parts.append(f"{bidirectional} × {gates} × {hidden:,} × ({width:,} + {hidden:,}"
                                 + (" + 2)" if bias else ")") if bidirectional > 1 else
                                 f"{gates} × {hidden:,} × ({width:,} + {hidden:,}" + (" + 2)" if bias else ")"))
                working = " + ".join(parts)
        elif low.startswith("batchnorm") or low == "layernorm":
            c = get(0, "num_features" if low.startswith("batchnorm") else "normalized_shape")
            affine = not _false(kw.get("affine") or kw.get("elementwise_affine"))
            if c:
                params = 2 * c if affine else 0
                working = f"2 × {c:,} (weight and bias)" if affine else "no affine parameters"
        else:
            params, working = 0, "no parameters"
        layers.append(Layer(name, params, working))
    return layers


# --- Keras: layers name their outputs; inputs come from the layer before -------------------------------

def _n(count: int, word: str) -> str:
    return f"{count:,} {word if count == 1 else word + ('es' if word.endswith('s') else 's')}"


def _conv_out(size: int | None, kernel: int, stride: int, same: bool) -> int | None:
    if size is None:
        return None
    out = -(-size // stride) if same else (size - kernel) // stride + 1
    return out if out > 0 else None


def _keras(calls: list[tuple[str, list[str], dict[str, str]]]) -> list[Layer]:
    shape: tuple[int | None, ...] | None = None
    layers = []
    for name, pos, kw in calls:
        low = name.lower()
        given = _ints(kw.get("input_shape") or kw.get("batch_input_shape"))
        if kw.get("batch_input_shape") and given:
            given = given[1:]
        if given is None and _int(kw.get("input_dim")) and low != "embedding":
            given = (_int(kw.get("input_dim")),)
        if given is not None:
            shape = given
        elif "input_shape" in kw:
            shape = None                    # input_shape=input_shape: a variable the code does not show
        params: int | None = 0
        working, out, frozen = "no parameters", shape, 0
        last = shape[-1] if shape else None
        if low == "dense":
            units = _int(kw.get("units") or (pos[0] if pos else None))
            bias = not _false(kw.get("use_bias") or kw.get("bias"))
            params, out = None, ((shape[:-1] if shape else ()) + (units,)) if units else None
            working = "needs the size of its input, which the code does not give"
            if units and last:
                params = last * units + (units if bias else 0)
                working = f"{_n(last, 'input')} × {_n(units, 'unit')}" + (f" + {_n(units, 'bias')}" if bias else " (use_bias=False)")
        elif re.fullmatch(r"conv[123]d|convolution[12]d", low):
            dims = int(re.search(r"\d", low).group())
            filters = _int(kw.get("filters") or kw.get("nb_filter") or (pos[0] if pos else None))
            if low.startswith("convolution") and dims == 2 and len(pos) >= 3:   # Keras 1: (nb_filter, nb_row, nb_col)
                kernel = (_int(pos[1]), _int(pos[2]))
            else:
                kernel = _ints(kw.get("kernel_size") or (pos[1] if len(pos) > 1 else None))
                if kernel is None and low.startswith("convolution") and dims == 1:
                    kernel = _ints(kw.get("filter_length"))
            bias = not _false(kw.get("use_bias") or kw.get("bias"))
            same = "same" in (kw.get("padding") or kw.get("border_mode") or "")
            strides = _ints(kw.get("strides") or kw.get("subsample")) or (1,)
            params, out = None, None
            working = "needs the channels of its input, which the code does not give"
            if kernel and all(kernel):
                kernel = kernel * dims if len(kernel) == 1 else kernel
                strides = strides * dims if len(strides) == 1 else strides
                if filters and last:
                    params = filters * last * math.prod(k for k in kernel if k) + (filters if bias else 0)
                    working = (f"{filters:,} filters × {' × '.join(map(str, kernel))} × {last:,} channels"
                               + (f" + {filters:,} biases" if bias else " (use_bias=False)"))
                if filters:                 # the channels are known even when the image size is not
                    out = tuple(_conv_out(shape[i], kernel[i], strides[i] or 1, same)
                                if shape is not None and len(shape) == dims + 1 else None for i in range(dims)) + (filters,)
        elif re.match(r"(?:maxpool(?:ing)?|averagepooling|avgpool)([12])d", low):
            dims = int(re.search(r"\d", low).group())
            pool = _ints(kw.get("pool_size") or (pos[0] if pos else None)) or (2,)
            pool = pool * dims if len(pool) == 1 else pool
            strides = _ints(kw.get("strides") or (pos[1] if len(pos) > 1 else None)) or pool
            strides = strides * dims if len(strides) == 1 else strides
            same = "same" in (kw.get("padding") or kw.get("border_mode") or "")
            out = None
            if shape is not None and len(shape) == dims + 1 and all(pool) and all(strides):
                out = tuple(_conv_out(shape[i], pool[i], strides[i], same) if shape[i] else None
                            for i in range(dims)) + (shape[-1],)
        elif low.startswith(("globalaverage", "globalmax", "globalavg")):
            out = (last,) if shape else None
        elif low == "flatten":
            out = (math.prod(shape),) if shape and all(shape) else None
        elif low == "reshape":
            out = _ints(kw.get("target_shape") or (pos[0] if pos else None))
        elif low == "embedding":
            n = _int(kw.get("input_dim") or (pos[0] if pos else None))
            d = _int(kw.get("output_dim") or (pos[1] if len(pos) > 1 else None))
            params, working = (n * d, f"{n:,} × {d:,}") if n and d else (None, "a size is not a number in the code")
            length = _int(kw.get("input_length"))
            out = (length, d) if d else None
        elif low in ("lstm", "gru", "simplernn"):
            units = _int(kw.get("units") or (pos[0] if pos else None))
            gates = {"lstm": 4, "gru": 3, "simplernn": 1}[low]
            extra = 2 if low == "gru" and not _false(kw.get("reset_after")) else 1   # GRU's reset_after=True default
            params, working = None, "needs the size of its input, which the code does not give"
            if units and last:
                params = gates * (units * (last + units) + extra * units)
                working = f"{gates} × ({units:,} × ({last:,} + {units:,}) + {extra * units:,})"
            sequences = (kw.get("return_sequences") or "").strip() == "True"
            out = ((shape[0] if shape and len(shape) > 1 else None, units) if sequences else (units,)) if units else None
        elif low == "batchnormalization":        # gamma and beta, and the moving mean and variance
            params, frozen = (4 * last, 2 * last) if last else (None, 0)
            working = (f"4 × {last:,} (gamma and beta; the moving mean and variance are non-trainable)" if last
                       else "needs the size of its input")
        elif low == "layernormalization":
            params = 2 * last if last else None
            working = f"2 × {last:,} (gamma and beta)" if last else "needs the size of its input"
        layers.append(Layer(name, params, working, out, frozen))
        shape = out
    return layers


# --- A pasted model.summary(): the counts are given; the working is recovered from the shapes ------------

_SUMMARY_ROW = re.compile(r"^[ \t│|┃]*([\w./-]+)[ \t]*\((\w+)\)?[ \t]*[│|┃]?[ \t]*\[?\(([^()\n]*)\)\]?[ \t]*[│|┃]?"
                          r"[ \t]*([\d,]+)[ \t]*[│|┃]?(?:[ \t]*\S.*)?$", re.M)


def read_summary(text: str) -> Stack | None:
    """The rows of a pasted Keras ``model.summary()`` table (Keras 2 or 3), each count explained from its
    output shape and the previous row's; None unless the table has at least two rows with parameters."""
    rows = []
    for m in _SUMMARY_ROW.finditer(text[:20_000]):
        shape = _ints("(" + m.group(3) + ")")
        count = m.group(4).replace(",", "")
        if shape is None or not count.isdigit() or len(count) > 13:
            continue
        shape = shape[1:] if len(shape) > 1 and shape[0] is None else shape     # the batch axis
        rows.append((m.group(2), shape, int(count)))
        if len(rows) > _MAX_LAYERS:
            return None
    if sum(1 for _, _, count in rows if count) < 2:
        return None
    layers, previous = [], None
    for kind, shape, count in rows:
        layers.append(Layer(kind, count, _explain(kind.lower(), shape, previous, count), shape))
        previous = shape
    return Stack("keras", tuple(layers), given=True)


def _explain(kind: str, shape: tuple[int | None, ...], previous: tuple[int | None, ...] | None, count: int) -> str:
    """How a summary row's count arises, when its shape and the previous row's make it unambiguous."""
    if count == 0:
        return "no parameters"
    out, before = shape[-1] if shape else None, previous[-1] if previous else None
    if not out:
        return ""
    if kind.startswith("dense") and before:
        if (before + 1) * out == count:
            return f"({_n(before, 'input')} + 1 bias) × {_n(out, 'unit')}"
        if before * out == count:
            return f"{_n(before, 'input')} × {_n(out, 'unit')}, no biases"
    if kind.startswith("conv") and before and count % out == 0:
        per = count // out - 1                  # kernel height × width × input channels, per filter
        for bias, size in ((1, per), (0, per + 1)):
            if size % before == 0:
                k = math.isqrt(size // before)
                kernel = f"{k} × {k}" if k * k == size // before else f"{size // before:,}"
                return f"({kernel} kernel × {_n(before, 'channel')}" + (" + 1 bias" if bias else "") + f") × {_n(out, 'filter')}"
    if kind.startswith(("conv", "dense")) and not before and count % out == 0 and count // out > 1:
        per = count // out - 1                  # the first layer: its input is not in the table
        return (f"({per:,} kernel weights + 1 bias) × {out:,} filters" if kind.startswith("conv")
                else f"({per:,} inputs + 1 bias) × {out:,} units")
    if kind.startswith("embedding") and count % out == 0:
        return f"{count // out:,} tokens × {out:,} dimensions"
    if kind.startswith("batch") and count == 4 * out:             # "BatchNormalization", or cut to "Batch"
        return f"4 × {out:,} (gamma, beta, moving mean and moving variance; the last two non-trainable)"
    if kind.startswith(("layernormalization",)) and count == 2 * out:
        return f"2 × {out:,} (gamma and beta)"
    for name, gates, extra in (("lstm", 4, 1), ("gru", 3, 2), ("gru", 3, 1), ("simplernn", 1, 1)):
        if kind.startswith(name) and before and gates * (out * (before + out) + extra * out) == count:
            return f"{gates} × ({out:,} × ({before:,} inputs + {out:,} recurrent) + {extra * out:,} biases)"
    return ""


# --- The answer ---------------------------------------------------------------------------------------

def _shape(shape: tuple[int | None, ...] | None) -> str:
    if shape is None:
        return "?"
    return "(None, " + ", ".join("None" if s is None else str(s) for s in shape) + ")"


def stack_markdown(stack: Stack) -> str:
    """The summary table, the total (or what is counted and what is missing), and the rule behind it."""
    keras = stack.framework == "keras"
    counted = stack.counted
    if stack.given:
        head = f"**The summary's layers add up to {fmt.commas(stack.total)} parameters.**"
    elif stack.complete:
        head = f"**This model has {fmt.commas(stack.total)} parameters.**"
    else:
        missing = len(stack.layers) - len(counted)
        head = (f"**The layers the code fully describes have {fmt.commas(stack.total)} parameters; "
                f"{missing} layer{'s' * (missing != 1)} cannot be counted from the code alone.**")
    lines = [head, ""]
    lines += ["| # | Layer | Output shape | Parameters | Working |", "|---:|---|---|---:|---|"] if keras else \
        ["| # | Layer | Parameters | Working |", "|---:|---|---:|---|"]
    for i, layer in enumerate(stack.layers, 1):
        count = fmt.commas(layer.params) if layer.params is not None else "?"
        row = [str(i), layer.name] + ([_shape(layer.shape)] if keras else []) + [count, layer.working]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("| | **Total** |" + (" |" if keras else "") + f" **{fmt.commas(stack.total)}**"
                 + ("" if stack.complete else " counted") + " | |")
    frozen = sum(layer.non_trainable for layer in stack.layers)
    if frozen:
        lines += ["", f"Of these, {fmt.commas(frozen)} are BatchNormalization's moving means and variances, "
                      "which Keras lists as non-trainable."]
    lines += ["", "A dense layer has one weight per input for each unit plus one bias per unit; a convolution has "
                  "one kernel (kernel height × width × input channels) per filter plus one bias per filter, "
                  "whatever the image size; pooling, flattening, dropout and activations have none."]
    if stack.given:
        lines.append("The counts are the summary's own; each working is recovered from the layer's output shape and "
                     "the previous layer's (blank where they do not settle it).")
    elif keras:
        lines.append("Keras layers name only their outputs, so each layer's inputs are the previous layer's "
                     "output shape (padding 'valid' and stride 1 unless the code says otherwise).")
    return "\n".join(lines)


def stack_answer(stack: Stack) -> "CalcAnswer":
    """The calculator's answer for a model written as code (``explain --json`` keeps the layers)."""
    from bot.calc.answers import EX_DENSE, CalcAnswer

    rows = [{"label": layer.name, "count": layer.params, "working": layer.working,
             **({"output_shape": list(layer.shape)} if stack.framework == "keras" and layer.shape else {})}
            for layer in stack.layers]
    calc = {"kind": "part", "intent": "params", "title": f"a {stack.framework} model written as code",
            "params_total": stack.total, "params_active": stack.total, "complete": stack.complete,
            "components": {f"{i}: {layer.name}": layer.params for i, layer in enumerate(stack.layers, 1)},
            "rows": rows, "memory_bytes": {}, "flops": {}, "family": "part",
            "taken_as": [f"{stack.framework} defaults where the code is silent"]}
    return CalcAnswer("Parameters of the model in the code", stack_markdown(stack), calc, [EX_DENSE])
