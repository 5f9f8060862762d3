"""Where paramsbot finds its knowledge base, its data, its cache and the user's settings.

A wheel carries ``kb/`` and ``data/`` inside the package as ``bot/_kb`` and ``bot/_data``;
an editable install or a source checkout reads them from the repository root.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

PACKAGE_DIR = Path(__file__).resolve().parent
CACHE_ENV = "PARAMSBOT_CACHE_DIR"
CONFIG_ENV = "PARAMSBOT_CONFIG_DIR"


def _bundled(installed: str, checkout: str) -> Path:
    inside = PACKAGE_DIR / installed
    return inside if inside.is_dir() else PACKAGE_DIR.parent / checkout


def kb_dir() -> Path:
    """The knowledge base shipped with paramsbot."""
    return _bundled("_kb", "kb")


def data_dir() -> Path:
    """Calculator presets, eval sets and other non-prose data shipped with paramsbot."""
    return _bundled("_data", "data")


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The cache root: the option if given, else ``$PARAMSBOT_CACHE_DIR``, else the platform's cache."""
    return _user_folder(override, CACHE_ENV, "cache")


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The settings folder: the option if given, else ``$PARAMSBOT_CONFIG_DIR`` (tests point it at a
    temporary folder), else the platform's config folder (``~/.config/paramsbot`` on Linux)."""
    return _user_folder(override, CONFIG_ENV, "config")


def _user_folder(override: str | os.PathLike[str] | None, env: str, kind: Literal["cache", "config"]) -> Path:
    """One rule for every per-user folder: an explicit choice, else the environment, else the platform."""
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(env)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs  # small, but only needed here

    platform = platformdirs.user_cache_dir if kind == "cache" else platformdirs.user_config_dir
    return Path(platform("paramsbot", appauthor=False))
