"""Judging whole answers on real questions: does what paramsbot says contain what it must?

The retrieval eval (bot.evaluation) asks whether the right passage ranks first; this asks what a
user sees. A judged set is JSON Lines, one question a line, in the format of the shared
development set (``real-questions.jsonl``) and of the project's own ``data/eval/real-questions.jsonl``:

    {"id": "...", "q": "the asker's words", "url": "where they asked", "expect": "answer",
     "must_mention": [["bias"], ["+ 1)", "h0", ...]]}

``expect`` is ``answer`` or ``calculation`` (the answer's kind is ``answer`` or ``calculation``
and every group of ``must_mention`` has an alternative that is a plain substring of the lower-cased
Markdown), ``no_answer`` (the question is declined), or ``skip`` (not scored).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import InputError
from bot.paths import data_dir

if TYPE_CHECKING:
    from bot.retriever import Retriever

OWN_SET = "eval/real-questions.jsonl"
EXPECTS = ("answer", "calculation", "no_answer", "skip")
SCORED = EXPECTS[:3]


@dataclass(frozen=True)
class JudgedQuestion:
    id: str
    q: str
    expect: str
    must_mention: tuple[tuple[str, ...], ...] = ()
    url: str = ""
    topic: str = ""


@dataclass(frozen=True)
class Verdict:
    question: JudgedQuestion
    kind: str  # what paramsbot answered with
    passed: bool
    missing: tuple[tuple[str, ...], ...] = ()  # the must_mention groups with no alternative present
    answer: str = ""


@dataclass
class JudgedReport:
    name: str
    verdicts: list[Verdict] = field(default_factory=list)

    def rate(self, expect: str) -> tuple[int, int]:
        scored = [v for v in self.verdicts if v.question.expect == expect]
        return sum(v.passed for v in scored), len(scored)

    def to_json(self) -> dict[str, Any]:
        return {"set": self.name,
                "pass": {e: dict(zip(("passed", "total"), self.rate(e))) for e in SCORED},
                "misses": [{"id": v.question.id, "expect": v.question.expect, "kind": v.kind,
                            "missing": [list(g) for g in v.missing]} for v in self.verdicts if not v.passed]}


def load_judged(path: Path) -> list[JudgedQuestion]:
    """Read a judged set; InputError names the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the judged set {path}: {getattr(error, 'strerror', None) or error}") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            expect = data.get("expect")
            if expect not in EXPECTS or not isinstance(data.get("q"), str):
                raise ValueError("needs q and an expect of " + ", ".join(EXPECTS))
            groups = tuple(tuple(str(a) for a in group) for group in data.get("must_mention") or ())
            if expect in ("answer", "calculation") and not groups:
                raise ValueError("an answer or calculation needs must_mention groups")
            items.append(JudgedQuestion(id=str(data.get("id", number)), q=data["q"], expect=expect,
                                        must_mention=groups, url=str(data.get("url", "")),
                                        topic=str(data.get("topic", ""))))
        except (ValueError, AttributeError, TypeError) as error:
            raise InputError(f"{path.name} line {number}: {error}") from None
    return items


def judge(question: JudgedQuestion, answer: dict[str, Any]) -> Verdict:
    """The shared set's rule: the kind is right and every must_mention group is present."""
    kind = str(answer.get("kind"))
    text = str(answer.get("answer", ""))
    if question.expect == "no_answer":
        return Verdict(question, kind, kind == "no_answer", answer=text)
    lowered = text.lower()
    missing = tuple(g for g in question.must_mention if not any(a.lower() in lowered for a in g))
    passed = kind in ("answer", "calculation") and not missing
    return Verdict(question, kind, passed, missing, text)


def run_judged(retriever: Retriever, questions: Iterable[JudgedQuestion], name: str) -> JudgedReport:
    """Answer every scored question as `explain --json` would, and judge it."""
    from bot.answer import answer_question

    report = JudgedReport(name)
    for question in questions:
        if question.expect == "skip":
            continue
        try:
            answer = answer_question(question.q, retriever).to_json()
        except InputError as error:
            answer = {"kind": "error", "answer": str(error)}
        report.verdicts.append(judge(question, answer))
    return report


def default_sets() -> list[Path]:
    return [data_dir() / OWN_SET]


def own_questions(loaded: Mapping[Path, Sequence[JudgedQuestion]]) -> list[JudgedQuestion]:
    """The questions of the project's own sets among ``loaded``: calibration tunes on these, while
    sets given with ``--real`` are only measured."""
    return [q for p in default_sets() if p.is_file() for q in loaded[p]]


def format_judged(reports: Sequence[JudgedReport], misses: bool = False) -> str:
    """Pass rate per expect for each set; with ``misses``, each failed question and what it lacked."""
    lines = []
    for report in reports:
        rates = []
        for expect in SCORED:
            passed, total = report.rate(expect)
            if total:
                rates.append(f"{expect} {passed}/{total} ({passed / total:.2f})")
        lines.append(f"Answers judged on {report.name}: " + ", ".join(rates))
        if misses:
            for v in report.verdicts:
                if not v.passed:
                    lack = "; ".join("|".join(g[:3]) for g in v.missing)
                    lines.append(f"  miss {v.question.id} (expect {v.question.expect}, got {v.kind})"
                                 + (f": lacks {lack}" if lack else "") + f"\n      q: {v.question.q[:150]}")
    return "\n".join(lines) + "\n"


def display_name(path: Path) -> str:
    """The set's path as the user would write it: relative to the working folder (or the
    project's data folder for the built-in set) when it is inside, else as given."""
    for base, prefix in ((Path.cwd(), ""), (data_dir(), "data/")):
        try:
            return prefix + str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)
