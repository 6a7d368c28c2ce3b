"""`cohortcv eval`: starts `python -m workers.evaluation` as a process (the producer never imports workers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate)


def evaluate(
    out_dir: Annotated[
        Path | None,
        typer.Argument(help="A `cohortcv run` / `export` folder (<person>/resume.json)."),
    ] = None,
    batch: Annotated[
        str | None, typer.Option("--batch", help="A batch id: facts from its stored jobs.")
    ] = None,
    refs: Annotated[
        Path | None,
        typer.Option("--refs", help="Reference resumes: DIR/<person>/resume.json or a JSONL."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where eval.html, eval.xlsx, eval.json go.")
    ] = None,
    probe_people: Annotated[
        int | None,
        typer.Option("--probe-people", min=0, help="People in the fairness probe (0: skip it)."),
    ] = None,
    writer: Annotated[str | None, typer.Option("--writer", help="Probe writer.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Probe writer's model.")] = None,
    runtime: Annotated[str | None, typer.Option("--runtime", help="Probe runtime.")] = None,
) -> None:
    """Evaluate a cohort's resumes: faithfulness, references, sameness, lengths, fairness probe."""
    command = [sys.executable, "-m", "workers.evaluation"]
    if out_dir is not None:
        command.append(str(out_dir))
    for flag, value in (("--batch", batch), ("--refs", refs), ("--out", out),
                        ("--probe-people", probe_people), ("--writer", writer),
                        ("--model", model), ("--runtime", runtime)):  # fmt: skip
        if value is not None:
            command += [flag, str(value)]
    raise typer.Exit(subprocess.call(command))
