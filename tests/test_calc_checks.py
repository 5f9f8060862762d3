"""KB worked examples take their numbers from the calculator.

Every ``checks:`` entry in the front matter of ``kb/examples/*.md`` (kb/README.md, "Machine-checked
numbers in worked examples") is recomputed and compared, exactly or within its ``tolerance``. The
two fixtures in tests/fixtures/calc_examples/ are checked the same way, so this test cannot pass
vacuously while the KB is still being written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import calc
from bot.errors import InputError
from bot.paths import kb_dir

FIXTURES = Path(__file__).parent / "fixtures" / "calc_examples"


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    _, block, _ = text.split("---", 2)
    return yaml.safe_load(block) or {}


def collect() -> list[Any]:
    params = []
    for path in sorted((kb_dir() / "examples").glob("*.md")) + sorted(FIXTURES.glob("*.md")):
        for i, check in enumerate(front_matter(path).get("checks") or []):
            params.append(pytest.param(check, id=f"{path.parent.name}/{path.name}#{i}"))
    return params


CHECKS = collect()


def test_checks_are_not_vacuous():
    fixture_checks = [p for p in CHECKS if "calc_examples/" in p.id]
    assert len(fixture_checks) >= 15
    quantities = {p.values[0]["quantity"] for p in fixture_checks}
    assert quantities >= {"params_total", "params_active", "weights_bytes", "training_flops",
                          "inference_flops_per_token", "kv_cache_bytes", "compute_optimal_tokens"}


@pytest.mark.parametrize("check", CHECKS)
def test_example_number_matches_calculator(check):
    result = calc.run_check(check)
    assert result.ok, f"{result.what}: the text says {result.expected}, the calculator gets {result.computed} " \
                      f"(tolerance {result.tolerance})"


def test_a_wrong_number_is_caught():
    assert not calc.run_check({"preset": "gpt2", "quantity": "params_total", "value": 117_000_000}).ok
    assert calc.run_check({"preset": "gpt2", "quantity": "params_total", "value": 117e6, "tolerance": 0.07}).ok
    assert not calc.run_check({"layers": "2,2,1", "quantity": "params_total", "value": 10}).ok


def test_evaluate_check_returns_the_calculators_value():
    assert calc.evaluate_check({"layers": "2,2,1", "quantity": "params_total"}) == 9
    assert calc.evaluate_check({"preset": "llama-2-7b", "quantity": "kv_cache_bytes", "context": 1}) == 524_288
    assert calc.evaluate_check({"preset": "llama-2-7b", "quantity": "training_flops", "tokens": "2T"}) == \
        6 * 6_738_415_616 * 2e12


@pytest.mark.parametrize("entry, message", [
    ({"quantity": "params_total"}, "exactly one of preset or layers"),
    ({"preset": "gpt2", "layers": "2,1", "quantity": "params_total"}, "exactly one"),
    ({"preset": "gpt2", "quantity": "param_total"}, "quantity must be one of"),
    ({"preset": "gpt2", "quantity": "training_flops"}, "needs tokens"),
    ({"preset": "gpt2", "quantity": "kv_cache_bytes"}, "needs context"),
    ({"preset": "gpt-9", "quantity": "params_total"}, "unknown preset"),
    ({"preset": "gpt2", "quantity": "params_total", "precison": "fp16"}, "unknown keys: precison"),
    ({"layers": "2,0,1", "quantity": "params_total"}, r"layers\[1\]"),
    ({"preset": "gpt2", "quantity": "weights_bytes", "precision": "fp8"}, "precision"),
    ({"preset": "gpt2", "quantity": "training_flops", "tokens": "lots"}, "tokens"),
    ("gpt2", "mapping"),
])
def test_bad_checks_name_the_problem(entry, message):
    with pytest.raises(InputError, match=message):
        calc.evaluate_check(entry)


def test_bad_value_or_tolerance():
    with pytest.raises(InputError, match="value"):
        calc.run_check({"preset": "gpt2", "quantity": "params_total", "value": "many"})
    with pytest.raises(InputError, match="tolerance"):
        calc.run_check({"preset": "gpt2", "quantity": "params_total", "value": 1, "tolerance": 5})
