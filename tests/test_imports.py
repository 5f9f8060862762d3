"""No import cycles inside the package: each module can be read knowing only what it imports.

Every ``import`` and ``from ... import`` of a bot module counts, wherever it is: at module level,
under ``if TYPE_CHECKING:`` and inside functions (a lazy import still ties two modules together).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from conftest import REPO

PACKAGE = "bot"


def module_name(path: Path, root: Path) -> str:
    """``bot/calc/count.py`` -> ``bot.calc.count``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of ``package`` under ``root``, by dotted name."""
    return {module_name(path, root): path for path in sorted((root / package).rglob("*.py"))}


def _imported(tree: ast.AST, name: str, is_package: bool, modules: Collection[str]) -> Iterator[str]:
    """The modules a module's import statements name: ``from X import y`` is X.y when that is a
    module, else X (``import bot.a.b`` also runs bot.a's ``__init__``, which is not counted)."""
    here = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, at module level, for typing or in a function."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = {t for t in _imported(tree, name, path.name == "__init__.py", modules) if t in modules}
        graph[name] = targets - {name}
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None: a depth-first search for a back edge."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def find_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Cycles enough to show every tangle: find one, set its closing import aside, look again."""
    rest = {node: set(targets) for node, targets in graph.items()}
    found: list[list[str]] = []
    while (cycle := find_cycle(rest)) is not None:
        found.append(cycle)
        rest[cycle[-2]].discard(cycle[-1])
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(package_modules(REPO))
    assert "bot.oneshot" in graph["bot.command"], "the graph is read correctly"
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_one_shot_entry_reaches_typer_only_lazily() -> None:
    """The console entry imports the Typer CLI (only when needed); the CLI never imports the entry."""
    graph = import_graph(package_modules(REPO))
    assert "bot.cli" in graph["bot.command"] and "bot.command" not in graph["bot.cli"]
    assert "bot.oneshot" in graph["bot.cli"]


def test_find_cycle_on_small_graphs() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None  # a diamond is not a cycle
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y2"}, "y2": {"y"}}) == ["y", "y2", "y"]
    assert find_cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == [["a", "b", "a"], ["c", "d", "c"]]


def test_a_planted_cycle_is_caught(tmp_path: Path) -> None:
    """Every kind of import the package uses is followed: relative, lazy, typing-only, from-a-package."""
    files = {
        "bot/__init__.py": "",
        "bot/a.py": "from bot import b\n",                                  # a submodule named in `from`
        "bot/b.py": "def f():\n    from .sub import c\n",                    # lazy and relative
        "bot/sub/__init__.py": "",
        "bot/sub/c.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                         "    from ..a import thing\n"),                     # typing-only, two levels up
        "bot/d.py": "import bot.sub.c\nimport os\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(package_modules(tmp_path))
    assert graph["bot.a"] == {"bot.b"} and graph["bot.b"] == {"bot.sub.c"}
    assert graph["bot.sub.c"] == {"bot.a"} and graph["bot.d"] == {"bot.sub.c"}
    assert find_cycle(graph) == ["bot.a", "bot.b", "bot.sub.c", "bot.a"]
    (tmp_path / "bot/sub/c.py").write_text("import os\n", encoding="utf-8")
    assert find_cycle(import_graph(package_modules(tmp_path))) is None
