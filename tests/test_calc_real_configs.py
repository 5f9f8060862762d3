"""Real config.json files of current models (tests/fixtures/hf_configs, sources in SOURCES.json).

The oracle is transformers: each file is counted by the path ``explain calc --config`` takes (a
closed form when one covers every field, else the meta-device build) and must give the total of
the model transformers itself builds from the file, and (for a mixture of experts) the active count
of the meta-device path. A family with a closed form must be read by it with no field left unknown,
so the fast path really is the one taken.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.calc.file_report import report_for_config
from bot.calc.hfconfig import READERS, from_hf_config

import torch
import transformers
from bot.calc.meta import count_on_meta  # noqa: E402

FOLDER = Path(__file__).parent / "fixtures" / "hf_configs"
SOURCES = json.loads((FOLDER / "SOURCES.json").read_text(encoding="utf-8"))
CONFIGS = sorted(SOURCES)


def test_every_config_has_a_source():
    assert CONFIGS == sorted(p.name for p in FOLDER.glob("*.json") if p.name != "SOURCES.json")
    assert all(entry["model"].startswith("https://huggingface.co/") for entry in SOURCES.values())


def built_total(raw: dict) -> int:
    """Straight from transformers: the config's own class on the meta device, unique parameters."""
    config = transformers.AutoConfig.for_model(**{k: v for k, v in raw.items() if k != "quantization_config"})
    with torch.device("meta"):
        model = getattr(transformers, raw["architectures"][0])(config)
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", CONFIGS)
def test_real_config_is_exact(name):
    path = FOLDER / name
    raw = json.loads(path.read_text(encoding="utf-8"))
    r = report_for_config(path)
    assert r.params_total == built_total(raw)
    assert r.params_active == count_on_meta(raw).active
    if raw["model_type"] in READERS:
        assert from_hf_config(raw).unknown_fields == ()
        assert not any("meta device" in note for note in r.notes)   # the closed form answered
