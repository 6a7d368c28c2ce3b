"""Which text encoding a byte file is in, and a streaming text reader over it (docs/design.md §3.1)."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from shared.errors import WholeFileError

# Detection looks at a prefix only, so that a 500 MB upload is not read twice.
SAMPLE_BYTES = 64 * 1024

ACCEPTED = (
    "accepted: CSV (saved as text by Excel, Google Sheets, Numbers or a database export: UTF-8, "
    "UTF-16, Chinese GB18030/GBK or Western Windows-1252), XLSX, or JSONL"
)
# Stray NUL bytes (a broken export, a padded field) are removed like any control character; a
# file is called binary only when the bytes that never occur in text are frequent.
_BINARY_SHARE = 0.01
# UTF-16 without its marker: half its bytes are NUL for Latin text, on one side of each pair.
_UTF16_NUL_SHARE = 0.2
_UTF16_PARITY_SHARE = 0.9
_C0_NOT_TEXT = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")

# Leading bytes of files people upload by mistake, and what to tell them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "a legacy Office file (.xls/.doc); save it as .xlsx or CSV",
    ),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive; unpack it first"),
    (b"Rar!", "a RAR archive; unpack it first"),
    (b"\x7fELF", "an executable program"),
    (b"MZ\x90\x00", "a Windows executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x00\x00\xfe\xff", "UTF-32 text"),
    (b"\xff\xfe\x00\x00", "UTF-32 text"),
)

_NON_ASCII = re.compile(r"[^\x00-\x7f]")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of a file say it is: an XLSX workbook or text in `encoding`."""

    kind: str  # "xlsx" or "text"
    encoding: str | None = None


def sniff(path: Path) -> Sniffed:
    """Classify the file by content (never by extension); raise WholeFileError for anything else."""
    with open(path, "rb") as stream:
        sample = stream.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES or stream.read(1) == b""
    if sample.startswith(b"PK\x03\x04"):
        return Sniffed("xlsx") if _is_xlsx(path) else _reject(path, _zip_kind(path))
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            _reject(path, what)
    return Sniffed("text", detect_encoding(sample, complete=complete, path=str(path)))


def detect_encoding(sample: bytes, *, complete: bool, path: str = "<input>") -> str:
    """The Python codec name for `sample`, the file's first bytes (`complete`: the whole file).

    Order matters: a BOM wins; then strict UTF-8; then GB18030 but only when the non-ASCII text
    reads as common Chinese (cp1252 accents happen to be valid GB18030 byte pairs too); then
    cp1252, which almost any byte string decodes as.
    """
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    nuls = sample.count(b"\x00")
    if nuls:
        utf16 = _utf16_without_bom(sample, nuls, complete)
        if utf16 is not None:
            return utf16
        if nuls * 2 > len(sample):
            raise WholeFileError(
                path,
                "is mostly empty bytes (NUL), not text: it looks like a damaged or binary file "
                f"rather than a table; {ACCEPTED}",
            )
        sample = sample.replace(b"\x00", b"")
    if len(_C0_NOT_TEXT.findall(sample)) > _BINARY_SHARE * max(len(sample), 1):
        raise WholeFileError(
            path,
            "is not text: it looks like a program, image or other binary file rather than a "
            f"table saved from a spreadsheet; {ACCEPTED}",
        )
    if _decodes(sample, "utf-8", complete):
        return "utf-8"
    gb_text = _decode(sample, "gb18030", complete)
    if gb_text is not None and _reads_as_chinese(gb_text):
        return "gb18030"
    if _decodes(sample, "cp1252", complete):
        return "cp1252"
    raise WholeFileError(
        path,
        "is not text in any accepted encoding (its bytes are invalid in UTF-8, GB18030 and "
        f"cp1252); {ACCEPTED}",
    )


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """A text stream over the file that keeps line endings as they are (csv needs newline='').

    Readers remove stray NULs themselves (see `strip_nul`): they are kept here so that a
    position in the stream is a position in the file.
    """
    return io.TextIOWrapper(open(path, "rb"), encoding=encoding, newline="")


def strip_nul(text: str) -> str:
    """`text` without NUL characters (a stray NUL is a control character, docs/design.md §3.3)."""
    return text.replace("\x00", "") if "\x00" in text else text


def _utf16_without_bom(sample: bytes, nuls: int, complete: bool) -> str | None:
    """utf-16-le/-be when the NULs are frequent and sit on one side of each byte pair."""
    if nuls < _UTF16_NUL_SHARE * len(sample):
        return None
    even = sample[0::2].count(b"\x00")
    odd = nuls - even
    codec = None
    if odd >= _UTF16_PARITY_SHARE * nuls:
        codec = "utf-16-le"
    elif even >= _UTF16_PARITY_SHARE * nuls:
        codec = "utf-16-be"
    if codec is None:
        return None
    text = _decode(sample[: len(sample) // 2 * 2] if not complete else sample, codec, complete)
    if text is None or "\x00" in text:
        return None
    return codec


def _decode(sample: bytes, codec: str, complete: bool) -> str | None:
    # An incremental decoder holds back a multibyte character cut at the end of the sample
    # instead of calling it invalid.
    try:
        return codecs.getincrementaldecoder(codec)().decode(sample, final=complete)
    except UnicodeDecodeError:
        return None


def _decodes(sample: bytes, codec: str, complete: bool) -> bool:
    return _decode(sample, codec, complete) is not None


def _reads_as_chinese(text: str) -> bool:
    """True when most non-ASCII characters are in GB2312, the everyday Chinese repertoire.

    Latin-1 accents read as GB18030 land in the rare GBK extension areas almost always, while
    real Chinese text is mostly GB2312 even with a few rare name characters or accented names.
    """
    common = total = 0
    cache: dict[str, bool] = {}
    for char in _NON_ASCII.findall(text):
        known = cache.get(char)
        if known is None:
            try:
                char.encode("gb2312")
                known = True
            except UnicodeEncodeError:
                known = False
            cache[char] = known
        total += 1
        common += known
    return total > 0 and common * 2 > total


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
                return "an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV"
            if "word/document.xml" in names:
                return "a Word document"
            if "ppt/presentation.xml" in names:
                return "a PowerPoint presentation"
    except zipfile.BadZipFile:
        return "a damaged ZIP archive"
    return "a ZIP archive that is not an XLSX workbook"


def _reject(path: Path, what: str) -> Sniffed:
    raise WholeFileError(str(path), f"is {what}, not a table; {ACCEPTED}")
