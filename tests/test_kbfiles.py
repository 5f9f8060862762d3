"""The one KB-file reader: special files, links out of the folder, huge and binary files.

Each hostile file is checked at the reader, and the whole folder through the real `explain` command
(index scan, build and answer), which must finish, answer from the good files and name the bad ones.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.corpus import read_documents
from bot.errors import KnowledgeBaseError
from bot.kbfiles import MAX_FILE_BYTES, Refused, content_key, read_kb_file
from bot.tui.kb_docs import read_page
from conftest import MINI_KB, REPO, write_kb

SECRET = "the secret password is swordfish"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", MINI_KB)


def hostile(kb: Path) -> dict[str, str]:
    """Add one file of every kind the reader must refuse; what each one's reason must say."""
    (kb.parent / "outside.txt").write_text(f"## Secret\n\n{SECRET}\n")
    (kb / "leak.md").symlink_to(kb.parent / "outside.txt")
    (kb / "up.md").symlink_to(Path("..") / "outside.txt")
    os.mkfifo(kb / "pipe.md")
    (kb / "zero.md").symlink_to("/dev/zero")
    with (kb / "sparse.md").open("wb") as handle:  # 2 GB that takes no disk space
        handle.truncate(2 * 1024**3)
    (kb / "binary.md").write_bytes(b"## Binary\n\x00\x01\x02")
    (kb / "loop.md").symlink_to("loop.md")
    return {"leak.md": "outside the knowledge base", "up.md": "outside the knowledge base",
            "pipe.md": "FIFO", "zero.md": "outside the knowledge base", "sparse.md": "larger than 2 MB",
            "binary.md": "binary", "loop.md": "loop"}


def test_each_hostile_file_is_refused_with_its_reason(kb: Path) -> None:
    for name, reason in hostile(kb).items():
        with pytest.raises((Refused, OSError), match=reason):
            read_kb_file(kb, name)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "k", MINI_KB)  # a short path: socket names are limited to ~100 bytes
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(kb / "s.md"))
        with pytest.raises(Refused, match="socket"):
            read_kb_file(kb, "s.md")
    finally:
        server.close()


def test_a_device_is_refused_before_it_is_opened() -> None:
    with pytest.raises(Refused, match="a device"):
        read_kb_file(Path("/dev"), "zero")


def test_links_inside_the_folder_are_followed(kb: Path) -> None:
    (kb / "alias.md").symlink_to("biases.md")
    (kb / "examples" / "up.md").symlink_to(Path("..") / "weights.md")
    assert read_kb_file(kb, "alias.md") == (kb / "biases.md").read_bytes()
    assert read_kb_file(kb, "examples/up.md") == (kb / "weights.md").read_bytes()


def test_paths_out_of_the_folder_are_refused_even_when_the_target_exists(kb: Path) -> None:
    """Traversal is refused for a file that exists (``..``, an absolute path), not just missed."""
    (kb.parent / "outside.md").write_text("## Out\n\nout\n")
    for name in ("../outside.md", str(kb.parent / "outside.md"), "examples/../../outside.md"):
        with pytest.raises(Refused, match="outside"):
            read_kb_file(kb, name)
    with pytest.raises(Refused, match="outside"):
        read_kb_file(kb, ".")


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_not(kb: Path) -> None:
    (kb / "limit.md").write_bytes(b"a" * MAX_FILE_BYTES)
    (kb / "over.md").write_bytes(b"a" * (MAX_FILE_BYTES + 1))
    assert len(read_kb_file(kb, "limit.md")) == MAX_FILE_BYTES
    with pytest.raises(Refused, match="larger"):
        read_kb_file(kb, "over.md")


def test_content_key_names_why_a_file_is_skipped(kb: Path) -> None:
    reasons = hostile(kb)
    assert content_key(kb, "pipe.md") == "skipped: not a regular file (a FIFO)"
    assert content_key(kb, "missing.md") == "unreadable"
    assert len(content_key(kb, "biases.md")) == 64
    assert {name for name in reasons if content_key(kb, name).startswith("skipped")} == set(reasons)


def test_corpus_skips_hostile_files_by_name(kb: Path) -> None:
    reasons = hostile(kb)
    documents, problems = read_documents(kb)
    assert {d.path for d in documents} == {"biases.md", "weights.md", "examples/two-inputs.md"}
    assert {p.path for p in problems} == set(reasons)
    assert not any(SECRET in d.body for d in documents)


def test_the_reader_screen_refuses_a_link_out_of_the_folder(kb: Path) -> None:
    hostile(kb)
    for name in ("leak.md", "../outside.txt", "pipe.md"):
        with pytest.raises(KnowledgeBaseError):
            read_page(kb, name, {})
    assert read_page(kb, "biases.md", {}).title == "Biases"


@pytest.mark.slow
def test_explain_on_a_hostile_folder_answers_and_never_leaks(kb: Path, tmp_path: Path) -> None:
    """The real command, twice (build, then the no-op scan): no hang, no secret, every file named."""
    reasons = hostile(kb)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "bot", "--kb", str(kb), "--json", "what is the secret password"],
                              capture_output=True, text=True, cwd=tmp_path, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        assert done.returncode in (0, 1), done.stderr
        assert "swordfish" not in done.stdout
        assert {s["path"] for s in json.loads(done.stdout)["sources"]} <= {"biases.md", "weights.md", "examples/two-inputs.md"}
    bias = subprocess.run([sys.executable, "-m", "bot", "--kb", str(kb), "--rebuild"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert bias.returncode == 0, bias.stderr
    for name, reason in reasons.items():
        assert any(line.startswith(f"explain: skipped {name}: ") and reason in line
                   for line in bias.stderr.splitlines()), (name, bias.stderr)


# --- file names that hold escapes --------------------------------------------------------------

EVIL_NAMES = {"\x1b]0;owned\x07evil.md": "## What is an evil bias?\n\nAn evil bias is a bias in a file with a bad name.\n",
              "c1\x9b31mred.md": "## What is a red weight?\n\nA red weight is a weight in a file with a C1 name.\n",
              "bad\x1b[2J.md": "---\ntitle: [unclosed\n---\nskipped, and named\n"}


@pytest.mark.slow
def test_file_names_with_escapes_are_never_printed_raw(kb: Path, tmp_path: Path) -> None:
    for name, text in EVIL_NAMES.items():
        (kb / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [["--kb", str(kb), "--rebuild"], ["--kb", str(kb), "what is an evil bias"],
            ["--kb", str(kb), "--json", "what is a red weight"], ["-k", "3", "--kb", str(kb), "what is an evil bias"]]
    outputs = []
    for args in runs:
        done = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, cwd=tmp_path, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(done)
        for stream in (done.stdout, done.stderr):
            for raw in (b"\x1b", b"\x07", "\x9b".encode()):
                assert raw not in stream, (args, stream)
    assert b"explain: skipped bad.md: front matter" in outputs[0].stderr
    assert b"(evil.md, score" in outputs[1].stdout  # the whole OSC sequence is gone, not just its ESC
    answer = json.loads(outputs[2].stdout)
    assert answer["sources"][0]["path"] == "c1\x9b31mred.md"  # the JSON value is exact, written as \u009b


def test_the_folders_own_readme_is_not_an_article(kb: Path) -> None:
    """A README.md at the top of a KB folder tells its editors how to write articles (paramsbot's
    kb/README.md does): it is never indexed. A README deeper down is an ordinary file."""
    from bot.kbfiles import markdown_files
    from bot.paths import kb_dir

    (kb / "ReadMe.md").write_text("# How to write articles\n\n## What is a heading?\n\nA question.\n")
    (kb / "examples" / "README.md").write_text("---\ntitle: Examples\n---\n\n## What is an example?\n\nOne.\n")
    documents, problems = read_documents(kb)
    assert problems == [] and "ReadMe.md" not in {d.path for d in documents}
    assert "examples/README.md" in {d.path for d in documents}
    assert (kb_dir() / "README.md").is_file()
    assert kb_dir() / "README.md" not in markdown_files(kb_dir())
