"""The main screen: Chat, Calculator and Topics tabs over a status line and the key bindings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from bot.tui.widgets.calculator_panel import CalculatorPanel
from bot.tui.widgets.chat_log import ChatLog
from bot.tui.widgets.prompt import Prompt
from bot.tui.widgets.status_bar import StatusBar
from bot.tui.widgets.topic_tree import TopicTree


class MainScreen(Screen[None]):
    """Layout only: the app owns the state and updates these widgets."""

    AUTO_FOCUS = "#prompt"

    class Ready(Message):
        """The widgets exist: the app may start its workers and update them."""

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="chat", id="tabs"):
            with TabPane("Chat", id="chat"):
                yield ChatLog(id="chat-log")
                yield Prompt(id="prompt", placeholder="Ask about LLM parameters, then press Enter")
            with TabPane("Calculator", id="calculator"):
                yield CalculatorPanel(id="calculator-panel")
            with TabPane("Topics", id="topics"):
                yield TopicTree(id="topic-tree")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.post_message(self.Ready())
