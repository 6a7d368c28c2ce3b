"""Export: a batch's files as DIR/<person>/resume.{pdf,html,md,json} plus report.csv and errors.csv.

report.csv's `warnings` column lists, per row, the input text left out of the resume because it
reads as an instruction to a model (shared.instructions), as `column: text`, one a line.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from producer.csvsafe import write_csv
from shared.db import resumes
from shared.db.jobs import PENDING
from shared.db.models import JobStatus
from shared.db.rows import JobLine, job_lines, row_errors
from shared.options import FORMATS

EXTENSIONS = {f: f for f in FORMATS}  # the file suffix of each format
REPORT_HEADER = ("line", "id", "name", "outcome", "reason", "status", "outputs", "warnings")
ERRORS_HEADER = ("line", "column", "reason")
_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)
# A folder name's length in UTF-8 bytes: well under the 255-byte limit of every common file
# system, with room for a disambiguating suffix (60 Chinese characters would be 180 bytes).
MAX_FOLDER_BYTES = 64
# Windows refuses these as a file or folder name in any case and with any extension ("con.txt").
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "conin$", "conout$"]
    + [f"{d}{n}" for d in ("com", "lpt") for n in "123456789\u00b9\u00b2\u00b3"]
)


def _cap_bytes(text: str, limit: int) -> str:
    """The longest prefix of text whose UTF-8 encoding fits in limit bytes (whole characters only)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def _safe(text: str, limit: int = MAX_FOLDER_BYTES) -> str:
    """text as one path component every common OS accepts: word characters, dots and dashes,
    no leading or trailing dot or dash, no reserved device name, at most limit bytes."""
    slug = _UNSAFE.sub("-", unicodedata.normalize("NFC", text))
    slug = _cap_bytes(slug, limit).strip("-._ ")
    if slug.split(".")[0].casefold() in _RESERVED:
        slug = f"_{slug}"
    return slug


def person_folder(external_id: str | None, name: str, person_key: str) -> str:
    """A folder name a file system and a person can both read: the id, else name + key.

    Not unique on its own: `folder_names` settles collisions for a whole batch.
    """
    base = (external_id or name).strip()
    slug = _safe(base) or "person"
    return slug if external_id else f"{_safe(slug, MAX_FOLDER_BYTES - 9)}-{person_key[:8]}"


def _fold(name: str) -> str:
    """The key under which case-insensitive, normalising file systems (macOS, Windows) compare names."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _suffixed(name: str, suffix: str) -> str:
    """name cut so that name + suffix still fits the byte cap."""
    stem = _cap_bytes(name, MAX_FOLDER_BYTES - len(suffix)).rstrip("-._ ") or "person"
    return f"{stem}{suffix}"


def folder_names(people: Sequence[tuple[int, str | None, str, str]]) -> dict[int, str]:
    """One distinct folder per (line, external_id, name, person_key), in line order.

    Ids that differ only in characters a file system cannot hold (`a/b`, `a\\b`), in case (`Ab`,
    `aB`), or after the length cap would otherwise share a folder and hand one person another's
    resume. The first row in file order keeps the plain name; a later one gets a short hash of its
    own id (stable whatever else the file holds), and the line number if even that is taken.
    Same input, same folders.
    """
    taken: set[str] = set()
    names: dict[int, str] = {}
    for line, external_id, name, person_key in sorted(people, key=lambda p: p[0]):
        candidate = person_folder(external_id, name, person_key)
        folded = _fold(candidate)
        if folded in taken:
            source = f"{external_id}\x1f{name}\x1f{person_key}"
            digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:8]
            plain = candidate
            for suffix in (f"-{digest}", f"-{digest}-{line}"):
                candidate = _suffixed(plain, suffix)
                folded = _fold(candidate)
                if folded not in taken:
                    break
        taken.add(folded)
        names[line] = candidate
    return names


@dataclass(frozen=True)
class ExportSummary:
    out: Path
    resumes: int
    files: int
    rejected: int
    zip_path: Path | None
    # Cells whose instructions to a model were left out (the `warnings` column of report.csv).
    warned_cells: int = 0


def _jobs(engine: Engine, batch_id: str) -> list[JobLine]:
    return job_lines(engine, batch_id)


def _errors(engine: Engine, batch_id: str) -> list[tuple[int, str, str, str | None, str | None]]:
    return [
        (e.line, e.column, e.reason, e.external_id, e.name) for e in row_errors(engine, batch_id)
    ]


class Layout:
    """A batch's files as `export` lays them out (DIR/<person>/resume.*, report.csv, errors.csv),
    made once for a folder on disk or a streamed ZIP."""

    def __init__(self, engine: Engine, batch_id: str) -> None:
        self.engine = engine
        self.batch_id = batch_id
        self.jobs = _jobs(engine, batch_id)
        # Paths written per input line, for report.csv.
        self.written: dict[int, list[str]] = {}
        # Per resume: the (column, text) left out as instructions to a model (after `reports`).
        self.warnings: dict[int, list[tuple[str, str]]] = {}

    def files(self, formats: Sequence[str]) -> Iterator[tuple[str, str, bytes]]:
        """(format, path in the layout, content) of every done resume's files."""
        done = [j for j in self.jobs if j.status == JobStatus.DONE and j.resume_id is not None]
        folders = folder_names([(j.line, j.external_id, j.name, j.person_key) for j in done])
        # Two rows may share one stored resume (same person, same content): each gets a folder.
        lines_of: dict[int, list[int]] = {}
        for job in done:
            lines_of.setdefault(job.resume_id, []).append(job.line)  # type: ignore[arg-type]
        for resume_id, fmt, content in resumes.iter_outputs(self.engine, list(lines_of), formats):
            for line in lines_of[resume_id]:
                rel = f"{folders[line]}/resume.{EXTENSIONS[fmt]}"
                self.written.setdefault(line, []).append(rel)
                yield fmt, rel, content

    def reports(self) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        """The rows of report.csv (one per input line) and errors.csv, after `files`."""
        errors = _errors(self.engine, self.batch_id)
        self.warnings = resumes.load_warnings(
            self.engine, [j.resume_id for j in self.jobs if j.resume_id is not None]
        )
        report = list(_report_rows(self.jobs, errors, self.written, self.warnings))
        return report, [(e[0], e[1], e[2]) for e in errors]

    def warned_cells(self) -> int:
        """How many cells of the written resumes held instructions left out (after `reports`)."""
        return sum(
            len(self.warnings.get(j.resume_id, ())) for j in self.jobs if j.resume_id is not None
        )


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
    layout = Layout(engine, batch_id)
    files = 0
    for _, rel, content in layout.files(formats):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        files += 1
    report, errors = layout.reports()
    write_csv(out / "report.csv", REPORT_HEADER, report)
    write_csv(out / "errors.csv", ERRORS_HEADER, errors)
    zip_path = _zip(out, batch_id) if make_zip else None
    return ExportSummary(
        out, len(layout.written), files, len(errors), zip_path, layout.warned_cells()
    )


def warning_text(warnings: Sequence[tuple[str, str]]) -> str:
    """A row's warnings as one report cell: `column: text` each, one a line."""
    return "\n".join(f"{column}: {text}" for column, text in warnings)


def _report_rows(
    jobs: list[JobLine],
    errors: list[tuple[int, str, str, str | None, str | None]],
    written: dict[int, list[str]],
    warnings: dict[int, list[tuple[str, str]]],
) -> Iterator[tuple[object, ...]]:
    """Accepted and rejected rows merged back into file order. `warnings`: per resume id."""
    i = j = 0
    while i < len(jobs) or j < len(errors):
        if j >= len(errors) or (i < len(jobs) and jobs[i].line < errors[j][0]):
            job = jobs[i]
            status = JobStatus.QUEUED if job.status == PENDING else job.status
            outputs = ";".join(sorted(written.get(job.line, [])))
            reason = job.last_error or "" if status == JobStatus.DEAD else ""
            warned = warning_text(warnings.get(job.resume_id, ())) if job.resume_id else ""
            yield (
                job.line, job.external_id or "", job.name, "accepted", reason, status, outputs,
                warned,
            )  # fmt: skip
            i += 1
        else:
            line, _column, reason, external_id, name = errors[j]
            yield (line, external_id or "", name or "", "rejected", reason, "", "", "")
            j += 1


def _zip(out: Path, batch_id: str) -> Path:
    zip_path = out.parent / f"{out.name}-{batch_id[:8]}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(out))
    return zip_path
