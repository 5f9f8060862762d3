"""Question -> answer: the best passage, its worked examples and sources, or an honest "no answer".

This is the one place that decides what paramsbot says; the CLI and the TUI only render an
:class:`Answer`. It never imports a UI library.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.retriever import Hit, Retriever, normalize_query

Kind = Literal["answer", "calculation", "no_answer"]

#: Below this cosine similarity the best passage is not trusted to answer the question.
#: Chosen from data/eval/foundation.yaml: in-scope best scores ran 0.59-0.81, out-of-scope
#: 0.03-0.43 (the near miss "parameters of a SQL stored procedure"); tests/test_answer.py checks it.
NO_ANSWER_THRESHOLD = 0.50

NO_ANSWER_TEXT = (
    "I can't answer that from my knowledge base. I explain the *parameters* of large language "
    "models: what weights and biases are, how training changes them, how many parameters models "
    "have and where they live, and what size costs in memory, compute and speed. "
    'Try "what is a bias?" or "how much memory does a 7B model need?".'
)


@dataclass(frozen=True)
class Source:
    title: str
    path: str
    heading: str
    score: float
    id: str = ""
    anchor: str = ""


@dataclass(frozen=True)
class ExampleLink:
    title: str
    path: str


@dataclass
class Answer:
    """What paramsbot says to one question; ``to_json`` is the `explain --json` contract."""

    question: str
    kind: Kind
    answer: str  # Markdown
    sources: list[Source] = field(default_factory=list)
    examples: list[ExampleLink] = field(default_factory=list)
    calculation: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "kind": self.kind,
            "answer": self.answer,
            "sources": [{"title": s.title, "path": s.path, "heading": s.heading, "score": s.score}
                        for s in self.sources],
            "examples": [asdict(e) for e in self.examples],
            "calculation": self.calculation,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)


def answer_question(question: str, retriever: Retriever, k: int = 5) -> Answer:
    """Answer one question from the knowledge base. Raises InputError for an unusable question."""
    text = normalize_query(question)
    calculated = _calculate(text, retriever)
    if calculated is not None:
        return calculated
    hits = retriever.search(text, k=max(k, 1))
    if not hits or hits[0].score < NO_ANSWER_THRESHOLD:
        # No passage is shown for a question the KB cannot answer: a weak match is not an answer.
        return Answer(question=text, kind="no_answer", answer=NO_ANSWER_TEXT)
    best = hits[0]
    return Answer(
        question=text,
        kind="answer",
        answer=compose_markdown(best),
        sources=[_source(h) for h in hits[:k]],
        examples=examples_for(best, retriever),
    )


def _calculate(question: str, retriever: Retriever) -> Answer | None:
    """A question that asks for a number (parameters, memory, FLOPs...) goes to the calculator."""
    from bot.calc.chat import route  # pure Python, no heavy imports; loaded only when asked

    routed = route(question)
    if routed is None:
        return None
    examples = [ExampleLink(title=retriever.documents[path].title, path=path)
                for path in routed.examples if path in retriever.documents]
    return Answer(question=question, kind="calculation", answer=routed.markdown,
                  examples=examples, calculation=routed.calculation)


def compose_markdown(hit: Hit) -> str:
    """The passage under its heading path, so it reads on its own."""
    return f"**{hit.heading}**\n\n{hit.text.strip()}\n"


def examples_for(hit: Hit, retriever: Retriever) -> list[ExampleLink]:
    """Worked examples linked from the passage's document (the passage itself, if it is one)."""
    paths: list[str] = [hit.path] if hit.kind == "example" else []
    doc = retriever.documents.get(hit.path)
    if doc:
        paths += [p for p in doc.examples if p not in paths]
    links = []
    for path in paths:
        target = retriever.documents.get(path)
        if target is not None:
            links.append(ExampleLink(title=target.title, path=path))
    return links


def _source(hit: Hit) -> Source:
    return Source(title=hit.title, path=hit.path, heading=hit.heading, score=hit.score,
                  id=hit.id, anchor=hit.anchor)
