"""Recompute the numbers that KB worked examples declare in their ``checks:`` front matter.

A check names a model (``preset:`` or ``layers:`` with optional ``bias:``), a ``quantity`` and the
``value`` the text states, with a relative ``tolerance`` (0 = exact). ``evaluate_check`` returns what
the calculator gets; ``run_check`` also compares. The format is in kb/README.md ("Machine-checked
numbers in worked examples").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from bot.calc.report import Report, report
from bot.calc.spec import DenseSpec, check_bool, check_int, check_number
from bot.errors import InputError

QUANTITIES: dict[str, Callable[[Report], Any]] = {
    "params_total": lambda r: r.params_total,
    "params_active": lambda r: r.params_active,
    "params_embedding": lambda r: r.params_embedding,
    "params_non_embedding": lambda r: r.params_non_embedding,
    "weights": lambda r: r.components.get("weights"),
    "biases": lambda r: r.components.get("biases"),
    "weights_bytes": lambda r: r.weights_bytes,
    "training_bytes": lambda r: r.training_bytes,
    "kv_cache_bytes": lambda r: r.kv_cache["bytes"] if r.kv_cache else None,
    "training_flops": lambda r: r.flops["training"],
    "inference_flops_per_token": lambda r: r.flops["inference_per_token"],
    "compute_optimal_tokens": lambda r: r.flops["compute_optimal_tokens"],
}
def _number(name: str, value: Any, *, minimum: float = 0.0, maximum: float = 1e30, strict: bool = True) -> Any:
    """A number from YAML. PyYAML (YAML 1.1) reads ``2.0e12`` and ``46.7e9`` as *strings* (it wants
    ``2.0e+12``), so numeric strings, and sizes like ``2T``, are accepted too. Ints stay ints."""
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum:
        return value
    if isinstance(value, str):
        from bot.calc.parse import parse_count

        value = parse_count(value, name)
    return check_number(name, value, minimum=minimum, maximum=maximum, strict=strict)


_KNOWN_KEYS = {"what", "preset", "layers", "bias", "quantity", "precision", "tokens", "context", "batch",
               "value", "tolerance"}


def _layers(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        from bot.calc.parse import parse_layers

        return parse_layers(value)
    if isinstance(value, (list, tuple)):
        return tuple(check_int(f"layers[{i}]", v) for i, v in enumerate(value))
    raise InputError(f"layers must be a string like \"2,2,1\" or a list, got {value!r}")


def evaluate_check(entry: Mapping[str, Any]) -> Any:
    """The calculator's value for one ``checks:`` entry (an int, a float, or ``None`` if not defined)."""
    if not isinstance(entry, Mapping):
        raise InputError(f"a check must be a mapping, got {type(entry).__name__}")
    unknown = sorted(set(entry) - _KNOWN_KEYS)
    if unknown:
        raise InputError(f"check has unknown keys: {', '.join(map(str, unknown))}")
    quantity = entry.get("quantity")
    if quantity not in QUANTITIES:
        raise InputError(f"quantity must be one of {', '.join(QUANTITIES)}, got {quantity!r}")
    if ("preset" in entry) == ("layers" in entry):
        raise InputError("a check needs exactly one of preset or layers")
    model: Any
    if "preset" in entry:
        model = entry["preset"]
    else:
        model = DenseSpec(_layers(entry["layers"]), bias=check_bool("bias", entry.get("bias", True)))
    options: dict[str, Any] = {"precision": entry.get("precision", "fp16"), "batch": entry.get("batch", 1)}
    if "context" in entry:
        options["context"] = check_int("context", entry["context"], maximum=10**9)
    if "tokens" in entry:
        options["tokens"] = _number("tokens", entry["tokens"])
    if quantity == "training_flops" and "tokens" not in entry:
        raise InputError("quantity training_flops needs tokens")
    if quantity == "kv_cache_bytes" and "context" not in entry:
        raise InputError("quantity kv_cache_bytes needs context")
    return QUANTITIES[quantity](report(model, **options))


@dataclass(frozen=True)
class CheckResult:
    what: str
    expected: int | float
    computed: Any
    tolerance: float

    @property
    def ok(self) -> bool:
        if not isinstance(self.computed, (int, float)):
            return False
        if self.tolerance == 0:
            return self.computed == self.expected
        return abs(self.computed - self.expected) <= self.tolerance * abs(self.expected)


def run_check(entry: Mapping[str, Any]) -> CheckResult:
    """Evaluate ``entry`` and compare with its ``value`` (relative ``tolerance``, default exact)."""
    computed = evaluate_check(entry)
    # Whole numbers stay ints so counts above 2**53 still compare exactly.
    expected = _number("value", entry.get("value"), strict=False)
    tolerance = _number("tolerance", entry.get("tolerance", 0), maximum=1.0, strict=False)
    return CheckResult(str(entry.get("what", entry.get("quantity"))), expected, computed, tolerance)
