"""Question -> answer: the best passage, its worked example and related topics, or an honest "no answer".

This is the one place that decides what paramsbot says; the CLI and the TUI only render an
:class:`Answer`. It never imports a UI library.

A question, or a whole pasted post, is first read (bot.reading): what it asks, in up to three
parts, and the facts around it. A part that asks for a number goes to the calculator. Each other
part is answered by its best section, tightened to what was asked: the section's own heading
(phrased as the question it answers) and the block of its text that covers most of the question
(a yes/no question leads with the section's verdict), not the whole article; then one worked example and one
or two "see also" topics from the document's front matter. A comparison ("difference between
weights and biases", "GELU vs ReLU") gets a second passage for the side the first does not cover,
from another article where there is one. A part is declined when its best passage scores below the
threshold calibrated for the retrieval method in use (data/retrieval.json); a post with no part
answered gets the honest "no answer".
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from bot.paragraphs import blocks
from bot.ranking import CONFIDENCE_DEPTH
from bot.reading import MAX_PARTS, Part, Post, QuestionKind, read_post
from bot.retriever import Hit, Retriever, section_id
from bot.text import json_for_terminal

if TYPE_CHECKING:
    from bot.calc.answers import CalcAnswer  # the calculator is imported only when a question needs it

Kind = Literal["answer", "calculation", "no_answer"]

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
    location: str = ""  # "biases.md#L12-L30": the path and the lines the passage comes from


@dataclass(frozen=True)
class Link:
    """A KB file to read next: a worked example or a related article."""

    title: str
    path: str


@dataclass
class Answer:
    """What paramsbot says to one question; ``to_json`` is the `explain --json` contract."""

    question: str
    kind: Kind
    answer: str  # Markdown
    sources: list[Source] = field(default_factory=list)
    examples: list[Link] = field(default_factory=list)
    calculation: dict[str, Any] | None = None
    see_also: list[Link] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "kind": self.kind,
            "answer": self.answer,
            "sources": [{"title": s.title, "path": s.path, "heading": s.heading, "score": s.score,
                         "location": s.location} for s in self.sources],
            "examples": [asdict(e) for e in self.examples],
            "see_also": [asdict(e) for e in self.see_also],
            "calculation": self.calculation,
        }

    def dumps(self) -> str:
        return json_for_terminal(json.dumps(self.to_json(), ensure_ascii=False))


#: Passages looked at when choosing "see also" topics (the sources shown are the first k of them).
POOL = 10


def answer_question(question: str, retriever: Retriever, k: int = 5) -> Answer:
    """Answer one question or pasted post from the knowledge base (or the calculator).
    Raises InputError for an unusable question."""
    post = read_post(question)
    if all(p.kind == "usage" for p in post.parts):
        # How to operate a tool ("how do I set top_p?", "how can I use both GPUs?"): a
        # manual's question, declined even when the post states numbers the calculator could read.
        return Answer(question=post.text, kind="no_answer", answer=NO_ANSWER_TEXT)
    calculated = _calculate(post, retriever, question)
    if calculated is not None and all(p.kind == "numeric" for p in post.parts):
        return calculated  # nothing asked besides the number: no search needed
    pools = dict(zip(post.queries, retriever.search_many(post.queries, k=max(k, POOL, CONFIDENCE_DEPTH))))
    if calculated is not None:
        return _with_explanation(calculated, post, pools, retriever, k)
    shown = _shown(post, pools, retriever)
    if not shown:
        # No passage is shown for a question the KB cannot answer: a weak match is not an answer.
        return Answer(question=post.text, kind="no_answer", answer=NO_ANSWER_TEXT)
    pool = pools[shown[0].query]
    return Answer(
        question=post.text,
        kind="answer",
        answer="\n".join(tighten(s.hit, retriever, s.query, s.kind) for s in shown),
        sources=_sources(shown, pool, k),
        examples=example_for(shown[0].hit, retriever),
        see_also=see_also([s.hit for s in shown], pool, retriever),
    )


def _with_explanation(calculated: Answer, post: Post, pools: dict[str, list[Hit]], retriever: Retriever,
                      k: int) -> Answer:
    """A calculation, followed by the KB's answer to what the post asks besides the number ("why
    is my file twice the size?", "is that right?"), when the KB answers it confidently."""
    other = tuple(p for p in post.parts if p.kind != "numeric")
    shown = _shown(replace(post, parts=other, prose=""), pools, retriever)[:MAX_PARTS - 1] if other else []
    if not shown:
        return calculated
    explained = "\n".join(tighten(s.hit, retriever, s.query, s.kind) for s in shown)
    return replace(calculated, answer=f"{calculated.answer}\n\n{explained}",
                   sources=_sources(shown, pools[shown[0].query], k))


def _sources(shown: list[_Shown], pool: list[Hit], k: int) -> list[Source]:
    """The passages shown, then the rest of the first one's pool, k in all (at least those shown)."""
    ids = {s.hit.id for s in shown}
    ranked = [s.hit for s in shown] + [h for h in pool if h.id not in ids]
    return [_source(h) for h in ranked[:max(k, len(shown))]]


@dataclass(frozen=True)
class _Shown:
    """A passage shown in an answer, with the question (or part of a post) it answers."""

    hit: Hit
    query: str
    kind: QuestionKind


def _shown(post: Post, pools: dict[str, list[Hit]], retriever: Retriever) -> list[_Shown]:
    """What the answer shows: for each part of the post that the KB answers confidently, in the
    post's order, its best section (each section once) and the other side of a comparison. The
    post's questions together, or the whole post with its context, comes first when it matches
    better than any part alone, and the whole post's best section comes last when there is room."""
    asked = [(_in_context(part, pools), part.kind) for part in post.parts]
    if all(kind == "usage" for _, kind in asked):
        return []
    whole = max((q for q in (post.focus, post.prose) if q), key=lambda q: _confidence(pools[q]))
    if whole not in {text for text, _ in asked} and \
            _confidence(pools[whole]) > max(_confidence(pools[text]) for text, _ in asked):
        asked.insert(0, (whole, post.kind))  # the post read whole matches better than any part
    from bot.scope import out_of_scope

    titled = bool(post.opening) and out_of_scope(post.opening) is not None  # "Question about RAG examples: ..."
    allowance = _topical_allowance(post.focus, retriever)
    shown: list[_Shown] = []
    for query, kind in asked:
        if kind != "usage" and not _elsewhere(query, pools, retriever, titled):
            _show(query, kind, pools, retriever, shown, allowance)
    if post.stated and len(shown) == 1:
        _show_other_reading(shown, pools[shown[0].query], retriever)
    if shown and post.prose in pools:
        # A long post's context often names the case its short question leaves out ("Can somebody
        # explain temperature? Some say higher is more random, others the opposite"): the best
        # section for the post read whole is shown too when there is room and it is new.
        _show(post.prose, post.kind, pools, retriever, shown, allowance)
    return shown


#: A described problem's second reading is shown when it is about as confident as the first.
OTHER_READING_MARGIN = 0.05


def _show_other_reading(shown: list[_Shown], pool: list[Hit], retriever: Retriever) -> None:
    """A post that describes a problem without asking can be read two ways ("needs 20 GB although
    only 3B are active": memory, or what MoE's active count means); the best passage from another
    article among the top three is shown too when it is nearly as confident."""
    best = shown[0].hit
    for hit in pool[1:3]:
        if hit.path != best.path and confident([hit], retriever) and \
                hit.confidence >= best.confidence - OTHER_READING_MARGIN:
            shown.append(_Shown(hit, shown[0].query, shown[0].kind))
            return


def _elsewhere(query: str, pools: dict[str, list[Hit]], retriever: Retriever, titled: bool = False) -> bool:
    """Whether the question, or the thread it is in (``titled``: the post's opening sentence names
    one), is about a topic the KB leaves to others (a chat template, RAG, installing software:
    data/out_of_scope.yaml) and the KB does not match the question clearly anyway."""
    from bot.scope import SCOPE_MARGIN, out_of_scope

    named = titled or out_of_scope(query) is not None
    return named and _confidence(pools[query]) < _threshold(retriever) + SCOPE_MARGIN


#: The question read with the statement before it is shown instead when it matches nearly as well:
#: a short question often names less than its context does. The judged sets gave the same results
#: for every margin from 0.05 up; 0.1 sits inside that plateau.
CONTEXT_MARGIN = 0.1


def _in_context(part: Part, pools: dict[str, list[Hit]]) -> str:
    if part.context and _confidence(pools[part.context]) >= _confidence(pools[part.text]) - CONTEXT_MARGIN:
        return part.context
    return part.text


def _confidence(pool: list[Hit]) -> float:
    return max((h.confidence for h in pool[:CONFIDENCE_DEPTH]), default=0.0)


def _show(query: str, kind: QuestionKind, pools: dict[str, list[Hit]], retriever: Retriever,
          shown: list[_Shown], allowance: float = 0.0) -> None:
    pool = pools[query]
    if not pool or _confidence(pool) < _threshold(retriever) - allowance or len(shown) >= MAX_PARTS:
        return
    sections = {section_id(s.hit.id) for s in shown}
    best = _lead(pool, retriever)
    if section_id(best.id) in sections:
        return
    shown.append(_Shown(best, query, kind))
    sides = comparison_sides(query)
    second = second_passage(best, sides, retriever) if sides else None
    if second is not None and section_id(second.id) not in sections:
        shown.append(_Shown(second, query, kind))


#: How far down the ranking an article's section is looked for when a glossary entry ranks first.
LEAD_DEPTH = 3


def _lead(pool: list[Hit], retriever: Retriever) -> Hit:
    """The passage an answer leads with: the best ranked, unless that is a glossary entry (a file of
    ``kind: glossary``: one-line definitions that point to the article explaining each term) and an
    article's section close behind it is a confident match too; then the fuller section leads."""
    best = pool[0]
    if best.kind != "glossary":
        return best
    return next((h for h in pool[1:LEAD_DEPTH] if h.kind != "glossary" and confident([h], retriever)), best)


#: A post whose questions name at least this many of the KB's own terms (its articles' front-matter aliases:
#: "embedding", "position embedding", "LoRA", "参数量") is on topic, and is answered at a confidence this
#: much below the threshold. Long real posts match no passage closely even when the KB answers them. When
#: it was chosen, on every judged and labelled question we had (own and shared real posts, the retrieval
#: eval's in- and out-of-scope questions), the posts between the two thresholds naming three terms or more
#: were all in scope (two, answered since); naming two was not enough (three of five were off-topic). On the
#: blind set measured after (own-d*), it answered one more in-scope post and one off-topic post.
TOPICAL_TERMS = 3
TOPICAL_ALLOWANCE = 0.05


def _topical_allowance(query: str, retriever: Retriever) -> float:
    return TOPICAL_ALLOWANCE if len(retriever.kb_terms_named(query)) >= TOPICAL_TERMS else 0.0


def confident(hits: list[Hit], retriever: Retriever) -> bool:
    """Whether one of the hits reaches the calibrated threshold of the retriever's method."""
    return _confidence(hits) >= _threshold(retriever)


def _threshold(retriever: Retriever) -> float:
    """The calibrated no-answer threshold of the retriever's method."""
    return retriever.settings.of(retriever.settings.method).threshold


#: Layer constructors in a pasted model ("nn.Linear(", "Conv2D(", "Dense(") or a pasted Keras summary
#: ("Param #"): cheap to look for, so the code reader is loaded only for posts that hold one.
_LAYER_CALL = re.compile(r"\b(?:Linear|Conv[123][dD]|Convolution[12]D|Dense|Embedding|LSTM|GRU)\s*\(|\bParam #")


def _calculate(post: Post, retriever: Retriever, question: str = "") -> Answer | None:
    """A question that asks for a number (parameters, memory, FLOPs...) goes to the calculator:
    a model pasted as code is counted layer by layer; otherwise the question is read as asked, then
    with the numbers the post states around it."""
    from bot.model_names import may_calculate

    if _LAYER_CALL.search(question):
        from bot.calc.chat import route_code

        coded = route_code(question, post.focus)
        if coded is not None:
            return _calculated(coded, post, retriever)
    if not may_calculate(post.focus) and not post.facts:
        return None  # no number and no model named: the calculator is not even loaded
    from bot.calc.chat import route  # pure Python, no heavy imports; loaded only when asked

    routed = route(post.focus)
    if post.facts and (routed is None or _format_stated_apart(post)):
        routed = route(post.numeric_text) or routed
    if routed is None:
        return None
    return _calculated(routed, post, retriever)


def _calculated(routed: CalcAnswer, post: Post, retriever: Retriever) -> Answer:
    examples = [Link(title=retriever.documents[path].title, path=path)
                for path in routed.examples if path in retriever.documents]
    return Answer(question=post.text, kind="calculation", answer=routed.markdown,
                  examples=examples, calculation=routed.calculation)


def _format_stated_apart(post: Post) -> bool:
    """Whether the post names a number format only in a statement of its own ("(w/o quantization)",
    "We run everything in bf16."): then the calculation is made in that format. A statement with
    numbers of its own ("I fit the 7B on 17 GB with an fp8 KV cache") describes another setup."""
    from bot.calc.formats import find_format
    from bot.calc.reader import normalise

    if find_format(normalise(post.focus)) is not None:
        return False
    for statement in re.split(r"(?<=[.!?。！？)])\s+", post.facts):
        text = normalise(statement)
        if find_format(text) is not None and not re.search(r"\d", _FORMAT_TOKEN.sub(" ", text)):
            return True
    return False


_FORMAT_TOKEN = re.compile(r"\b(?:(?:fp|bf|int|f|q|nf|float|bfloat|e\dm)\d+\w*|\d+[- ]?bits?)\b")  # fp16, q4_k_m, 8-bit


#: A block covering within this share of the question's terms of the best one is shown after it.
SECOND_BLOCK_MARGIN = 0.15
_VERDICT = re.compile(r"^(?:\*\*)?(?:yes|no|not quite|partly|mostly|usually|rarely|only)\b", re.I)


def tighten(hit: Hit, retriever: Retriever, query: str = "", kind: QuestionKind = "other") -> str:
    """The section's own heading and the block of it that answers ``query`` best (a yes/no
    question leads with the section's verdict), then the next best when it is nearly as good.
    Without a query, the section's first block."""
    text = section_text(hit, retriever)
    found = blocks(text)
    if not found:
        return f"**{hit.heading_path[-1]}**\n"
    chosen = [0]
    if query and len(found) > 1:
        scores = retriever.block_scores(query, found)
        order = [int(i) for i in scores.argsort()[::-1]]
        chosen = [order[0]]
        if scores[order[1]] >= scores[order[0]] - SECOND_BLOCK_MARGIN:
            chosen.append(order[1])
        if kind == "yes_no" and _VERDICT.match(found[0]) and 0 not in chosen:
            chosen = [0, chosen[0]]
        elif kind == "yes_no" and 0 in chosen:
            chosen.sort()
    body = "\n\n".join(found[i] for i in chosen)
    return f"**{hit.heading_path[-1]}**\n\n{body}\n"


def section_text(hit: Hit, retriever: Retriever) -> str:
    """The whole text of the hit's section: a section split for length is joined again."""
    parts = [p.text for p in retriever.section(hit.id)]
    return "\n\n".join(parts) if parts else hit.text


def _section_start(hit: Hit, retriever: Retriever) -> Any:
    parts = retriever.section(hit.id)
    return parts[0] if parts else next(p for p in retriever.passages if p.id == hit.id)


_COMPARISONS = [re.compile(p, re.I) for p in (
    r"\bdifferences? between (?P<a>.+?) and (?P<b>.+)",
    r"\bcompar(?:e|ing|ison of) (?P<a>.+?) (?:and|with|to|vs\.?|versus) (?P<b>.+)",
    r"\bhow (?:does|do|is|are) (?P<a>.+?) differ(?:ent)? from (?P<b>.+)",
    r"\b(?:is|are) (?P<a>.+?) (?:the same(?: thing)? as|different from) (?P<b>.+)",
    r"\bare (?P<a>.+?) and (?P<b>.+?) the same\b",
    r"^(?P<a>.+?)\s+(?:vs\.?|versus)\s+(?P<b>.+)$",
)]


def comparison_sides(question: str) -> tuple[str, str] | None:
    """The two things a comparison question compares, or None if it is not one."""
    for pattern in _COMPARISONS:
        match = pattern.search(question)
        if match:
            a, b = (match.group(side).strip(" ?!.,") for side in ("a", "b"))
            if a and b:
                return a, b
    return None


def second_passage(best: Hit, sides: tuple[str, str], retriever: Retriever) -> Hit | None:
    """The best passage for the side of a comparison that ``best`` does not already answer (one
    from another article if both sides qualify), and only if it is itself a confident match."""
    candidates = []
    for top, in retriever.search_many(list(sides), k=1):  # both sides embedded in one call
        if section_id(top.id) != section_id(best.id) and confident([top], retriever):
            candidates.append(top)  # else this side is the one ``best`` answers, or nothing does
    if not candidates:
        return None
    return max(candidates, key=lambda h: (h.path != best.path, h.score))


def example_for(hit: Hit, retriever: Retriever) -> list[Link]:
    """The passage's worked example: the one its section links, else its document's first; a
    passage from a worked example links its own file."""
    if hit.kind == "example":
        candidates = [hit.path]
    else:
        folder = posixpath.dirname(hit.path)
        linked = [posixpath.normpath(posixpath.join(folder, target))
                  for target in re.findall(r"\]\(([^)#\s]+\.md)", _section_start(hit, retriever).text)]
        doc = retriever.documents.get(hit.path)
        candidates = linked + list(doc.examples if doc else ())
    for path in candidates:
        target = retriever.documents.get(path)
        if target is not None and target.kind == "example":
            return [Link(title=target.title, path=path)]
    return []


def see_also(shown: list[Hit], pool: list[Hit], retriever: Retriever, limit: int = 2) -> list[Link]:
    """One or two related articles from the best passage's front matter, those that also matched
    the question first, never one already shown."""
    doc = retriever.documents.get(shown[0].path)
    if doc is None:
        return []
    taken = {h.path for h in shown}
    order = {path: rank for rank, path in reversed(list(enumerate(h.path for h in pool)))}
    related = [p for p in doc.related if p not in taken and p in retriever.documents]
    related.sort(key=lambda p: order.get(p, len(pool)))  # stable: front-matter order breaks ties
    return [Link(title=retriever.documents[p].title, path=p) for p in related[:limit]]


def _source(hit: Hit) -> Source:
    return Source(title=hit.title, path=hit.path, heading=hit.heading, score=hit.score,
                  id=hit.id, anchor=hit.anchor, location=hit.location)
