"""A file's physical rows as every reader gives them: RawRow, the Source contract, long-cell markers.

The readers: CsvSource (producer/ingest/csvsource.py), XlsxSource (xlsx.py), JsonlSource (jsonl.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.errors import WholeFileError

# The default of IngestSettings.max_cell_chars, for a source opened without settings.
MAX_CELL_CHARS = 20_000
# How much of an over-long cell a rejected row keeps in its place.
_MARKER_CHARS = 60


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


def long_cell_marker(start: str, length: int) -> str:
    """What stands for a cell over the limit in a rejected row: its first words and its length
    (so that a too-long name still tells the report's reader who the row was)."""
    return f"{start[:_MARKER_CHARS]}… ({length:,} characters)"


def decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> WholeFileError:
    return WholeFileError(
        str(path),
        f"was read as {encoding} (judged from its first 64 KiB) but later contains bytes that are "
        f"not {encoding} ({exc.reason}); save the whole file in one encoding, preferably UTF-8",
    )
