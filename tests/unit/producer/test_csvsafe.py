"""Every CSV cohortcv writes is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from producer.csvsafe import csv_text, safe_cell, write_csv


@pytest.mark.parametrize("cell", ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_get_a_leading_quote(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Alice", "王小明", "a=b", "", "3.7"])
def test_ordinary_cells_are_unchanged(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_none_and_numbers_become_text() -> None:
    assert safe_cell(None) == ""
    assert safe_cell(12) == "12"
    assert safe_cell(-1) == "'-1"


def test_write_csv_to_a_path_neutralises_header_and_rows(tmp_path) -> None:
    path = tmp_path / "errors.csv"
    write_csv(path, ["line", "reason"], [(2, '=HYPERLINK("http://x")'), (3, "name is missing")])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads Chinese names correctly
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["line", "reason"], ["2", '\'=HYPERLINK("http://x")'], ["3", "name is missing"]]


def test_write_csv_to_a_stream_and_csv_text_agree() -> None:
    stream = io.StringIO()
    write_csv(stream, ["a"], [["@x"]])
    assert stream.getvalue() == csv_text(["a"], [["@x"]]) == "a\r\n'@x\r\n"
