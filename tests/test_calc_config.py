"""Reading Hugging Face config.json files, and every kind of bad input naming its field."""

from __future__ import annotations

import json

import pytest

from bot import calc
from bot.calc.spec import DenseSpec, TransformerSpec
from bot.errors import InputError

LLAMA = {"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "num_hidden_layers": 32,
         "num_attention_heads": 32, "num_key_value_heads": 32, "intermediate_size": 11008,
         "max_position_embeddings": 4096, "tie_word_embeddings": False, "rms_norm_eps": 1e-5,
         "torch_dtype": "float16", "architectures": ["LlamaForCausalLM"], "rope_theta": 10000.0}


def test_reads_a_real_style_llama_config_from_a_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(LLAMA))
    reading = calc.from_hf_config(path)
    assert calc.count(reading.spec).total == 6_738_415_616
    assert reading.unknown_fields == ()
    assert "rms_norm_eps" in reading.ignored_fields and "hidden_size" in reading.used_fields
    assert any(d.startswith("attention_bias = false") for d in reading.defaults_used)
    # a folder means its config.json
    assert calc.from_hf_config(tmp_path).spec == reading.spec


def test_unknown_fields_are_listed_not_guessed():
    reading = calc.from_hf_config(dict(LLAMA, my_new_adapter_rank=16, hiden_size=1))
    assert reading.unknown_fields == ("hiden_size", "my_new_adapter_rank")
    r = calc.report(dict(LLAMA, my_new_adapter_rank=16))
    assert r.unknown_fields == ["my_new_adapter_rank"]


def test_gpt2_short_names_and_defaults():
    cfg = {"model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_ctx": 1024, "n_embd": 768,
           "n_layer": 12, "n_head": 12, "activation_function": "gelu_new", "summary_type": "cls_index"}
    reading = calc.from_hf_config(cfg)
    assert calc.count(reading.spec).total == 124_439_808
    assert reading.unknown_fields == ()
    assert any(d.startswith("n_inner = 3072") for d in reading.defaults_used)
    with pytest.raises(InputError, match="n_embd .* and hidden_size .* disagree"):
        calc.from_hf_config(dict(cfg, hidden_size=1024))


def test_deepseek_notes_mtp_and_null_q_lora_rank():
    cfg = json.loads(json.dumps(calc.preset("deepseek-v3").config))
    reading = calc.from_hf_config(cfg)
    assert any("multi-token-prediction" in n for n in reading.notes)
    cfg["q_lora_rank"] = None
    parts = calc.count(calc.from_hf_config(cfg).spec).component("attention").parts
    assert parts["q_proj"] == 7168 * 128 * 192 and "q_a_proj" not in parts


@pytest.mark.parametrize("config, field", [
    (dict(LLAMA, hidden_size=-4096), "hidden_size"),
    (dict(LLAMA, hidden_size=0), "hidden_size"),
    (dict(LLAMA, num_hidden_layers=0), "num_hidden_layers"),
    (dict(LLAMA, vocab_size=-1), "vocab_size"),
    (dict(LLAMA, intermediate_size=1.5), "intermediate_size"),
    (dict(LLAMA, intermediate_size="11008"), "intermediate_size"),
    (dict(LLAMA, num_attention_heads=0), "num_attention_heads"),
    (dict(LLAMA, num_attention_heads=7), "num_attention_heads"),           # 7 does not divide 4096
    (dict(LLAMA, num_key_value_heads=5), "num_key_value_heads"),           # 5 does not divide 32
    (dict(LLAMA, hidden_size=10**12), "hidden_size"),                      # absurd
    (dict(LLAMA, vocab_size=10**9), "vocab_size"),
    (dict(LLAMA, num_hidden_layers=10**7), "num_hidden_layers"),
    (dict(LLAMA, tie_word_embeddings="false"), "tie_word_embeddings"),
    (dict(LLAMA, head_dim=3), "head_dim"),                                 # odd: RoPE needs pairs
    ({k: v for k, v in LLAMA.items() if k != "hidden_size"}, "hidden_size"),
    (dict(LLAMA, model_type="llama-9000"), "model_type"),
    ({k: v for k, v in LLAMA.items() if k != "model_type"}, "model_type"),
    ({"model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12,
      "n_head": 5}, "num_attention_heads"),
    ({"model_type": "gpt2", "vocab_size": 50257, "n_positions": 0, "n_embd": 768, "n_layer": 12,
      "n_head": 12}, "max_position_embeddings"),
    ({"model_type": "mixtral", **{k: v for k, v in LLAMA.items() if k != "model_type"}, "num_local_experts": 2,
      "num_experts_per_tok": 3}, "num_experts_per_tok"),
    (dict(calc.preset("deepseek-v3").config, first_k_dense_replace=99), "first_k_dense_replace"),
    (dict(calc.preset("deepseek-v3").config, moe_layer_freq=2), "moe_layer_freq"),
    (dict(calc.preset("deepseek-v3").config, kv_lora_rank=0), "kv_lora_rank"),
    (dict(calc.preset("bert-base").config, position_embedding_type="relative_key"), "position_embedding_type"),
])
def test_bad_configs_name_the_field(config, field):
    with pytest.raises(InputError) as error:
        calc.from_hf_config(config)
    assert field in str(error.value)
    assert "\n" not in str(error.value)


def test_absurd_total_is_refused():
    with pytest.raises(InputError, match="absurdly large"):
        calc.from_hf_config(dict(LLAMA, hidden_size=4_000_000, num_attention_heads=32, num_key_value_heads=32,
                                 num_hidden_layers=100_000))


@pytest.mark.parametrize("text, message", [
    ("{not json", "not JSON"),
    ("", "not JSON"),
    ("[1, 2, 3]", "JSON object"),
    ('"llama"', "JSON object"),
])
def test_files_that_are_not_configs(tmp_path, text, message):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        calc.from_hf_config(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        calc.from_hf_config(tmp_path / "nope.json")
    binary = tmp_path / "model.safetensors"
    binary.write_bytes(b"\x00\xff\xfe" * 10)
    with pytest.raises(InputError):
        calc.from_hf_config(binary)
    with pytest.raises(InputError, match="path or a dict"):
        calc.from_hf_config(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("layers, field", [
    ((2, 0, 1), "layers[1]"), ((2, -3, 1), "layers[1]"), ((2,), "at least two"), ((10**9, 2), "layers[0]"),
    ((2.5, 1), "layers[0]"), ((True, 1), "layers[0]"),
])
def test_bad_dense_layers(layers, field):
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        DenseSpec(layers)


@pytest.mark.parametrize("text", ["2,-2,1", "-2,2,1", "2,x,1", "", "5", "2,,", "784-0-10"])
def test_bad_layer_strings(text):
    with pytest.raises(InputError, match="layers"):
        calc.parse_layers(text)


def test_bad_options():
    with pytest.raises(InputError, match="precision"):
        calc.report("gpt2", precision="fp8")
    with pytest.raises(InputError, match="context"):
        calc.report("gpt2", context=0)
    with pytest.raises(InputError, match="batch"):
        calc.report("gpt2", batch=-1)
    with pytest.raises(InputError, match="tokens"):
        calc.report("gpt2", tokens=-5)
    with pytest.raises(InputError, match="tokens"):
        calc.report("gpt2", tokens=float("nan"))
    with pytest.raises(InputError, match="context"):
        calc.report("gpt2", context=10**12)
    with pytest.raises(InputError):
        calc.report(3.14)  # type: ignore[arg-type]


def test_spec_validation_names_fields():
    base = dict(family="x", vocab_size=10, hidden_size=8, num_layers=1, num_heads=2, intermediate_size=4)
    TransformerSpec(**base)
    with pytest.raises(InputError, match="norm"):
        TransformerSpec(**base, norm="batchnorm")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="num_experts_per_tok"):
        TransformerSpec(**base, num_experts=2, experts_per_token=0)
    with pytest.raises(InputError, match="max_position_embeddings"):
        TransformerSpec(**base, position="learned")
    with pytest.raises(InputError, match="gated_mlp"):
        TransformerSpec(**base, gated_mlp="yes")  # type: ignore[arg-type]
