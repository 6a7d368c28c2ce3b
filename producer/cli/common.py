"""What every command module shares: the consoles and the edge that maps errors to exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from shared.errors import CohortcvError

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


def engine_for(settings: Any, upgrade: bool = False) -> Any:
    """The database engine; embedded `run` migrates on its own, servers need `db upgrade`."""
    from shared.db.engine import make_engine
    from shared.db.migrate import require_schema
    from shared.db.migrate import upgrade as db_upgrade

    url = settings.resolved_database_url()
    if upgrade:
        db_upgrade(url)
    engine = make_engine(url)
    require_schema(engine)
    return engine
