"""The repository's text files hold no control characters. A regex's ``\\b`` written into a string that
is not raw becomes a backspace (U+0008) in the file: the pattern then looks right in most editors and
silently never matches. That happened once (bot/calc/chat.py); this keeps it from happening again."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FOLDERS = {"bot": "*.py", "tests": "*.py", "bench": "*.py", "kb": "*.md", "data": "*.yaml"}


def control_characters(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [f"{path.name}:{text.count(chr(10), 0, m.start()) + 1}: U+{ord(m.group()):04X}"
            for m in CONTROL.finditer(text)]


def test_source_and_kb_files_hold_no_control_characters() -> None:
    found = [hit for folder, pattern in FOLDERS.items() for path in sorted((REPO / folder).rglob(pattern))
             if "fixtures" not in path.parts for hit in control_characters(path)]
    assert found == []


def test_the_rule_catches_a_backspace(tmp_path: Path) -> None:
    planted = tmp_path / "bad.py"
    planted.write_text('import re\nre.search(r"\bword\b", "x")\n', encoding="utf-8")
    assert control_characters(planted) == ["bad.py:2: U+0008", "bad.py:2: U+0008"]
