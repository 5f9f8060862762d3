"""The calculator panel's "From a file" model: a config.json or weight files, read by bot.tui.calc_form."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.tui.calc_form import FILE, CalcForm, compute

REAL = Path(__file__).parent / "fixtures" / "hf_configs" / "Qwen3-8B.json"


def test_a_config_file_is_counted_with_its_kv_cache():
    outcome = compute(CalcForm(model=FILE, path=str(REAL), context="8192", batch="2"))
    assert not outcome.problems
    assert outcome.result.params_total == 8_190_735_360
    fp16 = next(row for row in outcome.result.memory if row.precision == "fp16")
    assert fp16.kv_cache == 2 * 36 * 8 * 128 * 2 * 8192 * 2
    assert "8,192 tokens × batch 2" in outcome.result.kv_note


def test_weight_files_are_counted_from_their_headers(tmp_path):
    import numpy
    from safetensors.numpy import save_file
    save_file({"model.embed_tokens.weight": numpy.zeros((10, 4), numpy.float16)}, str(tmp_path / "m.safetensors"))
    for target in (tmp_path / "m.safetensors", tmp_path):
        outcome = compute(CalcForm(model=FILE, path=str(target)))
        assert outcome.result.params_total == 40 and not outcome.problems


@pytest.mark.parametrize("path, words", [("", "give a config.json"), ("/no/such/config.json", "not found")])
def test_bad_paths_mark_the_file_field(path, words):
    outcome = compute(CalcForm(model=FILE, path=path))
    assert outcome.result is None and outcome.invalid == {"path"} and words in outcome.problems[0].message
