"""Front matter, heading-aware chunking, and headings as CommonMark finds them (markdown-it-py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.corpus import chunk_document, load_corpus, parse_document, read_documents, slugify
from bot.errors import KnowledgeBaseError


def words(text: str) -> int:
    """A stand-in token counter for structure tests (the real tokenizer is tested below)."""
    return len(text.split()) + 2


def doc(body: str, front: str = "title: Biases\n", path: str = "biases.md"):
    raw = f"---\n{front}---\n{textwrap.dedent(body)}"
    return parse_document(path, raw.encode())


def test_front_matter_fields_are_read():
    d = doc("text\n", "title: Biases\nsummary: Shifts.\naliases: [bias, baises]\nrelated: [w.md]\nexamples: [examples/e.md]\n")
    assert (d.title, d.summary, d.aliases, d.related, d.examples) == (
        "Biases", "Shifts.", ("bias", "baises"), ("w.md",), ("examples/e.md",))
    assert d.kind == "article"
    assert len(d.sha256) == 64


def test_file_under_examples_is_an_example_and_title_falls_back_to_h1():
    d = parse_document("examples/x.md", b"# Forward pass\n\nSome numbers.\n")
    assert d.kind == "example" and d.title == "Forward pass"


def test_headings_give_paths_and_stable_ids():
    d = doc("""
        Intro text.

        ## Why a bias matters

        Because lines need not pass through the origin.

        ### In one neuron

        One bias per neuron.

        ## Why a bias matters

        Duplicate heading text.
        """)
    passages = chunk_document(d, words)
    assert [p.heading for p in passages] == [
        "Biases", "Biases > Why a bias matters", "Biases > Why a bias matters > In one neuron",
        "Biases > Why a bias matters"]
    assert [p.id for p in passages] == [
        "biases.md#intro", "biases.md#why-a-bias-matters", "biases.md#in-one-neuron",
        "biases.md#why-a-bias-matters-1"]
    assert passages[1].embed_text.startswith("Biases > Why a bias matters\n\nBecause")
    # Chunking the same text twice gives the same ids.
    assert [p.id for p in chunk_document(d, words)] == [p.id for p in passages]


@pytest.mark.parametrize("fence_open, inner, fence_close", [
    ("```", "```text  (an info string: not a closing fence)", "```"),
    ("~~~", "```", "~~~"),
    ("````python", "```", "`````"),
    ("   ```", "  ~~~", "```"),
    ("~~~~", "~~~", "~~~~~~"),
])
def test_hash_lines_inside_fences_are_not_headings(fence_open, inner, fence_close):
    d = doc(f"""
        ## Code

        {fence_open}
        # comment, not a heading
        ## neither is this
        {inner}
        # still inside: that line did not close the fence
        {fence_close}

        ## After
        done
        """)
    headings = [p.heading for p in chunk_document(d, words)]
    assert headings == ["Biases > Code", "Biases > After"]


def test_unclosed_fence_runs_to_end_of_document():
    d = doc("""
        ## Code
        ```
        # not a heading
        ## nor this
        """)
    passages = chunk_document(d, words)
    assert [p.heading for p in passages] == ["Biases > Code"]
    assert "## nor this" in passages[0].text


def test_four_space_indented_hash_is_not_a_heading_but_setext_is():
    d = doc("""
        Intro

            # indented code

        Setext heading
        --------------
        body
        """)
    assert [p.heading for p in chunk_document(d, words)] == ["Biases", "Biases > Setext heading"]


def test_leading_h1_equal_to_title_is_not_repeated():
    d = doc("# Biases\n\n## What is a bias?\n\nA number.\n")
    assert [p.heading for p in chunk_document(d, words)] == ["Biases > What is a bias?"]


def test_long_sections_are_split_under_the_model_limit(encoder):
    paragraph = "A bias is a learned number that shifts the output of a neuron. " * 12
    d = doc("## Long\n\n" + "\n\n".join([paragraph] * 6) + "\n\n" + "word " * 600 + "\n")
    passages = chunk_document(d, encoder.count_tokens, max_tokens=256)
    assert len(passages) > 3
    assert all(encoder.count_tokens(p.embed_text) <= 256 for p in passages)
    assert passages[0].id == "biases.md#long" and passages[1].id == "biases.md#long-part-2"
    assert all(p.heading == "Biases > Long" for p in passages)
    # Nothing is lost: every word of the section is in some part.
    assert sum(p.text.count("word") for p in passages) == 600


def test_slugify_matches_github_style():
    assert slugify("Why does a neuron need a bias?") == "why-does-a-neuron-need-a-bias"
    assert slugify("w(i, j) notation") == "wi-j-notation"
    assert slugify("Q/K/V & O") == "qkv--o"


def test_bad_files_are_reported_and_skipped(tmp_path):
    (tmp_path / "good.md").write_text("---\ntitle: Good\n---\n## Fine\ntext\n")
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\ntext\n")
    (tmp_path / "list.md").write_text("---\n- a\n- b\n---\ntext\n")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "tagged.md").write_text("---\ntitle: !!python/object/apply:os.system [echo]\n---\nx\n")
    docs, problems = read_documents(tmp_path)
    assert [d.path for d in docs] == ["good.md"]
    reasons = {p.path: p.reason for p in problems}
    assert set(reasons) == {"broken.md", "list.md", "binary.md", "latin1.md", "tagged.md"}
    assert "YAML" in reasons["broken.md"] and "UTF-8" in reasons["latin1.md"]


def test_escape_sequences_in_kb_text_are_removed():
    d = doc("## Colour\n\nred \x1b[31mtext\x1b[0m and a \x1b]0;title\x07 title\n")
    assert "\x1b" not in chunk_document(d, words)[0].text


def test_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="no Markdown"):
        load_corpus(tmp_path, words)
    with pytest.raises(KnowledgeBaseError, match="not found"):
        load_corpus(tmp_path / "missing", words)


def _lines(raw: str, start: int, end: int) -> str:
    return "\n".join(raw.split("\n")[start - 1:end])


def test_passages_know_their_lines_in_the_source_file():
    raw = ("---\ntitle: Biases\n---\n\nIntro line.\n\n## Why a bias matters\n\n\nFirst paragraph.\nStill first.\n\n"
           "```\n# not a heading\n```\n\nSetext heading\n--------------\nUnder setext.\n")
    passages = chunk_document(parse_document("biases.md", raw.encode()), words)
    spans = {p.anchor: (p.line_start, p.line_end) for p in passages}
    assert spans == {"": (5, 5), "why-a-bias-matters": (10, 15), "setext-heading": (19, 19)}
    assert _lines(raw, 10, 15).startswith("First paragraph.") and _lines(raw, 10, 15).endswith("```")


def test_parts_of_a_long_section_have_their_own_lines():
    paragraphs = [f"Paragraph {n} " + "word " * 40 for n in range(6)]
    raw = "# Title\n\n## Long\n\n" + "\n\n".join(paragraphs) + "\n"
    passages = chunk_document(parse_document("long.md", raw.encode()), words, max_tokens=100)
    assert len(passages) > 1
    for p in passages:
        first, last = p.text.split()[0:2], p.text.split()[-1]
        text = _lines(raw, p.line_start, p.line_end)
        assert text.split()[0:2] == first and text.split()[-1] == last
    assert [p.line_start for p in passages] == sorted({p.line_start for p in passages})
    assert passages[-1].line_end == raw.count("\n")


def test_kb_passages_cite_lines_holding_their_text():
    corpus = load_corpus(Path(__file__).resolve().parent.parent / "kb", words)
    for p in corpus.passages:
        cited = _lines((corpus.root / p.path).read_text(encoding="utf-8"), p.line_start, p.line_end)
        assert cited.split() == p.text.split() or (cited.split()[0], cited.split()[-1]) == (
            p.text.split()[0], p.text.split()[-1]), p.id


# --- headings as CommonMark finds them (markdown-it-py) ------------------------------------------

def _headings(body: str) -> list[str]:
    return [p.heading for p in chunk_document(doc(body), words)]


@pytest.mark.parametrize("hidden", [
    "<!--\n# in a comment\n-->",
    "<!-- a comment\n\n## across a blank line\n\n-->",
    "<div>\n# in an HTML block\n</div>",
    "```\n# in a backtick fence\n```",
    "~~~\n## in a tilde fence\n~~~",
    "    # in indented code",
    "#not-a-heading: no space after the hash",
    "> # quoted: belongs to its quote",
    "- # in a list item: belongs to its list",
])
def test_only_real_top_level_headings_are_sections(hidden):
    body = f"## Before\n\ntext\n\n{hidden}\n\nmore\n\n## After\n\ndone\n"
    passages = chunk_document(doc(body), words)
    assert [p.heading for p in passages] == ["Biases > Before", "Biases > After"]
    assert hidden.split("\n")[0] in passages[0].text  # kept as the section's text, not dropped


def test_setext_headings_one_and_several_lines():
    assert _headings("Top\n===\n\nintro\n\nTwo lines\nof heading\n---\n\nbody\n") == [
        "Biases > Top", "Biases > Top > Two lines of heading"]
    passages = chunk_document(doc("Two lines\nof heading\n---\n\nbody\n"), words)
    assert [(p.anchor, p.text, p.line_start) for p in passages] == [("two-lines-of-heading", "body", 8)]


def test_heading_text_drops_closing_hashes_and_keeps_inline_markup():
    passages = chunk_document(doc("## The *bias* in `y = wx + b` ##\n\ntext\n\n### C# is kept #\n\nmore\n"), words)
    assert [p.heading_path[-1] for p in passages] == ["The *bias* in `y = wx + b`", "C# is kept"]
    assert [p.anchor for p in passages] == ["the-bias-in-y--wx--b", "c-is-kept"]


def test_empty_heading_keeps_the_previous_anchor():
    passages = chunk_document(doc("## Named\n\ntext\n\n##\n\nmore\n"), words)
    assert [p.anchor for p in passages] == ["named", "named"]


@pytest.mark.parametrize("body", [
    "## Code\n\n```python\n# never closed\n## still code\n",
    "## Html\n\n<!-- never closed\n# still a comment\n",
    "## Odd\n\n> > > deep\n- - - *\n  ```\n[x]: <\n<div\n\t#\n",
    "",
    "\n\n\n",
])
def test_malformed_markdown_chunks_without_error(body):
    passages = chunk_document(doc(body), words)
    assert all(p.heading.startswith("Biases") for p in passages)
    if body.startswith("## "):
        assert [p.heading for p in passages] == [f"Biases > {body[3:].split(chr(10))[0]}"]


def test_title_falls_back_to_the_first_real_h1():
    d = parse_document("x.md", b"<!--\n# Draft title\n-->\n\n```\n# code\n```\n\n# Real title\n\ntext\n")
    assert d.title == "Real title"


def test_markdown_it_is_imported_only_to_find_headings():
    """Answering from a built index reads passages, never Markdown: it must not pay for markdown-it."""
    probe = ("import sys\nfrom bot.corpus import Passage, parse_document, slugify\n"
             "parse_document('a.md', b'---\\ntitle: A\\n---\\n# A\\ntext\\n')\n"
             "print('markdown_it' in sys.modules)\n"
             "from bot.corpus import chunk_document\n"
             "chunk_document(parse_document('a.md', b'# A\\ntext\\n'), len)\n"
             "print('markdown_it' in sys.modules)\n")
    repo = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=repo, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.slow
def test_a_one_shot_answer_from_a_built_index_never_imports_markdown_it(kb_index_cache):
    """`explain --json` reads passages from the index: it must not pay for the Markdown parser."""
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo), "PARAMSBOT_CACHE_DIR": str(kb_index_cache)}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", "--json", "what is a bias"],
                          capture_output=True, text=True, cwd=repo, env=env, timeout=300)
    assert done.returncode == 0 and json.loads(done.stdout)["kind"] == "answer", done.stderr[-2000:]
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", done.stderr, re.M))
    assert {"bot.corpus", "faiss"} <= modules, "the log is read correctly"
    assert sorted(m for m in modules if m.split(".")[0] == "markdown_it") == []
