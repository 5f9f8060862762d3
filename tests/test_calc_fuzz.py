"""Nothing but InputError escapes the calculator, whatever it is fed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import calc
from bot.calc.chat import CalcAnswer, route
from bot.errors import InputError

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

numbers = st.one_of(st.integers(-10**30, 10**30).map(str), st.floats(allow_nan=True).map(str),
                    st.sampled_from(["0", "-1", "1e999", "9" * 400, "0.5", "nan", "inf", "1,000"]))
templates = st.sampled_from([
    "how many parameters in a {a}-{b}-{c} network",
    "a network with {a} inputs, {b} hidden neurons and {c} outputs: how many parameters?",
    "how much memory does a {a}B model need in fp16",
    "will llama 2 70b fit in {a} GB",
    "kv cache of llama 2 7b at {a} tokens with batch size {b}",
    "training flops for a {a}B model on {b}T tokens",
    "how many tokens should a {a}B model be trained on, chinchilla",
    "flops per token for a {a} billion parameter model",
    "kv cache for mistral 7b at {a}k context",
])


@FUZZ
@given(templates, numbers, numbers, numbers)
def test_route_with_odd_numbers_answers_or_declines(template, a, b, c):
    answer = route(template.format(a=a, b=b, c=c))
    assert answer is None or isinstance(answer, CalcAnswer)


@FUZZ
@given(st.text(max_size=300))
def test_route_with_any_text_answers_or_declines(text):
    answer = route(text)
    assert answer is None or isinstance(answer, CalcAnswer)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
FIELDS = ["model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
          "num_key_value_heads", "intermediate_size", "head_dim", "tie_word_embeddings", "attention_bias",
          "n_embd", "n_layer", "n_head", "n_positions", "n_inner", "num_local_experts", "num_experts_per_tok",
          "max_position_embeddings", "type_vocab_size", "q_lora_rank", "kv_lora_rank", "n_routed_experts",
          "first_k_dense_replace", "sliding_window", "moe_intermediate_size", "qk_rope_head_dim"]


@st.composite
def configs(draw):
    base = dict(draw(st.sampled_from([p.config for p in calc.load_presets().values() if p.config])))
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        if draw(st.booleans()):
            base[key] = draw(json_values)
        else:
            base.pop(key, None)
    return base


@FUZZ
@given(configs())
def test_any_config_is_counted_or_refused_with_input_error(config):
    try:
        reading = calc.from_hf_config(config)
    except InputError as error:
        assert str(error) and "\n" not in str(error)
        return
    r = calc.report(reading)
    assert r.params_total > 0 and sum(r.components.values()) == r.params_total


@FUZZ
@given(st.text(max_size=40))
def test_any_layer_string_is_parsed_or_refused(text):
    try:
        widths = calc.parse_layers(text)
    except InputError:
        return
    assert len(widths) >= 2 and all(w > 0 for w in widths)


@pytest.mark.parametrize("entry", [{}, {"quantity": None}, {"preset": None, "quantity": "params_total"},
                                   {"layers": None, "quantity": "params_total"},
                                   {"layers": [1, "x"], "quantity": "params_total"},
                                   {"preset": "gpt2", "quantity": "params_total", "batch": "two"},
                                   {"preset": "gpt2", "quantity": "kv_cache_bytes", "context": 1.5}])
def test_malformed_checks_raise_input_error(entry):
    with pytest.raises(InputError):
        calc.evaluate_check(entry)
