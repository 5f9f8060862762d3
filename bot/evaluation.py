"""Measuring retrieval on the eval set, and choosing the method, blend weights and thresholds.

The eval set (data/eval/questions.yaml) labels each in-scope question with the passages that answer
it and lists out-of-scope questions the bot must decline. Each question belongs to the tuning part
or the held-back part. :func:`calibrate` chooses, on the tuning part only, the hybrid blend weights,
every method's no-answer threshold and the default method; :func:`evaluate` reports all of them on
both parts, so the held-back figures confirm the choice rather than repeat it.

Metrics come from ir-measures (pytrec_eval): Recall@k is ``Success@k`` (the share of questions
with at least one answering passage in the top k: several passages can each answer a question
fully), MRR@10 is ``RR@10``, both counting labelled passages only (grade 2); nDCG@10 also gives
partial credit (grade 1) to the other passages of a labelled passage's article.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from bot.errors import InputError
from bot.judging import JudgedQuestion
from bot.paths import data_dir
from bot.ranking import METHODS, Method, MethodSettings, RetrievalSettings, Signals
from bot.retriever import Retriever, normalize_query, section_id

if TYPE_CHECKING:
    import numpy as np

Part = Literal["tune", "held"]
PARTS: tuple[Part, ...] = ("tune", "held")
EVAL_SET = "eval/questions.yaml"
DEPTH = 10  # passages ranked per question: what MRR@10 and nDCG@10 look at

#: What the issue asks of the default method, on the held-back part.
TARGETS = {"recall@3": 0.95, "mrr@10": 0.85, "oos_refusal": 0.90}
MAX_FALSE_REFUSAL = 0.05
#: How much worse refusing an in-scope question is than answering an out-of-scope one.
FALSE_REFUSAL_COST = 2.0
#: Blend weights tried by calibration: shares of BM25 coverage and of heading similarity.
WEIGHTS = tuple(round(w * 0.05, 2) for w in range(21))
HEADING_WEIGHTS = tuple(round(w * 0.05, 2) for w in range(11))


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    text: str
    answers: tuple[str, ...]  # passage ids; empty = out of scope
    part: Part
    kind: str

    @property
    def in_scope(self) -> bool:
        return bool(self.answers)


def load_eval_set(path: Path | None = None) -> list[EvalQuestion]:
    """Read and check an eval set file. Raises InputError naming the first problem."""
    path = path or data_dir() / EVAL_SET
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"cannot read the eval set {path}: {error.strerror or error}") from None
    except yaml.YAMLError:
        raise InputError(f"the eval set {path} is not valid YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("in_scope"), list) \
            or not isinstance(data.get("out_of_scope"), list):
        raise InputError(f"the eval set {path} needs two lists, in_scope and out_of_scope")
    questions: list[EvalQuestion] = []
    for scope in ("in_scope", "out_of_scope"):
        for number, item in enumerate(data[scope], start=1):
            where = f"{path.name}: {scope} item {number}"
            if not isinstance(item, dict) or not isinstance(item.get("q"), str):
                raise InputError(f"{where} needs a question (q: ...)")
            answers = item.get("a") or []
            if scope == "in_scope" and (not answers or not all(isinstance(a, str) for a in answers)):
                raise InputError(f"{where} needs the passage ids that answer it (a: [path#anchor, ...])")
            if scope == "out_of_scope" and answers:
                raise InputError(f"{where} is out of scope but lists answers")
            if item.get("part") not in PARTS:
                raise InputError(f"{where} needs part: tune or part: held")
            questions.append(EvalQuestion(
                id=f"{'in' if scope == 'in_scope' else 'out'}-{number:03d}", text=normalize_query(item["q"]),
                answers=tuple(answers), part=item["part"], kind=str(item.get("kind", "")),
            ))
    return questions


def check_labels(questions: Sequence[EvalQuestion], passage_ids: Sequence[str]) -> list[str]:
    """Labels that name no passage of the index (the KB changed under the eval set)."""
    known = set(passage_ids)
    return [f"{q.text!r}: {a}" for q in questions for a in q.answers if a not in known]


# --- scoring ----------------------------------------------------------------------------------

@dataclass
class Ranking:
    """One question's signals and, per method, its ranked passages."""

    question: EvalQuestion
    signals: Signals


def collect(retriever: Retriever, questions: Sequence[EvalQuestion]) -> list[Ranking]:
    """Every question's per-passage signals: computed once, combined by every method and weight."""
    signals = retriever.signals_many([q.text for q in questions])
    return [Ranking(q, s) for q, s in zip(questions, signals)]


@dataclass
class PostSignals:
    """A judged real post (bot.judging) as calibration sees it: whether it should be answered, and
    the signals of every query the answer composer searches for it (bot.reading.Post.queries)."""

    answerable: bool
    signals: list[Signals]

    def confidence(self, method: Method, settings: MethodSettings) -> float:
        return max(s.question_confidence(method, settings) for s in self.signals)


def collect_posts(retriever: Retriever, items: Sequence[JudgedQuestion]) -> list[PostSignals]:
    """Signals for the judged posts that retrieval decides: those to answer and those to decline
    (calculations go to the calculator first, so they say nothing about the threshold)."""
    from bot.reading import read_post

    posts = []
    for item in items:
        if item.expect in ("answer", "no_answer"):
            queries = read_post(item.q).queries
            posts.append(PostSignals(item.expect == "answer", retriever.signals_many(queries)))
    return posts


def _top(scores: np.ndarray, depth: int = DEPTH) -> list[int]:
    import numpy as np

    return [int(i) for i in np.argsort(-scores, kind="stable")[:depth]]


@dataclass
class PartResult:
    """The figures of one method on one part of the eval set."""

    questions: int
    out_of_scope: int
    recall_1: float
    recall_3: float
    mrr_10: float
    ndcg_10: float
    oos_refusal: float  # share of out-of-scope questions declined
    false_refusal: float  # share of in-scope questions declined
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "in_scope": self.questions, "out_of_scope": self.out_of_scope,
            "recall@1": self.recall_1, "recall@3": self.recall_3, "mrr@10": self.mrr_10,
            "ndcg@10": self.ndcg_10, "oos_refusal": self.oos_refusal, "false_refusal": self.false_refusal,
            "misses": self.misses,
        }

    def meets_targets(self) -> bool:
        return (self.recall_3 >= TARGETS["recall@3"] and self.mrr_10 >= TARGETS["mrr@10"]
                and self.oos_refusal >= TARGETS["oos_refusal"] and self.false_refusal <= MAX_FALSE_REFUSAL)


def measure(rankings: Sequence[Ranking], passage_ids: Sequence[str], method: Method,
            settings: MethodSettings) -> PartResult:
    """Retrieval metrics (ir-measures) on the in-scope questions, refusal rates on all of them."""
    import ir_measures  # only the eval needs it (the `eval` extra)
    from ir_measures import RR, ScoredDoc, Success, nDCG

    qrels, run, misses = [], [], []
    inside = [r for r in rankings if r.question.in_scope]
    outside = [r for r in rankings if not r.question.in_scope]
    for r in inside:
        qrels += _qrels(r.question, passage_ids)
        top = _top(r.signals.rank(method, settings))
        run += [ScoredDoc(r.question.id, passage_ids[i], float(DEPTH - rank)) for rank, i in enumerate(top)]
        found = [section_id(passage_ids[i]) for i in top[:3]]
        confidence = r.signals.question_confidence(method, settings)
        refused = confidence < settings.threshold
        if refused or not set(found) & set(r.question.answers):
            misses.append({"question": r.question.text, "expected": list(r.question.answers),
                           "got": found, "score": round(confidence, 4), "refused": refused})
    refused_out = 0
    for r in outside:
        best = _top(r.signals.rank(method, settings), 1)[0]
        confidence = r.signals.question_confidence(method, settings)
        if confidence < settings.threshold:
            refused_out += 1
        else:
            misses.append({"question": r.question.text, "expected": [], "got": [passage_ids[best]],
                           "score": round(confidence, 4), "refused": False})
    values = ir_measures.calc_aggregate(
        [Success(rel=2) @ 1, Success(rel=2) @ 3, RR(rel=2) @ DEPTH, nDCG @ DEPTH], qrels, run
    ) if inside else {}
    refused_in = sum(1 for m in misses if m["expected"] and m["refused"])
    return PartResult(
        questions=len(inside), out_of_scope=len(outside),
        recall_1=_round(values.get(Success(rel=2) @ 1, 0.0)), recall_3=_round(values.get(Success(rel=2) @ 3, 0.0)),
        mrr_10=_round(values.get(RR(rel=2) @ DEPTH, 0.0)), ndcg_10=_round(values.get(nDCG @ DEPTH, 0.0)),
        oos_refusal=_round(refused_out / len(outside)) if outside else 0.0,
        false_refusal=_round(refused_in / len(inside)) if inside else 0.0,
        misses=misses,
    )


def _qrels(question: EvalQuestion, passage_ids: Sequence[str]) -> list[Any]:
    """Grade 2 for every passage of a labelled section, grade 1 for the rest of its article."""
    from ir_measures import Qrel

    sections = set(question.answers)
    articles = {a.split("#", 1)[0] for a in question.answers}
    qrels = []
    for pid in passage_ids:
        if section_id(pid) in sections:
            qrels.append(Qrel(question.id, pid, 2))
        elif pid.split("#", 1)[0] in articles:
            qrels.append(Qrel(question.id, pid, 1))
    return qrels


def _round(value: float) -> float:
    return round(float(value), 4)


# --- calibration ------------------------------------------------------------------------------

def best_confidences(rankings: Sequence[Ranking], method: Method, settings: MethodSettings,
                     posts: Sequence[PostSignals] = ()) -> tuple[list[float], list[float]]:
    """The question confidence of each in-scope and each out-of-scope question (and post)."""
    inside, outside = [], []
    for r in rankings:
        (inside if r.question.in_scope else outside).append(r.signals.question_confidence(method, settings))
    for post in posts:
        (inside if post.answerable else outside).append(post.confidence(method, settings))
    return inside, outside


def choose_threshold(inside: Sequence[float], outside: Sequence[float]) -> tuple[float, float]:
    """The threshold with the lowest cost: twice the share of in-scope questions refused plus the
    share of out-of-scope questions answered (the targets allow 5% of the first and 10% of the
    second: turning a learner away is the worse mistake). Among equals, the middle of the widest
    gap between scores. Returns (threshold, cost)."""
    points = sorted(set(inside) | set(outside))
    candidates = [(a + b) / 2 for a, b in zip(points, points[1:])] or [points[0] if points else 0.0]
    best: tuple[float, float, float] | None = None  # (error, -gap, threshold)
    for t in candidates:
        error = (FALSE_REFUSAL_COST * sum(s < t for s in inside) / max(len(inside), 1)
                 + sum(s >= t for s in outside) / max(len(outside), 1))
        below = max((p for p in points if p < t), default=t)
        above = min((p for p in points if p >= t), default=t)
        key = (round(error, 6), -(above - below), t)
        if best is None or key < best:
            best = key
    assert best is not None
    return round(best[2], 4), best[0]


def calibrate(retriever: Retriever, questions: Sequence[EvalQuestion],
              real: Sequence[JudgedQuestion] = ()) -> RetrievalSettings:
    """Choose every method's weights and threshold, and the default method, on the tuning part.

    Ranking weights maximise MRR@10. Then the confidence weight and the threshold minimise the
    refusal cost (see :func:`choose_threshold`) over the tuning questions and the ``real`` posts
    (long, messy, several questions at once: their confidences run lower than a tidy question's).
    The default method has the highest MRR@10 + refusal accuracy (1 - cost, scaled to [0, 1]).
    """
    tuning = [q for q in questions if q.part == "tune"]
    rankings = collect(retriever, tuning)
    posts = collect_posts(retriever, real)
    ranked = [r for r in rankings if r.question.in_scope]
    ids = [p.id for p in retriever.passages]
    figures: dict[str, Any] = {"tuning_part": {"in_scope": len(ranked), "out_of_scope": len(rankings) - len(ranked),
                                               "real_posts_to_answer": sum(p.answerable for p in posts),
                                               "real_posts_to_decline": sum(not p.answerable for p in posts)}}
    fixed = {"dense": MethodSettings(threshold=0.0), "bm25": MethodSettings(threshold=0.0, lexical=1.0,
                                                                             confidence_lexical=1.0)}
    grid = {f"lexical {lex:.2f}, heading {head:.2f}": MethodSettings(threshold=0.0, lexical=lex, heading=head)
            for lex in WEIGHTS for head in HEADING_WEIGHTS if lex + head <= 1.0}
    mrr = {name: measure(ranked, ids, "hybrid", s).mrr_10 for name, s in grid.items()}
    best_rank = grid[max(grid, key=lambda name: mrr[name])]  # first of equals: dict order
    figures["hybrid_ranking_mrr@10"] = mrr
    methods: dict[str, MethodSettings] = {}
    objective: dict[str, float] = {}
    for method in METHODS:
        if method == "hybrid":
            options = [replace(best_rank, confidence_lexical=lex, confidence_heading=head)
                       for lex in WEIGHTS for head in HEADING_WEIGHTS if lex + head <= 1.0]
        else:
            options = [fixed[method]]
        costs = []
        for option in options:
            threshold, cost = choose_threshold(*best_confidences(rankings, method, option, posts))
            costs.append((cost, replace(option, threshold=threshold)))
        cost, chosen = min(costs, key=lambda pair: pair[0])  # first of equals: the smaller weight
        result = measure(rankings, ids, method, chosen)
        methods[method] = chosen
        objective[method] = round(result.mrr_10 + 1 - cost / (1 + FALSE_REFUSAL_COST), 4)
        inside, outside = best_confidences(rankings, method, chosen, posts)
        figures[method] = {
            "objective": objective[method], "refusal_cost": round(cost, 4),
            **{k: v for k, v in result.to_json().items() if k != "misses"},
            "in_scope_confidence": _spread(inside), "out_of_scope_confidence": _spread(outside),
        }
        if method == "hybrid":
            figures["hybrid_confidence_cost"] = {
                f"lexical {o.confidence_lexical:.2f}, heading {o.confidence_heading:.2f}": round(c, 4) for c, o in costs}
    default = max(METHODS, key=lambda m: objective[m])
    figures["chosen_by"] = ("ranking weights: highest MRR@10; confidence weight and threshold: lowest "
                            "(2 x in-scope refused share + out-of-scope answered share); default method: "
                            "highest MRR@10 + 1 - cost / 3; all on the tuning part and the project's own judged real posts")
    return RetrievalSettings(method=default, methods=methods, figures=figures)


def _spread(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)  # noqa: E731
    return {"min": round(ordered[0], 4), "p05": pick(0.05), "median": pick(0.5), "p95": pick(0.95),
            "max": round(ordered[-1], 4)}


def save_settings(settings: RetrievalSettings, path: Path | None = None) -> Path:
    """Write data/retrieval.json atomically (temp file + rename)."""
    from bot.files import atomic_write_text

    path = path or data_dir() / "retrieval.json"
    atomic_write_text(path, json.dumps(settings.to_json(), ensure_ascii=False, indent=1) + "\n")
    return path


def recalibrate(retriever: Retriever, questions: Sequence[EvalQuestion], real: Sequence[JudgedQuestion] = (),
                path: Path | None = None) -> Path:
    """``explain eval --calibrate``: :func:`calibrate`, use the result from now on, save it; where it went."""
    retriever.settings = calibrate(retriever, questions, real)
    return save_settings(retriever.settings, path)


# --- the report -------------------------------------------------------------------------------

@dataclass
class EvalReport:
    """Every method on both parts, and whether the default meets the targets on the held-back part."""

    eval_set: str
    passages: int
    default: Method
    settings: RetrievalSettings
    results: dict[str, dict[str, PartResult]]  # method -> part -> figures
    label_problems: list[str]

    @property
    def targets_met(self) -> bool:
        return self.results[self.default]["held"].meets_targets()

    def to_json(self) -> dict[str, Any]:
        return {
            "eval_set": self.eval_set, "passages": self.passages, "default_method": self.default,
            "settings": {m: asdict(s) for m, s in self.settings.methods.items()},
            "targets": {**TARGETS, "false_refusal_max": MAX_FALSE_REFUSAL}, "targets_met": self.targets_met,
            "label_problems": self.label_problems,
            "methods": {m: {part: r.to_json() for part, r in parts.items()} for m, parts in self.results.items()},
        }


def evaluate(retriever: Retriever, questions: Sequence[EvalQuestion], eval_set: str = EVAL_SET,
             methods: Sequence[Method] = METHODS) -> EvalReport:
    """Measure each method, with its calibrated settings, on the tuning and held-back parts."""
    ids = [p.id for p in retriever.passages]
    rankings = collect(retriever, questions)
    results = {
        m: {part: measure([r for r in rankings if r.question.part == part], ids, m, retriever.settings.of(m))
            for part in PARTS}
        for m in methods
    }
    return EvalReport(eval_set=eval_set, passages=len(ids), default=retriever.settings.method,
                  settings=retriever.settings, results=results, label_problems=check_labels(questions, ids))


def format_report(report: EvalReport) -> str:
    """The side-by-side table, as plain text: one row per method, tuning | held-back per metric."""
    columns = [("R@1", "recall_1"), ("R@3", "recall_3"), ("MRR@10", "mrr_10"), ("nDCG@10", "ndcg_10"),
               ("refuse-out", "oos_refusal"), ("refuse-in", "false_refusal")]
    any_part = next(iter(report.results.values()))
    counts = ", ".join(f"{part}: {r.questions} in / {r.out_of_scope} out" for part, r in any_part.items())
    lines = [f"Eval set {report.eval_set} ({counts}); {report.passages} passages.",
             "Each cell: tuning part / held-back part.", ""]
    header = f"{'method':<16}" + "".join(f"{name:>15}" for name, _ in columns)
    lines += [header, "-" * len(header)]
    for method, parts in report.results.items():
        s = report.settings.of(method)  # type: ignore[arg-type]
        label = method + (" *" if method == report.default else "")
        cells = "".join(f"{getattr(parts['tune'], a):>8.3f}/{getattr(parts['held'], a):.3f}" for _, a in columns)
        detail = f"threshold {s.threshold:.3f}" + (
            f"; rank: lexical {s.lexical:.2f}, heading {s.heading:.2f}; confidence: lexical "
            f"{s.confidence_lexical:.2f}, heading {s.confidence_heading:.2f}" if method == "hybrid" else "")
        lines.append(f"{label:<16}{cells}   ({detail})")
    lines += ["", verdict(report)]
    if report.label_problems:
        lines += ["", f"Labels naming no passage ({len(report.label_problems)}):"]
        lines += [f"  {p}" for p in report.label_problems]
    return "\n".join(lines) + "\n"


def verdict(report: EvalReport) -> str:
    """One sentence: the targets, and whether the default method meets them on the held-back part."""
    held = report.results[report.default]["held"]
    return (f"* default method ({report.default}). Targets on the held-back part: R@3 >= {TARGETS['recall@3']}, "
            f"MRR@10 >= {TARGETS['mrr@10']}, refuse-out >= {TARGETS['oos_refusal']}, "
            f"refuse-in <= {MAX_FALSE_REFUSAL}: {'met' if report.targets_met else 'NOT met'} "
            f"({held.recall_3:.3f}, {held.mrr_10:.3f}, {held.oos_refusal:.3f}, {held.false_refusal:.3f}).")


def format_misses(report: EvalReport, method: Method | None = None) -> str:
    """Questions the method got wrong: answer not in the top 3, wrongly refused or wrongly answered."""
    method = method or report.default
    lines = []
    for part, result in report.results[method].items():
        for m in result.misses:
            what = "refused" if m["refused"] else ("answered" if not m["expected"] else "not in top 3")
            lines.append(f"[{method}/{part}] {what} ({m['score']:.3f}): {m['question']}")
            if m["expected"]:
                lines.append(f"    expected {', '.join(m['expected'])}")
            lines.append(f"    got      {', '.join(m['got'])}")
    return "\n".join(lines) + ("\n" if lines else "")
