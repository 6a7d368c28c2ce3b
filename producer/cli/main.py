"""The `cohortcv` command line (composition root): `cohortcv = "producer.cli.main:app"`.

The commands live in one module per group (run, batches, workers, serve, db, tenant, evaluate), each a
thin adapter that translates arguments and errors; the batch operations are producer.service.
"""

from __future__ import annotations

from producer.cli.app import app

__all__ = ["app"]

if __name__ == "__main__":  # pragma: no cover
    app()
