"""The `explain` command through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot.cli import app
from conftest import REPO

runner = CliRunner()
CONTRACT = {"question", "kind", "answer", "sources", "examples", "see_also", "calculation"}


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def test_json_answer_contract(mini_kb):
    result = run("--kb", str(mini_kb), "--json", "what is a bias")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == CONTRACT
    assert data["kind"] == "answer" and data["question"] == "what is a bias"
    assert data["answer"].startswith("**What is a bias?**")
    assert data["sources"][0] == {"title": "Biases", "path": "biases.md",
                                  "heading": "Biases > What is a bias?", "score": data["sources"][0]["score"],
                                  "location": "biases.md#L11-L12"}  # the lines of the section's text
    assert data["examples"] == [{"title": "A neuron with two inputs", "path": "examples/two-inputs.md"}]
    assert data["calculation"] is None


def test_no_answer_exits_1_and_shows_no_passage(mini_kb):
    result = run("--kb", str(mini_kb), "--json", "who won the 2018 world cup")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["kind"] == "no_answer" and data["sources"] == [] and "parameters" in data["answer"]


def test_plain_text_when_piped(mini_kb):
    result = run("--kb", str(mini_kb), "-k", "2", "why does a neuron need a bias")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("**Why does a neuron need a bias?**")
    assert "Worked examples:\n  - A neuron with two inputs (examples/two-inputs.md)" in out
    assert "Sources (in " in out and "  2. " in out and "  3. " not in out
    assert "\x1b" not in out


@pytest.mark.parametrize("args, message", [
    ([], "give a question"),
    (["   "], "question is empty"),
    (["x" * 20_001], "too long"),
    (["-k", "0", "bias"], "Invalid value"),
    (["--batch", "f.txt", "question"], "not both"),
])
def test_usage_and_input_errors_exit_2(mini_kb, args, message):
    result = run("--kb", str(mini_kb), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_missing_kb_folder_is_one_line_exit_2(tmp_path):
    result = run("--kb", str(tmp_path / "nope"), "bias")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "not found" in result.output


def test_batch_answers_each_line_and_reports_bad_ones(mini_kb, tmp_path):
    batch = tmp_path / "questions.txt"
    batch.write_bytes(b"what is a bias\n\nwho won the 2018 world cup\n\xff\xfe bad bytes\nwhat is a weight\n")
    result = run("--kb", str(mini_kb), "--json", "--batch", str(batch))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["kind"] for line in lines] == ["answer", "no_answer", "error", "answer"]
    assert lines[2] == {"line": 4, "kind": "error", "error": "not UTF-8 text"}
    assert lines[3]["sources"][0]["path"] == "weights.md"
    assert result.exit_code == 2  # a line was bad; the others were still answered


def test_batch_from_stdin(mini_kb):
    result = run("--kb", str(mini_kb), "--batch", "-", input="what is a bias\nwhat is a weight\n")
    assert result.exit_code == 0
    assert [json.loads(x)["sources"][0]["path"] for x in result.stdout.splitlines()] == ["biases.md", "weights.md"]


def test_rebuild_flag(mini_kb):
    assert run("--kb", str(mini_kb), "bias").exit_code == 0
    result = run("--kb", str(mini_kb), "--rebuild")
    assert result.exit_code == 0 and "rebuilt" in result.output


def test_help_everywhere():
    for args in (["--help"], ["ask", "--help"]):
        result = run(*args)
        assert result.exit_code == 0 and "Usage" in result.output


def _subprocess(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.slow
def test_subprocess_json_and_exit_codes(mini_kb, tmp_path):
    answered = _subprocess("--kb", str(mini_kb), "--json", "what is a weight", cwd=tmp_path)
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["sources"][0]["path"] == "weights.md"
    assert "Traceback" not in answered.stderr
    refused = _subprocess("--kb", str(mini_kb), "--json", "what is the capital of France", cwd=tmp_path)
    assert refused.returncode == 1 and json.loads(refused.stdout)["kind"] == "no_answer"


HEAVY = ("torch", "transformers", "sentence_transformers", "faiss", "textual", "mcp", "mcp_types", "uvicorn")


@pytest.mark.parametrize("code", [
    "import bot",
    "import bot; bot.Retriever; bot.Hit; bot.answer_question",
    "import sys; sys.argv = ['explain', '--help']\nimport bot.cli\ntry:\n    bot.cli.main()\nexcept SystemExit:\n    pass",
])
def test_cheap_imports_load_no_heavy_modules(code):
    probe = f"{code}\nimport sys, json\nprint('@@' + json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.rsplit("@@", 1)[1])
    assert loaded == []
