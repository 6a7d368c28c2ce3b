"""`python -m workers.finetune` (what `cohortcv finetune` starts): pairs → examples → training → checkpoint.

Exit codes: 0 done, 2 bad data or options (the message names file and line), 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from shared.errors import CohortcvError, InputError

# soft_wrap: an error naming a long path stays on one line (a user greps for it).
console = Console(stderr=True, soft_wrap=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m workers.finetune", description=__doc__)
    p.add_argument("--base", required=True, help="model to start from: directory, .gguf, package or hub id")
    p.add_argument("--data", required=True, type=Path, help="pairs JSONL: {id, profile, resume} per line")
    p.add_argument("--out", required=True, type=Path, help="checkpoint directory to write")
    p.add_argument("--language", default="en", choices=["en", "zh"])
    p.add_argument("--full", action="store_true", help="full fine-tune instead of LoRA adapters")
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--learning-rate", type=float, default=0.0)
    p.add_argument("--held-out", type=float, default=0.1, help="share of pairs kept for the held-out loss")
    p.add_argument("--eval-every", type=int, default=10)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--lora-r", type=int, default=8)
    p.add_argument("--max-length", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--cache-dir", default="")
    p.add_argument("--overwrite", action="store_true", help="write into a non-empty --out")
    return p.parse_args(argv)


def check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"--out {out}: not empty (pass --overwrite to write into it)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from workers.finetune.examples import split
    from workers.finetune.pairs import build
    from workers.finetune.report import write_report
    from workers.finetune.train import Step, TrainConfig, train

    check_out(args.out, args.overwrite)
    if not 0 <= args.held_out < 1:
        raise InputError(f"--held-out {args.held_out}: a share between 0 and 1")
    built = build(args.data, args.language)
    data = built.summary()
    console.print(
        f"pairs: {built.pairs} read, {built.pairs_used} used, {len(built.ungrounded)} skipped "
        f"(a section fails the grounding guard); {len(built.examples)} examples", highlight=False,
    )  # fmt: skip
    for pair_id, reason in list(built.ungrounded.items())[:5]:
        console.print(f"  skipped {pair_id}: {reason}", highlight=False)
    if not built.examples:
        raise InputError(f"{args.data}: no usable examples (every pair was skipped)")
    train_set, held = split(built.examples, args.held_out, args.seed)
    data.update(train_pairs=len({e.group for e in train_set}), held_out_pairs=len({e.group for e in held}))
    config = TrainConfig(
        base=args.base, out=str(args.out), full=args.full, epochs=args.epochs, max_steps=args.max_steps,
        batch_size=args.batch_size, learning_rate=args.learning_rate, eval_every=args.eval_every,
        patience=args.patience, lora_r=args.lora_r, max_length=args.max_length, seed=args.seed,
        device=args.device, cache_dir=args.cache_dir,
    )  # fmt: skip
    progress = Progress(
        TextColumn("[bold]fine-tuning[/]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}  held-out {task.fields[held]}"), TimeElapsedColumn(),
        console=console,
    )  # fmt: skip
    with progress:
        task = progress.add_task("train", total=None, loss="-", held="-")

        def on_step(step: Step) -> None:
            fields: dict[str, Any] = {"loss": f"{step.loss:.3f}"}
            if step.held_out_loss is not None:
                fields["held"] = f"{step.held_out_loss:.3f}"
            progress.update(task, completed=step.step, total=step.total, **fields)
            if step.held_out_loss is not None and not console.is_terminal:
                # A log (no terminal) gets no live bar: one line per evaluation instead.
                console.print(f"step {step.step}/{step.total}: loss {step.loss:.3f}, "
                              f"held-out {step.held_out_loss:.3f}", highlight=False)  # fmt: skip

        result = train(config, train_set, held, on_step=on_step)
    report, curve = write_report(args.out, result, data)
    first_held = result.held_out[0][1] if result.held_out else None
    summary = {
        "out": str(args.out), "steps": result.steps, "stopped_early": result.stopped_early,
        "train_loss_first": round(result.losses[0], 4), "train_loss_last": round(result.losses[-1], 4),
        "held_out_loss_before": None if first_held is None else round(first_held, 4),
        "held_out_loss_best": None if result.best_held_out_loss is None else round(result.best_held_out_loss, 4),
        "seconds": round(result.seconds, 1), "tokens_per_s": round(result.tokens_per_s, 1),
        "pairs_used": built.pairs_used, "pairs_ungrounded": len(built.ungrounded),
        "examples": len(built.examples), "report": str(report), "curve": str(curve) if curve else None,
    }  # fmt: skip
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        summary = run(args)
    except CohortcvError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return exc.exit_code
    except ValueError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2
    console.print(
        f"saved {summary['out']} after {summary['steps']} steps in {summary['seconds']} s; "
        f"loss {summary['train_loss_first']} → {summary['train_loss_last']}, held-out "
        f"{summary['held_out_loss_before']} → {summary['held_out_loss_best']}; use: --model {summary['out']}",
        highlight=False,
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
