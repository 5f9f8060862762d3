"""Yes/no questions about ideas stay with the knowledge base; yes/no questions about fitting route."""

import pytest

from bot.calc.chat import route


@pytest.mark.parametrize("question", [
    "did deepseek v3 beat gpt-4 with fewer parameters",
    "does deepseek v3 prove that parameter count does not matter",
    "is 175B a file size or memory limit",
    "are llama 2 70b's parameters stored facts",
])
def test_conceptual_yes_no_questions_are_not_calculations(question):
    assert route(question) is None


@pytest.mark.parametrize("question", [
    "is 16 GB enough for llama 2 7b",
    "does llama 2 70b fit in 24GB",
    "will llama 2 70b fit in 24 GB in int4",
    "can you count the parameters of a 784-128-10 network",
])
def test_yes_no_questions_that_ask_for_numbers_still_route(question):
    assert route(question) is not None
