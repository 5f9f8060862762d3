"""Recompute every number printed in the hand-arithmetic worked examples of the knowledge base.

The parameter calculator cannot express a forward pass, a gradient step or a softmax, so this test
does the arithmetic itself, in plain Python, without importing paramsbot.

Each example listed in RECOMPUTE has a ``numbers:`` mapping in its front matter and a
``precision:`` (decimal places used for rounded values). Three independent checks run on it:

1. **Mapping against recomputation.** A recompute function takes the example's inputs from the
   mapping, redoes the whole calculation at full precision and returns every derived value. Each
   must be in the mapping and agree within 2 units of the last printed decimal (the examples round
   intermediate results the way a person with a calculator would, so the last digit may drift by
   one). No unknown keys are allowed, so stale numbers cannot linger.
2. **Every arithmetic line in the body.** In each ```text block, a line ``label: a = b ≈ c`` is split
   on ``=`` and ``≈``; every side that is pure arithmetic is evaluated, and neighbouring sides must
   agree: exactly for ``=``, within half a unit of the printed last decimal for ``≈``.
3. **No unchecked numbers.** Every number in the body, in prose or as an operand in an arithmetic
   line, must be a mapping value or the printed result of a relation verified in step 2 (small
   counts up to 12, years and powers of ten excepted). So an operand copied wrongly from an earlier
   line, a number edited in the prose, or a typo in a table makes the test fail.

Dense-network ``checks:`` entries (``layers: "784,128,64,10"``) are also recomputed here, so the
counts are verified even without the calculator.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from pathlib import Path

import pytest
import yaml

KB = Path(__file__).resolve().parents[1] / "kb"

# --------------------------------------------------------------------------------------------
# Reading the Markdown
# --------------------------------------------------------------------------------------------


def read_example(name: str) -> tuple[dict, str]:
    text = (KB / "examples" / name).read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    assert match, f"{name}: no front matter"
    return yaml.safe_load(match.group(1)), match.group(2)


def text_blocks(body: str) -> list[str]:
    return re.findall(r"^```text\n(.*?)^```", body, re.S | re.M)


# --------------------------------------------------------------------------------------------
# A tiny, safe arithmetic evaluator for the ```text lines
# --------------------------------------------------------------------------------------------

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_FUNCS = {
    "exp": math.exp, "ln": math.log, "sqrt": math.sqrt, "max": max, "min": min,
    "ReLU": lambda z: max(0.0, z), "relu": lambda z: max(0.0, z),
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
}


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS and not node.keywords):
        return float(_FUNCS[node.func.id](*[_eval(arg) for arg in node.args]))
    raise ValueError("not plain arithmetic")


def _strip_thousands(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


def evaluate(segment: str) -> float | None:
    """The value of a pure-arithmetic segment, or None if it holds names or words."""
    source = _strip_thousands(segment.strip()).replace("^", "**")
    if not source or not re.search(r"\d", source):
        return None
    try:
        return _eval(ast.parse(source, mode="eval"))
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None


def _decimals(segment: str) -> int | None:
    """Decimal places of a segment that is a single printed number, else None."""
    match = re.fullmatch(r"\s*-?[\d,]*\d(?:\.(\d+))?\s*", segment)
    if not match:
        return None
    return len(match.group(1) or "")


def check_line(line: str) -> tuple[int, list[str], list[float]]:
    """Verify one arithmetic line.

    Returns (relations checked, errors, results): results are the printed plain numbers that a
    checked relation confirmed, such as the 1.1 in ``0.5 * 1.0 + 0.25 * 2.0 + 0.1 = 1.1``. The
    operands inside an expression are not results; they must be justified elsewhere.
    """
    rest = line.split(":", 1)[1] if ":" in line else line
    parts = re.split(r"(=|≈)", rest)
    segments, relations = parts[0::2], parts[1::2]
    checked, errors, results = 0, [], []
    previous: tuple[float, str] | None = None
    approx = False
    for index, segment in enumerate(segments):
        value = evaluate(segment)
        if index > 0 and relations[index - 1] == "≈":
            approx = True
        if value is None:
            continue
        if previous is not None:
            prev_value, prev_segment = previous
            if approx:
                places = [p for p in (_decimals(segment), _decimals(prev_segment)) if p is not None]
                tolerance = 0.5 * 10 ** -min(places) + 1e-12 if places else 1e-9
            else:
                tolerance = 1e-12 * max(1.0, abs(value))
            if abs(prev_value - value) > tolerance:
                errors.append(f"{line.strip()!r}: {prev_segment.strip()} = {prev_value!r} "
                              f"but {segment.strip()} = {value!r}")
            else:
                results += [v for v, s in ((prev_value, prev_segment), (value, segment))
                            if _decimals(s) is not None]
            checked += 1
        previous, approx = (value, segment), False
    return checked, errors, results


def numbers_in(text: str) -> list[float]:
    """Every number written in text, ignoring digits that belong to words (x1, fp16, 7B)."""
    found = []
    for match in re.finditer(
            r"(?<![A-Za-z0-9_.\-])(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![A-Za-z0-9_]|\.\d)"
            r"|(?<=[A-Za-z0-9_])-(\d+(?:\.\d+)?)(?![A-Za-z0-9_]|\.\d)", text):
        if match.group(4) is not None:  # "784-128": a hyphen after a word or digit is no sign
            found.append(float(match.group(4)))
            continue
        sign, whole, frac = match.group(1), match.group(2).replace(",", ""), match.group(3) or ""
        found.append(float(sign + whole + frac))
    return found


def flatten(value) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in flatten(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in flatten(v)]
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    return []


def close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-12 * max(1.0, abs(a), abs(b))


# --------------------------------------------------------------------------------------------
# Independent recomputations, one per example
# --------------------------------------------------------------------------------------------


def relu(z: float) -> float:
    return max(0.0, z)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def recompute_forward_pass(n: dict) -> dict:
    z1 = n["w11"] * n["x1"] + n["w21"] * n["x2"] + n["b1"]
    z2 = n["w12"] * n["x1"] + n["w22"] * n["x2"] + n["b2"]
    h1, h2 = relu(z1), relu(z2)
    # Without an activation, the network collapses to y = c1*x1 + c2*x2 + c0.
    c1 = n["u1"] * n["w11"] + n["u2"] * n["w12"]
    c2 = n["u1"] * n["w21"] + n["u2"] * n["w22"]
    c0 = n["u1"] * n["b1"] + n["u2"] * n["b2"] + n["b3"]
    return {
        # the parameter table, one row per neuron: incoming weights then bias
        "neuron1": [n["w11"], n["w21"], n["b1"]], "neuron2": [n["w12"], n["w22"], n["b2"]],
        "output_neuron": [n["u1"], n["u2"], n["b3"]],
        "z1": z1, "z2": z2, "h1": h1, "h2": h2,
        "y": n["u1"] * h1 + n["u2"] * h2 + n["b3"],
        "y_without_activation": n["u1"] * z1 + n["u2"] * z2 + n["b3"],
        "c1": c1, "c2": c2, "c0": c0,
        "y_collapsed": c1 * n["x1"] + c2 * n["x2"] + c0,
        "weights": 2 * 2 + 2 * 1, "biases": 2 + 1, "parameters": 2 * 2 + 2 + 2 * 1 + 1,
    }


def _mse(a: float, b: float, xs: list, ys: list) -> float:
    return sum((a * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)


def recompute_fitting_a_line(n: dict) -> dict:
    xs, ys, lr = n["xs"], n["ys"], n["learning_rate"]
    a, b = n["a_start"], n["b_start"]
    out: dict = {"gradient_factor": 2 / len(xs)}
    for step in (1, 2, 3):
        predictions = [a * x + b for x in xs]
        errors = [p - y for p, y in zip(predictions, ys)]
        grad_a = 2 / len(xs) * sum(e * x for e, x in zip(errors, xs))
        grad_b = 2 / len(xs) * sum(errors)
        out[f"step{step}_predictions"] = predictions
        out[f"step{step}_errors"] = errors
        out[f"step{step}_squares"] = [e * e for e in errors]
        out[f"step{step}_loss"] = _mse(a, b, xs, ys)
        out[f"step{step}_grad_a"] = grad_a
        out[f"step{step}_grad_b"] = grad_b
        a, b = a - lr * grad_a, b - lr * grad_b
        out[f"step{step}_a"] = a
        out[f"step{step}_b"] = b
    out["final_errors"] = [a * x + b - y for x, y in zip(xs, ys)]
    out["final_loss"] = _mse(a, b, xs, ys)
    # Keep going: the claim that a and b approach the true line.
    for _ in range(5000):
        errors = [a * x + b - y for x, y in zip(xs, ys)]
        a, b = (a - lr * 2 / len(xs) * sum(e * x for e, x in zip(errors, xs)),
                b - lr * 2 / len(xs) * sum(errors))
    out["a_limit"], out["b_limit"] = round(a, 6), round(b, 6)
    # One step with a learning rate that is too large.
    big = n["big_learning_rate"]
    errors = [n["a_start"] * x + n["b_start"] - y for x, y in zip(xs, ys)]
    a_big = n["a_start"] - big * 2 / len(xs) * sum(e * x for e, x in zip(errors, xs))
    b_big = n["b_start"] - big * 2 / len(xs) * sum(errors)
    out["big_a"], out["big_b"] = a_big, b_big
    out["big_errors"] = [a_big * x + b_big - y for x, y in zip(xs, ys)]
    out["big_loss"] = _mse(a_big, b_big, xs, ys)
    return out


def recompute_single_neuron(n: dict) -> dict:
    x, t, w, b, lr = n["x"], n["target"], n["w"], n["b"], n["learning_rate"]
    z = w * x + b
    p = sigmoid(z)
    dl_dp = 2 * (p - t)
    dp_dz = p * (1 - p)
    dl_dz = dl_dp * dp_dz
    w_new, b_new = w - lr * dl_dz * x, b - lr * dl_dz
    z_new = w_new * x + b_new
    p_new = sigmoid(z_new)
    return {
        "z": z, "p": p, "loss": (p - t) ** 2, "dL_dp": dl_dp, "dp_dz": dp_dz, "dL_dz": dl_dz,
        "dL_dw": dl_dz * x, "dL_db": dl_dz, "w_new": w_new, "b_new": b_new,
        "z_new": z_new, "p_new": p_new, "loss_new": (p_new - t) ** 2,
    }


def _softmax(logits: list, temperature: float = 1.0) -> tuple[list, float, list]:
    exps = [math.exp(v / temperature) for v in logits]
    total = sum(exps)
    return exps, total, [e / total for e in exps]


def recompute_softmax(n: dict) -> dict:
    out = {}
    for key, temperature in (("", 1.0), ("t2_", 2.0), ("t05_", 0.5)):
        scaled = [v / temperature for v in n["logits"]]
        exps, total, probs = _softmax(n["logits"], temperature)
        if key:
            out[key + "scaled"] = scaled
        out[key + "exps"], out[key + "sum"], out[key + "probs"] = exps, total, probs
        out[key + "probs_sum"] = sum(probs)
        out[key + "percents"] = [round(100 * q) for q in probs]
    out["e"] = round(math.e, 5)
    probs = out["probs"]
    out["ratio_cat_dog"] = round(probs[0] / probs[1], 1)
    return out


def recompute_embedding(n: dict) -> dict:
    table = n["table"]
    vocab, dims = len(table), len(next(iter(table.values())))

    def dot(u, v):
        return sum(a * b for a, b in zip(u, v))

    def cosine(u, v):
        return dot(u, v) / (math.sqrt(dot(u, u)) * math.sqrt(dot(v, v)))

    cat, dog, car = table["cat"], table["dog"], table["car"]
    return {
        "vocab_size": vocab, "dims": dims, "parameters": vocab * dims,
        "looked_up": table[n["lookup"]],
        "one_hot": [1 if token == n["lookup"] else 0 for token in table],
        "dot_cat_dog": dot(cat, dog), "dot_cat_car": dot(cat, car),
        "sq_norm_cat": dot(cat, cat), "sq_norm_dog": dot(dog, dog), "sq_norm_car": dot(car, car),
        "cos_cat_dog": cosine(cat, dog), "cos_cat_car": cosine(cat, car),
        "gpt2_table": n["gpt2_vocab"] * n["gpt2_d"],
        "gpt2_row": n["gpt2_d"],
    }


def dense_layers(sizes: list[int], bias: bool = True) -> tuple[list, list, list]:
    pairs = list(zip(sizes, sizes[1:]))
    weights = [i * o for i, o in pairs]
    biases = [o if bias else 0 for _, o in pairs]
    return weights, biases, [w + b for w, b in zip(weights, biases)]


def _dense_summary(sizes: list[int]) -> dict:
    weights, biases, totals = dense_layers(sizes)
    return {
        "weights": weights, "biases": biases, "totals": totals,
        "total_weights": sum(weights), "total_biases": sum(biases),
        "total_with_biases": sum(totals), "total_without_biases": sum(weights),
    }


def recompute_dense_mnist(n: dict) -> dict:
    out = _dense_summary(n["layers"])
    total = out["total_with_biases"]
    out["image_pixels"] = n["image_side"] ** 2
    out["first_layer_percent"] = 100 * out["totals"][0] / total
    out["bias_percent"] = 100 * out["total_biases"] / total
    out["fp32_bytes"] = 4 * total
    return out


def recompute_dense_small(n: dict) -> dict:
    out = _dense_summary(n["layers"])
    # Seen per neuron: every neuron has one weight per input plus its bias.
    out["per_neuron"] = [fan_in + 1 for fan_in in n["layers"][:-1]]
    return out


def recompute_llama(n: dict) -> dict:
    v, d, layers, d_ff = n["vocab"], n["d"], n["layers"], n["d_ff"]
    attention, mlp, norms = 4 * d * d, 3 * d * d_ff, 2 * d
    block = attention + mlp + norms
    total = v * d + layers * block + d + d * v
    return {
        "embedding": v * d, "attention": attention, "mlp": mlp, "norms": norms, "block": block,
        "all_blocks": layers * block, "final_norm": d, "head": d * v, "total": total,
        "total_billions": round(total / 1e9, 2),
        "rule_of_thumb": 12 * layers * d * d,
        "rule_of_thumb_billions": round(12 * layers * d * d / 1e9, 2),
        "embedding_and_head_percent": 100 * 2 * v * d / total,
        "mlp_percent_of_block": 100 * mlp / block,
        "eight_thirds_d": 8 * d / 3,
        "fp16_bytes": 2 * total,
        "fp16_gb": round(2 * total / 1e9, 1),
    }


def recompute_conv_lstm(n: dict) -> dict:
    k, c, f, f2 = n["kernel"], n["in_channels"], n["filters"], n["filters_2"]
    x, h = n["input_size"], n["units"]
    gate = h * (h + x)
    return {
        "conv1_weights": k * k * c * f, "conv1_params": k * k * c * f + f,
        "conv2_weights": k * k * f * f2, "conv2_params": k * k * f * f2 + f2,
        # Depthwise: one k x k filter per input channel; pointwise: 1 x 1 from f to f2; one bias per output.
        "depthwise_weights": k * k * f, "pointwise_weights": f * f2,
        "separable_params": k * k * f + f * f2 + f2,
        # LSTM: 4 gate computations, GRU: 3, simple RNN: 1; Keras one bias each, PyTorch two.
        "gate_weights": gate, "gate_keras": gate + h, "gate_torch": gate + 2 * h,
        "lstm_keras": 4 * (gate + h), "lstm_torch": 4 * (gate + 2 * h),
        "gru_reset_after": 3 * (gate + 2 * h), "gru_reset_before": 3 * (gate + h),
        "rnn_keras": gate + h, "rnn_torch": gate + 2 * h,
    }


# file name -> recompute function
RECOMPUTE = {
    "forward-pass-2-2-1.md": recompute_forward_pass,
    "fitting-a-line.md": recompute_fitting_a_line,
    "gradient-step-single-neuron.md": recompute_single_neuron,
    "softmax-three-logits.md": recompute_softmax,
    "embedding-lookup.md": recompute_embedding,
    "dense-784-128-64-10.md": recompute_dense_mnist,
    "dense-3-4-2.md": recompute_dense_small,
    "llama-2-7b-parameter-count.md": recompute_llama,
    "conv-and-lstm-parameter-count.md": recompute_conv_lstm,
}

# Fewest arithmetic relations each example must contain, so the line check can't silently pass.
MIN_RELATIONS = {
    "forward-pass-2-2-1.md": 10, "fitting-a-line.md": 25, "gradient-step-single-neuron.md": 12,
    "softmax-three-logits.md": 15, "embedding-lookup.md": 6, "dense-784-128-64-10.md": 10,
    "dense-3-4-2.md": 6, "llama-2-7b-parameter-count.md": 10,
    "conv-and-lstm-parameter-count.md": 16,
}


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def _compare(key: str, stated, computed, tolerance: float) -> list[str]:
    if isinstance(computed, int) and not isinstance(computed, bool):
        tolerance = 0  # counts are exact
    if isinstance(computed, (list, tuple)):
        if not isinstance(stated, list) or len(stated) != len(computed):
            return [f"{key}: stated {stated!r}, recomputed {computed!r}"]
        problems = []
        for i, (s, c) in enumerate(zip(stated, computed)):
            problems += _compare(f"{key}[{i}]", s, c, tolerance)
        return problems
    if not isinstance(stated, (int, float)) or not close(float(stated), computed, tolerance):
        return [f"{key}: stated {stated!r}, recomputed {computed!r}"]
    return []


def check_numbers_mapping(name: str, recompute: dict) -> None:
    """The example's numbers: mapping against ``recompute[name]``, an independent recomputation."""
    meta, _ = read_example(name)
    numbers, precision = meta.get("numbers"), meta.get("precision")
    assert isinstance(numbers, dict) and numbers, f"{name}: needs a numbers: mapping"
    assert isinstance(precision, int), f"{name}: needs precision: <decimal places>"
    tolerance = 2 * 10 ** -precision
    derived = recompute[name](numbers)
    problems = []
    for key, value in derived.items():
        if key not in numbers:
            problems.append(f"{key}: recomputed {value!r} but missing from numbers:")
        else:
            problems += _compare(key, numbers[key], value, tolerance)
    # Every key is either an input the recomputation reads or a value it derives.
    used = set()

    class Spy(dict):
        def __getitem__(self, key):
            used.add(key)
            return super().__getitem__(key)

    recompute[name](Spy(numbers))
    stale = set(numbers) - set(derived) - used
    problems += [f"{key}: in numbers: but neither read nor recomputed" for key in sorted(stale)]
    assert not problems, f"{name}:\n" + "\n".join(problems)


def check_arithmetic_lines(name: str, min_relations: int) -> None:
    """Every 'label: expression = result' line is right, and at least ``min_relations`` are checked."""
    _, body = read_example(name)
    relations, problems = 0, []
    for block in text_blocks(body):
        for line in block.splitlines():
            checked, errors, _ = check_line(line)
            relations += checked
            problems += errors
    assert not problems, f"{name}:\n" + "\n".join(problems)
    assert relations >= min_relations, (
        f"{name}: only {relations} arithmetic relations were checked; lines must read "
        f"'label: expression = result' with plain numbers")


def _verified_results(body: str) -> list[float]:
    """Printed numbers that a checked arithmetic relation confirmed."""
    return [value for block in text_blocks(body) for line in block.splitlines()
            for value in check_line(line)[2]]


# Small counts ("2 inputs", "step 3"), years in citations, and the powers of ten used to convert
# units or to make percentages need no justification.
def _needs_no_justification(value: float) -> bool:
    return value.is_integer() and (0 <= value <= 12 or 1950 <= value <= 2030
                                   or value in (100, 1000, 1e6, 1e9))


def check_numbers_accounted_for(name: str) -> None:
    """Every number, in prose or inside an arithmetic line (operands too), must be a value from
    numbers: (checked against the recomputation) or a result confirmed by a checked line."""
    meta, body = read_example(name)
    prose = re.sub(r"\]\([^)]*\)", "]", body)  # link targets are file names, not numbers
    known = flatten(meta["numbers"]) + _verified_results(body)
    unexplained = [value for value in numbers_in(prose)
                   if not _needs_no_justification(value)
                   and not any(close(value, k, 1e-9) for k in known)]
    assert not unexplained, (
        f"{name}: numbers printed but neither in numbers: nor confirmed by an arithmetic line: "
        f"{sorted(set(unexplained))}")


def _lists_in(value) -> list[list[float]]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _lists_in(v)]
    if isinstance(value, list):
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return [[float(v) for v in value]]
        return [x for v in value for x in _lists_in(v)]
    return []


def check_printed_lists(name: str) -> None:
    """A line such as 'Errors: -1, -3, -5, -7' or a vector such as [0.7, 0.4, 0.0] in the prose must
    equal, number by number and in order, one of the lists in numbers: (which are checked against
    the recomputation). This catches a value swapped for another value that happens to exist
    elsewhere in the example."""
    meta, body = read_example(name)
    lists = _lists_in(meta["numbers"])
    candidates = [line.split(":", 1)[1] for block in text_blocks(body)
                  for line in block.splitlines() if ":" in line]
    candidates += re.findall(r"(\[[-\d., ]+\])(?!\()", body)  # vectors written in the prose
    problems = []
    for text in candidates:
        items = [s.strip() for s in text.strip().strip("[]").split(",")]
        if "=" in text or len(items) < 2 or any(_decimals(s) is None for s in items):
            continue
        printed = [float(s) for s in items]
        if not any(len(candidate) == len(printed)
                   and all(close(a, b, 1e-12) for a, b in zip(candidate, printed))
                   for candidate in lists):
            problems.append(text.strip())
    assert not problems, f"{name}: printed lists that match no list in numbers: {problems}"


def check_mapping_values_printed(name: str) -> None:
    meta, body = read_example(name)
    printed = numbers_in(re.sub(r"\]\([^)]*\)", "]", body))
    missing = [v for v in flatten(meta["numbers"])
               if not any(close(v, p, 1e-9) for p in printed)]
    assert not missing, f"{name}: numbers: values never shown in the text: {sorted(set(missing))}"


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_numbers_mapping_matches_recomputation(name: str) -> None:
    check_numbers_mapping(name, RECOMPUTE)


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_arithmetic_line_is_right(name: str) -> None:
    check_arithmetic_lines(name, MIN_RELATIONS[name])


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_number_in_the_body_is_accounted_for(name: str) -> None:
    check_numbers_accounted_for(name)


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_printed_list_matches_a_mapping_list_in_order(name: str) -> None:
    check_printed_lists(name)


@pytest.mark.parametrize("name", sorted(RECOMPUTE))
def test_every_mapping_value_is_printed(name: str) -> None:
    check_mapping_values_printed(name)


def _dense_examples() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted((KB / "examples").glob("*.md")):
        meta, _ = read_example(path.name)
        for check in meta.get("checks") or []:
            if "layers" in check:
                cases.append((f"{path.name}: {check.get('what', check['layers'])}", check))
    return cases


@pytest.mark.parametrize("label,check", _dense_examples())
def test_dense_checks_recomputed_without_calculator(label: str, check: dict) -> None:
    sizes = [int(s) for s in str(check["layers"]).split(",")]
    _, _, totals = dense_layers(sizes, bias=check.get("bias", True))
    bytes_per = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}
    quantity = check["quantity"]
    if quantity == "params_total":
        expected = sum(totals)
    elif quantity == "weights_bytes":
        expected = sum(totals) * bytes_per[check["precision"]]
    else:
        pytest.skip(f"{quantity} is left to the calculator test")
    assert check["value"] == expected, f"{label}: front matter says {check['value']}, is {expected}"


# --------------------------------------------------------------------------------------------
# The checker itself must be able to fail
# --------------------------------------------------------------------------------------------


def test_line_checker_catches_wrong_arithmetic() -> None:
    assert check_line("z1: 0.5 * 1.0 + 0.25 * 2.0 + 0.1 = 1.1") == (1, [], [1.1])
    assert check_line("z1: 0.5 * 1.0 + 0.25 * 2.0 + 0.1 = 1.2")[1]
    assert check_line("p: sigmoid(0.5) ≈ 0.6225") == (1, [], [0.6225])
    assert check_line("p: sigmoid(0.5) ≈ 0.6235")[1]
    assert check_line("Layer 1: 784 * 128 = 100,352") == (1, [], [100352])
    assert check_line("Layer 1: 784 * 128 = 100,532")[1]
    assert check_line("h2 = ReLU(-0.1) = max(0, -0.1) = 0") == (2, [], [0])


def test_number_finder_reads_prose_like_a_person() -> None:
    assert numbers_in("x1 is 1.0, w(1, 2) = -0.5 and 100,480 params in fp16 for 7B") == [
        1.0, 1, 2, -0.5, 100480]
    assert numbers_in("a 784-128-64-10 network") == [784, 128, 64, 10]
