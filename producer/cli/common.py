"""What every command module shares: consoles, the error edge, the database, common options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from shared.errors import CohortcvError
from shared.options import FORMATS
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
    from producer.service.database import open_engine

    return open_engine(settings, upgrade=upgrade)


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
