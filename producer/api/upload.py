"""Receiving an upload: the multipart body streamed to a file on disk (never held in memory whole), then submitted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from producer.api.errors import CutOff
from producer.service import batches, isolated
from producer.service.batches import (
    clean_filename,
    discard_staged,
    staged_copy,
    too_big_message,
)
from producer.service.context import Service
from producer.service.options import upload_options
from shared.errors import InputError, TooLargeError, WholeFileError
from shared.views import BatchView

FILE_FIELD = "file"
# Option fields are short, except a target job description (docs/design.md §3.3: cells up to 20,000
# characters); 4 bytes a character at most.
MAX_FIELD_BYTES = 96 * 1024
MAX_FIELDS = 32
# Headers and boundaries around the file: a Content-Length over the limit by more is refused
# before a byte of the body is read.
ENVELOPE_BYTES = 1024 * 1024
# A part's headers: room for a file name of thousands of characters (it is shortened to 200
# when kept), still a bounded amount of memory.
MAX_HEADER_BYTES = 64 * 1024


@dataclass
class Upload:
    """The file as stored on disk under the client's name, and the other form fields."""

    path: Path | None = None
    filename: str | None = None
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            discard_staged(self.path)


class _Parts:
    """Callbacks of the streaming multipart parser: file bytes go to disk as they arrive."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.upload = Upload()
        self.ended = False  # the closing boundary was seen
        self._headers: dict[str, str] = {}
        self._field = b""
        self._value = b""
        self._name: str | None = None
        self._text: bytearray | None = None
        self._file: IO[bytes] | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._add("_field", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._finish,
        }

    def _finish(self) -> None:
        self.ended = True

    def _add(self, attr: str, data: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + data)

    def _begin(self) -> None:
        self._headers, self._name, self._text, self._file = {}, None, None, None

    def _header_end(self) -> None:
        # latin-1 keeps the raw bytes: browsers send a UTF-8 file name as is, decoded below.
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field = self._value = b""

    def _headers_done(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        self._name = name
        if name == FILE_FIELD and filename is not None:
            if self.upload.path is not None:
                raise InputError("send one file per upload (field 'file')")
            shown = clean_filename(filename.decode("utf-8", "replace"))
            self.upload.filename = shown
            self.upload.path = staged_copy(self.folder, shown)
            self._file = self.upload.path.open("wb")
        else:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise InputError(f"too many form fields (at most {MAX_FIELDS})")
            self._text = bytearray()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise TooLargeError(
                    self.upload.filename or FILE_FIELD,
                    too_big_message(self.upload.size, self.max_bytes),
                )
            self._file.write(data[start:end])
        elif self._text is not None:
            self._text += data[start:end]
            if len(self._text) > MAX_FIELD_BYTES:
                raise InputError(
                    f"form field {self._name!r} is longer than {MAX_FIELD_BYTES} bytes"
                )

    def _end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._text is not None and self._name:
            self.upload.fields[self._name] = bytes(self._text).decode("utf-8", "replace")
        self._text = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


async def receive_upload(request: Request, folder: Path, max_bytes: int) -> Upload:
    """Stream a multipart/form-data body with a `file` field to `folder`; other fields as text.

    Over `max_bytes` → TooLargeError as soon as that many bytes arrived (or at once when the
    Content-Length says so); a body that is not multipart or has no file → InputError; one
    that ends before its closing boundary → CutOff (400). Nothing of a refused body is kept.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InputError(
            "send the file as multipart/form-data with a field named 'file' (CSV, XLSX or JSONL)"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + ENVELOPE_BYTES:
        raise TooLargeError("upload", too_big_message(int(declared), max_bytes))
    parts = _Parts(folder, max_bytes)
    callbacks: Any = parts.callbacks()
    parser = MultipartParser(boundary, callbacks, max_header_size=MAX_HEADER_BYTES)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        if not parts.ended:
            # python-multipart's finalize() does not check this: a body cut mid-file would
            # otherwise be read as a shorter file, its last row cut mid-record.
            raise CutOff(
                "the upload was cut off before its end (no closing multipart boundary); "
                "nothing was stored: send the file again"
            )
    except MultipartParseError as exc:
        parts.close()
        parts.upload.discard()
        if "header size" in str(exc):
            raise InputError(
                f"a part's headers are longer than {MAX_HEADER_BYTES // 1024} KiB: "
                "give the file a shorter name"
            ) from None
        raise InputError(
            "the multipart body is malformed; send a form with a 'file' field"
        ) from None
    except BaseException:
        parts.close()
        parts.upload.discard()
        raise
    parts.close()
    if parts.upload.path is None:
        raise InputError("no file: send it in a multipart field named 'file' (CSV, XLSX or JSONL)")
    return parts.upload


async def accept_upload(request: Request, svc: Service, institution: str) -> tuple[BatchView, int]:
    """Stream the body to disk, validate it into a batch and queue it; (batch object, reused)."""
    limits = batches.UploadLimits(
        svc.settings.api.max_upload_bytes, svc.settings.api.max_upload_rows
    )
    folder = svc.settings.data_dir / "uploads"
    metrics = request.app.state.metrics
    try:
        upload = await receive_upload(request, folder, limits.max_bytes)
    except TooLargeError:
        metrics.uploads.labels("too_large").inc()
        raise
    try:
        fields = dict(upload.fields)
        sheet = fields.pop("sheet", None) or None
        options = upload_options(svc.settings, fields)
        assert upload.path is not None
        stored = await run_in_threadpool(
            isolated.submit_isolated, svc, upload.path, options, institution,
            filename=upload.filename, limits=limits, sheet=sheet,
        )  # fmt: skip
    except TooLargeError:
        metrics.uploads.labels("too_large").inc()
        raise
    except WholeFileError:
        metrics.uploads.labels("invalid").inc()
        raise
    finally:
        upload.discard()
    metrics.uploads.labels("accepted").inc()
    metrics.rows.labels("accepted").inc(stored.accepted)
    metrics.rows.labels("rejected").inc(stored.rejected)
    obj = await run_in_threadpool(batches.get, svc, stored.id, institution)
    return obj, stored.reused
