"""`cohortcv db upgrade`: create or migrate the schema."""

from __future__ import annotations

import typer

from producer.cli.common import edge, out
from shared.settings import get_settings

db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)


@db_app.command("upgrade")
@edge
def db_upgrade_cmd() -> None:
    """Create or migrate the database schema to the newest version."""
    from producer.service.database import upgrade_schema

    settings = get_settings()
    upgrade_schema(settings)
    out.print(f"database at head: {settings.resolved_database_url().split('@')[-1]}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
