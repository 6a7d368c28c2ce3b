"""Clearing what cohortcv keeps: the whole data dir, or one batch (rows, resumes, broker leftovers)."""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from shared.db.batches import get_batch
from shared.db.models import BatchStatus
from shared.db.purge import PurgedRows, purge_batch_rows, release_deleted_pages
from shared.errors import InputError
from shared.settings import Settings

# What cohortcv itself writes into the data dir. Nothing else is deleted, so a data dir pointed
# at a folder that holds other files (the home folder, by mistake) loses only ours.
DB_NAME = "cohortcv.db"
OWN_DIRS = ("broker", "runs", "logs", "metrics")
FINAL = (BatchStatus.COMPLETED, BatchStatus.FAILED, BatchStatus.CANCELLED)


@dataclass(frozen=True)
class DataDirPurge:
    """What a full purge removed, and what it left because it lives elsewhere."""

    data_dir: Path
    removed: list[Path]
    bytes_freed: int
    untouched: list[str]


@dataclass(frozen=True)
class BatchPurge:
    """What a one-batch purge removed."""

    batch_id: str
    rows: PurgedRows
    broker_messages: int


def _size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def data_dir_contents(settings: Settings) -> list[Path]:
    """cohortcv's own files in the data dir (the embedded database only when it is used)."""
    root = settings.data_dir
    if not root.is_dir():
        return []
    found: list[Path] = []
    if not settings.database_url:
        found += sorted(root.glob(DB_NAME + "*"))  # -wal, -shm and the migration lock
    if settings.embedded_broker:
        found.append(root / "broker")
    found += [root / name for name in OWN_DIRS if name != "broker"]
    return [p for p in found if p.exists() or p.is_symlink()]


def external_stores(settings: Settings) -> list[str]:
    """The database and broker a full purge leaves alone because they are not in the data dir."""
    left: list[str] = []
    if settings.database_url:
        url = settings.database_url.split("@")[-1]
        left.append(f"database {url} (remove batches with `cohortcv purge --batch ID`)")
    if not settings.embedded_broker:
        left.append(f"broker {settings.resolved_broker_url().split('@')[-1]}")
    return left


def purge_data_dir(settings: Settings) -> DataDirPurge:
    """Delete the embedded database, broker messages, logs and metrics under the data dir."""
    paths = data_dir_contents(settings)
    freed = 0
    for path in paths:
        freed += _size(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        settings.data_dir.rmdir()  # only when nothing else is left in it
    return DataDirPurge(settings.data_dir, paths, freed, external_stores(settings))


def _message_batch(path: Path) -> str | None:
    """The batch id named in one filesystem-broker message file, if any."""
    try:
        message = json.loads(path.read_bytes())
        body = message.get("body", "")
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body).decode("utf-8", "replace")
        args = json.loads(body)
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    # Celery protocol 2: [args, kwargs, embed]; the chunk tasks take the payload as kwargs.
    if not isinstance(args, list) or len(args) < 2:
        return None
    positional = args[0] if isinstance(args[0], list) else []
    for value in (args[1], *positional):
        if isinstance(value, dict) and isinstance(value.get("batch_id"), str):
            return str(value["batch_id"])
    return None


def purge_broker_messages(settings: Settings, batch_id: str) -> int:
    """Remove the batch's messages left in the embedded broker's folders (queued or processed).

    A Redis broker is left alone: a message whose jobs no longer exist is dropped by the
    worker that takes it, and Redis lists cannot be edited safely under running workers.
    """
    if not settings.embedded_broker:
        return 0
    removed = 0
    # The shared broker folder (submit, retry) and each embedded run's own (runs/<batch>/broker).
    brokers = [settings.broker_folder(), *settings.data_dir.glob("runs/*/broker")]
    folders = [broker / sub for broker in brokers for sub in ("queue", "processed")]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and _message_batch(path) == batch_id:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def purge_batch(settings: Settings, engine: Engine, batch_id: str, *, force: bool) -> BatchPurge:
    """Delete one batch everywhere cohortcv keeps it; another batch is untouched."""
    batch = get_batch(engine, batch_id)
    if batch.status not in FINAL and not force:
        raise InputError(
            f"batch {batch_id} is {batch.status}: wait for it to finish, "
            "or purge it anyway with --force (its running jobs are lost)"
        )
    return purge_found_batch(settings, engine, batch_id)


def purge_found_batch(settings: Settings, engine: Engine, batch_id: str) -> BatchPurge:
    """Delete a batch already looked up (and found) everywhere cohortcv keeps it."""
    rows = purge_batch_rows(engine, batch_id)
    messages = purge_broker_messages(settings, batch_id)
    release_deleted_pages(engine)  # SQLite: no copy of the deleted rows left in its files
    return BatchPurge(batch_id, rows, messages)
