"""The calculator: pick a model or type sizes; counts, breakdown and memory follow as you type.

The panel loads its presets and computes each form in its own thread workers (bot.calc reads
files and, for a config.json, may load transformers), keeping only the newest form's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from bot.tui.calc_form import (ARCH_FIELDS, DENSE, FILE, SIZE, CalcForm, CalcOutcome, PresetChoice, compute, form_for,
                               preset_choices)
from bot.tui.messages import while_running
from bot.tui.widgets.bar_chart import BarChart
from bot.tui.widgets.memory_table import MemoryTable

PRECISIONS = ("fp32", "fp16", "bf16", "int8", "int4")  # the order bot.calc reports them in
_OTHER_MODELS = (("Parameter count only (e.g. 7B)", SIZE), ("Dense network (layer widths)", DENSE),
                 ("From a file: config.json, safetensors or GGUF", FILE))


class CalculatorPanel(VerticalScroll):
    """Counts whatever the fields hold, live; :meth:`open_calculation` shows a chat's calculation."""

    @dataclass
    class PresetsLoaded(Message, bubble=False):
        choices: list[PresetChoice]

    @dataclass
    class Calculated(Message, bubble=False):
        generation: int
        outcome: CalcOutcome

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.choices: dict[str, PresetChoice] = {}
        self._model: str | None = None
        self._last_form: CalcForm | None = None
        self._generation = 0  # of the newest form: an older outcome is dropped

    def compose(self) -> ComposeResult:
        with Horizontal(classes="calc-row"):
            yield Label("Model", classes="calc-label")
            yield Select[str]([], id="calc-model", prompt="loading models…", compact=True)
            yield Label("Precision", classes="calc-label")
            yield Select[str]([(p, p) for p in PRECISIONS], value="fp16", allow_blank=False,
                              id="calc-precision", compact=True)
        with Grid(id="calc-arch"):
            for key, label, _, _ in ARCH_FIELDS:
                yield Label(label, classes="calc-label")
                yield Input(id=f"calc-{key}", type="integer", compact=True,
                            placeholder="= heads" if key == "kv_heads" else "")
            yield Label("Context", classes="calc-label")
            yield Input("4096", id="calc-context", type="integer", compact=True)
            yield Label("Batch", classes="calc-label")
            yield Input("1", id="calc-batch", type="integer", compact=True)
        with Horizontal(id="calc-size-row", classes="calc-row"):
            yield Label("Parameters", classes="calc-label")
            yield Input("7B", id="calc-params", compact=True, placeholder="7B, 1.5 billion, 2e12")
        with Horizontal(id="calc-dense-row", classes="calc-row"):
            yield Label("Layer widths", classes="calc-label")
            yield Input("2-2-1", id="calc-dense", compact=True, placeholder="784-128-10")
        with Horizontal(id="calc-path-row", classes="calc-row"):
            yield Label("File", classes="calc-label")
            yield Input("", id="calc-path", compact=True, placeholder="config.json, .safetensors, .gguf or a folder")
        yield Static(id="calc-problems")
        yield Static(id="calc-headline")
        yield Label("Where the parameters are", classes="calc-section")
        yield BarChart(id="calc-bars")
        yield Label("Memory", classes="calc-section")
        yield MemoryTable(id="calc-memory")
        yield Label("Working", classes="calc-section", id="calc-working-label")
        yield Static(id="calc-working")
        yield Static(id="calc-notes")

    def on_mount(self) -> None:
        self._load_presets()

    # --- workers: they post messages and touch nothing else ----------------------------------------

    @work(thread=True, group="presets", exit_on_error=False)
    def _load_presets(self) -> None:
        try:  # reading the presets' files waits here, not in the first frame
            self.post_message(self.PresetsLoaded(preset_choices()))
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.notify, f"The calculator's presets cannot be read: {error}",
                                      severity="error")

    @work(thread=True, exclusive=True, group="calc", exit_on_error=False)
    def _calculate(self, generation: int, form: CalcForm) -> None:
        self.post_message(self.Calculated(generation, compute(form)))

    @on(PresetsLoaded)
    @while_running
    def _presets_loaded(self, event: PresetsLoaded) -> None:
        self.set_presets(event.choices)

    @on(Calculated)
    @while_running
    def _calculated(self, event: Calculated) -> None:
        if event.generation == self._generation:
            self.show(event.outcome)

    # --- data in -------------------------------------------------------------------------------

    def set_presets(self, choices: list[PresetChoice], initial: str = "llama-2-7b") -> None:
        self.choices = {c.name: c for c in choices}
        options = [(c.title, c.name) for c in choices] + list(_OTHER_MODELS)
        select = self.query_one("#calc-model", Select)
        select.set_options(options)
        if initial in self.choices:
            self._pick_model(initial)
            select.value = initial
        self._changed()

    def open_calculation(self, calculation: dict[str, Any]) -> None:
        """Fill the fields from a chat's calculation (``Answer.calculation``) and count it again."""
        self.fill(form_for(calculation))

    def fill(self, form: CalcForm) -> None:
        """Show a form (from a chat calculation): set every field, then compute."""
        self._model = form.model  # so the Select change does not refill the sizes
        self.query_one("#calc-model", Select).value = form.model
        self.query_one("#calc-precision", Select).value = form.precision
        for key, _, _, _ in ARCH_FIELDS:
            if key in form.sizes:
                self.query_one(f"#calc-{key}", Input).value = form.sizes[key]
        for key in ("context", "batch", "params", "dense", "path"):
            self.query_one(f"#calc-{key}", Input).value = getattr(form, key)
        self._show_fields(form.model)
        self._changed()

    def show(self, outcome: CalcOutcome) -> None:
        """Display an outcome (ignored if the form has changed since)."""
        if outcome.form != self._last_form:
            return
        invalid = outcome.invalid
        for widget in self.query(Input):
            key = (widget.id or "").removeprefix("calc-")
            widget.set_class(key in invalid, "-invalid")
        self.query_one("#calc-model", Select).set_class("model" in invalid, "-invalid")
        problems = self.query_one("#calc-problems", Static)
        problems.update(Text("\n".join(f"✗ {p.message}" for p in outcome.problems)))
        problems.display = bool(outcome.problems)
        result = outcome.result
        self.set_class(result is None, "-stale")
        if result is None:
            return
        self.query_one("#calc-headline", Static).update(Text.assemble((result.title, "bold"), ": ", result.headline))
        self.query_one("#calc-bars", BarChart).show(result.bars, result.params_total)
        working = self.query_one("#calc-working", Static)
        working.update(Text("\n".join(f"{b.label}: {b.note}" for b in result.bars if b.note)))
        working.display = any(b.note for b in result.bars)
        self.query_one("#calc-working-label").display = working.display
        self.query_one("#calc-memory", MemoryTable).show(result.memory, result.kv_note)
        notes = self.query_one("#calc-notes", Static)
        notes.update(Text("\n".join(result.notes)))
        notes.display = bool(result.notes)

    # --- typing ----------------------------------------------------------------------------------

    @on(Select.Changed, "#calc-model")
    def _model_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self._model:
            self._pick_model(event.value)
        self._changed()

    @on(Select.Changed, "#calc-precision")
    @on(Input.Changed)
    def _field_changed(self, event: Message) -> None:
        event.stop()
        self._changed()

    def _pick_model(self, name: str) -> None:
        self._model = name
        choice = self.choices.get(name)
        if choice is not None:
            for key, value in choice.sizes.items():
                self.query_one(f"#calc-{key}", Input).value = value
            self.query_one("#calc-context", Input).value = choice.context
        self._show_fields(name)

    def _show_fields(self, model: str) -> None:
        choice = self.choices.get(model)
        self.query_one("#calc-arch").display = bool(choice and choice.sizes)
        self.query_one("#calc-size-row").display = model == SIZE
        self.query_one("#calc-dense-row").display = model == DENSE
        self.query_one("#calc-path-row").display = model == FILE

    def current_form(self) -> CalcForm | None:
        model = self.query_one("#calc-model", Select).value
        if not isinstance(model, str):
            return None
        values = {(w.id or "").removeprefix("calc-"): w.value for w in self.query(Input)}
        choice = self.choices.get(model)
        sizes = {key: values[key] for key, _, _, _ in ARCH_FIELDS} if choice and choice.sizes else {}
        precision = self.query_one("#calc-precision", Select).value
        return CalcForm(model=model, sizes=sizes, precision=precision if isinstance(precision, str) else "fp16",
                        context=values["context"], batch=values["batch"], params=values["params"],
                        dense=values["dense"], path=values["path"])

    def _changed(self) -> None:
        form = self.current_form()
        if form is not None and form != self._last_form:
            self._last_form = form
            self._generation += 1
            self._calculate(self._generation, form)

