"""The topic browser: every article (with its worked examples under it) and every example."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree

from bot.tui.kb_docs import Topics


class TopicTree(Tree[str]):
    """Given the KB's topics; choosing a leaf posts TopicChosen with its KB path.

    Titles and file names are the KB's text, shown as written: labels are never read as markup.
    """

    @dataclass
    class TopicChosen(Message):
        path: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__("Knowledge base", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.root.add_leaf("loading the knowledge base…")

    def process_label(self, label: str | Text) -> Text:  # type: ignore[override]
        return Text(label) if isinstance(label, str) else label

    def show(self, topics: Topics) -> None:
        self.clear()
        docs = topics.documents
        articles = self.root.add(f"Articles ({len(topics.articles)})", expand=True)
        first = None
        for doc in sorted(topics.articles, key=lambda d: d.title.lower()):
            examples = [e for e in doc.examples if e in docs]
            if examples:
                node = articles.add(doc.title, data=doc.path)
                for path in examples:
                    node.add_leaf(f"Example: {docs[path].title}", data=path)
            else:
                node = articles.add_leaf(doc.title, data=doc.path)
            first = first or node
        examples_node = self.root.add(f"Worked examples ({len(topics.examples)})", expand=True)
        for doc in sorted(topics.examples, key=lambda d: d.title.lower()):
            examples_node.add_leaf(doc.title, data=doc.path)
        for problem in topics.problems:
            self.root.add_leaf(f"✗ skipped {problem}")
        if first is not None:
            self.call_after_refresh(self.move_cursor, first)  # Enter opens the first article

    def show_error(self, message: str) -> None:
        self.clear()
        self.root.add_leaf(f"✗ {message}")

    @on(Tree.NodeSelected)
    def _chosen(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.TopicChosen(event.node.data))
