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


@app.callback()
def _logging() -> None:
    # Before any command: what this process logs (and an uncaught exception) goes through the
    # one filter, values escaped and exceptions without their messages.
    from shared import logs

    logs.install()


for group in (run, batches, workers, serve, db, tenant, evaluate, finetune):
    group.register(app)
