"""The TUI's plain-Python parts: link routing, the calculator form, settings, status texts."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from bot import calc
from bot.answer import Answer, Link, Source
from bot.retriever import DocumentInfo
from bot.tui.calc_form import DENSE, SIZE, CalcForm, compute, form_for, preset_choices
from bot.tui.links import Target, answer_links, links_markdown, resolve
from bot.tui.loading import status_text
from bot.tui.settings import Settings, load_settings, save_settings
from bot.tui.widgets.bar_chart import bar_text


@pytest.mark.parametrize(("href", "base", "target"), [
    ("/examples/a.md", "", Target("kb", "examples/a.md")),
    ("/biases.md#what-is-a-bias", "", Target("kb", "biases.md", "what-is-a-bias")),
    ("weights.md", "biases.md", Target("kb", "weights.md")),
    ("examples/a.md", "biases.md", Target("kb", "examples/a.md")),
    ("../biases.md#why", "examples/a.md", Target("kb", "biases.md", "why")),
    ("#why", "biases.md", Target("kb", "biases.md", "why")),
    ("https://arxiv.org/abs/2203.15556", "biases.md", Target("url", url="https://arxiv.org/abs/2203.15556")),
])
def test_links_resolve(href: str, base: str, target: Target) -> None:
    assert resolve(href, base) == target


@pytest.mark.parametrize("href", ["../../etc/passwd.md", "javascript:alert(1)", "file:///etc/passwd", "notes.txt", "#x"])
def test_unsafe_or_unknown_links_are_refused(href: str) -> None:
    assert resolve(href, "" if href == "#x" else "biases.md") is None


DOCS = {
    "biases.md": DocumentInfo("biases.md", "Biases", "", (), ("weights.md", "missing.md", "examples/a.md"),
                              ("examples/a.md",), "article"),
    "weights.md": DocumentInfo("weights.md", "Weights [W]", "", (), (), (), "article"),
    "examples/a.md": DocumentInfo("examples/a.md", "Worked example: a forward pass", "", (), (), (), "example"),
}


def test_answer_links_prefer_the_answers_see_also() -> None:
    answer = Answer("q", "answer", "text", [Source("Biases", "biases.md", "Biases > Why?", 0.7, anchor="why")],
                    see_also=[Link("Weights [W]", "weights.md")])
    assert [(link.group, link.href) for link in answer_links(answer, DOCS)] == [
        ("Related", "/weights.md"), ("Source", "/biases.md#why")]


def test_answer_links_list_examples_related_and_sources() -> None:
    answer = Answer("q", "answer", "text", [Source("Biases", "biases.md", "Biases > Why?", 0.7125, anchor="why",
                                                   location="biases.md#L12-L30")],
                    [Link("Worked example: a forward pass", "examples/a.md")])
    links = answer_links(answer, DOCS)
    assert [(link.group, link.label, link.href) for link in links] == [
        ("Worked example", "a forward pass", "/examples/a.md"),
        ("Related", "Weights [W]", "/weights.md"),  # missing.md is not in the KB; the example is listed once
        ("Source", "Biases > Why?, biases.md#L12-L30 (0.71)", "/biases.md#why"),
    ]
    markdown = links_markdown(links)
    assert "**Worked example:** [a forward pass](/examples/a.md)" in markdown
    assert "[Weights \\[W\\]](/weights.md)" in markdown
    assert "1. [Biases > Why?, biases.md#L12-L30 (0.71)](/biases.md#why)" in markdown


def test_no_answer_has_no_sources() -> None:
    assert answer_links(Answer("q", "no_answer", "I can't answer that."), DOCS) == []


def test_calculator_form_counts_a_preset_and_its_memory() -> None:
    outcome = compute(CalcForm("llama-2-7b"))
    result = outcome.result
    assert result is not None and not outcome.problems
    assert result.params_total == 6_738_415_616
    assert sum(bar.value for bar in result.bars) == result.params_total
    fp16 = next(row for row in result.memory if row.precision == "fp16")
    assert fp16.weights == 2 * 6_738_415_616
    assert fp16.kv_cache == calc.kv_cache(calc.preset("llama-2-7b").spec, 4096, 1, "fp16").bytes == 2 * 32 * 32 * 128 * 4096 * 2


def test_calculator_form_edits_and_problems_name_the_fields() -> None:
    sizes = dict(preset_choices()[[c.name for c in preset_choices()].index("llama-2-7b")].sizes)
    edited = compute(CalcForm("llama-2-7b", sizes={**sizes, "kv_heads": "8"}))
    assert edited.result is not None and edited.result.title == "Llama 2 7B (edited)"
    assert edited.result.params_total < 6_738_415_616  # grouped-query attention: smaller k and v
    broken = compute(CalcForm("llama-2-7b", sizes={**sizes, "hidden": "4100"}))
    assert broken.result is None
    assert broken.invalid == {"heads", "hidden"}
    assert broken.problems[0].message.startswith("Heads (32) must divide Hidden size (4100)")
    typo = compute(CalcForm("llama-2-7b", sizes={**sizes, "layers": "3x"}, context="0"))
    assert typo.invalid == {"layers", "context"}


def test_calculator_form_sizes_and_dense_networks() -> None:
    size = compute(CalcForm(SIZE, params="7B"))
    assert size.result is not None and size.result.params_total == 7_000_000_000 and size.result.bars == []
    assert all(row.kv_cache is None for row in size.result.memory)
    dense = compute(CalcForm(DENSE, dense="2-2-1"))
    assert dense.result is not None and [bar.value for bar in dense.result.bars] == [6, 3]
    assert compute(CalcForm(DENSE, dense="2-0-1")).invalid == {"dense"}
    assert compute(CalcForm(SIZE, params="lots")).invalid == {"params"}


def test_a_chat_calculation_fills_the_form() -> None:
    routed = calc.route("how much memory does llama 2 13b need in int8")
    assert routed is not None
    form = form_for(routed.calculation)
    assert form.model == "llama-2-13b" and form.precision == "int8"
    assert compute(form).result.params_total == routed.calculation["params_total"]  # type: ignore[union-attr]
    assert form_for(calc.report_for_size(7e9).to_dict()).model == SIZE
    assert form_for(calc.report([784, 128, 10]).to_dict()) == CalcForm(DENSE, dense="784-128-10")


def test_settings_round_trip_atomically(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()
    save_settings(Settings(theme="textual-light"), tmp_path)
    assert json.loads((tmp_path / "settings.json").read_text()) == {"theme": "textual-light"}
    assert load_settings(tmp_path).theme == "textual-light"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temporary file left
    (tmp_path / "settings.json").write_text('["not", "a", "mapping"]')
    assert load_settings(tmp_path) == Settings()


def test_settings_folder_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARAMSBOT_CONFIG_DIR", str(tmp_path))
    save_settings(Settings(theme="nord"))
    assert load_settings().theme == "nord"


def test_settings_and_cache_folders_follow_one_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    from bot.paths import cache_dir, config_dir

    monkeypatch.delenv("PARAMSBOT_CONFIG_DIR", raising=False)
    monkeypatch.delenv("PARAMSBOT_CACHE_DIR", raising=False)
    assert config_dir() == Path(platformdirs.user_config_dir("paramsbot", appauthor=False))  # where they always were
    assert cache_dir() == Path(platformdirs.user_cache_dir("paramsbot", appauthor=False))
    monkeypatch.setenv("PARAMSBOT_CONFIG_DIR", str(tmp_path / "from-env"))
    assert config_dir() == tmp_path / "from-env"
    assert config_dir(tmp_path / "chosen") == tmp_path / "chosen"


def test_status_texts() -> None:
    assert status_text("embed", 120, 300) == "building index 120/300"
    assert status_text("model", 0, 0) == "loading model…"


def test_bar_text_draws_eighths() -> None:
    assert bar_text(1.0, 4) == "████"
    assert bar_text(0.5, 4) == "██"
    assert bar_text(1 / 32, 4) == "▏"
    assert bar_text(0.0, 4) == ""


def test_the_real_retriever_and_the_fake_both_meet_what_the_app_needs(tmp_path: Path) -> None:
    from tui_support import FakeRetriever, write_tui_kb

    from bot.index import LoadedIndex
    from bot.retriever import Retriever
    from bot.tui.loading import AppRetriever

    kb = write_tui_kb(tmp_path / "kb")
    empty = LoadedIndex(index=None, passages=[], documents={}, manifest={}, folder=tmp_path, rebuilt=False,
                        problems=[])
    real = Retriever(kb, encoder=None, loaded=empty)  # type: ignore[arg-type]  # its shape, not its model
    methods = [name for name, member in vars(AppRetriever).items() if inspect.isfunction(member)
               and not name.startswith("_")]
    assert methods == ["search_many", "section", "block_scores", "kb_terms_named"]
    for retriever in (real, FakeRetriever(kb)):
        assert isinstance(retriever, AppRetriever), type(retriever)
        for name in methods:  # each takes the protocol's parameters, by name, in order
            wanted = list(inspect.signature(getattr(AppRetriever, name)).parameters)[1:]
            given = list(inspect.signature(getattr(retriever, name)).parameters)
            assert given[:len(wanted)] == wanted, (type(retriever).__name__, name, given)
    fake = FakeRetriever(kb)
    assert fake.search_many(["what is a bias"], k=1)[0][0].path == "biases.md"
    assert list(fake.block_scores("bias", ["a bias", "a weight"])) == [1.0, 0.0]
    assert [p.path for p in fake.section("biases.md#what-is-a-bias")] == ["biases.md"]
    assert fake.index_info["unsaved"] is None and not fake.problems and len(fake.documents) == 4
