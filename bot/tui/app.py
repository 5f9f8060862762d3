"""paramsbot's Textual app: the screens, the key bindings, the settings, and loading.

The widgets own their state and workers (the chat its conversation, queue and answers; the
calculator its counting); the app loads what they need, routes links to the reader, and runs the
actions the keys and the palette name. Workers only post messages (bot.tui.messages).

The first frame needs only Textual: the model, torch and FAISS load in a thread while the status
line says what is happening, and a question typed meanwhile waits in the chat's queue.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Markdown

import bot.tui.messages as msg
from bot.errors import ParamsbotError
from bot.files import atomic_write_text
from bot.paths import kb_dir
from bot.text import clean
from bot.tui.commands import PaletteCommand, ParamsbotCommands, kb_commands
from bot.tui.links import NavLink, resolve
from bot.tui.loading import AppRetriever, RetrieverFactory, advice_for, open_retriever, status_text
from bot.tui.screens.help import HelpScreen
from bot.tui.screens.link_picker import LinkPicker
from bot.tui.screens.main import MainScreen, Tab
from bot.tui.screens.reader import ReaderScreen
from bot.tui.settings import DARK_THEME, LIGHT_THEME, Settings, load_settings, save_settings
from bot.tui.widgets.answer_view import AnswerView
from bot.tui.widgets.chat import LAST_CALCULATION, Chat
from bot.tui.widgets.topic_tree import TopicTree

if TYPE_CHECKING:
    from bot.retriever import DocumentInfo


class ParamsbotApp(App[None]):
    """Chat about LLM parameters, read the KB, and count parameters and memory."""

    CSS_PATH = "app.tcss"
    TITLE = "paramsbot"
    COMMANDS = App.COMMANDS | {ParamsbotCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
        Binding("ctrl+o", "links", "Links", id="answer.links"),
        Binding("ctrl+y", "copy_answer", "Copy", id="answer.copy"),
        Binding("f2", "show_tab('calculator')", "Calc", id="app.calculator"),
        Binding("f3", "show_tab('topics')", "Topics", id="app.topics"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False, id="app.theme"),
        Binding("pageup", "scroll_chat(-1)", "Scroll up", show=False, id="chat.page_up"),
        Binding("pagedown", "scroll_chat(1)", "Scroll down", show=False, id="chat.page_down"),
    ]

    def __init__(
        self,
        kb_root: Path | None = None,
        *,
        cache_dir: Path | None = None,
        retriever_factory: RetrieverFactory | None = None,
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.kb_root = Path(kb_root) if kb_root is not None else kb_dir()
        self._factory = retriever_factory or open_retriever(kb_root, cache_dir)
        self.export_dir = export_dir or Path.cwd()
        self.retriever: AppRetriever | None = None
        self.load_error: tuple[str, str] | None = None  # (error, what to do)
        self.documents: dict[str, DocumentInfo] = {}  # the KB's front matter: from the topics, then the index
        self._loader: threading.Thread | None = None
        self._quitting = threading.Event()
        self._main = MainScreen()
        self._settings = load_settings()
        if self._settings.theme in self.available_themes:
            self.theme = self._settings.theme

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry outside text (file names, errors, links), so they are shown as
        written: markup is off unless asked for ("[/]" in a file name would crash Textual's parser),
        and escapes and control characters are removed."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout, markup=markup)

    def get_default_screen(self) -> Screen[Any]:
        return self._main

    @property
    def chat(self) -> Chat:
        return self._main.chat

    @on(MainScreen.Ready)
    def _start(self) -> None:
        self.theme_changed_signal.subscribe(self, lambda theme: self._remember_theme(theme.name))
        self._main.show_status("starting…", "loading")
        self.load_retriever()
        self.load_topics()

    # --- loading: workers post messages and touch nothing else ---------------------------------------

    def load_retriever(self) -> None:
        """Open the index and load the model in a daemon thread.

        Not a Textual thread worker: those run in asyncio's default executor, which is joined when
        the app exits, so Ctrl+Q during a minute-long index build would wait for it. A daemon
        thread ends with the process; index writes are atomic and the build lock is an flock.
        """
        self._loader = threading.Thread(target=self._load_retriever, name="paramsbot-load", daemon=True)
        self._loader.start()

    def stop_loading(self, timeout: float) -> bool:
        """Ask the loader to stop (an index build stops at its next batch); True once it has ended."""
        self._quitting.set()
        if self._loader is not None:
            self._loader.join(timeout)
        return self._loader is None or not self._loader.is_alive()

    def _load_retriever(self) -> None:
        def post(message: Message) -> None:
            if self._quitting.is_set():
                return
            try:
                self.post_message(message)
            except RuntimeError:  # the app has closed its event loop: nobody is listening
                pass

        def progress(stage: str, done: int, total: int) -> None:
            if self._quitting.is_set():
                raise _Stopped  # the app is quitting: stop building (nothing has been written yet)
            post(msg.LoadProgressed(stage, done, total))

        try:
            retriever = self._factory(progress)
        except Exception as error:  # noqa: BLE001 - any failure becomes a message in the app
            text = str(error) if isinstance(error, ParamsbotError) else f"unexpected error: {error!r}"
            post(msg.RetrieverFailed(text, advice_for(error)))
        else:
            post(msg.RetrieverReady(retriever))

    @work(thread=True, group="topics", exit_on_error=False)
    def load_topics(self) -> None:
        from bot.tui.kb_docs import read_topics  # reads front matter only: no model, no index

        try:
            self.post_message(msg.TopicsLoaded(read_topics(self.kb_root)))
        except Exception as error:  # noqa: BLE001
            self.post_message(msg.TopicsFailed(str(error)))

    @work(thread=True, group="page", exit_on_error=False)
    def read_page(self, path: str, anchor: str = "") -> None:
        from bot.tui.kb_docs import read_page

        try:
            self.post_message(msg.PageRead(read_page(self.kb_root, path, self.documents, anchor)))
        except Exception as error:  # noqa: BLE001
            self.post_message(msg.PageFailed(str(error)))

    @on(msg.LoadProgressed)
    @msg.while_running
    def _load_progressed(self, event: msg.LoadProgressed) -> None:
        self._main.show_status(status_text(event.stage, event.done, event.total), "loading")

    @on(msg.RetrieverReady)
    @msg.while_running
    def _retriever_ready(self, event: msg.RetrieverReady) -> None:
        retriever = self.retriever = event.retriever
        self.documents = dict(retriever.documents) or self.documents
        self._show_ready()
        if retriever.problems:
            self.notify("Skipped: " + "; ".join(retriever.problems), title="Some KB files were skipped",
                        severity="warning")
        unsaved = retriever.index_info.get("unsaved")
        if unsaved:
            self.notify(f"{unsaved}; it will be rebuilt next time", title="Index kept in memory", severity="warning")
        self.chat.use(retriever)

    @on(msg.RetrieverFailed)
    @msg.while_running
    def _retriever_failed(self, event: msg.RetrieverFailed) -> None:
        self.load_error = (event.error, event.advice)
        self._main.show_status(f"cannot load the knowledge base: {event.error}", "error")
        self.notify(f"{event.error}\n{event.advice}", title="The knowledge base cannot be used",
                    severity="error", timeout=30)
        self.chat.cannot_answer(f"The knowledge base cannot be used: {event.error}. {event.advice}")

    @on(msg.TopicsLoaded)
    @msg.while_running
    def _topics_loaded(self, event: msg.TopicsLoaded) -> None:
        if not self.documents:
            self.documents = dict(event.topics.documents)
        self._main.topics.show(event.topics)

    @on(msg.TopicsFailed)
    @msg.while_running
    def _topics_failed(self, event: msg.TopicsFailed) -> None:
        self._main.topics.show_error(event.error)

    @on(Chat.Busy)
    def _chat_busy(self, event: Chat.Busy) -> None:
        if event.busy:
            self._main.show_status("answering…", "busy")
        else:
            self._show_ready()

    def _show_ready(self) -> None:
        count = len(self.retriever.passages) if self.retriever is not None else 0
        self._main.show_status(f"ready · {count} passages from {self.kb_root.name}/", "ready")

    # --- asking, links and pages -------------------------------------------------------------------------

    async def ask(self, question: str) -> None:
        """Ask from anywhere (the palette): back to the chat, which shows and answers it."""
        self.action_show_tab("chat")
        await self.chat.ask(question)

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.follow(event.href, getattr(event.markdown, "base_path", ""))

    def follow(self, href: str, base: str = "") -> None:
        """Open a link: a KB file in the reader (at its section), a web page in the browser."""
        if href == LAST_CALCULATION:
            calculation = self.chat.last_calculation()
            if calculation:
                self.open_calculation(calculation)
            return
        target = resolve(href, base)
        if target is None:
            self.notify(f"Cannot open {href}", severity="warning")
        elif target.kind == "url":
            self.open_url(target.url)
            self.notify(f"Opening {target.url} in your browser")
        elif isinstance(self.screen, ReaderScreen) and self.screen.page.path == target.path and target.anchor:
            self.screen.goto(target.anchor)
        else:
            self.read_page(target.path, target.anchor)

    @on(msg.PageRead)
    @msg.while_running
    def _page_read(self, event: msg.PageRead) -> None:
        self.push_screen(ReaderScreen(event.page))

    @on(msg.PageFailed)
    @msg.while_running
    def _page_failed(self, event: msg.PageFailed) -> None:
        self.notify(event.error, title="Cannot open the page", severity="error")

    @on(TopicTree.TopicChosen)
    def _topic_chosen(self, event: TopicTree.TopicChosen) -> None:
        self.read_page(event.path)

    def current_links(self) -> list[NavLink]:
        """The links Ctrl+O offers: the page being read, else the last answer."""
        if isinstance(self.screen, ReaderScreen):
            return list(self.screen.page.links)
        return self.chat.links()

    @on(AnswerView.OpenCalculator)
    def _open_calculator(self, event: AnswerView.OpenCalculator) -> None:
        self.open_calculation(event.calculation)

    def open_calculation(self, calculation: dict[str, Any]) -> None:
        while isinstance(self.screen, (ReaderScreen, LinkPicker)):
            self.pop_screen()
        self._main.calculator.open_calculation(calculation)
        self.action_show_tab("calculator")

    # --- actions --------------------------------------------------------------------------------------------

    def action_links(self) -> None:
        links = self.current_links()
        if not links:
            self.notify("No links to open yet: ask a question first.", severity="warning")
            return
        base_screen = self.screen

        def chosen(href: str | None) -> None:
            if href and self.screen is base_screen:
                self.follow(href)

        self.push_screen(LinkPicker(links), chosen)

    def action_show_tab(self, tab: Tab) -> None:
        while self.screen is not self._main and len(self.screen_stack) > 1:
            self.pop_screen()
        self._main.show_tab(tab)

    def action_scroll_chat(self, direction: int) -> None:
        self.chat.scroll_page(direction)

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self._main.tab != "chat":
            self.action_show_tab("chat")
        else:
            self.chat.focus_prompt()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_copy_answer(self) -> None:
        answer = self.chat.last_answer()
        if answer is None:
            self.notify("No answer to copy yet.", severity="warning")
            return
        self.copy_to_clipboard(answer.answer)
        self.notify(f"Copied the last answer ({len(answer.answer):,} characters).", title="Copied")

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    def action_export(self) -> None:
        conversation = self.chat.conversation
        if not conversation.exchanges:
            self.notify("Nothing to export yet: ask a question first.", severity="warning")
            return
        path = self.export_dir / f"paramsbot-conversation-{datetime.now():%Y%m%d-%H%M%S}.md"
        try:
            atomic_write_text(path, conversation.to_markdown())
        except OSError as error:
            self.notify(f"Cannot write {path}: {error.strerror or error}", severity="error")
            return
        self.notify(str(path), title="Conversation exported")

    def palette_commands(self) -> list[PaletteCommand]:
        """What Ctrl+P offers (bot.tui.commands matches against these)."""
        return [
            PaletteCommand("Open calculator", "Count parameters and memory for a model",
                           lambda: self.action_show_tab("calculator"), True),
            PaletteCommand("Browse topics", "Every article and worked example", lambda: self.action_show_tab("topics"),
                           True),
            PaletteCommand("Export conversation to Markdown", f"Write it to {self.export_dir}", self.action_export,
                           True),
            PaletteCommand("Copy last answer", "Copy the last answer to the clipboard", self.action_copy_answer, True),
            PaletteCommand("Switch theme (light/dark)", "Remembered for next time", self.action_toggle_theme, True),
            PaletteCommand("Help", "Keys and tips", self.action_help, True),
            *kb_commands(self.documents, self.retriever.passages if self.retriever is not None else (),
                         self.read_page, self.follow),
        ]

    def _remember_theme(self, name: str) -> None:
        if name == self._settings.theme:
            return
        self._settings = Settings(theme=name)
        try:
            save_settings(self._settings)
        except OSError as error:
            self.notify(f"Cannot save the theme choice: {error.strerror or error}", severity="warning")


class _Stopped(Exception):
    """Raised inside an index build when the app quits."""
