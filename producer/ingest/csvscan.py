"""csv's reading rules over a record given in pieces, for records too long for csv.reader."""

from __future__ import annotations

import re


class RecordScan:
    """csv's reading rules (default dialect, as csv.reader applies them) over a record given in
    chunks, keeping the first `cap` cells and of each only its first max_cell + 1 characters."""

    __slots__ = ("cap", "cells", "count", "delimiter", "field_length", "kept", "lengths", "line",
                 "max_cell", "open_quote_line", "parts", "special", "state")  # fmt: skip

    def __init__(self, delimiter: str, max_cell: int, cap: int, line: int) -> None:
        self.delimiter = delimiter
        self.special = re.compile(f"[{re.escape(delimiter)}\r\n]")
        self.max_cell = max_cell
        self.cap = cap
        self.line = line  # the physical line of the chunk being read
        self.cells: list[str] = []
        self.lengths: list[int] = []
        self.count = 0
        self.parts: list[str] = []
        self.kept = 0
        self.field_length = 0
        self.state = _START_FIELD
        self.open_quote_line: int | None = None

    def _add(self, text: str) -> None:
        self.field_length += len(text)
        room = self.max_cell + 1 - self.kept
        if room > 0 and text:
            piece = text[:room]
            self.parts.append(piece)
            self.kept += len(piece)

    def _end_field(self) -> None:
        if self.count < self.cap:
            self.cells.append("".join(self.parts))
            self.lengths.append(self.field_length)
        self.count += 1
        self.parts = []
        self.kept = self.field_length = 0
        self.open_quote_line = None

    def feed(self, chunk: str) -> bool:
        """Read one chunk; True when the record ended in it (chunks end at line breaks, so the
        rest of the chunk is that line break)."""
        i, end = 0, len(chunk)
        delimiter = self.delimiter
        ended = False
        while i < end and not ended:
            state = self.state
            if state == _IN_QUOTES:
                j = chunk.find('"', i)
                if j < 0:
                    self._add(chunk[i:])
                    i = end
                else:
                    self._add(chunk[i:j])
                    i, self.state = j + 1, _QUOTE_IN_QUOTES
            elif state == _QUOTE_IN_QUOTES:
                char = chunk[i]
                if char == '"':  # "" inside quotes is a literal quote
                    self._add('"')
                    i, self.state = i + 1, _IN_QUOTES
                elif char == delimiter:
                    self._end_field()
                    i, self.state = i + 1, _START_FIELD
                elif char in "\r\n":
                    self._end_field()
                    ended = True
                else:  # text after a closing quote joins the cell, as csv (not strict) does
                    self._add(char)
                    i, self.state = i + 1, _IN_FIELD
            elif state == _START_FIELD and chunk[i] == '"':
                self.open_quote_line = self.line
                i, self.state = i + 1, _IN_QUOTES
            else:
                found = self.special.search(chunk, i)
                if found is None:
                    self._add(chunk[i:])
                    i, self.state = end, _IN_FIELD
                else:
                    self._add(chunk[i : found.start()])
                    self._end_field()
                    i = found.end()
                    if chunk[found.start()] == delimiter:
                        self.state = _START_FIELD
                    else:
                        ended = True
        if chunk.endswith(("\n", "\r")):
            self.line += 1
        return ended

    def end_of_file(self) -> None:
        if self.state != _IN_QUOTES:
            self._end_field()


_START_FIELD, _IN_FIELD, _IN_QUOTES, _QUOTE_IN_QUOTES = range(4)


def open_quote_line(lines: list[str], delimiter: str) -> int:
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
