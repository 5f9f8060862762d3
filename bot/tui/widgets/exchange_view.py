"""A question in the chat log and, once it arrives, its answer (or what went wrong)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from bot.answer import Answer
from bot.tui.links import NavLink
from bot.tui.widgets.answer_view import AnswerView


class ExchangeView(Vertical):
    """The question as typed, what was searched when that differs, then the answer."""

    def __init__(self, question: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.question = question

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("› ", "bold"), self.question), classes="question")
        yield Static("", classes="query")
        yield Static("", classes="pending")

    def show_waiting(self, text: str) -> None:
        self.query_one(".pending", Static).update(Text(text))

    def show_query(self, query: str) -> None:
        if query != self.question:
            self.query_one(".query", Static).update(Text(f"(taken as: {query})"))
            self.add_class("-followup")

    async def show_answer(self, answer: Answer, links: list[NavLink]) -> None:
        await self.query(".pending").remove()
        await self.mount(AnswerView(answer, links))

    def show_error(self, message: str) -> None:
        pending = self.query_one(".pending", Static)
        pending.update(Text(f"✗ {message}"))
        pending.add_class("-error")
