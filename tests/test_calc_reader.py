"""The reader and router on many phrasings: each row's headline must carry the exact expected number.

Rows are written from the forms people use (parts, memory and fit, training, compute, comparisons,
reverse file-size questions, Chinese), with the arithmetic spelled out so a reader can check them.
"""

from __future__ import annotations

import json

import pytest

from bot.calc.chat import route
from bot.calc.fmt import size
from bot.calc.reader import read


def n(x: int) -> str:
    return f"{x:,}"


LLAMA2_7B, LLAMA2_13B, LLAMA2_70B = 6_738_415_616, 13_015_864_320, 68_976_648_192
LLAMA3_8B, MISTRAL_7B, MIXTRAL = 8_030_261_248, 7_241_732_096, 46_702_792_704

# (question, intent, text the first line must contain)
PARTS = [
    # a single neuron
    ("a neuron with 5 inputs: how many parameters?", "params", n(5 + 1)),
    ("how many parameters does a single perceptron with 3 inputs and no bias have", "params", n(3)),
    ("one neuron, 12 inputs, with a bias: parameter count", "params", n(12 + 1)),
    ("a single neuron with 100 inputs and a bias, how many params", "params", n(101)),
    ("how many weights and biases does a neuron with 9 inputs have", "params", n(10)),
    # linear / dense layers
    ("how many parameters in a dense layer with 512 inputs and 10 outputs", "params", n(512 * 10 + 10)),
    ("parameters of nn.Linear(in_features=768, out_features=3072)", "params", n(768 * 3072 + 3072)),
    ("a fully connected layer 300 -> 100 without bias: how many weights?", "params", n(300 * 100)),
    ("how many weights does a 128x64 matrix have", "params", n(128 * 64)),
    ("linear layer from 1024 to 4096 with bias, parameter count", "params", n(1024 * 4096 + 4096)),
    ("a 4096 x 4096 projection with no bias: how many parameters", "params", n(4096 * 4096)),
    ("four 768×768 projections, each with a bias: parameters?", "params", n(4 * (768 * 768 + 768))),
    ("4 projections of 1024×1024 without biases, total parameters", "params", n(4 * 1024 * 1024)),
    ("a dense layer 2048 → 512 with biases: how many parameters", "params", n(2048 * 512 + 512)),
    ("how many parameters in a linear layer from 64 to 64, bias=False", "params", n(64 * 64)),
    ("fc layer 4096 -> 1000 parameters", "params", n(4096 * 1000 + 1000)),
    ("a linear layer 10 -> 1 with bias: how many parameters", "params", n(11)),
    ("how many parameters in a dense layer from 256 to 128 with biases turned off", "params", n(256 * 128)),
    # layer lists
    ("count the parameters of a 3-layer MLP 784→256→128→10", "params", n(784 * 256 + 256 + 256 * 128 + 128 + 1290)),
    ("parameters in a network 2-3-1 with no biases", "params", n(2 * 3 + 3 * 1)),
    ("how many params in a network with layers [4, 8, 8, 2]", "params", n(32 + 8 + 64 + 8 + 16 + 2)),
    ("network with 10 inputs, 20 hidden units and 3 outputs: number of parameters?", "params",
     n(10 * 20 + 20 + 20 * 3 + 3)),
    ("MLP 256 -> 1024 -> 256 with biases turned off: how many parameters", "params", n(2 * 256 * 1024)),
    ("how many parameters does a 5-10-10-1 network have", "params", n(50 + 10 + 100 + 10 + 10 + 1)),
    ("a network with 4 inputs, 2 hidden layers of 8 neurons and 3 outputs: how many weights", "params",
     n(32 + 8 + 64 + 8 + 24 + 3)),
    ("parameters of a 100-50-25-5 mlp without biases", "params", n(5000 + 1250 + 125)),
    ("how many parameters in a 1-1 network", "params", n(2)),
    ("an MLP with layer sizes 6, 12, 4: how many parameters", "params", n(72 + 12 + 48 + 4)),
    ("784 -> 300 -> 100 -> 10 network parameter count", "params", n(784 * 300 + 300 + 30000 + 100 + 1000 + 10)),
    ("how many weights in a 3-5-2 network with no bias", "params", n(15 + 10)),
    # linear regression and the line
    ("how many parameters does linear regression with 13 features have", "params", n(14)),
    ("linear regression on 3 features: number of parameters", "params", n(4)),
    ("how many parameters in y = w*x + b", "params", "2 parameters"),
    # embeddings and the head
    ("how many parameters in an embedding layer with vocab 50257 and dimension 768", "params", n(50257 * 768)),
    ("embedding matrix 128000 x 4096 parameters", "params", n(128000 * 4096)),
    ("embedding table for a 32000 token vocabulary at 2048 dims", "params", n(32000 * 2048)),
    ("embedding plus untied output head, vocab 32000, d_model 4096: parameter count", "params",
     n(2 * 32000 * 4096)),
    ("tied embeddings vocab 50257 hidden 768: how many parameters in embeddings and head", "params",
     n(50257 * 768)),
    ("token embeddings for a vocabulary of 151936 with hidden size 896: how many parameters", "params",
     n(151936 * 896)),
    # attention
    ("how many parameters in an attention layer with hidden size 768 and 12 heads with bias", "params",
     n(4 * (768 * 768 + 768))),
    ("self-attention parameters for d_model 2048 with 16 heads and 4 kv heads", "params",
     n(2 * 2048 * 2048 + 2 * 2048 * 512)),
    ("attention block with d_model 4096, 32 heads and 8 kv heads, no bias", "params",
     n(2 * 4096 * 4096 + 2 * 4096 * 1024)),
    ("parameters of multi-head attention with d_model 512 and 8 heads, without biases", "params",
     n(4 * 512 * 512)),
    ("attention with hidden size 1024, no bias: how many parameters", "params", n(4 * 1024 * 1024)),
    # feed-forward
    ("feed-forward block parameters with d_model 4096 and intermediate 11008, gated", "params",
     n(3 * 4096 * 11008)),
    ("ffn with d_model 1024 and inner 4096, no bias", "params", n(2 * 1024 * 4096)),
    ("swiglu ffn, hidden size 2048, intermediate 5632: parameters", "params", n(3 * 2048 * 5632)),
    ("feed-forward layer with d_model 768 and d_ff 3072 with biases, not gated", "params",
     n(2 * 768 * 3072 + 3072 + 768)),
    # norms
    ("how many parameters does an rmsnorm over 4096 dims have", "params", n(4096)),
    ("layernorm parameters for hidden size 1024", "params", n(2 * 1024)),
    ("how many parameters does a layer norm over 768 features have", "params", n(1536)),
    ("rmsnorm with hidden size 8192: parameter count", "params", n(8192)),
    # a block
    ("parameters in one transformer block with d_model 4096 and ffn 11008 swiglu rmsnorm", "params",
     n(4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096)),
    ("one transformer block with d_model 768 and ffn 3072, with biases", "params",
     n(4 * (768 * 768 + 768) + 2 * 768 * 3072 + 3072 + 768 + 2 * 2 * 768)),
    ("how many parameters in a transformer layer with hidden size 1024, ffn 4096, no bias, layernorm", "params",
     n(4 * 1024 * 1024 + 2 * 1024 * 4096 + 4 * 1024)),
    # LoRA
    ("lora rank 16 on a 4096 x 4096 matrix: how many parameters?", "params", n(16 * (4096 + 4096))),
    ("how many trainable parameters does lora with rank 8 add to llama 2 7b", "params",
     n(32 * 8 * (4096 + 4096) * 2)),
    ("lora rank 8 on two 4096 x 1024 projections in 32 layers, how many parameters", "params",
     n(32 * 2 * 8 * (4096 + 1024))),
    ("LoRA with r=4 on a 768 x 768 matrix: added parameters", "params", n(4 * 1536)),
    ("lora rank 64 on llama 2 13b: how many parameters", "params", n(40 * 64 * (5120 + 5120) * 2)),
    ("bert has 109482240 parameters before lora and 109777152 after: is that right?", "params",
     n(12 * 8 * 1536 * 2)),
    ("lora rank 16 on q_proj, k_proj, v_proj, o_proj of llama 2 7b: trainable parameters", "params",
     n(32 * 16 * 8192 * 4)),
    ("lora r=8 on all linear layers of mistral 7b, how many parameters", "params",
     n(32 * 8 * (2 * 8192 + 2 * 5120 + 3 * (4096 + 14336)))),
    # recurrent
    ("LSTM layer 32 inputs 64 units how many parameters", "params", n(4 * (64 * 32 + 64 * 64 + 2 * 64))),
    ("GRU with input size 64 and hidden size 128, parameter count", "params",
     n(3 * (128 * 64 + 128 * 128 + 2 * 128))),
    ("LSTM with 100 inputs and 256 hidden units: parameter count", "params",
     n(4 * (256 * 100 + 256 * 256 + 2 * 256))),
    ("how many parameters does an lstm with input size 10 and hidden size 20 have", "params",
     n(4 * (200 + 400 + 40))),
    ("how many parameters does a conv-free mlp 20-40-20 have with biases off", "params", n(800 + 800)),
    ("what's the parameter count of a 64 -> 32 dense layer", "params", n(64 * 32 + 32)),
    ("a perceptron with 2 inputs and a bias: number of parameters", "params", n(3)),
    ("how many parameters does a neuron with 1 input and a bias have", "params", n(2)),
    ("how many parameters in an embedding table with 10000 words and 300 dimensions", "params", n(10000 * 300)),
    ("attention with d_model 4096 and 32 heads, no biases: parameters", "params", n(4 * 4096 * 4096)),
    ("Why does my Dense layer with 100 inputs show 3030 parameters?", "params", "100-30"),
    ("How do GPT-2 medium and GPT-2 small differ in parameters?", "compare", n(354_823_168)),
    # reverse: layer widths from per-layer counts
    ("keras shows 1 input of shape=(10) and dense layers with 55, 18 and 4 parameters; what are the widths?",
     "params", n(77)),
]

MODELS = [
    # parameters of named models
    ("llama 2 7b parameter count", "params", n(LLAMA2_7B)),
    ("how many parameters does llama 3 8b have", "params", n(LLAMA3_8B)),
    ("mistral 7b: number of parameters", "params", n(MISTRAL_7B)),
    ("how many weights does gpt2 medium have", "params", n(354_823_168)),
    ("how many active parameters does mixtral have", "params", n(12_879_925_248)),
    ("how many parameters in the multilingual bert base cased model", "params", n(177_853_440)),
    # memory of the weights
    ("how much vram does llama 3 8b need in bf16", "memory", "16.1 GB"),
    ("how much memory for a 70B model at Q4_K_M", "memory", size(70e9 * 4.89 / 8)),
    ("size of a 13B model in gguf q8_0", "memory", size(13e9 * 8.5 / 8)),
    ("how many GB is mistral 7b in 8-bit", "memory", size(MISTRAL_7B)),
    ("GPT-3's 175 billion parameters in fp16", "memory", "350 GB"),
    ("1T parameters at int4, how much memory", "memory", "500 GB"),
    ("how much memory does a 7B model need", "memory", "14 GB"),
    ("how much ram do I need for a 3B model in fp32", "memory", "12 GB"),
    ("how much disk space does a 405B model take in fp8", "memory", "405 GB"),
    ("memory footprint of a 1.5B model in bf16", "memory", "3 GB"),
    ("how big is a 30B model in 4-bit", "memory", "15 GB"),
    ("how much vram for a 72B model at Q4_K_M", "memory", size(72e9 * 4.89 / 8)),
    ("how much memory does a 8x7B model in Q6_K take", "params", None),
    ("memory to run llama 2 7b with 32k context", "memory", size(LLAMA2_7B * 2 + 2 * 32 * 4096 * 32768 * 2)),
    ("llama 3 8b with 128k context and batch 4: how much memory in fp16", "memory",
     size(LLAMA3_8B * 2 + 2 * 32 * 8 * 128 * 131072 * 4 * 2)),
    ("run llama 2 70b in 4 bit with 8k context", "memory", size(LLAMA2_70B / 2 + 2 * 80 * 8 * 128 * 8192 * 2)),
    # KV cache
    ("kv cache for llama 3 8b at 8k context", "kv_cache", "1.07 GB"),
    ("kv cache of mistral 7b at 4096 tokens with batch size 2", "kv_cache", size(2 * 32 * 8 * 128 * 4096 * 2 * 2)),
    ("how big is the kv cache of llama 2 13b for 2048 tokens", "kv_cache", size(2 * 40 * 5120 * 2048 * 2)),
    # fit
    ("can an 8 GB RTX 3070 run a 13B model in 4-bit?", "fit", "Yes, but tight"),
    ("can I run a 34B model on a 24 GB 4090 in 4-bit", "fit", size(34e9 * 0.5 * 1.2)),
    ("will llama 2 13b fit on an RTX 3090", "fit", "Only quantised"),
    ("can my 12 GB card run mistral 7b", "fit", "Only quantised"),
    ("is 48 GB enough to run mixtral 8x7b in int4", "fit", "Yes"),
    ("can two 24 GB GPUs run llama 2 70b in 4 bit", "fit", "2 × 24 GB"),
    ("two 80 GB A100s for Llama 2 70B?", "fit", "2 × 80 GB"),
    ("how many 80 GB GPUs do I need for llama 2 70b in fp16", "fit", "3 × 80 GB"),
    ("will a 70B model fit in 24 GB", "fit", "No"),
    ("can a 16 GB gpu run a 7B model in fp16", "fit", "Tight"),
    ("can I run a 1B model on a 4 GB card", "fit", "Yes, even in fp16"),
    ("would a 180B model fit on 4 x 80 GB in int8", "fit", "Yes"),
    ("does llama 2 70b in fp16 fit in 2 x 80 GB with 4k context", "fit", "Tight"),
    ("can an H100 run llama 2 70b in int8", "fit", "Yes"),
    # training memory
    ("how much memory to fine-tune llama 2 13b with lora", "training_memory", size(LLAMA2_13B * 2 + 16 * 6_553_600)),
    ("qlora memory for a 70B model", "training_memory", size(70e9 * 4.127 / 8)),
    ("full fine-tuning memory for a 7B model with 8-bit adam", "training_memory", "70 GB"),
    ("is 80 GB enough to fine-tune a 13B model", "training_memory", "208 GB"),
    ("how much gpu memory to finetune a 7B model", "training_memory", "112 GB"),
    ("memory to train llama 2 7b with adam", "training_memory", size(LLAMA2_7B * 16)),
    ("full fine-tuning of a 1B model: how much vram", "training_memory", "16 GB"),
    # compute
    ("training flops for a 1.3B model on 300B tokens", "training_flops", "2.34 × 10^21"),
    ("how long does it take to train a 7B model on 1T tokens at 1000 tflops", "training_flops", "4.2 × 10^22"),
    ("training flops with 37B active parameters on 14.8T tokens", "training_flops", "3.29 × 10^24"),
    ("compute to train a 70B model on 2 trillion tokens", "training_flops", "8.4 × 10^23"),
    ("how many flops to train mixtral 8x7b on 1T tokens", "training_flops", "7.73 × 10^22"),
    ("flops per token for mixtral 8x7b", "inference_flops", "2.58 × 10^10"),
    ("inference flops per token of a 13B model", "inference_flops", "2.6 × 10^10"),
    ("tokens per second for llama 2 7b in fp16 with 1000 GB/s bandwidth", "speed", "74.2"),
    ("how fast can a 70B model in int4 generate on 3.35 TB/s", "speed", "95.7"),
    ("how many tokens to train a 13B model compute-optimally", "optimal_tokens", "260 billion"),
    ("chinchilla optimal tokens for a 1B model", "optimal_tokens", "20 billion"),
    ("how much memory does llama 2 13b need in fp32", "memory", size(LLAMA2_13B * 4)),
    ("how much vram does qwen2 0.5b need in fp16", "memory", "988 MB"),
    ("size of a 7B model in Q5_K_M", "memory", size(7e9 * 5.70 / 8)),
    ("what is the memory of a 2.7B model in int8", "memory", "2.7 GB"),
    ("can a 6 GB gpu run a 3B model in fp16", "fit", "Tight"),
    ("will mistral 7b fit in 8 GB in int4", "fit", "Yes"),
    ("training memory for gpt2 xl with adam", "training_memory", size(1_557_611_200 * 16)),
    ("how much memory to full fine-tune a 3B model", "training_memory", "48 GB"),
    ("flops to train gpt-3 on 300 billion tokens", "training_flops", "3.14 × 10^23"),
    ("forward pass flops per token for llama 2 70b", "inference_flops", "1.38 × 10^11"),
    ("how many tokens should a 7B model be trained on (chinchilla)", "optimal_tokens", "140 billion"),
    ("kv cache of llama 2 70b at 32k context", "kv_cache", "10.74 GB"),  # 2·80·8·128·32,768·2 B
    ("how many times bigger is llama 2 13b than llama 2 7b", "compare", "1.9 times"),
    ("a 3B model stored in a 6 GB file: what format", "reverse", "fp16"),
    ("tokens per second for llama 2 13b in int4 on an RTX 4090", "speed", "154.9"),   # 1,008 GB/s ÷ 6.51 GB
    ("is 8 x A100 80GB enough to fine-tune llama 2 70b?", "training_memory", "1.1 TB"),
    ("can I run llama 2 7b with a 2 GB overhead on a 16 GB card in fp16", "fit", size(LLAMA2_7B * 2 + 2e9)),
    ("how much memory does a 3B model need with 2 GB of runtime overhead on an 8 GB card in fp16", "fit",
     size(6e9 + 2e9)),
    ("qlora rank 64 on all linear layers: memory for llama 2 13b", "training_memory",
     size(LLAMA2_13B * 4.127 / 8 + 16 * 40 * 64 * (4 * 10240 + 3 * (5120 + 13824)))),
    ("What GPU memory do I need to train a 13B model from scratch?", "training_memory", "208 GB"),
    ("With 70B activated params and 5T tokens, what's the training compute?", "training_flops", "2.1 × 10^24"),
    ("Two trillion parameters at 4 bits would need a terabyte?", "memory", "1 TB"),
    ("will a 4060 with 8gb handle a 7b model?", "fit", "Only quantised"),
    ("deepseek v3 is trained in fp8; is 800G of GPU memory enough for 671B?", "fit", "671 GB in fp8"),
    ("my gpt2 had 124439808 params, after lora it has 124734720", "params", n(124734720 - 124439808)),
    ("How much VRAM to finetune a 13b with qlora?", "training_memory", size(13e9 * 4.127 / 8)),
    # comparisons
    ("how many times bigger is GPT-3 than GPT-2", "compare", "1,403.1 times"),
    ("how many times bigger is llama 2 70b than llama 2 7b", "compare", "10.2 times"),
    ("llama 2 7b vs llama 3 8b parameters", "compare", n(LLAMA3_8B)),
    ("how many times larger is a 175B model than a 1.5B model", "compare", "116.7 times"),
    ("gpt2 xl vs gpt2 small: how many more parameters", "compare", n(1_557_611_200)),
    # reverse: file size → bytes per parameter → format
    ("the paper says 5.3M parameters but the file is 21 MB", "reverse", "fp32"),
    ("my 7B model checkpoint is 14 GB, what precision?", "reverse", "fp16"),
    ("my 12B model's safetensors file is 23.8 GB, why?", "reverse", "1.98 bytes"),
    ("a 70B model's gguf file is 42.5 GB: which format?", "reverse", "Q4_K_M"),
    ("an 8B model downloaded as a 8 GB file: what format", "reverse", "int8"),
]

CHINESE = [
    ("llama 2 7b 有多少参数？", "params", n(LLAMA2_7B)),
    ("7b模型fp16需要多少显存", "memory", "14 GB"),
    ("70亿参数的模型4位量化需要多少显存", "memory", "3.5 GB"),
    ("一个有3个输入、4个隐藏层神经元和2个输出的网络有多少参数", "params", n(26)),
    ("784-128-10的网络不带偏置有多少参数", "params", n(784 * 128 + 1280)),
    ("24GB显卡能跑llama 2 13b吗", "fit", "Only quantised"),
    ("微调7b模型需要多少显存", "training_memory", "112 GB"),
    ("一个神经元有5个输入和偏置，多少参数", "params", n(6)),
    ("qwen2 0.5b的参数量是多少", "params", n(494_032_768)),
    ("mixtral 8x7b int4 需要多少显存", "memory", size(MIXTRAL / 2)),
    ("130亿参数的模型fp16需要多少显存", "memory", "26 GB"),
    ("llama 2 70b 8位量化需要多少显存", "memory", size(LLAMA2_70B)),
    ("8GB显存能跑7b模型吗", "fit", "Only quantised"),
    ("一个全连接层 512 -> 256 带偏置有多少参数", "params", n(512 * 256 + 256)),
    ("词表 32000，嵌入维度 4096 的嵌入层有多少参数", "params", n(32000 * 4096)),
    ("训练7b模型在2t tokens上需要多少flops", "training_flops", "8.4 × 10^22"),
    ("一个 1024 -> 4096 的线性层不带偏置有多少参数", "params", n(1024 * 4096)),
    ("4090 24GB能跑mistral 7b fp16吗", "fit", "Yes"),
]

TABLE = [row for row in PARTS + MODELS + CHINESE if row[2] is not None]


def test_the_table_is_large():
    assert len(TABLE) >= 150


@pytest.mark.parametrize("question, intent, shown", TABLE, ids=[row[0][:60] for row in TABLE])
def test_phrasing_gives_the_exact_number(question, intent, shown):
    answer = route(question)
    assert answer is not None, question
    assert answer.calculation["intent"] == intent, answer.markdown
    headline = answer.markdown.split("\n")[0]
    assert shown in headline, answer.markdown
    json.dumps(answer.calculation)


CONCEPTUAL = [
    "why do bigger models need more memory?",
    "what is a bias",
    "what is an embedding table",
    "how does lora work",
    "why does a neuron need a bias",
    "what does 4-bit quantization do to quality",
    "why is llama 3 8b bigger than llama 2 7b",
    "is a 70B model smarter than a 7B model",
    "what is a kv cache and why does it grow",
    "what is the difference between fp16 and bf16",
    "how do transformers use attention heads",
    "why is training more memory hungry than inference",
    "what does an lstm remember",
    "为什么大模型需要更多显存",
    "什么是偏置",
    "what is gguf",
    "explain layer norm",
    "how are weights stored in a safetensors file",
]


@pytest.mark.parametrize("question", CONCEPTUAL)
def test_conceptual_questions_are_not_captured(question):
    assert route(question) is None


def test_missing_bias_gets_both_values():
    md = route("how many parameters in a linear layer 100 -> 10").markdown
    assert n(1010) in md and n(1000) in md and "not stated" in md


def test_missing_format_gets_every_common_format():
    md = route("how much memory does a 13B model need").markdown
    for shown in ("fp32", "fp16", "int8", "Q4_K_M", "int4", "26 GB", "13 GB", "6.5 GB"):
        assert shown in md


def test_generating_n_tokens_multiplies_2n():
    md = route("how many flops to generate 1000 tokens with a 7B model").markdown
    assert "1.4 × 10^13 FLOPs" in md


def test_an_active_count_alone_does_not_size_memory():
    assert route("a moe with 3b active parameters: how much memory does it need?") is None
    assert "3.6 × 10^22" in route("training compute for 3b active parameters on 2T tokens").markdown


def test_a_users_number_beats_the_preset():
    answer = route("GPT-3's 175 billion parameters in fp16")
    assert "350 GB" in answer.markdown and "174,604,259,328" in answer.markdown


def test_grammar_of_one():
    md = route("a single neuron with 7 inputs and a bias").markdown
    assert "8 parameters" in md and "1 biases" not in md
    assert "1 weight and 1 bias" in route("how many parameters in a 1-1 network").markdown


def test_taken_as_shows_the_reading():
    md = route("can two 24 GB GPUs run llama 2 70b in 4 bit with 8k context").markdown
    assert "Taken as:" in md and "context 8,192 tokens" in md and "int4" in md


def test_reader_slots():
    s = read("can two 80 GB A100s run llama 2 70b in 8-bit with 16k context and batch 4?")
    assert (s.asks, s.gpus, s.memory, s.context, s.batch, s.fmt.name) == ("fit", 2, 160e9, 16384, 4, "int8")
    assert [p.name for p in s.presets] == ["llama-2-70b"] and s.params is None
    t = read("MLP 784-128-10 without biases")
    assert t.widths == (784, 128, 10) and t.bias is False
    c = read("70亿参数的模型4位量化需要多少显存")
    assert c.params == 7e9 and c.fmt.name == "int4" and c.asks == "memory"


# --- forms after a post is cleaned, and questions about a named model's count --------------------------

GPT2_SMALL, BERT_BASE = 124_439_808, 109_482_240

CLEANED = [
    # a count that ends a sentence keeps its full stop out of the number
    ("gpt2 has 124439808 parameters. With lora on it the parameters are 124587264. how many added?", "params",
     "rank 4"),
    ("bert 参数量是108893186。加lora后参数量是109483010。", "params", n(589_824)),
    ("For bert the parameter total without adapters is 108893186. Adding lora gives 109188098 parameters. Right?",
     "params", n(294_912)),
    # GPU counts written against the size, decimal commas in sizes, Q5_K_S
    ("can 3x24 GB gpus run a 104b model in q5_k_s?", "fit", "71.5 GB"),
    ("a file of 13,48 GB for a 6.7b model: which format?", "reverse", "fp16"),
]

NAMED_COUNTS = [
    ("How are the parameters of GPT-2 small counted? Where does 124M come from?", n(GPT2_SMALL)),
    ("how do you get 7B for llama 2 7b", n(LLAMA2_7B)),
    ("how is the parameter count of Mistral 7B computed", n(MISTRAL_7B)),
    ("where does gpt-2's 124M come from?", n(GPT2_SMALL)),
    ("I keep getting the wrong total for llama 2 70b. how is its parameter count calculated?", n(LLAMA2_70B)),
    ("how was bert base's 110 million worked out?", n(BERT_BASE)),
]


@pytest.mark.parametrize("question, intent, shown", CLEANED, ids=[row[0][:60] for row in CLEANED])
def test_numbers_read_after_cleaning(question, intent, shown):
    answer = route(question)
    assert answer is not None, question
    assert answer.calculation["intent"] == intent, answer.markdown
    assert shown in answer.markdown.split("\n")[0], answer.markdown


@pytest.mark.parametrize("question, shown", NAMED_COUNTS, ids=[row[0][:60] for row in NAMED_COUNTS])
def test_how_a_named_models_count_is_made_gets_the_breakdown(question, shown):
    answer = route(question)
    assert answer is not None, question
    assert answer.calculation["intent"] == "params", answer.markdown
    assert shown in answer.markdown.split("\n")[0] and "| Component |" in answer.markdown


@pytest.mark.parametrize("question", ["how are parameters learned?", "how are the weights updated in training",
                                      "how are biases initialised", "where do the weights come from",
                                      "how is the loss calculated"])
def test_how_questions_about_learning_stay_with_the_kb(question):
    assert route(question) is None


WORDED_NETWORKS = [
    ("A fully connected network takes 784 input pixels and has two hidden layers of 128 neurons each, with 10 output "
     "classes: how many parameters?", n(784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10)),
    ("we classify 50 features into 3 classes with a dense network of 2 layers of 64 units each; how many weights "
     "must be trained?", n(50 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3)),
    ("How many trainable parameters: 3 hidden layers with 32 neurons each, 20 input attributes, 5 categories",
     n(20 * 32 + 32 + 2 * (32 * 32 + 32) + 32 * 5 + 5)),
    ("an mlp for 4 labels from 12 input variables, with one hidden layer of 16 units, how many parameters",
     n(12 * 16 + 16 + 16 * 4 + 4)),
    ("You feed 1,000 features to a feed-forward net with 2 layers of 50 nodes and 2 outputs. Parameter count?",
     n(1000 * 50 + 50 + 50 * 50 + 50 + 50 * 2 + 2)),
]


@pytest.mark.parametrize("question, shown", WORDED_NETWORKS, ids=[row[0][:60] for row in WORDED_NETWORKS])
def test_networks_described_in_words(question, shown):
    answer = route(question)
    assert answer is not None, question
    assert answer.calculation["intent"] == "params", answer.markdown
    assert shown in answer.markdown.split("\n")[0], answer.markdown


PRESET_CHANGES = [
    # BERT-base: 30,522 × 768 token embeddings; Llama 2 7B: 32,000 × 4,096 in and out; GPT-2 small: 1,024 × 768 positions
    ("how many parameters does BERT-base have but with a 21,128-token vocabulary", n(BERT_BASE - (30522 - 21128) * 768)),
    ("Llama 2 7B with a 64k vocabulary: parameter count?", n(LLAMA2_7B + 2 * (64000 - 32000) * 4096)),
    ("parameters of GPT-2 small with 2048 context", n(GPT2_SMALL + (2048 - 1024) * 768)),
    ("gpt-2 small but with 24 layers: how many parameters", n(GPT2_SMALL + 12 * 7_087_872)),
    ("If bert base had a vocab of 50000, what would its parameter count be?", n(BERT_BASE + (50000 - 30522) * 768)),
]


@pytest.mark.parametrize("question, shown", PRESET_CHANGES, ids=[row[0][:60] for row in PRESET_CHANGES])
def test_a_stated_change_to_a_preset_wins(question, shown):
    answer = route(question)
    assert answer is not None, question
    assert shown in answer.markdown.split("\n")[0], answer.markdown
    assert "as you wrote (the preset's is" in answer.markdown


def test_a_changed_vocabulary_sizes_memory_too():
    md = route("how much memory does llama 2 7b with a 64k vocabulary need in fp16").markdown
    assert "with vocabulary 64,000" in md and "14 GB" in md.split("\n")[0]
    assert "with vocabulary" not in route("kv cache of llama 2 7b at 4096 tokens").markdown


FIT_FORMS = [
    # a size the user estimates is not the memory they have; "N x GPU (total GB)" is the total, shown per card
    ("My guess is that foo_llama_13b_v2 takes 30GB. Can I run it with 2 x RTX 4090 (48GB vram)?", "2 × 24 GB (4090)"),
    ("can i run llama 2 13b on 2 rtx 3090s", "2 × 24 GB (3090)"),
    ("a my_model_7b_ft checkpoint: will it fit on one 16 GB card in fp16?", "14 GB in fp16"),
]


@pytest.mark.parametrize("question, shown", FIT_FORMS, ids=[row[0][:60] for row in FIT_FORMS])
def test_fit_reads_the_memory_the_user_has(question, shown):
    answer = route(question)
    assert answer is not None, question
    assert answer.calculation["intent"] == "fit", answer.markdown
    assert shown in answer.markdown.split("\n")[0], answer.markdown


def test_a_figure_beside_a_named_model_is_not_always_a_breakdown_question():
    # a figure used for something else (a comparison, a guess) does not turn into the preset's count
    assert route("mixtral 8x7b shows 45B but the 8x22 one, shouldn't it be 140B-ish?") is None
    assert n(LLAMA2_70B) in route("my count of 78B for llama 2 70b is off: where does the 70B come from?").markdown


TOKENS_FORMS = [
    # the total of several token counts is D; a labelled count wins over bare numbers of the arithmetic
    ("text 3B tokens plus code 2B tokens, total tokens about 5B; parameters 300M: training flops = 6ND?",
     "9 × 10^18"),
    ("代码 4B tokens，文本 2B tokens，总tokens约6B，参数量 1B，训练需要多少flops", "3.6 × 10^19"),
    ("training flops for parameters 125M over 1,000,000 steps with 2B tokens in total", "1.5 × 10^18"),
]


@pytest.mark.parametrize("question, shown", TOKENS_FORMS, ids=[row[0][:60] for row in TOKENS_FORMS])
def test_training_flops_read_the_total_tokens(question, shown):
    answer = route(question)
    assert answer is not None, question
    assert answer.calculation["intent"] == "training_flops", answer.markdown
    assert shown in answer.markdown.split("\n")[0], answer.markdown


LONG_CONTEXT = [
    # Llama 3.1: 128 KiB per token in fp16 (32 layers × 8 KV heads × 128 × 2 × 2 bytes for 8B; 80 layers for 70B)
    ("memory for llama 3.1 8b at its full context length", "131,072 tokens"),
    ("how many 80GB GPUs for llama 3.1 70b at the entire context window?", "3 × 80 GB"),
    ("kv cache for llama 3.1 70b at 128k context", "42.95 GB"),
    ("how big is the KV cache of llama 3 8b at 100k tokens, batch 2", "26.84 GB"),
]


@pytest.mark.parametrize("question, shown", LONG_CONTEXT, ids=[row[0][:60] for row in LONG_CONTEXT])
def test_long_contexts_on_named_models(question, shown):
    answer = route(question)
    assert answer is not None, question
    assert shown in answer.markdown.split("\n")[0], answer.markdown


def test_full_width_and_scientific_numbers():
    assert "Only quantised" in route("８ＧＢ显存能跑７Ｂ模型吗？").markdown.split("\n")[0]
    assert "26 GB" in route("how much memory does a 13e9 parameter model need in fp16").markdown.split("\n")[0]
    assert read("一个 1024 -> 4096 的线性层（不带偏置）").widths == (1024, 4096)


#: A family named alone ("Llama 3.1") with a size stated elsewhere in the post means that size of the
#: family, not its default; a size the family does not have is the user's own count, as before.
FAMILY_AND_SIZE = [
    ("training Llama 3.1 needs how much memory for full fine-tuning of the 70B model?", "Llama 3.1 70B"),
    ("how much memory to run Gemma 3 in fp16, the 12b one", "Gemma 3 12B"),
    ("Qwen3: how many parameters does the 32B have?", "Qwen3 32B"),
    ("how many parameters does Llama 3.1 have", "Llama 3.1 8B"),
]


@pytest.mark.parametrize("question, shown", FAMILY_AND_SIZE, ids=[row[0][:60] for row in FAMILY_AND_SIZE])
def test_a_family_with_a_size_stated_apart_is_that_size(question, shown):
    answer = route(question)
    assert answer is not None, question
    assert shown in answer.markdown.split("\n")[0], answer.markdown


def test_a_size_the_family_lacks_stays_the_users_count():
    slots = read("memory for Llama 3.1 with 30b parameters in fp16")
    assert slots.preset is not None and slots.preset.name == "llama-3.1-8b"
    assert slots.params == 30e9


def test_trained_in_a_precision_describes_the_model_in_chinese_too():
    assert read("因为deepseek-v3是fp8训练的，671b，是否只需要700G显卡？").asks != "training_memory"
    assert read("用fp16训练的时候7B模型需要多少显存？").asks == "training_memory"


def test_storage_and_cache_sizes_are_not_the_memory_a_model_runs_in():
    s = read("loading one layer's KV cache of llama 2 7b at 4k context from a 1TB NVMe SSD")
    assert s.memory is None and s.asks == "kv_cache"
    assert read("llama 2 7b at 4k context, assuming a 15 MB KV cache per layer").memory is None
    assert read("will llama 2 7b fit in 24 GB").memory == 24e9


def test_a_k_long_context_is_a_context_not_a_count():
    s = read("the KV cache of llama 2 7b with a 4K-long context")
    assert s.context == 4096 and s.params is None


def test_the_first_llama_has_its_own_sizes():
    assert "65,285,660,672" in route("how many parameters does llama 65b have").markdown.split("\n")[0]
    assert "32,528,943,616" in route("parameters of LLaMA-33B").markdown.split("\n")[0]
    kv = route("kv cache for llama-7b at a 4k-long context").markdown
    assert "2.15 GB" in kv.split("\n")[0] and "64.00 MiB) per layer" in kv


def test_a_kv_cache_for_a_bare_count_is_left_to_the_kb():
    assert route("kv cache of a 7b model at 4k context") is None


def test_a_count_far_from_the_named_models_is_another_model():
    first = route("Should I be able to run llama 2 70b with 2 x A100 80GB? A 13B model took 30 GB for me.").markdown
    assert "Llama 2 70B" in first.split("\n")[0] and "13B" not in first.split("\n")[0]
    near = route("Llama 2 70B has 69B parameters, how much memory in fp16?").markdown.split("\n")[0]
    assert "138 GB" in near  # a count close to the model's own is the user's figure for it, as before


@pytest.mark.parametrize("question", [
    "I5 13600k or RTX 3060 12gb? Which should I get?",             # a CPU's model number, not 13.6M parameters
    "rerank overlap 设置多少比较合适呢？比如3-5个 tokens 会更好吗？",     # a range, not a 3 → 5 layer
    "What are the additional 85 (151936 - 151851 = 85) tokens used for?",   # a subtraction, not a layer
])
def test_numbers_that_are_not_sizes_are_not_calculated(question):
    assert route(question) is None


@pytest.mark.parametrize("question, shown", [
    ("how much memory does a 500k-parameter model need in fp32?", "2 MB"),
    ("how many parameters does a 3-5 layer have?", "20"),
    ("3090或4090 单卡可以在本地推理 llama13B + 中文lora 的 4-bit量化模型吗？", "within 24 GB"),  # inference, not training
])
def test_sizes_that_say_what_they_are_are_still_read(question, shown):
    answer = route(question)
    assert answer is not None and shown in answer.markdown


@pytest.mark.parametrize("question", [
    "My 7B model in 4-bit takes 21GB of VRAM, is that normal?",
    "7B-4bit量化显存占用21GB多，是正常的吗？",
    "llama 13B in fp16 uses about 30 GB when generating, why?",
])
def test_memory_seen_in_use_is_not_memory_available(question):
    s = read(question)
    assert s.memory is None and s.asks != "fit"


@pytest.mark.parametrize("question", [
    "I added 5 special tokens to Llama 3 8B and resized the embeddings. How many parameters does that add?",
    "If I add 2 layers to GPT-2 small, how many extra parameters is that?",
])
def test_what_a_change_adds_is_not_the_models_total(question):
    assert route(question) is None


@pytest.mark.parametrize(("question", "gpus", "memory_text"), [
    ("我有两张A100 (40G)显存，全参数微调7B模型需要多少显存", 2, "2 × 40 GB"),
    ("双卡3090能跑70B的4bit模型吗", 2, "2 × 24 GB (3090)"),
    ("4张4090能跑70B吗", 4, "4 × 24 GB (4090)"),
])
def test_cards_counted_in_chinese(question, gpus, memory_text):
    """两张/双卡/4张: a count of cards, so the memory is the cards' total."""
    s = read(question)
    assert (s.gpus, s.memory_text) == (gpus, memory_text)


@pytest.mark.parametrize(("question", "shown"), [
    ("一个768维输入、3072维输出的全连接层有多少参数", "2,362,368"),     # 768 × 3,072 + 3,072
    ("全连接层输入是512维，输出10维，参数量是多少", "5,130"),          # 512 × 10 + 10
])
def test_layer_sizes_written_in_chinese(question, shown):
    answer = route(question)
    assert answer is not None and shown in answer.markdown
