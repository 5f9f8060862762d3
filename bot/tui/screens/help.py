"""F1: what the app does and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# paramsbot

Ask about the **parameters** of large language models: what weights and biases are, how many a
model has, where they live and what they cost in memory. Answers come from the knowledge base
shipped with paramsbot; nothing leaves your machine.

- **Enter** sends the question; **↑ / ↓** recall earlier ones; **Page Up / Down** scroll the chat.
- **Ctrl+O** opens a link of the last answer (worked example, related article, source) or of the
  page you are reading. Links open with a click too.
- **Ctrl+Y** copies the last answer.
- **F2** calculator, **F3** topics; **Escape** goes back (closes a page, returns to the chat).
- **Ctrl+P** commands: search the knowledge base, open an example, export the conversation to
  Markdown, switch theme. **Ctrl+T** switches between light and dark.
- **Ctrl+Q** quits.

Follow-ups work: after "what is a weight", try "and biases?", "give me an example" or "why?".
To select text with the mouse, hold Shift (or Option on macOS) in most terminals.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP)
