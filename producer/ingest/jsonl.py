"""Rows of a JSONL file: one JSON Resume document per physical line, or why a line is not one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from producer.ingest.decoding import open_text, strip_nul
from producer.ingest.sources import RawRow, Source, decode_error


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
                text = strip_nul(line).strip()
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
            raise decode_error(self.path, self.encoding or "", exc) from None
        finally:
            self.close()

    def close(self) -> None:
        self._stream.close()
