"""BM25 over passages and aliases, typo correction, translations, and how the scores are fused.

Pure unit tests: small passages written here, no embedding model (the fused scores are checked on
arrays). The real model and FAISS run in tests/test_eval.py on the real knowledge base.
"""

from __future__ import annotations

import numpy as np
import pytest

from bot.corpus import Passage
from bot.lexical import LexicalIndex, Speller, content_words, load_translations, words
from bot.ranking import MethodSettings, Signals


def passage(path: str, title: str, heading: str, text: str, anchor: str | None = None) -> Passage:
    anchor = heading.lower().rstrip("?").replace(" ", "-") if anchor is None else anchor
    heading_path = (title, heading) if anchor else (title,)
    return Passage(id=f"{path}#{anchor or 'intro'}", path=path, title=title, heading_path=heading_path,
                   anchor=anchor, text=text)


PASSAGES = [
    passage("biases.md", "Biases", "Biases", "Biases are the second kind of parameter.", anchor=""),
    passage("biases.md", "Biases", "What is a bias?", "A bias is a learned number added to a neuron's weighted sum."),
    passage("biases.md", "Biases", "Why do we need biases?", "Without a bias every line passes through the origin."),
    passage("weights.md", "Weights", "What is a weight?", "A weight multiplies one input of a neuron."),
    passage("memory.md", "Memory and precision", "How much memory does a 7B model need?",
            "About 13.5 GB at 16 bits, plus room for the KV cache."),
    passage("memory.md", "Memory and precision", "What is the KV cache?",
            "The KV cache keeps the keys and values of earlier tokens."),
    passage("memory.md", "Memory and precision", "What is quantisation?", "Storing each weight in fewer bits."),
    passage("scaling.md", "Scaling laws", "What can scaling laws not tell you?", "Which skills a model will have."),
    passage("scaling.md", "Scaling laws", "What is a scaling law?", "A formula for loss against size and data."),
    passage("training.md", "Training", "What is backpropagation?", "It passes the error backwards through the network."),
    passage("sizes.md", "Model sizes", "How big is the KV cache for a 4,096-token context?", "About 2 GB."),
]
ALIASES = {
    "biases.md": ["bias", "bias term", "baises", "偏置"],
    "weights.md": ["weight", "wieghts"],
    "memory.md": ["vram", "kv cache", "quantization"],
    "training.md": ["backprop"],
}


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex(PASSAGES, aliases=ALIASES, summaries={}, translations={"权重": "weight", "量化": "quantisation"})


def best(index: LexicalIndex, query: str) -> str:
    return PASSAGES[int(np.argmax(index.coverage(index.analyse_query(query))))].id


# --- words -------------------------------------------------------------------------------------

def test_words_fold_case_numbers_and_contractions():
    assert words("What's GPT-2's 124,439,808?") == ["what", "s", "gpt", "2", "s", "124439808"]
    assert content_words("what can't scaling laws predict") == ["not", "scaling", "laws", "predict"]
    assert content_words("an LLM") == ["language", "model"]
    assert content_words("quantization and size") == ["quantisation", "size"]


# --- typo tolerance ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed, corrected", [
    ("wieghts", "weights"),  # swapped letters: one edit
    ("baises", "biases"),  # an alias, but corrected to the word the articles use
    ("backpropogation", "backpropagation"),  # two edits in a long word
    ("vocab", "vocabulary"),  # a clipped word takes the longer domain term
])
def test_speller_corrects_domain_misspellings(typed, corrected):
    speller = Speller(known={"weights", "biases", "backpropagation", "vocabulary", "make"},
                      targets={"weights": 5, "biases": 4, "backpropagation": 2, "vocabulary": 3})
    assert speller.correct(typed) == corrected


@pytest.mark.parametrize("word", ["bake", "make", "survey", "weights", "of", "fp16"])
def test_speller_leaves_short_known_unrelated_and_non_alphabetic_words_alone(word):
    speller = Speller(known={"weights", "make"}, targets={"weights": 5, "biases": 4})
    assert speller.correct(word) == word


def test_misspelt_query_finds_the_right_passage_and_feeds_the_dense_model_the_fix(index):
    query = index.analyse_query("wieghts")
    assert [(c.typed, c.corrected) for c in query.corrections] == [("wieghts", "weights")]
    assert query.text == "weights"
    assert best(index, "wieghts") == "weights.md#what-is-a-weight"
    assert best(index, "backprop") == "training.md#what-is-backpropagation"


# --- BM25 over aliases, headings and text ------------------------------------------------------

def test_aliases_go_to_the_first_section_and_to_the_section_they_name(index):
    assert best(index, "baises") == "biases.md#what-is-a-bias"
    assert best(index, "kv cache") == "memory.md#what-is-the-kv-cache"
    assert best(index, "vram") == "memory.md#how-much-memory-does-a-7b-model-need"


def test_heading_words_decide_between_sections(index):
    assert best(index, "what can't scaling laws predict") == "scaling.md#what-can-scaling-laws-not-tell-you"
    assert best(index, "kv cache for 4096 tokens") == "sizes.md#how-big-is-the-kv-cache-for-a-4,096-token-context"


def test_coverage_is_the_share_of_the_question_matched(index):
    full = index.coverage(index.analyse_query("what is a bias"))
    partial = index.coverage(index.analyse_query("bias in a survey sample"))
    assert 0 <= partial.max() < full.max() <= 1
    assert index.coverage(index.analyse_query("fluffy cake")).max() == 0


def test_translations_bring_english_terms_and_chinese_alone_is_not_read(index):
    query = index.analyse_query("权重是什么")
    assert query.latin and "weight" in query.text
    assert best(index, "量化是什么") == "memory.md#what-is-quantisation"
    unknown = index.analyse_query("今天天气怎么样")
    assert not unknown.latin and index.coverage(unknown).max() == 0


def test_translation_file_is_a_table_per_language(tmp_path):
    file = tmp_path / "translations.yaml"
    file.write_text("zh:\n  偏置: bias\n", encoding="utf-8")
    assert load_translations(file) == {"偏置": "bias"}
    assert load_translations(tmp_path / "missing.yaml") == {}


# --- fusion ------------------------------------------------------------------------------------

def signals(dense, heading, lexical, latin=True) -> Signals:
    arrays = [np.asarray(a, dtype="float32") for a in (dense, heading, lexical)]
    return Signals(dense=arrays[0], corrected_dense=arrays[0], heading=arrays[1], lexical=arrays[2], latin=latin)


def test_hybrid_ranks_by_a_weighted_blend_and_is_confident_by_another():
    s = signals(dense=[0.6, 0.5, 0.1], heading=[0.2, 0.9, 0.0], lexical=[0.1, 0.8, 0.0])
    settings = MethodSettings(threshold=0.5, lexical=0.4, heading=0.2, confidence_lexical=0.5)
    np.testing.assert_allclose(s.rank("hybrid", settings), [0.4 * 0.6 + 0.2 * 0.2 + 0.4 * 0.1,
                                                           0.4 * 0.5 + 0.2 * 0.9 + 0.4 * 0.8, 0.04], rtol=1e-6)
    np.testing.assert_allclose(s.confidence("hybrid", settings), [0.35, 0.65, 0.05], rtol=1e-6)
    assert s.question_confidence("hybrid", settings) == pytest.approx(0.65)


def test_lexical_evidence_lifts_the_passage_dense_alone_would_miss():
    s = signals(dense=[0.60, 0.55], heading=[0.5, 0.5], lexical=[0.0, 0.9])
    assert int(s.rank("dense", MethodSettings(threshold=0)).argmax()) == 0
    assert int(s.rank("hybrid", MethodSettings(threshold=0, lexical=0.3)).argmax()) == 1
    assert int(s.rank("bm25", MethodSettings(threshold=0, lexical=1.0)).argmax()) == 1


def test_a_question_nothing_can_read_is_scored_by_bm25_alone():
    s = signals(dense=[0.9, 0.8], heading=[0.9, 0.9], lexical=[0.0, 0.0], latin=False)
    settings = MethodSettings(threshold=0.3, lexical=0.3, heading=0.1, confidence_lexical=0.2)
    assert s.rank("hybrid", settings).max() == 0 and s.question_confidence("hybrid", settings) == 0


# --- the cached analysis -----------------------------------------------------------------------

def cached(folder, passages=PASSAGES, aliases=ALIASES):
    from bot.lexical import load_lexical

    return load_lexical(passages, aliases, {}, {"权重": "weight"}, folder)


def same_index(a: LexicalIndex, b: LexicalIndex) -> None:
    assert a._tokens == b._tokens and a._df == b._df
    assert a.speller.known == b.speller.known and a.speller.targets == b.speller.targets
    for query in ("what is a bias", "wieghts", "kv cache 4,096", "权重", "backprop"):
        assert np.array_equal(a.coverage(a.analyse_query(query)), b.coverage(b.analyse_query(query))), query


def test_the_analysis_is_saved_then_read_back_instead_of_derived(tmp_path, monkeypatch):
    from bot.lexical import CACHE_FILE

    first = cached(tmp_path)
    assert (tmp_path / CACHE_FILE).is_file()

    def derive(*args):
        raise AssertionError("derived although the cache holds it")

    monkeypatch.setattr(LexicalIndex, "analyse_passages", classmethod(derive))
    second = cached(tmp_path)
    monkeypatch.undo()
    same_index(first, second)
    same_index(first, LexicalIndex(PASSAGES, aliases=ALIASES, summaries={}, translations={"权重": "weight"}))


@pytest.mark.parametrize("change", ["text", "alias", "order"])
def test_a_cache_made_from_other_inputs_is_not_used(tmp_path, change):
    cached(tmp_path)
    passages, aliases = list(PASSAGES), dict(ALIASES)
    if change == "text":
        passages[3] = passage("weights.md", "Weights", "What is a weight?", "A weight scales a gradient descent input.")
    elif change == "alias":
        aliases["weights.md"] = ["weight", "synapse"]
    else:
        passages.reverse()
    fresh = LexicalIndex(passages, aliases=aliases, summaries={}, translations={"权重": "weight"})
    same_index(cached(tmp_path, passages, aliases), fresh)
    same_index(cached(tmp_path, passages, aliases), fresh)  # and the cache now holds the new inputs


@pytest.mark.parametrize("damage", ["{truncated", "[]", '{"inputs": "x"}', "\x00\x01binary"])
def test_a_damaged_cache_is_derived_again_and_replaced(tmp_path, damage):
    from bot.lexical import CACHE_FILE

    good = cached(tmp_path)
    (tmp_path / CACHE_FILE).write_text(damage)
    same_index(cached(tmp_path), good)
    assert (tmp_path / CACHE_FILE).read_text() != damage


def test_a_cache_with_the_right_digest_but_wrong_shape_is_not_used(tmp_path):
    import json

    from bot.lexical import CACHE_FILE

    good = cached(tmp_path)
    data = json.loads((tmp_path / CACHE_FILE).read_text())
    data["tokens"] = data["tokens"][:-1]  # one passage short
    (tmp_path / CACHE_FILE).write_text(json.dumps(data))
    same_index(cached(tmp_path), good)


def test_an_unwritable_cache_still_gives_the_index(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # a file where the folder should be stops root too
    same_index(cached(blocker / "index"), cached(None))
    assert blocker.read_text() == "x"


def test_a_broken_translations_file_is_a_one_line_data_error(tmp_path):
    from bot.errors import DataError
    from bot.lexical import load_translations

    bad = tmp_path / "translations.yaml"
    bad.write_text("zh: {a: [\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"not valid YAML \(line 2\)") as raised:
        load_translations(bad)
    assert "\n" not in str(raised.value)
