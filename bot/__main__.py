"""``python -m bot`` is the same as the ``explain`` command."""

from bot.command import entry

entry()
