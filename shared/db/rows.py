"""A batch's input rows as stored: its jobs (accepted rows) and its row errors, in line order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from shared.db.models import Job, JobStatus, RowErrorRecord


@dataclass(frozen=True)
class JobLine:
    """An accepted row's job: where it came from, who it is, and how far it got."""

    line: int
    external_id: str | None
    name: str
    person_key: str
    status: str
    resume_id: int | None
    last_error: str | None


@dataclass(frozen=True)
class RowError:
    """A rejected row: its line, the column and reason, and the row's id and name if it had them."""

    line: int
    column: str
    reason: str
    external_id: str | None
    name: str | None


def job_lines(
    engine: Engine,
    batch_id: str,
    *,
    after: int = 0,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[JobLine]:
    """The batch's jobs past line `after` in line order, of `statuses` only when given."""
    query = select(
        Job.line, Job.external_id, Job.name, Job.person_key, Job.status,
        Job.resume_id, Job.last_error,
    ).where(Job.batch_id == batch_id, Job.line > after)  # fmt: skip
    if statuses is not None:
        query = query.where(Job.status.in_(list(statuses)))
    query = query.order_by(Job.line)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [JobLine(*r) for r in conn.execute(query).all()]


def row_errors(
    engine: Engine, batch_id: str, *, after: int = 0, limit: int | None = None
) -> list[RowError]:
    """The batch's rejected rows past line `after`, in line order (then as stored)."""
    query = (
        select(
            RowErrorRecord.line, RowErrorRecord.column, RowErrorRecord.reason,
            RowErrorRecord.external_id, RowErrorRecord.name,
        )
        .where(RowErrorRecord.batch_id == batch_id, RowErrorRecord.line > after)
        .order_by(RowErrorRecord.line, RowErrorRecord.id)
    )  # fmt: skip
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [RowError(*r) for r in conn.execute(query).all()]


@dataclass(frozen=True)
class WrittenRow:
    """A job with a resume: its input line and id, the facts it was given, its resume."""

    line: int
    external_id: str | None
    profile: dict[str, Any]
    resume_id: int


def written_rows(engine: Engine, batch_id: str, *, done_only: bool = True) -> list[WrittenRow]:
    """The batch's jobs that have a resume (only the done ones unless `done_only` is False),
    in line order."""
    query = select(Job.line, Job.external_id, Job.profile, Job.resume_id).where(
        Job.batch_id == batch_id, Job.resume_id.is_not(None)
    )
    if done_only:
        query = query.where(Job.status == JobStatus.DONE)
    with engine.connect() as conn:
        return [WrittenRow(*r) for r in conn.execute(query.order_by(Job.line)).all()]
