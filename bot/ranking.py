"""How the retrieval signals are combined, and the calibrated figures that say how.

Every method starts from per-passage :class:`Signals` (dense similarity to the passage, to its
heading alone, and BM25 coverage). A method's :class:`MethodSettings` turn them into a ranking
score (what is shown first) and a confidence (whether anything in the KB is on topic at all).
``explain eval --calibrate`` chooses the settings on the eval set's tuning part and writes them,
with the figures they were chosen from, to ``data/retrieval.json``; :class:`RetrievalSettings`
reads them back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from bot.errors import DataError
from bot.paths import data_dir

if TYPE_CHECKING:
    import numpy as np

Method = Literal["dense", "bm25", "hybrid"]
METHODS: tuple[Method, ...] = get_args(Method)
SETTINGS_FILE = "retrieval.json"

#: A question is answered when one of this many top-ranked passages is a confident match: the
#: ranking decides what is shown, the confidence whether anything in the KB is on topic.
CONFIDENCE_DEPTH = 10


@dataclass(frozen=True)
class MethodSettings:
    """One method's calibrated figures. Ranking and refusal are blended separately: a question's
    likeness to a heading orders the passages well, but near misses ("how do I train my dog")
    look like headings too, so refusal leans on the passage text and the matched terms instead.

    hybrid ranks by (1 - lexical - heading) * dense + heading * heading-dense + lexical * BM25,
    and is confident by the same blend with the confidence_ weights.
    """

    threshold: float  # below this confidence the best passage is not trusted to answer
    lexical: float = 0.0  # share of BM25 coverage in the ranking score
    heading: float = 0.0  # share of the question's similarity to the section heading alone
    confidence_lexical: float = 0.0  # share of BM25 coverage in the confidence
    confidence_heading: float = 0.0  # share of heading similarity in the confidence


@dataclass(frozen=True)
class RetrievalSettings:
    """What ``explain eval --calibrate`` chose on the eval set's tuning part (data/retrieval.json)."""

    method: Method
    methods: dict[str, MethodSettings]
    figures: dict[str, Any] = field(default_factory=dict)  # what the choice was made from

    def of(self, method: Method) -> MethodSettings:
        return self.methods[method]

    @classmethod
    def load(cls, path: Path | None = None) -> RetrievalSettings:
        path = path or data_dir() / SETTINGS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            methods = {m: MethodSettings(**data["methods"][m]) for m in METHODS}
            settings = cls(method=data["method"], methods=methods, figures=data.get("figures", {}))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DataError(
                f"retrieval settings unusable ({path}: {error}); run `explain eval --calibrate`"
            ) from None
        if settings.method not in METHODS:
            raise DataError(f"unknown retrieval method {settings.method!r} in {path}")
        return settings

    @classmethod
    def load_or_uncalibrated(cls) -> RetrievalSettings:
        """The saved settings, or dense retrieval with no threshold when there are none yet."""
        try:
            return cls.load()
        except DataError:
            return cls(method="dense", methods={m: MethodSettings(threshold=0.0) for m in METHODS})

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method,
                "methods": {m: vars(s) for m, s in self.methods.items()},
                "figures": self.figures}


@dataclass(frozen=True)
class Signals:
    """Per-passage scores for one query, in passage order, that the methods combine."""

    dense: np.ndarray | None  # cosine similarity to the question as typed
    corrected_dense: np.ndarray | None  # ... to the question with misspellings corrected
    heading: np.ndarray | None  # ... of the corrected question to each section's heading alone
    lexical: np.ndarray  # BM25 coverage (bot.lexical.LexicalIndex.coverage)
    latin: bool  # the question has words BM25 and the English embedding model can read

    def rank(self, method: Method, settings: MethodSettings) -> np.ndarray:
        """The scores passages are ordered by."""
        if method != "hybrid":
            return self.confidence(method, settings)
        return self._blend(settings.lexical, settings.heading)

    def question_confidence(self, method: Method, settings: MethodSettings) -> float:
        """The highest confidence among the CONFIDENCE_DEPTH top-ranked passages."""
        import numpy as np

        top = np.argsort(-self.rank(method, settings), kind="stable")[:CONFIDENCE_DEPTH]
        return float(self.confidence(method, settings)[top].max())

    def confidence(self, method: Method, settings: MethodSettings) -> np.ndarray:
        """Per passage, the score the no-answer threshold applies to."""
        if method == "bm25":
            return self.lexical
        if method == "dense":
            assert self.dense is not None, "dense scores were not computed"
            return self.dense
        return self._blend(settings.confidence_lexical, settings.confidence_heading)

    def _blend(self, lexical: float, heading: float) -> np.ndarray:
        if not self.latin:
            # Nothing an English model can read (Chinese with no term from data/translations.yaml):
            # the dense scores are noise and BM25 found nothing, so nothing is confidently relevant.
            return self.lexical
        assert self.corrected_dense is not None and self.heading is not None, "dense scores were not computed"
        return (1 - lexical - heading) * self.corrected_dense + heading * self.heading + lexical * self.lexical
