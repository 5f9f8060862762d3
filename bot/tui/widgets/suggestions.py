"""What an empty chat shows: a line of welcome and a few questions to start with."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static

SUGGESTED_QUESTIONS = (
    "What is a bias?",
    "What is the difference between weights and biases?",
    "How many parameters does Llama 2 7B have?",
    "How much memory does a 7B model need?",
    "What is a mixture of experts?",
)


class Suggestions(Vertical):
    """Suggested questions; choosing one asks it."""

    @dataclass
    class Picked(Message):
        question: str

    def __init__(self, questions: tuple[str, ...] = SUGGESTED_QUESTIONS, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.questions = questions

    def compose(self) -> ComposeResult:
        yield Static(
            "Ask about the [b]parameters[/b] of large language models: weights, biases, model sizes, "
            "memory. Type a question below, or pick one (Tab, then Enter):",
            classes="intro",
        )
        yield OptionList(*self.questions, id="suggested")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Picked(self.questions[event.option_index]))
