"""paramsbot's Textual app: chat, reader, calculator and topic browser.

``bot.tui`` itself imports nothing heavy; ``run()`` imports Textual and the app only when the app
is opened, so ``import bot`` and ``explain --help`` stay fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def run(kb: Path | None = None, cache_dir: Path | None = None) -> int:
    """Open the app on a terminal; the exit code for the CLI."""
    from bot.tui.app import ParamsbotApp  # Textual loads here, and only here

    app = ParamsbotApp(kb_root=kb, cache_dir=cache_dir)
    app.run()
    code = app.return_code or 0
    if not app.stop_loading(timeout=3.0):
        # Quit while torch was still loading: it cannot be interrupted, and finishing the
        # interpreter under its threads aborts the process, so leave at once (the terminal is
        # already restored, and nothing half-written is left: index writes are atomic).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
