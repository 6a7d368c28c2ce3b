"""Downloads: a batch as a ZIP streamed while it is written, and one resume file by id."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from producer.csvsafe import csv_text
from producer.export import ERRORS_HEADER, REPORT_HEADER, Layout
from producer.service.context import Service
from shared.db.batches import get_batch
from shared.db.resumes import output_content
from shared.errors import NotFoundError
from shared.options import FORMATS, parse_formats

# Bytes gathered before a piece of the ZIP goes out: few writes, little memory.
FLUSH_BYTES = 256 * 1024
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken out as they come (ZipFile's output)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._written = 0
        self._pending = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        self._written += len(data)
        self._pending += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    @property
    def pending(self) -> int:
        return self._pending

    def take(self) -> bytes:
        data, self._parts, self._pending = b"".join(self._parts), [], 0
        return data


@dataclass(frozen=True)
class Download:
    """A ZIP to stream: its file name and the chunks (produced lazily, a few resumes at a time)."""

    filename: str
    chunks: Iterator[bytes]


def batch_zip(
    svc: Service, batch_id: str, institution_id: str, formats: str | Sequence[str] | None
) -> Download:
    """The batch as DIR/<person>/resume.* + report.csv + errors.csv, the layout of `export`."""
    batch = get_batch(svc.engine, batch_id, institution_id)
    wanted = (
        parse_formats(formats) if formats else list((batch.options or {}).get("formats", FORMATS))
    )
    return Download(f"cohortcv-{batch_id[:8]}.zip", _zip_chunks(svc, batch_id, wanted))


def _zip_chunks(svc: Service, batch_id: str, formats: list[str]) -> Iterator[bytes]:
    layout = Layout(svc.engine, batch_id)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:
        for fmt, rel, content in layout.files(formats):
            # PDFs are compressed already: storing them saves the CPU for nothing lost.
            method = zipfile.ZIP_STORED if fmt == "pdf" else zipfile.ZIP_DEFLATED
            zf.writestr(rel, content, compress_type=method)
            if sink.pending >= FLUSH_BYTES:
                yield sink.take()
        report, errors = layout.reports()
        zf.writestr("report.csv", "\ufeff" + csv_text(REPORT_HEADER, report))
        zf.writestr("errors.csv", "\ufeff" + csv_text(ERRORS_HEADER, errors))
    yield sink.take()


def resume_file(svc: Service, resume_id: int, fmt: str, institution_id: str) -> bytes:
    """One rendered file of one of the institution's resumes."""
    if fmt not in FORMATS:
        raise NotFoundError(f"no format {fmt!r}; formats are {', '.join(FORMATS)}")
    content = output_content(svc.engine, resume_id, fmt, institution_id)
    if content is None:
        raise NotFoundError(f"no {fmt} file for resume {resume_id}")
    return content
