"""`python -m workers.start ARGS`: Celery's own `worker` command (`celery -A workers.app worker ARGS`)
without the `celery` umbrella command, which imports every installed CLI plugin first (Flower,
and with it Tornado: a fifth of a worker's start-up). Same app, options, bootsteps and tasks."""

from __future__ import annotations

import sys

from celery.bin.base import CLIContext
from celery.bin.worker import worker

from workers.app import app


def main(argv: list[str]) -> None:
    # What the umbrella does for `-A workers.app` before it calls `worker` (celery/bin/celery.py).
    context = CLIContext(app=app, no_color=False, workdir=None, quiet=False)
    worker.main(args=argv, obj=context, prog_name="celery worker", auto_envvar_prefix="CELERY")


if __name__ == "__main__":
    main(sys.argv[1:])
