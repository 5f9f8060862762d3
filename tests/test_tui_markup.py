"""Outside text is never markup: KB titles, file names, skipped-file notices, links and palette
entries show "[/]" and "[@click=app.quit]" as written, in the real app and in Rich output.

Before, a file named "x [/] y.md" crashed the app through a notification (MarkupError) and
"[@click=app.quit]" in a title became a clickable action."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from tui_support import fake_factory, flat_text, screen_text, wait_until, write_tui_kb

from bot.tui.app import ParamsbotApp
from bot.tui.links import NavLink
from bot.tui.screens.link_picker import LinkPicker

TITLE = "[b]Bold[/b] [@click=app.quit]Quit[/] [/] odd"


@pytest.fixture
def app(tmp_path: Path) -> ParamsbotApp:
    kb = write_tui_kb(tmp_path / "kb")
    (kb / "x [").mkdir()  # so the KB-relative name is "x [/] y.md"
    (kb / "x [" / "] y.md").write_text("---\ntitle: [unclosed\n---\ntext\n")  # skipped: a notice names it
    (kb / "markup.md").write_text(f"---\ntitle: '{TITLE}'\nsummary: '[red]not red[/red]'\n---\n\n"
                                  "## What is a [/] bracket?\n\nA bracket [/] is text.\n")
    (kb / "[@click=app.quit] z.md").write_text("## Clicks\n\nA title from the file name.\n")
    (kb / "\x1b]0;owned\x07esc.md").write_text("---\ntitle: [unclosed\n---\ntext\n")  # skipped, named cleaned
    return ParamsbotApp(kb, retriever_factory=fake_factory(kb), export_dir=tmp_path)


async def test_notices_topics_and_palette_show_markup_as_text(app: ParamsbotApp) -> None:
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: "x [/] y.md" in flat_text(app))  # the skipped-file notice
        await wait_until(pilot, lambda: "esc.md: front matter" in flat_text(app))
        assert "\x1b" not in screen_text(app) and "owned" not in screen_text(app)
        await wait_until(pilot, lambda: app.retriever is not None)
        await pilot.press("f3")
        await wait_until(pilot, lambda: TITLE in screen_text(app))
        assert "[@click=app.quit] z" in screen_text(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"bold quit")
        await wait_until(pilot, lambda: f"Article: {TITLE}" in screen_text(app))
        await wait_until(pilot, lambda: "[red]not red[/red]" in screen_text(app))  # the summary, as help
        await pilot.press("escape")
        assert app.is_running


async def test_link_picker_shows_labels_as_text(app: ParamsbotApp) -> None:
    async with app.run_test(size=(100, 24)) as pilot:
        links = [NavLink(TITLE, "/markup.md", "Related"), NavLink("[@click=app.quit] z", "/[@click=app.quit] z.md", "Related")]
        app.push_screen(LinkPicker(links, title="Links of [b]this[/b]"))
        await wait_until(pilot, lambda: "Links of" in screen_text(app))
        text = screen_text(app)
        assert f"Related: {TITLE}" in text and "Related: [@click=app.quit] z" in text
        assert "Links of [b]this[/b]" in text
        await pilot.click("#link-list")  # clicking a label opens it; it never runs an action
        await pilot.pause()
        assert app.is_running


async def test_a_page_with_markup_in_its_name_opens_in_the_reader(app: ParamsbotApp) -> None:
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_until(pilot, lambda: app.documents)
        app.read_page("[@click=app.quit] z.md", "")
        await wait_until(pilot, lambda: "A title from the file name." in screen_text(app))
        assert "[@click=app.quit] z.md" in screen_text(app)


def test_a_published_figure_keeps_its_marker_on_a_terminal() -> None:
    from bot.calc import preset_store
    from bot.calc.render import print_report
    from bot.calc.report import report

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    print_report(report(preset_store.get_preset("grok-1")), stream=out)
    assert "[published figure]" in out.getvalue()
