"""The command palette (Ctrl+P): the app's actions, every KB article, example and section, and
"ask" for anything typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

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
                yield DiscoveryHit(command.label, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._app.palette_commands():
            score = matcher.match(command.label)
            if score > 0:
                yield Hit(score, matcher.highlight(command.label), command.run, text=command.label, help=command.help)
        if query.strip():
            label = f"Ask: {query.strip()}"
            yield Hit(0.01, label, partial(self._app.ask, query.strip()), text=label,
                      help="Send this as a question")
