"""What reading a question costs the calculator: ``reader.read`` and the whole ``route`` per question.

Every question of a chat passes through ``route`` before the knowledge base is searched, so the
reader must stay a few regular expressions (target: <= 5 ms per question). Questions are a mix of
numeric ones (parts, memory, fit, compute, Chinese) and conceptual ones the router must decline.
The first call (loading the presets) is timed apart.
"""

from __future__ import annotations

import argparse
import time

from bench.common import check, machine, summary

QUESTIONS = [
    "how many parameters in a linear layer from 1024 to 4096 with bias",
    "MLP 256 -> 1024 -> 256 with biases turned off",
    "a network with 3 inputs, 5 hidden and 2 outputs: how many parameters?",
    "embedding table for a 50,000 token vocabulary at 1024 dims",
    "attention block with d_model 4096, 32 heads and 8 kv heads, no bias",
    "can an 8 GB card run a 13B model in 4-bit?",
    "run llama 2 70b in 4 bit with 16k context",
    "how many times bigger is llama 2 70b than llama 2 7b",
    "my 12B model's safetensors file is 23.8 GB, why?",
    "how much memory to fine-tune llama 2 13b with qlora",
    "training flops for a 7B model on 2T tokens",
    "tokens per second for a 70B model in int4 on 1 TB/s",
    "70亿参数的模型4位量化需要多少显存",
    "why do bigger models need more memory?",
    "what is a bias",
    "how does the kv cache work",
    "what is the difference between weights and biases",
    "is a 70B model smarter than a 7B model",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="passes over the questions (default 20)")
    args = parser.parse_args()
    print(machine())
    started = time.perf_counter()
    from bot.calc.chat import route
    from bot.calc.reader import read
    route(QUESTIONS[0])
    print(f"import and first question (presets loaded): {1000 * (time.perf_counter() - started):.1f} ms")
    for label, function in (("read", read), ("route", route)):
        per_question = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            for question in QUESTIONS:
                function(question)
            per_question.append(1000 * (time.perf_counter() - t0) / len(QUESTIONS))
        print(f"{label}: {summary(per_question, 'ms', 3)} per question over {len(QUESTIONS)} questions, "
              f"{args.runs} runs")
        if label == "read":
            print(check("read <= 5 ms per question", max(per_question) <= 5.0))


if __name__ == "__main__":
    main()
