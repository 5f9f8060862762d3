"""Lexical search: BM25 over what a passage says and what people call it, tolerant of typos.

Dense search finds passages by meaning but is vague about exact terms ("bias?", "KV cache",
"Chinchilla"); BM25 is exact about terms but blind to meaning. The retriever blends the two.

Each passage is indexed with its title, its heading path (its own heading twice: it is the
question the section answers) and its text. A document's front-matter aliases (other names and
misspellings people use for its subject) go with its first section, and with the section whose
heading names the alias, if one does.

A query is split into words; a misspelt word is corrected against the knowledge base's own
vocabulary ("wieghts" -> "weights", "backprop" -> "backpropagation"), and both the typed and the
corrected forms are searched. Terms in other languages listed in ``data/translations.yaml`` bring
their English with them, since the KB and the embedding model are English.

Analysing the passages (folding, stopwords, stemming) is the slow part, ~0.15 s for our few
hundred, so :func:`load_lexical` keeps the result in ``lexical.json`` beside the index: plain JSON,
written atomically, used only when the digest of everything it was made from matches (the passages,
their front matter, this module's source and the stemmer's version); anything else means derive it
again. PyStemmer and rapidfuzz are imported inside functions, so ``import bot`` stays light; BM25
itself is a few numpy lines (see ``LexicalIndex._postings``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.corpus import Passage
from bot.errors import DataError, data_file_problem
from bot.paths import data_dir

if TYPE_CHECKING:
    import numpy as np

#: Words that carry no topic: English function words, contraction stubs ("don't" -> "don", "t")
#: and the question words every heading has. "not" is kept: see EXPANSIONS.
STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be been being both but by can could
did do does doing done during each either else even ever every for from further get gets got had
has have having he her here hers him his how i if in into is it its itself just let lets like
me more most much my myself no nor now of off on once only or other our ours out over own
please really same say she should so some such tell than that the their them then there these
they this those through to too under until up us very was we were what when where whether which
while who whom why will with would you your yours s d ll m re ve don doesn isn aren wasn weren
didn won wouldn shouldn couldn explain anyone someone something thing things know want
wondering trying understand question
""".split())

#: Words searched as other words: abbreviations the KB uses interchangeably with their spelled-out
#: form, and negations ("can't" is split into "can" and "t"), which decide headings such as
#: "What can scaling laws not tell you?".
EXPANSIONS = {"llm": ("language", "model"), "llms": ("language", "models"), "t": ("not",), "cannot": ("not",)}

#: A misspelt word is corrected only if it is at least this long (one edit), or the second length
#: (two edits): shorter words have too many real neighbours ("bake" is one edit from "make").
MIN_TYPO_LENGTH = (5, 8)

TRANSLATIONS_FILE = "translations.yaml"
CACHE_FILE = "lexical.json"

_WORD = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
_COMPOUND = re.compile(r"[a-z]+(?:-[a-z]+)+")
_IZE = re.compile(r"^([a-z]{4,})iz(e|es|ed|ing|ation|ations|er|ers)$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def _fold(text: str) -> str:
    """NFKC, lower case, and thousands separators dropped ("4,096" is one number, 4096)."""
    return _THOUSANDS.sub("", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    if term.isascii():
        return re.compile(rf"(?<![a-z0-9_]){re.escape(term)}(?![a-z0-9_])")
    return re.compile(re.escape(term))


def words(text: str) -> list[str]:
    """Lower-case Latin-script words, stopwords kept (the speller must see them to leave them alone)."""
    return _WORD.findall(_fold(text))


def content_words(text: str) -> list[str]:
    """Words that carry the topic, with abbreviations spelled out and US -ize spellings as -ise."""
    found: list[str] = []
    for word in words(text):
        if word not in STOPWORDS:
            found += (_IZE.sub(r"\1is\2", w) for w in EXPANSIONS.get(word, (word,)))
    return found


def compounds(text: str) -> list[str]:
    """Hyphenated words joined up, so "fine-tuning" also matches "finetuning"."""
    return [m.replace("-", "") for m in _COMPOUND.findall(_fold(text))]


@dataclass(frozen=True)
class Correction:
    typed: str
    corrected: str


class Speller:
    """Corrects query words that the knowledge base never uses to the nearest domain term.

    ``known`` is every word of the KB's prose: such a word is never "corrected". ``targets`` are
    the domain terms a misspelling may become (words of titles, headings, summaries and aliases),
    with how often the prose uses each, to break ties.
    """

    def __init__(self, known: Iterable[str], targets: Mapping[str, int]) -> None:
        self.known = frozenset(known)
        self.targets = {w: n for w, n in targets.items() if w.isalpha() and len(w) >= MIN_TYPO_LENGTH[0] - 1}

    def correct(self, word: str) -> str:
        """The word itself if it is known, too short or near no domain term; else that term.

        A word the articles use comes before one only an alias has (the aliases list misspellings
        too); then the nearest (a swapped pair of letters is one edit); then the commoner. A word that starts a longer domain term is that
        term ("vocab" -> "vocabulary") when nothing is within the edit limit.
        """
        if word in self.known or word in STOPWORDS or not word.isalpha() or len(word) < MIN_TYPO_LENGTH[0]:
            return word
        from rapidfuzz.distance import OSA  # optimal string alignment, in C

        limit = 2 if len(word) >= MIN_TYPO_LENGTH[1] else 1
        best: tuple[int, bool, int, str] | None = None
        for target, count in self.targets.items():
            if target == word or abs(len(target) - len(word)) > limit:
                continue
            distance = OSA.distance(word, target, score_cutoff=limit)
            if distance <= limit:
                key = (target not in self.known, distance, -count, target)
                if best is None or key < best:
                    best = key
        if best:
            return best[3]
        longer = [(-count, t) for t, count in self.targets.items() if t.startswith(word) and t in self.known]
        return min(longer)[1] if longer else word

    def corrections(self, text: str) -> list[Correction]:
        found = []
        for word in dict.fromkeys(words(text)):
            fixed = self.correct(word)
            if fixed != word:
                found.append(Correction(word, fixed))
        return found


def load_translations(path: Path | None = None) -> dict[str, str]:
    """Foreign term -> the English the KB uses, from data/translations.yaml (language -> terms)."""
    path = path or data_dir() / TRANSLATIONS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as error:
        raise DataError(f"cannot read {path}: {data_file_problem(error)}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise DataError(f"{path} must map each language to a table of term: English")
    return {_fold(str(term)): str(english) for table in data.values() for term, english in table.items()}


@dataclass(frozen=True)
class Analysis:
    """The passages as the lexical index reads them: what ``lexical.json`` keeps."""

    tokens: list[list[str]]  # each passage's index terms, in order (stemmed)
    word_counts: dict[str, int]  # every word of the prose, with its count: the speller's "known"
    domain_words: list[str]  # words of titles, headings, summaries and aliases: what a typo may become


@dataclass(frozen=True)
class LexicalQuery:
    """A query as the lexical index sees it."""

    text: str  # the question with misspellings corrected and translations added: what to embed
    terms: tuple[str, ...]  # stemmed search terms, typed and corrected forms both
    corrections: tuple[Correction, ...]
    latin: bool  # has words an English model can read (False for Chinese with no known term)


class LexicalIndex:
    """BM25 (Lucene variant, as bm25s scores it) over passages, with front-matter aliases and typo
    correction."""

    k1 = 1.2
    b = 0.75

    def __init__(self, passages: Sequence[Passage], aliases: Mapping[str, Sequence[str]] | None = None,
                 summaries: Mapping[str, str] | None = None, translations: Mapping[str, str] | None = None,
                 *, analysed: Analysis | None = None) -> None:
        """``aliases`` and ``summaries`` map a document path to its front matter. ``analysed`` is
        :meth:`analyse_passages`'s result for the same arguments, when a cache has it (see load_lexical)."""
        self.passages = list(passages)
        self.translations = dict(sorted((translations or {}).items(), key=lambda kv: -len(kv[0])))
        self.analysis = analysed or self.analyse_passages(self.passages, aliases or {}, summaries or {})
        self._tokens = self.analysis.tokens
        self._df = Counter(t for tokens in self._tokens for t in set(tokens))
        counts = self.analysis.word_counts
        self.speller = Speller(counts, {w: counts.get(w, 0) for w in self.analysis.domain_words})

    @classmethod
    def analyse_passages(cls, passages: Sequence[Passage], aliases: Mapping[str, Sequence[str]],
                summaries: Mapping[str, str]) -> Analysis:
        """What the index and speller are made of: each passage's terms, the prose's word counts
        and the domain's words (titles, headings, summaries, aliases)."""
        placed = cls._place_aliases(passages, aliases)
        tokens = [cls._terms(cls._document_text(p, placed.get(i, ()))) for i, p in enumerate(passages)]
        prose = [f"{p.heading} {p.text}" for p in passages] + list(summaries.values())
        counts = Counter(w for text in prose for w in words(text))
        domain = [" ".join(p.heading_path) for p in passages] + list(summaries.values())
        domain += [a for names in aliases.values() for a in names]
        domain_words = list(dict.fromkeys(w for text in domain for w in words(text)))
        return Analysis(tokens=tokens, word_counts=dict(counts), domain_words=domain_words)

    @staticmethod
    def _document_text(passage: Passage, aliases: Sequence[str]) -> str:
        return "\n".join([" ".join(passage.heading_path), passage.heading_path[-1], *aliases, passage.text])

    @classmethod
    def _place_aliases(cls, passages: Sequence[Passage], aliases: Mapping[str, Sequence[str]]) -> dict[int, list[str]]:
        """A document's aliases name its subject, which its first section defines: they go there.
        An alias that is also a section's own subject (every word of it in that section's heading,
        as "KV cache" in "What is the KV cache?") goes with that section too."""
        first: dict[str, int] = {}
        for i, p in enumerate(passages):
            if p.anchor and p.path not in first:
                first[p.path] = i
        headings = {i: set(cls._terms(p.heading_path[-1])) for i, p in enumerate(passages) if p.anchor}
        placed: dict[int, list[str]] = defaultdict(list)
        for path, names in aliases.items():
            if path not in first:
                continue
            own = [i for i in headings if passages[i].path == path]
            for name in names:
                placed[first[path]].append(name)
                terms = set(cls._terms(name))
                subject = next((i for i in own if terms and terms <= headings[i]), None)
                if subject is not None and subject != first[path]:
                    placed[subject].append(name)
        return placed

    @classmethod
    def _terms(cls, text: str) -> list[str]:
        """Index terms: stemmed content words, plus hyphenated compounds joined up."""
        return cls._stems(content_words(text) + compounds(text))

    @staticmethod
    def _stems(tokens: Sequence[str]) -> list[str]:
        return list(_stemmer().stemWords(list(tokens)))

    @cached_property
    def _postings(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per indexed term: the passages that contain it, and its BM25 weight in each.

        Lucene's BM25 computed as bm25s computes it (float32 weights, summed per query term in
        order), so the scores are bm25s' to the bit (tests/test_lexical_numpy.py) without
        importing bm25s, which brings scipy and asyncio: ~0.25 s of a one-shot answer. One numpy
        expression over every (passage, term) pair, then split by term.
        """
        import numpy as np  # loaded with FAISS anyway

        lengths = [len(tokens) for tokens in self._tokens]
        average = (float(np.mean(lengths)) if lengths else 0.0) or 1.0
        ids: dict[str, int] = {}
        doc, term, tf = [], [], []
        for row, tokens in enumerate(self._tokens):
            for name, count in Counter(tokens).items():
                doc.append(row)
                term.append(ids.setdefault(name, len(ids)))
                tf.append(count)
        docs, terms = np.array(doc, dtype=np.int64), np.array(term, dtype=np.int64)
        counts = np.array(tf, dtype="float32")
        length = np.array(lengths, dtype="float64")[docs]
        saturated = counts / (self.k1 * ((1 - self.b) + self.b * length / np.float64(average)) + counts)
        idf = np.array([self.idf(name) for name in ids], dtype="float32")[terms]
        weights = (idf * saturated).astype("float32")
        order = np.argsort(terms, kind="stable")  # by term, passages ascending within each
        bounds = np.searchsorted(terms[order], np.arange(len(ids) + 1))
        return {name: (docs[order[bounds[i]:bounds[i + 1]]], weights[order[bounds[i]:bounds[i + 1]]])
                for name, i in ids.items()}

    def translate(self, query: str) -> list[str]:
        """The KB's words for the terms in the query that it words otherwise (other languages, and
        people's own words: "vram", "lm_head"), longest match first, without overlaps. A Latin-script
        term matches whole words only ("param" is not found in "hyperparameter")."""
        folded = _fold(query)
        found = []
        for term, english in self.translations.items():
            pattern = _term_pattern(term)
            if pattern.search(folded):
                found.append(english)
                folded = pattern.sub(" ", folded)
        return found

    def analyse_query(self, query: str) -> LexicalQuery:
        """Translate, correct misspellings, and turn the query into search terms."""
        english = self.translate(query)
        text = " ".join([query, *english])
        corrections = self.speller.corrections(text)
        for c in corrections:
            text = re.sub(rf"(?i)\b{re.escape(c.typed)}\b", c.corrected, text)
        typed = " ".join([query, *english])
        terms = dict.fromkeys(self._terms(text) + self._terms(typed))
        return LexicalQuery(text=text, terms=tuple(terms), corrections=tuple(corrections), latin=bool(words(text)))

    def idf(self, term: str) -> float:
        """Lucene's IDF; a term no passage contains gets the highest IDF there is."""
        n = len(self.passages)
        df = self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: LexicalQuery) -> np.ndarray:
        """BM25 score of every passage, in passage order (all zero if no term is indexed)."""
        import numpy as np

        scores = np.zeros(len(self.passages), dtype="float32")
        for term in query.terms:
            if term in self._df:
                docs, weights = self._postings[term]
                scores[docs] += weights  # each passage once per term
        return scores

    def coverage(self, query: LexicalQuery) -> np.ndarray:
        """BM25 scores divided by the query's total IDF, in [0, 1]: how much of what was asked a
        passage matches, comparable across queries (a word the KB never uses lowers every score).
        The total counts the corrected words, so a typo costs nothing once it is fixed."""
        import numpy as np

        total = sum(self.idf(t) for t in dict.fromkeys(self._terms(query.text)))
        scores = self.scores(query)
        return np.minimum(scores / total, 1.0) if total > 0 else scores


def text_coverage(index: LexicalIndex, query: str, texts: Sequence[str]) -> np.ndarray:
    """Per text, the share of the query's term weight (IDF over the KB) that the text contains:
    which paragraph of a section says what was asked, at the cost of a few stems."""
    import numpy as np

    weights = {t: index.idf(t) for t in dict.fromkeys(index._terms(index.analyse_query(query).text))}
    total = sum(weights.values()) or 1.0
    have = [set(index._terms(text)) for text in texts]
    return np.array([sum(w for t, w in weights.items() if t in terms) / total for terms in have], dtype="float32")


def load_lexical(passages: Sequence[Passage], aliases: Mapping[str, Sequence[str]], summaries: Mapping[str, str],
                 translations: Mapping[str, str], folder: Path | None) -> LexicalIndex:
    """The lexical index for these passages, its analysis read from ``folder``'s cache when that
    was made from the same inputs, else derived and saved there (best effort: a read-only cache
    only costs the time to derive it again)."""
    digest = _analysis_digest(passages, aliases, summaries)
    analysed = _read_analysis(folder / CACHE_FILE, digest, len(passages)) if folder else None
    index = LexicalIndex(passages, aliases, summaries, translations, analysed=analysed)
    if folder and analysed is None:
        _write_analysis(folder / CACHE_FILE, digest, index.analysis)
    return index


def _analysis_digest(passages: Sequence[Passage], aliases: Mapping[str, Sequence[str]],
                     summaries: Mapping[str, str]) -> str:
    """SHA-256 of everything the analysis depends on, the analysing code and stemmer included."""
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    digest.update(str(_stemmer_version()).encode())
    inputs = [[[p.path, p.anchor, list(p.heading_path), p.text] for p in passages],
              {k: list(v) for k, v in aliases.items()}, dict(summaries)]
    digest.update(json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _read_analysis(path: Path, digest: str, count: int) -> Analysis | None:
    """The cached analysis if it is intact and made from these inputs, else None (derive it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("inputs") != digest:
            return None
        tokens, counts, domain = data["tokens"], data["word_counts"], data["domain_words"]
        if not (isinstance(tokens, list) and len(tokens) == count and isinstance(counts, dict)
                and isinstance(domain, list)):
            return None
        if not all(isinstance(row, list) and all(isinstance(t, str) for t in row) for row in tokens):
            return None
        if not all(isinstance(n, int) for n in counts.values()) or not all(isinstance(w, str) for w in domain):
            return None
    except (OSError, ValueError, KeyError):
        return None  # missing or damaged: derive it again
    return Analysis(tokens=tokens, word_counts=counts, domain_words=domain)


def _write_analysis(path: Path, digest: str, analysis: Analysis) -> None:
    from bot.files import atomic_write_text

    data = {"inputs": digest, "tokens": analysis.tokens, "word_counts": analysis.word_counts,
            "domain_words": analysis.domain_words}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    except OSError:
        pass  # a read-only or full cache: derived again next time, nothing else is lost


def _stemmer_version() -> str:
    import Stemmer  # see _stemmer

    return str(Stemmer.version()) if hasattr(Stemmer, "version") else "unknown"


def _stemmer():  # type: ignore[no-untyped-def]
    global _STEMMER
    if _STEMMER is None:
        import Stemmer  # PyStemmer (Snowball, in C): "biases" meets "bias", "trained" meets "training"

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


_STEMMER = None
