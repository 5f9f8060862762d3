"""A section's blocks (bot/paragraphs.py) and which of them covers the question (bot/lexical.py)."""

from __future__ import annotations

from bot.lexical import LexicalIndex, text_coverage
from bot.paragraphs import MIN_LEAD_WORDS, blocks

LONG = " ".join(["word"] * MIN_LEAD_WORDS)


def test_paragraphs_are_blocks_and_a_lead_in_keeps_what_it_introduces():
    text = f"{LONG} one.\n\nIt comes in three parts:\n\n- a\n- b\n\n{LONG} two.\n\n{LONG} three."
    assert blocks(text) == [f"{LONG} one.", f"It comes in three parts:\n\n- a\n- b\n\n{LONG} two.", f"{LONG} three."]


def test_a_short_closing_line_stays_with_the_paragraph_before():
    assert blocks(f"{LONG} one.\n\nSee the worked example.") == [f"{LONG} one.\n\nSee the worked example."]
    assert blocks("") == []


def test_the_block_covering_the_question_scores_highest():
    from test_lexical import ALIASES, PASSAGES  # small passages written for the lexical tests

    index = LexicalIndex(PASSAGES, aliases=ALIASES, summaries={}, translations={"显存": "GPU memory"})
    found = ["A bias is one number a neuron adds to its weighted sum.",
             "The bias shifts the neuron's threshold, so it can fire when every input is zero.",
             "GPU memory holds the weights while the model runs."]
    scores = text_coverage(index, "what does the bias do to the threshold of a neuron", found)
    assert scores.shape == (3,) and int(scores.argmax()) == 1 and 0.0 <= scores.min() <= scores.max() <= 1.0
    assert int(text_coverage(index, "显存", found).argmax()) == 2  # people's words count as the KB's
    assert text_coverage(index, "zebra", found).tolist() == [0.0, 0.0, 0.0]
