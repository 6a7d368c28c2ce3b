"""Benchmark: resume-section prompts written one `generate` call each vs through HFRuntime's batching.

Usage (repo root):
  PYTHONPATH=. python3 bench/generation.py                      # CPU fp32, both shapes
  PYTHONPATH=. python3 bench/generation.py --quick              # seconds: tiny shapes, for a test
  PYTHONPATH=. python3 bench/generation.py --device cuda --dtype bfloat16 \
      --batch-sizes 1,8,128 --static-cache --compile            # GPU: ~5 min on an H100

Models are random weights of distilgpt2's and SmolLM2-135M's shapes (real vocabulary sizes) with a
byte-level BPE trained here, so nothing is downloaded. The one-at-a-time baseline is the original
design's way: one `model.generate` per prompt, no padding. The runtime sorts prompts by length,
left-pads them to a multiple of 64 and fills micro-batches of each batch size. Outputs are compared
token by token (greedy). On the GPU the baseline runs on a subset (`--naive-prompts`, 16) to keep the
run short; its ms per prompt is what the ratios divide. Static cache (and compilation) run at the
largest batch size only, as in the reference table. The bandwidth share counts the weight bytes read
once per decode step (KV-cache reads left out): measured bytes/s ÷ the card's peak.

`--served N`: one more row per shape, the same prompts sent to `transformers serve
--continuous-batching` (the same weights, saved to a temporary folder and served from it, offline)
through the `openai` runtime with N requests in flight, against the in-process runtime at the
largest batch size: sections/s for each and their ratio. That row needs httpx and
transformers' serving extra (fastapi, uvicorn, openai).

Imports only the standard library, torch, transformers and tokenizers (a GPU box has nothing else).
On the CPU the CPU seconds of this process are reported beside wall time: when other jobs share
the cores, their ratio is the steadier one. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from tests.support.scratch import CORPUS, build_model, train_tokenizer
from workers.runtime.base import GenerationSettings, Message, ModelIdentity, Prompt, RuntimeOptions
from workers.runtime.hf import HFRuntime

PEAK_BANDWIDTH = {"H200": 4.8e12, "H100": 3.35e12}
SYSTEM = "You write resume prose. Use only the facts given below. Rephrase, never add."
FACT_WORDS = " ".join(CORPUS).replace(".", " ").replace(",", " ").split()


def make_prompts(runtime: HFRuntime, count: int, low: int, high: int, seed: int) -> list[Prompt]:
    """Section prompts whose templated length falls between `low` and `high` tokens."""
    rng = random.Random(seed)
    prompts: list[Prompt] = []
    for _ in range(count):
        target = rng.randint(low, high)
        words = ["Facts:"]
        while True:
            words.append(rng.choice(FACT_WORDS))
            prompt = (Message("system", SYSTEM), Message("user", " ".join(words) + "\nWrite the summary."))
            if len(runtime.encode([prompt])[0]) >= target:
                break
        prompts.append(prompt)
    return prompts


def one_at_a_time(
    runtime: HFRuntime, prompts: list[Prompt], new_tokens: int
) -> tuple[float, float, list[list[int]]]:
    """The original design: one unpadded `generate` per prompt: wall seconds, CPU seconds, new token ids."""
    model, device = runtime.model, runtime.device
    outputs: list[list[int]] = []
    sync(device)
    started, cpu_started = time.perf_counter(), time.process_time()
    for ids in runtime.encode(prompts):
        input_ids = torch.tensor([ids], device=device)
        with torch.inference_mode():
            out = model.generate(
                input_ids=input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=new_tokens,
                do_sample=False, pad_token_id=runtime.pad_id, disable_compile=True,
            )
        outputs.append(trim(out[0, len(ids):].tolist(), runtime))
    sync(device)
    return time.perf_counter() - started, time.process_time() - cpu_started, outputs


def trim(ids: list[int], runtime: HFRuntime) -> list[int]:
    """Generated ids up to the end of text, as the runtime counts them."""
    for n, token in enumerate(ids):
        if token in runtime.eos_ids:
            return ids[:n]
    return ids


def sync(device: Any) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def weight_bytes(model: Any) -> int:
    """Bytes of the distinct parameters (tied embeddings once): what one decode step reads."""
    seen: set[int] = set()
    total = 0
    for parameter in model.parameters():
        if parameter.data_ptr() not in seen:
            seen.add(parameter.data_ptr())
            total += parameter.numel() * parameter.element_size()
    return total


def batched(
    runtime: HFRuntime, prompts: list[Prompt], settings: GenerationSettings, warm: bool
) -> tuple[float, float, list[list[int]], int, int]:
    """Seconds, CPU seconds, token ids, micro-batches and generated tokens of one runtime call
    (after a warm-up)."""
    if warm:
        runtime.generate(prompts, settings)  # compiles every padded shape this call will meet
    else:
        runtime.generate(prompts[:1], GenerationSettings(max_new_tokens=2))
    sync(runtime.device)
    started, cpu_started = time.perf_counter(), time.process_time()
    generation = runtime.generate(prompts, settings)
    sync(runtime.device)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    ids = [list(c.token_ids) for c in generation.completions]
    return seconds, cpu_seconds, ids, generation.batches, generation.completion_tokens


def served(
    shape: str, model: Any, tokenizer: Any, prompts: list[Prompt], args: argparse.Namespace
) -> tuple[float, list[str], int]:
    """Seconds for `prompts` through `transformers serve --continuous-batching` with
    `args.served` requests in flight (after a warm-up request), the texts and generated tokens."""
    from workers.runtime.openai_http import OpenAIRuntime

    with tempfile.TemporaryDirectory(prefix=f"served-{shape}-") as folder:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        argv = [sys.executable, "-c", "from transformers.cli.transformers import main; main()",
                "serve", folder, "--continuous-batching", "--host", "127.0.0.1", "--port", str(port),
                "--device", args.device, "--dtype", args.dtype, "--log-level", "warning"]  # fmt: skip
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        log = Path(folder) / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            options = RuntimeOptions(
                runtime="openai", base_url=f"http://127.0.0.1:{port}", model=folder,
                concurrency=args.served, timeout_s=600.0, max_retries=0,
            )  # fmt: skip
            deadline = time.monotonic() + 300
            while True:  # the server answers /v1/models once the model is loaded
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"transformers serve did not start: {log.read_text()[-1500:]}")
                try:
                    runtime = OpenAIRuntime(options)
                    break
                except Exception:
                    time.sleep(1)
            settings = GenerationSettings(max_new_tokens=args.new_tokens)
            runtime.generate(prompts[: args.served], settings)  # warm-up: first-call overheads
            started = time.perf_counter()
            generation = runtime.generate(prompts, settings)
            texts = [c.text for c in generation.completions]
            return time.perf_counter() - started, texts, generation.completion_tokens
        finally:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
            if proc.poll() is None:
                proc.kill()


def bench_shape(shape: str, args: argparse.Namespace, peak: float | None) -> dict[str, Any]:
    """Every figure of one model shape; prints its table rows as they are measured."""
    key = shape.replace("-", "_")
    chat = shape.startswith(("smollm2", "tiny-llama"))
    tokenizer = train_tokenizer(chat=chat)
    model = build_model(shape, tokenizer, seed=args.seed)
    options = RuntimeOptions(device=args.device, dtype=args.dtype, pad_multiple=args.pad_multiple)
    runtime = HFRuntime(options, loaded=(model, tokenizer, ModelIdentity(shape, "random")))
    settings = GenerationSettings(max_new_tokens=args.new_tokens)
    prompts = make_prompts(runtime, args.prompts, args.min_prompt_tokens, args.max_prompt_tokens, args.seed)
    naive_prompts = prompts[: args.naive_prompts]
    runtime.generate(prompts[:1], GenerationSettings(max_new_tokens=2))  # first-call overheads
    naive_s, naive_cpu_s, naive_ids = one_at_a_time(runtime, naive_prompts, args.new_tokens)
    naive_tokens = sum(len(i) for i in naive_ids)
    naive_ms = naive_s / len(naive_prompts) * 1000
    naive_cpu_ms = naive_cpu_s / len(naive_prompts) * 1000
    on_cpu = runtime.device.type == "cpu"
    figures: dict[str, Any] = {
        f"{key}_params_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 1),
        f"{key}_one_at_a_time_prompts": len(naive_prompts),
        f"{key}_one_at_a_time_ms_per_prompt": round(naive_ms, 2),
        f"{key}_one_at_a_time_tokens_per_s": round(naive_tokens / naive_s, 1),
    }
    if on_cpu:
        figures[f"{key}_one_at_a_time_cpu_ms_per_prompt"] = round(naive_cpu_ms, 2)
    rows = [f"{shape:14} one-at-a-time      {len(naive_prompts):5d} {naive_ms:10.1f} "
            f"{naive_tokens / naive_s:10.1f} {1.0:8.1f}x  -"]
    print(rows[-1], flush=True)
    sizes = args.batch_sizes
    # On the CPU the runtime's own choice (a static cache, eager); on a GPU the dynamic cache, so
    # that `--static-cache` (compiled with `--compile`) at the largest batch size compares with it.
    plain = runtime.static_cache if runtime.device.type == "cpu" else False
    configs: list[tuple[int, bool, bool]] = [(bs, plain, False) for bs in sizes]
    if args.static_cache and (max(sizes), True, args.compile) not in configs:
        configs.append((max(sizes), True, args.compile))
    step_bytes = weight_bytes(runtime.model)
    best = 0.0
    in_process: float | None = None  # sections/s of the runtime's own choice at the largest size
    in_process_tokens: float | None = None
    for bs, static, compiled in configs:
        name = f"bs{bs}" + ("_static" if static else "") + ("_compiled" if compiled else "")
        count = min(len(prompts), max(len(naive_prompts), bs * args.batches_per_size))
        if bs == max(sizes):
            count = len(prompts)  # a full chunk at the largest batch size
        runtime.options = RuntimeOptions(
            device=args.device, dtype=args.dtype, pad_multiple=args.pad_multiple,
            token_budget=bs * 4096, max_batch=bs, static_cache=static, compile=compiled,
        )
        runtime.static_cache, runtime.compile = static, compiled
        try:
            seconds, cpu_seconds, ids, batches, tokens = batched(
                runtime, prompts[:count], settings, warm=compiled
            )
        except Exception as exc:  # e.g. no C compiler for torch.compile on this box: say so, go on
            figures[f"{key}_{name}_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            rows.append(f"{shape:14} {name:18} failed: {type(exc).__name__}: {str(exc)[:120]}")
            print(rows[-1], flush=True)
            continue
        ms = seconds / count * 1000
        if bs == max(sizes) and static == plain and not compiled:
            in_process = round(count / seconds, 2)
            in_process_tokens = round(tokens / count, 1)
        same = sum(a == b for a, b in zip(ids, naive_ids, strict=False))
        compared = min(len(ids), len(naive_ids))
        speedup = naive_ms / ms
        best = max(best, speedup)
        if on_cpu:
            # CPU seconds of this process: steadier than wall time when other jobs share the cores.
            cpu_ms = cpu_seconds / count * 1000
            figures[f"{key}_{name}_cpu_ms_per_prompt"] = round(cpu_ms, 3)
            figures[f"{key}_{name}_speedup_vs_one_at_a_time_cpu_time"] = round(naive_cpu_ms / cpu_ms, 2)
        figures.update({
            f"{key}_{name}_prompts": count,
            f"{key}_{name}_ms_per_prompt": round(ms, 3),
            f"{key}_{name}_tokens_per_s": round(tokens / seconds, 1),
            f"{key}_{name}_prompts_per_s": round(count / seconds, 2),
            f"{key}_{name}_speedup_vs_one_at_a_time": round(speedup, 2),
            f"{key}_{name}_identical_outputs": same == compared,
            f"{key}_{name}_identical_outputs_count": same,
            f"{key}_{name}_compared_outputs_count": compared,
        })
        if peak:
            share = step_bytes * batches * args.new_tokens / seconds / peak
            figures[f"{key}_{name}_bandwidth_bound_share"] = round(share, 4)
        cpu_note = f" (CPU time {naive_cpu_ms * count / cpu_seconds / 1000:.1f}x)" if on_cpu else ""
        rows.append(f"{shape:14} {name:18} {count:5d} {ms:10.2f} {tokens / seconds:10.1f} "
                    f"{speedup:8.1f}x  {same}/{compared} identical{cpu_note}")
        print(rows[-1], flush=True)
    figures[f"{key}_best_speedup_vs_one_at_a_time"] = round(best, 2)
    if args.served and not chat:
        # A served chat-completions API needs a chat template; the GPT-2 shape has none.
        figures[f"{key}_served_error"] = "no chat template: not served"
    elif args.served:
        try:
            seconds, texts, served_tokens = served(shape, runtime.model, runtime.tokenizer, prompts, args)
        except Exception as exc:  # no serving extra, or the server refused: say so, go on
            figures[f"{key}_served_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            rows.append(f"{shape:14} served             failed: {type(exc).__name__}: {str(exc)[:160]}")
            print(rows[-1], flush=True)
        else:
            rate = len(prompts) / seconds
            ratio = rate / in_process if in_process else None
            figures.update({
                f"{key}_served_in_flight": args.served,
                f"{key}_served_sections_per_s": round(rate, 2),
                f"{key}_in_process_sections_per_s": in_process,
                f"{key}_served_vs_in_process": round(ratio, 3) if ratio else None,
                f"{key}_served_nonempty_outputs": sum(bool(t) for t in texts),
                # Sections/s only compare when both sides write as many tokens: these say so.
                f"{key}_served_tokens_per_section": round(served_tokens / len(prompts), 1),
                f"{key}_in_process_tokens_per_section": in_process_tokens,
            })
            rows.append(f"{shape:14} {'in-process bs' + str(max(sizes)):18} {len(prompts):5d} sections/s {in_process}"
                        f"  ({in_process_tokens} tokens/section)")
            print(rows[-1], flush=True)
            versus = f"  ratio served/in-process {ratio:.3f}" if ratio else "  (no in-process row)"
            rows.append(f"{shape:14} {'served cb x' + str(args.served):18} {len(prompts):5d} sections/s {rate:.2f}"
                        f"  ({served_tokens / len(prompts):.1f} tokens/section){versus}")
            print(rows[-1], flush=True)
    runtime.close()
    return figures


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="distilgpt2,smollm2-135m")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--batch-sizes", default="")
    parser.add_argument("--prompts", type=int, default=0, help="prompts per timed chunk (CPU 32, GPU 256)")
    parser.add_argument("--naive-prompts", type=int, default=0, help="one-at-a-time subset (CPU all, GPU 16)")
    parser.add_argument("--batches-per-size", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--min-prompt-tokens", type=int, default=60)
    parser.add_argument("--max-prompt-tokens", type=int, default=140)
    parser.add_argument("--pad-multiple", type=int, default=64)
    parser.add_argument("--static-cache", action="store_true")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--peak-bandwidth", type=float, default=0.0, help="bytes/s; default from the GPU name")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: its default)")
    parser.add_argument("--quick", action="store_true", help="tiny shapes, few prompts: a smoke test")
    parser.add_argument(
        "--served", type=int, default=0,
        help="also send the prompts to `transformers serve --continuous-batching`, N in flight (0: off)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    gpu = args.device.startswith("cuda")
    if args.quick:
        args.shapes = "tiny-gpt2,tiny-llama"
        args.prompts = args.prompts or 6
        args.new_tokens = 8
        args.min_prompt_tokens, args.max_prompt_tokens = 20, 60
        args.pad_multiple = 16
    args.prompts = args.prompts or (256 if gpu else 32)
    args.naive_prompts = min(args.naive_prompts or (16 if gpu else args.prompts), args.prompts)
    default_sizes = "1,8,128" if gpu else str(args.prompts)
    args.batch_sizes = [int(s) for s in (args.batch_sizes or default_sizes).split(",") if s.strip()]
    return args


def peak_bandwidth(args: argparse.Namespace) -> tuple[str, float | None]:
    if not args.device.startswith("cuda"):
        return "cpu", args.peak_bandwidth or None
    name = torch.cuda.get_device_name(torch.device(args.device))
    if args.peak_bandwidth:
        return name, args.peak_bandwidth
    return name, next((v for k, v in PEAK_BANDWIDTH.items() if k in name), None)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.threads > 0:
        # On a shared machine two spinning OpenMP threads can be 5x slower than one: let the user pick.
        torch.set_num_threads(args.threads)
    card, peak = peak_bandwidth(args)
    figures: dict[str, Any] = {
        "device": card, "dtype": args.dtype, "torch_version": torch.__version__,
        "new_tokens": args.new_tokens, "prompts": args.prompts, "naive_prompts": args.naive_prompts,
        "prompt_tokens_min": args.min_prompt_tokens, "prompt_tokens_max": args.max_prompt_tokens,
        "peak_bandwidth_bytes_per_s": peak, "cpu_threads": torch.get_num_threads(),
    }
    print(f"device {card}, {args.dtype}, {args.new_tokens} new tokens, prompts of "
          f"{args.min_prompt_tokens}-{args.max_prompt_tokens} tokens; one-at-a-time on {args.naive_prompts}")
    print(f"{'shape':14} {'how':18} {'n':>5} {'ms/prompt':>10} {'tokens/s':>10} {'speedup':>9}  outputs")
    best = 0.0
    for shape in [s.strip() for s in args.shapes.split(",") if s.strip()]:
        shape_figures = bench_shape(shape, args, peak)
        figures.update(shape_figures)
        best = max(best, shape_figures[f"{shape.replace('-', '_')}_best_speedup_vs_one_at_a_time"])
    figures["best_speedup_vs_one_at_a_time"] = best
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
