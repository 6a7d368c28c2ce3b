"""/v1/resumes/{id}.{format}: one rendered file of one of the institution's resumes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from producer.api.deps import InstitutionDep, ServiceDep
from producer.api.resume_policy import resume_policy
from producer.api.schemas import ERRORS
from producer.service import download
from shared.options import FORMATS

router = APIRouter(prefix="/v1/resumes", tags=["resumes"], responses=ERRORS)


@router.get(
    "/{resume_id}.{fmt}",
    response_class=Response,
    responses={200: {"content": {download.MEDIA_TYPES[f].split(";")[0]: {} for f in FORMATS}}},
)
def get_resume(
    resume_id: Annotated[int, Path(ge=1, le=2**62)],
    fmt: Annotated[
        str,
        Path(
            description=f"One of {', '.join(FORMATS)}",
            max_length=8,
            json_schema_extra={"enum": list(FORMATS)},
        ),
    ],
    svc: ServiceDep,
    institution: InstitutionDep,
) -> Response:
    """The resume as PDF, HTML, Markdown or JSON Resume (as the batch asked for)."""
    content = download.resume_file(svc, resume_id, fmt, institution)
    headers = {"Content-Disposition": f'inline; filename="resume-{resume_id}.{fmt}"'}
    if fmt == "html":
        # The site's own policy (style-src 'self') would leave the resume unstyled.
        headers["Content-Security-Policy"] = resume_policy(content)
    return Response(content, media_type=download.MEDIA_TYPES[fmt], headers=headers)
