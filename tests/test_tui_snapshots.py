"""Snapshots of the main screens at 80x24 and a wide size (pytest-textual-snapshot).

Made repeatable: a fixed KB and the word-overlap FakeRetriever (no model, fixed scores), fixed
terminal sizes, cursor blink off, no spinner anywhere in the app, a private config folder (dark
theme unless a test switches it), and no fixed sleeps: each test waits until the screen shows what
it captures, then until nothing is left to process (:func:`settled`). Update with
``--snapshot-update`` only after looking at the SVGs.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input, Select
from tui_support import fake_factory, screen_text, wait_until, write_tui_kb

from bot.tui.app import ParamsbotApp
from bot.tui.screens.help import HelpScreen
from bot.tui.screens.link_picker import LinkPicker
from bot.tui.screens.reader import ReaderScreen
from bot.tui.settings import LIGHT_THEME
from bot.tui.widgets.calculator_panel import CalculatorPanel

WIDE = (120, 36)


@pytest.fixture
def app(tmp_path: Path) -> ParamsbotApp:
    kb = write_tui_kb(tmp_path / "kb")
    return ParamsbotApp(kb, retriever_factory=fake_factory(kb), export_dir=tmp_path)


def still(app: ParamsbotApp) -> None:
    for widget in app.query(Input).results(Input):
        widget.cursor_blink = False
    for widget in app._main.query(Input).results(Input):
        widget.cursor_blink = False


async def settled(pilot, *texts: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the screen shows every one of ``texts``, then until no animation or message is
    pending: the snapshot is of the screen asked for, however slow the machine."""
    await wait_until(pilot, lambda: all(text in screen_text(pilot.app) for text in texts))
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_until(pilot, lambda: app.retriever is not None and app.documents)
    still(app)


async def ask(pilot, *questions: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await ready(pilot)
    for question in questions:
        count = len(app.chat.conversation.exchanges)
        await pilot.press(*question, "enter")
        await wait_until(pilot, lambda: len(app.chat.conversation.exchanges) > count and not app.chat.answering)
    heading = app.chat.conversation.exchanges[-1].answer.answer.splitlines()[0].strip("*")  # shown from its top
    await settled(pilot, f"› {questions[-1]}", heading)


async def calculator(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await ready(pilot)
    await pilot.press("f2")
    await wait_until(pilot, lambda: "6,738,415,616" in str(app._main.query_one("#calc-headline").render()))
    still(app)
    await settled(pilot, "6,738,415,616")


def test_empty_chat_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_loading_80x24(tmp_path: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    kb = write_tui_kb(tmp_path / "kb")
    gate = threading.Event()
    app = ParamsbotApp(kb, retriever_factory=fake_factory(kb, gate), export_dir=tmp_path)

    async def loading(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: app.documents)
        await pilot.press(*"what is a bias", "enter")
        await wait_until(pilot, lambda: app.chat.queued)
        still(app)

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=loading)
    finally:
        gate.set()


def test_answer_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda pilot: ask(pilot, "what is a bias"))


def test_follow_ups_wide(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=WIDE,
                        run_before=lambda pilot: ask(pilot, "what is a weight", "and biases?", "why?"))


def test_answer_light_theme_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def light(pilot) -> None:  # type: ignore[no-untyped-def]
        await ask(pilot, "what is a bias")
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: pilot.app.theme == LIGHT_THEME)
        await settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=light)


def test_reader_at_a_section_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def reader(pilot) -> None:  # type: ignore[no-untyped-def]
        await ready(pilot)
        app.follow("/biases.md#how-are-biases-counted")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        await wait_until(pilot, lambda: app.screen.query_one("#reader-scroll").scroll_y > 0)
        await settled(pilot, "How are biases counted?")

    assert snap_compare(app, terminal_size=(80, 24), run_before=reader)


def test_link_picker_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def picker(pilot) -> None:  # type: ignore[no-untyped-def]
        await ask(pilot, "what is a bias")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkPicker))
        await settled(pilot, "Open a link")

    assert snap_compare(app, terminal_size=(80, 24), run_before=picker)


def test_calculator_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=(80, 24), run_before=calculator)


def test_calculator_invalid_field_wide(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def invalid(pilot) -> None:  # type: ignore[no-untyped-def]
        await calculator(pilot)
        panel = app._main.query_one(CalculatorPanel)
        panel.query_one("#calc-model", Select).value = "mixtral-8x7b"
        await wait_until(pilot, lambda: "46,702,792,704" in str(panel.query_one("#calc-headline").render()))
        panel.query_one("#calc-hidden", Input).value = "4100"
        await wait_until(pilot, lambda: panel.query_one("#calc-hidden").has_class("-invalid"))
        app.set_focus(None)
        await settled(pilot, "46,702,792,704")

    assert snap_compare(app, terminal_size=WIDE, run_before=invalid)


def test_topics_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def topics(pilot) -> None:  # type: ignore[no-untyped-def]
        await ready(pilot)
        await pilot.press("f3")
        await settled(pilot, "Articles (3)", "Worked examples (1)")

    assert snap_compare(app, terminal_size=(80, 24), run_before=topics)


def test_help_80x24(app: ParamsbotApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def help_screen(pilot) -> None:  # type: ignore[no-untyped-def]
        await ready(pilot)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await settled(pilot, "Ask about the parameters of large language models")

    assert snap_compare(app, terminal_size=(80, 24), run_before=help_screen)
