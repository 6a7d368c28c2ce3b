"""Validating uploads in a separate process, so a server's status answers never wait on the GIL.

Reading and validating a file is CPU-bound Python: in the API's own process it would hold the
interpreter lock for seconds while other requests wait. A small pool of spawned processes does
it instead; the server process only streams bytes and answers requests.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from producer.dispatch import StoredBatch
from producer.service.batches import UploadLimits, store
from shared.options import BatchOptions
from shared.settings import IngestSettings

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
_engines: dict[str, Any] = {}


def _engine(url: str) -> Any:
    from sqlalchemy.pool import NullPool

    from shared.db.engine import make_engine

    # No pooled connections: a database may go away between uploads (tests drop theirs).
    if url not in _engines:
        _engines[url] = make_engine(url, poolclass=NullPool)
    return _engines[url]


def _store_in_child(
    url: str,
    ingest: IngestSettings,
    path: str,
    options: BatchOptions,
    institution_id: str,
    filename: str | None,
    limits: UploadLimits | None,
    sheet: str | None,
) -> StoredBatch:
    return store(
        _engine(url), ingest, Path(path), options, institution_id,
        filename=filename, limits=limits, sheet=sheet,
    )  # fmt: skip


def _lower_priority() -> None:
    # Validation is batch work: the server's answers to status calls come first on a busy CPU.
    import contextlib
    import os

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


def _get_pool(processes: int) -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def store_isolated(
    url: str,
    ingest: IngestSettings,
    path: Path,
    options: BatchOptions,
    institution_id: str,
    *,
    filename: str | None,
    limits: UploadLimits | None,
    sheet: str | None,
    processes: int,
) -> StoredBatch:
    """`batches.store` in a pool process (blocking the calling thread until it is done)."""
    future = _get_pool(processes).submit(
        _store_in_child, url, ingest, str(path), options, institution_id, filename, limits, sheet
    )
    return future.result()
