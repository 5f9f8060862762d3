"""Property tests: KB file names and front matter holding markup, escapes and odd Unicode, through
the real command (in process, real model and FAISS) and through the app. Whatever the names and
titles, the command answers or declines with exit 0 or 1, prints valid JSON whose paths are the
files' exact names, and no escape or control byte reaches stdout or stderr; the app keeps running
and shows no escape either."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import command

#: Pieces a hostile name or title is made of: Textual/Rich markup, terminal escapes, odd Unicode.
PIECES = ["[/]", "[b]", "[@click=app.quit]", "[link=x]", "\x1b]0;owned\x07", "\x1b[2J", "\x9b31m", "\x07",
          "\u202e", "\u200b", "e\u0301", "日本", "🎉", "\u2028", "\x7f", "\t", " ", "%s", "{0}", "\\", "'", '"']
RAW = re.compile(rb"\x1b|\x07|\xc2[\x80-\x9f]|\x7f")  # ESC, BEL, C1 (UTF-8 encoded), DEL

fragment = st.sampled_from(PIECES) | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                                             max_size=4)
hostile = st.lists(fragment, min_size=1, max_size=6).map("".join)


def file_name(text: str) -> str:
    """A KB-relative name from any text: a "/" makes a folder ("x [/] y.md" is "] y.md" in "x [")."""
    parts = []
    for part in text.split("/"):
        part = part.strip() or "x"
        part = "_" + part[1:] if part.startswith(".") else part  # hidden folders are not read
        while len(part.encode()) > 120:  # a file name is at most 255 bytes
            part = part[:-1]
        parts.append(part)
    return "/".join(parts) + ".md"


def write(kb: Path, name: str, title: str) -> None:
    (kb / name).parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump({"title": title, "summary": title, "aliases": [title]}, allow_unicode=True)
    (kb / name).write_text(f"---\n{front}---\n\n## What is a zorblat?\n\nA zorblat is a made-up parameter "
                           "that scales the zorbs of a layer.\n", encoding="utf-8")


def explain(*args: str) -> tuple[int, bytes, bytes]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = command.run(list(args))
    return code, out.getvalue().encode("utf-8", "surrogateescape"), err.getvalue().encode("utf-8", "surrogateescape")


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile, title=hostile)
def test_the_command_survives_any_name_and_title(tmp_path_factory: pytest.TempPathFactory, name: str, title: str) -> None:
    kb = tmp_path_factory.mktemp("kb")
    write(kb, file_name(name), title)
    broken = kb / "broken" / file_name(title)  # a file named by the title, skipped: its name is printed
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    code, out, err = explain("--kb", str(kb), "--json", "what is a zorblat")
    assert code in (0, 1), err
    answer = json.loads(out)
    if code == 0:
        assert answer["sources"][0]["path"] == file_name(name)  # the exact name, escaped as JSON
    assert not RAW.search(out) and not RAW.search(err), (out, err)
    code, out, err = explain("-k", "2", "--kb", str(kb), "what is a zorblat")  # plain text, through Typer
    assert code in (0, 1) and not RAW.search(out) and not RAW.search(err), (out, err)
    assert b"Traceback" not in err


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile, title=hostile)
def test_the_app_survives_any_name_and_title(tmp_path_factory: pytest.TempPathFactory, name: str, title: str) -> None:
    from tui_support import fake_factory, flat_text, screen_text, wait_until, write_tui_kb

    from bot.tui.app import ParamsbotApp

    folder = tmp_path_factory.mktemp("app")
    os.environ["PARAMSBOT_CONFIG_DIR"] = str(folder / "config")
    kb = write_tui_kb(folder / "kb")
    write(kb, file_name(name), title)
    broken = kb / "broken" / file_name(title)
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    app = ParamsbotApp(kb, retriever_factory=fake_factory(kb), export_dir=folder)

    async def drive() -> None:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await wait_until(pilot, lambda: app.retriever is not None and "skipped" in flat_text(app).lower())
            await pilot.press("f3")
            await wait_until(pilot, lambda: "Articles (4)" in screen_text(app))
            await pilot.press("ctrl+p")
            await pilot.press(*"zorblat")
            await pilot.pause()
            text = screen_text(app)
            assert app.is_running and not RAW.search(text.encode("utf-8", "surrogateescape")), text

    asyncio.run(drive())
