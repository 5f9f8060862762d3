"""``python -m bot`` is the same as the ``explain`` command."""

from bot.cli import entry

entry()
