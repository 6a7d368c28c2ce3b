"""Rows of a delimited text file (CSV): the delimiter, physical lines across quoted line breaks.

Table cells over the limit are flagged here (RawRow.error), so RowRules never sees a long cell.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

from producer.ingest.csvscan import RecordScan, open_quote_line
from producer.ingest.decoding import ACCEPTED, open_text, strip_nul
from producer.ingest.sources import (
    MAX_CELL_CHARS,
    RawRow,
    Source,
    decode_error,
    long_cell_marker,
)
from shared.errors import WholeFileError

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# How much of the file delimiter sniffing looks at.
_SNIFF_LINES = 50
_SNIFF_CHARS = 64 * 1024
# A quoted cell this long that runs to the end of the file is a quote that never closes: the file
# is refused as a whole rather than each swallowed line rejected (a closed one rejects its row).
FIELD_LIMIT = 8 * 1024 * 1024
# A record past this many characters is read by RecordScan, which never holds a cell whole;
# below it csv.reader (C, fast) reads it. Legitimate rows are far shorter.
RECORD_CHARS = 1024 * 1024
_CHUNK = RECORD_CHARS + 1


class _LongRecord(Exception):
    """Raised by _Lines inside csv.reader when a record grows past RECORD_CHARS."""


class _Lines:
    """The text stream's lines, counted, so each csv row knows where it starts and ends.

    A line is read at most RECORD_CHARS + 1 characters at a time, and a record (one row, over
    several lines when a quoted cell holds line breaks) that grows past RECORD_CHARS leaves
    csv.reader (which would hold it whole) for `_scan_long_record`, which keeps only the start of
    each cell. The chunks of the current record are kept for that hand-over. Stray NULs are
    removed here, once for every reader (docs/design.md §3.3).
    """

    __slots__ = ("count", "cut_cr", "exhausted", "held", "pending", "readline", "record")

    def __init__(self, stream: io.TextIOWrapper) -> None:
        self.readline = stream.readline
        self.pending: list[str] = []  # chunks read ahead (the sniffing sample), in reverse
        self.count = 0
        self.exhausted = False
        self.cut_cr = False
        self.held = 0
        self.record: list[str] = []

    def read(self) -> str:
        """The next chunk: a whole line or the next RECORD_CHARS + 1 characters of one; '' at
        the end of the file. Not counted: __next__ and the long-record scanner count lines."""
        chunk = self.pending.pop() if self.pending else self.readline(_CHUNK)
        if self.cut_cr or "\x00" in chunk:
            chunk = self._tidy(chunk)
        if len(chunk) > RECORD_CHARS and chunk.endswith("\r"):
            self.cut_cr = True
        return chunk

    def _tidy(self, chunk: str) -> str:
        if self.cut_cr:
            # A CRLF cut between two chunks is one line break, not two.
            self.cut_cr = False
            if chunk.startswith("\n"):
                chunk = chunk[1:] or self.readline(_CHUNK)
        return chunk.replace("\x00", "") if "\x00" in chunk else chunk

    def new_record(self) -> None:
        self.held = 0
        self.record.clear()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        # The hot path (once per line of the file): read() inlined, the rare cases guarded.
        line = self.pending.pop() if self.pending else self.readline(_CHUNK)
        if self.cut_cr or "\x00" in line:
            line = self._tidy(line)
        if not line:
            # csv asks for another line mid-row only while a quoted cell is open: reaching
            # here between rows is the normal end, reaching here inside a row is not.
            self.exhausted = True
            raise StopIteration
        self.count += 1
        self.record.append(line)
        self.held += len(line)
        if self.held > RECORD_CHARS:
            self.cut_cr = len(line) > RECORD_CHARS and line.endswith("\r")
            raise _LongRecord
        return line


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the header into most columns with the most consistent rows.

    csv.Sniffer guesses from character frequencies and is fooled by commas in free text; here
    each candidate parses the sample (quotes respected) and the best-consistent one wins.
    """
    text = "".join(lines)
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        # The last sampled row may be cut in the middle of a quoted cell: do not judge it.
        body = rows[1:-1] if len(rows) > 2 else rows[1:]
        consistent = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _raise_field_limit() -> None:
    # The limit is process-wide; csv's default (131,072) is below what a chunk can hold.
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)


class CsvSource(Source):
    """Rows of a delimited text file, tracking physical lines across quoted line breaks."""

    format = "csv"

    def __init__(self, path: Path, encoding: str, *, max_cell: int = MAX_CELL_CHARS) -> None:
        self.path = path
        self.encoding = encoding
        self.max_cell = max_cell
        self._stream = open_text(path, encoding)
        self._lines = lines = _Lines(self._stream)
        try:
            sample: list[str] = []
            size = 0
            while len(sample) < _SNIFF_LINES and size < _SNIFF_CHARS:
                chunk = lines.read()
                if not chunk:
                    break
                sample.append(chunk)
                size += len(chunk)
        except UnicodeDecodeError as exc:
            self._stream.close()
            raise decode_error(path, encoding, exc) from None
        lines.pending = sample[::-1]
        _raise_field_limit()
        self.delimiter = sniff_delimiter(sample)
        self._reader = csv.reader(lines, delimiter=self.delimiter)
        try:
            header = self._next_nonblank()
        except BaseException:
            self._stream.close()
            raise
        if header is None:
            self._stream.close()
            raise WholeFileError(str(path), f"is empty: no header row was found; {ACCEPTED}")
        header_line, cells = header
        if lines.exhausted:
            self._stream.close()
            raise WholeFileError(
                str(path),
                f"has a quote opened in the header on line {header_line} that is never closed, "
                "so the whole file reads as one header cell; close the quote or remove it",
            )
        self.header = [c.strip() for c in cells]
        self.header_line = header_line

    def _next_nonblank(self) -> tuple[int, list[str]] | None:
        while True:
            start = self._lines.count + 1
            self._lines.new_record()
            try:
                cells = next(self._reader)
            except StopIteration:
                return None
            except UnicodeDecodeError as exc:
                raise decode_error(self.path, self.encoding or "", exc) from None
            except _LongRecord:
                raise WholeFileError(
                    str(self.path),
                    f"has a header row (line {start}) longer than {RECORD_CHARS:,} characters; "
                    "the first row must name the columns",
                ) from None
            if cells and any(c.strip() for c in cells):
                return start, cells

    def rows(self) -> Iterator[RawRow]:
        width = len(self.header)
        max_cell = self.max_cell
        lines = self._lines
        record = lines.record
        reader = self._reader
        try:
            while True:
                start = lines.count + 1
                lines.held = 0  # lines.new_record() inlined: once per row
                record.clear()
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except _LongRecord:
                    scanned = self._scan_long_record(start)
                    if scanned is None:
                        yield from self._unterminated(start)
                        return
                    if scanned.cells and "".join(scanned.cells).strip():
                        yield scanned
                    continue
                except csv.Error as exc:
                    yield RawRow(start, error=f"the row cannot be read as CSV: {exc}")
                    continue
                except UnicodeDecodeError as exc:
                    raise decode_error(self.path, self.encoding or "", exc) from None
                if not cells:
                    continue
                if lines.exhausted:
                    yield from self._unterminated(start)
                    return
                if len(cells) > width:
                    yield RawRow(
                        start,
                        cells,
                        error=f"the row has {len(cells)} cells but the header has {width}",
                    )
                    continue
                # Rows of empty cells (",,,,", common at the end of spreadsheet exports) are
                # blank lines, not people.
                if not "".join(cells).strip():  # one C call; same as no cell with text
                    continue
                # No cell can be longer than the row's text: most rows skip the per-cell check.
                if lines.held > max_cell and max(map(len, cells)) > max_cell:
                    yield self._too_long(start, cells, [len(c) for c in cells])
                    continue
                yield RawRow(start, cells)
        finally:
            self.close()

    def _too_long(self, start: int, cells: list[str], lengths: list[int]) -> RawRow:
        """The row with its first over-long cell named, each such cell replaced by a marker."""
        index = next(i for i, n in enumerate(lengths) if n > self.max_cell)
        kept = [
            long_cell_marker(c, n) if n > self.max_cell else c
            for c, n in zip(cells, lengths, strict=True)
        ]
        column = self.header[index] if index < len(self.header) else f"column {index + 1}"
        return RawRow(
            start,
            kept,
            error=f"the cell has {lengths[index]:,} characters; the limit is {self.max_cell:,}",
            error_column=column or f"column {index + 1}",
        )

    def _scan_long_record(self, start: int) -> RawRow | None:
        """Finish a record that csv.reader gave up on, holding at most max_cell + 1 characters
        of each of the header's cells; None when a quote opened in it runs to the end of the
        file (a WholeFileError when that quoted cell is over FIELD_LIMIT characters)."""
        lines = self._lines
        scan = RecordScan(self.delimiter or ",", self.max_cell, len(self.header) + 1, start)
        chunks = itertools.chain(list(lines.record), iter(lines.read, ""))
        lines.new_record()
        try:
            for chunk in chunks:
                if scan.feed(chunk):
                    break
            else:
                scan.end_of_file()
        except UnicodeDecodeError as exc:
            raise decode_error(self.path, self.encoding or "", exc) from None
        lines.count = scan.line - 1
        if scan.open_quote_line is not None:
            if scan.field_length <= FIELD_LIMIT:
                return None
            raise WholeFileError(
                str(self.path),
                f"has a quote opened on line {scan.open_quote_line} that is never closed: the "
                f"cell runs {scan.field_length:,} characters to the end of the file; close it",
            )
        width = len(self.header)
        cells, lengths = scan.cells, scan.lengths
        if scan.count > width:
            return RawRow(
                start,
                [long_cell_marker(c, n) if n > self.max_cell else c
                 for c, n in zip(cells, lengths, strict=True)],
                error=f"the row has {scan.count:,} cells but the header has {width}",
            )  # fmt: skip
        if any(n > self.max_cell for n in lengths):
            return self._too_long(start, cells, lengths)
        return RawRow(start, cells)

    def _unterminated(self, start: int) -> Iterator[RawRow]:
        """The last row hit end of file inside quotes: find where the quote opened, reject the
        row that opened it and each line it swallowed (re-reading only that tail of the file)."""
        self.close()
        with open_text(self.path, self.encoding or "utf-8") as stream:
            tail = [strip_nul(line) for line in itertools.islice(stream, start - 1, None)]
        opened = start + open_quote_line(tail, self.delimiter or ",")
        reason = f"a quoted cell opened on line {opened} is never closed"
        # The lines up to the opening one parse as the (partial) row that opened the quote.
        head = "".join(tail[: opened - start + 1])
        cells = next(csv.reader(io.StringIO(head, newline=""), delimiter=self.delimiter or ","), [])
        yield RawRow(start, cells, error=f"{reason}; it runs to the end of the file")
        for offset, text in enumerate(tail[opened - start + 1 :], start=opened + 1):
            if not text.strip():
                continue
            swallowed = next(csv.reader([text], delimiter=self.delimiter or ","), [])
            yield RawRow(
                offset,
                swallowed,
                error=f"swallowed by the quoted cell opened on line {opened} (never closed)",
            )

    def close(self) -> None:
        self._stream.close()


def delimiter_name(delimiter: str | None) -> str:
    return _DELIMITER_NAMES.get(delimiter or "", repr(delimiter))
