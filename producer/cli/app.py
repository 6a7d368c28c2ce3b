"""The `cohortcv` Typer app: one module per command group, registered here in help order."""

from __future__ import annotations

import typer

from producer.cli import batches, db, evaluate, finetune, run, serve, tenant, workers

app = typer.Typer(
    name="cohortcv",
    help="Truthful, well-made resumes in bulk: an institution's spreadsheet in, resumes out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for group in (run, batches, workers, serve, db, tenant, evaluate, finetune):
    group.register(app)
