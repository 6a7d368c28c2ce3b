"""The public entry point of ingestion: `open_ingestion(path)` → an Ingestion of row outcomes.

Whole-file errors (docs/design.md §3.1) are raised by `open_ingestion` before anything is read past the
first data row, with two exceptions that can only be known later and are raised by the iterator
instead: more rows than `max_rows`, and bytes later in a text file that are not in the encoding
its first 64 KiB were read as. A caller that queues rows as it goes must undo them on either.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from producer.ingest.columns import HeaderMap, map_header
from producer.ingest.csvsource import CsvSource, delimiter_name
from producer.ingest.decoding import ACCEPTED, open_text, sniff
from producer.ingest.jsonl import JsonlSource
from producer.ingest.language import normalise_language
from producer.ingest.outcomes import AcceptedRow, Outcome, RejectedRow
from producer.ingest.rows import RowRules
from producer.ingest.sources import RawRow, Source
from producer.ingest.xlsx import XlsxSource
from shared.errors import InputError, WholeFileError
from shared.settings import IngestSettings

__all__ = ["AcceptedRow", "Ingestion", "RejectedRow", "open_ingestion"]

_JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}


class Ingestion:
    """One upload being read: iterate it once for AcceptedRow/RejectedRow in file order.

    `rows`, `accepted` and `rejected` grow as the iterator is consumed, and `rows == accepted +
    rejected` holds at every step. Rows are read lazily: memory stays flat however long the file.
    """

    def __init__(
        self,
        path: Path,
        source: Source,
        header: HeaderMap | None,
        first: RawRow,
        rules: RowRules,
        settings: IngestSettings,
        warnings: list[str],
    ) -> None:
        self.path = path
        self.format = source.format
        self.encoding = source.encoding
        self.delimiter = source.delimiter
        self.header = header
        self.warnings = warnings
        self.rows = 0
        self.accepted = 0
        self.rejected = 0
        self._source = source
        self._first: RawRow | None = first
        self._rules = rules
        self._max_rows = settings.max_rows
        self._started = False

    def __iter__(self) -> Iterator[Outcome]:
        if self._started:
            raise RuntimeError("an Ingestion can be iterated only once; open the file again")
        self._started = True
        return self._outcomes()

    def _outcomes(self) -> Iterator[Outcome]:
        assert self._first is not None
        raws = itertools.chain((self._first,), self._source.rows())
        self._first = None
        apply = self._rules.apply
        limit = self._max_rows
        try:
            for raw in raws:
                if self.rows >= limit:
                    raise WholeFileError(
                        str(self.path),
                        f"has more than {limit:,} data rows (found at line {raw.line}); the limit "
                        f"is {limit:,} (COHORTCV_INGEST__MAX_ROWS): split the file",
                    )
                outcome = apply(raw)
                self.rows += 1
                if type(outcome) is AcceptedRow:
                    self.accepted += 1
                else:
                    self.rejected += 1
                yield outcome
        finally:
            self._source.close()

    def close(self) -> None:
        """Release the file without reading further (iterating to the end also does)."""
        self._source.close()

    def __enter__(self) -> Ingestion:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        """What was read, for logs and the CLI: format, encoding, delimiter."""
        parts = [self.format.upper()]
        if self.encoding:
            parts.append(self.encoding)
        if self.delimiter:
            parts.append(f"{delimiter_name(self.delimiter)}-separated")
        return ", ".join(parts)


def open_ingestion(
    path: str | Path,
    *,
    institution_id: str = "default",
    language: str = "auto",
    settings: IngestSettings | None = None,
    sheet: str | None = None,
) -> Ingestion:
    """Open an upload for validation; raise WholeFileError when the file as a whole is unusable.

    `language` is the default for rows without a `language` column: `en`, `zh` or `auto` (zh when
    the name or most of the row is Chinese). `sheet` picks an XLSX worksheet (default: the first).
    """
    settings = settings or IngestSettings()
    default_language = normalise_language(language)
    if default_language is None:
        raise InputError(f"language {language!r} is not supported; use auto, en or zh")
    file = Path(path)
    name = str(file)
    if not file.exists():
        raise WholeFileError(name, f"does not exist; {ACCEPTED}")
    if not file.is_file():
        raise WholeFileError(name, f"is a folder, not a file; {ACCEPTED}")
    size = file.stat().st_size
    if size == 0:
        raise WholeFileError(name, f"is empty (0 bytes); {ACCEPTED}")
    if size > settings.max_file_bytes:
        raise WholeFileError(
            name,
            f"is {size / 2**20:,.1f} MiB; the limit is {settings.max_file_bytes / 2**20:,.1f} MiB "
            "(COHORTCV_INGEST__MAX_FILE_BYTES): split the file",
        )
    warnings: list[str] = []
    sniffed = sniff(file)
    source: Source
    if sniffed.kind == "xlsx":
        source = XlsxSource(file, sheet, max_cell=settings.max_cell_chars)
    else:
        encoding = sniffed.encoding or "utf-8"
        if sheet is not None:
            warnings.append(f"--sheet {sheet!r} ignored: the file is not an XLSX workbook")
        if encoding == "cp1252":
            warnings.append(
                "read as Windows-1252 (cp1252): the file is neither UTF-8 nor GB18030; "
                "check accented names, and save as UTF-8 next time"
            )
        source = (
            JsonlSource(file, encoding)
            if _looks_like_jsonl(file, encoding)
            else CsvSource(file, encoding, max_cell=settings.max_cell_chars)
        )
    try:
        header: HeaderMap | None = None
        if source.format != "jsonl":
            header = map_header(source.header, path=name)
            warnings += header.warnings
        rules = RowRules(
            header, settings=settings, institution_id=institution_id, language=default_language
        )
        rows = source.rows()
        first = next(rows, None)
    except BaseException:
        source.close()
        raise
    if first is None:
        if source.format == "jsonl":
            raise WholeFileError(name, f"is empty: it holds no JSON lines; {ACCEPTED}")
        raise WholeFileError(
            name,
            f"has a header (line {source.header_line}) but no data rows; add one row per person",
        )
    return Ingestion(file, _Resumed(source, first, rows), header, first, rules, settings, warnings)


class _Resumed(Source):
    """The source after its first row was taken to prove the file has data."""

    def __init__(self, source: Source, first: RawRow, rest: Iterator[RawRow]) -> None:
        self.format = source.format
        self.encoding = source.encoding
        self.delimiter = source.delimiter
        self.header = source.header
        self.header_line = source.header_line
        self._source = source
        self._rest = rest

    def rows(self) -> Iterator[RawRow]:
        return self._rest

    def close(self) -> None:
        self._source.close()


def _looks_like_jsonl(path: Path, encoding: str) -> bool:
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return True
    with open_text(path, encoding) as stream:
        return stream.read(1024).lstrip().startswith("{")
