"""Batch operations: submit, look up, list, cancel, retry, delete, and purge by age."""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy import Engine

from producer.dispatch import StoredBatch, store_batch
from producer.ingest.pipeline import open_ingestion
from producer.purge import BatchPurge, purge_batch, purge_found_batch
from producer.service.context import Service
from shared.batch_status import batch_object, stuck_queues
from shared.batch_status import stuck_text as stuck_text
from shared.db import jobs as job_rows
from shared.db.batches import (
    fail_unqueued,
    get_batch,
    institution_batch_ids,
    set_filename,
    set_status,
)
from shared.db.batches import list_batches as recent_ids
from shared.db.models import BatchStatus
from shared.db.purge import purge_unreferenced as purge_rows_unreferenced
from shared.db.purge import release_deleted_pages
from shared.db.retention import expired_batches, stop_waiting
from shared.errors import (
    ConfigurationError,
    InputError,
    NotFoundError,
    TooLargeError,
    WholeFileError,
)
from shared.options import BatchOptions
from shared.reconcile import top_up
from shared.settings import IngestSettings
from shared.views import BatchView, StuckQueue

FINAL = (BatchStatus.COMPLETED, BatchStatus.FAILED, BatchStatus.CANCELLED)
# Control characters, path separators, and the Unicode controls that reorder or hide text
# (bidi embeddings, overrides and isolates, zero-width marks): "evil\u202ecsv.exe" would be
# shown as "evilexe.vsc".
_BAD_NAME_CHARS = re.compile(
    r"[\x00-\x1f\x7f-\x9f/\\\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+"
)


@dataclass(frozen=True)
class UploadLimits:
    """Size and row limits of one upload; over either → TooLargeError (HTTP 413)."""

    max_bytes: int
    max_rows: int


Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a listing: the items, and the cursor for the next page when there is one."""

    data: list[Item]
    has_more: bool
    next_after: str | None


def clean_filename(name: str | None, fallback: str = "upload.csv") -> str:
    """The client's file name, kept as sent where it is safe: last path component only, no
    control or text-direction characters, at most 200 characters (the suffix is kept: it
    names the format)."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _BAD_NAME_CHARS.sub("_", text).strip().lstrip(".")
    if not text:
        return fallback
    if len(text) > 200:
        stem, dot, suffix = text.rpartition(".")
        text = stem[: 190 - len(suffix)] + dot + suffix if dot and len(suffix) <= 10 else text[:200]
    return text


def staged_copy(folder: Path, filename: str) -> Path:
    """A fresh private folder under `folder` and the path of `filename` in it: the upload is
    read under its own name (its suffix names the format) without clashing with another."""
    folder.mkdir(parents=True, exist_ok=True)
    # A name on disk holds at most 255 bytes; 200 CJK characters are 600. Such a name is
    # staged as upload.<suffix>: the client's name is kept on the batch all the same.
    if len(filename.encode("utf-8")) > 240:
        suffix = Path(filename).suffix
        filename = "upload" + (suffix if len(suffix.encode("utf-8")) <= 16 else "")
    return Path(tempfile.mkdtemp(prefix="upload-", dir=folder)) / filename


def discard_staged(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def store(
    engine: Engine,
    ingest: IngestSettings,
    path: Path,
    options: BatchOptions,
    institution_id: str,
    *,
    filename: str | None = None,
    limits: UploadLimits | None = None,
    sheet: str | None = None,
    on_row: Callable[[int], None] | None = None,
    batch_id: str | None = None,
) -> StoredBatch:
    """Validate `path` into a stored batch (nothing is sent to the broker yet).

    `filename` is what the client called the file (kept on the batch, used in messages);
    whole-file errors name it, never the temporary path. `batch_id`: an id chosen before (the
    embedded run names its broker folder after it); a new one otherwise.
    """
    shown = filename or path.name
    if limits is not None:
        ingest = ingest.model_copy(
            update={
                "max_file_bytes": min(ingest.max_file_bytes, limits.max_bytes),
                "max_rows": min(ingest.max_rows, limits.max_rows),
            }
        )
        size = path.stat().st_size if path.is_file() else 0
        if size > limits.max_bytes:
            raise TooLargeError(shown, too_big_message(size, limits.max_bytes))
    ingestion = None
    try:
        ingestion = open_ingestion(
            path,
            institution_id=institution_id,
            language=options.language,
            settings=ingest,
            sheet=sheet,
        )
        stored = store_batch(
            engine,
            ingestion,
            institution_id=institution_id,
            options=options.stored(),
            batch_id=batch_id,
            on_row=on_row,
        )
    except TooLargeError:
        raise
    except WholeFileError as exc:
        message = exc.message.replace(str(path), shown)
        if limits is not None and ingestion is not None and ingestion.rows >= ingest.max_rows:
            raise TooLargeError(
                shown,
                f"has more than {ingest.max_rows:,} data rows; the limit of one upload is "
                f"{ingest.max_rows:,} rows: split the file",
            ) from None
        raise WholeFileError(shown, message) from None
    if filename is not None and filename != path.name:
        set_filename(engine, stored.id, filename)
    return stored


def queue(svc: Service, stored: StoredBatch) -> None:
    """Send the first window of a stored batch's chunks.

    A broker that refuses the work fails the batch (its jobs cancelled, so no reconciler runs
    it later behind the user's back) and raises ConfigurationError saying why.
    """
    if svc.send is None or not stored.accepted:
        return
    try:
        top_up(svc.engine, svc.send, stored.id, svc.settings.policy())
    except Exception as exc:
        from shared.celery_config import broker_reason

        reason = f"the broker refused the work ({broker_reason(exc)})"
        fail_unqueued(svc.engine, stored.id, reason)
        raise ConfigurationError(
            f"batch {stored.id} was stored but {reason}; it is marked failed and will not run: "
            "check the broker and submit the file again"
        ) from None


def submit(
    svc: Service,
    path: Path,
    options: BatchOptions,
    institution_id: str,
    *,
    filename: str | None = None,
    limits: UploadLimits | None = None,
    sheet: str | None = None,
    on_row: Callable[[int], None] | None = None,
) -> StoredBatch:
    """Validate `path` into a stored batch and queue its first chunks."""
    stored = store(
        svc.engine, svc.settings.ingest, path, options, institution_id,
        filename=filename, limits=limits, sheet=sheet, on_row=on_row,
    )  # fmt: skip
    queue(svc, stored)
    return stored


def too_big_message(size: int, limit: int) -> str:
    return (
        f"is {size / 2**20:,.1f} MiB or more; the limit of one upload is "
        f"{limit / 2**20:,.1f} MiB: split the file"
    )


def get(svc: Service, batch_id: str, institution_id: str | None) -> BatchView:
    """The batch object (docs/design.md §8) of one of the institution's batches."""
    # The same object as `cohortcv status BATCH --json`, generation speed included; another
    # institution's id is a 404 before anything is written.
    return batch_object(svc.engine, batch_id, institution_id)


def recent(svc: Service, limit: int = 20) -> list[BatchView]:
    """The batch objects of the newest batches of every institution (`cohortcv status`)."""
    return [batch_object(svc.engine, batch_id) for batch_id in recent_ids(svc.engine, limit)]


def waiting_queues(svc: Service) -> list[StuckQueue]:
    """Queues holding jobs that no running worker consumes, with what to start (`stuck_text`)."""
    return stuck_queues(svc.engine)


def list_batches(
    svc: Service, institution_id: str, *, limit: int = 20, after: str | None = None
) -> Page[BatchView]:
    """The institution's batches, newest first; `after` is the last id of the previous page."""
    limit = max(1, min(limit, svc.settings.api.max_page))
    cursor = get_batch(svc.engine, after, institution_id) if after else None
    ids = institution_batch_ids(svc.engine, institution_id, limit + 1, cursor)
    more = len(ids) > limit
    ids = ids[:limit]
    data = []
    for batch_id in ids:
        try:
            data.append(batch_object(svc.engine, batch_id, institution_id))
        except NotFoundError:  # deleted between the two queries
            continue
    return Page(data, more, ids[-1] if more and ids else None)


def cancel(svc: Service, batch_id: str, institution_id: str | None) -> BatchView:
    """Stop the jobs no worker has taken yet; chunks already running finish and count."""
    batch = get_batch(svc.engine, batch_id, institution_id)
    if batch.status not in FINAL:
        stop_waiting(svc.engine, batch_id)
        set_status(svc.engine, batch_id, BatchStatus.CANCELLED)
    return batch_object(svc.engine, batch_id, institution_id)


def retry(svc: Service, batch_id: str, institution_id: str | None) -> int:
    """Give the batch's dead jobs a fresh set of attempts and queue them again."""
    get_batch(svc.engine, batch_id, institution_id)
    n = job_rows.requeue_dead(svc.engine, batch_id)
    if n:
        set_status(svc.engine, batch_id, BatchStatus.QUEUED)
        if svc.send is not None:
            top_up(svc.engine, svc.send, batch_id, svc.settings.policy())
    return n


def delete(svc: Service, batch_id: str, institution_id: str | None) -> BatchPurge:
    """Delete the batch and everything derived from it: jobs, rejected rows, resumes, files.

    A running batch is cancelled first; its chunks in flight find their jobs gone.
    """
    batch = get_batch(svc.engine, batch_id, institution_id)  # the one read: 404 for another's
    if batch.status not in FINAL:
        stop_waiting(svc.engine, batch_id)
        set_status(svc.engine, batch_id, BatchStatus.CANCELLED)
    return purge_found_batch(svc.settings, svc.engine, batch_id)


def purge_unreferenced(svc: Service) -> tuple[int, int]:
    """Delete the resumes no job names (left by a batch deleted mid-chunk before stores were
    fenced); returns (resumes, files) deleted."""
    found = purge_rows_unreferenced(svc.engine)
    release_deleted_pages(svc.engine)
    return found


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m` or a bare number of days → a timedelta; InputError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*([dhm]?)\s*", text or "")
    if not match:
        raise InputError(f"--older-than {text!r}: use a number of days like 30d (or 12h, 90m)")
    n, unit = int(match.group(1)), match.group(2) or "d"
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}[unit]


def purge_older_than(
    svc: Service, older_than: timedelta, institution_id: str | None = None
) -> list[BatchPurge]:
    """Delete every batch older than `older_than` (retention), running ones included."""
    done = []
    for batch_id in expired_batches(svc.engine, older_than, institution_id):
        stop_waiting(svc.engine, batch_id)
        try:
            done.append(purge_batch(svc.settings, svc.engine, batch_id, force=True))
        except NotFoundError:  # deleted meanwhile by someone else
            continue
    return done
