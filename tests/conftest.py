"""Shared fixtures. The real model and real FAISS are used throughout; the model loads once per
test process (the encoder caches it), and every test gets its own cache folder."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test writes indexes to its own folder, never to the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("PARAMSBOT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test keeps the app's settings in its own folder (not yet made), never the user's."""
    folder = tmp_path / "config"
    monkeypatch.setenv("PARAMSBOT_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def kb_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the built index of paramsbot's own KB, built once per test session by the
    command itself (`python -m bot --rebuild`, then one question, which also embeds the headings).
    For subprocess tests of the default KB: pass it as PARAMSBOT_CACHE_DIR and only read it."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("kb-index")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PARAMSBOT_CACHE_DIR": str(folder)}
    for args in (["--rebuild"], ["--json", "what is a bias"]):
        done = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                              cwd=REPO, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    return folder


@pytest.fixture(scope="session")
def encoder():
    from bot.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder()


def write_kb(root: Path, files: dict[str, str]) -> Path:
    """Write a small knowledge base (dedented) and return its folder."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


MINI_KB = {
    "biases.md": """
        ---
        title: Biases
        summary: A bias is a learned number that shifts a neuron's output.
        aliases: [bias, offset]
        related: [weights.md]
        examples: [examples/two-inputs.md]
        ---

        ## What is a bias?

        A bias is a learned number added to a neuron's weighted sum, so the output can move
        away from zero even when every input is zero.

        ## Why does a neuron need a bias?

        Without a bias, the line a neuron draws must pass through the origin; the bias lets it
        cross the y-axis anywhere.
        """,
    "weights.md": """
        ---
        title: Weights
        summary: A weight scales one input of a neuron.
        examples: [examples/two-inputs.md]
        ---

        ## What is a weight?

        A weight is the strength of one connection: the number an input is multiplied by
        before the neuron adds everything up.
        """,
    "examples/two-inputs.md": """
        ---
        title: A neuron with two inputs
        kind: example
        related: [biases.md, weights.md]
        ---

        With inputs 1 and 2, weights 0.5 and -0.25 and bias 0.1, the neuron computes
        1*0.5 + 2*(-0.25) + 0.1 = 0.1.
        """,
}


@pytest.fixture
def mini_kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", MINI_KB)


@pytest.fixture
def make_kb(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    def make(files: dict[str, str]) -> Path:
        return write_kb(tmp_path / "kb", files)

    return make
