"""Weight files counted from their headers (bot/calc/weights.py), written by each library's own writer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.calc.file_report import report_for_weights
from bot.calc.weights import read_weights
from bot.errors import InputError

import safetensors.numpy as safetensors_numpy
import gguf

TENSORS = {
    "model.embed_tokens.weight": np.zeros((100, 8), np.float16),
    "model.layers.0.self_attn.q_proj.weight": np.zeros((8, 8), np.float32),
    "model.layers.0.mlp.experts.0.up_proj.weight": np.zeros((4, 8), np.int8),
    "model.layers.0.input_layernorm.weight": np.zeros((8,), np.float16),
    "lm_head.weight": np.zeros((100, 8), np.float16),
}


def test_a_safetensors_file(tmp_path):
    path = tmp_path / "model.safetensors"
    safetensors_numpy.save_file(TENSORS, str(path))
    r = read_weights(path)
    assert r.elements == sum(t.size for t in TENSORS.values()) == 1704
    assert r.bytes == sum(t.nbytes for t in TENSORS.values())
    assert {d.name: (d.elements, d.bytes) for d in r.by_dtype} == {"F16": (1608, 3216), "F32": (64, 256),
                                                                    "I8": (32, 32)}
    assert r.components == {"embeddings": 800, "head": 800, "attention": 64, "experts": 32, "norms": 8}


def test_a_sharded_checkpoint_by_index_and_by_folder(tmp_path):
    names = list(TENSORS)
    shards = {"model-00001-of-00002.safetensors": names[:2], "model-00002-of-00002.safetensors": names[2:]}
    for shard, keys in shards.items():
        safetensors_numpy.save_file({k: TENSORS[k] for k in keys}, str(tmp_path / shard))
    index = {"metadata": {"total_size": 0}, "weight_map": {k: s for s, keys in shards.items() for k in keys}}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    for target in (tmp_path / "model.safetensors.index.json", tmp_path):
        r = read_weights(target)
        assert (r.files, r.tensors, r.elements) == (2, 5, 1704)
    index["weight_map"]["extra.weight"] = "model-00001-of-00002.safetensors"
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(InputError, match="extra.weight"):
        read_weights(tmp_path)


def _write_gguf(path, *, q4k_blocks: int = 2):
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(1)
    q8 = gguf.quants.quantize(np.random.default_rng(0).random((4, 64), dtype=np.float32), gguf.GGMLQuantizationType.Q8_0)
    writer.add_tensor("blk.0.attn_q.weight", q8, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    # Q4_K: 256 weights in a 144-byte super-block (4.5 bits per weight), written as raw bytes.
    writer.add_tensor("blk.0.ffn_down.weight", np.zeros((q4k_blocks, 144), np.uint8),
                      raw_dtype=gguf.GGMLQuantizationType.Q4_K)
    writer.add_tensor("token_embd.weight", np.zeros((10, 32), np.float16))
    writer.add_tensor("output_norm.weight", np.zeros((32,), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_a_gguf_file_with_mixed_quantisation(tmp_path):
    path = tmp_path / "model.gguf"
    _write_gguf(path)
    r = read_weights(path)
    assert r.format == "gguf" and r.architecture == "llama" and r.tensors == 4
    by = {d.name: d for d in r.by_dtype}
    assert (by["Q8_0"].elements, by["Q8_0"].bytes) == (256, 8 * 34)       # 32 weights in 34 bytes
    assert (by["Q4_K"].elements, by["Q4_K"].bytes) == (512, 2 * 144)
    assert by["Q4_K"].bits_per_weight == 4.5 and by["Q8_0"].bits_per_weight == 8.5
    assert r.elements == 256 + 512 + 320 + 32
    assert r.components["mlp"] == 512
    assert r.components["attention"] == 256 and r.components["embeddings"] == 320 and r.components["norms"] == 32
    report = report_for_weights(path)
    assert report.params_total == r.elements and report.weights_file["bits_per_weight"] == round(r.bits_per_weight, 4)


@pytest.mark.parametrize("cut", [0, 4, 7, 30, -40])
def test_truncated_safetensors(tmp_path, cut):
    full = tmp_path / "full.safetensors"
    safetensors_numpy.save_file(TENSORS, str(full))
    data = full.read_bytes()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(data[:cut] if cut >= 0 else data[:cut])
    with pytest.raises(InputError) as error:
        read_weights(bad)
    assert "bad.safetensors" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("cut", [0, 3, 10, 100, -50])
def test_truncated_gguf(tmp_path, cut):
    full = tmp_path / "full.gguf"
    _write_gguf(full)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(full.read_bytes()[:cut])
    with pytest.raises(InputError) as error:
        read_weights(bad)
    assert "bad.gguf" in str(error.value) and "\n" not in str(error.value)


def test_not_weights(tmp_path):
    (tmp_path / "x.gguf").write_bytes(b"NOPE" + b"\0" * 100)
    with pytest.raises(InputError, match="not GGUF"):
        read_weights(tmp_path / "x.gguf")
    (tmp_path / "y.safetensors").write_bytes((8).to_bytes(8, "little") + b"not json")
    with pytest.raises(InputError, match="not JSON"):
        read_weights(tmp_path / "y.safetensors")
    (tmp_path / "z.bin").write_bytes(b"\0")
    with pytest.raises(InputError, match="not a .safetensors"):
        read_weights(tmp_path / "z.bin")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="holds no"):
        read_weights(empty)
    with pytest.raises(InputError, match="not found"):
        read_weights(tmp_path / "missing.safetensors")


@pytest.mark.parametrize("make, option", [
    (lambda d: (d / "config.json").write_text("{not json"), "--config"),
    (lambda d: (d / "config.json").write_text('{"model_type": "qwen3", "hidden_size": 64}'), "--config"),
    (lambda d: (d / "config.json").write_text('{"model_type": "x_new", "auto_map": {"AutoConfig": "a.B"}}'), "--config"),
    (lambda d: (d / "config.json").write_text(""), "--config"),
    (lambda d: None, "--config"),                                       # a folder without a config
    (lambda d: (d / "model.safetensors").write_bytes(b"\x10\0\0\0\0\0\0\0{"), "--weights"),
    (lambda d: (d / "model.gguf").write_bytes(b"GGUF\x03\0"), "--weights"),
    (lambda d: (d / "model.gguf").write_bytes(b""), "--weights"),
])
def test_bad_files_on_the_command_line_give_one_line_and_exit_2(tmp_path, make, option):
    from typer.testing import CliRunner

    from bot.cli import app

    make(tmp_path)
    files = [p for p in tmp_path.iterdir() if p.name != "config.json"]
    target = files[0] if option == "--weights" else tmp_path
    result = CliRunner().invoke(app, ["calc", option, str(target)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if not line.endswith("(loading torch)…")]
    assert len(errors) == 1 and errors[0].startswith("explain: ") and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_weights_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from bot.cli import app

    _write_gguf(tmp_path / "m.gguf")
    result = CliRunner().invoke(app, ["calc", "--weights", str(tmp_path / "m.gguf")])
    assert result.exit_code == 0, result.output
    assert "Q4_K" in result.stdout and "4.5000 bits/weight" in result.stdout
    data = json.loads(CliRunner().invoke(app, ["calc", "--weights", str(tmp_path), "--json"]).stdout)
    assert data["kind"] == "weights" and data["params_total"] == 1120 and data["weights_file"]["format"] == "gguf"
