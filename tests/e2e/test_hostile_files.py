"""Hostile and careless files through the real CLI: stray NULs, long cells, XLSX bombs."""

from __future__ import annotations

import csv
import os
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import COHORTCV, clean_env, run_measured

pytestmark = pytest.mark.e2e

# The 1,000,000-row CSV validate stays under this (bench/results/2026-11-25-ingest-2core.md); any XLSX must too.
RSS_LIMIT_MB = 300

_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
        '"/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {_MAIN} xmlns:r="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Cohort" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    ),
}


def write_workbook(path: Path, sheet: Iterator[str], strings: Iterator[str]) -> Path:
    """An XLSX whose sheet and shared-strings XML are streamed in pieces (never held whole)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        for name, pieces in (
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", strings),
        ):
            with archive.open(name, "w", force_zip64=True) as part:
                for piece in pieces:
                    part.write(piece.encode("utf-8"))
    return path


def _row(number: int, cells: list[str]) -> str:
    return f'<row r="{number}">' + "".join(cells) + "</row>"


def _shared(column: str, number: int, index: int) -> str:
    return f'<c r="{column}{number}" t="s"><v>{index}</v></c>'


def _inline(column: str, number: int, text: str) -> str:
    return f'<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>'


def _sheet(rows: Iterator[str]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_MAIN}><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


def _strings(entries: Iterator[str]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst {_MAIN}>'
    yield from entries
    yield "</sst>"


def _header_and_people(people: int) -> Iterator[str]:
    yield _row(1, [_inline("A", 1, "id"), _inline("B", 1, "name")])
    for n in range(2, people + 2):
        yield _row(n, [_inline("A", n, f"S{n}"), _inline("B", n, f"Person {n}")])


def validate(
    path: Path, data: Path, *options: str
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """`cohortcv validate` in a child process: the result, wall seconds, peak RSS in MB."""
    env = clean_env(COHORTCV_DATA_DIR=str(data), COLUMNS="200")
    started = time.monotonic()
    result, peak_mb = run_measured(
        [*COHORTCV, "validate", str(path), *options], path.parent / "peak-rss.txt",
        env=env, timeout=300,
    )  # fmt: skip
    return result, time.monotonic() - started, peak_mb


def test_shared_strings_bomb_is_refused_at_once_within_memory(tmp_path: Path) -> None:
    # 300,000 copies of a 1,000-character string: 300 MB of text in a file of a few hundred KB.
    text = "A" * 1000
    bomb = write_workbook(
        tmp_path / "bomb.xlsx",
        _sheet(iter([_row(1, [_inline("A", 1, "name")]), _row(2, [_shared("A", 2, 0)])])),
        _strings(f"<si><t>{text}</t></si>" for _ in range(300_000)),
    )
    assert os.path.getsize(bomb) < 2 * 1024 * 1024
    result, elapsed, peak_mb = validate(bomb, tmp_path / "data")
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stdout + result.stderr
    assert (
        "bomb.xlsx" in message
        and "would unpack" in message
        and "save the sheet as csv" in message.lower()
    )
    assert "Traceback" not in message
    assert elapsed < 30 and peak_mb < RSS_LIMIT_MB, (elapsed, peak_mb)


def test_one_giant_cell_is_refused_at_once_within_memory(tmp_path: Path) -> None:
    # One inline cell of 300 MB in the sheet itself.
    def rows() -> Iterator[str]:
        yield _row(1, [_inline("A", 1, "name"), _inline("B", 1, "summary")])
        yield '<row r="2"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c>'
        yield '<c r="B2" t="inlineStr"><is><t>'
        for _ in range(300):
            yield "B" * 1_000_000
        yield "</t></is></c></row>"

    bomb = write_workbook(tmp_path / "cell.xlsx", _sheet(rows()), _strings(iter(())))
    result, elapsed, peak_mb = validate(bomb, tmp_path / "data")
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "cell.xlsx" in result.stdout + result.stderr
        and "would unpack" in result.stdout + result.stderr
    )
    assert elapsed < 30 and peak_mb < RSS_LIMIT_MB, (elapsed, peak_mb)


def test_a_long_cell_that_packs_like_real_text_rejects_only_its_row(tmp_path: Path) -> None:
    # 12 MB of varied text compresses like prose (about 3:1), so no ratio check catches it: the
    # streaming reader must keep memory flat and reject the row alone.
    words = [f"word{n}x{n * 7919 % 104729}" for n in range(200_000)]

    def rows() -> Iterator[str]:
        yield _row(1, [_inline("A", 1, "id"), _inline("B", 1, "name"), _inline("C", 1, "summary")])
        yield _row(2, [_inline("A", 2, "S1"), _inline("B", 2, "Ann Lee")])
        yield '<row r="3"><c r="A3" t="inlineStr"><is><t>S2</t></is></c>'
        yield '<c r="B3" t="s"><v>0</v></c><c r="C3" t="inlineStr"><is><t>'
        for _ in range(3):
            yield " ".join(words)
        yield "</t></is></c></row>"
        yield _row(4, [_inline("A", 4, "S3"), _inline("B", 4, "Cy Ng")])

    book = write_workbook(
        tmp_path / "long.xlsx", _sheet(rows()), _strings(iter(["<si><t>Bo Chen</t></si>"]))
    )
    errors = tmp_path / "errors.csv"
    result, _elapsed, peak_mb = validate(book, tmp_path / "data", "--errors", str(errors))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "3 rows: 2 accepted, 1 rejected" in output
    assert [(e["line"], e["column"]) for e in _read(errors)] == [("3", "summary")]
    reason = _read(errors)[0]["reason"]
    assert reason.startswith("the cell has ") and reason.endswith("characters; the limit is 20,000")
    assert int(reason.split()[3].replace(",", "")) > 9_000_000
    assert peak_mb < RSS_LIMIT_MB, peak_mb


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_a_normal_100k_row_workbook_is_read_within_memory(tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / "cohort.xlsx", _sheet(_header_and_people(100_000)), _strings(iter(()))
    )
    result, _elapsed, peak_mb = validate(book, tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "100,000 rows: 100,000 accepted" in result.stdout.replace("100000", "100,000")
    assert peak_mb < RSS_LIMIT_MB, peak_mb


def _export_with_stray_nuls(path: Path) -> Path:
    """A CSV as a broken export writes it: a few NULs inside one cell early on, and later."""
    lines = ["id,name,email,summary\r\n"]
    for n in range(1, 3001):
        summary = "Organised the careers fair" if n % 2 else "Led a team of five"
        if n in (3, 2500):  # line 4 (first 64 KB) and line 2501 (past it)
            summary = "Led\x00 a\x00\x00 team"
        lines.append(f"S{n},Person {n},p{n}@example.com,{summary}\r\n")
    path.write_bytes("".join(lines).encode("utf-8"))
    assert path.read_bytes().find(b"\x00") < 64 * 1024 < path.read_bytes().rfind(b"\x00")
    return path


def test_stray_nuls_are_removed_not_a_reason_to_refuse(tmp_path: Path) -> None:
    source = _export_with_stray_nuls(tmp_path / "export.csv")
    result, _elapsed, _peak = validate(source, tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3,000 rows: 3,000 accepted" in result.stdout.replace("3000", "3,000")


def test_a_png_is_refused_in_plain_words(tmp_path: Path) -> None:
    image = tmp_path / "photo.csv"  # a careless upload: right extension, wrong file
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    result, _elapsed, _peak = validate(image, tmp_path / "data")
    output = result.stdout + result.stderr
    assert result.returncode == 2 and "photo.csv" in output and "is a PNG image" in output
    assert "byte-order" not in output and "Traceback" not in output


def _long_cell_export(path: Path) -> Path:
    """Row 2 has a 200,000-character cell (in the sniffed sample); row 40 a closed 10 MB one."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "email", "summary"])
        for n in range(1, 80):
            summary = "Careers fair volunteer"
            if n == 1:
                summary = "x" * 200_000
            elif n == 39:
                summary = ("A long, pasted, quoted essay.\n" * 10) + "y" * 10_000_000
            writer.writerow([f"S{n}", f"Person {n}", f"p{n}@example.com", summary])
    return path


def test_long_cells_reject_their_rows_only_in_validate_and_run(tmp_path: Path) -> None:
    source = _long_cell_export(tmp_path / "long.csv")
    errors = tmp_path / "errors.csv"
    result, _elapsed, peak_mb = validate(source, tmp_path / "data", "--errors", str(errors))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output and "never closed" not in output
    assert "79 rows: 77 accepted, 2 rejected" in output
    assert [(e["line"], e["column"], e["reason"]) for e in _read(errors)] == [
        ("2", "summary", "the cell has 200,000 characters; the limit is 20,000"),
        ("40", "summary", "the cell has 10,000,300 characters; the limit is 20,000"),
    ]
    assert peak_mb < RSS_LIMIT_MB

    out = tmp_path / "out"
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run(
        [*COHORTCV, "run", str(source), "--out", str(out), "--workers", "1", "--formats", "md"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    report = {r["line"]: r for r in _read(out / "report.csv")}
    assert len(report) == 79
    for line, person in (("2", "1"), ("40", "39")):
        row = report[line]
        assert row["outcome"] == "rejected" and "the limit is 20,000" in row["reason"]
        assert row["id"] == f"S{person}" and row["name"] == f"Person {person}", row
