"""Model names as people type them, and a cheap test of whether a question could be a calculation.

The answer path offers every question to the calculator, and most are conceptual ("what is a
bias") with no number and no model name in them. Loading the calculator and running its reader's
hundred-odd patterns to find that out costs about 50 ms of a 0.4 s one-shot answer, so
:func:`may_calculate` decides first, from the question's digits and number words and the preset
names in ``data/presets.json`` (read without building a model).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from bot.paths import data_dir

PRESETS_FILE = "presets.json"

#: Digits, the number words the calculator's reader understands ("seven billion", "half a"), and the
#: models it counts with no number given (y = a*x + b, a straight line, linear regression).
_NUMBERISH = re.compile(r"\d|=|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|sixteen|"
                        r"twenty|half|hundred|thousand|million|billion|trillion|straight line|regression)\b", re.I)


def normalise_name(text: str) -> str:
    """Lower-case, ``-``/``_`` as spaces, and a space between a word and a version number
    (``llama2`` → ``llama 2``), so "Llama-2-7B", "llama2 7b" and "llama 2 7b" all match."""
    text = text.lower().replace("_", " ").replace("-", " ")
    text = re.sub(r"(?<=[a-z])(?=\d)", " ", text)
    text = re.sub(r"(?<=\d)\s+(?=[bmk]\b)", "", text)      # "70 b" → "70b"
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def known_names() -> tuple[str, ...]:
    """Every preset's name and aliases, normalised. Empty when the file cannot be read: the
    calculator itself then says what is wrong with it, for any question that has a number."""
    try:
        raw = json.loads((data_dir() / PRESETS_FILE).read_text(encoding="utf-8"))
        names = {normalise_name(str(n)) for key, entry in raw.items()
                 for n in (key, *(entry.get("aliases", ()) if isinstance(entry, dict) else ()))}
    except (OSError, ValueError, AttributeError):
        return ()
    return tuple(sorted(n for n in names if n))


def may_calculate(question: str) -> bool:
    """False only when the calculator's reader could find nothing to calculate with: no digit,
    no number word and no known model name (a plain substring test, so never stricter than the
    reader's own whole-word match)."""
    if _NUMBERISH.search(question):
        return True
    text = normalise_name(question)
    return any(name in text for name in known_names())
