"""Schema upgrades through Alembic, callable from the CLI and from tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from shared.errors import ConfigurationError


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "shared.db:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating it when it is new)."""
    command.upgrade(alembic_config(url), revision)


def require_schema(engine: Engine) -> None:
    """Fail with a clear message when the database was never migrated."""
    if not inspect(engine).has_table("jobs"):
        url = engine.url.render_as_string(hide_password=True)
        raise ConfigurationError(f"{url} has no cohortcv schema yet: run `cohortcv db upgrade`")
