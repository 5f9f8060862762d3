"""One answer: its Markdown, then its worked examples, related articles and sources as links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button

from bot.answer import Answer
from bot.tui.links import NavLink, links_markdown
from bot.tui.widgets.kb_markdown import KBMarkdown


class AnswerView(Vertical):
    """Given an Answer and its links; a calculation also offers "Open in calculator"."""

    @dataclass
    class OpenCalculator(Message):
        calculation: dict[str, Any]

    def __init__(self, answer: Answer, links: list[NavLink], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.answer = answer
        self.links = links
        self.set_class(answer.kind == "no_answer", "-no-answer")

    def compose(self) -> ComposeResult:
        base = self.answer.sources[0].path if self.answer.sources else ""
        if self.answer.kind == "calculation" and self.answer.calculation:  # first, so it is in view
            yield Button("Open in calculator", id="open-calculator", compact=True)
        yield KBMarkdown(self.answer.answer, base_path=base, classes="answer-text")
        if self.links:
            yield KBMarkdown(links_markdown(self.links), classes="answer-links")

    @on(Button.Pressed, "#open-calculator")
    def _open_calculator(self, event: Button.Pressed) -> None:
        event.stop()
        assert self.answer.calculation is not None
        self.post_message(self.OpenCalculator(self.answer.calculation))
