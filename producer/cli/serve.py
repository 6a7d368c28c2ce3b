"""`cohortcv api`: the HTTP API and web page under uvicorn (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from producer.cli.common import edge
from shared.settings import get_settings


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging setup plus the app's own loggers (request lines, errors) on stderr."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    # Every line through the one filter: values escaped, exceptions without their messages.
    config["filters"] = {"redact": {"()": "shared.logs.Redact"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["loggers"]["cohortcv"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


@edge
def api(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Bind address (default COHORTCV_API__HOST, 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default COHORTCV_API__PORT, 8000).")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Server processes.")] = 1,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /docs) and the web page."""
    import uvicorn

    from producer.service.database import open_engine

    settings = get_settings()
    settings.worker.check_time_limits()  # the API sends work with the job deadline
    # Refuse to start on a database without the schema, before any worker process forks.
    open_engine(settings).dispose()
    if settings.api.ingest_processes == 0:
        # Spawned server processes read settings anew: hand each its share of the CPUs.
        import os

        per_server = settings.api.ingest_pool_size(workers)
        os.environ["COHORTCV_API__INGEST_PROCESSES"] = str(per_server)
    if workers > 1:
        # One /metrics for all server processes: they count into files in one fresh folder.
        import os
        import shutil

        folder = settings.data_dir / "metrics" / "api"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    uvicorn.run(
        "producer.api.app:serve_app",
        factory=True,
        host=host or settings.api.host,
        port=port or settings.api.port,
        workers=workers,
        log_level=log_level,
        log_config=log_config(log_level),
        # Request logs come from the app (ids only); uvicorn's own would repeat them.
        access_log=False,
        proxy_headers=False,
    )


def register(app: typer.Typer) -> None:
    app.command("api")(api)
