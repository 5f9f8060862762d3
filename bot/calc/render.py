"""Printing a calculator report: Rich tables on a terminal, the same content as plain text when piped.

Rich is imported only when a terminal is attached; it honours ``NO_COLOR`` by itself.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.calc import fmt
from bot.calc.preset_store import Preset
from bot.calc.report import Report
from bot.calc.resources import BITS_PER_PARAM, PRECISIONS, TRAINING_BYTES_PER_PARAM


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _summary(r: Report) -> list[str]:
    lines = [f"Parameters: {fmt.commas(r.params_total)} ({fmt.words(r.params_total)})"
             + (" [published figure]" if r.kind == "published" else "")]
    if r.is_moe and r.params_active is not None:
        approx = "about " if r.kind == "published" else ""
        lines.append(f"Active per token: {approx}{fmt.commas(r.params_active)} ({fmt.words(r.params_active)}, "
                     f"{100 * r.params_active / r.params_total:.1f}%)")
    if r.params_embedding is not None and r.kind == "transformer":
        lines.append(f"Embedding / non-embedding: {fmt.commas(r.params_embedding)} / "
                     f"{fmt.commas(r.params_non_embedding or 0)}")
    if r.published:
        lines.append(f"Published as: {r.published}")
    return lines


def _compute_lines(r: Report) -> list[str]:
    f = r.flops
    n_label = "active N" if r.is_moe else "N"
    lines = [f"Inference: 2 × {n_label} ≈ {fmt.sci(f['inference_per_token'])} FLOPs per "
             + ("forward pass" if r.kind == "dense" else "token"),
             f"Compute-optimal data: 20 × N ≈ {fmt.short(f['compute_optimal_tokens'])} tokens (Hoffmann et al. 2022)"]
    if f["training"] is not None:
        lines.append(f"Training on {fmt.short(f['training_tokens'])} tokens: 6 × {n_label} × D ≈ "
                     f"{fmt.sci(f['training'])} FLOPs (Kaplan et al. 2020)")
    else:
        lines.append("Training: 6 × N × D FLOPs; give --tokens (e.g. 2T) to compute it")
    return lines


def _weights_lines(r: Report) -> list[str]:
    """What the weight file's headers say: tensors, bytes on disk and bits per weight by type."""
    w = r.weights_file
    if not w:
        return []
    where = f"{w['files']} files" if w["files"] > 1 else "1 file"
    lines = [f"{w['format']} ({where}{', ' + w['architecture'] if w['architecture'] else ''}): {w['tensors']:,} tensors,"
             f" {fmt.gb(w['bytes'])} of tensor data, {w['bits_per_weight']:.4f} bits per weight"]
    for d in w["by_dtype"]:
        lines.append(f"  {d['dtype']:<8} {d['tensors']:>6,} tensors  {fmt.commas(d['elements']):>17} weights  "
                     f"{fmt.gb(d['bytes'])}  ({d['bits_per_weight']:.4f} bits/weight)")
    return lines


def _format_lines(r: Report) -> list[str]:
    """Bytes at the formats people download, and fine-tuning recipes (bot.calc.recipes)."""
    lines = []
    if r.weight_formats:
        shown = ("Q8_0", "Q6_K", "Q4_K", "Q4_0", "int4 g128")
        lines.append("As downloaded: " + ", ".join(f"{name} {fmt.gb(r.weight_formats[name])}" for name in shown
                                                     if name in r.weight_formats)
                     + " (pure types; llama.cpp's Q4_K_M mix measured 4.89 bits/weight on Llama-3.1-8B)")
    for t in r.training[1:]:   # the first, AdamW at 16 B/param, has its own line
        lines.append(f"Training, {t['name']}: {fmt.gb(t['bytes'])} ({t['rule']})")
    return lines


def _memory_rows(r: Report) -> list[tuple[str, str, str]]:
    return [(p, f"{BITS_PER_PARAM[p] / 8:g}", fmt.gb(r.memory_bytes[p])) for p in PRECISIONS]


def _account_lines(r: Report) -> list[str]:
    lines = []
    if r.unknown_fields:
        lines.append("Fields not understood (not counted; check them): " + ", ".join(r.unknown_fields))
    for item in r.defaults_used:
        lines.append(f"Default used: {item}")
    for note in r.notes:
        lines.append(f"Note: {note}")
    if r.source:
        lines.append(f"Source: {r.source['label']} <{r.source['url']}>")
    return lines


def plain_text(r: Report) -> str:
    """The whole report as plain text (no escape sequences), for pipes and files."""
    out = [r.title, "=" * len(r.title), *_summary(r), ""]
    if r.kind == "dense":
        out.append("Layers:")
        for layer in r.layers:
            out.append(f"  {layer['layer']}: {layer['inputs']} -> {layer['outputs']}: {layer['formula']}")
        out.append(f"  total: {fmt.commas(r.components['weights'])} weights + "
                   f"{fmt.commas(r.components['biases'])} biases = {fmt.commas(r.params_total)}")
        out.append("")
    elif r.breakdown:
        out.append("Components:")
        width = max(len(c["label"]) for c in r.breakdown)
        num = max(len(fmt.commas(c["count"])) for c in r.breakdown)
        for c in r.breakdown:
            out.append(f"  {c['label']:<{width}}  {fmt.commas(c['count']):>{num}}  {c['formula']}")
        out.append("")
    if r.weights_file:
        out += [*_weights_lines(r), ""]
    out.append("Memory for the weights:")
    for p, per, size in _memory_rows(r):
        mark = "  <-" if p == r.precision else ""
        out.append(f"  {p:<5} {per:>3} B/param  {size}{mark}")
    out.append(f"Training (mixed precision + Adam, {TRAINING_BYTES_PER_PARAM} B/param, ZeRO paper): "
               f"{fmt.gb(r.training_bytes)} before activations")
    out += _format_lines(r)
    if r.kv_cache:
        kv = r.kv_cache
        out.append(f"KV cache ({kv['context']:,} tokens, batch {kv['batch']}, {kv['precision']}): {fmt.gb(kv['bytes'])}")
        out.append(f"  = {kv['formula']}")
    out.append("")
    out.append("Compute:")
    out += [f"  {line}" for line in _compute_lines(r)]
    extra = _account_lines(r)
    if extra:
        out.append("")
        out += extra
    return "\n".join(out) + "\n"


def print_report(r: Report, stream: TextIO | None = None) -> None:
    """Rich tables on a terminal, :func:`plain_text` otherwise."""
    stream = stream or sys.stdout
    if not _is_terminal(stream):
        stream.write(plain_text(r))
        stream.flush()
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, highlight=False, markup=False)  # "[published figure]" is text, not markup
    console.print(Text(r.title, style="bold"))
    for line in _summary(r):
        console.print(line)
    if r.kind == "dense":
        table = Table(title="Layers", title_justify="left")
        for col, justify in (("Layer", "left"), ("Weights", "right"), ("Biases", "right"), ("Total", "right")):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for layer in r.layers:
            table.add_row(f"{layer['layer']}: {layer['inputs']} → {layer['outputs']}",
                          f"{layer['inputs']} × {layer['outputs']} = {fmt.commas(layer['weights'])}",
                          fmt.commas(layer["biases"]), fmt.commas(layer["total"]))
        table.add_row("Total", fmt.commas(r.components["weights"]), fmt.commas(r.components["biases"]),
                      fmt.commas(r.params_total), style="bold")
        console.print(table)
    elif r.breakdown:
        table = Table(title="Components", title_justify="left")
        table.add_column("Component")
        table.add_column("Parameters", justify="right")
        table.add_column("Working", overflow="fold")
        for c in r.breakdown:
            table.add_row(c["label"], fmt.commas(c["count"]), c["formula"])
        table.add_row("Total", fmt.commas(r.params_total), "", style="bold")
        console.print(table)
    for line in _weights_lines(r):
        console.print(Text(line))
    mem = Table(title="Memory for the weights", title_justify="left")
    mem.add_column("Precision")
    mem.add_column("Bytes/param", justify="right")
    mem.add_column("Weights", justify="right")
    for p, per, size in _memory_rows(r):
        mem.add_row(p, per, size, style="bold" if p == r.precision else None)
    console.print(mem)
    console.print(f"Training (mixed precision + Adam, {TRAINING_BYTES_PER_PARAM} B/param): "
                  f"{fmt.gb(r.training_bytes)} before activations")
    for line in _format_lines(r):
        console.print(Text(line, style="dim"))
    if r.kv_cache:
        kv = r.kv_cache
        console.print(Text.assemble(f"KV cache ({kv['context']:,} tokens, batch {kv['batch']}, {kv['precision']}): ",
                                    (fmt.gb(kv["bytes"]), "bold")))
        console.print(Text(f"  = {kv['formula']}", style="dim"))
    console.print(Text("Compute", style="bold"))
    for line in _compute_lines(r):
        console.print(f"  {line}")
    for line in _account_lines(r):
        style = "yellow" if line.startswith("Fields not understood") else "dim"
        console.print(Text(line, style=style))


def presets_text(presets: list[Preset]) -> str:
    """One line per preset: name, parameters, family and source (for ``--list-presets``)."""
    from bot.calc.report import report

    rows = []
    for p in presets:
        r = report(p)
        count = fmt.short(r.params_total) + ("*" if p.published_only else "")
        active = f" ({fmt.short(r.params_active)} active)" if r.is_moe and r.params_active else ""
        rows.append((p.name, count + active, p.family, p.title))
    width = max(len(row[0]) for row in rows)
    cw = max(len(row[1]) for row in rows)
    lines = [f"{name:<{width}}  {count:<{cw}}  {family:<11}  {title}" for name, count, family, title in rows]
    lines.append("* published figure, not counted from an architecture")
    return "\n".join(lines) + "\n"
