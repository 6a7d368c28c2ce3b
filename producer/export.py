"""Export: a batch's files as DIR/<person>/resume.{pdf,html,md,json} plus report.csv and errors.csv."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from producer.csvsafe import write_csv
from shared.db import resumes
from shared.db.jobs import PENDING
from shared.db.models import Job, JobStatus, RowErrorRecord

EXTENSIONS = {"pdf": "pdf", "html": "html", "md": "md", "json": "json"}
REPORT_HEADER = ("line", "id", "name", "outcome", "reason", "status", "outputs")
ERRORS_HEADER = ("line", "column", "reason")
_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


def person_folder(external_id: str | None, name: str, person_key: str) -> str:
    """A folder name a file system and a person can both read: the id, else name + key."""
    base = external_id or name
    base = unicodedata.normalize("NFC", base).strip()
    slug = _UNSAFE.sub("-", base).strip("-.")[:60] or "person"
    return slug if external_id else f"{slug}-{person_key[:8]}"


@dataclass(frozen=True)
class ExportSummary:
    out: Path
    resumes: int
    files: int
    rejected: int
    zip_path: Path | None


@dataclass(frozen=True)
class _JobRow:
    line: int
    external_id: str | None
    name: str
    person_key: str
    status: str
    resume_id: int | None
    last_error: str | None


def _jobs(engine: Engine, batch_id: str) -> list[_JobRow]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Job.line, Job.external_id, Job.name, Job.person_key, Job.status,
                Job.resume_id, Job.last_error,
            )
            .where(Job.batch_id == batch_id)
            .order_by(Job.line)
        ).all()  # fmt: skip
    return [_JobRow(*r) for r in rows]


def _errors(engine: Engine, batch_id: str) -> list[tuple[int, str, str, str | None, str | None]]:
    with engine.connect() as conn:
        return [
            tuple(r)  # type: ignore[misc]
            for r in conn.execute(
                select(
                    RowErrorRecord.line, RowErrorRecord.column, RowErrorRecord.reason,
                    RowErrorRecord.external_id, RowErrorRecord.name,
                )
                .where(RowErrorRecord.batch_id == batch_id)
                .order_by(RowErrorRecord.line)
            )
        ]  # fmt: skip


def export_batch(
    engine: Engine,
    batch_id: str,
    out: Path,
    formats: Sequence[str],
    *,
    make_zip: bool = False,
) -> ExportSummary:
    """Write every done resume's files, report.csv (one line per input row) and errors.csv."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = _jobs(engine, batch_id)
    folders: dict[int, str] = {}
    for job in jobs:
        if job.status == JobStatus.DONE and job.resume_id is not None:
            folders[job.resume_id] = person_folder(job.external_id, job.name, job.person_key)
    written: dict[int, list[str]] = {}
    files = 0
    for resume_id, fmt, content in resumes.iter_outputs(engine, list(folders), formats):
        rel = f"{folders[resume_id]}/resume.{EXTENSIONS[fmt]}"
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.setdefault(resume_id, []).append(rel)
        files += 1
    errors = _errors(engine, batch_id)
    write_csv(out / "report.csv", REPORT_HEADER, _report_rows(jobs, errors, written))
    write_csv(out / "errors.csv", ERRORS_HEADER, ((e[0], e[1], e[2]) for e in errors))
    zip_path = _zip(out, batch_id) if make_zip else None
    return ExportSummary(out, len(written), files, len(errors), zip_path)


def _report_rows(
    jobs: list[_JobRow],
    errors: list[tuple[int, str, str, str | None, str | None]],
    written: dict[int, list[str]],
) -> Iterator[tuple[object, ...]]:
    """Accepted and rejected rows merged back into file order."""
    i = j = 0
    while i < len(jobs) or j < len(errors):
        if j >= len(errors) or (i < len(jobs) and jobs[i].line < errors[j][0]):
            job = jobs[i]
            status = JobStatus.QUEUED if job.status == PENDING else job.status
            outputs = ";".join(sorted(written.get(job.resume_id or -1, [])))
            reason = job.last_error or "" if status == JobStatus.DEAD else ""
            yield (job.line, job.external_id or "", job.name, "accepted", reason, status, outputs)
            i += 1
        else:
            line, _column, reason, external_id, name = errors[j]
            yield (line, external_id or "", name or "", "rejected", reason, "", "")
            j += 1


def _zip(out: Path, batch_id: str) -> Path:
    zip_path = out.parent / f"{out.name}-{batch_id[:8]}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(out))
    return zip_path
