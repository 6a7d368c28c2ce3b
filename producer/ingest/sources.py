"""Physical rows of a CSV, XLSX or JSONL file, each with the 1-based line where it starts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from producer.ingest.decoding import ACCEPTED, open_text
from shared.errors import WholeFileError

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# How much of the file delimiter sniffing looks at.
_SNIFF_LINES = 50
_SNIFF_CHARS = 64 * 1024
# A cell this long can only be a quote that never closes swallowing the file; past it the file is
# refused rather than held in memory (legitimate cells are rejected at 20,000 characters anyway).
FIELD_LIMIT = 8 * 1024 * 1024


@dataclass(slots=True)
class RawRow:
    """One data row as read: cells (CSV/XLSX) or a document (JSONL), or why it cannot be read."""

    line: int
    cells: list[str] = field(default_factory=list)
    document: dict[str, Any] | None = None
    error: str | None = None
    error_column: str = ""


class Source:
    """A table's header and an iterator of its data rows; blank rows are skipped."""

    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    header: list[str]
    header_line: int

    def rows(self) -> Iterator[RawRow]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file handle (iteration also does when it ends)."""


class _Lines:
    """The text stream's lines, counted, so each csv row knows where it starts and ends."""

    __slots__ = ("count", "exhausted", "lines")

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.count = 0
        self.exhausted = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self.lines)
        except StopIteration:
            # csv asks for another line mid-row only while a quoted cell is open: reaching
            # here between rows is the normal end, reaching here inside a row is not.
            self.exhausted = True
            raise
        self.count += 1
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


class CsvSource(Source):
    """Rows of a delimited text file, tracking physical lines across quoted line breaks."""

    format = "csv"

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.encoding = encoding
        self._stream = open_text(path, encoding)
        try:
            sample: list[str] = []
            size = 0
            for line in self._stream:
                sample.append(line)
                size += len(line)
                if len(sample) >= _SNIFF_LINES or size >= _SNIFF_CHARS:
                    break
        except UnicodeDecodeError as exc:
            self._stream.close()
            raise _decode_error(path, encoding, exc) from None
        self.delimiter = sniff_delimiter(sample)
        self._lines = _Lines(itertools.chain(sample, self._stream))
        if csv.field_size_limit() < FIELD_LIMIT:
            csv.field_size_limit(FIELD_LIMIT)
        self._reader = csv.reader(self._lines, delimiter=self.delimiter)
        header = self._next_nonblank()
        if header is None:
            self._stream.close()
            raise WholeFileError(str(path), f"is empty: no header row was found; {ACCEPTED}")
        header_line, cells = header
        if self._lines.exhausted:
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
            try:
                cells = next(self._reader)
            except StopIteration:
                return None
            except UnicodeDecodeError as exc:
                raise _decode_error(self.path, self.encoding or "", exc) from None
            if cells and any(c.strip() for c in cells):
                return start, cells

    def rows(self) -> Iterator[RawRow]:
        width = len(self.header)
        lines = self._lines
        reader = self._reader
        try:
            while True:
                start = lines.count + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    if "field larger than field limit" in str(exc):
                        raise WholeFileError(
                            str(self.path),
                            f"has a cell starting on line {start} that runs past {FIELD_LIMIT:,} "
                            "characters: a quote that is never closed; close it",
                        ) from None
                    yield RawRow(start, error=f"the row cannot be read as CSV: {exc}")
                    continue
                except UnicodeDecodeError as exc:
                    raise _decode_error(self.path, self.encoding or "", exc) from None
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
                yield RawRow(start, cells)
        finally:
            self.close()

    def _unterminated(self, start: int) -> Iterator[RawRow]:
        """The last row hit end of file inside quotes: find where the quote opened, reject the
        row that opened it and each line it swallowed (re-reading only that tail of the file)."""
        self.close()
        with open_text(self.path, self.encoding or "utf-8") as stream:
            tail = list(itertools.islice(stream, start - 1, None))
        opened = start + _open_quote_line(tail, self.delimiter or ",")
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


def _open_quote_line(lines: list[str], delimiter: str) -> int:
    """0-based index in `lines` (one csv row's text) of the line where the last quote opened."""
    in_quotes = False
    at_field_start = True
    opened = 0
    for index, line in enumerate(lines):
        i = 0
        while i < len(line):
            char = line[i]
            if in_quotes:
                if char == '"':
                    if i + 1 < len(line) and line[i + 1] == '"':
                        i += 1  # "" inside quotes is a literal quote
                    else:
                        in_quotes = False
            elif char == '"' and at_field_start:
                in_quotes, opened = True, index
            at_field_start = not in_quotes and char in (delimiter, "\n", "\r")
            i += 1
    return opened


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> WholeFileError:
    return WholeFileError(
        str(path),
        f"was read as {encoding} (judged from its first 64 KiB) but later contains bytes that are "
        f"not {encoding} ({exc.reason}); save the whole file in one encoding, preferably UTF-8",
    )


class XlsxSource(Source):
    """Rows of one worksheet; the line of a row is its spreadsheet row number."""

    format = "xlsx"

    def __init__(self, path: Path, sheet: str | None) -> None:
        import openpyxl  # imported here: only XLSX uploads pay for it

        self.path = path
        try:
            # data_only: the value a formula shows in Excel, as the user sees it.
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for damaged files
            raise WholeFileError(
                str(path), f"is an XLSX workbook that cannot be read ({exc}); {ACCEPTED}"
            ) from None
        if sheet is None:
            worksheet = self._book.worksheets[0]
        elif sheet in self._book.sheetnames:
            worksheet = self._book[sheet]
        else:
            names = ", ".join(repr(n) for n in self._book.sheetnames)
            self._book.close()
            raise WholeFileError(str(path), f"has no sheet named {sheet!r}; its sheets are {names}")
        self.sheet = worksheet.title
        self._rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
        for number, values in self._rows:
            cells = [_cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                self.header = [c.strip() for c in cells]
                self.header_line = number
                break
        else:
            self._book.close()
            raise WholeFileError(
                str(path), f"is empty: sheet {self.sheet!r} has no header row; {ACCEPTED}"
            )
        # Trailing blank header cells are formatting, not columns.
        while self.header and not self.header[-1]:
            self.header.pop()

    def rows(self) -> Iterator[RawRow]:
        width = len(self.header)
        try:
            for number, values in self._rows:
                cells = [_cell_text(v) for v in values]
                # Excel keeps styled empty cells to the right: drop them before counting.
                while cells and not cells[-1]:
                    cells.pop()
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > width:
                    yield RawRow(
                        number,
                        cells,
                        error=f"the row has {len(cells)} cells but the header has {width}",
                    )
                    continue
                yield RawRow(number, cells)
        finally:
            self.close()

    def close(self) -> None:
        self._book.close()


def _cell_text(value: object) -> str:
    """A spreadsheet value as the text a person typed: 2021.0 → "2021", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class JsonlSource(Source):
    """One JSON Resume document per physical line."""

    format = "jsonl"

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.encoding = encoding
        self.header = []
        self.header_line = 0
        self._stream = open_text(path, encoding)

    def rows(self) -> Iterator[RawRow]:
        try:
            for number, line in enumerate(self._stream, start=1):
                text = line.strip()
                if not text:
                    continue
                try:
                    document = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield RawRow(
                        number,
                        error=f"the line is not valid JSON ({exc.msg} at character {exc.colno})",
                    )
                    continue
                if not isinstance(document, dict):
                    kind = type(document).__name__
                    yield RawRow(
                        number, error=f"the line is a JSON {kind}, not a JSON Resume object"
                    )
                    continue
                yield RawRow(number, document=document)
        except UnicodeDecodeError as exc:
            raise _decode_error(self.path, self.encoding or "", exc) from None
        finally:
            self.close()

    def close(self) -> None:
        self._stream.close()


def delimiter_name(delimiter: str | None) -> str:
    return _DELIMITER_NAMES.get(delimiter or "", repr(delimiter))
