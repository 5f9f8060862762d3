"""A horizontal bar chart: one row per part, its share drawn as a bar and written as a number."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from bot.tui.calc_form import Bar

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar_text(fraction: float, width: int) -> str:
    """A bar ``fraction`` of ``width`` cells long, to an eighth of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


class BarChart(Widget):
    """Given bars and their total; redraws to fit its width. Bars are scaled to the largest part,
    and each row also states its count and share of the total, so nothing relies on length alone."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"bar-chart--bar", "bar-chart--label", "bar-chart--value"}
    DEFAULT_CSS = "BarChart { height: auto; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.bars: list[Bar] = []
        self.total = 0

    def show(self, bars: list[Bar], total: int) -> None:
        self.bars, self.total = bars, total
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[no-untyped-def]
        return max(1, len(self.bars))

    def render(self) -> RenderableType:
        if not self.bars:
            return Text("No breakdown: only the total is known for this model.", style="italic")
        width = self.size.width or 80
        label_width = min(max(len(b.label) for b in self.bars), max(8, width // 4))
        value_width = max(len(f"{b.value:,}") for b in self.bars)
        bar_width = max(4, width - label_width - value_width - 11)
        bar_style = self.get_component_rich_style("bar-chart--bar")
        label_style = self.get_component_rich_style("bar-chart--label")
        value_style = self.get_component_rich_style("bar-chart--value")
        largest = max(b.value for b in self.bars) or 1  # the longest bar fills the width
        lines = Text()
        for n, bar in enumerate(self.bars):
            share = bar.value / self.total if self.total else 0.0
            label = bar.label if len(bar.label) <= label_width else bar.label[: label_width - 1] + "…"
            if n:
                lines.append("\n")
            lines.append(label.ljust(label_width) + " ", label_style)
            lines.append(bar_text(bar.value / largest, bar_width).ljust(bar_width), bar_style)
            lines.append(f" {bar.value:>{value_width},} {100 * share:5.1f}%", value_style)
        return lines
