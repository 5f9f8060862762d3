"""Read a numeric question into slots: what is asked, about what, and with which numbers.

The reader is pure Python (a few regular expressions per slot, well under a millisecond) and knows
nothing about answers: ``chat.route`` decides what to compute from the slots, and every answer shows
them back ("taken as: ..."), so a misreading is visible instead of silent. Chinese terms are first
rewritten to the English words the slots look for ("显存" → "vram", "70亿" → "7b").
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from bot.calc.formats import Format, find_format
from bot.calc.preset_store import Preset, alias_table, get_preset, normalise_name

_ZH = [("参数量", " parameters "), ("参数", " parameters "), ("显存", " vram "), ("内存", " memory "),
       ("量化", " quantized "), ("隐藏层", " hidden layer "), ("偏置", " bias "), ("权重", " weights "),
       ("神经元", " neuron "), ("输入", " inputs "), ("输出", " outputs "), ("全连接层", " dense layer "),
       ("线性层", " linear layer "), ("嵌入", " embedding "), ("词表", " vocab "), ("维度", " dims "), ("注意力", " attention "),
       ("上下文", " context "), ("微调", " fine-tuning "), ("训练", " training "), ("推理", " inference "),
       ("显卡", " gpu "), ("卡", " gpus "), ("多少", " how many "), ("几张", " how many "), ("几个", " how many "),
       ("需要", " need "), ("占用", " takes "), ("占了", " takes "), ("用了", " used "), ("能不能", " can "), ("能否", " can "), ("可以", " can "), ("能", " can "),
       ("运行", " run "), ("跑", " run "), ("部署", " deploy "), ("够", " enough "), ("为什么", " why "),
       ("什么是", " what is "), ("多大", " how much "), ("模型", " model "), ("比特", "-bit "),
       ("位", "-bit "), ("总", " total "), ("大约", " about "), ("约", " about "), ("层", " layers "), ("不带", " without "), ("没有", " without "), ("无", " without "),
       ("带", " with "), ("有", " with "), ("个", " "), ("是否", " whether "), ("吗", "?"), ("呢", "?"),
       ("，", ", "), ("？", "?"), ("。", ". ")]

_ZH_DIGITS = {"一": "1", "二": "2", "两": "2", "双": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8",
              "九": "9", "十": "10"}

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "sixteen": 16, "twenty": 20, "half a": 0.5,
                 "a single": 1, "single": 1, "a": 1, "an": 1}
_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|sixteen|twenty)"
NUM = r"(\d+(?:\.\d+)?(?:e[+-]?\d+)?|" + _WORD + r"|half a)"
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
          "t": 1e12, "trillion": 1e12}
_BYTES = {"b": 1, "bytes": 1, "kb": 1e3, "kib": 2**10, "mb": 1e6, "mib": 2**20, "m": 1e6, "mbyte": 1e6,
          "gb": 1e9, "gib": 2**30, "g": 1e9, "gig": 1e9, "gigs": 1e9, "gbs": 1e9, "gigabytes": 1e9, "gigabyte": 1e9,
          "tb": 1e12, "tib": 2**40, "terabyte": 1e12, "terabytes": 1e12}

#: GPUs people name: memory in GB as sold (GiB on the card) and memory bandwidth in GB/s, from the
#: vendors' specification pages (the largest variant where several exist: A100 80 GB SXM, H100 SXM).
#: A number the question gives wins over this table.
GPUS: dict[str, tuple[float, float]] = {
    "1060": (6, 192), "1080 ti": (11, 484), "2080 ti": (11, 616), "3050": (8, 224), "3060": (12, 360),
    "3060 ti": (8, 448), "3070": (8, 448), "3080": (10, 760), "3090": (24, 936), "4060": (8, 272),
    "4060 ti": (16, 288), "4070": (12, 504), "4080": (16, 717), "4090": (24, 1008), "5090": (32, 1792),
    "t4": (16, 320), "v100": (32, 900), "a10": (24, 600), "l4": (24, 300), "a6000": (48, 768), "l40s": (48, 864),
    "a100": (80, 2039), "h100": (80, 3350), "h200": (141, 4800), "b200": (192, 8000), "mi300x": (192, 5300),
}

#: Peak dense bf16/fp16 tensor throughput in TFLOP/s of the training GPUs people name, from NVIDIA's
#: datasheets (A100: 312; H100 and H200 SXM: 989; V100: 125 fp16). Used for "how long would it take".
GPU_TFLOPS: dict[str, float] = {"v100": 125, "a100": 312, "h100": 989, "h200": 989}

ASKS = ("compare", "reverse", "lora", "training_memory", "training_flops", "speed", "inference_flops",
        "optimal_tokens", "kv_cache", "fit", "memory", "params", "max_size")


def num(word: str) -> float:
    """A number as written: "12", "1.5", "2e12", "seven", "half a"."""
    return float(word) if word[0].isdigit() else float(_WORD_NUMBERS[word])


@dataclass
class Slots:
    """What a numeric question holds. ``None`` means the question did not say."""

    text: str
    asks: str | None = None
    part: str | None = None                 # neuron, linear, layers, embedding, head, attention, ffn, norm, ...
    presets: list[Preset] = field(default_factory=list)
    params: float | None = None             # a count the user gives ("13B", "one trillion parameters")
    params2: float | None = None            # a second count (comparisons, before/after)
    active: float | None = None             # "37B active"
    widths: tuple[int, ...] | None = None   # a layer list or in -> out
    repeat: int = 1                         # "four 768x768 projections"
    dims: dict[str, int] = field(default_factory=dict)
    bias: bool | None = None
    gated: bool | None = None
    tied: bool | None = None
    norm: str | None = None
    fmt: Format | None = None
    context: int | None = None
    batch: int | None = None
    memory: float | None = None             # bytes available (all GPUs together)
    memory_text: str | None = None
    gpus: int | None = None
    tokens: float | None = None             # training tokens or tokens to generate
    file_bytes: float | None = None
    bandwidth: float | None = None          # bytes per second
    flops_rate: float | None = None         # FLOP/s
    flops_rate_peak: str = ""               # the named GPUs whose datasheet peak the rate is ("" = the user's)
    overhead: float | None = None           # bytes of runtime overhead the user states
    method: str | None = None               # full, lora, qlora (training memory)
    optimizer: str | None = None            # adam, adam8bit, sgd
    rank: int | None = None
    conv: tuple[int, int, tuple[int, ...]] | None = None  # a convolution's in and out channels and kernel
    count_gpus: bool = False                # "how many GPUs"
    layer_params: tuple[int, ...] | None = None   # "layers with 514, 9 and 16 parameters" (reverse dense)
    targets: tuple[str, ...] | None = None        # LoRA's adapted matrices: q, k, v, o, gate, up, down
    blocks: int | None = None               # "one layer of", "the top 2 layers": that many of a model's blocks
    taken: list[str] = field(default_factory=list)

    @property
    def preset(self) -> Preset | None:
        return self.presets[0] if self.presets else None


def normalise(question: str) -> str:
    """Lower case, Chinese terms in English, "32,000" → "32000", "×" → "x", one space between words."""
    text = question.lower().replace("×", " x ").replace("’", "'").replace("→", " -> ").replace("–", "-")
    text = re.sub(r"(\d+(?:\.\d+)?)\s*亿", lambda m: f" {float(m.group(1)) / 10:g}b ", text)
    text = re.sub(r"(\d+(?:\.\d+)?)\s*万", lambda m: f" {float(m.group(1)) * 1e4:g} ", text)
    # "是fp8训练的" describes the model ("was trained in fp8"); "训练的时候" is still about training
    text = re.sub(r"(?:是|用|以|采用)\s*([a-z0-9][a-z0-9\-]{1,9})\s*训练的(?!时)", r" trained in \1 ", text)
    # sized ends of a layer: "768维输入、3072维输出", "输入768维" -> "768 inputs, 3072 outputs"
    text = re.sub(r"(\d+)\s*维\s*的?\s*(输入|输出)|(输入|输出)\s*(?:为|是)?\s*(\d+)\s*维",
                  lambda m: f" {m.group(1) or m.group(4)} {'inputs' if (m.group(2) or m.group(3)) == '输入' else 'outputs'} ",
                  text)
    # counted cards: "两张A100", "4张3090", "双卡", "8卡" -> "2 a100", "4 3090", "2 gpus", "8 gpus"
    text = re.sub(r"([一二两双三四五六七八九十]|\d+)\s*(张|块|台|卡)",
                  lambda m: f" {_ZH_DIGITS.get(m.group(1), m.group(1))}" + (" gpus " if m.group(2) == "卡" else " "), text)
    for zh, en in _ZH:
        text = text.replace(zh, en)
    text = unicodedata.normalize("NFKC", text).lower()      # full-width digits and letters: "８ＧＢ" → "8gb"
    text = re.sub(r"(?<=[\u3000-\u9fff])(?=[a-z0-9])|(?<=[a-z0-9])(?=[\u3000-\u9fff])", " ", text)
    text = re.sub(r"(?<=\d),(\d{1,2})(?=\s*(?:gib|gb|mib|mb|tib|tb|kib|kb)\b)", r".\1", text)  # "66,86 gib"
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    text = re.sub(r"(?<=\d)x(?=\d)", " x ", text)                   # "3x24 gb", "128x64"
    text = re.sub(r"(?<=\d)_(?=\d{3})", "", text)
    text = re.sub(r"\b(" + _WORD + r"|\d+)[.!]+\s+(thousand|million|billion|trillion)\b", r"\1 \2", text)
    return " ".join(text.split())


# --- slots ------------------------------------------------------------------------------------------

def _alias_pattern(alias: str) -> str:
    """An alias as typed: any of space, "-" or "_" between its words, "llama2" or "7 b" run together or not."""
    pieces = [re.escape(p) for p in re.split(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])| ", alias) if p]
    return r"(?<![a-z0-9.])" + r"[\s\-_]*".join(pieces) + r"(?![a-z0-9])"


@lru_cache(maxsize=1)
def _alias_regexes() -> list[tuple[re.Pattern[str], str]]:
    """alias_table() compiled once: hundreds of aliases would overflow re's own pattern cache."""
    return [(re.compile(r"(?<![a-z0-9.])" + re.escape(alias) + r"(?![a-z0-9])"), name) for alias, name in alias_table()]


def _presets(text: str) -> tuple[list[Preset], str]:
    """Named models in order of mention, longest alias first ("gpt 2 xl" before "gpt 2"), and the text
    with their names blanked, so the "7b" of "llama 2 7b" is not read again as a size."""
    norm = " " + re.sub(r"[,;:()\"'`?!]", " ", normalise_name(text)) + " "
    norm = re.sub(r"\s+", " ", norm)
    found: list[tuple[int, Preset]] = []
    taken: list[tuple[int, int]] = []
    sizes: list[str] = []
    for pattern, name in _alias_regexes():
        for m in pattern.finditer(norm):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            named = [name]
            if not _SIZE.search(m.group()):  # "Llama 3.1 ... the 70B model": the family's 70B, not its default
                stated = [(size, sibling) for size in _SIZE.findall(norm)
                          if (sibling := _sibling(m.group(), size)) not in (None, name)]
                named = [sibling for _, sibling in stated] or named
                sizes += [size for size, _ in stated]
            for preset in map(get_preset, named):
                if all(p.name != preset.name for _, p in found):
                    found.append((m.start(), preset))
    rest = text
    for size in sizes:  # read as part of the name, not again as a parameter count
        rest = re.sub(r"(?<![a-z0-9.])" + re.escape(size[:-1]) + r"\s*" + size[-1] + r"(?![a-z0-9])", " ", rest,
                      flags=re.I)
    for preset in (p for _, p in found):
        for alias in sorted({preset.name, *preset.aliases}, key=len, reverse=True):
            rest = re.sub(_alias_pattern(normalise_name(alias)), " ", rest)
    return [p for _, p in sorted(found, key=lambda pair: pair[0])], rest


#: A size in a model's name: "70b", "0.5b", "125m", "8x22b".
_SIZE = re.compile(r"(?<![a-z0-9.])\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)?[bm](?![a-z0-9])")


def _sibling(family: str, size: str) -> str | None:
    """The preset a family name with a size stated elsewhere means ("gemma 3" and "12b": Gemma 3 12B)."""
    return _alias_names().get(f"{family.strip()} {size}")


@lru_cache(maxsize=1)
def _alias_names() -> dict[str, str]:
    return dict(alias_table())


_COUNT = re.compile(r"(?<![a-z0-9.])" + NUM + r"\s*(k|thousand|mn?|million|bn?|billion|t|trillion)(?![a-z0-9/])"
                    r"(?![\s-]*(?:long[\s-]+)?(?:tokens?|bytes|gb|flops?|words|examples|samples|steps|iterations|context|ctx|vocab\w*|positions?|"
                    r"b/s|per second))(?:[- ]?(?:active|activated))?")


def _counts(text: str) -> list[tuple[float, bool, int]]:
    """Parameter counts: "7b", "13 billion", "one trillion", "125m-parameter", "37b active" → (n, active, pos)."""
    out = []
    for m in _COUNT.finditer(text):
        value = num(m.group(1)) * _SCALE[m.group(2)]
        after = text[m.end():m.end() + 30]
        if m.group(2) in ("k", "thousand") and not re.match(r"[\s-]*(?:trainable\s+)?(?:param|weight)", after):
            continue                    # "an i5 13600k", "32k": a parameter count in thousands says so
        before = text[max(0, m.start() - 40):m.start()]
        active = "activ" in m.group(0) or bool(re.match(r"\s*(?:active|activated)\b", after)) or \
            bool(re.search(r"\b(?:active|activated)\b[\w\s]{0,25}$", before))
        out.append((value, active, m.start()))
    for m in re.finditer(r"(?<![\w.])(\d+(?:\.\d+)?e[+-]?\d+|\d{5,})[\s-]*(?:param(?:eter)?s?|weights)\b", text):
        out.append((float(m.group(1)), False, m.start()))
    for m in re.finditer(r"\bparam(?:eter)?s?(?: count)?(?: of| is| are|:|=)?\s*(?:about |roughly |~)?"
                         r"(\d{5,}|\d+(?:\.\d+)?e[+-]?\d+)\b", text):
        out.append((float(m.group(1)), False, m.start()))
    scaled = any(_COUNT.finditer(text))
    if re.search(r"\bparam", text) and not scaled:   # "went from 6738415616 to 6742609920 parameters"
        out += [(float(m.group(1)), False, m.start())     # a count may end a sentence: "... is 124439808."
                for m in re.finditer(r"(?<![\w.,])(\d{6,})(?![\w,]|\.\d)", text)]
    unique = {value: (value, active, pos) for value, active, pos in sorted(out, key=lambda item: -item[2])}
    return sorted(unique.values(), key=lambda item: item[2])


def _bytes(text: str) -> list[tuple[float, str, int, int]]:
    """Sizes in bytes: "24 gb", "8gb", "700g", "21 mb", "half a terabyte" → (bytes, as written, start, end)."""
    out = []
    for m in re.finditer(r"(?<![\w.])" + NUM + r"\s*(bytes|kib|kb|mib|mb|mbyte|gib|gb|gbs|gigs?|gigabytes?|g|"
                         r"tib|tb|terabytes?)(?![\w/])(?!\s*/\s*s)(?!\s*per\s+sec)", text):
        if m.group(2) in ("g", "m") and re.match(r"\s*(?:ddr|lte|5g|network)", text[m.end():]):
            continue
        value = num(m.group(1)) * _BYTES[m.group(2)]
        unit = {"gib": "GiB", "tib": "TiB", "tb": "TB", "terabyte": "TB", "terabytes": "TB", "mb": "MB", "mib": "MiB",
                "kb": "KB", "kib": "KiB", "bytes": "bytes", "mbyte": "MB"}.get(m.group(2), "GB")
        shown = m.group(1) if m.group(1)[0].isdigit() else f"{num(m.group(1)):g}"
        out.append((value, f"{shown} {unit}", m.start(), m.end()))
    return out


#: A runtime's context-length setting with its value: ollama's num_ctx, llama.cpp's n_ctx and --ctx-size,
#: vLLM's max_model_len, a config's max_seq_len or seq_length ("set num_ctx to 128000", "n_ctx=4096").
_CONTEXT_SETTING = (r"(?:\b(?:num_ctx|n_ctx|ctx[_-]size|max_model_len|max_seq_len(?:gth)?|seq_length|context_length|"
                    r"max_sequence_length)|--ctx-size|--context-length)\b[\s\"':=]*(?:to|of|at|is)?\s*(\d+(?:\.\d+)?)\s*(k)?\b")


def _context(text: str) -> int | None:
    """Context length: "8k context", "128k tokens", "a context of 32768", "4096-token prompt". k = 1,024."""
    for pattern in (r"(?<![\w.])(\d+(?:\.\d+)?)\s*(k)?[- ]?(?:long[- ])?(?:tokens?\s+(?:of\s+)?)?(?:context|ctx|sequence length|"
                    r"seq(?:uence)? len|prompt)\b",
                    r"\b(?:context|ctx|sequence length|seq len)(?: length| window| size)?(?: of| =|:)?\s*(\d+(?:\.\d+)?)"
                    r"\s*(k)?\b",
                    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(k)?[- ]tokens?\b(?! per)(?!\s*(?:/|a)\s*s)(?!\s*vocab)",
                    _CONTEXT_SETTING):
        m = re.search(pattern, text)
        if m:
            value = float(m.group(1)) * (1024 if m.group(2) else 1)
            if value.is_integer() and 0 < value < 1e9:
                return int(value)
    return None


def _batch(text: str) -> int | None:
    m = re.search(r"\bbatch(?: size)?(?: of| =|:)?\s*(\d+)\b", text) or \
        re.search(r"\b(\d+)\s+(?:sequences|concurrent users|users|requests|prompts) at once\b", text) or \
        re.search(r"\b(\d+)\s+(?:concurrent|parallel) (?:users|requests|sequences)\b", text)
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 10**7 else None


def _tokens(text: str) -> float | None:
    """Training (or generated) tokens: "2t tokens", "on 1.4 trillion tokens", "14.8e12", "d = 300b"."""
    m = re.search(r"\btotal (?:training )?tokens?\s*(?:of|=|:|is|are)?\s*(?:about|around|roughly|~|≈)?\s*" + NUM +
                  r"\s*(k|thousand|m|million|b|bn|billion|t|trillion)\b", text) or \
        re.search(NUM + r"\s*(k|thousand|m|million|b|bn|billion|t|trillion)\s+tokens? in total\b", text)
    if m:                                   # "9B tokens of code ... total tokens about 11B": the total
        return num(m.group(1)) * _SCALE[m.group(2)]
    m = re.search(NUM + r"\s*(k|thousand|m|million|b|bn|billion|t|trillion)?\s+(?:training\s+|of\s+)?tokens?\b", text)
    if m and (m.group(2) or float(num(m.group(1))) >= 1e6 or "generat" in text):
        return num(m.group(1)) * _SCALE.get(m.group(2) or "", 1)
    m = re.search(r"\b(?:trained on|train(?:ing)? on|for|on|d\s*=)\s*" + NUM + r"\s*(k|m|b|bn|t|trillion|billion)\b", text)
    if m and re.search(r"\btrain|\bflops?\b|\bcompute\b|\bnd\b", text) and \
            not re.search(r"\b(?:q?lora|adapters?|models?)\s+$", text[:m.start()]):  # "a LoRA for 13b": a model
        return num(m.group(1)) * _SCALE[m.group(2)]
    big = [float(x) for x in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?e\+?(?:1[0-5]|9))\b", text)]
    if len(big) >= 2 and re.search(r"\bflops?\b|\bnd\b", text):
        return max(big)
    return None


def _rate(text: str, units: dict[str, float], suffix: str) -> float | None:
    m = re.search(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(" + "|".join(units) + r")" + suffix, text)
    return float(m.group(1)) * units[m.group(2)] if m else None


def _bias(text: str) -> bool | None:
    if re.search(r"\b(?:without|no|w/o|ignoring|excluding|minus|zero)\s+(?:any\s+|the\s+)?bias(?:es| terms?)?\b|"
                 r"\bbias(?:es)?\s*(?:=|:)\s*(?:false|no|0|off|none)\b|\bbias(?:es)?\s+(?:turned\s+|switched\s+|set\s+)?"
                 r"(?:off|disabled|removed)\b|\bbias[- ]free\b|\bweights only\b|\bonly (?:the )?weights\b|"
                 r"\buse_bias\s*=\s*false\b", text):
        return False
    if re.search(r"\b(?:with|plus|including|and|has|have|each with)\s+(?:a\s+|one\s+|the\s+)?bias(?:es)?\b|"
                 r"\bbias(?:es)?\s*(?:=|:)\s*(?:true|yes|on)\b|\bbias(?:es)?\s+(?:on|included|enabled)\b", text):
        return True
    return None


def _dims(text: str) -> dict[str, int]:
    """Named dimensions: hidden size, vocabulary, layers, heads, KV heads, FFN width, rank, inputs, features."""
    patterns = {
        "d": [r"\bembedding\s*\(\s*(?:num_embeddings\s*=\s*)?\d+\s*,\s*(?:embedding_dim\s*=\s*)?(\d+)",
              r"\b(?:d_?model|hidden(?:[_ ]size| dim(?:ension)?s?| width)?|embedding (?:dim(?:ension)?s?|size)|"
              r"model dim(?:ension)?|dim(?:ension)?s?|width|n_embd|d)\s*(?:of|=|:|is)?\s*(\d+)\b",
              r"\b(\d+)[- ]?(?:dim(?:ension)?s?|dimensional|d)\b(?! ?(?:tokens|vocab))",
              r"\b(\d+)\s+hidden\b(?!\s+(?:layers?|neurons|units|nodes))",
              r"\b(?:over|across)\s+(?:a\s+)?(\d+)(?:[- ](?:channels|features|dims?|dimensions|wide))?\b"],
        "vocab": [r"\bembedding\s*\(\s*(?:num_embeddings\s*=\s*)?(\d+)\s*,()",  # nn.Embedding(50257, 768)
                  r"\bvocab(?:ulary)?(?:[_ ]size)?\s*(?:of|=|:|is)?\s*(\d+)\s*(k)?\b",
                  r"\b(\d+)\s*(k)?[- ](?:token|word|entry|entries)?\s*vocab(?:ulary)?\b",
                  r"\b(\d+)\s*(k)?\s+(?:tokens|words|entries)\b"],
        "layers": [r"\b(\d+)\s+(?:transformer\s+|decoder\s+|encoder\s+)?(?:layers|blocks)\b",
                   r"\b(\d+)-(?:layer|block)\b",
                   r"\b(?:n_layers?|num_hidden_layers|layers|depth)\s*(?:of|=|:)?\s*(\d+)\b"],
        "heads": [r"\b(\d+)\s+(?:attention\s+|query\s+|q\s+)?heads\b",
                  r"\b(?:n_heads?|num_attention_heads|heads)\s*(?:=|:)\s*(\d+)\b"],
        "head_dim": [r"\b(?:head_dim|head[_ ]size|head dim(?:ension)?|dim(?:ension)? per head)\s*(?:of|=|:|is)?\s*(\d+)\b",
                     r"\bheads? of (?:size |dimension |width )?(\d+)\b", r"\b(\d+)[- ]?(?:dim(?:ensional)?|d) heads\b"],
        "kv_heads": [r"\b(\d+)\s+(?:kv|key[- ]value|k/v)\s+heads\b", r"\b(?:n_kv_heads|num_key_value_heads|kv heads)\s*"
                                                                    r"(?:=|:)?\s*(\d+)\b"],
        "ffn": [r"\b(?:ffn|mlp|intermediate|feed[- ]?forward|d_ff|inner)(?:[_ ](?:size|dim|width))?\s*"
                r"(?:of|=|:|is)?\s*(\d+)\b(?!\s*(?:layers|heads))", r"\b(\d+)\s+(?:ffn|intermediate|inner)\b"],
        "rank": [r"\b(?:rank|r)\s*(?:of|=|:)?\s*(\d+)\b", r"\b(\d+)[- ]?rank\b"],
        "inputs": [r"\b(?:input_)?shape\s*=\s*[(\[]?\s*(\d+)\b",
                   r"\b(\d+)\s+(?:inputs?|input features|input neurons|input units|features)\b",
                   r"\b(?:in_features|input(?:_| )?(?:size|dim|shape)|inputs?)\s*(?:of|=|:|\(|is)?\s*\(?(\d+)\b"],
        "outputs": [r"\b(\d+)\s+(?:outputs?|output units|output neurons|units|neurons|classes)\b",
                    r"\b(?:out_features|units|output(?:_| )?(?:size|dim))\s*(?:of|=|:|is)?\s*(\d+)\b"],
        "hidden_units": [r"\b(?:hidden(?:[_ ]size)?|units|hidden units)\s*(?:of|=|:)?\s*(\d+)\b",
                         r"\b(\d+)\s+(?:hidden\s+)?(?:units|cells|hidden)\b"],
    }
    out: dict[str, int] = {}
    for name, options in patterns.items():
        for pattern in options:
            m = re.search(pattern, text)
            if m:
                value = float(m.group(1)) * (1000 if len(m.groups()) > 1 and m.group(2) else 1)
                if value.is_integer() and 0 < value < 1e8:
                    out[name] = int(value)
                break
    return out


_CONV_WORDS = r"\bconv(?:olution(?:al)?)?(?:[123]d)?\b|\bcnn\b|\bfilters?\b|\bkernel(?:s|_size)?\b"
_PART_WORDS: list[tuple[str, str]] = [
    ("lora", r"\blora\b"),
    ("conv", _CONV_WORDS),
    ("lstm", r"\blstm\b"), ("gru", r"\bgru\b"),
    ("regression", r"\b(?:linear|logistic) regression\b"),
    ("line", r"\by\s*=\s*[amw]\s*\*?\s*x\s*\+\s*[bc]\b|\bstraight line\b"),
    ("block", r"\b(?:one|a|single|each|per|every)\s+(?:transformer\s+|decoder\s+)?(?:block|layer)\b(?=.*\b(?:d_?model|"
              r"hidden|heads|dim|d\s*=))|\btransformer (?:block|layer)\b"),
    ("attention", r"\battention\b(?: block| layer| module| weights)?|\bself-attention\b|\bmha\b|\bgqa\b"),
    ("ffn", r"\b(?:ffn|feed[- ]?forward|mlp block|swiglu|geglu|gated mlp)\b"),
    ("norm", r"\b(?:layer ?norm|rms ?norm|layernorm|rmsnorm|normali[sz]ation layer)\b"),
    ("head", r"\b(?:lm[_ ]head|output head|unembedding|output (?:layer|projection)) (?!of)"),
    ("embedding", r"\bembeddings?\b(?: table| matrix| layer)?|\bvocab\b.*\bdim"),
    ("neuron", r"\b(?:a|one|single|each)\s+(?:single\s+)?(?:neuron|perceptron|unit)\b"),
    ("linear", r"\b(?:linear|dense|fully[- ]connected|fc|projection|nn\.linear|matrix|matrices|projections)\b"),
]


def conv_shape(text: str) -> tuple[int, int, tuple[int, ...]] | None:
    """A convolution's input channels, output channels (filters) and kernel size, from the words or the
    constructor: "64 filters of 3 x 3 on 32 input channels", "nn.Conv2d(3, 64, kernel_size=3)",
    "Conv2D(32, (3, 3), input_shape=(28, 28, 1))". None when one of them is not said."""
    named = re.search(r"\bconv(?:olution(?:al)?)?\s*([13])d\b", text)
    dims = int(named.group(1)) if named else 2
    m = re.search(r"\bconv[123]d\s*\(\s*(?:in_channels\s*=\s*)?(\d+)\s*,\s*(?:out_channels\s*=\s*)?(\d+)\s*,\s*"
                  r"(?:kernel_size\s*=\s*)?\(?\s*(\d+)(?:\s*,\s*(\d+))?", text)
    if m:  # PyTorch: in, out, kernel
        k = int(m.group(3))
        return int(m.group(1)), int(m.group(2)), (k, int(m.group(4))) if m.group(4) else (k,) * dims
    cin = cout = None
    kernel: tuple[int, ...] | None = None
    m = re.search(r"\bconv[123]d\s*\(\s*(?:filters\s*=\s*)?(\d+)\s*,\s*(?:kernel_size\s*=\s*)?\(?\s*(\d+)"
                  r"(?:\s*,\s*(\d+))?", text)
    if m:  # Keras: filters, kernel; the channels come from input_shape
        cout, k = int(m.group(1)), int(m.group(2))
        kernel = (k, int(m.group(3))) if m.group(3) else (k,) * dims
        shape = re.search(r"\binput_shape\s*=\s*\(\s*(?:\d+\s*,\s*)*(\d+)\s*,?\s*\)", text)
        cin = int(shape.group(1)) if shape else None
    if kernel is None:
        m = re.search(r"\b(\d+)\s*(?:x|by|\*)\s*(\d+)(?:\s*(?:x|by|\*)\s*(\d+))?(?=[^\d]{0,25}\b(?:kernels?|filters?|"
                      r"conv\w*|window)\b)|\b(?:kernels?|filters?|kernel size|kernel_size)\s*(?:of|=|:|is|size)?\s*"
                      r"(?:size\s*)?\(?(\d+)\s*(?:x|by|\*|,)\s*(\d+)", text)
        if m:
            kernel = tuple(int(g) for g in (m.group(1), m.group(2), m.group(3)) if g) if m.group(1) else \
                (int(m.group(4)), int(m.group(5)))
    if cin is None and cout is None:   # "64 in, 128 out", "64 input and 128 output channels"
        m = re.search(r"\b(\d+)\s+in(?:put)?(?:\s+channels?)?\s*(?:,|and|->|to)?\s*(\d+)\s+out(?:put)?\b", text)
        if m:
            cin, cout = int(m.group(1)), int(m.group(2))
    if cout is None:
        m = re.search(r"\b(\d+)\s+(?:\w+\s+)?(?:filters|kernels|output channels|feature maps|out channels)\b|"
                      r"\bout_channels\s*=\s*(\d+)", text)
        cout = int(m.group(1) or m.group(2)) if m else None
    if cin is None:
        m = re.search(r"\b(\d+)\s+(?:input\s+|in\s+)?channels?\b(?!\s*(?:out|output))|\bin_channels\s*=\s*(\d+)|"
                      r"\b(?:input|image)s?\s+(?:with|of|has|have)\s+(\d+)\s+channels?\b", text)
        cin = int(next(g for g in m.groups() if g)) if m else (3 if re.search(r"\brgb\b", text) else None)
    if cin is None or cout is None or kernel is None:
        return None
    return cin, cout, kernel


def _part(text: str, widths: tuple[int, ...] | None, dims: dict[str, int], conv: bool = False) -> str | None:
    for name, pattern in _PART_WORDS:
        if re.search(pattern, text):
            if name == "conv" and not conv:
                continue  # "conv-free", a CNN in general, a CUDA kernel: not a convolution to count
            if name in ("linear", "ffn") and widths is not None and len(widths) > 2:
                return "layers"
            if name == "embedding" and re.search(r"\bhead\b|\bunembedding\b|\btied\b|\buntied\b|\btie\b", text):
                return "embedding_head"
            return name
    if widths is not None and (len(widths) > 2 or re.search(
            r"\b(?:network|net|mlp|nn|neurons?|units?|nodes?|layers?|inputs?|outputs?|weights?|param\w*)\b", text)):
        return "layers" if len(widths) > 2 else "linear"   # a bare "3-5" is a range, not a layer
    if "inputs" in dims and re.search(r"\bneuron\b|\bperceptron\b", text):
        return "neuron"
    return None


def _widths(text: str) -> tuple[tuple[int, ...] | None, int]:
    """A layer list: "784-128-10", "784 -> 128 -> 10", "[10, 20, 5]", "1024 x 4096", "from 1024 to 4096"."""
    repeat = 1
    times = re.compile(r"\b" + NUM + r"\s+(?:[a-z.]+\s+){0,2}(\d+)\s*x\s*(\d+)\b")
    m = times.search(text)
    while m and (re.search(r"\b(?:rank|r\s*=?)\s*$", text[:m.start()]) or not num(m.group(1)).is_integer()):
        m = times.search(text, m.start() + 1)
    if m and num(m.group(1)) > 1:
        repeat = int(num(m.group(1)))
    m = re.search(r"(?<![a-z\d.,])(\d+(?:\s*(?:-|->|x|,)\s*\d+)+)(?![a-z\d.])"
                  r"(?!\s*(?:gb|gib|g|tb|mb|b|bn|bit|k|m|t|tokens?)\b)(?!\s*=\s*\d)", text)  # not "151936 - 151851 = 85"
    if m and not re.fullmatch(r"\d+(?:\s*,\s*\d+)+", m.group(1).strip()):
        widths = tuple(int(n) for n in re.findall(r"\d+", m.group(1)))
        if len(widths) >= 2 and not re.search(r"\d\s*-\s*\d+\s*(?:gb|b\b|bit)", m.group(0)):
            return widths, repeat
    m = re.search(r"(?:layers?|layer sizes|widths|sizes|shape|units|neurons)\s*(?:of|:|=|are|is)?\s*[\[(]?"
                  r"(\d+(?:\s*,\s*(?:and\s+)?\d+)+)", text)
    if m:
        return tuple(int(n) for n in re.findall(r"\d+", m.group(1))), repeat
    worded = _worded_layers(text)
    if worded is not None and len(worded) > 2:
        return worded, repeat
    m = re.search(r"\bfrom\s+(\d+)\s+(?:inputs?\s+|features\s+|dims?\s+)?to\s+(\d+)\b", text) or \
        re.search(r"\blinear\s*\(\s*(?:in_features\s*=\s*)?(\d+)\s*,\s*(?:out_features\s*=\s*)?(\d+)\b", text) or \
        re.search(r"\bin_features\s*=\s*(\d+)\s*,\s*out_features\s*=\s*(\d+)", text) or \
        re.search(r"\b(\d+)\s+inputs?\s+(?:and|,)?\s*(\d+)\s+outputs?\b", text)
    if m:
        return (int(m.group(1)), int(m.group(2))), repeat
    return _worded_layers(text), repeat


_UNITS = r"(?:neurons?|units?|nodes?|perceptrons?|cells?)"
_INPUT_WORDS = r"(?:input[- ]?(?:features?|attributes?|variables?|pixels?|values?|neurons?|units?|nodes?|dimensions?|s)?|" \
    r"features?|attributes?|pixels?|predictors?|variables?|covariates?)"
_OUTPUT_WORDS = r"(?:output[- ]?(?:classes|neurons?|units?|nodes?|labels?|categories|values?|s)?|classes|categories|labels|" \
    r"targets)"


_SOME_BLOCKS = re.compile(
    r"\b(?:(?:last|top|final|first|bottom|upper|lower|remov\w*|drop\w*|prun\w*|delet\w*|cut\w*|skip\w*|"
    r"freez\w*|unfreez\w*|train\w*)\s*(?:the\s+)?(?:last\s+|top\s+|first\s+)?(\d+|" + "|".join(_WORD_NUMBERS) + r")|"
    r"(one|a single|single|each|every|per|a))\s+(?:transformer\s+|decoder\s+|encoder\s+|hidden\s+)?"
    r"(?:layers?|blocks?)\b(?!\s*(?:norm|sizes?|widths?))")


def _blocks(text: str) -> int | None:
    """How many of a model's repeated blocks are asked about: "one layer of Llama 2 7B", "parameters per
    layer", "fine-tuning the top 2 layers" (a named model's layer count changed is "with 2 layers")."""
    m = _SOME_BLOCKS.search(text)
    if m is None:
        return None
    if m.group(1):
        return int(num(m.group(1)))
    return 1


def _worded_layers(text: str) -> tuple[int, ...] | None:
    """A network described in words, in any order: "3 inputs, 5 hidden, 2 outputs", "2 hidden layers of 16
    neurons", "N input features ... into K classes ... two layers of 100 units each", "8 inputs and a single output"."""
    inputs = re.search(r"(?<![\w.])" + NUM + r"\s+(?:[a-z]+\s+)?" + _INPUT_WORDS + r"\b", text) or \
        re.search(r"\binput (?:layer )?(?:of|with|has|size(?: of)?)\s+" + NUM + r"\b", text) or \
        re.search(r"\b(\d+)[- ]dimensional (?:input|feature)", text)
    outputs = re.search(r"(?<![\w.])" + NUM + r"\s+(?:possible\s+|different\s+|distinct\s+)?" + _OUTPUT_WORDS + r"\b",
                        text) or \
        re.search(r"\boutput (?:layer )?(?:of|with|has)\s+" + NUM + r"\b", text) or \
        re.search(r"\b(?:into|between|among) " + NUM + r"\s+(?:\w+\s+)?(?:classes|categories|labels|groups|types|kinds)\b",
                  text)
    if inputs and outputs and inputs.start() == outputs.start():
        return None
    if not (inputs and outputs):
        return None
    hidden: list[int] = []
    each = r"\s+(?:of|with|each with|each of|having|containing)\s+" + NUM + r"\s*(?:hidden\s+)?(?:" + _UNITS + r")?"
    hm = re.search(NUM + r"\s+(?:hidden\s+|fully[- ]connected\s+|dense\s+|intermediate\s+)?layers?" + each, text) or \
        re.search(NUM + r"\s+hidden\s+layers?,?\s+(?:each\s+)?(?:of|with)\s+" + NUM, text)
    if hm and num(hm.group(1)).is_integer() and num(hm.group(2)).is_integer() and num(hm.group(2)) > 1:
        hidden = [int(num(hm.group(2)))] * int(num(hm.group(1)))
    else:
        hm = re.search(r"hidden\s+layers?\s+(?:of|with)\s+(\d+(?:\s*(?:,|and)\s*\d+)+)", text)
        if hm:
            hidden = [int(n) for n in re.findall(r"\d+", hm.group(1))]
        else:
            for pattern in (NUM + r"\s+hidden(?:\s+(?:neurons|units|nodes))?\b",
                            r"(?:a|one|single)\s+hidden\s+layer\s+(?:of|with)\s+" + NUM,
                            NUM + r"\s+(?:neurons|units|nodes)\s+in\s+(?:the|a|one|its)\s+hidden\s+layer"):
                hm = re.search(pattern, text)
                if hm:
                    hidden = [int(num(hm.group(1)))]
                    break
    return (int(num(inputs.group(1))), *hidden, int(num(outputs.group(1))))


def _targets(text: str) -> tuple[str, ...] | None:
    """LoRA's target matrices: "q_proj, v_proj", "query and value", "all linear layers", "attention"."""
    if re.search(r"\ball[- ](?:linear|layers|projections|modules)\b|\ball-linear\b", text):
        return ("q", "k", "v", "o", "gate", "up", "down")
    named = [t for t, pattern in (("q", r"\bq(?:_proj)?\b|\bquery\b"), ("k", r"\bk(?:_proj)?\b|\bkey\b"),
                                  ("v", r"\bv(?:_proj)?\b|\bvalue\b"), ("o", r"\bo(?:_proj)?\b|\bout_proj\b"),
                                  ("gate", r"\bgate(?:_proj)?\b"), ("up", r"\bup(?:_proj)?\b"),
                                  ("down", r"\bdown(?:_proj)?\b")) if re.search(pattern, text)]
    if len(named) >= 1 and re.search(r"_proj\b|\bquery\b|\bvalue\b|\btarget", text):
        return tuple(named)
    if re.search(r"\battention (?:projections|matrices|layers|weights)\b", text):
        return ("q", "k", "v", "o")
    return None


def _asks(s: Slots, text: str) -> str | None:
    t = text
    two_subjects = len(s.presets) + (1 if s.params else 0) + (1 if s.params2 else 0) >= 2
    if re.search(r"\bhow many times\b|\btimes (?:bigger|larger|smaller|more)\b|\bratio\b", t) and two_subjects:
        return "compare"
    if (re.search(r"\bvs\.?\b|\bversus\b|\bcompared? (?:to|with)\b|\bthan\b|\bextra parameters\b", t)
            and len(s.presets) >= 2 and re.search(r"\b(?:bigger|larger|smaller|param\w*|size|weights)\b", t)):
        return "compare"
    if len(s.presets) >= 2 and re.search(r"\b(?:same|different|differ\w*|more|fewer)\b.{0,30}\bparam", t):
        return "compare"
    if s.file_bytes is not None and (s.params or s.presets):
        return "reverse"
    if s.memory and not s.params and not s.presets and re.search(
            r"\b(?:what|which|how (?:big|large)|largest|biggest|max(?:imum)?)\b[^?.]{0,30}\b(?:size|sized|model|models|"
            r"parameters?|params)\b[^?.]{0,50}\b(?:run|fit|load|use|handle|host|serve)\b|"
            r"\b(?:largest|biggest|max(?:imum)?) (?:model|size|number of param\w*)\b", t):
        return "max_size"                   # "what size model can I run on 16 GB?"
    if re.search(r"\b(?:q?lora|adapters?)\b", t) and not re.search(r"\b(?:memory|vram|gpu|gb|fit)\b", t) \
            and s.memory is None:  # "can my 3090 train a LoRA for 13B?" asks about memory
        return "lora"
    if re.search(r"\bchinchilla\b|\bcompute[- ]optimal\b|\bhow many (?:training )?tokens\b.*\btrain|"
                 r"\btokens?\b.*\b(?:should|to) (?:i |we |it |you )?(?:be )?train", t):
        return "optimal_tokens"
    t = re.sub(r"\b(?:pre-?)?trained (?:in|with|using|at) (?:native )?(?:fp|bf|int|fb|mixed|\d+[- ]?bit)\w*", " ", t)
    train = re.search(r"\b(?:train\w*|fine[- ]?tun\w*|finetun\w*|pre-?train\w*|full[- ]parameter|adam\w*)\b", t) or \
        (re.search(r"\bq?lora\b", t) and not re.search(r"\binferenc\w*|\bserv(?:e|ing)\b|\bdeploy\w*", t))
    # a LoRA named for inference ("run 13B + a LoRA in 4-bit for inference") is an adapter to load, not training
    if train and re.search(r"\bflops?\b|\bcompute\b|\b(?:gpu|[ahv]100|h200|b200|tpu)[- ]?hours?\b|\bhow long\b|\b[26]\s*\*?\s*n\s*\*?\s*d\b|"
                           r"\bhow many (?:days|hours|weeks|months)\b|\bhow much time\b", t):
        return "training_flops"
    if re.search(r"\b[26]\s*\*?\s*n\s*\*?\s*d\b", t):
        return "training_flops"
    if train and (s.memory is not None or re.search(r"\b(?:memory|vram|ram|gpus?|gb|gib|enough|fit|a100s?|h100s?)\b" +
                                                    (r"|\bneed" if s.params or s.presets else ""), t)) and \
            not re.search(r"\btokens? (?:should|to train)\b|\bchinchilla\b|\bcompute[- ]optimal\b", t):
        return "training_memory"
    if re.search(r"\btokens?\s*(?:per|/|a)\s*(?:second|sec|s)\b|\btok/s\b|\bt/s\b|\bhow fast\b|\bspeed\b", t) and \
            (s.bandwidth or s.presets or s.params):
        return "speed"
    if re.search(r"\bflops?\b.*\b(?:per token|inference|generat\w*|forward pass)\b|"
                 r"\b(?:per token|inference|generat\w*)\b.*\bflops?\b|\bcompute per token\b", t):
        return "inference_flops"
    if re.search(r"\bkv[- ]?cache\b|\bkey[- ]value cache\b|\bkv memory\b", t) and not s.memory:
        return "kv_cache"
    if s.memory is not None and re.search(r"\bfits?\b|\bfitting\b|\benough\b|\bcan\b|\bcould\b|\brun\w*\b|\bload\w*\b|"
                                          r"\bwill\b|\bwould\b|\bdeploy\w*\b|\bserve\b|\bhandle\b|\bpossible\b|"
                                          r"\bwhether\b|\?|\bsuffic\w*\b|\bonly need\b|\bneed\b", t):
        return "fit"
    if s.count_gpus:
        return "fit"
    if s.part is not None and s.part != "lora" and (s.widths or s.dims):
        return "params"
    if re.search(r"\bmemory\b|\bvram\b|\bram\b|\bgb\b|\bgib\b|\bgigabytes?\b|\bbytes\b|\bdisk\b|\bstorage\b|"
                 r"\bfile size\b|\bdownload\b|\bfootprint\b|\bterabytes?\b|\bhow (?:big|large) (?:is|are) .* (?:in|at) "
                 r"(?:fp|bf|int|float|half|\d+[- ]?bit)", t):
        return "memory"
    if (s.params or s.presets) and (s.fmt is not None or (s.context and re.search(
            r"\bhow (?:big|large|much)\b|\bsize\b|\brun\w*\b|\bload\w*\b|\bserv\w*\b|\bhost\w*\b|\bdeploy\w*\b", t))):
        return "memory"
    if s.presets and s.params is not None and re.search(
            r"\bhow (?:do|does|did|would|can|could|is|are|was|were) .{0,40}?\b(?:get|reach|arrive at|end up with|"
            r"come up with|obtain|calculat\w*|comput\w*|count\w*|work(?:ed)? out|figured? out|derived?)\b|\bwhere (?:does|do|did) .{0,40}\bcome from\b", t):
        return "params"                     # "how do you get 110M for BERT?": the named model's breakdown
    if re.search(r"\bparam(?:eter)?s?\b|\bweights?\b|\bbias(?:es)?\b|\bhow (?:big|large)\b|\bsize of\b", t) or (
            (s.part or s.widths) and re.search(r"\bhow many\b|\bcount\b|\bcalculate\b|\bcompute\b|\bwork out\b", t)):
        return "params"
    return None


def read(question: str) -> Slots:
    """Fill every slot the question gives; ``asks`` is None when it asks for no number."""
    text = normalise(question)
    s = Slots(text=text)
    s.presets, rest = _presets(text)
    s.widths, s.repeat = _widths(rest)
    s.dims = _dims(rest)
    s.conv = conv_shape(text) if re.search(_CONV_WORDS, text) else None
    s.part = _part(text, s.widths, s.dims, s.conv is not None)
    s.bias = _bias(text)
    s.fmt = find_format(text)
    s.context = _context(rest)
    s.blocks = _blocks(text) if s.presets else None
    s.batch = _batch(rest)
    s.tokens = _tokens(rest)
    s.bandwidth = _rate(text, {"gb": 1e9, "tb": 1e12, "gib": 2**30}, r"\s*(?:/|per)\s*s(?:ec(?:ond)?)?\b")
    s.flops_rate = _rate(text, {"tflops": 1e12, "tflop/s": 1e12, "pflops": 1e15, "gflops": 1e9, "tera-flops": 1e12},
                         r"\b")
    if re.search(r"\btied\b|\btie[sd]?\b|\bshared (?:input and output )?embeddings?\b|\bweight tying\b", text):
        s.tied = not re.search(r"\buntied\b|\bnot tied\b|\bseparate\b", text)
    if re.search(r"\buntied\b|\bnot tied\b|\bseparate (?:output|head)", text):
        s.tied = False
    if re.search(r"\bswiglu\b|\bgeglu\b|\bgated\b|\bgate_proj\b|\bllama[- ]style\b", text):
        s.gated = not re.search(r"\bnot gated\b|\bnon-gated\b|\bungated\b", text)
    elif re.search(r"\bgelu\b|\brelu\b|\bnon-gated\b|\bnot gated\b|\bungated\b|\bgpt-?2[- ]style\b", text):
        s.gated = False
    if re.search(r"\brms ?norm\b", text):
        s.norm = "rmsnorm"
    elif re.search(r"\blayer ?norm\b", text):
        s.norm = "layernorm"
    if re.search(r"\bqlora\b", text):
        s.method = "qlora"
    elif re.search(r"\blora\b|\badapters?\b|\bpeft\b", text):
        s.method = "lora"
    elif re.search(r"\bfull(?:[- ]parameter)?(?: fine[- ]?tun\w*| training)?\b", text):
        s.method = "full"
    if re.search(r"\b8[- ]?bit adam\w*\b|\badam\w*[- ]8[- ]?bit\b|\bpaged adam", text):
        s.optimizer = "adam8bit"
    elif re.search(r"\bsgd\b", text):
        s.optimizer = "sgd"
    if "rank" in s.dims:
        s.rank = s.dims["rank"]
    if s.method in ("lora", "qlora"):
        s.targets = _targets(text)
    _fill_sizes(s, rest)
    m = re.search(r"\b((?:\d+\s*(?:,|,?\s*and)\s*)+\d+)\s+(?:trainable\s+)?param", rest) or \
        re.search(r"\b(\d+)\s+(?:trainable\s+)?param(?:eter)?s?\b(?=.*\b(?:dense|layer)\b)|\b(?:dense|layer)\b.*\b"
                  r"(\d+)\s+(?:trainable\s+)?param(?:eter)?s?\b", rest)
    if m:
        s.layer_params = tuple(int(n) for n in re.findall(r"\d+", m.group(1) or m.group(2)))
    s.count_gpus = bool(re.search(r"\bhow many (?:\w+ ){0,2}(?:gpus?|cards?|a100s?|h100s?|h200s?)\b", text))
    s.asks = _asks(s, text)
    return s


def _fill_sizes(s: Slots, text: str) -> None:
    """Counts, memory available, GPUs and file sizes: the numbers whose unit says what they are."""
    counts = [c for c in _counts(text) if c[0] != s.tokens]    # "total tokens about 11b" is not a model size
    for value, active, _ in counts:
        if active and s.active is None:
            s.active = value
        elif s.params is None:
            s.params = value
        elif s.params2 is None and value != s.params:
            s.params2 = value
    sizes = _bytes(text)
    for value, shown, start, end in sizes:
        before, after = text[max(0, start - 45):start], text[end:end + 40]
        if re.search(r"\b(?:file|checkpoint|safetensors|\.bin|\.pt|\.pth|\.gguf|download|on disk|saved|weighs|"
                     r"model size)\b", before + " " + after) and not re.search(r"\b(?:gpu|card|vram|ram)\b", after[:12]):
            if s.file_bytes is None:
                s.file_bytes = value
            continue
        if re.match(r"\s*(?:\w+\s+){0,2}?(?:ssds?|nvme|hdds?|hard (?:drive|disk)s?|disks?|storage|drives?)\b", after):
            continue                        # "a 1TB NVMe SSD": storage, not the memory a model runs in
        if re.match(r"\s*(?:of\s+)?(?:kv|key[- ]value)[- ]?cache\b", after):
            continue                        # "a 15 MB KV cache": a size of the cache, not memory available
        if re.match(r"\s*(?:of\s+)?(?:runtime\s+|framework\s+)?overhead\b", after) or \
                re.search(r"\boverhead\s*(?:of|=|:|is)?\s*$", before):
            s.overhead = value
            continue
        if re.search(r"\b(?:estimat\w*|need\w*|requir\w*|consum\w*|takes?|uses?|using|used|weights? (?:are|is))\b"
                     r"[^,;]{0,20}$|=\s*(?:about\s+|~)?$", before) and \
                any(v != value for v, *_ in sizes[sizes.index((value, shown, start, end)) + 1:]):
            continue                        # "my estimate is 68 GB ... with 72 GB": what is needed, not what is had
        if re.search(r"\b(?:uses|used|takes|took|taking|consum\w*|occup\w*|allocat\w*|shows?|showing|reports?)\b"
                     r"(?:\s+(?:about|around|roughly|over|more than|nearly|almost|up to))?\s*~?$", before):
            continue                        # "7B-4bit takes 21GB, is that normal?": memory seen in use, not had
        if s.memory is None:
            s.memory, s.memory_text = value, shown
    gpu = None
    for name, gib in sorted(GPUS.items(), key=lambda kv: -len(kv[0])):
        if re.search(r"(?<![\w])(?:rtx\s*|gtx\s*|nvidia\s*|tesla\s*|amd\s*)?" + re.escape(name) + r"s?(?![\w])", text):
            gpu = (name, gib)
            break
    m = re.search(r"\b" + NUM + r"(?![\d.])(?!\s*(?:gb|gib|g|tb|bit|-bit)\b)\s*(?:x\s*)?(?:\w+\s+){0,2}?(?:(?:rtx|gtx|nvidia|tesla)\s*)?"
                  r"(?:\d+\s*(?:gb|g)\s+)?(?:gpus?|cards?|" + "|".join(re.escape(g) for g in GPUS) + r")s?\b", text)
    m = m or re.search(r"\b" + NUM + r"\s*x\s*\d+(?:\.\d+)?\s*(?:gb|gib|g)\b", text)
    if m and num(m.group(1)).is_integer() and 1 < num(m.group(1)) <= 1024:
        s.gpus = int(num(m.group(1)))
    if s.memory is None and gpu is not None:
        s.memory, s.memory_text = gpu[1][0] * 2**30, f"{gpu[1][0]:g} GB ({gpu[0].upper()})"
        s.taken.append(f"{gpu[0].upper()} = {gpu[1][0]:g} GB")
    if s.flops_rate is None and gpu is not None and gpu[0] in GPU_TFLOPS:
        s.flops_rate = (s.gpus or 1) * GPU_TFLOPS[gpu[0]] * 1e12
        s.flops_rate_peak = f"{s.gpus or 1} × {gpu[0].upper()} ({GPU_TFLOPS[gpu[0]]:g} TFLOP/s each, bf16 dense)"
        s.taken.append(s.flops_rate_peak)
    if s.bandwidth is None and gpu is not None:
        s.bandwidth = gpu[1][1] * 1e9
        s.taken.append(f"{gpu[0].upper()} memory bandwidth {gpu[1][1]:,g} GB/s")
    if s.gpus and gpu is not None and s.memory is not None and abs(s.memory - s.gpus * gpu[1][0] * 1e9) < 0.05 * s.memory:
        s.memory_text = f"{s.gpus} × {gpu[1][0]:g} GB ({gpu[0].upper()})"   # "3 x 3090 (72 GB)": the total
    elif s.gpus and s.memory is not None and not re.search(r"\b(?:total|in total|combined|altogether)\b", text):
        s.memory_text = f"{s.gpus} × {s.memory_text}"
        s.memory *= s.gpus
    if s.memory is not None and not math.isfinite(s.memory):
        s.memory = None
