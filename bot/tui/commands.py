"""The command palette (Ctrl+P): the app's actions, every KB article, example and section, and
"ask" for anything typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from bot.text import clean

if TYPE_CHECKING:
    from bot.tui.app import ParamsbotApp


@dataclass(frozen=True)
class PaletteCommand:
    label: str
    help: str
    run: Callable[[], object]
    discover: bool = False  # listed before anything is typed


class ParamsbotCommands(Provider):
    """Matches what is typed against the app's commands (the app supplies them)."""

    @property
    def _app(self) -> ParamsbotApp:
        return cast("ParamsbotApp", self.app)

    async def discover(self) -> Hits:
        for command in self._app.palette_commands():
            if command.discover:
                yield DiscoveryHit(Content(command.label), command.run, text=command.label, help=_help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._app.palette_commands():
            score = matcher.match(command.label)
            if score > 0:
                yield Hit(score, highlight(matcher, command.label), command.run, text=command.label,
                          help=_help(command))
        if query.strip():
            label = f"Ask: {query.strip()}"
            yield Hit(0.01, Content(label), partial(self._app.ask, query.strip()), text=label,
                      help="Send this as a question")


def _help(command: PaletteCommand) -> str:
    """The palette reads help as markup: a summary or file name is escaped, and cleaned of controls."""
    return escape(clean(command.help))


def highlight(matcher: Matcher, label: str) -> Content:
    """The label with the matched letters marked. Labels are KB titles and typed text, never
    markup; ``Matcher.highlight`` would parse them as markup ("[/]" in a title would crash it)."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
