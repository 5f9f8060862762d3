"""The library API, on a knowledge base the test writes, with the real model and FAISS."""

from __future__ import annotations

import dataclasses

import pytest

from bot import Hit, InputError, KnowledgeBaseError, Retriever


def test_search_returns_typed_hits_best_first(mini_kb):
    retriever = Retriever.from_kb(mini_kb)
    hits = retriever.search("why does a neuron need a bias?", k=3)
    assert len(hits) == 3 and all(isinstance(h, Hit) for h in hits)
    best = hits[0]
    assert best.id == "biases.md#why-does-a-neuron-need-a-bias"
    assert best.heading_path == ("Biases", "Why does a neuron need a bias?")
    assert best.title == "Biases" and best.path == "biases.md" and "origin" in best.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert 0.4 < best.score <= 1.0
    assert dataclasses.is_dataclass(best) and best.heading == "Biases > Why does a neuron need a bias?"


def test_documents_carry_front_matter(mini_kb):
    retriever = Retriever.from_kb(mini_kb)
    biases = retriever.documents["biases.md"]
    assert biases.examples == ("examples/two-inputs.md",) and biases.related == ("weights.md",)
    assert retriever.documents["examples/two-inputs.md"].kind == "example"
    assert (retriever.kb_root / "biases.md").read_text().startswith("---")


def test_k_larger_than_corpus_returns_everything(mini_kb):
    assert len(Retriever.from_kb(mini_kb).search("weights", k=50)) == 4


@pytest.mark.parametrize("query", ["", "   ", "\x00\x1b[2J", 12])
def test_unusable_queries_raise_input_error(mini_kb, query):
    with pytest.raises(InputError):
        Retriever.from_kb(mini_kb).search(query)


def test_folder_without_markdown_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not markdown")
    with pytest.raises(KnowledgeBaseError, match="no Markdown"):
        Retriever.from_kb(tmp_path)


def test_default_kb_is_the_bundled_one():
    from bot.paths import kb_dir

    assert (kb_dir()).is_dir()
