"""Topics the KB leaves to others (data/out_of_scope.yaml, bot.scope): read from data, matched as
whole words, and declined only when the KB does not match the question clearly anyway."""

from __future__ import annotations

import pytest

from bot.errors import DataError
from bot.scope import _patterns, out_of_scope


@pytest.mark.parametrize(("question", "topic"), [
    ("Why does my fine-tuned GGUF need a TEMPLATE to stop rambling?", "chat and prompt templates"),
    ("只有微调训练后生成的gguf要加TEMPLATE才不会胡乱输出。为什么？", "chat and prompt templates"),
    ("Should the RAG examples use the same embedding model?", "retrieval-augmented generation"),
    ("how do I pip install bitsandbytes on windows", "installing and building software"),
    ("如何实现流式输出？", "serving APIs"),
    ("What is a ragged tensor?", None),  # whole words only
    ("How many parameters does a 7B model have?", None),
])
def test_topics_are_named_in_the_data_file(question, topic):
    assert out_of_scope(question) == topic


def test_a_bad_file_is_a_one_line_data_error(tmp_path):
    bad = tmp_path / "scope.yaml"
    bad.write_text("topic: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"cannot read .*: not valid YAML \(line 2\)") as raised:
        out_of_scope("anything", bad)
    assert "\n" not in str(raised.value)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(DataError, match="must map"):
        _patterns(wrong)
    assert out_of_scope("a template", tmp_path / "missing.yaml") is None


@pytest.fixture(scope="module")
def retriever():
    from bot.retriever import Retriever

    return Retriever.from_kb()


def test_out_of_scope_questions_are_declined_and_clear_matches_kept(retriever):
    from bot.answer import answer_question

    for question in ("Why does my fine-tuned model need a chat template to stop rambling?",
                     "Should my RAG pipeline use the same embedding model for queries and documents?"):
        assert answer_question(question, retriever).kind == "no_answer", question
    # a post can still ask something in scope beside it
    kept = answer_question("I use a chat template in my app. How much memory does a 7B model need in fp16?",
                           retriever)
    assert kept.kind == "calculation"


@pytest.mark.parametrize(("question", "topic"), [
    ("I want to buy a GPU for local models, which one should I get?", "buying hardware"),
    ("My budget is 1000 euros", "buying hardware"),
    ("Is it supported in the next release?", "whether a tool supports a model"),
    ("Qwen3 支持吗？", "whether a tool supports a model"),
    ("Sampling flags (support for --help?)", None),  # "support for" alone is not a support question
    ("How much memory does a buyer's 7B model need?", None),
])
def test_buying_and_support_questions_name_their_topic(question, topic):
    assert out_of_scope(question) == topic


def test_a_thread_titled_with_an_out_of_scope_topic_is_declined_unless_matched_clearly(retriever):
    from bot.answer import answer_question

    # the question itself does not say RAG: the title does
    post = ("Question about RAG examples: Is my understanding right that the indexing script must run first? "
            "Otherwise the query would be turned into vectors by another model than the documents, right?")
    assert answer_question(post, retriever).kind == "no_answer"
    kept = answer_question("Question about our RAG app. How much memory does a 7B model need in fp16?", retriever)
    assert kept.kind == "calculation"
    clear = answer_question("We are building a RAG app. What is a bias in a neural network?", retriever)
    assert clear.kind == "answer" and clear.sources[0].path == "biases.md"


def test_a_usage_question_is_declined_even_with_numbers_the_calculator_reads(retriever):
    from bot.answer import answer_question

    post = "The table says a 65B model in 4-bit needs 40 GB. I get an OOM on 2 RTX 3090. How can I use both GPUs?"
    assert answer_question(post, retriever).kind == "no_answer"
