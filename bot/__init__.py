"""paramsbot: explain LLM parameters from a local Markdown knowledge base.

    from bot import Retriever
    retriever = Retriever.from_kb()
    hits = retriever.search("what is a bias", k=3)

Importing ``bot`` is cheap: the names below load their modules on first use (PEP 562), and
no module loads torch, transformers, sentence-transformers, FAISS or Textual at import time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Retriever": "bot.retriever",
    "Hit": "bot.retriever",
    "DocumentInfo": "bot.retriever",
    "Answer": "bot.answer",
    "answer_question": "bot.answer",
    "Encoder": "bot.encoder",
    "SentenceTransformerEncoder": "bot.encoder",
    "ParamsbotError": "bot.errors",
    "InputError": "bot.errors",
    "KnowledgeBaseError": "bot.errors",
    "CacheError": "bot.errors",
    "ModelError": "bot.errors",
    "DataError": "bot.errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from bot.answer import Answer, answer_question
    from bot.encoder import Encoder, SentenceTransformerEncoder
    from bot.errors import CacheError, DataError, InputError, KnowledgeBaseError, ModelError, ParamsbotError
    from bot.retriever import DocumentInfo, Hit, Retriever


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
