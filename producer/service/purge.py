"""Deleting what cohortcv keeps: the whole data dir, one batch, or the batches older than a retention age."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from producer import purge
from producer.purge import BatchPurge, DataDirPurge
from producer.service.context import Service
from shared.db.retention import expired_batches
from shared.settings import Settings

__all__ = [
    "BatchPurge", "DataDirPurge", "data_dir_contents", "expired", "external_stores",
    "purge_batch", "purge_data_dir",
]  # fmt: skip


# The data dir's own functions take settings, not a Service: they need no database (the one
# they would open may be what is being deleted).
def data_dir_contents(settings: Settings) -> list[Path]:
    """What `purge` would delete in the data dir (asked about before it is)."""
    return purge.data_dir_contents(settings)


def external_stores(settings: Settings) -> list[str]:
    """Stores this deployment uses outside the data dir: named, never touched."""
    return purge.external_stores(settings)


def purge_data_dir(settings: Settings) -> DataDirPurge:
    """Delete every batch, resume and log in the data dir."""
    return purge.purge_data_dir(settings)


def purge_batch(svc: Service, batch_id: str, *, force: bool) -> BatchPurge:
    """Delete one batch's rows, resumes, files and broker messages (`force`: even a running one)."""
    return purge.purge_batch(svc.settings, svc.engine, batch_id, force=force)


def expired(svc: Service, older_than: timedelta) -> list[str]:
    """The ids of the batches created longer ago than `older_than` (retention)."""
    return list(expired_batches(svc.engine, older_than))
