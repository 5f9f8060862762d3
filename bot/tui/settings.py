"""The app's remembered choices (the theme), in a small JSON file in the user's config folder.

The folder is ``$PARAMSBOT_CONFIG_DIR`` if set (tests point it at a temporary folder), else the
platform's config folder (``~/.config/paramsbot`` on Linux). A missing or damaged file means
defaults; a write goes to a temporary file that is renamed into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

CONFIG_ENV = "PARAMSBOT_CONFIG_DIR"
SETTINGS_FILE = "settings.json"
DARK_THEME, LIGHT_THEME = "textual-dark", "textual-light"


@dataclass
class Settings:
    theme: str = DARK_THEME


def config_dir() -> Path:
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs  # small, but only needed here

    return Path(platformdirs.user_config_dir("paramsbot", appauthor=False))


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
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".settings-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(asdict(settings), stream, indent=2)
            stream.write("\n")
        os.replace(temp, folder / SETTINGS_FILE)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
