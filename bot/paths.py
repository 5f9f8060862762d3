"""Where paramsbot finds its knowledge base, its data and its cache.

A wheel carries ``kb/`` and ``data/`` inside the package as ``bot/_kb`` and ``bot/_data``;
an editable install or a source checkout reads them from the repository root.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CACHE_ENV = "PARAMSBOT_CACHE_DIR"


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
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(CACHE_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs  # small, but only needed here

    return Path(platformdirs.user_cache_dir("paramsbot", appauthor=False))
