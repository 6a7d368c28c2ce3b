"""The typed, frozen read models the services return: the batch object (docs/design.md §8),
its counts and the queues nobody consumes, and one row of a batch's row listing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    """A read model: built once from the database, never changed by its readers."""

    model_config = ConfigDict(frozen=True)


class Counts(View):
    rows: int
    accepted: int
    rejected: int
    queued: int
    running: int
    done: int
    failed: int
    dead: int
    cancelled: int = 0


# A queue holding queued jobs that no running worker consumes, with the command to start.
# (No docstring: it would become a description in the OpenAPI document.)
class StuckQueue(View):
    queue: str
    queued: int
    start: str


class Progress(View):
    """Pace of a batch: rate, ETA, and whether it is stalled and why."""

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


class BatchHead(View):
    """What the batch row itself says: the fields of the batch object before its pace."""

    id: str
    institution_id: str
    filename: str
    status: str
    counts: Counts
    # Times are ISO 8601 strings with their UTC offset, as the JSON has always carried them.
    created_at: str | None = Field(description="ISO 8601 with its UTC offset")
    finished_at: str | None = Field(
        description="When nothing of the batch runs any more (a cancelled batch: when its "
        "last running chunk ended)"
    )
    options: dict[str, Any]
    warnings: list[str]


class BatchView(Progress, BatchHead):
    """The batch object shared by the API and `cohortcv status --json`: the batch's own fields,
    its pace flat beside them, then its generation speed (the bases' order is the JSON's)."""

    tokens_per_s: float | None = None


class RowWarning(View):
    """Input text left out of the resume because it reads as an instruction to a model."""

    column: str
    text: str


class RowView(View):
    """One input row of a batch with its outcome (the rows listing)."""

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
