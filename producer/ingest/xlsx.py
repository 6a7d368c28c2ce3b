"""Rows of an XLSX worksheet, read as a stream after the archive's sizes are checked (§3.1)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from producer.ingest.decoding import ACCEPTED
from producer.ingest.sources import MAX_CELL_CHARS, RawRow, Source, long_cell_marker
from producer.ingest.xlsxml import (
    MAX_COLUMN,
    CellText,
    SharedStrings,
    cell_text,
    column_index,
    feed_all,
    local_name,
    xml_parser,
)
from shared.errors import WholeFileError

# What a workbook may unpack to before it is opened. The sheet is streamed (its size costs time,
# not memory); the shared-strings table is held (compactly) because cells point into it.
MAX_SHEET_BYTES = 1024 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 128 * 1024 * 1024
_MAX_SMALL_PART_BYTES = 16 * 1024 * 1024  # workbook.xml, relationships, styles.xml
# Spreadsheet XML compresses about 5-20 to 1; a part that claims far more is built to explode.
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # tiny parts may compress as well as they like
# A row's kept text (each cell is cut at max_cell + 1 characters anyway); past it, it is refused.
ROW_CHARS = 4 * 1024 * 1024


class XlsxSource(Source):
    """Rows of one worksheet; the line of a row is its spreadsheet row number."""

    format = "xlsx"

    def __init__(self, path: Path, sheet: str | None, *, max_cell: int = MAX_CELL_CHARS) -> None:
        self.path = path
        self.max_cell = max_cell
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise self._damaged(exc) from None
        try:
            self._open(sheet)
        except BaseException:
            self._zip.close()
            raise

    def _damaged(self, exc: object) -> WholeFileError:
        return WholeFileError(
            str(self.path),
            f"is an Excel workbook that cannot be read ({exc}); open it in Excel and save it "
            f"again, or save the sheet as CSV; {ACCEPTED}",
        )

    def _part(self, name: str, limit: int) -> zipfile.ZipInfo:
        """The archive member, refused when it would unpack to more than `limit` bytes or
        claims a compression no real spreadsheet reaches (checked before reading a byte)."""
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            raise self._damaged(f"its part {name} is missing") from None
        size, packed = info.file_size, max(info.compress_size, 1)
        what = _PART_NAMES.get(name, "worksheet" if "worksheets/" in name else "settings")
        if size > _RATIO_FLOOR and size > MAX_RATIO * packed:
            raise WholeFileError(
                str(self.path),
                f"is an Excel workbook whose {what} would unpack from {packed / 2**20:,.1f} MB to "
                f"{size / 2**20:,.1f} MB ({size // packed:,} times its packed size; real "
                f"spreadsheets pack 5 to 20 times, never over {MAX_RATIO}), so it was not opened: "
                "it looks built to exhaust the computer's memory. Save the sheet as CSV (UTF-8) "
                "and upload that",
            )
        if size > limit:
            raise WholeFileError(
                str(self.path),
                f"is an Excel workbook whose {what} holds {size / 2**20:,.1f} MB once unpacked; "
                f"the limit is {limit / 2**20:,.0f} MB, so it was not opened. Save the sheet as "
                "CSV (UTF-8) and upload that, or split it",
            )
        return info

    def _read_small(self, name: str, start: Callable[[str, dict[str, str]], None]) -> None:
        with self._zip.open(self._part(name, _MAX_SMALL_PART_BYTES)) as stream:
            for _ in feed_all(xml_parser(start), stream):
                pass

    def _open(self, sheet: str | None) -> None:
        sheets: list[tuple[str, str]] = []  # (name, relationship id), in workbook order
        self._epoch_1904 = False

        def workbook(name: str, attrs: dict[str, str]) -> None:
            local = local_name(name)
            if local == "sheet":
                # r:id, in whichever relationships namespace (transitional or strict) is used.
                rel = next((v for k, v in attrs.items() if k.endswith(" id")), "")
                sheets.append((attrs.get("name", ""), rel))
            elif local == "workbookPr":
                self._epoch_1904 = attrs.get("date1904", "0").lower() in ("1", "true")

        targets: dict[str, tuple[str, str]] = {}  # id → (type, part)

        def relationships(name: str, attrs: dict[str, str]) -> None:
            if local_name(name) == "Relationship":
                target = attrs.get("Target", "")
                part = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else str(PurePosixPath("xl") / target)
                )
                targets[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], part)

        try:
            self._read_small("xl/workbook.xml", workbook)
            if "xl/_rels/workbook.xml.rels" in self._zip.namelist():
                self._read_small("xl/_rels/workbook.xml.rels", relationships)
            worksheets = [
                (n, targets[r][1]) for n, r in sheets if targets.get(r, ("",))[0] == "worksheet"
            ]
            if not worksheets:
                raise self._damaged("it lists no worksheet")
            names = [n for n, _ in worksheets]
            if sheet is None:
                self.sheet, part = worksheets[0]
            elif sheet in names:
                self.sheet, part = worksheets[names.index(sheet)]
            else:
                listed = ", ".join(repr(n) for n in names)
                raise WholeFileError(
                    str(self.path), f"has no sheet named {sheet!r}; its sheets are {listed}"
                )
            kinds = {kind: part for kind, part in targets.values()}
            self._date_styles = self._read_styles(kinds.get("styles"))
            self._strings = self._read_strings(kinds.get("sharedStrings"))
            self._sheet_info = self._part(part, MAX_SHEET_BYTES)
        except (expat.ExpatError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise self._damaged(exc) from None
        self._keep = MAX_COLUMN  # every column of the header row
        self._rows = self._read_rows()
        for number, cells, _lengths, _count in self._rows:
            if any(c.strip() for c in cells):
                self.header = [c.strip() for c in cells]
                self.header_line = number
                break
        else:
            raise WholeFileError(
                str(self.path), f"is empty: sheet {self.sheet!r} has no header row; {ACCEPTED}"
            )
        # Trailing blank header cells are formatting, not columns.
        while self.header and not self.header[-1]:
            self.header.pop()
        self._keep = len(self.header) + 1

    def _read_styles(self, part: str | None) -> dict[int, bool]:
        """For each cell style index that shows a date or time: whether it is a duration."""
        if part is None or part not in self._zip.namelist():
            return {}
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        xf_formats: list[int] = []
        inside = [False]

        def start(name: str, attrs: dict[str, str]) -> None:
            local = local_name(name)
            if local == "numFmt":
                formats[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                inside[0] = True
            elif local == "xf" and inside[0]:
                xf_formats.append(int(attrs.get("numFmtId", "0")))
            elif local == "cellStyleXfs":
                inside[0] = False

        self._read_small(part, start)
        dates: dict[int, bool] = {}
        for index, format_id in enumerate(xf_formats):
            code = formats.get(format_id, "")
            if code and is_date_format(code):
                dates[index] = is_timedelta_format(code)
        return dates

    def _read_strings(self, part: str | None) -> SharedStrings:
        table = SharedStrings()
        if part is None or part not in self._zip.namelist():
            return table
        text = CellText(self.max_cell + 1)
        depth = {"si": 0, "t": 0, "rPh": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = local_name(name)
            if local in depth:
                depth[local] += 1

        def end(name: str) -> None:
            local = local_name(name)
            if local in depth:
                depth[local] -= 1
                if local == "si":
                    kept, length = text.take()
                    if length > self.max_cell:
                        kept = long_cell_marker(kept, length)
                    table.add(kept, length)

        def chars(piece: str) -> None:
            if depth["t"] and not depth["rPh"]:
                text.add(piece)

        info = self._part(part, MAX_SHARED_STRINGS_BYTES)
        with self._zip.open(info) as stream:
            for _ in feed_all(xml_parser(start, end, chars), stream):
                pass
        return table

    def _read_rows(self) -> Iterator[tuple[int, list[str], list[int], int]]:
        """(row number, cells, their full lengths, columns up to the last non-empty one) for
        each row element, streamed; only the header's columns (+1) are kept once it is known."""
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self._epoch = CALENDAR_MAC_1904 if self._epoch_1904 else CALENDAR_WINDOWS_1900
        done: list[tuple[int, list[str], list[int], int]] = []
        text = CellText(self.max_cell + 1)
        cells: list[str] = []
        lengths: list[int] = []
        number = column = last = kept = style = phonetic = 0
        kind = "n"
        collect = inline = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal number, column, last, kept, style, kind, collect, inline, phonetic
            local = local_name(name)
            if local == "c":
                ref = attrs.get("r")
                column = column_index(ref) if ref else column + 1
                kind = attrs.get("t", "n")
                style = int(attrs.get("s", "-1"))
            elif local == "v" or (local == "t" and inline and not phonetic):
                collect = True
            elif local == "is":
                inline = True
            elif local == "rPh":
                phonetic += 1
            elif local == "row":
                ref = attrs.get("r")
                number = int(ref) if ref else number + 1
                column, last, kept = -1, 0, 0
                cells.clear()
                lengths.clear()

        def end(name: str) -> None:
            nonlocal last, kept, collect, inline, phonetic
            local = local_name(name)
            if local == "v" or local == "t":
                collect = False
            elif local == "is":
                inline = False
            elif local == "rPh":
                phonetic -= 1
            elif local == "c":
                raw, length = text.take()
                value, length = self._value(raw, length, kind, style)
                if not value:
                    return
                last = max(last, column + 1)
                if column >= self._keep:
                    return  # past the kept cells only the count matters
                if kept + len(value) > ROW_CHARS:
                    value, length = long_cell_marker(value, length), max(length, ROW_CHARS + 1)
                kept += len(value)
                while len(cells) < column:
                    cells.append("")
                    lengths.append(0)
                if column < len(cells):  # the same cell twice: the later one wins
                    cells[column], lengths[column] = value, length
                else:
                    cells.append(value)
                    lengths.append(length)
            elif local == "row":
                done.append((number, cells[:], lengths[:], last))

        def chars(piece: str) -> None:
            if collect:
                text.add(piece)

        parser = xml_parser(start, end, chars)
        try:
            with self._zip.open(self._sheet_info) as stream:
                for _ in feed_all(parser, stream):
                    yield from done
                    done.clear()
        except (expat.ExpatError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise self._damaged(exc) from None

    def _value(self, raw: str, length: int, kind: str, style: int) -> tuple[str, int]:
        """The cell as the text a person typed (see cell_text), and its full length."""
        if kind == "s":
            if not raw:
                return "", 0
            try:
                return self._strings.get(int(raw))
            except (ValueError, IndexError):
                raise ValueError(
                    f"a cell points to shared string {raw!r}, which is missing"
                ) from None
        if length > self.max_cell:
            return long_cell_marker(raw, length), length
        if kind in ("inlineStr", "str", "e", "d"):
            return raw, length
        if kind == "b":
            return ("TRUE" if raw.strip() == "1" else "FALSE"), 4
        if not raw:
            return "", 0
        try:
            number: float = int(raw)
        except ValueError:
            try:
                number = float(raw)
            except ValueError:
                return raw, length
        if style in self._date_styles:
            from openpyxl.utils.datetime import from_excel

            try:
                duration = self._date_styles[style]
                value = cell_text(from_excel(number, self._epoch, timedelta=duration))
            except (ValueError, OverflowError):
                value = cell_text(number)
            return value, len(value)
        value = cell_text(number)
        return value, len(value)

    def rows(self) -> Iterator[RawRow]:
        width = len(self.header)
        max_cell = self.max_cell
        try:
            for number, cells, lengths, count in self._rows:
                if count > width:
                    yield RawRow(
                        number,
                        cells[:width],
                        error=f"the row has {count} cells but the header has {width}",
                    )
                    continue
                if not any(c.strip() for c in cells):
                    continue
                if max(lengths) > max_cell:
                    index = next(i for i, n in enumerate(lengths) if n > max_cell)
                    yield RawRow(
                        number,
                        cells,
                        error=f"the cell has {lengths[index]:,} characters; the limit is "
                        f"{max_cell:,}",
                        error_column=self.header[index] or f"column {index + 1}",
                    )
                    continue
                yield RawRow(number, cells)
        finally:
            self.close()

    def close(self) -> None:
        self._zip.close()


_PART_NAMES = {"xl/sharedStrings.xml": "text table (shared strings)"}
