"""Batch commands over the service layer: submit, status, export, retry, cancel, delete, purge."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
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
    YesOpt,
    console,
    counts_table,
    edge,
    out,
    service_for,
    speed_text,
    warn,
    warn_instructions,
)
from producer.service.options import WriterChoice, batch_options, with_writer
from shared.options import parse_formats
from shared.settings import get_settings
from shared.views import BatchView

BatchArg = Annotated[str, typer.Argument(help="Batch id.")]


@edge
def submit(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSONL export.")],
    lang: LangOpt = None,
    formats: FormatsOpt = None,
    institution: InstitutionOpt = "default",
    sheet: SheetOpt = None,
    writer: WriterOpt = None,
    model: ModelOpt = None,
    runtime: RuntimeOpt = None,
    target_job: TargetJobOpt = None,
) -> None:
    """Store a cohort as a batch in the database and queue it; prints the batch id on its last line."""
    from producer.service import batches

    choice = WriterChoice(writer, model, runtime, target_job)
    settings, writer_options = with_writer(get_settings(), choice)
    options = batch_options(settings, lang, formats, writer_options)
    svc = service_for(settings, send=True)
    started = time.perf_counter()
    stored = batches.submit(svc, file, options, institution, sheet=sheet)
    seconds = time.perf_counter() - started
    warn(stored.warnings)
    console.print(
        f"{stored.rows} rows: {stored.accepted} accepted ({stored.reused} unchanged, reused), "
        f"{stored.rejected} rejected; stored and queued in {seconds:.2f}s",
        highlight=False,
    )
    out.print(stored.id, highlight=False)


@edge
def status(
    batch: Annotated[
        str | None, typer.Argument(help="Batch id; omit to list recent batches.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the batch object as JSON.")
    ] = False,
    watch: Annotated[
        bool, typer.Option("--watch/--once", help="Live progress until the batch ends.")
    ] = True,
) -> None:
    """Per-status counts, rate and ETA of a batch (live), or a list of recent batches."""
    from producer.service import batches
    from producer.service.batches import stuck_text

    svc = service_for(get_settings())
    if batch is None:
        objs = batches.recent(svc)
        if as_json:
            out.print_json(json.dumps([o.model_dump(mode="json") for o in objs]))
            return
        for stuck in batches.waiting_queues(svc):
            out.print(f"[bold yellow]waiting:[/] {stuck_text(stuck)}", highlight=False)
        table = Table("id", "file", "status", "rows", "done", "dead", "created")
        for o in objs:
            c = o.counts
            table.add_row(
                o.id,
                o.filename,
                o.status + (" [bold yellow](stalled)[/]" if o.stalled else ""),
                str(c.rows),
                str(c.done),
                str(c.dead),
                o.created_at,
            )
        out.print(table)
        return
    obj = batches.get(svc, batch, None)
    if as_json:
        out.print_json(json.dumps(obj.model_dump(mode="json")))
        return
    finished = ("completed", "failed", "cancelled")
    if not watch or obj.status in finished:
        speed = speed_text(obj.tokens_per_s)
        out.print(f"batch {obj.id} ({obj.filename}): {obj.status}{speed}", highlight=False)
        out.print(counts_table(obj.counts.model_dump()))
        _print_pace(obj)
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.1f}/s  ETA {task.fields[eta]}"), console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task(f"batch {batch[:8]}", total=obj.counts.accepted, rate=0.0, eta="-")
        shown_reason: str | None = None
        while obj.status not in finished:
            c = obj.counts
            reason = obj.stalled_reason or "; ".join(stuck_text(q) for q in obj.stuck_queues)
            if reason and reason != shown_reason:
                label = "stalled" if obj.stalled else "waiting"
                progress.console.print(f"[bold yellow]{label}:[/] {reason}", highlight=False)
            shown_reason = reason
            progress.update(
                task,
                completed=c.done + c.dead,
                rate=obj.rate_per_s,
                eta=_eta(obj),
                description=(
                    f"batch {batch[:8]} {'STALLED' if obj.stalled else obj.status} "
                    f"(running {c.running}, failed {c.failed}, dead {c.dead})"
                    f"{speed_text(obj.tokens_per_s)}"
                ),
            )
            time.sleep(1.0)
            obj = batches.get(svc, batch, None)
    out.print(counts_table(obj.counts.model_dump()))


def _eta(obj: BatchView) -> str:
    """The ETA, or why there is none: the rate is still being measured, or nothing moves."""
    seconds = obj.eta_s
    if seconds is None:
        return {"estimating": "estimating", "stalled": "none (stalled)"}.get(
            obj.eta_state or "", "-"
        )
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _print_pace(obj: BatchView) -> None:
    """Rate, ETA and the stall verdict under the counts (docs/design.md §8 batch object)."""
    from producer.service.batches import stuck_text

    if obj.status in ("queued", "in_progress"):
        out.print(
            f"rate {obj.rate_per_s or 0.0:.2f} resumes/s over the last minute; ETA {_eta(obj)}",
            highlight=False,
        )
    if obj.stalled:
        out.print(f"[bold yellow]stalled:[/] {obj.stalled_reason}", highlight=False)
    else:
        for stuck in obj.stuck_queues:
            out.print(f"[bold yellow]waiting:[/] {stuck_text(stuck)}", highlight=False)
    for warning in obj.warnings:
        out.print(f"[yellow]warning:[/] {warning}", highlight=False)


@edge
def export(
    batch: Annotated[str, typer.Argument(help="Batch id.")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the resumes and reports.")
    ] = Path("out"),
    formats: FormatsOpt = None,
    make_zip: Annotated[
        bool, typer.Option("--zip", help="Also pack the folder into a ZIP beside it.")
    ] = False,
) -> None:
    """Write a batch's resumes as DIR/<person>/resume.* plus report.csv and errors.csv."""
    from producer.service.export import export

    settings = get_settings()
    summary = export(
        service_for(settings),
        batch,
        out_dir,
        parse_formats(formats if formats is not None else settings.formats),
        make_zip=make_zip,
    )
    out.print(
        f"{summary.resumes} resumes ({summary.files} files), {summary.rejected} rejected rows → {out_dir}",
        highlight=False,
    )
    if summary.zip_path:
        out.print(f"zip: {summary.zip_path}", highlight=False)
    warn_instructions(summary.warned_cells, out_dir / "report.csv")


@edge
def retry(batch: BatchArg) -> None:
    """Give a batch's dead-lettered jobs a fresh set of attempts and queue them again."""
    from producer.service import batches

    n = batches.retry(service_for(get_settings(), send=True), batch, None)
    out.print(f"{n} dead jobs queued again")


@edge
def cancel(batch: BatchArg) -> None:
    """Stop a batch: queued jobs are cancelled; chunks already running finish and count."""
    from producer.service import batches

    obj = batches.cancel(service_for(get_settings()), batch, None)
    c = obj.counts
    out.print(
        f"batch {batch}: {obj.status} ({c.done} done, {c.running} still running)",
        highlight=False,
    )


@edge
def delete(batch: BatchArg, yes: YesOpt = False) -> None:
    """Delete a batch and every job, rejected row, resume and file derived from it."""
    from producer.service import batches

    svc = service_for(get_settings())
    batches.get(svc, batch, None)  # an unknown id is reported before the question
    if not yes:
        typer.confirm(f"Delete batch {batch} and every resume and row in it?", abort=True)
    done = batches.delete(svc, batch, None)
    _print_purged(done)


def _print_purged(done: Any) -> None:
    rows = done.rows
    out.print(
        f"deleted batch {done.batch_id}: {rows.jobs} jobs, {rows.row_errors} rejected rows, "
        f"{rows.resumes} resumes ({rows.outputs} files), {done.broker_messages} broker messages",
        highlight=False,
    )


@edge
def purge(
    batch: Annotated[
        str | None, typer.Option("--batch", help="Only this batch: its rows, resumes, messages.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --batch: purge a batch that is still running.")
    ] = False,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            help="Only batches created longer ago than this (30d, 12h, 90m): retention by hand.",
        ),
    ] = None,
) -> None:
    """Delete what cohortcv keeps: the data dir, one batch (--batch), or old ones (--older-than)."""
    from producer.service.purge import (
        data_dir_contents,
        external_stores,
        purge_batch,
        purge_data_dir,
    )

    settings = get_settings()
    if older_than is not None:
        _purge_older_than(older_than, yes)
        return
    if batch is not None:
        svc = service_for(settings)
        if not yes:
            typer.confirm(f"Delete batch {batch}: its jobs, rows and resumes?", abort=True)
        done = purge_batch(svc, batch, force=force)
        rows = done.rows
        out.print(
            f"purged batch {batch}: {rows.jobs} jobs, {rows.row_errors} rejected rows, "
            f"{rows.resumes} resumes ({rows.outputs} files), {done.broker_messages} broker messages",
            highlight=False,
        )
        return
    paths = data_dir_contents(settings)
    for left in external_stores(settings):
        console.print(f"not touched (not in the data dir): {left}", highlight=False)
    if not paths:
        out.print(f"nothing to purge in {settings.data_dir}", highlight=False)
        return
    if not yes:
        listing = "\n  ".join(str(p) for p in paths)
        typer.confirm(f"Delete every batch, resume and log in:\n  {listing}\n", abort=True)
    done_all = purge_data_dir(settings)
    out.print(
        f"purged {settings.data_dir}: {len(done_all.removed)} entries, "
        f"{done_all.bytes_freed / 1e6:.1f} MB freed",
        highlight=False,
    )


def _purge_older_than(age: str, yes: bool) -> None:
    from producer.service import batches
    from producer.service.purge import expired

    svc = service_for(get_settings())
    older = batches.parse_age(age)
    found = expired(svc, older)
    if not found:
        out.print(f"no batch is older than {age}", highlight=False)
    elif not yes:
        typer.confirm(
            f"Delete {len(found)} batches older than {age}, with their resumes?", abort=True
        )
    for done in batches.purge_older_than(svc, older) if found else []:
        _print_purged(done)
    resumes, files = batches.purge_unreferenced(svc)
    if resumes:
        out.print(
            f"deleted {resumes} resumes ({files} files) that no batch names any more",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    for command in (submit, status, export, retry, cancel, delete, purge):
        app.command(command.__name__)(command)
