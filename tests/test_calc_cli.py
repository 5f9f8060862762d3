"""`explain calc`: through Typer's runner, on a fake terminal (Rich), and as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot import calc
from bot.calc.render import plain_text, print_report
from bot.cli import app
from conftest import REPO

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["calc", *args])


def test_preset_plain_text_when_piped():
    result = run("--preset", "llama-2-7b")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Llama 2 7B\n")
    assert "Parameters: 6,738,415,616 (6.74 billion)" in out
    assert "Token embeddings" in out and "131,072,000" in out
    assert "fp16    2 B/param  13.48 GB (12.55 GiB)  <-" in out
    assert "KV cache (4,096 tokens, batch 1, fp16): 2.15 GB" in out
    assert "Source: Touvron et al. 2023" in out
    assert "\x1b" not in out


def test_json_report():
    result = run("--preset", "mixtral-8x7b", "--json", "--precision", "int4", "--context", "8k", "--batch", "2",
                 "--tokens", "2T")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["params_total"] == 46_702_792_704 and data["params_active"] == 12_879_925_248
    assert data["precision"] == "int4" and data["weights_bytes"] == data["memory_bytes"]["int4"]
    assert data["kv_cache"]["context"] == 8192 and data["kv_cache"]["batch"] == 2
    assert data["flops"]["training"] == 6 * 12_879_925_248 * 2e12
    assert data["components"]["moe_routed_experts"] == 45_097_156_608


def test_layers_with_and_without_bias():
    result = run("--layers", "2,2,1")
    assert result.exit_code == 0, result.output
    assert "Parameters: 9 (9)" in result.stdout
    assert "1: 2 -> 2: 2 × 2 = 4 weights + 2 biases = 6" in result.stdout
    data = json.loads(run("--layers", "784-128-64-10", "--no-bias", "--json").stdout)
    assert data["params_total"] == 109_184 and data["components"] == {"weights": 109_184, "biases": 0}


def test_config_file_as_a_new_user_writes_it(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "model_type": "llama", "vocab_size": 32000, "hidden_size": 2048, "num_hidden_layers": 16,
        "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 5632,
        "max_position_embeddings": 2048, "tie_word_embeddings": False, "my_custom_flag": True,
    }))
    result = run("--config", str(config))
    assert result.exit_code == 0, result.output
    reading = calc.from_hf_config(config)
    # A field the closed form does not know: transformers counts the config instead, and says so.
    assert f"Parameters: {calc.count(reading.spec).total:,}" in result.stdout
    assert "Fields not understood (not counted; check them): my_custom_flag" in result.stdout
    assert "closed form does not know my_custom_flag; counted with transformers" in result.stdout
    data = json.loads(run("--config", str(config), "--json").stdout)
    assert data["unknown_fields"] == ["my_custom_flag"]
    config.write_text(json.dumps({k: v for k, v in json.loads(config.read_text()).items() if k != "my_custom_flag"}))
    assert "Default used: attention_bias = false" in run("--config", str(config)).stdout


def test_list_presets():
    result = run("--list-presets")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("gpt2 ") and any(line.startswith("grok-1 ") and "314B*" in line for line in lines)
    assert any(line.startswith("deepseek-v3 ") and "671B (37.6B active)" in line for line in lines)
    data = json.loads(run("--list-presets", "--json").stdout)
    assert [p["name"] for p in data] == calc.presets()
    assert all(p["source"]["url"].startswith("https://") for p in data)


@pytest.mark.parametrize("args, message", [
    ([], "give exactly one of --preset NAME, --config FILE, --weights FILE or --layers"),
    (["--preset", "gpt2", "--layers", "2,1"], "got --preset and --layers"),
    (["--preset", "gpt-7"], "unknown preset 'gpt-7'"),
    (["--layers", "2,0,1"], "layers[1]"),
    (["--layers", "2,-1,1"], "positive"),
    (["--layers", "two,one"], "layers must look like"),
    (["--preset", "gpt2", "--no-bias"], "--no-bias applies to --layers only"),
    (["--preset", "gpt2", "--precision", "fp8"], "precision must be one of"),
    (["--preset", "gpt2", "--context", "lots"], "context must be"),
    (["--preset", "gpt2", "--context", "0"], "context must be a positive"),
    (["--preset", "gpt2", "--batch", "0"], "batch must be a positive"),
    (["--preset", "gpt2", "--tokens", "many"], "tokens must be a number"),
    (["--preset", "gpt2", "--tokens", "1e40"], "tokens"),
    (["--preset", "gpt2", "--batch", "x"], "Invalid value"),
])
def test_bad_input_is_one_line_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    if "Invalid value" not in message:  # our own errors: exactly one line
        assert result.output.strip().count("\n") == 0 and result.output.startswith("explain: ")


@pytest.mark.parametrize("text, message", [
    ("{oops", "not JSON"),
    ('{"model_type": "rwkv", "vocab_size": 5}', "config.json has no hidden_size"),
    ('{"model_type": "rwkv9", "vocab_size": 5}', "model_type 'rwkv9' is unknown to transformers"),
    ('{"model_type": "gpt2", "vocab_size": 5, "n_positions": 8, "n_embd": 10, "n_layer": 1, "n_head": 3}',
     "num_attention_heads (3) must divide hidden_size (10)"),
])
def test_bad_config_files(tmp_path, text, message):
    path = tmp_path / "config.json"
    path.write_text(text)
    result = run("--config", str(path))
    assert result.exit_code == 2 and message in result.output
    missing = run("--config", str(tmp_path / "absent.json"))
    assert missing.exit_code == 2 and "not found" in missing.output


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_tables_on_a_terminal_and_no_colour_with_no_color(monkeypatch):
    report = calc.report("llama-2-70b")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    tty = FakeTerminal()
    print_report(report, tty)
    coloured = tty.getvalue()
    assert "Components" in coloured and "Memory for the weights" in coloured and "68,976,648,192" in coloured
    assert "\x1b[" in coloured  # Rich styled it: a terminal gets the rich rendering
    monkeypatch.setenv("NO_COLOR", "1")
    plain_tty = FakeTerminal()
    print_report(calc.report("llama-2-70b", precision="int4"), plain_tty)
    out = plain_tty.getvalue()
    assert "68,976,648,192" in out
    # NO_COLOR: no colour codes (30-37, 38;5;n, 90-97); bold/dim attributes may remain.
    import re

    assert not re.search(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;|m)", out)


def test_plain_text_and_json_agree_on_numbers():
    r = calc.report("deepseek-v3", context=32768)
    text = plain_text(r)
    assert f"{r.params_total:,}" in text and f"{r.params_active:,}" in text
    assert "kv_lora_rank 512 + rope 64" in text


@pytest.mark.slow
def test_subprocess_as_a_user_runs_it(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "bot", "calc", "--preset", "llama-2-7b"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "6,738,415,616" in done.stdout and done.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "bot", "calc", "--layers", "0"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("explain: ") and "Traceback" not in bad.stderr
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, bot.calc, bot.calc.chat, bot.calc.cli; "
         "print(sorted(m for m in ('torch', 'transformers', 'numpy', 'textual', 'faiss') if m in sys.modules))"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert probe.stdout.strip() == "[]", probe.stderr
