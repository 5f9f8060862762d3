"""Markdown from the knowledge base, which knows which KB file its relative links start from."""

from __future__ import annotations

from textual.widgets import Markdown


class KBMarkdown(Markdown):
    """A Markdown widget whose links the app routes (never opened directly)."""

    def __init__(self, markdown: str = "", *, base_path: str = "", **kwargs: object) -> None:
        super().__init__(markdown, open_links=False, **kwargs)  # type: ignore[arg-type]
        self.base_path = base_path  # KB-relative file that relative links start from
