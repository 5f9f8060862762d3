"""Ctrl+O: the links of the last answer (or of the page being read), to open from the keyboard."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from bot.tui.links import NavLink


class LinkPicker(ModalScreen[str | None]):
    """Dismisses with the chosen href, or None."""

    BINDINGS = [Binding("escape", "dismiss", "Close", id="links.close")]

    def __init__(self, links: list[NavLink], title: str = "Open a link") -> None:
        super().__init__()
        self.links = links
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="link-box"):
            yield Label(Content(self.title_text), id="link-title")  # labels are KB text: never markup
            yield OptionList(*[Option(Content(f"{link.group}: {link.label}"), id=str(n))
                               for n, link in enumerate(self.links)],
                             id="link-list")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[event.option_index].href)
