"""The exit codes of ``explain``, in one place: the commands, the errors and the README use these.

    0    answered (``explain eval``: the targets are met)
    1    the knowledge base has no answer (``explain eval``: the targets are missed)
    2    usage or input error: a question, option, file or ``--kb`` folder that cannot be used
    3    the environment: the model, the cache, a lock or paramsbot's own data cannot be used
    130  interrupted (Ctrl+C), as shells report a process ended by SIGINT
    141  the output was closed early (``explain ... | head``), as shells report SIGPIPE
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NO_ANSWER = 1
EXIT_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_ENVIRONMENT", "EXIT_INPUT", "EXIT_INTERRUPTED", "EXIT_NO_ANSWER", "EXIT_OK"]
