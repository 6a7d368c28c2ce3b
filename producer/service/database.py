"""The database a command or server works on: its engine, with the schema checked (or migrated) first."""

from __future__ import annotations

from sqlalchemy import Engine

from shared.settings import Settings


def open_engine(settings: Settings, *, upgrade: bool = False) -> Engine:
    """The database engine; `upgrade`: migrate to head first (embedded `run` migrates on its
    own, servers need `db upgrade`); otherwise a database left at an older revision says "run
    `cohortcv db upgrade`" now, not later on a missing column."""
    from shared.db.engine import make_engine

    url = settings.resolved_database_url()
    if upgrade:
        upgrade_schema(settings)
    engine = make_engine(url)
    if not upgrade:
        from shared.db.migrate import require_schema

        require_schema(engine)
    return engine


def upgrade_schema(settings: Settings) -> None:
    """Create or migrate the schema to the newest version."""
    from shared.db.migrate import upgrade

    upgrade(settings.resolved_database_url())
