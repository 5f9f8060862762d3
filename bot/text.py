"""Cleaning text that comes from outside (questions, KB files) before it reaches a terminal.

Terminal escape sequences (ANSI colours, OSC titles and hyperlinks) and other control characters
are removed, so no input can retitle, recolour or hide what paramsbot prints.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other ESC sequences, and C1 equivalents.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"          # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"     # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]?"                   # two-byte ESC sequences and a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"            # 8-bit CSI
    r"|\x9d[^\x07\x9c]*(?:\x07|\x9c)?"    # 8-bit OSC
)
# C0 controls except tab and newline, DEL, C1 controls, and lone surrogates (undecodable bytes
# that Python smuggles through argv and stdin as U+DC80..U+DCFF; they cannot be printed).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """Remove escape sequences and control characters; keep tabs and newlines."""
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def one_line(text: str) -> str:
    """Clean and fold to a single line (for questions and error messages)."""
    return " ".join(clean(text).split())


_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def json_for_terminal(document: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with DEL, the C1 controls and the
    line separators written as ``\\uXXXX`` escapes: the same JSON value, but nothing in it that a
    terminal acts on (``json.dumps`` escapes only the C0 controls). File names can hold any of these."""
    return _RAW_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", document)
