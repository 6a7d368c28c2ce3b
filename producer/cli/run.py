"""`cohortcv run`, `validate` and `template`: one file on this machine, no servers."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
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
from shared.settings import Settings, get_settings


def open_file(
    path: Path, settings: Settings, institution: str, lang: str | None, sheet: str | None
) -> Any:
    from producer.ingest.pipeline import open_ingestion

    return open_ingestion(
        path,
        institution_id=institution,
        language=lang or settings.language,
        settings=settings.ingest,
        sheet=sheet,
    )


@dataclass(frozen=True)
class _Upload:
    """What `run` needs before it stores a file: settings, database, reader, options."""

    settings: Settings
    engine: Any
    ingestion: Any
    options: dict[str, object]


def _upload(
    file: Path,
    lang: str | None,
    formats: str | None,
    institution: str,
    sheet: str | None,
    *,
    upgrade: bool,
    writer: WriterChoice = WriterChoice(),
    embedded: bool = False,
) -> _Upload:
    settings, writer_options = with_writer(get_settings(), writer, embedded=embedded)
    options = batch_options(settings, lang, formats, writer_options).stored()
    engine = engine_for(settings, upgrade=upgrade)
    return _Upload(settings, engine, open_file(file, settings, institution, lang, sheet), options)


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
    from producer.embedded import EmbeddedRun

    choice = WriterChoice(writer, model, runtime, target_job)
    # The writer choice is checked before any worker starts; the workers get the same settings.
    settings, _ = with_writer(get_settings(), choice, embedded=True)
    settings.worker.check_time_limits()  # before any worker starts
    if workers is None:
        # One process holds one model: several on one CPU would only fight for its cores.
        model_writer = settings.writer.name != "template"
        workers = 1 if model_writer else usable_cpus()
    # The workers start first: their start-up overlaps this process's imports and migrations.
    with EmbeddedRun(settings, workers) as embedded:
        upload = _upload(
            file, lang, formats, institution, sheet, upgrade=True, writer=choice, embedded=True
        )
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
                writing = upload.settings.writer.name != "template"
                if writing and time.monotonic() - bar["speed_at"] > 1:
                    bar["speed_at"] = time.monotonic()
                    from shared.db.generation import tokens_per_s

                    speed = speed_text(tokens_per_s(upload.engine, bar["id"]))
                    progress.update(bar["task"], description=f"writing resumes{speed}")

            result = embedded.process(
                upload.engine, upload.ingestion, out_dir,
                institution_id=institution, options=upload.options,
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
    from producer.csvsafe import write_csv
    from producer.ingest.pipeline import RejectedRow

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
        write_csv(
            errors, ("line", "column", "reason"), ((r.line, r.column, r.reason) for r in rejected)
        )


@edge
def template(
    output: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """A blank CSV with the canonical headers and one example row."""
    from producer.ingest.columns import template_csv

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
