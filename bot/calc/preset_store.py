"""Named models from ``data/presets.json``: each one a real ``config.json`` subset plus its source.

Presets are stored as Hugging Face config fields (not as calculator switches) so that the same
reader serves presets and users' files, and so that tests can hand the very same fields to
transformers and compare counts. A model whose architecture we cannot count exactly (Grok-1) is
stored as ``published_only`` with the publisher's figure and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.calc.hfconfig import ConfigReading, from_hf_config
from bot.calc.spec import PublishedModel, TransformerSpec
from bot.errors import DataError, InputError
from bot.model_names import PRESETS_FILE, normalise_name
from bot.paths import data_dir



@dataclass(frozen=True)
class Source:
    label: str
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "url": self.url}


@dataclass(frozen=True)
class Preset:
    """A named model: its spec (or only its published figure), where the numbers come from, and notes."""

    name: str
    title: str
    family: str
    published: str
    source: Source
    aliases: tuple[str, ...] = ()
    config: dict[str, Any] | None = None
    published_model: PublishedModel | None = None
    notes: tuple[str, ...] = ()
    paper_table: dict[str, Any] | None = None
    reading: ConfigReading | None = field(default=None, compare=False, repr=False)

    @property
    def published_only(self) -> bool:
        return self.published_model is not None

    @property
    def spec(self) -> TransformerSpec:
        """The countable architecture; ``InputError`` for a published-only preset."""
        if self.reading is None:
            raise InputError(f"preset {self.name} has only a published figure, no architecture to count")
        return self.reading.spec


def _build(name: str, raw: dict[str, Any]) -> Preset:
    try:
        source = Source(raw["source"]["label"], raw["source"]["url"])
        common = dict(name=name, title=raw["title"], family=raw["family"], published=raw["published"], source=source,
                      aliases=tuple(raw.get("aliases", ())), notes=tuple(raw.get("notes", ())),
                      paper_table=raw.get("paper_table"))
    except (KeyError, TypeError) as error:
        raise DataError(f"preset {name} in {PRESETS_FILE} is malformed (missing {error})") from None
    if raw.get("published_only"):
        published = PublishedModel(family=raw["family"], params_total=int(raw["params_total"]),
                                   params_active=raw.get("params_active"),
                                   active_is_approximate=bool(raw.get("active_is_approximate")),
                                   notes=tuple(raw.get("notes", ())))
        return Preset(**common, published_model=published)
    reading = from_hf_config(raw["config"], family=raw["family"])
    return Preset(**common, config=dict(raw["config"]), reading=reading)


@lru_cache(maxsize=1)
def load_presets() -> dict[str, Preset]:
    """All presets, keyed by name, in file order (read once)."""
    path = data_dir() / PRESETS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"preset file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the preset file {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise DataError(f"preset file {path} is not JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(raw, dict) or not all(isinstance(entry, dict) for entry in raw.values()):
        raise DataError(f"preset file {path} must map each preset name to its description")
    return {name: _build(name, entry) for name, entry in raw.items()}


def preset_names() -> list[str]:
    return list(load_presets())


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (exact name or any alias, case and punctuation ignored)."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"preset must be a name, got {name!r}")
    presets = load_presets()
    if name in presets:
        return presets[name]
    wanted = normalise_name(name)
    for preset in presets.values():
        if wanted == normalise_name(preset.name) or wanted in {normalise_name(a) for a in preset.aliases}:
            return preset
    raise InputError(f"unknown preset {name!r}; try one of: {', '.join(presets)}")


@lru_cache(maxsize=1)
def alias_table() -> list[tuple[str, str]]:
    """(normalised alias, preset name), longest alias first so "gpt 2 xl" wins over "gpt 2"."""
    pairs = []
    for preset in load_presets().values():
        for alias in {preset.name, *preset.aliases}:
            pairs.append((normalise_name(alias), preset.name))
    return sorted(set(pairs), key=lambda pair: (-len(pair[0]), pair[0]))
