"""Links the app shows and follows: worked examples, sources, related articles, links inside KB text.

An href is either a web URL or a KB location. KB locations written by the app start with ``/``
(relative to the KB folder: ``/examples/forward-pass-2-2-1.md``); links inside a KB file are
relative to that file (``parameters.md``, ``../biases.md#what-does-a-bias-do``) or to its own
sections (``#anchor``). Plain Python, so the rules are tested without a screen.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.answer import Answer

if TYPE_CHECKING:
    from bot.retriever import DocumentInfo

Group = Literal["Worked example", "Source", "Related", "Calculator"]


@dataclass(frozen=True)
class NavLink:
    """A link the app shows under an answer or a page and offers on Ctrl+O: a label, where it
    leads (an app href) and its group (bot.answer.Link is the answer's own title-and-path link)."""

    label: str
    href: str
    group: Group


@dataclass(frozen=True)
class Target:
    """Where an href leads: a KB file (and section) or a web page."""

    kind: Literal["kb", "url"]
    path: str = ""  # KB-relative file
    anchor: str = ""
    url: str = ""


def kb_href(path: str, anchor: str = "") -> str:
    return "/" + path + (f"#{anchor}" if anchor else "")


def resolve(href: str, base: str = "") -> Target | None:
    """The target of ``href`` found in the KB file ``base`` ("" for app-made links); None if unusable."""
    href = href.strip()
    if href.startswith(("http://", "https://", "mailto:")):
        return Target("url", url=href)
    if ":" in href.split("/", 1)[0]:  # another scheme (javascript:, file:, ...): never followed
        return None
    location, _, anchor = href.partition("#")
    if not location:
        return Target("kb", path=base, anchor=anchor) if base else None
    if location.startswith("/"):
        path = posixpath.normpath(location.lstrip("/"))
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(base), location))
    if path.startswith("..") or path.startswith("/") or not path.lower().endswith(".md"):
        return None
    return Target("kb", path=path, anchor=anchor)


def _title(documents: Mapping[str, DocumentInfo], path: str) -> str | None:
    doc = documents.get(path)
    return doc.title if doc is not None else None


def answer_links(answer: Answer, documents: Mapping[str, DocumentInfo]) -> list[NavLink]:
    """Worked examples, related articles and sources. The related articles are the answer's "see
    also" (chosen from the best source's front matter); failing that, all of that front matter's."""
    links = [NavLink(_example_label(e.title), kb_href(e.path), "Worked example") for e in answer.examples]
    if answer.kind == "no_answer":
        return links
    if answer.see_also:
        links += [NavLink(link.title, kb_href(link.path), "Related") for link in answer.see_also]
    elif answer.sources:
        links += related_links(answer.sources[0].path, documents, skip={e.path for e in answer.examples})
    links += [NavLink(f"{s.heading}, {s.location or s.path} ({s.score:.2f})", kb_href(s.path, s.anchor), "Source")
              for s in answer.sources]
    return links


def related_links(path: str, documents: Mapping[str, DocumentInfo],
                  skip: set[str] | frozenset[str] = frozenset()) -> list[NavLink]:
    """The ``related`` articles of one KB file that exist in the KB."""
    doc = documents.get(path)
    links = []
    for other in doc.related if doc is not None else ():
        title = _title(documents, other)
        if title and other not in skip and other != path:
            links.append(NavLink(title, kb_href(other), "Related"))
    return links


def document_links(path: str, documents: Mapping[str, DocumentInfo]) -> list[NavLink]:
    """What a reader page links to besides its text: its worked examples and related articles."""
    doc = documents.get(path)
    examples = [e for e in doc.examples if _title(documents, e)] if doc is not None else []
    links = [NavLink(_example_label(_title(documents, e) or e), kb_href(e), "Worked example") for e in examples]
    return links + related_links(path, documents, skip=set(examples))


def _example_label(title: str) -> str:
    """"Worked example: X" is shown as "X": the group already says it is a worked example."""
    head, sep, rest = title.partition(":")
    return rest.strip() if sep and head.strip().lower() == "worked example" and rest.strip() else title


def _label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def links_markdown(links: list[NavLink]) -> str:
    """The links as compact Markdown lines, one line per group, sources numbered."""
    lines = []
    for group, heading in (("Worked example", "Worked example"), ("Related", "Related")):
        chosen = [link for link in links if link.group == group]
        if chosen:
            heading += "s" if len(chosen) > 1 and group != "Related" else ""
            lines.append(f"**{heading}:** " + " · ".join(f"[{_label(x.label)}]({x.href})" for x in chosen))
    sources = [link for link in links if link.group == "Source"]
    if sources:
        lines.append("**Sources:**")
        lines += [f"{n}. [{_label(x.label)}]({x.href})" for n, x in enumerate(sources, 1)]
    return "  \n".join(lines)
