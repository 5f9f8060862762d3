"""Judging whole answers on real questions (bot/judging.py, `explain eval --answers-only`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.judging import EXPECTS, JudgedQuestion, OWN_SET, judge, load_judged
from bot.paths import data_dir

REPO = Path(__file__).resolve().parent.parent


def _q(expect: str, *groups: tuple[str, ...]) -> JudgedQuestion:
    return JudgedQuestion(id="t", q="question", expect=expect, must_mention=tuple(groups))


def test_an_answer_passes_when_every_group_is_mentioned_in_any_case():
    item = _q("answer", ("bias", "offset"), ("+ 1)", "plus one"))
    assert judge(item, {"kind": "answer", "answer": "Each neuron has a **Bias**: (n + 1) per neuron"}).passed
    verdict = judge(item, {"kind": "answer", "answer": "Each neuron has a bias."})
    assert not verdict.passed and verdict.missing == (("+ 1)", "plus one"),)


def test_the_kind_must_be_an_answer_or_a_calculation():
    item = _q("calculation", ("6.5 gb",))
    assert judge(item, {"kind": "answer", "answer": "about 6.5 GB"}).passed
    assert judge(item, {"kind": "calculation", "answer": "about 6.5 GB"}).passed
    assert not judge(item, {"kind": "no_answer", "answer": "about 6.5 GB"}).passed


def test_an_off_topic_post_passes_only_when_declined():
    item = _q("no_answer")
    assert judge(item, {"kind": "no_answer", "answer": "I can't answer that"}).passed
    assert not judge(item, {"kind": "answer", "answer": "anything"}).passed


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "line 2"),
    (json.dumps({"q": "x", "expect": "maybe"}), "expect"),
    (json.dumps({"q": "x", "expect": "answer"}), "must_mention"),
    (json.dumps({"expect": "no_answer"}), "needs q"),
])
def test_a_bad_line_is_named(tmp_path, line, message):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"q": "fine", "expect": "no_answer"}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_judged(path)


def test_the_projects_own_set_is_well_formed():
    """Real questions from public threads: each with its URL, unique ids, valid expectations."""
    items = load_judged(data_dir() / OWN_SET)
    assert len(items) >= 60
    assert len({i.id for i in items}) == len(items)
    assert all(i.expect in EXPECTS and i.url.startswith(("http://", "https://")) for i in items)
    assert {"answer", "calculation", "no_answer"} <= {i.expect for i in items}


@pytest.mark.slow
def test_explain_eval_answers_only_judges_a_set(tmp_path, kb_index_cache):
    path = tmp_path / "mine.jsonl"
    lines = [{"id": "a", "q": "why does a neuron need a bias?", "expect": "answer", "must_mention": [["bias"]]},
             {"id": "b", "q": "who won the 2018 world cup", "expect": "no_answer"},
             {"id": "c", "q": "what is a weight", "expect": "answer", "must_mention": [["no such phrase"]]},
             {"id": "d", "q": "skipped", "expect": "skip"}]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    done = _eval(["--answers-only", "--misses", "--real", str(path)], kb_index_cache)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if "mine.jsonl" in x)
    assert "answer 1/2 (0.50)" in line and "no_answer 1/1 (1.00)" in line and "calculation" not in line
    assert "miss c (expect answer, got answer): lacks no such phrase" in done.stdout


@pytest.mark.slow
def test_a_bad_judged_set_is_one_line_and_exit_2(tmp_path, kb_index_cache):
    path = tmp_path / "broken.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    done = _eval(["--answers-only", "--real", str(path)], kb_index_cache)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "broken.jsonl line 1" in done.stderr
    missing = _eval(["--answers-only", "--real", str(tmp_path / "nope.jsonl")], kb_index_cache)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def _eval(args: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "bot", "eval", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=600, cwd=REPO, env=env)
