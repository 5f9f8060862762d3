"""The main screen: Chat, Calculator and Topics tabs over a status line and the key bindings."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane, Tabs

from bot.tui.widgets.calculator_panel import CalculatorPanel
from bot.tui.widgets.chat import Chat
from bot.tui.widgets.status_bar import State, StatusBar
from bot.tui.widgets.topic_tree import TopicTree

Tab = Literal["chat", "calculator", "topics"]
#: Where the keyboard goes when a tab is shown.
TAB_FOCUS: dict[Tab, str] = {"chat": "#prompt", "calculator": "#calc-model", "topics": "#topic-tree"}


class MainScreen(Screen[None]):
    """The layout and the moves between its tabs; the widgets keep their own state."""

    AUTO_FOCUS = "#prompt"

    class Ready(Message):
        """The widgets exist: the app may start its workers and update them."""

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="chat", id="tabs"):
            with TabPane("Chat", id="chat"):
                yield Chat(id="chat-panel")
            with TabPane("Calculator", id="calculator"):
                yield CalculatorPanel(id="calculator-panel")
            with TabPane("Topics", id="topics"):
                yield TopicTree(id="topic-tree")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(TabbedContent).query_one(Tabs).can_focus = False  # F2/F3/Escape switch tabs
        self.post_message(self.Ready())

    @property
    def chat(self) -> Chat:
        return self.query_one(Chat)

    @property
    def calculator(self) -> CalculatorPanel:
        return self.query_one(CalculatorPanel)

    @property
    def topics(self) -> TopicTree:
        return self.query_one(TopicTree)

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active

    def show_tab(self, tab: Tab) -> None:
        # Blur first: a focused widget in the pane being hidden would pass focus to a neighbour in
        # the same pane, and the tabs follow focus, so they would switch back.
        self.app.set_focus(None)
        self.query_one(TabbedContent).active = tab
        self.app.call_after_refresh(self.query_one(TAB_FOCUS[tab]).focus)

    def show_status(self, text: str, state: State) -> None:
        self.query_one(StatusBar).show(text, state)
