"""What the app's workers report. Workers only post these; the app's handlers own the state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from bot.answer import Answer
from bot.tui.links import NavLink


@dataclass
class LoadProgressed(Message):
    stage: str
    done: int
    total: int


@dataclass
class RetrieverReady(Message):
    retriever: Any


@dataclass
class RetrieverFailed(Message):
    error: str
    advice: str


@dataclass
class TopicsLoaded(Message):
    topics: Any  # bot.tui.kb_docs.Topics


@dataclass
class TopicsFailed(Message):
    error: str


@dataclass
class Answered(Message):
    exchange_id: int
    question: str
    query: str
    answer: Answer
    links: list[NavLink]


@dataclass
class AnswerFailed(Message):
    exchange_id: int
    error: str


@dataclass
class PresetsLoaded(Message):
    choices: list[Any]  # bot.tui.calc_form.PresetChoice


@dataclass
class Calculated(Message):
    generation: int
    outcome: Any  # bot.tui.calc_form.CalcOutcome


@dataclass
class PageRead(Message):
    page: Any  # bot.tui.kb_docs.Page


@dataclass
class PageFailed(Message):
    error: str
