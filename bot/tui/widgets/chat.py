"""The chat: the log and the prompt, and the questions on their way to answers.

The widget owns the conversation, the queue of questions and the answer worker, so the app only
hands it the retriever once it is loaded (:meth:`Chat.use`), or the reason there will be none
(:meth:`Chat.cannot_answer`). Questions are answered one at a time, so each follow-up is read
against the answer before it; a question typed while the model loads waits in the queue.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from bot.answer import Answer
from bot.conversation import Conversation
from bot.errors import ParamsbotError
from bot.tui.links import NavLink
from bot.tui.loading import AppRetriever
from bot.tui.messages import while_running
from bot.tui.widgets.chat_log import ChatLog
from bot.tui.widgets.prompt import Prompt
from bot.tui.widgets.suggestions import Suggestions

#: The href of the "Open in calculator" link: the app opens the last calculation for it.
LAST_CALCULATION = "calc:last"


class Chat(Vertical):
    """Asks, shows and remembers; posts Busy up so the status line can say it is answering."""

    @dataclass
    class Busy(Message):
        """The chat started (True) or finished (False) answering a question."""

        busy: bool

    @dataclass
    class Answered(Message, bubble=False):
        exchange_id: int
        question: str
        query: str
        answer: Answer
        links: list[NavLink]

    @dataclass
    class AnswerFailed(Message, bubble=False):
        exchange_id: int
        error: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conversation = Conversation()
        self._retriever: AppRetriever | None = None
        self._unusable = ""  # why no question can be answered, once loading has failed
        self._queue: deque[tuple[int, str]] = deque()
        self._answering = False
        self._next_id = 0
        self._last_links: list[NavLink] = []  # the links of the last answer, for Ctrl+O

    def compose(self) -> ComposeResult:
        yield ChatLog(id="chat-log")
        yield Prompt(id="prompt", placeholder="Ask about LLM parameters, then press Enter")

    # --- what the app tells it and asks of it ----------------------------------------------------

    @property
    def answering(self) -> bool:
        return self._answering

    @property
    def queued(self) -> int:
        """Questions waiting for the retriever or for the answer before them."""
        return len(self._queue)

    def use(self, retriever: AppRetriever) -> None:
        """The retriever is ready: answer what waits."""
        self._retriever = retriever
        self._next_question()

    def cannot_answer(self, reason: str) -> None:
        """Loading failed: say so on every waiting question, and on every later one."""
        self._unusable = reason
        while self._queue:
            exchange_id, _ = self._queue.popleft()
            self._log.exchange(exchange_id).show_error(reason)

    async def ask(self, question: str) -> None:
        """Show the question in the log and answer it as soon as the retriever is ready."""
        self._next_id += 1
        view = await self._log.add_exchange(self._next_id, question)
        self.focus_prompt()
        if self._unusable:
            view.show_error(self._unusable)
            return
        view.show_waiting("waiting for the model to load…" if self._retriever is None else "searching…")
        self._queue.append((self._next_id, question))
        self._next_question()

    def last_answer(self) -> Answer | None:
        return self.conversation.exchanges[-1].answer if self.conversation.exchanges else None

    def last_calculation(self) -> dict[str, Any] | None:
        """The newest answer's calculation, for "Open in calculator" on the last one that had one."""
        for exchange in reversed(self.conversation.exchanges):
            if exchange.answer.calculation:
                return exchange.answer.calculation
        return None

    def links(self) -> list[NavLink]:
        """The last answer's links for Ctrl+O; a calculation's "Open in calculator" first."""
        answer = self.last_answer()
        if answer is None:
            return []
        links = list(self._last_links)
        if answer.calculation:
            links.insert(0, NavLink("Open in calculator", LAST_CALCULATION, "Calculator"))
        return links

    def focus_prompt(self) -> None:
        self.query_one(Prompt).focus()

    def scroll_page(self, direction: int) -> None:
        log = self._log
        log.scroll_page_down(animate=False) if direction > 0 else log.scroll_page_up(animate=False)

    # --- typing and picking -------------------------------------------------------------------------

    @on(Input.Submitted, "#prompt")
    async def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        question = event.value.strip()
        if not question:
            return
        prompt = self.query_one(Prompt)
        prompt.value = ""
        prompt.remember(question)
        await self.ask(question)

    @on(Suggestions.Picked)
    async def _suggestion_picked(self, event: Suggestions.Picked) -> None:
        event.stop()
        self.query_one(Prompt).remember(event.question)
        await self.ask(event.question)

    # --- answering ----------------------------------------------------------------------------------

    def _next_question(self) -> None:
        """Answer queued questions one at a time, so each follow-up sees the answer before it."""
        if self._answering or self._retriever is None or not self._queue:
            return
        exchange_id, question = self._queue.popleft()
        query = self.conversation.query_for(question)
        view = self._log.exchange(exchange_id)
        view.show_query(query)
        view.show_waiting("searching…")
        self._answering = True
        self.post_message(self.Busy(True))
        self._answer(exchange_id, question, query, self._retriever)

    @work(thread=True, group="answer", exit_on_error=False)
    def _answer(self, exchange_id: int, question: str, query: str, retriever: AppRetriever) -> None:
        from bot.answer import answer_question
        from bot.tui.links import answer_links

        try:
            answer = answer_question(query, retriever)  # type: ignore[arg-type]  # it names the concrete Retriever
            links = answer_links(answer, retriever.documents)
        except Exception as error:  # noqa: BLE001 - any failure becomes a message in the log
            text = str(error) if isinstance(error, ParamsbotError) else f"unexpected error: {error!r}"
            self.post_message(self.AnswerFailed(exchange_id, text))
        else:
            self.post_message(self.Answered(exchange_id, question, query, answer, links))

    @on(Answered)
    @while_running
    async def _answered(self, event: Answered) -> None:
        assert self._retriever is not None
        self.conversation.record(event.question, event.query, event.answer, self._retriever.documents)
        self._last_links = list(event.links)
        view = self._log.exchange(event.exchange_id)
        await view.show_answer(event.answer, event.links)
        self._log.reveal(view)
        self._answer_done()

    @on(AnswerFailed)
    @while_running
    def _answer_failed(self, event: AnswerFailed) -> None:
        self._log.exchange(event.exchange_id).show_error(event.error)
        self._answer_done()

    def _answer_done(self) -> None:
        self._answering = False
        self.post_message(self.Busy(False))
        self._next_question()

    @property
    def _log(self) -> ChatLog:
        return self.query_one(ChatLog)
