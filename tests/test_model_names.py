"""The calculator's gate (bot.model_names.may_calculate): the answer path skips the calculator for a
question the gate rejects, so the gate must never reject one the calculator would answer."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from bot.calc.chat import route
from bot.model_names import known_names, may_calculate, normalise_name
from bot.reading import read_post

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("question", ["what is a bias", "why do neurons need biases?", "explain the kv cache",
                                      "what does temperature do"])
def test_conceptual_questions_with_no_number_or_model_are_rejected(question):
    assert not may_calculate(question)


@pytest.mark.parametrize("question", ["how many parameters does bert base have", "memory for Llama-2-7B",
                                      "a model with seven billion parameters", "parameters of y = w*x + b",
                                      "how many parameters does linear regression have", "mistral 7b in fp16"])
def test_numbers_number_words_equations_and_model_names_pass(question):
    assert may_calculate(question)


def test_names_are_normalised_as_the_presets_are():
    assert normalise_name("Llama2-70 B") == "llama 2 70b"
    assert "gpt 2" in known_names()


def _texts() -> list[str]:
    """Every question the project holds: eval sets, judged real posts, and the strings of the
    calculator's and answer tests (each also as the post reader's focus and numeric text)."""
    questions: list[str] = []
    data = yaml.safe_load((ROOT / "data/eval/questions.yaml").read_text(encoding="utf-8"))
    questions += [item["q"] for part in ("in_scope", "out_of_scope") for item in data.get(part, [])]
    for line in (ROOT / "data/eval/real-questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            questions.append(json.loads(line)["q"])
    for path in [*ROOT.glob("tests/test_calc*.py"), ROOT / "tests/test_answer.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and 5 < len(node.value) < 600:
                questions.append(node.value)
    texts = []
    for question in questions:
        texts.append(question)
        try:
            post = read_post(question)
        except Exception:  # noqa: BLE001 - not a usable question; the text itself is still checked
            continue
        texts += [post.focus, post.numeric_text]
    return texts


def test_the_gate_never_rejects_what_the_calculator_answers():
    texts = _texts()
    rejected = [t for t in texts if not may_calculate(t)]
    assert len(texts) > 2000 and len(rejected) > 1000  # most of them are conceptual
    wrongly = [t for t in rejected if route(t) is not None]
    assert not wrongly, wrongly[:5]
