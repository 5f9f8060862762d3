"""A section's blocks and their cached vectors (bot/paragraphs.py), with the real model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.paragraphs import CACHE_FILE, MIN_LEAD_WORDS, BlockVectors, blocks

LONG = " ".join(["word"] * MIN_LEAD_WORDS)


def test_paragraphs_are_blocks_and_a_lead_in_keeps_what_it_introduces():
    text = f"{LONG} one.\n\nIt comes in three parts:\n\n- a\n- b\n\n{LONG} two.\n\n{LONG} three."
    assert blocks(text) == [f"{LONG} one.", f"It comes in three parts:\n\n- a\n- b\n\n{LONG} two.", f"{LONG} three."]


def test_a_short_closing_line_stays_with_the_paragraph_before():
    assert blocks(f"{LONG} one.\n\nSee the worked example.") == [f"{LONG} one.\n\nSee the worked example."]
    assert blocks("") == []


def test_vectors_are_the_models_and_are_cached_beside_the_index(encoder, tmp_path):
    texts = ["A bias shifts a neuron's output.", "Weights scale each input."]
    first = BlockVectors(encoder, tmp_path).vectors(texts)
    assert first.shape == (2, encoder.dimension)
    assert np.allclose(first, encoder.encode(texts), atol=1e-5)
    cached = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))
    assert cached["model"] == encoder.fingerprint and len(cached["keys"]) == 2

    class Refusing:
        dimension, fingerprint = encoder.dimension, encoder.fingerprint

        def encode(self, texts):  # noqa: ANN001, ANN201
            raise AssertionError("cached blocks must not be embedded again")

    again = BlockVectors(Refusing(), tmp_path).vectors(list(reversed(texts)))  # type: ignore[arg-type]
    assert np.allclose(again, first[::-1])


@pytest.mark.parametrize("damage", ["{not json", json.dumps({"model": "other", "dimension": 384, "keys": [],
                                                              "vectors": ""}),
                                    json.dumps({"model": "m", "dimension": 384, "keys": ["a"], "vectors": "AAAA"})])
def test_a_damaged_or_foreign_cache_is_embedded_again(encoder, tmp_path, damage):
    (tmp_path / CACHE_FILE).write_text(damage, encoding="utf-8")
    vectors = BlockVectors(encoder, tmp_path).vectors(["Weights scale each input."])
    assert np.allclose(vectors, encoder.encode(["Weights scale each input."]), atol=1e-5)


def test_an_unwritable_cache_file_still_answers(encoder, tmp_path):
    (tmp_path / CACHE_FILE).mkdir()  # a folder where the file should be: writing it fails
    vectors = BlockVectors(encoder, tmp_path).vectors(["Weights scale each input."])
    assert vectors.shape == (1, encoder.dimension)
