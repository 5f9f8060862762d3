"""A conversation: follow-up questions read in the light of the previous answer, and its transcript.

"and biases?", "give me an example" or "why?" mean nothing on their own; after "what is a weight"
they mean "what are biases", "worked example of a weight" and "why do we need a weight". This
module turns such a question into the query to search, using only the previous turn, and leaves a
question that stands on its own untouched. It is plain Python (the TUI uses it; the one-shot CLI
does not), so the rules are unit-tested without a screen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.answer import Answer
from bot.text import one_line

# Words that carry no topic of their own: question words, auxiliaries, fillers, and the generic
# quantities and verbs that follow-ups reuse ("how much memory does it need?").
_FILLER = frozenset("""
    a an the is are was were be been being am do does did done of for to in on at by with from as into
    me us you i we my our your can could would should will shall may might must please pls thanks thank
    what whats how why when where which who whom so then just give show tell more about and also again
    ok okay yes no really there one some any other another same too now but or if than that's it's
    explain elaborate go say said mean means meaning matter matters work works working need needs needed
    much many big large small size count number use uses used take takes have has had important come
    comes store stored learn learned learnt change changes get gets make makes let lets see
    example examples instance e.g eg demo illustration worked concrete during while after before
""".split())
#: Quantities a follow-up asks about its previous subject: "how much memory does it need?", "and the KV cache?".
_MEASURES = frozenset("""
    memory vram ram gpu gpus gb gib bytes disk storage parameters parameter params weights flops compute
    cost costs kv cache key value precision fp32 fp16 bf16 int8 int4 bit bits 4-bit 8-bit 16-bit context
    window tokens layers heads speed fast slow time training train trained inference run running
    hardware quantised quantized quantisation quantization
""".split())
#: After "and ...", these name a new subject rather than a quantity: "and weights?" after "what is a bias".
_SUBJECT_NOUNS = frozenset("weights weight parameters parameter params".split())
_PREPOSITIONS = frozenset("in at with for on using under without".split())
_PRONOUNS = frozenset("it its they them their theirs this that these those".split())
_EXAMPLE_WORDS = frozenset("example examples instance e.g eg demo illustration".split())
_WORD = re.compile(r"[a-z0-9][a-z0-9.'+-]*")

#: "and X?", "what about X?" ... : X is a new subject for the previous question.
_ELLIPSIS = re.compile(
    r"^(?:and\s+what\s+about|and\s+how\s+about|what\s+about|how\s+about|and\s+for|and\s+also|"
    r"same\s+for|same\s+question\s+for|and|also|now|then)\s+(?P<subject>.+?)\s*[?.!]*$", re.I)
#: A noun phrase, not a clause: the elided question is the previous one.
_CLAUSE_START = re.compile(
    r"^(?:what|how|why|when|where|which|who|whom|is|are|was|were|do|does|did|can|could|would|should|"
    r"will|if|tell|show|give|explain)\b", re.I)
_WHAT_IS = re.compile(r"^(?:what|who)(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?P<subject>.+?)\s*[?.!]*$", re.I)
_WHY = re.compile(r"^(?:but\s+|and\s+|so\s+)?(?:why|how\s+come)\b", re.I)
_BARE_WHY = frozenset("but and so why how come is was that this it so not exactly though then".split())
_MORE = frozenset("more elaborate explain detail details further continue".split())


@dataclass(frozen=True)
class Turn:
    """What a follow-up needs from the previous exchange: what was searched and what it was about."""

    question: str  # as the person typed it
    query: str  # what was searched (the question itself, or its resolved form)
    topic: str = ""  # the answer's subject for people: "Biases", "Llama 2 7B"; "" when nothing was answered
    terms: tuple[str, ...] = ()  # names of that subject that may appear in the query ("bias", "biases")
    examples: tuple[str, ...] = ()  # titles of the worked examples the answer linked
    about: str = ""  # the subject carried over from the turn before ("give me an example" keeps it)

    @property
    def subject(self) -> str:
        """The phrase a pronoun stands for: "a bias" from "what is a bias", else the topic."""
        if self.about:
            return self.about
        match = _WHAT_IS.match(self.query)
        return match.group("subject") if match else self.topic

    @classmethod
    def from_answer(cls, question: str, query: str, answer: Answer, documents: Mapping[str, Any]) -> Turn:
        """The turn for an answer; ``documents`` maps KB paths to objects with ``title``/``aliases``."""
        if answer.kind == "calculation" and answer.calculation:
            calc = answer.calculation
            title = str(calc.get("title") or "")
            names = tuple(str(n) for n in (title, calc.get("name")) if n)
            return cls(question, query, title, names, tuple(e.title for e in answer.examples))
        if answer.kind == "answer" and answer.sources:
            doc = documents.get(answer.sources[0].path)
            title = getattr(doc, "title", "") or answer.sources[0].title
            aliases = tuple(getattr(doc, "aliases", ()) or ())
            return cls(question, query, title, (title, *aliases), tuple(e.title for e in answer.examples))
        return cls(question, query)


def follow_up_query(question: str, previous: Turn | None) -> str:
    """The query to search for ``question``, using ``previous`` only when the question is too vague."""
    return _resolve(question, previous)[0]


def _resolve(question: str, previous: Turn | None) -> tuple[str, bool]:
    """(query, whether the answer stays on the previous subject: examples, "why", "more")."""
    text = one_line(question)
    if previous is None or not previous.topic or not text:
        return text, False
    ellipsis = _ELLIPSIS.match(text)
    if ellipsis and not _CLAUSE_START.match(ellipsis.group("subject")):
        return _elided(previous, ellipsis.group("subject")), False
    if ellipsis:  # "and why is that?": the rest is a question of its own
        text = ellipsis.group("subject")
    words = _WORD.findall(text.lower())
    content = [w for w in words if w not in _FILLER and w not in _PRONOUNS]
    has_pronoun = any(w in _PRONOUNS for w in words)
    subject = previous.subject
    if not content:
        if any(w in _EXAMPLE_WORDS for w in words):
            # The worked examples the last answer linked, by title: the retriever finds them best.
            unseen = [title for title in previous.examples if title != previous.query]
            return (unseen[0] if unseen else f"worked example of {subject}"), True
        if _WHY.match(text) and all(w in _BARE_WHY for w in words):
            if previous.about or _WHAT_IS.match(previous.query):
                return f"why do we need {subject}", True
            return f"why {previous.query}", True
        if has_pronoun:
            return _replace_pronouns(text, subject), True
        if any(w in _MORE for w in words):
            return f"tell me more about {subject}", True
        return f"{text.rstrip('?.! ')} of {subject}", True
    if all(w in _MEASURES for w in content):  # "how much memory does it need?", "how many parameters?"
        if has_pronoun:
            return _replace_pronouns(text, subject), True
        if re.match(r"^how\s+(?:many|much|big|large|fast)\b", text, re.I):
            return f"{text.rstrip('?.! ')} of {subject}", True
    return text, False  # it names something: it stands on its own


def _elided(previous: Turn, phrase: str) -> str:
    """The previous question completed by "and X?": a new subject, a new measure, or a qualifier."""
    words = _WORD.findall(phrase.lower())
    if words and words[0] in _PREPOSITIONS:  # "and in int4?"
        return f"{previous.query.rstrip('?.! ')} {phrase}"
    content = [w for w in words if w not in _FILLER and w not in _PRONOUNS]
    if content and all(w in _MEASURES and w not in _SUBJECT_NOUNS for w in content):  # "and the KV cache?"
        return f"{phrase} of {previous.subject}"
    return _with_new_subject(previous, phrase)


def _with_new_subject(previous: Turn, subject: str) -> str:
    """The previous query with its subject swapped: ("what is a weight", "biases") -> "what are biases"."""
    for term in sorted(previous.terms, key=len, reverse=True):
        pattern = r"(?<![\w-])" + r"[\s_-]*".join(re.escape(w) for w in term.split()) + r"(?![\w-])"
        if term.strip() and re.search(pattern, previous.query, flags=re.I):
            return _agree(re.sub(pattern, lambda _: subject, previous.query, count=1, flags=re.I), subject)
    what_is = _WHAT_IS.match(previous.query)
    if what_is:
        return _agree(previous.query[:what_is.start("subject")] + subject, subject)
    return f"{subject} {previous.query}"


def _agree(query: str, subject: str) -> str:
    """A plural subject takes "are" and no article: "what is a biases" reads "what are biases"."""
    words = subject.split()
    if not words or not words[-1].lower().endswith("s") or words[-1].lower().endswith("ss"):
        return query
    return re.sub(r"(?:\s+is|'s)\s+(?:(?:a|an)\s+)?(?=" + re.escape(subject) + ")", " are ", query, count=1, flags=re.I)


def _replace_pronouns(text: str, subject: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        return f"{subject}'s" if word in ("its", "their", "theirs") else subject

    return re.sub(r"\b(?:it|its|they|them|their|theirs|this|that|these|those)\b", swap, text, flags=re.I)


@dataclass
class Exchange:
    """One question and what paramsbot said."""

    question: str
    query: str
    answer: Answer
    turn: Turn


@dataclass
class Conversation:
    """The exchanges so far; ``query_for`` reads a new question in the light of the last one."""

    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def previous(self) -> Turn | None:
        return self.exchanges[-1].turn if self.exchanges else None

    def query_for(self, question: str) -> str:
        return follow_up_query(question, self.previous)

    def record(self, question: str, query: str, answer: Answer, documents: Mapping[str, Any]) -> Exchange:
        """Add an exchange; a follow-up that stayed on its subject passes the subject on."""
        turn = Turn.from_answer(question, query, answer, documents)
        previous = self.previous
        if previous is not None and turn.topic and _resolve(question, previous) == (query, True):
            turn = replace(turn, about=previous.subject)
        exchange = Exchange(question, query, answer, turn)
        self.exchanges.append(exchange)
        return exchange

    def to_markdown(self, now: datetime | None = None) -> str:
        """The whole conversation as a Markdown document (what "export" writes)."""
        stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
        lines = ["# paramsbot conversation", "", f"_Exported {stamp}._", ""]
        for exchange in self.exchanges:
            answer = exchange.answer
            lines += [f"## {exchange.question}", ""]
            if exchange.query != exchange.question:
                lines += [f"_Searched for: {exchange.query}_", ""]
            lines += [answer.answer.strip(), ""]
            if answer.examples:
                lines.append("**Worked examples:** " + "; ".join(f"{e.title} (`{e.path}`)" for e in answer.examples))
                lines.append("")
            if answer.sources and answer.kind != "no_answer":
                lines.append("**Sources:**")
                lines.append("")
                lines += [f"{n}. {s.heading} (`{s.path}`, score {s.score:.2f})"
                          for n, s in enumerate(answer.sources, 1)]
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"
