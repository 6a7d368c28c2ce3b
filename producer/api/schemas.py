"""Response shapes of the API, for the OpenAPI document; the batch object (docs/design.md §8)
and the row are shared.views' read models, which the services return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.views import BatchView, RowView


class ErrorBody(BaseModel):
    code: str
    message: str


class BatchObject(BatchView):
    pass  # the batch object under the name the OpenAPI document has always given it


class BatchList(BaseModel):
    data: list[BatchObject]
    has_more: bool
    next_after: str | None


class RowItem(RowView):
    pass  # one row of the rows listing under its OpenAPI name


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
