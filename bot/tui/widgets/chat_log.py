"""The conversation so far: suggestions while empty, then one ExchangeView per question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from bot.tui.widgets.exchange_view import ExchangeView
from bot.tui.widgets.suggestions import Suggestions


class ChatLog(VerticalScroll):
    """Scrolls to follow new answers while the reader is at the bottom."""

    can_focus = False  # Tab goes from the prompt to the suggestions; Page Up/Down scroll the log

    def compose(self) -> ComposeResult:
        yield Suggestions(id="suggestions")

    async def add_exchange(self, exchange_id: int, question: str) -> ExchangeView:
        await self.query(Suggestions).remove()
        view = ExchangeView(question, id=f"exchange-{exchange_id}", classes="exchange")
        await self.mount(view)
        self.scroll_end(animate=False)
        return view

    def reveal(self, view: ExchangeView) -> None:
        """Show a new answer from its question down (the reader starts at the top of it)."""
        self.call_after_refresh(self.scroll_to_widget, view, top=True, animate=False)

    def exchange(self, exchange_id: int) -> ExchangeView:
        return self.query_one(f"#exchange-{exchange_id}", ExchangeView)
