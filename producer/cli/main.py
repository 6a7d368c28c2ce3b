"""The `cohortcv` command line (composition root): translates arguments and errors, nothing more."""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from producer.cli.finetune import register as register_finetune
from shared.errors import CohortcvError
from shared.settings import Settings, get_settings

app = typer.Typer(
    name="cohortcv",
    help="Truthful, well-made resumes in bulk: an institution's spreadsheet in, resumes out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
register_finetune(app)
app.add_typer(db_app, name="db")
console = Console(stderr=True)
out = Console(soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("pdf", "html", "md", "json")


def edge(fn: F) -> F:
    """Map our errors to a clear message and exit code (user input error → exit 2)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CohortcvError as exc:
            console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _formats(value: str | None, settings: Settings) -> list[str]:
    from shared.errors import InputError

    if value is None:
        value = ",".join(settings.formats)
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise InputError(
            f"--formats: unknown {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}"
        )
    return chosen


def _engine(settings: Settings, upgrade: bool = False):  # type: ignore[no-untyped-def]
    """The database engine; embedded `run` migrates on its own, servers need `db upgrade`."""
    from sqlalchemy import inspect

    from shared.db.engine import make_engine

    url = settings.resolved_database_url()
    if upgrade:
        from shared.db.migrate import upgrade as db_upgrade

        db_upgrade(url)
    engine = make_engine(url)
    # Alembic is imported only to explain a missing schema: `submit` starts faster without it.
    if not inspect(engine).has_table("jobs"):
        from shared.db.migrate import require_schema

        require_schema(engine)
    return engine


def _open(path: Path, settings: Settings, institution: str, lang: str | None, sheet: str | None):  # type: ignore[no-untyped-def]
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
    """What `run` and `submit` both need before they store a file: settings, database, reader."""

    settings: Settings
    engine: Any
    ingestion: Any
    options: dict[str, object]


@dataclass(frozen=True)
class _WriterChoice:
    """--writer/--model/--runtime/--target-job of run and submit (None: from settings)."""

    writer: str | None = None
    model: str | None = None
    runtime: str | None = None
    target_job: str | None = None


def _with_writer(
    settings: Settings, choice: _WriterChoice, embedded: bool = False
) -> tuple[Settings, dict[str, object]]:
    """Settings with the chosen writer, and the batch options that record it for the workers."""
    from shared.errors import InputError

    update = {
        k: v for k, v in (("name", choice.writer), ("model", choice.model),
                          ("runtime", choice.runtime)) if v
    }  # fmt: skip
    spec = settings.writer.model_copy(update=update)
    if spec.name not in WRITERS:
        raise InputError(f"--writer: unknown {spec.name!r}; choose from {', '.join(WRITERS)}")
    if spec.name != "template" and not spec.model:
        raise InputError(
            f"--writer {spec.name} needs --model (a checkpoint directory, hub id or .gguf file, "
            "or the served model name with --runtime openai) or COHORTCV_WRITER__MODEL"
        )
    options: dict[str, object] = {"writer": spec.name}
    if spec.name != "template":
        model = spec.model
        if spec.runtime != "openai" and Path(model).expanduser().exists():
            model = str(Path(model).expanduser().resolve())  # workers may run elsewhere (cwd)
        options |= {"model": model, "runtime": spec.runtime}
    if choice.target_job:
        options["target_job"] = choice.target_job
    if embedded and spec.name != "template" and not spec.generate_chunk_size:
        # A laptop's CPU writes a few people a minute: small write chunks stay well inside the
        # task time limit and move the progress bar.
        spec = spec.model_copy(update={"generate_chunk_size": 8})
    return settings.model_copy(update={"writer": spec}), options


def _upload(
    file: Path,
    lang: str | None,
    formats: str | None,
    institution: str,
    sheet: str | None,
    *,
    upgrade: bool,
    writer: _WriterChoice = _WriterChoice(),
    embedded: bool = False,
) -> _Upload:
    settings, writer_options = _with_writer(get_settings(), writer, embedded=embedded)
    options: dict[str, object] = {
        "formats": _formats(formats, settings),
        "language": lang or settings.language,
        **writer_options,
    }
    engine = _engine(settings, upgrade=upgrade)
    return _Upload(settings, engine, _open(file, settings, institution, lang, sheet), options)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def _counts_table(counts: dict[str, int]) -> Table:
    table = Table(show_header=True, header_style="bold")
    for key in counts:
        table.add_column(key, justify="right")
    table.add_row(*(str(v) for v in counts.values()))
    return table


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Output language: auto, en or zh (a row's own 'language' column wins). "
        "Default: COHORTCV_LANGUAGE (auto).",
    ),
]
FormatsOpt = Annotated[
    str | None,
    typer.Option(
        "--formats",
        help="Comma-separated: pdf,html,md,json. Default: COHORTCV_FORMATS (all four).",
    ),
]
InstitutionOpt = Annotated[
    str, typer.Option("--institution", help="Institution id the upload belongs to.")
]
SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="XLSX sheet name (default: the first).")
]
WRITERS = ("template", "llm")
WriterOpt = Annotated[
    str | None,
    typer.Option(
        "--writer",
        help="template (no model, instant) or llm (a language model writes the prose, every "
        "fact checked against the input). Default: COHORTCV_WRITER__NAME (template).",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="For --writer llm: a checkpoint directory, hub id or .gguf file (the served model "
        "name with --runtime openai). Default: COHORTCV_WRITER__MODEL.",
    ),
]
RuntimeOpt = Annotated[
    str | None,
    typer.Option(
        "--runtime",
        help="transformers (in-process) or openai (a vLLM/SGLang/TGI/Ollama server at "
        "COHORTCV_WRITER__BASE_URL). Default: COHORTCV_WRITER__RUNTIME (transformers).",
    ),
]
TargetJobOpt = Annotated[
    str | None,
    typer.Option(
        "--target-job",
        help="A job description the llm writer tailors wording to (a row's own target job wins).",
    ),
]


@app.command()
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

    choice = _WriterChoice(writer, model, runtime, target_job)
    # The writer choice is checked before any worker starts; the workers get the same settings.
    settings, _ = _with_writer(get_settings(), choice, embedded=True)
    if workers is None:
        # One process holds one model: several on one CPU would only fight for its cores.
        model_writer = settings.writer.name != "template"
        workers = 1 if model_writer else max(1, os.cpu_count() or 1)
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
                    speed = _tokens_per_s(upload.engine, bar["id"])
                    progress.update(bar["task"], description=f"writing resumes{speed}")

            result = embedded.process(
                upload.engine, upload.ingestion, out_dir,
                institution_id=institution, options=upload.options,
                on_validated=validated, on_progress=moved,
                on_rows=lambda n: progress.update(reading, completed=n),
            )  # fmt: skip
    _warn(result.batch.warnings)
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
    if result.batch.rejected:
        _print_errors(out_dir / "errors.csv")
    if counts["dead"]:
        raise typer.Exit(1)


def _tokens_per_s(engine: Any, batch_id: str) -> str:
    """Text like " (123 tok/s)" while a model writes the batch, "" otherwise."""
    from shared.db.generation import tokens_per_s

    speed = tokens_per_s(engine, batch_id)
    return f" ({speed:,.0f} tok/s)" if speed else ""


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


@app.command()
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
    ingestion = _open(file, settings, "default", lang, sheet)
    rejected: list[RejectedRow] = []
    for row in ingestion:
        if isinstance(row, RejectedRow):
            rejected.append(row)
    _warn(ingestion.warnings)
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


@app.command()
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


@app.command()
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
    from producer.dispatch import store_batch
    from shared.celery_config import broker_reason, check_broker, make_celery, send_chunk
    from shared.db.batches import fail_unqueued
    from shared.reconcile import top_up

    choice = _WriterChoice(writer, model, runtime, target_job)
    upload = _upload(file, lang, formats, institution, sheet, upgrade=False, writer=choice)
    celery = make_celery(upload.settings)
    check_broker(celery)  # before anything is stored: a wrong URL or password stores nothing
    started = time.perf_counter()
    stored = store_batch(
        upload.engine, upload.ingestion, institution_id=institution, options=upload.options
    )
    send = lambda t, b, ids: send_chunk(celery, t, b, ids)  # noqa: E731
    try:
        top_up(upload.engine, send, stored.id, upload.settings.policy())
    except Exception as exc:
        # Chosen: a batch the user was told failed never runs later (the reconciler skips it).
        reason = f"the broker refused the work ({broker_reason(exc)})"
        fail_unqueued(upload.engine, stored.id, reason)
        console.print(
            f"[bold red]error:[/] batch {stored.id} was stored but {reason}. It is marked "
            "failed and will not run; check COHORTCV_BROKER_URL and submit the file again.",
            highlight=False,
        )
        raise typer.Exit(1) from None
    seconds = time.perf_counter() - started
    _warn(stored.warnings)
    console.print(
        f"{stored.rows} rows: {stored.accepted} accepted ({stored.reused} unchanged, reused), "
        f"{stored.rejected} rejected; stored and queued in {seconds:.2f}s",
        highlight=False,
    )
    out.print(stored.id, highlight=False)


@app.command()
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
    from shared.db.batches import batch_object, list_batches

    settings = get_settings()
    engine = _engine(settings)
    if batch is None:
        objs = [batch_object(engine, b) for b in list_batches(engine)]
        if as_json:
            out.print_json(json.dumps(objs))
            return
        table = Table("id", "file", "status", "rows", "done", "dead", "created")
        for o in objs:
            c = o["counts"]
            table.add_row(
                o["id"],
                o["filename"],
                o["status"] + (" [bold yellow](stalled)[/]" if o.get("stalled") else ""),
                str(c["rows"]),
                str(c["done"]),
                str(c["dead"]),
                o["created_at"],
            )
        out.print(table)
        return
    from shared.db.generation import tokens_per_s

    obj = batch_object(engine, batch)
    if as_json:
        out.print_json(json.dumps({**obj, "tokens_per_s": tokens_per_s(engine, batch)}))
        return
    finished = ("completed", "failed", "cancelled")
    if not watch or obj["status"] in finished:
        speed = _tokens_per_s(engine, batch)
        out.print(f"batch {obj['id']} ({obj['filename']}): {obj['status']}{speed}", highlight=False)
        out.print(_counts_table(obj["counts"]))
        _print_pace(obj)
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.1f}/s  ETA {task.fields[eta]}"), console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task(
            f"batch {batch[:8]}", total=obj["counts"]["accepted"], rate=0.0, eta="-"
        )
        shown_reason = None
        while obj["status"] not in finished:
            c = obj["counts"]
            if obj["stalled"] and obj["stalled_reason"] != shown_reason:
                progress.console.print(f"[bold yellow]stalled:[/] {obj['stalled_reason']}")
            shown_reason = obj["stalled_reason"]
            progress.update(
                task,
                completed=c["done"] + c["dead"],
                rate=obj["rate_per_s"],
                eta=_eta(obj["eta_s"]),
                description=(
                    f"batch {batch[:8]} {'STALLED' if obj['stalled'] else obj['status']} "
                    f"(running {c['running']}, failed {c['failed']}, dead {c['dead']})"
                    f"{_tokens_per_s(engine, batch)}"
                ),
            )
            time.sleep(1.0)
            obj = batch_object(engine, batch)
    out.print(_counts_table(obj["counts"]))


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _print_pace(obj: dict[str, Any]) -> None:
    """Rate, ETA and the stall verdict under the counts (DESIGN §8 batch object)."""
    if obj["status"] in ("queued", "in_progress"):
        out.print(
            f"rate {obj['rate_per_s']:.2f} resumes/s over the last minute; ETA {_eta(obj['eta_s'])}",
            highlight=False,
        )
    if obj.get("stalled"):
        out.print(f"[bold yellow]stalled:[/] {obj['stalled_reason']}", highlight=False)
    for warning in obj.get("warnings") or []:
        out.print(f"[yellow]warning:[/] {warning}", highlight=False)


@app.command()
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
    from producer.export import export_batch
    from shared.db.batches import get_batch

    settings = get_settings()
    engine = _engine(settings)
    get_batch(engine, batch)
    summary = export_batch(engine, batch, out_dir, _formats(formats, settings), make_zip=make_zip)
    out.print(
        f"{summary.resumes} resumes ({summary.files} files), {summary.rejected} rejected rows → {out_dir}",
        highlight=False,
    )
    if summary.zip_path:
        out.print(f"zip: {summary.zip_path}", highlight=False)


@app.command()
@edge
def retry(batch: Annotated[str, typer.Argument(help="Batch id.")]) -> None:
    """Give a batch's dead-lettered jobs a fresh set of attempts and queue them again."""
    from shared.celery_config import check_broker, make_celery, send_chunk
    from shared.db import jobs
    from shared.db.batches import get_batch, set_status
    from shared.reconcile import top_up

    settings = get_settings()
    engine = _engine(settings)
    get_batch(engine, batch)
    celery = make_celery(settings)
    check_broker(celery)
    n = jobs.requeue_dead(engine, batch)
    if n:
        set_status(engine, batch, "queued")
        top_up(engine, lambda t, b, ids: send_chunk(celery, t, b, ids), batch, settings.policy())
    out.print(f"{n} dead jobs queued again")


@app.command()
@edge
def worker(
    queues: Annotated[
        str, typer.Option("--queues", "-Q", help="Comma-separated: generate,render,control.")
    ] = "generate,render,control",
    device: Annotated[
        str, typer.Option("--device", help="cpu, or cuda:N to serve exactly one GPU.")
    ] = "cpu",
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", "-c", help="Processes (default: 1 on a GPU, else the CPU count)."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Worker node name.")] = None,
    beat: Annotated[
        bool, typer.Option("--beat", "-B", help="Also run the reconciler schedule in this worker.")
    ] = False,
    metrics_port: Annotated[
        int,
        typer.Option("--metrics-port", help="Serve Prometheus metrics on 127.0.0.1:PORT (0: off)."),
    ] = 0,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "INFO",
    writer: WriterOpt = None,
    model: ModelOpt = None,
    runtime: RuntimeOpt = None,
) -> None:
    """Start a Celery worker with cohortcv's defaults (late acks, prefetch 1, events on).

    With --writer llm each worker process loads and warms its model before it takes a message
    and logs how long that took; if the model cannot load, the worker exits non-zero saying why.
    """
    from producer.workerproc import device_env, metrics_env, settings_env, worker_argv

    settings, _ = _with_writer(get_settings(), _WriterChoice(writer, model, runtime))
    gpu = device.startswith("cuda")
    model_writer = settings.writer.name != "template"
    procs = concurrency or (1 if gpu or model_writer else max(1, os.cpu_count() or 1))
    node = name or (f"gpu{device.split(':')[-1]}@%h" if gpu else "cpu@%h")
    env = metrics_env(
        metrics_port or settings.metrics_port,
        device_env(device, settings_env(settings)),
        settings.data_dir,
    )
    env |= {
        "COHORTCV_WRITER__NAME": settings.writer.name,
        "COHORTCV_WRITER__MODEL": settings.writer.model,
        "COHORTCV_WRITER__RUNTIME": settings.writer.runtime,
        "COHORTCV_WRITER__DEVICE": "cuda:0" if gpu else device,
        "COHORTCV_WRITER__PRELOAD": "true" if model_writer else "false",
    }
    argv = worker_argv(
        queues=[q.strip() for q in queues.split(",") if q.strip()],
        concurrency=procs, name=node, beat=beat, loglevel=loglevel,
    )  # fmt: skip
    os.execve(argv[0], argv, env)


@app.command("beat")
@edge
def beat_cmd(loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "INFO") -> None:
    """Run the reconciler schedule (celery beat): re-sends jobs whose messages were lost."""
    import tempfile

    from producer.workerproc import WORKER_APP, settings_env

    settings = get_settings()
    schedule = os.path.join(tempfile.gettempdir(), "cohortcv-beat-schedule")
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        WORKER_APP,
        "beat",
        "-l",
        loglevel,
        "-s",
        schedule,
    ]
    os.execve(argv[0], argv, settings_env(settings))


@app.command()
@edge
def flower(
    port: Annotated[int | None, typer.Option("--port")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
) -> None:
    """Run Flower against the same broker, with basic auth from settings (required)."""
    from producer.workerproc import WORKER_APP, settings_env

    settings = get_settings()
    # Before anything starts: Flower's API can run tasks and stop workers.
    credentials = settings.flower.credentials()
    argv = [
        sys.executable, "-m", "celery", "-A", WORKER_APP, "flower",
        f"--address={address or settings.flower.address}",
        f"--port={port or settings.flower.port}",
        "--task_runtime_metric_buckets=0.5,1,2,5,15,30,60,120,300,600,inf",
        "--purge_offline_workers=300",
    ]  # fmt: skip
    env = settings_env(settings)
    # Through the environment, not argv: a password on the command line shows in `ps`.
    env["FLOWER_BASIC_AUTH"] = credentials
    os.execve(argv[0], argv, env)


@app.command()
@edge
def purge(
    batch: Annotated[
        str | None, typer.Option("--batch", help="Only this batch: its rows, resumes, messages.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --batch: purge a batch that is still running.")
    ] = False,
) -> None:
    """Delete what cohortcv keeps: everything in the data dir, or one batch (--batch ID)."""
    from producer.purge import data_dir_contents, external_stores, purge_batch, purge_data_dir

    settings = get_settings()
    if batch is not None:
        engine = _engine(settings)
        if not yes:
            typer.confirm(f"Delete batch {batch}: its jobs, rows and resumes?", abort=True)
        done = purge_batch(settings, engine, batch, force=force)
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


@db_app.command("upgrade")
@edge
def db_upgrade_cmd() -> None:
    """Create or migrate the database schema to the newest version."""
    from shared.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.resolved_database_url())
    out.print(f"database at head: {settings.resolved_database_url().split('@')[-1]}")


if __name__ == "__main__":  # pragma: no cover
    app()
