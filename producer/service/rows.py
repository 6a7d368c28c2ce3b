"""Per-row listings of a batch: every input row with its outcome (shared.views.RowView), and
the rejected rows alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from producer.service.batches import Page
from producer.service.context import Service
from shared.db.batches import get_batch
from shared.db.jobs import PENDING
from shared.db.models import JobStatus
from shared.db.resumes import load_warnings
from shared.db.rows import job_lines, row_errors
from shared.errors import InputError
from shared.options import FORMATS
from shared.views import RowView, RowWarning

ROW_FILTERS = ("accepted", "rejected", *JobStatus.ALL)
# Lines are stored as 32-bit integers: a cursor past this is no line of any file.
LAST_LINE = 2**31 - 1


def _limit(svc: Service, limit: int) -> int:
    return max(1, min(limit, svc.settings.api.max_page))


def _job_items(
    svc: Service, batch_id: str, status: str | None, after: int, limit: int, formats: list[str]
) -> list[RowView]:
    statuses: tuple[str, ...] | None = None
    if status == JobStatus.QUEUED:
        statuses = (PENDING, JobStatus.QUEUED)
    elif status not in (None, "accepted"):
        statuses = (str(status),)
    rows = job_lines(svc.engine, batch_id, after=after, statuses=statuses, limit=limit + 1)
    warnings = load_warnings(svc.engine, [r.resume_id for r in rows if r.resume_id is not None])
    items = []
    for row in rows:
        line, external_id, name = row.line, row.external_id, row.name
        job_status, resume_id, last_error = row.status, row.resume_id, row.last_error
        shown = JobStatus.QUEUED if job_status == PENDING else job_status
        done = shown == JobStatus.DONE and resume_id is not None
        items.append(
            RowView(
                line=line,
                id=external_id,
                name=name,
                outcome="accepted",
                status=shown,
                reason=(last_error or "") if shown == JobStatus.DEAD else "",
                resume_id=resume_id if done else None,
                outputs={f: f"/v1/resumes/{resume_id}.{f}" for f in formats} if done else {},
                # Input text left out of the resume: it reads as an instruction to a model.
                warnings=[
                    RowWarning(column=column, text=text)
                    for column, text in (warnings.get(resume_id, []) if resume_id else [])
                ],
            )
        )
    return items


def _error_items(svc: Service, batch_id: str, after: int, limit: int) -> list[RowView]:
    return [
        RowView(
            line=e.line, id=e.external_id, name=e.name, outcome="rejected",
            status="rejected", column=e.column, reason=e.reason,
            resume_id=None, outputs={}, warnings=[],
        )
        for e in row_errors(svc.engine, batch_id, after=after, limit=limit + 1)
    ]  # fmt: skip


def _page(items: list[Any], limit: int, line: Callable[[Any], int]) -> Page[Any]:
    more = len(items) > limit
    items = items[:limit]
    return Page(items, more, str(line(items[-1])) if more and items else None)


def _after(after: str | int | None) -> int:
    if after in (None, ""):
        return 0
    try:
        line = int(str(after))
    except ValueError:
        line = -1
    if not 0 <= line <= LAST_LINE:
        raise InputError(f"after: {str(after)[:40]!r} is not a line number (0 to {LAST_LINE})")
    return line


def rows(
    svc: Service,
    batch_id: str,
    institution_id: str,
    *,
    status: str | None = None,
    after: str | int | None = None,
    limit: int = 100,
) -> Page[RowView]:
    """One item per input row in file order, keyed by its line and the row's own id.

    `status` keeps rows that are `accepted`, `rejected`, or whose job is in that status.
    """
    batch = get_batch(svc.engine, batch_id, institution_id)
    if status is not None and status not in ROW_FILTERS:
        raise InputError(f"status {status!r} is unknown; use one of {', '.join(ROW_FILTERS)}")
    limit, start = _limit(svc, limit), _after(after)
    formats = [f for f in FORMATS if f in (batch.options or {}).get("formats", FORMATS)]
    items: list[RowView] = []
    if status != "rejected":
        items += _job_items(svc, batch_id, status, start, limit, formats)
    if status in (None, "rejected"):
        items += _error_items(svc, batch_id, start, limit)
        items.sort(key=lambda item: item.line)
    return _page(items, limit, lambda item: item.line)


def errors(
    svc: Service,
    batch_id: str,
    institution_id: str,
    *,
    after: str | int | None = None,
    limit: int = 100,
) -> Page[dict[str, Any]]:
    """The rejected rows: line, column, reason (and the row's id and name when it had them)."""
    get_batch(svc.engine, batch_id, institution_id)
    limit = _limit(svc, limit)
    items = [
        {"line": r.line, "id": r.id, "name": r.name, "column": r.column, "reason": r.reason}
        for r in _error_items(svc, batch_id, _after(after), limit)
    ]
    return _page(items, limit, lambda item: item["line"])
