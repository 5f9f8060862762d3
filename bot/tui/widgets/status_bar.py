"""One line saying what the app is doing: loading, building the index, ready, or what went wrong."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.widgets import Static

State = Literal["loading", "ready", "busy", "error"]
_MARKS = {"loading": "…", "ready": "●", "busy": "…", "error": "✗"}


class StatusBar(Static):
    """Text and a state class (``-loading``, ``-ready``, ``-busy``, ``-error``) for colour."""

    def show(self, text: str, state: State) -> None:
        for name in _MARKS:
            self.set_class(name == state, f"-{name}")
        # The mark repeats the state in a symbol, so colour is never the only signal.
        self.update(Text(f"{_MARKS[state]} {text}"))
