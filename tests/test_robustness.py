"""Hostile and broken input: questions, KB folders, caches, concurrent use, terminal escapes."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer import answer_question
from bot.corpus import chunk_document, parse_document
from bot.errors import InputError
from bot.index import MANIFEST, index_folder, open_index, read_manifest
from bot.retriever import Retriever
from conftest import MINI_KB, REPO, write_kb

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def shared_retriever(tmp_path_factory):
    kb = write_kb(tmp_path_factory.mktemp("kb"), MINI_KB)
    return Retriever.from_kb(kb, cache_dir=tmp_path_factory.mktemp("cache"))


# --- questions ---------------------------------------------------------------------------------

@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=200).map(lambda b: b.decode("utf-8", "surrogateescape")))
def test_any_question_gets_an_answer_or_an_input_error(shared_retriever, question):
    try:
        result = answer_question(question, shared_retriever)
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert result.kind in {"answer", "no_answer"}
    for text in (result.question, result.answer, *(s.heading for s in result.sources)):
        assert not CONTROL.search(text) and "\x1b" not in text
    json.dumps(result.to_json())


@pytest.mark.parametrize("question, message", [
    ("", "empty"), ("   \n\t ", "empty"), ("\x00\x00", "empty"), ("\x1b[2J\x1b]0;pwned\x07", "empty"),
    ("bias " * 250_000, "too long"),
])
def test_unusable_questions_are_named(shared_retriever, question, message):
    with pytest.raises(InputError, match=message):
        answer_question(question, shared_retriever)


def test_escape_sequences_are_stripped_but_the_question_is_answered(shared_retriever):
    result = answer_question("what is a \x1b[31mbias\x1b[0m\x1b]0;retitled\x07?", shared_retriever)
    assert result.question == "what is a bias?" and result.sources[0].path == "biases.md"


# --- knowledge-base folders --------------------------------------------------------------------

@FUZZ
@given(front=st.text(max_size=200), body=st.text(max_size=400))
def test_any_markdown_parses_or_is_rejected_with_a_reason(front, body):
    raw = f"---\n{front}\n---\n{body}".encode("utf-8", "surrogatepass")
    try:
        doc = parse_document("fuzz.md", raw)
    except ValueError as error:
        assert str(error)
        return
    for passage in chunk_document(doc, lambda text: len(text.split()) + 2, max_tokens=64):
        assert passage.text.strip() and passage.id.startswith("fuzz.md#")
        assert not CONTROL.search(passage.text.replace("\n", "").replace("\t", ""))


def test_symlink_loop_and_bad_files_are_survived(make_kb, encoder):
    kb = make_kb(MINI_KB)
    (kb / "loop").symlink_to(kb, target_is_directory=True)
    (kb / "huge.md").write_bytes(b"## Big\n" + b"word " * 500_000)
    (kb / "bad.md").write_text("---\ntitle: [oops\n---\n")
    (kb / "binary.md").write_bytes(bytes(range(256)))
    loaded = open_index(kb, encoder)
    assert {p.path for p in loaded.passages} == {"biases.md", "weights.md", "examples/two-inputs.md"}
    assert sorted(problem.split(":")[0] for problem in loaded.problems) == ["bad.md", "binary.md", "huge.md"]
    assert not open_index(kb, encoder).rebuilt, "unchanged bad files do not force rebuilds"


def test_file_changed_while_indexing_is_reindexed_next_time(make_kb, encoder):
    kb = make_kb(MINI_KB)

    class EditsDuringEncode:
        """The real encoder, but a file is edited while the passages are being embedded."""

        model_id, dimension, max_tokens = encoder.model_id, encoder.dimension, encoder.max_tokens
        fingerprint = encoder.fingerprint
        count_tokens = staticmethod(encoder.count_tokens)

        def encode(self, texts, progress=None):
            (kb / "weights.md").write_text("---\ntitle: Weights\n---\n## Edited\nchanged mid-build\n")
            return encoder.encode(texts, progress=progress)

    first = open_index(kb, EditsDuringEncode())
    assert not any(p.heading == "Weights > Edited" for p in first.passages)
    second = open_index(kb, encoder)
    assert second.rebuilt and any(p.heading == "Weights > Edited" for p in second.passages)


# --- caches ------------------------------------------------------------------------------------

def _mutations(manifest: dict) -> st.SearchStrategy:
    keys = sorted(manifest)
    junk = st.none() | st.integers() | st.text(max_size=5) | st.lists(st.integers(), max_size=3) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
    return st.lists(st.tuples(st.sampled_from(keys), junk), min_size=1, max_size=3)


@pytest.mark.slow
def test_fuzzed_manifests_never_crash_or_serve_a_bad_index(mini_kb, encoder):
    open_index(mini_kb, encoder)
    folder = index_folder(mini_kb)
    good = read_manifest(folder)

    @settings(max_examples=40, deadline=None)
    @given(_mutations(good))
    def check(changes):
        broken = {**good, **dict(changes)}
        (folder / MANIFEST).write_text(json.dumps(broken))
        loaded = open_index(mini_kb, encoder)
        assert loaded.index.ntotal == len(loaded.passages) == 4
        assert read_manifest(folder)["passages"] == good["passages"]

    check()


def test_manifest_from_another_format_version_is_rebuilt(mini_kb, encoder):
    open_index(mini_kb, encoder)
    folder = index_folder(mini_kb)
    manifest = read_manifest(folder)
    manifest["format_version"] = 999
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert open_index(mini_kb, encoder).rebuilt


# --- the real command: escapes, bad bytes, concurrency ----------------------------------------

def _explain(*args: str | bytes, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, timeout=300, **kwargs)


@pytest.mark.slow
def test_no_escape_byte_from_input_or_kb_reaches_stdout(make_kb):
    kb = make_kb({**MINI_KB, "evil.md": "---\ntitle: \"Ti\\e]0;owned\\atle\"\n---\n## What is a bias \x1b[8m hidden?\n\nA bias \x1b]0;retitled\x07 shifts \x1b[31moutput\x1b[0m.\n"})
    question = "what is a bias \x1b]0;owned\x07 \x1b[2J"
    for args in (["--kb", str(kb), question], ["--kb", str(kb), "--json", question]):
        out = _explain(*args)
        assert out.returncode in (0, 1), out.stderr
        assert b"\x1b" not in out.stdout and b"\x07" not in out.stdout
        assert b"\x1b" not in out.stderr


@pytest.mark.slow
def test_terminal_output_has_no_escape_from_input(make_kb):
    """On a real terminal Rich may colour, but nothing from the question or KB drives the terminal."""
    kb = make_kb({**MINI_KB, "evil.md": "## Bias trick\n\nA bias \x1b]0;retitled\x07 shifts \x1b[5moutput.\n"})
    pid, fd = pty.fork()
    if pid == 0:  # child: run explain on the pty
        os.execv(sys.executable, [sys.executable, "-m", "bot", "--kb", str(kb), "what is a bias trick \x1b]2;owned\x07"])
    output = b""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    while os.waitpid(pid, os.WNOHANG) == (0, 0):  # reaped within the same deadline, never waited on for ever
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)  # a killed child is reaped at once
            pytest.fail("explain on a terminal did not finish within 240 s")
        time.sleep(0.05)
    assert b"Bias trick" in output
    for forbidden in (b"\x1b]0;", b"\x1b]2;", b"\x07", b"\x1b[5m", b"retitled\x07"):
        assert forbidden not in output


@pytest.mark.slow
def test_undecodable_question_bytes(mini_kb):
    out = _explain("--kb", str(mini_kb), "--json", b"what is a bias \xff\xfe")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["question"] == "what is a bias"
    junk = _explain("--kb", str(mini_kb), b"\xff\xfe\x07\x1b")  # argv cannot hold NUL
    assert junk.returncode == 2 and b"empty" in junk.stderr and b"Traceback" not in junk.stderr


@pytest.mark.slow
def test_concurrent_processes_with_one_rebuilding(mini_kb, isolated_cache):
    env = {**os.environ, "PARAMSBOT_CACHE_DIR": str(isolated_cache)}
    jobs = [
        ["--kb", str(mini_kb), "--json", "what is a bias"],
        ["--kb", str(mini_kb), "--json", "what is a weight"],
        ["--kb", str(mini_kb), "--rebuild"],
        ["--kb", str(mini_kb), "--json", "why does a neuron need a bias"],
    ]
    procs = [subprocess.Popen([sys.executable, "-m", "bot", *job], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) for job in jobs]
    results = [(p.wait(timeout=600), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, _, err in results:
        assert code == 0 and b"Traceback" not in err, err
    expected = ["biases.md", "weights.md", None, "biases.md"]
    for (_, out, _), path in zip(results, expected):
        if path:
            assert json.loads(out)["sources"][0]["path"] == path
    folder = index_folder(mini_kb, isolated_cache)
    manifest = read_manifest(folder)
    assert manifest and len(list(folder.glob("index-*.faiss"))) == 1
    assert (folder / manifest["index"]["file"]).exists()
    assert not list(folder.glob("*.tmp"))


def test_no_code_execution_from_data():
    """No pickle, eval/exec, unsafe YAML or remote code anywhere in the package."""
    banned = re.compile(r"\bimport pickle\b|\bpickle\.load|\beval\(|\bexec\(|yaml\.load\(|yaml\.unsafe_load|"
                        r"trust_remote_code\s*=\s*True|allow_pickle\s*=\s*True|\bUnpickler\b")
    offenders = [f"{path.relative_to(REPO)}:{n}" for path in (REPO / "bot").rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if banned.search(line)]
    assert offenders == []
