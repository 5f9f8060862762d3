"""Reading a pasted post: what it asks, in how many parts, and the facts a calculation needs.

The posts here are written for these tests in the shapes real posts take (a tag, context, a log or
a config, then the question); none is copied from an eval set.
"""

from __future__ import annotations

import pytest

from bot.errors import InputError
from bot.reading import MAX_PARTS, MAX_POST_CHARS, asks, kind_of, read_post


def test_a_plain_question_is_its_own_focus():
    post = read_post("what is a bias?")
    assert post.focus == "what is a bias?"
    assert [p.text for p in post.parts] == ["what is a bias?"]
    assert post.facts == ""


def test_tags_greetings_thanks_and_signatures_are_dropped():
    post = read_post("[Question] Hi all!\n\nDo embeddings count towards the parameter total?\n\n"
                     "Thanks in advance,\nBob")
    assert post.focus == "Do embeddings count towards the parameter total?"


def test_closed_marker_and_markdown_are_dropped():
    post = read_post("## Why do **bigger** models need more [memory](https://example.org/x)? [closed]")
    assert post.focus == "Why do bigger models need more memory?"


def test_code_blocks_and_tracebacks_go_inline_code_keeps_its_identifier():
    post = read_post(
        "I froze everything except the classifier:\n\n```python\nfor p in model.base.parameters():\n"
        "    p.requires_grad = False\n```\n\nTraceback (most recent call last):\n"
        '  File "train.py", line 3, in <module>\nRuntimeError: boom\n\n'
        "Why does `model.summary()` still list the frozen weights?")
    assert "requires_grad" not in post.focus and "Traceback" not in post.text.split("?")[-1]
    assert post.focus == "Why does model.summary() still list the frozen weights?"


def test_a_question_leaning_on_the_sentence_before_keeps_it():
    post = read_post("My checkpoint is twice the size I computed from the parameter count. Is this normal?")
    assert post.focus == "My checkpoint is twice the size I computed from the parameter count. Is this normal?"


def test_a_question_after_a_statement_carries_it_as_context():
    post = read_post("Loaded in 4 bits, the same checkpoint reports 4.5B parameters. Why would quantisation "
                     "reduce the parameter count? Also, what is a bias?")
    reduction, bias = post.parts
    assert reduction.text == "Why would quantisation reduce the parameter count?"
    assert reduction.context == ("Loaded in 4 bits, the same checkpoint reports 4.5B parameters. "
                                 "Why would quantisation reduce the parameter count?")
    assert bias.context == ""  # the sentence before it asks something itself
    assert reduction.context in post.queries


def test_a_leaning_question_has_no_separate_context():
    post = read_post("My checkpoint is twice the size I computed. Is this normal?")
    assert post.parts[0].context == "" and post.parts[0].text.startswith("My checkpoint")


def test_two_questions_make_two_parts_in_order():
    post = read_post("What is the context window? And does a bigger one mean more parameters?")
    assert [p.text for p in post.parts] == ["What is the context window?",
                                            "And does a bigger one mean more parameters?"]
    assert [p.kind for p in post.parts] == ["definition", "yes_no"]


def test_at_most_three_parts_the_rest_folded_into_the_last():
    post = read_post("What is a weight? What is a bias? What is a layer? What is a token? What is a logit?")
    assert len(post.parts) == MAX_PARTS
    assert post.parts[-1].text == "What is a layer? What is a token? What is a logit?"


def test_numbers_stated_around_the_question_are_kept_as_facts():
    post = read_post("Our model has 13B parameters and the card has 12 GB. We load it with bitsandbytes. "
                     "Will the model run in 8-bit?")
    assert post.focus == "Will the model run in 8-bit?"
    assert post.facts == "Our model has 13B parameters and the card has 12 GB."
    assert post.numeric_text == "Our model has 13B parameters and the card has 12 GB. Will the model run in 8-bit?"


def test_a_sentence_the_question_leans_on_is_not_repeated_as_a_fact():
    post = read_post("Our model has 13B parameters and the card has 12 GB. Will it run in 8-bit?")
    assert post.focus == "Our model has 13B parameters and the card has 12 GB. Will it run in 8-bit?"
    assert post.facts == "" and post.numeric_text == post.focus


def test_a_post_that_asks_nothing_is_searched_whole():
    post = read_post("[Bug]: generation on my laptop CPU is stuck at 2 tokens per second")
    assert post.focus == "generation on my laptop CPU is stuck at 2 tokens per second"


def test_log_lines_and_tables_are_not_prose():
    post = read_post("Loading gives this:\n2026-01-01 12:00:00 INFO loading shards\n| layer | params |\n"
                     "|---|---|\n| embed | 131M |\nWhere do the embedding parameters come from?")
    assert post.focus == "Where do the embedding parameters come from?"


def test_wondering_and_not_sure_ask_too():
    assert asks("I wonder why the file is half the size I expected")
    assert asks("I'm not sure what the M means in 34M")
    assert asks("Could you explain the difference")
    assert not asks("The model has 7 billion parameters.")


def test_a_question_after_a_short_lead_in_asks():
    assert asks("For Gemma 3, which one has better quality, 27b or 12b")
    assert asks("In LoRA, why is alpha divided by r")
    assert kind_of("For Gemma 3, which one is better, 27b at 4-bit or 12b in fp16") == "comparison"
    assert kind_of("In LoRA, why is alpha divided by r") == "why"
    # a relative clause or a time clause after a comma is a statement
    assert not asks("The 8B model, which has 32 layers, loads in 16 GB.")
    assert not asks("The same model, when quantised to 4 bits, shows 4.5B.")
    assert not asks("When I load it, the process uses 15 GB.")
    assert asks("When does a model update its weights")
    assert read_post("When I load it, it uses 15 GB. I expected 8 GB.").stated
    assert not read_post("When I load it, why does it use 15 GB?").stated


@pytest.mark.parametrize(("question", "kind"), [
    ("What is a logit?", "definition"),
    ("Why do we need biases?", "why"),
    ("How does backpropagation change a weight?", "how"),
    ("Is temperature a parameter?", "yes_no"),
    ("What is the difference between fp16 and bf16?", "comparison"),
    ("GELU vs ReLU", "comparison"),
    ("How much memory does a 13B model need in 4-bit?", "numeric"),
    ("How many parameters does a 784-128-10 network have?", "numeric"),
    ("为什么模型需要偏置？", "why"),
    ("How do I set top_p when I call the chat endpoint?", "usage"),
    ("Where can I configure the context size in the server?", "usage"),
    ("怎么设置温度？", "usage"),
    ("在接口里如何修改 top_p？", "usage"),
    ("Can somebody explain sampling temperature?", "definition"),
    ("Could you explain why the file is 26 GB?", "why"),
    ("Please explain how LoRA changes the weights", "how"),
    ("Explain the difference between fp16 and bf16", "comparison"),
    ("For Gemma 3, which one is better, 27b at 4-bit or 12b in fp16", "comparison"),
])
def test_question_kinds(question, kind):
    assert kind_of(question) == kind


def test_chinese_sentences_split_on_their_own_punctuation():
    post = read_post("我有一个7B模型。它需要多少显存？")
    assert post.parts[-1].text.endswith("它需要多少显存？")


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x1b[31m\x07"])
def test_empty_posts_are_refused(bad):
    with pytest.raises(InputError, match="empty"):
        read_post(bad)


def test_a_long_post_with_logs_is_read_and_a_huge_one_refused():
    log = "\n".join(f"2026-01-01 12:00:{i % 60:02d} INFO step {i} loss 2.1" for i in range(300))
    post = read_post(f"Training log:\n{log}\nWhy does the loss stop going down?")
    assert len(post.text) > 2_000 and post.focus == "Why does the loss stop going down?"
    with pytest.raises(InputError, match="too long"):
        read_post("x" * (MAX_POST_CHARS + 1))


def test_escape_sequences_never_reach_the_focus():
    post = read_post("\x1b]0;owned\x07What is a \x1b[1mweight\x1b[0m?")
    assert post.focus == "What is a weight?"


def test_not_text_is_refused():
    with pytest.raises(InputError):
        read_post(b"what is a bias")  # type: ignore[arg-type]


def test_a_number_format_stated_apart_is_a_fact():
    post = read_post("Will a 13B model fit on my 24 GB card? We run everything in bf16.")
    assert post.facts == "We run everything in bf16."
    assert read_post("Any chance to run 34b model on 3x4090? (w/o quantization)").facts == "(w/o quantization)"
    assert read_post("What is a weight? I am new here.").facts == ""


def test_words_that_only_frame_a_question_are_not_searched():
    post = read_post("I noticed that the model uses 1,028 million parameters, but it is called a 1.1B model. "
                     "Could you please share the reason behind this difference?")
    assert post.focus == ("The model uses 1,028 million parameters, but it is called a 1.1B model. "
                          "Why this difference?")
    assert read_post("Can somebody explain sampling temperature?").focus == "Sampling temperature?"
    assert read_post("Can somebody explain sampling temperature?").kind == "definition"
    assert read_post("I'm wondering why the file is 26 GB?").focus == "Why the file is 26 GB?"
    assert read_post("Could you explain?").focus == "Could you explain?"  # nothing left: kept as typed


def test_issue_template_headings_are_not_the_question():
    post = read_post("### What is the issue?\nMy 7B model uses 15 GB. Why?\n### OS\nLinux\n### GPU\nNvidia")
    assert post.focus == "My 7B model uses 15 GB. Why?"
    post = read_post("[HELP] 怎么设置温度 当前行为 | Current Behavior 不能设置温度 期望行为 | Expected Behavior 设置温度 "
                     "备注 | Anything else? 怎么设置温度")
    assert all(p.kind == "usage" for p in post.parts), post.parts
    assert read_post("What happened to the weights after fine-tuning?").focus == \
        "What happened to the weights after fine-tuning?"
    assert read_post("### What happened to the weights after merging?").focus == \
        "What happened to the weights after merging?"  # the asker's own heading, not the form's
    assert read_post("### Describe the bug A 7B model shows 6.7B. Why?").focus == "A 7B model shows 6.7B. Why?"


def test_a_title_pasted_before_its_post_is_its_own_question():
    post = read_post("How do I count the parameters of a sharded checkpoint: Every shard holds some tensors. "
                     "Is the index file enough?")
    assert [p.text for p in post.parts][0] == "How do I count the parameters of a sharded checkpoint?"
    assert len(post.parts) == 2
    # a colon inside a question that goes on in lower case is not a title
    assert read_post("What is a bias: the number added to the sum").focus == "What is a bias: the number added to the sum"


def test_an_indirect_question_asks_and_its_frame_is_not_searched():
    assert asks("I would like to ask if a smaller learning rate changes the weights less.")
    assert asks("We'd like to ask whether the biases are trained too.")
    assert asks("My question is: does LoRA change the original weights")
    post = read_post("Thanks for the repo. I would like to know why the checkpoint is twice the size of the model.")
    assert post.focus == "Why the checkpoint is twice the size of the model."
    assert not asks("I would like to thank everyone for the help.")


def test_the_opening_sentence_is_kept_for_the_topic_of_the_thread():
    post = read_post("Question about vector stores: Is my understanding right? Thanks. Both use one model, right?")
    assert post.opening == "Question about vector stores: Is my understanding right?"
    assert read_post("What is a bias?").opening == "What is a bias?"


def test_how_to_use_several_gpus_is_a_usage_question():
    assert kind_of("How can I use both GPUs?") == "usage"
    assert kind_of("how to use multiple GPUs for inference") == "usage"
    assert kind_of("How many GPUs does a 70B model need?") == "numeric"


def test_issue_forms_in_bold_and_environment_lines_are_not_the_question():
    post = read_post("**Is your feature request related to a problem? Please describe.**\nThe card says 7B but the "
                     "download is 15GB.\n**Describe the solution you'd like**\nExplain why the file is bigger than 7GB.")
    assert [p.kind for p in post.parts] == ["why"]
    post = read_post("My 13B model reports 13015864320 parameters. Why not exactly 13B?\n### Environment\n"
                     "- transformers 4.40\n- torch 2.2\n- OS: Ubuntu 20.04, Python: 3.10\n- GPU: A100 80GB")
    assert "4.40" not in post.facts and "20.04" not in post.facts
    assert "A100 80GB" in post.facts  # hardware is a fact the calculator reads


def test_praise_and_quick_question_openers_are_not_searched():
    post = read_post("Great work! Quick question: what's the difference between base and instruct weights?")
    assert post.focus == "What's the difference between base and instruct weights?"
    assert not read_post("I have a question regarding LoRA. Does merging add parameters?").parts[0].text.startswith("I have")


def test_the_transformers_issue_form_leaves_only_the_question():
    post = read_post("### System Info\n- `transformers` version: 4.38.2\n- Platform: Linux-5.15.0-x86_64\n"
                     "- PyTorch version (GPU?): 2.2.1+cu121 (True)\n\n### Who can help?\n@someone @other\n\n"
                     "### Reproduction\nLoading checkpoint shards: 100%|██████████| 2/2 [00:05<00:00,  2.61s/it]\n"
                     "### Expected behavior\nMy 4-bit model reports half the parameters. Why?")
    assert [p.text for p in post.parts] == ["My 4-bit model reports half the parameters. Why?"]
    assert "2.2.1" not in post.facts and "2/2" not in post.facts
    # a question that starts with a library's name is still a question
    assert read_post("Transformers: why does the model have 7B parameters?").focus == \
        "Transformers: why does the model have 7B parameters?"


def test_other_issue_forms_leave_only_the_question():
    chinese = ("### 是否已有关于该错误的issue或讨论？ | Is there an existing issue / discussion for this?\n\n"
               "- [X] 我已经搜索过已有的issues和讨论 | I have searched the existing issues / discussions\n\n"
               "### 当前行为 | Current Behavior\n\n请问全参数微调72B需要多少显存？\n\n### 期望行为 | Expected Behavior\n\n"
               "_No response_\n\n### 运行环境 | Environment\n\n- OS: Ubuntu 20.04\n- Python: 3.10\n")
    assert [p.text for p in read_post(chinese).parts] == ["请问全参数微调72B需要多少显存？"]
    vllm = ("### Your current environment\n\nvLLM Version: 0.5.0\n\n### How would you like to use vllm\n\n"
            "I run a 70B model in 4-bit on two 24GB cards. Is 48GB enough?")
    post = read_post(vllm)
    assert [p.text for p in post.parts] == ["I run a 70B model in 4-bit on two 24GB cards. Is 48GB enough?"]
    assert "0.5.0" not in post.facts and "environment" not in post.prose.lower()


@pytest.mark.parametrize("post, focus, kind", [
    ("Is there a reason that all linear layers do not use a bias term?",
     "Why all linear layers do not use a bias term?", "why"),
    ("Is there any particular reason why Llama drops the biases?", "Why Llama drops the biases?", "why"),
    ("However, what does A3B stand for?", "What does A3B stand for?", "definition"),
])
def test_a_reason_asked_for_is_a_why_question_and_connectives_are_dropped(post, focus, kind):
    read = read_post(post)
    assert read.focus == focus and read.parts[0].kind == kind
