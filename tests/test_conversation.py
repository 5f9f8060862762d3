"""Follow-up questions: vague ones borrow the previous topic, self-contained ones are left alone."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.answer import Answer, Link, Source
from bot.conversation import Conversation, Turn, follow_up_query
from bot.retriever import DocumentInfo

WEIGHT = Turn("what is a weight", "what is a weight", "Weights", ("Weights", "weight", "weights", "weight matrix"))
BIAS = Turn("what is a bias", "what is a bias", "Biases", ("Biases", "bias", "biases"))
LLAMA = Turn("How many parameters does Llama 2 7B have?", "How many parameters does Llama 2 7B have?",
             "Llama 2 7B", ("Llama 2 7B", "llama-2-7b"))


@pytest.mark.parametrize(("previous", "question", "query"), [
    # "and X?" asks the previous question about X.
    (WEIGHT, "and biases?", "what are biases"),
    (WEIGHT, "What about biases?", "what are biases"),
    (Turn("what's a weight", "what's a weight", "Weights", ("weight",)), "and LLMs?", "what are LLMs"),
    (WEIGHT, "and loss?", "what is a loss"),
    (LLAMA, "what about GPT-2?", "How many parameters does GPT-2 have?"),
    (LLAMA, "and Llama 2 13B?", "How many parameters does Llama 2 13B have?"),
    # ... or adds a qualifier, or asks for another quantity of the same subject.
    (LLAMA, "and in int4?", "How many parameters does Llama 2 7B have in int4"),
    (LLAMA, "and the KV cache?", "the KV cache of Llama 2 7B"),
    (LLAMA, "what about memory?", "memory of Llama 2 7B"),
    # Examples, "why", "more".
    (BIAS, "give me an example", "worked example of a bias"),  # no linked example: search for one
    (BIAS, "an example please", "worked example of a bias"),
    (BIAS, "Can you show me an example?", "worked example of a bias"),
    (BIAS, "why?", "why do we need a bias"),
    (BIAS, "Why is that?", "why do we need a bias"),
    (LLAMA, "why?", "why How many parameters does Llama 2 7B have?"),
    (BIAS, "tell me more", "tell me more about a bias"),
    # Pronouns stand for the previous subject when nothing else is named.
    (BIAS, "and why does it matter?", "why does a bias matter"),
    (LLAMA, "how much memory does it need?", "how much memory does Llama 2 7B need?"),
    (BIAS, "how do they change during training?", "how do a bias change during training?"),
    (LLAMA, "how many parameters?", "how many parameters of Llama 2 7B"),
])
def test_vague_follow_ups_use_the_previous_turn(previous: Turn, question: str, query: str) -> None:
    assert follow_up_query(question, previous) == query


@pytest.mark.parametrize("question", [
    "what is a mixture of experts",
    "what is a bias and why is it needed",  # names its own subject
    "What is memory?",
    "how many parameters does GPT-3 have",
    "why do bigger models need more memory?",
])
def test_questions_that_stand_alone_are_unchanged(question: str) -> None:
    assert follow_up_query(question, BIAS) == question


def test_without_a_previous_answer_nothing_changes() -> None:
    assert follow_up_query("why?", None) == "why?"
    assert follow_up_query("and biases?", Turn("pizza?", "pizza?")) == "and biases?"  # no answer: no topic


def test_questions_are_cleaned_first() -> None:
    assert follow_up_query("  and\x1b[31m biases? ", WEIGHT) == "what are biases"


DOCUMENTS = {
    "biases.md": DocumentInfo("biases.md", "Biases", "", ("bias", "biases"), (), (), "article"),
}


def _answer(question: str) -> Answer:
    return Answer(question=question, kind="answer", answer="**Biases > What is a bias?**\n\nA bias is...\n",
                  sources=[Source("Biases", "biases.md", "Biases > What is a bias?", 0.71, anchor="what-is-a-bias")],
                  examples=[Link("A forward pass", "examples/forward.md")])


def test_turn_from_an_answer_takes_the_documents_title_and_aliases() -> None:
    turn = Turn.from_answer("what is a bias", "what is a bias", _answer("what is a bias"), DOCUMENTS)
    assert turn.topic == "Biases"
    assert turn.terms == ("Biases", "bias", "biases")
    assert turn.subject == "a bias"


def test_turn_from_a_calculation_takes_the_models_name() -> None:
    answer = Answer(question="q", kind="calculation", answer="...",
                    calculation={"title": "Llama 2 7B", "name": "llama-2-7b"})
    turn = Turn.from_answer("how many parameters does llama 2 7b have", "q", answer, {})
    assert turn.topic == "Llama 2 7B" and turn.terms == ("Llama 2 7B", "llama-2-7b")


def test_a_no_answer_turn_has_no_topic() -> None:
    answer = Answer(question="pizza", kind="no_answer", answer="I can't answer that.")
    assert Turn.from_answer("pizza", "pizza", answer, {}).topic == ""


def test_conversation_records_turns_and_resolves_against_the_last() -> None:
    conversation = Conversation()
    assert conversation.query_for("why?") == "why?"
    conversation.record("what is a bias", "what is a bias", _answer("what is a bias"), DOCUMENTS)
    assert conversation.query_for("why?") == "why do we need a bias"
    assert conversation.previous is not None and conversation.previous.topic == "Biases"


def test_export_to_markdown() -> None:
    conversation = Conversation()
    conversation.record("what is a bias", "what is a bias", _answer("what is a bias"), DOCUMENTS)
    conversation.record("why?", "why do we need a bias", _answer("why do we need a bias"), DOCUMENTS)
    text = conversation.to_markdown(now=datetime(2026, 1, 2, 3, 4))
    assert text.startswith("# paramsbot conversation\n\n_Exported 2026-01-02 03:04._\n")
    assert "## what is a bias\n\n**Biases > What is a bias?**" in text
    assert "## why?\n\n_Searched for: why do we need a bias_" in text
    assert "**Worked examples:** A forward pass (`examples/forward.md`)" in text
    assert "1. Biases > What is a bias? (`biases.md`, score 0.71)" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_an_example_request_asks_for_the_worked_example_the_last_answer_linked() -> None:
    with_examples = Turn("what is a bias", "what is a bias", "Biases", ("Biases", "bias"),
                         examples=("Worked example: forward pass", "Worked example: one gradient step"))
    assert follow_up_query("give me an example", with_examples) == "Worked example: forward pass"
    shown = Turn("give me an example", "Worked example: forward pass", "Worked example: forward pass",
                 examples=("Worked example: forward pass", "Worked example: one gradient step"), about="a bias")
    assert follow_up_query("another example?", shown) == "Worked example: one gradient step"


def test_the_subject_survives_an_example_and_a_why() -> None:
    conversation = Conversation()
    conversation.record("what is a bias", "what is a bias", _answer("what is a bias"), DOCUMENTS)
    query = conversation.query_for("give me an example")
    assert query == "A forward pass"  # the example _answer links
    conversation.record("give me an example", query, _answer(query), DOCUMENTS)
    assert conversation.previous is not None and conversation.previous.subject == "a bias"
    assert conversation.query_for("why?") == "why do we need a bias"


def test_a_new_subject_is_not_carried_over() -> None:
    conversation = Conversation()
    conversation.record("what is a weight", "what is a weight", _answer("what is a weight"), DOCUMENTS)
    conversation.record("and biases?", "what are biases", _answer("what are biases"), DOCUMENTS)
    assert conversation.previous is not None and conversation.previous.subject == "biases"
    assert conversation.query_for("why?") == "why do we need biases"
