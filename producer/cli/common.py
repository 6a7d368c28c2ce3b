"""What every command module shares: consoles, the error edge, the database, common options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from shared.errors import CohortcvError
from shared.options import FORMATS, WRITERS, BatchOptions, build_options
from shared.settings import Settings

console = Console(stderr=True)
out = Console(soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


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


def engine_for(settings: Settings, upgrade: bool = False) -> Any:
    """The database engine; embedded `run` migrates on its own, servers need `db upgrade`."""
    from shared.db.engine import make_engine

    url = settings.resolved_database_url()
    if upgrade:
        from shared.db.migrate import upgrade as db_upgrade

        db_upgrade(url)
    engine = make_engine(url)
    if not upgrade:
        # A database left at an older revision must say "run `cohortcv db upgrade`", not fail
        # later on a missing column (the check costs one Alembic import).
        from shared.db.migrate import require_schema

        require_schema(engine)
    return engine


def service_for(settings: Settings, *, send: bool = False) -> Any:
    """The batch operations over this deployment (`send`: with a checked broker connection)."""
    from producer.service.context import Service

    sender = None
    if send:
        from producer.service.context import CelerySender
        from shared.celery_config import check_broker

        sender = CelerySender(settings)
        check_broker(sender.app)  # a wrong URL or password is reported before anything is stored
    return Service(settings, engine_for(settings), sender)


@dataclass(frozen=True)
class WriterChoice:
    """--writer/--model/--runtime/--target-job of run, submit and worker (None: from settings)."""

    writer: str | None = None
    model: str | None = None
    runtime: str | None = None
    target_job: str | None = None


def with_writer(
    settings: Settings, choice: WriterChoice, embedded: bool = False
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
    if embedded and spec.name != "template":
        settings = _laptop_model_limits(settings)
        if not spec.generate_chunk_size:
            # A laptop's CPU writes a person in tens of seconds with a 135M model, minutes when
            # the machine is busy: small write chunks stay inside the task time limit and keep
            # the progress bar moving.
            spec = spec.model_copy(update={"generate_chunk_size": 2})
    return settings.model_copy(update={"writer": spec}), options


# A model on a laptop CPU: time limits and deadline that a slow chunk can meet, still in order
# (soft < hard < job deadline < visibility timeout, WorkerSettings.check_time_limits).
LAPTOP_MODEL_LIMITS = {"soft_time_limit_s": 1200, "hard_time_limit_s": 1500, "job_deadline_s": 1800}


def _laptop_model_limits(settings: Settings) -> Settings:
    """A model on a CPU is far slower than the template writer: raise the default task limits
    and the job deadline with them, so the reconciler never re-sends a chunk still running."""
    worker = settings.worker
    defaults = type(worker)()
    if any(getattr(worker, k) != getattr(defaults, k) for k in LAPTOP_MODEL_LIMITS):
        return settings  # the operator chose limits: keep them (checked at start)
    slower = worker.model_copy(update=LAPTOP_MODEL_LIMITS)
    return settings.model_copy(update={"worker": slower})


def batch_options(
    settings: Settings, lang: str | None, formats: str | None, writer: dict[str, object]
) -> BatchOptions:
    """BatchOptions from the CLI's flags (`writer` from with_writer), settings as defaults."""
    return build_options(
        language=lang or settings.language,
        formats=formats if formats is not None else list(settings.formats),
        **writer,
    )


def speed_text(tokens_per_s: float | None) -> str:
    """Text like " (123 tok/s)" while a model writes the batch, "" otherwise."""
    return f" ({tokens_per_s:,.0f} tok/s)" if tokens_per_s else ""


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def warn_instructions(cells: int, report: Path) -> None:
    """Say how many cells held instructions to a model (left out; listed in report.csv)."""
    if cells:
        held = "1 cell held" if cells == 1 else f"{cells:,} cells held"
        warn(
            [
                f"{held} instructions to a model, left out of the resumes; "
                f"see the warnings column of {report}"
            ]
        )


def counts_table(counts: dict[str, int]) -> Table:
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
        help=f"Comma-separated: {','.join(FORMATS)}. Default: COHORTCV_FORMATS (all four).",
    ),
]
InstitutionOpt = Annotated[
    str, typer.Option("--institution", help="Institution id the upload belongs to.")
]
SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="XLSX sheet name (default: the first).")
]
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
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
