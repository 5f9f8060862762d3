"""The lean encoder (the model's ONNX export on onnxruntime) against sentence-transformers.

Both run for real: the export is made by an index build, exactly as users get it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot import Retriever
from bot.encoder import (ENCODER_ENV, ONNX_FILES, VERIFIED_STAMP, OnnxEncoder, OnnxModel, SentenceTransformerEncoder,
                         checksum_holds, query_encoder)
from bot.errors import InputError, ParamsbotWarning
from bot.index import read_manifest
from bot.paths import data_dir, kb_dir
from conftest import REPO

HEAVY = ("torch", "transformers", "sentence_transformers")


@pytest.fixture(scope="module")
def kb_retriever(tmp_path_factory) -> Retriever:
    """paramsbot's own KB, indexed in a cache of this module's: the lean encoder answers."""
    retriever = Retriever.from_kb(cache_dir=tmp_path_factory.mktemp("onnx-cache"))
    assert isinstance(retriever.encoder, OnnxEncoder)
    return retriever


def eval_questions() -> list[str]:
    """Every question in data/eval/*.yaml, whatever the file's layout (values of `q` or
    `question` keys, and plain strings in lists of questions)."""
    found: list[str] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key in ("q", "question", "questions", "out_of_scope", "in_scope", "query"):
            found.append(node)

    for file in sorted((data_dir() / "eval").glob("*.yaml")):
        walk(yaml.safe_load(file.read_text(encoding="utf-8")))
    return list(dict.fromkeys(found))


def varied_texts(encoder: SentenceTransformerEncoder) -> list[str]:
    """Over 200 texts: every KB passage, eval questions, long ones past the 256-token limit,
    non-ASCII, code, numbers, odd whitespace and near-empty strings."""
    from bot.corpus import load_corpus

    passages = [p.embed_text for p in load_corpus(kb_dir(), encoder.count_tokens).passages]
    bodies = [f.read_text(encoding="utf-8") for f in sorted(kb_dir().rglob("*.md"))]
    texts = passages + eval_questions() + bodies  # whole articles: far over 256 tokens
    texts += [" ".join(passages[i:i + 4]) for i in range(0, 40, 4)]
    paragraphs = [p.strip() for body in bodies for p in body.split("\n\n") if p.strip()]
    texts += paragraphs[::3][:80]  # single paragraphs, lists and tables, front matter included
    texts += [
        "", " ", "?", "a", "bias", "BIAS!!!", "b i a s", "what is a bias " * 80,
        "¿Qué es un sesgo en una red neuronal?", "Was ist ein Gewicht?", "偏置是什么", "バイアスとは",
        "Смещение нейрона", "emoji 🎉🤖 parameters", "naïve café façade", "tab\tseparated\twords",
        "line\nbreaks\n\nand paragraphs", "```python\nimport torch\nw = torch.randn(4, 4)\n```",
        "7B × 2 bytes = 14 GB", "1e-12 eps 0.5 -0.25 3.14159", "GPT-3 175,000,000,000", "x" * 3000,
        "supercalifragilisticexpialidocious-" * 20, "<html><body>bias</body></html>", "SELECT * FROM weights;",
    ]
    return texts


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_onnx_vectors_match_sentence_transformers(kb_retriever, encoder):
    texts = varied_texts(encoder)
    long_ones = [t for t in texts if encoder.count_tokens(t) > 256]
    assert len(texts) >= 200 and len(long_ones) >= 20
    expected = encoder.encode(texts)
    got = kb_retriever.encoder.encode(texts)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert cosines(expected, got).min() >= 0.9999
    # One at a time (no padding) gives the same vectors as in padded batches.
    alone = np.vstack([kb_retriever.encoder.encode([t]) for t in texts[::17]])
    assert cosines(alone, got[::17]).min() >= 0.99999


@pytest.mark.parametrize("method", ["dense", None], ids=["dense", "default-method"])
def test_top5_rankings_identical_on_eval_questions(kb_retriever, encoder, method):
    questions = eval_questions()
    assert len(questions) >= 100
    torch_retriever = Retriever(kb_retriever.kb_root, encoder, kb_retriever._loaded)
    for question in questions:
        lean = [h.id for h in kb_retriever.search(question, k=5, method=method)]
        slow = [h.id for h in torch_retriever.search(question, k=5, method=method)]
        assert lean == slow, question


def test_manifest_records_the_export_with_its_checksum(kb_retriever):
    manifest = kb_retriever._loaded.manifest
    record = manifest["onnx"]
    folder = Path(kb_retriever._loaded.folder).parent.parent / record["folder"]
    assert sorted(p.name for p in folder.iterdir() if p.name != VERIFIED_STAMP) == sorted(ONNX_FILES)
    assert record["sha256"] == kb_retriever.encoder.onnx.sha256 and len(record["sha256"]) == 64
    export = json.loads((folder.parent / "export.json").read_text())
    assert export["sha256"] == record["sha256"] and export["verified"]["min_cosine"] >= 0.9999


@pytest.fixture
def export_copy(kb_retriever, tmp_path) -> OnnxModel:
    """A private copy of the real export, free to damage."""
    import shutil

    model = kb_retriever.encoder.onnx
    for name in ONNX_FILES:
        shutil.copyfile(model.folder / name, tmp_path / name)
    return OnnxModel(tmp_path, model.sha256)


def test_checksum_is_stamped_then_trusted_while_the_files_are_untouched(export_copy, monkeypatch):
    import bot.encoder

    assert checksum_holds(export_copy)
    stamp = json.loads((export_copy.folder / VERIFIED_STAMP).read_text())
    assert stamp["sha256"] == export_copy.sha256 and sorted(stamp["files"]) == sorted(ONNX_FILES)

    def no_hashing(folder):
        raise AssertionError("hashed although the stamp holds")

    monkeypatch.setattr(bot.encoder, "export_checksum", no_hashing)
    assert checksum_holds(export_copy)


def test_a_file_changed_after_the_stamp_is_hashed_again_and_fails(export_copy):
    """Same size, mtime set back: the ctime still gives the write away."""
    assert checksum_holds(export_copy)
    weights = export_copy.folder / "model.weights"
    before = weights.stat()
    data = bytearray(weights.read_bytes())
    data[len(data) // 3] ^= 0x01
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert weights.stat().st_size == before.st_size and weights.stat().st_mtime_ns == before.st_mtime_ns
    assert not checksum_holds(export_copy)


def test_a_stamp_for_another_checksum_or_damaged_is_ignored(export_copy):
    assert checksum_holds(export_copy)
    stamp = export_copy.folder / VERIFIED_STAMP
    wrong = OnnxModel(export_copy.folder, "0" * 64)
    assert not checksum_holds(wrong)  # the stamp vouches for the real checksum only
    stamp.write_text("{not json")
    assert checksum_holds(export_copy) and json.loads(stamp.read_text())["sha256"] == export_copy.sha256


def test_an_unwritable_stamp_means_hashing_every_time(export_copy, monkeypatch):
    """The stamp cannot be written (its name is taken by a folder, which stops root too)."""
    import bot.encoder

    (export_copy.folder / VERIFIED_STAMP).mkdir()
    hashed = []
    real = bot.encoder.export_checksum
    monkeypatch.setattr(bot.encoder, "export_checksum", lambda folder: hashed.append(folder) or real(folder))
    assert checksum_holds(export_copy) and checksum_holds(export_copy)
    assert len(hashed) == 2
    assert sorted(p.name for p in export_copy.folder.iterdir()) == sorted([*ONNX_FILES, VERIFIED_STAMP])


def test_encoder_choice(kb_retriever, encoder, monkeypatch):
    loaded = kb_retriever._loaded
    monkeypatch.setenv(ENCODER_ENV, "sentence-transformers")
    assert query_encoder(encoder, loaded.onnx) is encoder
    monkeypatch.setenv(ENCODER_ENV, "onnx")
    assert isinstance(query_encoder(encoder, loaded.onnx), OnnxEncoder)
    monkeypatch.setenv(ENCODER_ENV, "tensorflow")
    with pytest.raises(InputError, match=ENCODER_ENV):
        query_encoder(encoder, loaded.onnx)


def _export_folder(kb: Path, cache: Path) -> Path:
    from bot.index import index_folder

    return cache / read_manifest(index_folder(kb, cache))["onnx"]["folder"]


def test_export_refused_by_onnxruntime_falls_back_to_sentence_transformers(mini_kb, isolated_cache, encoder):
    """A file with the right checksum that onnxruntime cannot load: warn once, answer with torch."""
    Retriever.from_kb(mini_kb)
    folder = _export_folder(mini_kb, isolated_cache)
    (folder / "model.onnx").write_bytes(b"not an onnx graph")
    from bot.encoder import export_checksum

    checksum = export_checksum(folder)  # pretend the manifest was written for this broken file
    from bot.index import index_folder

    manifest_file = index_folder(mini_kb, isolated_cache) / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["onnx"]["sha256"] = checksum
    manifest["onnx"]["bytes"] = sum((folder / n).stat().st_size for n in ONNX_FILES)
    manifest_file.write_text(json.dumps(manifest))
    retriever = Retriever.from_kb(mini_kb)
    assert not retriever.rebuilt and isinstance(retriever.encoder, OnnxEncoder)
    with pytest.warns(ParamsbotWarning, match="onnxruntime cannot load the ONNX model"):
        hits = retriever.search("what is a bias", k=4)
    expected = Retriever(mini_kb, encoder, retriever._loaded).search("what is a bias", k=4)
    assert [(h.id, h.score) for h in hits] == [(h.id, h.score) for h in expected]


def test_missing_export_is_made_again_without_re_embedding(mini_kb, isolated_cache):
    Retriever.from_kb(mini_kb)
    folder = _export_folder(mini_kb, isolated_cache)
    (folder / "model.weights").unlink()
    again = Retriever.from_kb(mini_kb)
    assert again.rebuilt and again._loaded.manifest["build"]["embedded"] == 0
    assert isinstance(again.encoder, OnnxEncoder) and again.encoder.onnx.folder.is_dir()
    assert again.search("what is a bias", k=1)[0].path == "biases.md"


def _explain(*args: str, env: dict[str, str] | None = None, python_args: tuple[str, ...] = ()):
    return subprocess.run([sys.executable, *python_args, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, timeout=600)


def imported_modules(importtime_log: str) -> set[str]:
    """Every module named in a `python -X importtime` log."""
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", importtime_log, re.M))


@pytest.mark.slow
def test_one_shot_json_answer_never_imports_torch(mini_kb):
    """`explain --json` with a built index: onnxruntime answers; torch & co. are never imported."""
    assert _explain("--kb", str(mini_kb), "--json", "what is a bias").returncode == 0  # builds the index
    result = _explain("--kb", str(mini_kb), "--json", "what is a bias", python_args=("-X", "importtime"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["sources"][0]["path"] == "biases.md"
    modules = imported_modules(result.stderr)
    assert {"bot.cli", "onnxruntime", "tokenizers", "faiss"} <= modules, "the log is read correctly"
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == []
    assert "explain: warning" not in result.stderr


@pytest.mark.slow
def test_editing_a_file_re_embeds_it_without_torch(mini_kb, isolated_cache):
    assert _explain("--kb", str(mini_kb), "--json", "what is a bias").returncode == 0  # first build + export
    (mini_kb / "weights.md").write_text("---\ntitle: Weights\n---\n## What is a weight?\nA multiplier.\n")
    result = _explain("--kb", str(mini_kb), "--json", "what is a weight", python_args=("-X", "importtime"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["sources"][0]["path"] == "weights.md"
    assert not [m for m in imported_modules(result.stderr) if m.split(".")[0] in HEAVY]
    from bot.index import index_folder

    build = read_manifest(index_folder(mini_kb, isolated_cache))["build"]
    assert build == {**build, "embedded": 1, "reused": 3, "encoder": "OnnxEncoder"}


@pytest.mark.slow
def test_damaged_export_warns_on_one_line_and_answers_like_sentence_transformers(mini_kb, isolated_cache):
    built = _explain("--kb", str(mini_kb), "--json", "why does a neuron need a bias")
    assert built.returncode == 0, built.stderr
    weights = _export_folder(mini_kb, isolated_cache) / "model.weights"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, wrong checksum
    weights.write_bytes(bytes(data))
    damaged = _explain("--kb", str(mini_kb), "--json", "why does a neuron need a bias")
    assert damaged.returncode == 0, damaged.stderr
    warnings = [line for line in damaged.stderr.splitlines() if "warning" in line]
    assert warnings == ["explain: warning: the ONNX model failed its checksum; "
                        "using sentence-transformers instead (slower)"]
    forced = _explain("--kb", str(mini_kb), "--json", "why does a neuron need a bias",
                      env={ENCODER_ENV: "sentence-transformers"})
    assert json.loads(damaged.stdout) == json.loads(forced.stdout) == json.loads(built.stdout)
    # The damaged export was removed, so the next run exports it again and is lean once more.
    healed = _explain("--kb", str(mini_kb), "--json", "why does a neuron need a bias", python_args=("-X", "importtime"))
    assert healed.returncode == 0 and json.loads(healed.stdout) == json.loads(built.stdout)
    lean = _explain("--kb", str(mini_kb), "--json", "why does a neuron need a bias", python_args=("-X", "importtime"))
    assert not [m for m in imported_modules(lean.stderr) if m.split(".")[0] in HEAVY]
