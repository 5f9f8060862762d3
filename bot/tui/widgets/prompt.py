"""The question box: Enter sends, up and down recall earlier questions."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class Prompt(Input):
    """An Input with a history of what was sent (the app adds to it)."""

    BINDINGS = [
        Binding("enter", "submit", "Send", id="chat.send"),
        Binding("up", "recall(-1)", "History", key_display="↑↓", id="chat.history_back"),
        Binding("down", "recall(1)", "Newer", show=False, id="chat.history_forward"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._position = 0  # len(history) means "the line being typed"
        self._draft = ""

    def remember(self, question: str) -> None:
        if question and (not self.history or self.history[-1] != question):
            self.history.append(question)
        self._position = len(self.history)
        self._draft = ""

    def action_recall(self, step: int) -> None:
        if not self.history:
            return
        if self._position == len(self.history):
            self._draft = self.value
        self._position = max(0, min(len(self.history), self._position + step))
        self.value = self.history[self._position] if self._position < len(self.history) else self._draft
        self.cursor_position = len(self.value)
