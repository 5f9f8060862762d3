"""The Textual app driven with Pilot: asking, following links, follow-ups, the calculator, history,
export, copy, themes, errors. The retriever here is tests/tui_support.FakeRetriever on a fixed
small KB; tests/test_tui_real.py and tests/test_tui_tmux.py run the real model."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from textual.widgets import Input, Select, TabbedContent
from tui_support import FakeRetriever, fake_factory, flat_text, screen_text, wait_until, write_tui_kb

from bot.answer import Answer
from bot.errors import KnowledgeBaseError
from bot.tui.app import ParamsbotApp
from bot.tui.links import resolve
from bot.tui.screens.help import HelpScreen
from bot.tui.screens.link_picker import LinkPicker
from bot.tui.screens.reader import ReaderScreen
from bot.tui.widgets.answer_view import AnswerView
from bot.tui.widgets.calculator_panel import CalculatorPanel
from bot.tui.widgets.prompt import Prompt
from bot.tui.widgets.status_bar import StatusBar


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_tui_kb(tmp_path / "kb")


@pytest.fixture
def app(kb: Path, tmp_path: Path) -> ParamsbotApp:
    return ParamsbotApp(kb, retriever_factory=fake_factory(kb), export_dir=tmp_path)


def answers(app: ParamsbotApp) -> list[AnswerView]:
    return list(app._main.query(AnswerView).results(AnswerView))


async def ask(pilot, app: ParamsbotApp, question: str) -> Answer:  # type: ignore[no-untyped-def]
    count = len(app.chat.conversation.exchanges)
    app._main.query_one(Prompt).focus()
    await pilot.press(*question, "enter")
    await wait_until(pilot, lambda: len(app.chat.conversation.exchanges) > count and not app.chat.answering)
    await pilot.pause()
    return app.chat.conversation.exchanges[-1].answer


def status(app: ParamsbotApp) -> str:
    return str(app._main.query_one(StatusBar).render())


async def test_input_is_ready_while_loading_and_the_question_waits(kb: Path, tmp_path: Path) -> None:
    gate = threading.Event()
    app = ParamsbotApp(kb, retriever_factory=fake_factory(kb, gate), export_dir=tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: "loading model" in status(app))
            assert app.focused is app._main.query_one(Prompt)
            await pilot.press(*"what is a bias", "enter")
            await wait_until(pilot, lambda: "waiting for the model" in screen_text(app))
            assert not app.chat.conversation.exchanges
            gate.set()
            await wait_until(pilot, lambda: app.chat.conversation.exchanges)
            await pilot.pause()
            assert app.chat.conversation.exchanges[-1].answer.sources[0].path == "biases.md"
            assert "ready" in status(app)
    finally:
        gate.set()


async def test_answer_shows_markdown_sources_and_links(app: ParamsbotApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        answer = await ask(pilot, app, "what is a bias")
        assert answer.kind == "answer"
        text = screen_text(app)
        assert "› what is a bias" in text
        assert "A bias is a learned number" in text
        assert "Worked example: A neuron with two inputs" in text
        assert "Related: Parameters · Weights" in text  # the answer's "see also", from front matter
        assert re.search(r"1\. Biases > What is a bias\?, biases\.md#L\d+-L\d+ \(0\.", text)  # heading, lines, score
        view = answers(app)[-1]
        groups = [link.group for link in view.links]
        assert groups[:3] == ["Worked example", "Related", "Related"] and "Source" in groups


async def test_suggestions_on_empty_chat_ask_when_picked(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.retriever is not None)
        assert "What is a bias?" in screen_text(app)
        await pilot.press("tab")  # from the prompt to the suggestions
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.chat.conversation.exchanges)
        assert app.chat.conversation.exchanges[0].question == "What is a bias?"
        assert app._main.query_one(Prompt).history == ["What is a bias?"]


async def test_following_a_worked_example_link_opens_the_reader_and_escape_returns(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, app, "what is a bias")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkPicker))
        assert "Worked example: A neuron with two inputs" in screen_text(app)
        await pilot.press("enter")  # the first link: the worked example
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.page.path == "examples/two-inputs.md"
        assert "bias alone decides the output" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app._main)
        assert "A bias is a learned number" in screen_text(app)


async def test_a_source_link_scrolls_the_reader_to_its_section(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, app, "is a bias the same as inductive bias")
        source = app.chat.conversation.exchanges[-1].answer.sources[0]
        assert source.anchor == "is-a-bias-the-same-as-inductive-bias"
        app.follow(f"/{source.path}#{source.anchor}")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        scroll = app.screen.query_one("#reader-scroll")
        await wait_until(pilot, lambda: scroll.scroll_y > 0)
        assert "Is a bias the same as inductive bias?" in screen_text(app)
        assert "inductive bias is an assumption" in flat_text(app)
        # Related articles are links too: open one, then Escape twice returns to the chat.
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkPicker))
        picker = app.screen
        labels = [f"{link.group}: {link.label}" for link in picker.links]
        assert "Related: Weights" in labels
        await pilot.press(*["down"] * labels.index("Related: Weights"), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen.page.path == "weights.md")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen.page.path == "biases.md")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app._main)


async def test_clicked_links_inside_kb_text_resolve_relative_to_their_file(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.documents)
        app.follow("examples/two-inputs.md")  # as written in biases.md
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        app.follow("../weights.md", base="examples/two-inputs.md")
        await wait_until(pilot, lambda: app.screen.page.path == "weights.md")  # type: ignore[attr-defined]
        outside = app.kb_root.parent / "outside.md"  # a target that exists: refusing it is the point
        outside.write_text("## Secret\n\nswordfish\n")
        assert resolve("../outside.md", "biases.md") is None
        app.follow("../outside.md", base="biases.md")
        app.follow("../../etc/passwd.md", base="biases.md")
        await pilot.pause()
        assert app.screen.page.path == "weights.md"  # type: ignore[attr-defined]
        (app.kb_root / "leak.md").symlink_to(outside)  # inside by name, outside once resolved
        app.follow("leak.md", base="weights.md")
        await wait_until(pilot, lambda: "outside the knowledge base" in flat_text(app))
        assert app.screen.page.path == "weights.md" and "swordfish" not in screen_text(app)  # type: ignore[attr-defined]


async def test_follow_up_questions_use_the_previous_topic(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, app, "what is a weight")
        assert app.chat.conversation.exchanges[-1].answer.sources[0].path == "weights.md"
        answer = await ask(pilot, app, "and biases?")
        exchange = app.chat.conversation.exchanges[-1]
        assert exchange.query == "what are biases"
        assert answer.sources[0].path == "biases.md"
        assert "(taken as: what are biases)" in screen_text(app)
        await ask(pilot, app, "why?")
        assert app.chat.conversation.exchanges[-1].query == "why do we need biases"
        assert app.chat.conversation.exchanges[-1].answer.sources[0].heading == "Biases > Why do we need biases?"


async def test_history_recall_with_up_and_down(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, app, "what is a weight")
        await ask(pilot, app, "what is a bias")
        prompt = app._main.query_one(Prompt)
        await pilot.press(*"draft")
        await pilot.press("up")
        assert prompt.value == "what is a bias"
        await pilot.press("up")
        assert prompt.value == "what is a weight"
        await pilot.press("up")
        assert prompt.value == "what is a weight"
        await pilot.press("down", "down")
        assert prompt.value == "draft"


async def test_copy_last_answer_notifies(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: "No answer to copy yet" in flat_text(app))
        answer = await ask(pilot, app, "what is a bias")
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: "Copied the last answer" in flat_text(app))
        assert app.clipboard == answer.answer


async def test_export_conversation_from_the_command_palette(app: ParamsbotApp, tmp_path: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, app, "what is a bias")
        await ask(pilot, app, "give me an example")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export conversation")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: list(tmp_path.glob("paramsbot-conversation-*.md")))
        exported = next(tmp_path.glob("paramsbot-conversation-*.md")).read_text(encoding="utf-8")
        assert "## what is a bias" in exported
        assert "A bias is a learned number" in exported
        assert "## give me an example" in exported
        assert "_Searched for: A neuron with two inputs_" in exported  # the example the answer linked
        assert "1. Biases > What is a bias? (`biases.md`, score" in exported
        assert not list(tmp_path.glob(".paramsbot-*.tmp"))


async def test_palette_opens_a_worked_example(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.retriever is not None)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"example: neuron")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.page.path == "examples/two-inputs.md"


async def test_palette_searches_kb_sections_and_opens_them_at_the_section(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.retriever is not None)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"section: do llms have biases")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.page.path == "biases.md" and app.screen.page.anchor == "do-llms-have-biases"
        await wait_until(pilot, lambda: "Do LLMs have biases?" in screen_text(app).splitlines()[3])


async def test_palette_can_ask_anything_typed(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.retriever is not None)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"zzz what is a weight")
        await pilot.pause(0.3)
        await pilot.press("enter")  # nothing else matches: "Ask: ..." is the only hit
        await wait_until(pilot, lambda: app.chat.conversation.exchanges)
        assert app.chat.conversation.exchanges[0].question == "zzz what is a weight"


async def test_topic_browser_lists_articles_and_examples_and_opens_them(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.documents)
        await pilot.press("f3")
        await wait_until(pilot, lambda: "Articles (3)" in screen_text(app))
        text = screen_text(app)
        assert "Worked examples (1)" in text and "A neuron with two inputs" in text
        tree = app._main.query_one("#topic-tree")
        await wait_until(pilot, lambda: app.focused is tree)
        await pilot.press("enter")  # the cursor starts on the first article: Biases
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.page.path == "biases.md"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app._main)
        assert app._main.query_one(TabbedContent).active == "topics"
        await pilot.press("escape")
        assert app._main.query_one(TabbedContent).active == "chat"


async def test_calculator_updates_live_and_explains_invalid_fields(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        panel = app._main.query_one(CalculatorPanel)
        await wait_until(pilot, lambda: "6,738,415,616 parameters" in screen_text(app))  # Llama 2 7B
        text = screen_text(app)
        assert "Where the parameters are" in text and "█" in text  # the breakdown is a bar chart
        hidden = panel.query_one("#calc-hidden", Input)
        hidden.value = "4100"
        await wait_until(pilot, lambda: hidden.has_class("-invalid"))
        assert panel.query_one("#calc-heads", Input).has_class("-invalid")
        assert "Heads (32) must divide Hidden size (4100)" in screen_text(app)
        hidden.value = "4096"
        await wait_until(pilot, lambda: not hidden.has_class("-invalid"))
        panel.query_one("#calc-layers", Input).value = "16"
        await wait_until(pilot, lambda: "Llama 2 7B (edited)" in screen_text(app))
        panel.query_one("#calc-model", Select).value = "gpt2"
        await wait_until(pilot, lambda: "124,439,808 parameters" in screen_text(app))
        assert panel.query_one("#calc-hidden", Input).value == "768"
        assert panel.query_one("#calc-context", Input).value == "1024"  # GPT-2's longest context
        panel.scroll_end(animate=False)
        await wait_until(pilot, lambda: "KV cache for 1,024 tokens × batch 1" in screen_text(app))


async def test_calculator_memory_table_and_kv_cache(app: ParamsbotApp) -> None:
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("f2")
        await wait_until(pilot, lambda: "6,738,415,616 parameters" in screen_text(app))
        text = screen_text(app)
        for line in ("fp32", "fp16", "bf16", "int8", "int4"):
            assert line in text
        assert "13.48 GB" in text  # fp16 weights
        assert "2.15 GB" in text  # fp16 KV cache at 4,096 tokens, batch 1
        assert "KV cache for 4,096 tokens × batch 1" in text


async def test_calculation_answer_opens_in_the_calculator(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        answer = await ask(pilot, app, "how much memory does llama 2 13b need in int8")
        assert answer.kind == "calculation"
        assert "Open in calculator" in screen_text(app)
        await pilot.click("#open-calculator")  # the mouse works too
        await wait_until(pilot, lambda: app._main.query_one(TabbedContent).active == "calculator")
        await wait_until(pilot, lambda: app.focused is app._main.query_one("#calc-model"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app._main.query_one(TabbedContent).active == "chat")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkPicker))
        await pilot.press("enter")  # "Calculator: Open in calculator" comes first
        await wait_until(pilot, lambda: app._main.query_one(TabbedContent).active == "calculator")
        panel = app._main.query_one(CalculatorPanel)
        await wait_until(pilot, lambda: "13,015,864,320 parameters" in screen_text(app))
        assert panel.query_one("#calc-model", Select).value == "llama-2-13b"
        assert panel.query_one("#calc-precision", Select).value == "int8"


async def test_no_answer_is_said_plainly(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        answer = await ask(pilot, app, "best pizza in Naples")
        assert answer.kind == "no_answer"
        assert "I can't answer that from my knowledge base" in screen_text(app)
        assert answers(app)[-1].has_class("-no-answer")


async def test_unreadable_knowledge_base_is_a_message_not_a_crash(tmp_path: Path) -> None:
    def broken(progress: object) -> FakeRetriever:
        raise KnowledgeBaseError(f"the knowledge base folder {tmp_path / 'missing'} does not exist")

    app = ParamsbotApp(tmp_path / "missing", retriever_factory=broken, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.load_error is not None)
        assert "cannot load the knowledge base" in status(app)
        await pilot.press(*"what is a bias", "enter")
        await wait_until(pilot, lambda: "explain --kb FOLDER" in flat_text(app))
        assert "✗ The knowledge base cannot be used" in screen_text(app)
        await pilot.press("f3")
        tree = app._main.query_one("#topic-tree")
        await wait_until(pilot, lambda: "does not exist" in str(tree.root.children[0].label))
    assert app.return_code in (0, None)


async def test_missing_kb_folder_with_the_real_loader_is_a_message(tmp_path: Path) -> None:
    from bot.tui.loading import open_retriever

    missing = tmp_path / "no-such-kb"
    app = ParamsbotApp(missing, retriever_factory=open_retriever(missing, tmp_path / "cache"), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.load_error is not None)
        assert "knowledge base folder not found" in status(app)
        assert app.load_error[1].startswith("Check that the folder exists")


async def test_broken_index_or_unexpected_error_is_a_message(kb: Path, tmp_path: Path) -> None:
    def broken(progress: object) -> FakeRetriever:
        raise RuntimeError("index file truncated")

    app = ParamsbotApp(kb, retriever_factory=broken, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.load_error is not None)
        assert "index file truncated" in status(app)
        await pilot.press("f3")  # the KB itself is fine: topics and the reader still work
        await wait_until(pilot, lambda: "Articles (3)" in screen_text(app))


async def test_help_opens_with_f1_and_closes_with_escape(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_until(pilot, lambda: "Ctrl+Y copies the last answer" in flat_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app._main)


async def test_theme_switch_is_remembered(kb: Path, tmp_path: Path, config_dir: Path) -> None:
    app = ParamsbotApp(kb, retriever_factory=fake_factory(kb), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: (config_dir / "settings.json").exists())
    assert json.loads((config_dir / "settings.json").read_text())["theme"] == "textual-light"
    again = ParamsbotApp(kb, retriever_factory=fake_factory(kb), export_dir=tmp_path)
    assert again.theme == "textual-light"


async def test_damaged_settings_file_means_defaults(kb: Path, tmp_path: Path, config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "settings.json").write_text("{not json", encoding="utf-8")
    app = ParamsbotApp(kb, retriever_factory=fake_factory(kb), export_dir=tmp_path)
    assert app.theme == "textual-dark"


async def test_footer_shows_the_bindings_and_nothing_needs_ctrl_enter(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        for key in ("Send", "Quit", "Help", "Links", "Copy", "Calc", "Topics"):
            assert key in footer
        keys = {active.binding.key for active in app._main.active_bindings.values()}
        assert {"enter", "ctrl+q", "f1", "ctrl+o", "ctrl+y", "escape", "up", "down"} <= keys
        assert not any("ctrl+enter" in key for key in keys)


async def test_usable_at_80x24(app: ParamsbotApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, app, "what is a bias")
        for selector in ("#chat-log", "#prompt", "#status"):
            region = app._main.query_one(selector).region
            assert region.width >= 70 and region.height >= 1, selector
        assert app._main.query_one("#chat-log").region.height >= 12
        assert app._main.query_one("#prompt").region.bottom <= 23


async def test_the_chat_and_the_calculator_work_on_their_own(kb: Path) -> None:
    """Each widget owns its state and its worker: a bare app that only mounts them gets answers and counts."""
    from textual.app import App, ComposeResult

    from bot.tui.widgets.chat import Chat

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.busy: list[bool] = []

        def compose(self) -> ComposeResult:
            yield Chat()
            yield CalculatorPanel()

        def on_chat_busy(self, event: Chat.Busy) -> None:
            self.busy.append(event.busy)

    host = Host()
    async with host.run_test(size=(80, 40)) as pilot:
        chat = host.query_one(Chat)
        await chat.ask("what is a bias")
        assert chat.queued == 1
        await wait_until(pilot, lambda: "waiting for the model to load" in screen_text(host))
        chat.use(FakeRetriever(kb))
        await wait_until(pilot, lambda: chat.conversation.exchanges and not chat.answering)
        assert chat.conversation.exchanges[0].answer.sources[0].path == "biases.md"
        assert host.busy == [True, False]
        panel = host.query_one(CalculatorPanel)
        await wait_until(pilot, lambda: "6,738,415,616" in str(panel.query_one("#calc-headline").render()))
