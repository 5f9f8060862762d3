"""A KB article or worked example, opened at a section; Escape goes back."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from bot.corpus import slugify
from bot.text import clean
from bot.tui.kb_docs import Page
from bot.tui.links import links_markdown
from bot.tui.widgets.kb_markdown import KBMarkdown


class ReaderScreen(Screen[None]):
    """Given a Page; links in it are routed by the app like any other."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="reader.back")]

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page

    def compose(self) -> ComposeResult:
        kind = "Worked example" if self.page.kind == "example" else "Article"
        yield Static(Text.assemble((self.page.title, "bold"), f"  {kind} · {clean(self.page.path)}"), id="reader-title")
        with VerticalScroll(id="reader-scroll"):
            yield KBMarkdown(id="reader-body", base_path=self.page.path)
            if self.page.links:
                yield KBMarkdown(links_markdown(self.page.links), id="reader-links")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        body = self.query_one("#reader-body", KBMarkdown)
        await body.update(self.page.body)
        self.query_one("#reader-scroll").focus()
        if self.page.anchor:
            self.call_after_refresh(self.goto, self.page.anchor)

    def goto(self, anchor: str) -> bool:
        """Scroll to the section whose slug is ``anchor`` (as the corpus names them)."""
        body = self.query_one("#reader-body", KBMarkdown)
        seen: dict[str, int] = {}
        for _level, title, block_id in body.table_of_contents:
            slug = slugify(title)
            count = seen.get(slug)
            seen[slug] = 0 if count is None else count + 1
            unique = slug if count is None else f"{slug}-{count + 1}"
            if anchor in (unique, slug) and block_id:
                body.query_one(f"#{block_id}").scroll_visible(top=True, animate=False)
                return True
        if body.goto_anchor(anchor):  # Textual's own slugs, for links written by hand
            return True
        base = re.sub(r"-\d+$", "", anchor)
        return base != anchor and self.goto(base)
