"""The command palette (Ctrl+P): the app's actions, every KB article, example and section, and
"ask" for anything typed.

The provider reaches the app only through :class:`PaletteHost`, so this module never imports the
app (which imports it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from bot.text import clean
from bot.tui.links import kb_href

if TYPE_CHECKING:
    from bot.corpus import Passage
    from bot.retriever import DocumentInfo


@dataclass(frozen=True)
class PaletteCommand:
    label: str
    help: str
    run: Callable[[], object]
    discover: bool = False  # listed before anything is typed


class PaletteHost(Protocol):
    """What the palette needs from the app: its commands, and a way to ask what was typed."""

    def palette_commands(self) -> list[PaletteCommand]: ...

    def ask(self, question: str) -> Awaitable[None]: ...


def kb_commands(documents: Mapping[str, DocumentInfo], passages: Iterable[Passage],
                open_page: Callable[[str], object], follow: Callable[[str], object]) -> list[PaletteCommand]:
    """Every article and worked example by title, then every section of a file (by heading path)."""
    commands = []
    for path, doc in sorted(documents.items(), key=lambda item: item[1].title.lower()):
        kind = "Example" if doc.kind == "example" else "Article"
        commands.append(PaletteCommand(f"{kind}: {doc.title}", doc.summary or path,
                                       partial(open_page, path), kind == "Example"))
    seen: set[str] = set()
    for passage in passages:
        href = kb_href(passage.path, passage.anchor)
        if passage.anchor and len(passage.heading_path) > 1 and href not in seen:  # long sections come in parts
            seen.add(href)
            commands.append(PaletteCommand(f"Section: {' > '.join(passage.heading_path)}", passage.path,
                                           partial(follow, href)))
    return commands


class ParamsbotCommands(Provider):
    """Matches what is typed against the app's commands (the app supplies them)."""

    @property
    def _app(self) -> PaletteHost:
        return cast(PaletteHost, self.app)

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
