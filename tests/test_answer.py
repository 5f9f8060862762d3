"""Answers from paramsbot's own knowledge base, and the no-answer threshold chosen on data/eval."""

from __future__ import annotations

import pytest
import yaml

from bot.answer import NO_ANSWER_THRESHOLD, answer_question
from bot.paths import data_dir
from bot.retriever import Retriever

EVAL = yaml.safe_load((data_dir() / "eval" / "foundation.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    return Retriever.from_kb(cache_dir=tmp_path_factory.mktemp("kb-cache"))


@pytest.mark.parametrize("item", EVAL["in_scope"], ids=lambda i: i["question"])
def test_in_scope_questions_are_answered_from_the_right_article(retriever, item):
    result = answer_question(item["question"], retriever)
    assert result.kind == "answer"
    assert item["article"] in [s.path for s in result.sources[:3]]


@pytest.mark.parametrize("question", EVAL["out_of_scope"])
def test_out_of_scope_questions_get_no_answer(retriever, question):
    result = answer_question(question, retriever)
    assert result.kind == "no_answer" and result.sources == [] and result.examples == []


def test_threshold_separates_the_calibration_set(retriever):
    best_in = [retriever.search(i["question"], 1)[0].score for i in EVAL["in_scope"]]
    best_out = [retriever.search(q, 1)[0].score for q in EVAL["out_of_scope"]]
    assert max(best_out) < NO_ANSWER_THRESHOLD <= min(best_in)


def test_what_is_a_bias_answers_from_the_biases_article_with_its_example(retriever):
    result = answer_question("what is a bias", retriever)
    assert result.sources[0].path == "biases.md"
    assert result.answer.startswith("**Biases > ")
    assert result.examples, "the biases article links a worked example"


@pytest.mark.parametrize("question, total", [
    ("how many parameters does a network with 3 inputs, 4 hidden neurons and 2 outputs have?", 26),
    ("how many parameters does llama 2 70b have", 68_976_648_192),
    ("how many parameters does GPT-2 small have", 124_439_808),
])
def test_calculation_questions_are_answered_by_the_calculator(retriever, question, total):
    result = answer_question(question, retriever)
    assert result.kind == "calculation"
    assert result.calculation["params_total"] == total
    assert f"{total:,}" in result.answer
    assert all(retriever.documents[e.path].kind == "example" for e in result.examples)


def test_memory_question_links_its_worked_example(retriever):
    result = answer_question("how much memory does a 7B model need in fp16?", retriever)
    assert result.kind == "calculation"
    assert result.calculation["memory_bytes"]["fp16"] == 14_000_000_000
    assert [e.path for e in result.examples] == ["examples/memory-7b-70b.md"]


def test_conceptual_questions_stay_with_the_knowledge_base(retriever):
    for question in ("what is a parameter", "why do bigger models need more memory"):
        assert answer_question(question, retriever).kind == "answer"
