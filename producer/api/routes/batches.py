"""/v1/batches: upload, look up, list, per-row listings, download, cancel, retry and delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from producer.api.deps import InstitutionDep, ServiceDep
from producer.api.schemas import (
    ERRORS,
    BatchList,
    BatchObject,
    Deleted,
    ErrorBody,
    ErrorList,
    RetryResult,
    RowList,
)
from producer.api.upload import FILE_FIELD, accept_upload
from producer.service import batches, download, rows
from shared.options import FORMATS, LANGUAGES, RUNTIMES, THEMES, WRITERS

router = APIRouter(prefix="/v1/batches", tags=["batches"], responses=ERRORS)
BatchId = Annotated[str, Path(max_length=64, description="The batch id")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page")]
After = Annotated[
    str | None, Query(max_length=64, description="Cursor: next_after of the last page")
]
LineAfter = Annotated[
    int | None,
    Query(ge=0, le=rows.LAST_LINE, description="Cursor: next_after (a line) of the last page"),
]
# A comma-separated list of formats, as the server reads it (case and spaces aside).
FORMAT_LIST = f"^({'|'.join(FORMATS)})(,({'|'.join(FORMATS)}))*$"

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {"type": "string", "format": "binary"},
                        "language": {"type": "string", "enum": list(LANGUAGES)},
                        "writer": {"type": "string", "enum": list(WRITERS)},
                        "model": {"type": "string"},
                        "runtime": {"type": "string", "enum": list(RUNTIMES)},
                        "formats": {
                            "type": "string",
                            "pattern": FORMAT_LIST,
                            "description": f"Comma-separated, of {','.join(FORMATS)}",
                        },
                        "target_job": {"type": "string"},
                        "theme": {"type": "string", "enum": list(THEMES)},
                        "sheet": {"type": "string", "description": "XLSX sheet name"},
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=BatchObject,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"model": ErrorBody, "description": "Over the size or row limit"}},
)
async def create_batch(request: Request, svc: ServiceDep, institution: InstitutionDep) -> Any:
    """Upload a CSV, XLSX or JSONL export (multipart field `file`) with the batch options.

    The file is validated whole before the answer: rejected rows are listed under `/errors`;
    a file that cannot be used at all is a 422 naming what was found; over the size or row
    limit, a 413. Accepted rows are queued at once.
    """
    obj, _ = await accept_upload(request, svc, institution)
    return obj


@router.get("", response_model=BatchList)
def list_batches(
    svc: ServiceDep, institution: InstitutionDep, limit: Limit = 20, after: After = None
) -> Any:
    """The institution's batches, newest first."""
    page = batches.list_batches(svc, institution, limit=limit, after=after)
    return {"data": page.data, "has_more": page.has_more, "next_after": page.next_after}


@router.get("/{batch_id}", response_model=BatchObject)
def get_batch(batch_id: BatchId, svc: ServiceDep, institution: InstitutionDep) -> Any:
    """The batch object: status and per-status counts. Safe to poll."""
    return batches.get(svc, batch_id, institution)


@router.get("/{batch_id}/rows", response_model=RowList)
def batch_rows(
    batch_id: BatchId,
    svc: ServiceDep,
    institution: InstitutionDep,
    status: Annotated[
        str | None,
        Query(
            max_length=16,
            description="accepted, rejected, or a job status (done, dead, …)",
            json_schema_extra={"enum": list(rows.ROW_FILTERS)},
        ),
    ] = None,
    limit: Limit = 100,
    after: LineAfter = None,
) -> Any:
    """One item per input row, in file order, keyed by line and the row's own id."""
    page = rows.rows(svc, batch_id, institution, status=status, after=after, limit=limit)
    return {"data": page.data, "has_more": page.has_more, "next_after": page.next_after}


@router.get("/{batch_id}/errors", response_model=ErrorList)
def batch_errors(
    batch_id: BatchId,
    svc: ServiceDep,
    institution: InstitutionDep,
    limit: Limit = 100,
    after: LineAfter = None,
) -> Any:
    """The rejected rows with line, column and reason."""
    page = rows.errors(svc, batch_id, institution, after=after, limit=limit)
    return {"data": page.data, "has_more": page.has_more, "next_after": page.next_after}


@router.get(
    "/{batch_id}/download",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "A ZIP, streamed"}},
)
def download_batch(
    batch_id: BatchId,
    svc: ServiceDep,
    institution: InstitutionDep,
    format: Annotated[
        str | None,
        Query(
            max_length=40,
            description=f"Comma-separated, of {','.join(FORMATS)}",
            json_schema_extra={"pattern": FORMAT_LIST},
        ),
    ] = None,
) -> StreamingResponse:
    """The finished resumes as <person>/resume.<format>, plus report.csv and errors.csv."""
    zipped = download.batch_zip(svc, batch_id, institution, format)
    return StreamingResponse(
        zipped.chunks,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{zipped.filename}"'},
    )


@router.post("/{batch_id}/cancel", response_model=BatchObject)
def cancel_batch(batch_id: BatchId, svc: ServiceDep, institution: InstitutionDep) -> Any:
    """Stop the queued jobs; chunks already running finish and count."""
    return batches.cancel(svc, batch_id, institution)


@router.post("/{batch_id}/retry", response_model=RetryResult)
def retry_batch(batch_id: BatchId, svc: ServiceDep, institution: InstitutionDep) -> Any:
    """Queue the dead-lettered jobs again with a fresh set of attempts."""
    return {"id": batch_id, "requeued": batches.retry(svc, batch_id, institution)}


@router.delete("/{batch_id}", response_model=Deleted)
def delete_batch(batch_id: BatchId, svc: ServiceDep, institution: InstitutionDep) -> Any:
    """Delete the batch and every row, resume and file derived from it."""
    done = batches.delete(svc, batch_id, institution)
    return {
        "id": batch_id, "deleted": True, "jobs": done.rows.jobs,
        "rejected_rows": done.rows.row_errors, "resumes": done.rows.resumes,
        "files": done.rows.outputs,
    }  # fmt: skip
