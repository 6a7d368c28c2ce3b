"""The XML side of an XLSX: a safe streaming parser, the shared-strings table, a cell's text."""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable, Iterator
from typing import IO
from xml.parsers import expat

MAX_COLUMN = 16_384  # Excel's last column, XFD
_FEED = 64 * 1024


def local_name(name: str) -> str:
    return name.rpartition(" ")[2]


def xml_parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> expat.XMLParserType:
    """An expat parser with namespaces as 'uri local', text in pieces, and no DTD allowed."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True  # text arrives in pieces of at most 8 KiB, never whole

    def no_doctype(*_: object) -> None:
        raise ValueError("a DOCTYPE declaration (not used by spreadsheets)")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def feed_all(parser: expat.XMLParserType, stream: IO[bytes]) -> Iterator[None]:
    """Feed the part in pieces, pausing after each so a caller can take what was parsed."""
    while chunk := stream.read(_FEED):
        parser.Parse(chunk, False)
        yield None
    parser.Parse(b"", True)
    yield None


class SharedStrings:
    """The shared-strings table as one UTF-8 buffer and end offsets (a Python str per entry
    would cost about 50 bytes of overhead each)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.ends = array("Q")
        self.lengths: dict[int, int] = {}  # entries over the cell limit: their real length

    def add(self, text: str, length: int) -> None:
        if length > len(text):
            self.lengths[len(self.ends)] = length
        self.data += text.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.data))

    def get(self, index: int) -> tuple[str, int]:
        start = self.ends[index - 1] if index else 0
        text = self.data[start : self.ends[index]].decode("utf-8", "surrogatepass")
        return text, self.lengths.get(index, len(text))


class CellText:
    """One cell's text as it arrives in pieces: the first `cap` characters and the full length."""

    __slots__ = ("cap", "length", "parts")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[str] = []
        self.length = 0

    def add(self, piece: str) -> None:
        room = self.cap - self.length
        if room > 0:
            self.parts.append(piece[:room])
        self.length += len(piece)

    def take(self) -> tuple[str, int]:
        text, length = "".join(self.parts), self.length
        self.parts, self.length = [], 0
        return text, length


def column_index(ref: str) -> int:
    """0-based column of a cell reference ("C7" → 2), at most Excel's last column."""
    number = 0
    for char in ref:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        else:
            break
    return min(number, MAX_COLUMN + 1) - 1


def cell_text(value: object) -> str:
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
