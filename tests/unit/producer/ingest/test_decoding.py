"""Encoding detection: every accepted encoding keeps names intact; binary files are refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from producer.ingest.decoding import SAMPLE_BYTES, detect_encoding, open_text, sniff
from shared.errors import WholeFileError

TEXT = "name,city\nZoë Müller,Köln\n王小明,北京\n"
LATIN = "name,city\nZoë Müller,Köln\nJosé Núñez,São Paulo\n"


def _read(path: Path) -> str:
    sniffed = sniff(path)
    assert sniffed.kind == "text" and sniffed.encoding
    with open_text(path, sniffed.encoding) as stream:
        return stream.read()


@pytest.mark.parametrize(
    ("codec", "text", "expected"),
    [
        ("utf-8", TEXT, "utf-8"),
        ("utf-8-sig", TEXT, "utf-8-sig"),
        ("utf-16", TEXT, "utf-16"),  # Python writes a BOM (little-endian here)
        ("utf-16-be", "\ufeff" + TEXT, "utf-16"),
        ("gb18030", "name,city\n王小明,北京\n李雷,上海市浦东新区\n", "gb18030"),
        ("gbk", "姓名,专业\n韩梅梅,计算机科学与技术\n", "gb18030"),
        ("cp1252", LATIN, "cp1252"),
    ],
)
def test_each_encoding_is_detected_and_names_survive(tmp_path, codec, text, expected) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode(codec))
    assert sniff(path).encoding == expected
    assert _read(path).lstrip("\ufeff") == text.lstrip("\ufeff")


def test_a_multibyte_character_cut_by_the_sample_is_not_an_error(tmp_path) -> None:
    # 3-byte characters so that the 64 KiB boundary falls inside one.
    text = "name\n" + "王" * (SAMPLE_BYTES // 3 + 10) + "\n"
    data = text.encode("utf-8")
    assert len(data) > SAMPLE_BYTES
    assert detect_encoding(data[:SAMPLE_BYTES], complete=False) == "utf-8"


def test_cp1252_accents_are_not_mistaken_for_chinese() -> None:
    # "ü" + "l" is a valid GB18030 pair; the text must still read as cp1252.
    assert detect_encoding("Müller,Ölund\n".encode("cp1252"), complete=True) == "cp1252"


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (bytes(range(256)) * 64, "binary file"),
        (b"\x00" * 5000 + b"name\n", "mostly empty bytes"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ".xls"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
    ],
)
def test_binary_files_are_whole_file_errors(tmp_path, data, what) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    with pytest.raises(WholeFileError) as caught:
        sniff(path)
    message = str(caught.value)
    assert what in message and "accepted: CSV" in message and "upload.csv" in message


def test_a_zip_that_is_not_xlsx_is_refused(tmp_path) -> None:
    path = tmp_path / "upload.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(WholeFileError, match="Word document"):
        sniff(path)


def test_xlsx_is_recognised_by_content(tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["name"])
    path = tmp_path / "no-extension"
    book.save(path)
    assert sniff(path).kind == "xlsx"


def test_open_text_keeps_line_endings_for_csv(tmp_path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a\r\nb\n")
    with open_text(path, "utf-8") as stream:
        assert isinstance(stream, io.TextIOWrapper)
        assert list(stream) == ["a\r\n", "b\n"]


def test_stray_nuls_do_not_make_a_file_binary() -> None:
    sample = b"id,name,summary\r\n1,Ann,Led\x00 a\x00\x00 team\r\n" * 100
    assert detect_encoding(sample, complete=True) == "utf-8"


def test_utf16_without_its_marker_is_read_not_refused() -> None:
    text = "id,name\r\n1,Ann Lee\r\n2,王小明\r\n" * 50
    assert detect_encoding(text.encode("utf-16-le"), complete=True) == "utf-16-le"
    assert detect_encoding(text.encode("utf-16-be"), complete=True) == "utf-16-be"


def test_refusals_use_plain_words(tmp_path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(WholeFileError) as caught:
        sniff(path)
    message = str(caught.value)
    assert "report.csv" in message and "binary file" in message
    assert "byte-order" not in message and "BOM" not in message
