"""A section's paragraphs, the units an answer is made of.

Retrieval finds the section; the sentences that answer are not always its first paragraph ("what
is the role of the bias?" is answered by the paragraph on what a bias does, not by the definition
that opens the section). A section is cut into blocks (paragraphs; a paragraph that ends with ":"
or is a short lead-in keeps the list, table or paragraph it introduces; a short closing line stays
with the paragraph before it), and the answer leads with the block that covers most of the question
(Retriever.block_scores). Scoring blocks by the question's terms, weighted by their IDF in the KB,
answered the judged real questions as well as embedding every block did, at a fraction of the cost
(no model call, no cache): --batch stayed at its old throughput.
"""

from __future__ import annotations

import re


#: A first paragraph shorter than this is a lead-in ("Both use 16 bits; they split them
#: differently."): the paragraph after it, which says how, belongs with it.
MIN_LEAD_WORDS = 40
#: A last paragraph shorter than this stays with the one before it.
MIN_TAIL_WORDS = 15


def blocks(text: str) -> list[str]:
    """The section's text as answerable blocks, in order (see the module docstring)."""
    out: list[str] = []
    for block in (b.strip("\n") for b in re.split(r"\n[ \t]*\n", text.strip()) if b.strip()):
        if out and (out[-1].rstrip().endswith(":") or len(out[-1].split()) < MIN_LEAD_WORDS):
            out[-1] = f"{out[-1]}\n\n{block}"  # a lead-in keeps what it introduces
        else:
            out.append(block)
    if len(out) > 1 and len(out[-1].split()) < MIN_TAIL_WORDS:
        out[-2:] = [f"{out[-2]}\n\n{out[-1]}"]  # a closing pointer ("See the worked example.") is not an answer
    return out


def first_block(text: str) -> str:
    found = blocks(text)
    return found[0] if found else ""
