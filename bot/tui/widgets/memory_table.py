"""Memory at each precision: the weights, the KV cache, and both together."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from bot.tui.calc_form import MemoryRow


def size_text(n_bytes: int | None) -> str:
    """Bytes for a table cell: GB are 10⁹ bytes (as GPU vendors count). Shorter than
    ``bot.calc.fmt.gb``, which adds GiB: five such columns would not fit 80 columns."""
    if n_bytes is None:
        return "–"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.2f} {unit}"
    return f"{n_bytes:,} B"


class MemoryTable(Static):
    """Given the rows and a note saying what the KV cache column assumes."""

    def show(self, rows: list[MemoryRow], kv_note: str) -> None:
        table = Table(box=None, pad_edge=False, expand=False, show_edge=False, header_style="bold")
        table.add_column("Precision")
        table.add_column("Bytes/param", justify="right")
        table.add_column("Weights", justify="right")
        table.add_column("KV cache", justify="right")
        table.add_column("Total", justify="right")
        for row in rows:
            total = row.weights + row.kv_cache if row.kv_cache is not None else None
            table.add_row(row.precision, f"{row.bytes_per_param:g}", size_text(row.weights),
                          size_text(row.kv_cache), size_text(total))
        table.caption = f"{kv_note}; GB = 10⁹ bytes"
        table.caption_justify = "left"
        self.update(table)

    def clear(self) -> None:
        self.update(Text(""))
