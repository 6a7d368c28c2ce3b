"""Spreadsheet-safe CSV writing: every CSV cohortcv writes goes through `write_csv`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (CSV injection); tab and CR are included because some spreadsheets strip them and then see `=`.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, with a leading single quote where a spreadsheet would run a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(
    target: str | Path | TextIO,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8-sig",
) -> None:
    """Write `header` and `rows` as CSV with every cell passed through `safe_cell`.

    A path is written as UTF-8 with a BOM by default, because Excel otherwise opens Chinese names
    as mojibake; a stream is written as is (its encoding is the caller's business).
    """
    if isinstance(target, str | Path):
        with open(target, "w", encoding=encoding, newline="") as stream:
            _write(stream, header, rows)
    else:
        _write(target, header, rows)


def _write(stream: TextIO, header: Sequence[object], rows: Iterable[Sequence[object]]) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The same CSV as `write_csv` would write, as a string."""
    buffer = io.StringIO()
    _write(buffer, header, rows)
    return buffer.getvalue()
