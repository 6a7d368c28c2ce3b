"""Response shapes of the API, for the OpenAPI document (docs/design.md §8's batch object)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str
    message: str


class Counts(BaseModel):
    rows: int
    accepted: int
    rejected: int
    queued: int
    running: int
    done: int
    failed: int
    dead: int
    cancelled: int = 0


class StuckQueue(BaseModel):
    queue: str
    queued: int
    start: str


class BatchObject(BaseModel):
    id: str
    institution_id: str
    filename: str
    status: str
    counts: Counts
    created_at: str | None = Field(description="ISO 8601 with its UTC offset")
    finished_at: str | None = Field(
        description="When nothing of the batch runs any more (a cancelled batch: when its "
        "last running chunk ended)"
    )
    options: dict[str, Any]
    warnings: list[str]
    rate_per_s: float | None = Field(
        None,
        description="Resumes per second: over the last minute while the batch runs; once it "
        "has ended, its average from the upload to its end",
    )
    eta_s: float | None = None
    # Why eta_s is null while active: "estimating" (rate not measured yet) or "stalled".
    eta_state: str | None = None
    last_progress_at: str | None = None
    stalled: bool = False
    stalled_reason: str | None = None
    # Queues holding this batch's jobs that no running worker consumes, with what to start.
    stuck_queues: list[StuckQueue] = []
    tokens_per_s: float | None = None


class BatchList(BaseModel):
    data: list[BatchObject]
    has_more: bool
    next_after: str | None


class RowWarning(BaseModel):
    """Input text left out of the resume because it reads as an instruction to a model."""

    column: str
    text: str


class RowItem(BaseModel):
    line: int
    id: str | None
    name: str | None
    outcome: str
    status: str
    reason: str
    column: str | None = None
    resume_id: int | None
    outputs: dict[str, str]
    warnings: list[RowWarning] = []


class RowList(BaseModel):
    data: list[RowItem]
    has_more: bool
    next_after: str | None


class ErrorItem(BaseModel):
    line: int
    id: str | None
    name: str | None
    column: str
    reason: str


class ErrorList(BaseModel):
    data: list[ErrorItem]
    has_more: bool
    next_after: str | None


class RetryResult(BaseModel):
    id: str
    requeued: int


class Deleted(BaseModel):
    id: str
    deleted: bool
    jobs: int
    rejected_rows: int
    resumes: int
    files: int


class Health(BaseModel):
    status: str
    database: str
    broker: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No API key, or an unknown or revoked one"},
    404: {"model": ErrorBody, "description": "No such batch for this institution"},
    422: {"model": ErrorBody, "description": "Invalid request"},
}
