"""Validating uploads in a separate process, so a server's status answers never wait on the GIL.

Reading and validating a file is CPU-bound Python: in the API's own process it would hold the
interpreter lock for seconds while other requests wait. A small pool of spawned processes does
it instead; the server process only streams bytes and answers requests.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from producer.dispatch import StoredBatch
from producer.service.batches import UploadLimits, queue, store
from producer.service.context import Service
from shared.options import BatchOptions
from shared.settings import IngestSettings

log = logging.getLogger(__name__)
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
_engines: dict[str, Any] = {}


def _engine(url: str) -> Any:
    from shared.db.engine import make_engine

    # No pooled connections: a database may go away between uploads (tests drop theirs).
    if url not in _engines:
        _engines[url] = make_engine(url, pooled=False)
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


def _guarded(main_file: str) -> bool:
    """Whether a script has an `if __name__ == "__main__":` guard (spawn re-imports it)."""
    try:
        with open(main_file, encoding="utf-8", errors="replace") as fh:
            return "__main__" in fh.read()
    except OSError:
        return False


def _lower_priority() -> None:
    # Validation is batch work: the server's answers to status calls come first on a busy CPU.
    import contextlib
    import os

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


class _SpawnRefused(Exception):
    """multiprocessing refused to start a process (it would re-import an unguarded __main__)."""


def _get_pool(processes: int) -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            import __main__

            main_file = getattr(__main__, "__file__", None)
            if (
                main_file
                and getattr(__main__, "__spec__", None) is None
                and not _guarded(main_file)
            ):
                raise _SpawnRefused(main_file)
            _pool = ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def _ready() -> None:
    # Importing what validation needs (the database driver included) is most of a new
    # process's first-upload cost; a warmed pool has done it before the first upload arrives.
    import psycopg  # noqa: F401

    import producer.ingest.pipeline  # noqa: F401


def warm(processes: int) -> None:
    """Start the pool's processes now, in the background (a server calls this as it starts)."""
    try:
        pool = _get_pool(processes)
    except _SpawnRefused:
        return
    for _ in range(processes):
        pool.submit(_ready)


def shutdown() -> None:
    """Stop the pool's processes (a server calls this as it stops)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


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
    engine: Any = None,
) -> StoredBatch:
    """`batches.store` in a pool process (blocking the calling thread until it is done).

    Where no process can be started (a program that creates the app at import time without a
    `__main__` guard cannot spawn) or the pool broke (a child was killed), the file is validated
    in this thread instead, with `engine`: slower answers elsewhere, never a lost upload.
    """
    global _pool
    args = (url, ingest, str(path), options, institution_id, filename, limits, sheet)
    try:
        future = _get_pool(processes).submit(_store_in_child, *args)
        return future.result()
    except (BrokenProcessPool, _SpawnRefused) as exc:
        log.warning("upload validated in the server process: %s", type(exc).__name__)
        with _lock:
            _pool = None
        return store(
            engine if engine is not None else _engine(url), ingest, path, options,
            institution_id, filename=filename, limits=limits, sheet=sheet,
        )  # fmt: skip


def submit_isolated(
    svc: Service,
    path: Path,
    options: BatchOptions,
    institution_id: str,
    *,
    filename: str | None,
    limits: UploadLimits | None,
    sheet: str | None,
) -> StoredBatch:
    """`batches.submit` with the validation in a pool process: store there, queue here."""
    stored = store_isolated(
        svc.settings.resolved_database_url(), svc.settings.ingest, path, options, institution_id,
        filename=filename, limits=limits, sheet=sheet,
        processes=svc.settings.api.ingest_pool_size(), engine=svc.engine,
    )  # fmt: skip
    queue(svc, stored)
    return stored
