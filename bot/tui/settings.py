"""The app's remembered choices (the theme), in a small JSON file in the user's config folder.

The folder is :func:`bot.paths.config_dir`. A missing or damaged file means defaults; a write is
:func:`bot.files.atomic_write_text`, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.files import atomic_write_text
from bot.paths import config_dir

SETTINGS_FILE = "settings.json"
DARK_THEME, LIGHT_THEME = "textual-dark", "textual-light"


@dataclass
class Settings:
    theme: str = DARK_THEME


def load_settings(folder: Path | None = None) -> Settings:
    """The saved settings, or defaults when there are none or they cannot be read."""
    path = (folder or config_dir()) / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    theme = data.get("theme") if isinstance(data, dict) else None
    return Settings(theme=theme) if isinstance(theme, str) and theme else Settings()


def save_settings(settings: Settings, folder: Path | None = None) -> None:
    """Write the settings atomically. Raises OSError when the folder cannot be written."""
    folder = folder or config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / SETTINGS_FILE, json.dumps(asdict(settings), indent=2) + "\n")
