"""What every command module shares: consoles, the error edge, the database, common options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from shared.errors import CohortcvError
from shared.options import FORMATS, BatchOptions, build_options
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


def batch_options(settings: Settings, lang: str | None, formats: str | None) -> BatchOptions:
    """BatchOptions from the CLI's flags, with the settings as defaults."""
    return build_options(
        language=lang or settings.language,
        writer=settings.writer,
        formats=formats if formats is not None else list(settings.formats),
    )


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


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
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
