"""Chat routing: calculation questions get a CalcAnswer with the working; conceptual ones get None."""

from __future__ import annotations

import json

import pytest

from bot import calc
from bot.calc.chat import KNOWN_EXAMPLES, CalcAnswer, route
from bot.paths import kb_dir

# (question, intent, params_total, a number that must appear in the Markdown, an example it links)
POSITIVE = [
    ("how many parameters does a network with 3 inputs, 4 hidden neurons and 2 outputs have?", "params", 26,
     "26 parameters", "examples/dense-784-128-64-10.md"),
    ("parameters in a 784-128-10 network", "params", 101_770, "101,770", "examples/dense-784-128-64-10.md"),
    ("how much memory does a 7B model need in fp16?", "memory", 7_000_000_000, "14.00 GB",
     "examples/memory-7b-70b.md"),
    ("will llama 2 70b fit in 24 GB", "fit", 68_976_648_192, "No", "examples/memory-7b-70b.md"),
    ("how many parameters does llama 2 70b have", "params", 68_976_648_192, "68,976,648,192", None),
    ("training flops for a 7B model on 2T tokens", "training_flops", 7_000_000_000, "8.4 × 10^22",
     "examples/llama2-7b-training-compute.md"),
    ("kv cache of llama 2 7b at 4096 tokens", "kv_cache", 6_738_415_616, "2,147,483,648",
     "examples/kv-cache-llama-2-7b.md"),
    ("How many parameters are in a 2-2-1 neural network?", "params", 9, "9 parameters",
     "examples/forward-pass-2-2-1.md"),
    ("count the weights in a 784-128-64-10 network without biases", "params", 109_184, "109,184", None),
    ("How many parameters does GPT-2 small have?", "params", 124_439_808, "124,439,808",
     "examples/gpt2-small-parameter-count.md"),
    ("how big is gpt-3", "params", 174_604_259_328, "174,604,259,328", "examples/gpt3-175b-parameter-count.md"),
    ("how much vram do I need for mistral 7b in int4", "memory", 7_241_732_096, "int4", None),
    ("can I run llama 3 8b on a 16GB GPU?", "fit", 8_030_261_248, "Only quantised", None),
    ("how many active parameters does mixtral 8x7b have", "params", 46_702_792_704, "12,879,925,248",
     "examples/moe-total-vs-active.md"),
    ("deepseek v3 total vs active parameters", "params", 671_026_404_352, "active", None),
    ("how much memory to train a 7B model with adam", "training_memory", 7_000_000_000, "112.00 GB", None),
    ("how many tokens should a 70B model be trained on to be compute-optimal", "optimal_tokens", 70_000_000_000,
     "1.4 trillion", "examples/chinchilla-compute-optimal.md"),
    ("flops per token for llama 2 7b", "inference_flops", 6_738_415_616, "1.35 × 10^10", None),
    ("how many parameters does bert base have", "params", 109_482_240, "109,482,240", None),
    ("number of parameters of y = a*x + b", "params", 2, "2 parameters", "examples/fitting-a-line.md"),
    ("a neural network with layer sizes 10, 20, 5: how many weights?", "params", 325, "325", None),
    ("what is the kv cache size for llama 2 70b with 8k context and batch size 4", "kv_cache", 68_976_648_192,
     "2 (K and V) × 80 layers × 8 KV heads × 128 head size × 8,192 tokens × batch 4", None),
    ("how many parameters has a neural net with 2 hidden layers of 16 neurons, 8 inputs and 1 output", "params",
     433, "8-16-16-1", None),
    ("how much disk space does a 13 billion parameter model take at 8-bit", "memory", 13_000_000_000,
     "13.00 GB", None),
    ("gpt2-xl parameter count", "params", 1_557_611_200, "1,557,611,200", None),
    ("How many GB is Llama-2-13B in bf16?", "memory", 13_015_864_320, "26.03 GB", None),
    ("how much compute to train llama 2 7b on 2 trillion tokens", "training_flops", 6_738_415_616, "8.09 × 10^22",
     None),
    ("qwen2 0.5b parameters", "params", 494_032_768, "494,032,768", None),
    ("how many parameters does grok-1 have", "params", 314_000_000_000, "as published", None),
    ("inference flops per token for a 70B model", "inference_flops", 70_000_000_000, "1.4 × 10^11", None),
    ("How many parameters in a single neuron with 3 inputs?", "params", 4, "4 parameters", None),
    ("is 16 GB enough for llama 2 7b in fp16?", "fit", 6_738_415_616, "not enough headroom", None),
    ("kv cache for deepseek v3 at 32k context", "kv_cache", 671_026_404_352, "kv_lora_rank 512", None),
    ("How many weights and biases in a 3-5-2 MLP?", "params", 32, "32 parameters", None),
    ("What's the training FLOPs for Llama 2 7B?", "training_flops", 6_738_415_616, "2,000,000,000,000", None),
]

NEGATIVE = [
    "what is a parameter",
    "why do bigger models need more memory",
    "what is a bias",
    "what does 7B mean in llama 2 7b",
    "how does the kv cache work",
    "what is the difference between weights and biases",
    "why is llama 2 7b called 7B if it has 6.7B parameters",
    "how do neural networks learn",
    "what is a hidden layer",
    "how many parameters does gpt-4 have",
    "explain mixture of experts",
    "what is quantization",
    "is a bigger model always better",
    "what is fp16",
    "how are weights initialized",
    "what is chinchilla scaling",
    "why do LLMs need GPUs",
    "what does a neuron do",
    "what is an activation function",
    "how do parameters relate to knowledge",
    "what is the context window",
    "what are tokens",
    "how does training change the weights",
    "tell me about transformers",
    "what is backpropagation",
    "what's the difference between 7B and 70B models",
    "do more parameters mean more intelligence",
    "what is a dense layer",
    "how do I run a model locally",
    "what is llama 2",
    "who made mistral 7b",
    "how many layers does gpt-2 have",
    "what are weights",
    "how many parameters does a transformer have",
    "what is a 7B model",
    "are parameters the same as weights?",
    "what is the kv cache",
    "hello",
    "",
    "how is memory bandwidth related to speed",
    "what is a parameter in a neural network, like a knob?",
    "is GPT-3 smarter than BERT",
    # A GPU named beside a FLOPs question is not a memory question.
    "A 1B model on one A100 reaches 150 TFLOPs. How do I calculate the FLOPs?",
    "how many FLOPs does a 7B model get on an H100?",
]


@pytest.mark.parametrize("question, intent, total, shown, example", POSITIVE, ids=[p[0][:50] for p in POSITIVE])
def test_calculation_questions_are_answered(question, intent, total, shown, example):
    answer = route(question)
    assert isinstance(answer, CalcAnswer), question
    assert answer.calculation["intent"] == intent
    assert answer.calculation["params_total"] == total
    assert shown in answer.markdown, answer.markdown
    assert answer.title and answer.markdown.startswith("**")
    json.dumps(answer.calculation)
    for key in ("params_total", "params_active", "components", "memory_bytes", "flops", "family"):
        assert key in answer.calculation
    assert set(answer.examples) <= set(KNOWN_EXAMPLES)
    if example is not None and example in _present():
        assert example in answer.examples


@pytest.mark.parametrize("question", NEGATIVE)
def test_conceptual_questions_are_left_to_the_kb(question):
    assert route(question) is None


def test_enough_phrasings_on_both_sides():
    assert len(POSITIVE) >= 25 and len(NEGATIVE) >= 25


def _present() -> set[str]:
    folder = kb_dir() / "examples"
    return {f"examples/{p.name}" for p in folder.glob("*.md")} if folder.is_dir() else set()


def test_linked_examples_exist_once_the_kb_has_examples():
    present = _present()
    for question, *_ in POSITIVE:
        answer = route(question)
        assert answer is not None
        if present:
            assert set(answer.examples) <= present, (question, answer.examples)


def test_fit_answer_details():
    answer = route("will llama 2 70b fit in 24 GB")
    assert answer.calculation["capacity_bytes"] == 24 * 10**9
    assert answer.calculation["fits"] == {"fp32": False, "fp16": False, "bf16": False, "int8": False, "int4": False}
    assert "34.49 GB" in answer.markdown
    tight = route("will a 7B model fit on my 8 GB GPU")
    assert tight.calculation["fits"]["int8"] is True and tight.calculation["fits"]["fp16"] is False
    assert tight.markdown.startswith("**Only quantised")


def test_dense_answer_shows_per_layer_working():
    md = route("how many parameters does a network with 3 inputs, 4 hidden neurons and 2 outputs have?").markdown
    assert "| 1: 3 → 4 | 3 × 4 = 12 | 4 | 16 |" in md
    assert "| 2: 4 → 2 | 4 × 2 = 8 | 2 | 10 |" in md
    assert "Without biases it would have 20 parameters." in md


def test_params_answer_shows_components_and_source():
    answer = route("how many parameters does llama 2 7b have")
    md = answer.markdown
    assert "| Token embeddings | 131,072,000 | vocab 32,000 × hidden 4,096 |" in md
    assert "Source: [" in md and "huggingface.co/meta-llama/Llama-2-7b-hf" in md
    assert answer.calculation == {**calc.report("llama-2-7b").to_dict(), "intent": "params"}


def test_bad_numbers_in_a_question_fall_back_to_the_kb():
    assert route("how many parameters in a 2-0-1 network") is None
    assert route("how much memory does a 1e30 parameter model need") is None
    assert route(None) is None  # type: ignore[arg-type]
    assert route("x" * 5000) is None


def test_lora_on_an_8_bit_base_counts_one_byte_per_frozen_weight():
    answer = route("can my 3090 train a lora for a 13B model in 8bit?")
    assert answer is not None and answer.calculation["intent"] == "training_memory"
    assert answer.markdown.startswith("**LoRA fine-tuning of a 13B-parameter model on 8-bit weights needs about 13 GB")
    assert "yes, that fits for LoRA fine-tuning" in answer.markdown  # an acronym keeps its capitals
    assert "| LoRA, 8-bit frozen weights | 1 |" in answer.markdown
    plain = route("how much memory to fine-tune a 13B model with LoRA")
    assert plain is not None and "| LoRA | 2 |" in plain.markdown and "8-bit frozen" not in plain.markdown


def test_a_lora_for_a_size_is_a_model_not_training_tokens():
    answer = route("Can I train the lora in 8bit so that my 3090 can train a lora for 13B?")
    assert answer is not None and answer.calculation["params_total"] == 13_000_000_000
    flops = route("how many flops to train llama 2 7b for 1T")
    assert flops is not None and "1T tokens" in flops.markdown


def test_how_many_gpus_to_train_counts_gpus_for_the_sharded_model_states():
    answer = route("how many A100 80GB do I need to train a 13B model with Adam?")
    assert answer is not None and answer.calculation["intent"] == "training_memory"
    # 13e9 x 16 bytes = 208 GB of model states: ceil(208 / 80) = 3 GPUs
    assert "GPUs of 80 GB needed for full fine-tuning of a 13B-parameter model with AdamW: at least 3" in answer.markdown
    assert "LoRA: 1" in answer.markdown


@pytest.mark.parametrize(("question", "total"), [
    ("nn.Linear(4096, 11008) how many parameters?", "45,099,776"),  # 4096 x 11008 + 11008
    ("how many parameters in nn.Linear(in_features=4096, out_features=11008, bias=False)?", "45,088,768"),
    ("Embedding(50257, 768) parameters?", "38,597,376"),  # 50257 x 768
    ("how many parameters in nn.Embedding(num_embeddings=32000, embedding_dim=4096)", "131,072,000"),
])
def test_layers_written_as_code_are_counted(question, total):
    answer = route(question)
    assert answer is not None and total in answer.markdown


def test_an_attention_block_with_a_head_size_of_its_own():
    # Gemma 7B's shapes: 16 heads of 256 = 4,096 outputs from a width of 3,072
    answer = route("one attention layer with hidden size 3072 and 16 heads of size 256, how many parameters?")
    assert answer is not None and "3,072 × 4,096" in answer.markdown and "50,331,648" in answer.markdown
    plain = route("how many parameters does one attention layer with d_model 3072 and 16 heads have?")
    assert plain is not None and "head size d / heads = 192 (not stated)" in plain.markdown


@pytest.mark.parametrize(("question", "total"), [
    # out x in x kh x kw + out biases (PyTorch nn.Conv2d, Keras Conv2D; both have biases by default)
    ("Calculate the number of parameters of a CNN layer with 64 filters of 3x3 on 32 input channels", "18,496"),
    ("how many parameters in nn.Conv2d(3, 64, kernel_size=3)?", "1,792"),
    ("Conv2D(32, (3, 3), input_shape=(28, 28, 1)) how many params", "320"),
    ("a conv layer with 16 filters of 5x5 on an RGB image: number of parameters?", "1,216"),
    ("What is the parameter count of a conv2d with 64 in, 128 out, 3x3 kernel?", "73,856"),   # 128×64×9 + 128
])
def test_convolutions_are_counted(question, total):
    answer = route(question)
    assert answer is not None and f"has {total} parameters" in answer.markdown


def test_a_convolution_not_fully_described_goes_to_the_knowledge_base():
    assert route("how many parameters does a convolutional layer have?") is None
    assert route("how many parameters in a CNN?") is None


def test_the_largest_model_a_memory_holds():
    answer = route("what size model can I run on a 16GB GPU?")
    assert answer is not None and answer.calculation["intent"] == "max_size"
    # 16e9 bytes / (2 bytes x 1.2) = 6.67e9 parameters in fp16; / (0.5 x 1.2) = 26.7e9 in int4
    assert answer.markdown.startswith("**With 16 GB you can run a model of up to about 6.67B parameters in fp16")
    assert "26.7B in int4" in answer.markdown
    chosen = route("what size model can I run on 8GB in Q4_K_M?")
    assert chosen is not None and chosen.markdown.startswith("**With 8 GB you can run a model of up to about 10.9B "
                                                             "parameters in Q4_K_M.**")
    assert route("can I run a 7B model on 16GB?").calculation["intent"] == "fit"  # a named size is a fit question
    assert route("what size model can I run on 0 GB?") is None  # nothing to divide


def test_how_long_to_train_on_named_gpus_uses_their_peak_at_40_percent():
    answer = route("how many days to train llama 2 7b on 2T tokens on 1024 A100 GPUs")
    assert answer is not None and answer.calculation["intent"] == "training_flops"
    # 6 x 6,738,415,616 x 2e12 = 8.09e22 FLOPs; 1024 x 312e12 x 0.4 = 1.28e17 FLOP/s -> 632,739 s = 7.3 days
    # (Meta reports 184,320 A100 GPU-hours for Llama 2 7B: 180 hours on 1024 GPUs)
    assert "≈ 7.3 days (176 hours)" in answer.markdown
    assert "At the peak of 1024 × A100 (312 TFLOP/s each, bf16 dense)" in answer.markdown


@pytest.mark.parametrize(("question", "context"), [
    ("when I set num_ctx to 128000 with llama3.2:3b on my 8GB GPU, how much memory is needed?", 128_000),
    ("llama 3 8b with n_ctx=32768 in 24 GB, does it fit?", 32_768),
    ("vllm max_model_len 131072 for qwen2.5 7b on a 24GB card: how much memory?", 131_072),
    ("llama-server --ctx-size 65536 llama 3.1 8b q4_k_m memory?", 65_536),
])
def test_a_runtimes_context_setting_is_the_context(question, context):
    from bot.calc.reader import read

    assert read(question).context == context


def test_a_written_size_of_a_named_model_still_gets_its_kv_cache():
    """"llama3.2:3b" is read as 3B as written, but the KV cache comes from Llama 3.2 3B's layers and heads:
    28 layers × 2 × 8 KV heads × 128 × 2 bytes × 128,000 tokens = 14,680,064,000 bytes."""
    answer = route("Does llama3.2:3b-instruct-q8_0 with a 128000 token context fit in 8GB VRAM?")
    assert answer is not None and answer.calculation["intent"] == "fit"
    assert "KV cache (14.7 GB at 128,000 tokens" in answer.markdown
    assert answer.markdown.startswith("**No: the weights fit (3.19 GB in Q8_0)")  # 18.5 GB is not a near miss


@pytest.mark.parametrize(("question", "one", "some"), [
    # GPT-2 medium: 12 × 1,024² + 13 × 1,024 = 12,596,224 per block (the LoRA paper's FTTop2 row: 25.19M)
    ("how many trainable parameters when fine-tuning only the last 2 layers of GPT-2 medium?", "12,596,224",
     "25,192,448"),
    # Llama 2 7B: 4 × 4,096² + 3 × 4,096 × 11,008 + 2 × 4,096
    ("how many parameters does one layer of llama 2 7b have?", "202,383,360", None),
    ("If I freeze all but the top 4 layers of bert-base, how many parameters are trainable?", "7,087,872",
     "28,351,488"),
    ("How many parameters would I save by removing 8 layers of Llama 2 7B", "202,383,360", "1,619,066,880"),
])
def test_some_blocks_of_a_named_model(question, one, some):
    answer = route(question)
    assert answer is not None
    assert f"**One block** | **{one}**" in answer.markdown
    if some:
        assert f"= **{some}**" in answer.markdown
    assert "Outside the blocks: token embeddings" in answer.markdown


def test_a_named_model_with_fewer_layers_is_still_a_change_not_some_blocks():
    answer = route("gpt-2 small with 6 layers: how many parameters?")
    assert answer is not None and "81,912,576" in answer.markdown and "One block" not in answer.markdown


@pytest.mark.parametrize(("question", "shown"), [
    ("How big is the embedding matrix of Llama 3 8B?",
     "The token embeddings of Llama 3 8B have 525,336,576 parameters"),           # 128,256 × 4,096
    ("how many parameters in the lm_head of qwen2.5 7b",
     "The output head of Qwen2.5 7B has 544,997,376 parameters"),                 # 3,584 × 152,064
    ("How many parameters does the lm_head of gpt2 have?", "adds no parameters of its own"),   # tied
])
def test_a_part_of_a_named_model(question, shown):
    answer = route(question)
    assert answer is not None and shown in answer.markdown.split("\n")[0]
    assert "| **Total** |" in answer.markdown          # the whole breakdown follows, for context


def test_a_named_model_without_a_part_is_still_the_whole_count():
    answer = route("how many parameters does gpt-2 small have without the embeddings")
    assert answer is not None and answer.markdown.startswith("**GPT-2 small has 124,439,808 parameters")


def test_tokens_per_second_on_a_card_too_small_says_so():
    answer = route("how many tokens/s can I expect from a 70B q4 model on an RTX 4090 with 1 TB/s bandwidth")
    assert answer is not None and answer.calculation["intent"] == "speed"
    assert "28.6 tokens per second" in answer.markdown
    assert "do not fit in 24 GB (4090)" in answer.markdown


def test_stacked_lstm_layers_read_the_hidden_state():
    """Layer 1: 4 × (512 × (256 + 512) + 2 × 512) = 1,576,960; layer 2 reads 512: 4 × (512 × 1,024 + 1,024)."""
    answer = route("How many parameters does a 2-layer LSTM with hidden size 512 and input 256 have?")
    assert answer is not None and answer.markdown.startswith("**A 2-layer LSTM")
    assert "| Layer 2 | 2,101,248 |" in answer.markdown and "**3,678,208**" in answer.markdown


@pytest.mark.parametrize("question", ["training a 1.5B model on 300B tokens, how many A100 hours?",
                                      "how many H100 hours to train llama 3 8b on 15T tokens"])
def test_gpu_hours_named_by_the_gpu_are_training_compute(question):
    answer = route(question)
    assert answer is not None and answer.calculation["intent"] == "training_flops"


def test_chatglm2_counts_its_multi_query_attention():
    """ChatGLM2-6B: query_key_value 4,096 → 4,608 with bias (2 KV groups of 128), dense 4,096 × 4,096, a SwiGLU MLP
    of 13,696, RMSNorms, and an untied 65,024-row output layer: 6,243,584,000 in all."""
    answer = route("how many parameters does chatglm2-6b have")
    assert answer is not None and "6,243,584,000" in answer.markdown
    assert route("ChatGLM-6B int4 needs how much memory") is not None      # the first ChatGLM: a 6B size only
