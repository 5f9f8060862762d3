"""What the app's loading workers report, and how any handler of a worker's message is guarded.

Workers only post messages; the node that started them owns the state. The chat and the
calculator panel keep their workers' messages as their own (``Chat.Answered``,
``CalculatorPanel.Calculated``); these are the app's: loading the retriever, the topics, a page.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from textual.css.query import NoMatches
from textual.message import Message
from textual.message_pump import MessagePump

from bot.tui.loading import AppRetriever

if TYPE_CHECKING:
    from bot.tui.kb_docs import Page, Topics  # read in workers: bot.corpus is not needed for the first frame

Node = TypeVar("Node", bound=MessagePump)
Event = TypeVar("Event", bound=Message)


def while_running(handler: Callable[[Node, Event], Any]) -> Callable[[Node, Event], Awaitable[None]]:
    """For handlers of workers' messages: one can arrive while the app shuts down, after its
    widgets are gone; then it is dropped instead of failing on a missing widget."""

    @functools.wraps(handler)
    async def run(node: Node, event: Event) -> None:
        app = node.app
        if not app.is_running:
            return
        try:
            result = handler(node, event)
            if inspect.isawaitable(result):
                await result
        except NoMatches:
            if app.is_running:
                raise

    return run


@dataclass
class LoadProgressed(Message):
    stage: str
    done: int
    total: int


@dataclass
class RetrieverReady(Message):
    retriever: AppRetriever


@dataclass
class RetrieverFailed(Message):
    error: str
    advice: str


@dataclass
class TopicsLoaded(Message):
    topics: Topics


@dataclass
class TopicsFailed(Message):
    error: str


@dataclass
class PageRead(Message):
    page: Page


@dataclass
class PageFailed(Message):
    error: str
