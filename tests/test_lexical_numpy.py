"""The numpy BM25 in bot.lexical scores exactly as bm25s does, without importing it on the query path."""

from __future__ import annotations

import numpy as np
import pytest

from bot.retriever import Retriever
from test_encoder import eval_questions


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("bm25-cache")


@pytest.fixture(scope="module")
def lexical(cache):
    return Retriever.from_kb(cache_dir=cache).lexical


def test_scores_equal_bm25s_on_every_eval_question(lexical):
    import bm25s

    reference = bm25s.BM25(k1=lexical.k1, b=lexical.b, method="lucene")
    reference.index(lexical._tokens, show_progress=False)
    questions = [*eval_questions(), "bias", "wieghts and baises", "KV cache", "nothing the kb says: zyxw", "偏置"]
    assert len(questions) >= 100
    compared = 0
    for question in questions:
        query = lexical.analyse_query(question)
        known = [t for t in query.terms if t in lexical._df]
        expected = reference.get_scores(known) if known else np.zeros(len(lexical.passages), dtype="float32")
        got = lexical.scores(query)
        assert got.dtype == np.float32
        assert np.array_equal(got, expected), question
        compared += bool(known)
    assert compared >= 100


def test_lexical_search_does_not_import_bm25s_or_scipy(lexical, cache):
    """With the index built (by the fixture), a search loads neither bm25s nor scipy."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    code = ("import sys\nfrom bot.retriever import Retriever\n"
            "r = Retriever.from_kb()\nassert not r.rebuilt\nr.search('what is a bias')\n"
            "print(sorted(m for m in ('bm25s', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(REPO), "PARAMSBOT_CACHE_DIR": str(cache)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
