"""`cohortcv run`, `validate` and `template`: one file on this machine, no servers."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from producer.cli.common import (
    FormatsOpt,
    InstitutionOpt,
    LangOpt,
    ModelOpt,
    RuntimeOpt,
    SheetOpt,
    TargetJobOpt,
    WriterOpt,
    console,
    edge,
    engine_for,
    out,
    speed_text,
    warn,
    warn_instructions,
)
from producer.service.options import WriterChoice, batch_options, with_writer
from shared.processes import usable_cpus
from shared.settings import get_settings


@edge
def run(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSONL export.")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the resumes and reports.")
    ] = Path("out"),
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Local worker processes (default: CPU count; 1 with a model)."
        ),
    ] = None,
    lang: LangOpt = None,
    formats: FormatsOpt = None,
    institution: InstitutionOpt = "default",
    sheet: SheetOpt = None,
    writer: WriterOpt = None,
    model: ModelOpt = None,
    runtime: RuntimeOpt = None,
    target_job: TargetJobOpt = None,
) -> None:
    """Turn a file into resumes on this machine: no servers (SQLite, an embedded broker, local workers)."""
    from producer.service.run import LocalRun, tokens_per_s

    choice = WriterChoice(writer, model, runtime, target_job)
    # The writer choice is checked before any worker starts; the workers get the same settings.
    settings, writer_options = with_writer(get_settings(), choice, embedded=True)
    settings.worker.check_time_limits()  # before any worker starts
    if workers is None:
        # One process holds one model: several on one CPU would only fight for its cores.
        model_writer = settings.writer.name != "template"
        workers = 1 if model_writer else usable_cpus()
    # The workers start first: their start-up overlaps this process's imports and migrations.
    with LocalRun(settings, workers) as local:
        options = batch_options(settings, lang, formats, writer_options)
        engine = engine_for(settings, upgrade=True)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=console, transient=False,
        ) as progress:  # fmt: skip
            reading = progress.add_task(f"validating {file.name}", total=None)
            bar: dict[str, Any] = {}

            def validated(stored: Any) -> None:
                progress.update(reading, total=stored.rows, completed=stored.rows)
                bar["task"] = progress.add_task("writing resumes", total=stored.accepted)
                bar["id"], bar["speed_at"] = stored.id, 0.0

            def moved(counts: dict[str, int]) -> None:
                finished = counts["done"] + counts["dead"]
                progress.update(bar["task"], completed=finished)
                writing = settings.writer.name != "template"
                if writing and time.monotonic() - bar["speed_at"] > 1:
                    bar["speed_at"] = time.monotonic()
                    speed = speed_text(tokens_per_s(engine, bar["id"]))
                    progress.update(bar["task"], description=f"writing resumes{speed}")

            result = local.process(
                engine, file, out_dir, options, institution_id=institution, sheet=sheet,
                on_validated=validated, on_progress=moved,
                on_rows=lambda n: progress.update(reading, completed=n),
            )  # fmt: skip
    warn(result.batch.warnings)
    counts = result.counts
    out.print(
        f"{result.batch.rows} rows: {result.batch.accepted} accepted, {result.batch.rejected} rejected; "
        f"{counts['done']} resumes done, {counts['dead']} failed "
        f"in {result.seconds:.1f}s → {out_dir}",
        highlight=False,
    )
    out.print(
        f"report: {out_dir / 'report.csv'}   errors: {out_dir / 'errors.csv'}", highlight=False
    )
    warn_instructions(result.export.warned_cells, out_dir / "report.csv")
    if result.batch.rejected:
        _print_errors(out_dir / "errors.csv")
    if counts["dead"]:
        raise typer.Exit(1)


def _print_errors(path: Path, limit: int = 20) -> None:
    import csv

    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    table = Table("line", "column", "reason", title=f"rejected rows ({len(rows)})")
    for row in rows[:limit]:
        table.add_row(row["line"], row["column"], row["reason"])
    out.print(table)
    if len(rows) > limit:
        out.print(f"… and {len(rows) - limit} more in {path}")


@edge
def validate(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSONL export.")],
    errors: Annotated[
        Path | None, typer.Option("--errors", help="Also write errors.csv here.")
    ] = None,
    lang: LangOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Check a file against the input contract and report every rejected row (nothing is queued)."""
    from producer.service.validation import RejectedRow, open_file, write_errors

    settings = get_settings()
    ingestion = open_file(file, settings, "default", lang, sheet)
    rejected: list[RejectedRow] = []
    for row in ingestion:
        if isinstance(row, RejectedRow):
            rejected.append(row)
    warn(ingestion.warnings)
    out.print(
        f"{file}: {ingestion.rows} rows: {ingestion.accepted} accepted, {ingestion.rejected} rejected",
        highlight=False,
    )
    if rejected:
        table = Table("line", "column", "reason", title="rejected rows")
        for r in rejected[:50]:
            table.add_row(str(r.line), r.column, r.reason)
        out.print(table)
        if len(rejected) > 50:
            out.print(f"… and {len(rejected) - 50} more")
    if errors is not None:
        write_errors(errors, rejected)


@edge
def template(
    output: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """A blank CSV with the canonical headers and one example row."""
    from producer.service.validation import template_csv

    text = template_csv()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("validate")(validate)
    app.command("template")(template)
