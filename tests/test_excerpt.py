"""Reading KB files for other programs (bot.excerpt): sections, line ranges, and what is refused."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.excerpt import excerpt, parse_lines
from conftest import MINI_KB, write_kb

KNOWN = {"biases.md", "weights.md", "examples/two-inputs.md"}


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", MINI_KB)


@pytest.mark.parametrize(("spec", "expected"), [("12-30", (12, 30)), ("L12-L30", (12, 30)), ("7", (7, 7)),
                                                (" L3 - 4 ", (3, 4))])
def test_line_ranges_are_read_as_citations_write_them(spec: str, expected: tuple[int, int]) -> None:
    assert parse_lines(spec) == expected


@pytest.mark.parametrize("spec", ["", "twelve", "0-3", "9-2", "1-2-3", "L"])
def test_bad_line_ranges_are_refused(spec: str) -> None:
    with pytest.raises(InputError, match="lines"):
        parse_lines(spec)


def test_whole_file_section_and_lines(kb: Path) -> None:
    whole = excerpt(kb, "biases.md", KNOWN)
    assert (whole.line_start, whole.line_end, whole.total_lines) == (1, 17, 17)
    assert whole.text == (kb / "biases.md").read_text(encoding="utf-8").rstrip("\n")
    section = excerpt(kb, "biases.md", KNOWN, anchor="#why-does-a-neuron-need-a-bias")
    assert section.heading == "Biases > Why does a neuron need a bias?"
    assert (section.line_start, section.line_end) == (16, 17) and section.text.startswith("Without a bias")
    assert excerpt(kb, "biases.md", KNOWN, lines="L16-L17").text == section.text
    assert excerpt(kb, "biases.md", KNOWN, lines="16-999").line_end == 17  # clipped to the file
    intro = excerpt(kb, "examples/two-inputs.md", KNOWN, anchor="intro")
    assert intro.text.startswith("With inputs 1 and 2")


@pytest.mark.parametrize(("path", "options", "message"), [
    ("biases.md", {"lines": "40"}, "has 17 lines"),
    ("biases.md", {"anchor": "nope"}, "no section 'nope'; its sections: what-is-a-bias"),
    ("biases.md", {"anchor": "what-is-a-bias", "lines": "1"}, "not both"),
    ("../kb/biases.md", {}, "not a file of the knowledge base"),
    ("notes.md", {}, "not a file of the knowledge base"),
])
def test_refusals_are_one_line(kb: Path, path: str, options: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        excerpt(kb, path, KNOWN, **options)
    assert "\n" not in str(caught.value)


def test_a_symlink_out_of_the_kb_is_refused_and_one_inside_is_read(kb: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("secret\n", encoding="utf-8")
    (kb / "leak.md").symlink_to(tmp_path / "secret.md")
    (kb / "alias.md").symlink_to(kb / "weights.md")
    with pytest.raises(InputError, match="outside the knowledge base"):
        excerpt(kb, "leak.md", {*KNOWN, "leak.md"})
    assert excerpt(kb, "alias.md", {*KNOWN, "alias.md"}).title == "Weights"


def test_a_fifo_is_refused_without_blocking(kb: Path) -> None:
    os.mkfifo(kb / "pipe.md")
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            excerpt(kb, "pipe.md", {*KNOWN, "pipe.md"})
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], InputError) and "not a regular file" in str(outcome[0])


def test_a_section_runs_past_a_heading_hidden_in_a_comment(tmp_path: Path) -> None:
    """The section is the chunker's: a ``#`` line in an HTML comment neither starts one nor ends one."""
    kb = write_kb(tmp_path / "kb", {"notes.md": "---\ntitle: Notes\n---\n## Kept\n\nfirst\n\n<!--\n# draft\n-->\n\nlast\n"})
    section = excerpt(kb, "notes.md", {"notes.md"}, anchor="kept")
    assert (section.line_start, section.line_end) == (6, 12) and section.text.endswith("-->\n\nlast")
    with pytest.raises(InputError, match="no section 'draft'; its sections: kept"):
        excerpt(kb, "notes.md", {"notes.md"}, anchor="draft")
