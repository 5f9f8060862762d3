"""Topics the knowledge base leaves to others (data/out_of_scope.yaml): a question that names one
is declined unless the KB matches it clearly, as a tool's usage question is (bot.reading)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bot.errors import DataError, data_file_problem
from bot.paths import data_dir

SCOPE_FILE = "out_of_scope.yaml"

#: A question naming an out-of-scope topic is still answered at this much above the threshold. The
#: judged sets gave the same results for every margin from 0.05 to 0.3 (0 lets two template posts
#: through); 0.1 sits inside that plateau.
SCOPE_MARGIN = 0.1


@lru_cache(maxsize=4)
def _patterns(path: Path) -> tuple[tuple[str, re.Pattern[str]], ...]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return ()
    except (OSError, yaml.YAMLError) as error:
        raise DataError(f"cannot read {path}: {data_file_problem(error)}") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise DataError(f"{path} must map each topic to a list of terms")
    found = []
    for topic, terms in data.items():
        alternatives = "|".join(re.escape(str(t).lower()) if re.search(r"[\u3000-\u9fff]", str(t))
                                else r"(?<![a-z0-9_-])" + re.escape(str(t).lower()) + r"(?![a-z0-9_-])"
                                for t in sorted(terms, key=lambda t: -len(str(t))))
        found.append((str(topic), re.compile(alternatives, re.I)))
    return tuple(found)


def out_of_scope(question: str, path: Path | None = None) -> str | None:
    """The out-of-scope topic a question sentence names, or None."""
    for topic, pattern in _patterns(path or data_dir() / SCOPE_FILE):
        if pattern.search(question):
            return topic
    return None
