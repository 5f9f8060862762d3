"""paramsbot's Textual app. It owns the state (retriever, conversation, queue of questions) and
updates the widgets; workers do the slow parts (loading, answering, calculating, reading files)
and only post messages (bot.tui.messages).

The first frame needs only Textual: the model, torch and FAISS load in a thread worker while the
status line says what is happening, and a question typed meanwhile waits in the queue.
"""

from __future__ import annotations

import functools
import inspect
import os
import tempfile
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Markdown, TabbedContent, Tabs

from bot.conversation import Conversation
from bot.errors import ParamsbotError
from bot.paths import kb_dir
from bot.text import clean
from bot.tui import messages as msg
from bot.tui.commands import PaletteCommand, ParamsbotCommands
from bot.tui.links import NavLink, kb_href, resolve
from bot.tui.loading import RetrieverFactory, advice_for, open_retriever, status_text
from bot.tui.screens.help import HelpScreen
from bot.tui.screens.link_picker import LinkPicker
from bot.tui.screens.main import MainScreen
from bot.tui.screens.reader import ReaderScreen
from bot.tui.settings import DARK_THEME, LIGHT_THEME, Settings, load_settings, save_settings
from bot.tui.widgets.answer_view import AnswerView
from bot.tui.widgets.calculator_panel import CalculatorPanel
from bot.tui.widgets.chat_log import ChatLog
from bot.tui.widgets.prompt import Prompt
from bot.tui.widgets.status_bar import State, StatusBar
from bot.tui.widgets.suggestions import Suggestions
from bot.tui.widgets.topic_tree import TopicTree


def _while_running(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Awaitable[None]]:
    """For handlers of workers' messages: one can arrive while the app shuts down, after its
    widgets are gone; then it is dropped instead of failing on a missing widget."""

    @functools.wraps(handler)
    async def run(app: ParamsbotApp, event: Any) -> None:
        if not app.is_running:
            return
        try:
            result = handler(app, event)
            if inspect.isawaitable(result):
                await result
        except NoMatches:
            if app.is_running:
                raise

    return run


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
        self.retriever: Any = None
        self.load_error: tuple[str, str] | None = None  # (error, what to do)
        self.documents: dict[str, Any] = {}
        self.conversation = Conversation()
        self._last_links: list[NavLink] = []  # the links of the last answer, for Ctrl+O
        self._queue: deque[tuple[int, str]] = deque()
        self._answering = False
        self._next_id = 0
        self._calc_generation = 0
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

    @on(MainScreen.Ready)
    def _start(self) -> None:
        self._main.query_one(TabbedContent).query_one(Tabs).can_focus = False  # F2/F3/Escape switch tabs
        self.theme_changed_signal.subscribe(self, lambda theme: self._remember_theme(theme.name))
        self._status("starting…", "loading")
        self.load_retriever()
        self.load_topics()
        self.load_presets()

    # --- workers: they post messages and touch nothing else -----------------------------------------

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

    @work(thread=True, group="presets", exit_on_error=False)
    def load_presets(self) -> None:
        from bot.tui.calc_form import preset_choices  # bot.calc: not needed for the first frame

        try:
            self.post_message(msg.PresetsLoaded(preset_choices()))
        except Exception as error:  # noqa: BLE001
            self.call_from_thread(self.notify, f"The calculator's presets cannot be read: {error}",
                                  severity="error")

    @work(thread=True, group="answer", exit_on_error=False)
    def answer(self, exchange_id: int, question: str, query: str, retriever: Any) -> None:
        from bot.answer import answer_question
        from bot.tui.links import answer_links

        try:
            answer = answer_question(query, retriever)
            links = answer_links(answer, retriever.documents)
        except Exception as error:  # noqa: BLE001
            text = str(error) if isinstance(error, ParamsbotError) else f"unexpected error: {error!r}"
            self.post_message(msg.AnswerFailed(exchange_id, text))
        else:
            self.post_message(msg.Answered(exchange_id, question, query, answer, links))

    @work(thread=True, exclusive=True, group="calc", exit_on_error=False)
    def calculate(self, generation: int, form: Any) -> None:
        from bot.tui.calc_form import compute

        self.post_message(msg.Calculated(generation, compute(form)))

    @work(thread=True, group="page", exit_on_error=False)
    def read_page(self, path: str, anchor: str) -> None:
        from bot.tui.kb_docs import read_page

        try:
            self.post_message(msg.PageRead(read_page(self.kb_root, path, self.documents, anchor)))
        except Exception as error:  # noqa: BLE001
            self.post_message(msg.PageFailed(str(error)))

    # --- loading ------------------------------------------------------------------------------------

    @on(msg.LoadProgressed)
    @_while_running
    def _load_progressed(self, event: msg.LoadProgressed) -> None:
        self._status(status_text(event.stage, event.done, event.total), "loading")

    @on(msg.RetrieverReady)
    @_while_running
    def _retriever_ready(self, event: msg.RetrieverReady) -> None:
        self.retriever = event.retriever
        self.documents = dict(getattr(event.retriever, "documents", {})) or self.documents
        count = len(getattr(event.retriever, "passages", ()))
        self._status(f"ready · {count} passages from {self.kb_root.name}/", "ready")
        problems = list(getattr(event.retriever, "problems", ()))
        if problems:
            self.notify("Skipped: " + "; ".join(problems), title="Some KB files were skipped", severity="warning")
        unsaved = (getattr(event.retriever, "index_info", None) or {}).get("unsaved")
        if unsaved:
            self.notify(f"{unsaved}; it will be rebuilt next time", title="Index kept in memory", severity="warning")
        self._next_question()

    @on(msg.RetrieverFailed)
    @_while_running
    def _retriever_failed(self, event: msg.RetrieverFailed) -> None:
        self.load_error = (event.error, event.advice)
        self._status(f"cannot load the knowledge base: {event.error}", "error")
        self.notify(f"{event.error}\n{event.advice}", title="The knowledge base cannot be used",
                    severity="error", timeout=30)
        while self._queue:
            exchange_id, _ = self._queue.popleft()
            self._chat_log.exchange(exchange_id).show_error(self._load_error_text())

    @on(msg.TopicsLoaded)
    @_while_running
    def _topics_loaded(self, event: msg.TopicsLoaded) -> None:
        if not self.documents:
            self.documents = dict(event.topics.documents)
        self._main.query_one(TopicTree).show(event.topics)

    @on(msg.TopicsFailed)
    @_while_running
    def _topics_failed(self, event: msg.TopicsFailed) -> None:
        self._main.query_one(TopicTree).show_error(event.error)

    # --- asking ---------------------------------------------------------------------------------------

    @on(Input.Submitted, "#prompt")
    async def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        prompt = self._main.query_one(Prompt)
        prompt.value = ""
        prompt.remember(question)
        await self.ask(question)

    @on(Suggestions.Picked)
    async def _suggestion_picked(self, event: Suggestions.Picked) -> None:
        self._main.query_one(Prompt).remember(event.question)
        await self.ask(event.question)

    async def ask(self, question: str) -> None:
        """Show the question in the log and answer it as soon as the retriever is ready."""
        self.action_show_tab("chat")
        self._next_id += 1
        view = await self._chat_log.add_exchange(self._next_id, question)
        self._main.query_one(Prompt).focus()
        if self.load_error:
            view.show_error(self._load_error_text())
            return
        view.show_waiting("waiting for the model to load…" if self.retriever is None else "searching…")
        self._queue.append((self._next_id, question))
        self._next_question()

    def _next_question(self) -> None:
        """Answer queued questions one at a time, so each follow-up sees the answer before it."""
        if self._answering or self.retriever is None or not self._queue:
            return
        exchange_id, question = self._queue.popleft()
        query = self.conversation.query_for(question)
        view = self._chat_log.exchange(exchange_id)
        view.show_query(query)
        view.show_waiting("searching…")
        self._answering = True
        self._status("answering…", "busy")
        self.answer(exchange_id, question, query, self.retriever)

    @on(msg.Answered)
    @_while_running
    async def _answered(self, event: msg.Answered) -> None:
        self.conversation.record(event.question, event.query, event.answer, self.documents)
        self._last_links = list(event.links)
        view = self._chat_log.exchange(event.exchange_id)
        await view.show_answer(event.answer, event.links)
        self._chat_log.reveal(view)
        self._answer_done()

    @on(msg.AnswerFailed)
    @_while_running
    def _answer_failed(self, event: msg.AnswerFailed) -> None:
        self._chat_log.exchange(event.exchange_id).show_error(event.error)
        self._answer_done()

    def _answer_done(self) -> None:
        self._answering = False
        self._status(f"ready · {len(getattr(self.retriever, 'passages', ()))} passages from {self.kb_root.name}/",
                     "ready")
        self._next_question()

    def _load_error_text(self) -> str:
        error, advice = self.load_error or ("", "")
        return f"The knowledge base cannot be used: {error}. {advice}"

    # --- links and pages --------------------------------------------------------------------------------

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.follow(event.href, getattr(event.markdown, "base_path", ""))

    def follow(self, href: str, base: str = "") -> None:
        """Open a link: a KB file in the reader (at its section), a web page in the browser."""
        if href == "calc:last":
            self._open_last_calculation()
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
    @_while_running
    def _page_read(self, event: msg.PageRead) -> None:
        self.push_screen(ReaderScreen(event.page))

    @on(msg.PageFailed)
    @_while_running
    def _page_failed(self, event: msg.PageFailed) -> None:
        self.notify(event.error, title="Cannot open the page", severity="error")

    @on(TopicTree.TopicChosen)
    def _topic_chosen(self, event: TopicTree.TopicChosen) -> None:
        self.read_page(event.path, "")

    def current_links(self) -> list[NavLink]:
        """The links Ctrl+O offers: the page being read, else the last answer."""
        if isinstance(self.screen, ReaderScreen):
            return list(self.screen.page.links)
        if not self.conversation.exchanges:
            return []
        links = list(self._last_links)
        if self.conversation.exchanges[-1].answer.calculation:
            links.insert(0, NavLink("Open in calculator", "calc:last", "Calculator"))
        return links

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

    # --- calculator --------------------------------------------------------------------------------------

    @on(msg.PresetsLoaded)
    @_while_running
    def _presets_loaded(self, event: msg.PresetsLoaded) -> None:
        self._main.query_one(CalculatorPanel).set_presets(event.choices)

    @on(CalculatorPanel.FormChanged)
    def _form_changed(self, event: CalculatorPanel.FormChanged) -> None:
        self._calc_generation += 1
        self.calculate(self._calc_generation, event.form)

    @on(msg.Calculated)
    @_while_running
    def _calculated(self, event: msg.Calculated) -> None:
        if event.generation == self._calc_generation:
            self._main.query_one(CalculatorPanel).show(event.outcome)

    @on(AnswerView.OpenCalculator)
    def _open_calculator(self, event: AnswerView.OpenCalculator) -> None:
        self.open_calculation(event.calculation)

    def open_calculation(self, calculation: dict[str, Any]) -> None:
        from bot.tui.calc_form import form_for

        while isinstance(self.screen, (ReaderScreen, LinkPicker)):
            self.pop_screen()
        self._main.query_one(CalculatorPanel).fill(form_for(calculation))
        self.action_show_tab("calculator")

    def _open_last_calculation(self) -> None:
        for exchange in reversed(self.conversation.exchanges):
            if exchange.answer.calculation:
                self.open_calculation(exchange.answer.calculation)
                return

    # --- actions --------------------------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        while self.screen is not self._main and len(self.screen_stack) > 1:
            self.pop_screen()
        # Blur first: a focused widget in the pane being hidden would pass focus to a neighbour in
        # the same pane, and the tabs follow focus, so they would switch back.
        self.set_focus(None)
        self._main.query_one(TabbedContent).active = tab
        focus = {"chat": "#prompt", "calculator": "#calc-model", "topics": "#topic-tree"}[tab]
        self.call_after_refresh(self._main.query_one(focus).focus)

    def action_scroll_chat(self, direction: int) -> None:
        log = self._chat_log
        log.scroll_page_down(animate=False) if direction > 0 else log.scroll_page_up(animate=False)

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self._main.query_one(TabbedContent).active != "chat":
            self.action_show_tab("chat")
        else:
            self._main.query_one(Prompt).focus()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_copy_answer(self) -> None:
        if not self.conversation.exchanges:
            self.notify("No answer to copy yet.", severity="warning")
            return
        text = self.conversation.exchanges[-1].answer.answer
        self.copy_to_clipboard(text)
        self.notify(f"Copied the last answer ({len(text):,} characters).", title="Copied")

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    def action_export(self) -> None:
        if not self.conversation.exchanges:
            self.notify("Nothing to export yet: ask a question first.", severity="warning")
            return
        path = self.export_dir / f"paramsbot-conversation-{datetime.now():%Y%m%d-%H%M%S}.md"
        try:
            _write_atomic(path, self.conversation.to_markdown())
        except OSError as error:
            self.notify(f"Cannot write {path}: {error.strerror or error}", severity="error")
            return
        self.notify(str(path), title="Conversation exported")

    def palette_commands(self) -> list[PaletteCommand]:
        """What Ctrl+P offers (bot.tui.commands matches against these)."""
        commands = [
            PaletteCommand("Open calculator", "Count parameters and memory for a model", lambda: self.action_show_tab("calculator"), True),
            PaletteCommand("Browse topics", "Every article and worked example", lambda: self.action_show_tab("topics"), True),
            PaletteCommand("Export conversation to Markdown", f"Write it to {self.export_dir}", self.action_export, True),
            PaletteCommand("Copy last answer", "Copy the last answer to the clipboard", self.action_copy_answer, True),
            PaletteCommand("Switch theme (light/dark)", "Remembered for next time", self.action_toggle_theme, True),
            PaletteCommand("Help", "Keys and tips", self.action_help, True),
        ]
        for path, doc in sorted(self.documents.items(), key=lambda item: item[1].title.lower()):
            kind = "Example" if doc.kind == "example" else "Article"
            commands.append(PaletteCommand(f"{kind}: {doc.title}", doc.summary or path,
                                           lambda p=path: self.read_page(p, ""), kind == "Example"))
        seen: set[str] = set()
        for passage in getattr(self.retriever, "passages", ()):
            href = kb_href(passage.path, passage.anchor)
            if passage.anchor and len(passage.heading_path) > 1 and href not in seen:  # long sections come in parts
                seen.add(href)
                commands.append(PaletteCommand(f"Section: {' > '.join(passage.heading_path)}", passage.path,
                                               lambda h=href: self.follow(h)))
        return commands

    # --- helpers ---------------------------------------------------------------------------------------

    @property
    def _chat_log(self) -> ChatLog:
        return self._main.query_one(ChatLog)

    def _status(self, text: str, state: State) -> None:
        self._main.query_one(StatusBar).show(text, state)

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


def _write_atomic(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".paramsbot-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
