"""The app on the real knowledge base with the real model and FAISS index (the path users take)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_support import flat_text, wait_until

from bot.paths import kb_dir
from bot.tui.app import ParamsbotApp
from bot.tui.loading import open_retriever
from bot.tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.slow


async def test_real_retriever_answers_what_is_a_bias_from_biases_md(tmp_path: Path, isolated_cache: Path) -> None:
    app = ParamsbotApp(kb_dir(), retriever_factory=open_retriever(kb_dir(), isolated_cache), export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"what is a bias", "enter")  # typed while the index builds and the model loads
        await wait_until(pilot, lambda: app.chat.conversation.exchanges, timeout=600)
        await pilot.pause()
        answer = app.chat.conversation.exchanges[-1].answer
        assert answer.kind == "answer"
        assert answer.sources[0].path == "biases.md"
        assert "bias" in answer.answer.lower()
        text = flat_text(app)
        best = answer.sources[0]
        assert best.location.startswith("biases.md#L")
        assert "Sources:" in text and f"1. {best.heading}, {best.location} ({best.score:.2f})" in text
        assert "ready · " in str(app._main.query_one(StatusBar).render())
        # A follow-up borrows the topic: "and weights?" asks the same question about weights.
        await pilot.press(*"and weights?", "enter")
        await wait_until(pilot, lambda: len(app.chat.conversation.exchanges) == 2 and not app.chat.answering, timeout=60)
        follow_up = app.chat.conversation.exchanges[-1]
        assert follow_up.query == "what are weights"
        assert follow_up.answer.sources[0].path == "weights.md"
