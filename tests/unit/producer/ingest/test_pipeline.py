"""open_ingestion: whole-file errors, encodings end to end, accounting, streaming memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from producer.ingest.pipeline import AcceptedRow, RejectedRow, open_ingestion
from shared.errors import WholeFileError
from shared.settings import IngestSettings

ROOT = Path(__file__).resolve().parents[4]


def _whole_file_error(path: Path, **options) -> str:
    with pytest.raises(WholeFileError) as caught:
        ingestion = open_ingestion(path, **options)
        list(ingestion)
    message = str(caught.value)
    assert message.startswith(str(path) + ":")  # names the file
    return message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\xef\xbb\xbf\r\n  \n", "is empty"),
        (b"name,email\n", "has a header (line 1) but no data rows"),
        (b"name,email\n\n,\n", "has a header (line 1) but no data rows"),
        (b"id,email\n1,a@example.com\n", "no column recognised as 'name'"),
        (b"\x00\x01\x02\x03\x04binary\x05\x06", "not text: it looks like a program, image"),
        (b"%PDF-1.4 resume", "is a PDF document"),
    ],
)
def test_whole_file_errors_say_what_was_found(tmp_path, content, expected) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    assert expected in _whole_file_error(path)


def test_missing_file(tmp_path) -> None:
    assert "does not exist" in _whole_file_error(tmp_path / "nope.csv")


def test_file_over_the_size_limit(tmp_path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("name\n" + "Ann\n" * 100)
    message = _whole_file_error(path, settings=IngestSettings(max_file_bytes=100))
    assert "the limit is" in message and "MAX_FILE_BYTES" in message


def test_over_the_row_limit_raises_when_reached(tmp_path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("name\n" + "".join(f"P{i}\n" for i in range(10)))
    ingestion = open_ingestion(path, settings=IngestSettings(max_rows=5))
    seen = []
    with pytest.raises(WholeFileError, match="more than 5 data rows"):
        for outcome in ingestion:
            seen.append(outcome)
    assert len(seen) == 5 == ingestion.rows


def test_header_only_jsonl_and_empty_jsonl(tmp_path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("\n\n")
    assert "is empty" in _whole_file_error(path)


def test_bytes_in_another_encoding_after_the_sample_are_a_whole_file_error(tmp_path) -> None:
    path = tmp_path / "mixed.csv"
    body = "".join(f"Person {i},x\n" for i in range(8000))  # > 64 KiB of ASCII
    path.write_bytes(b"name,note\n" + body.encode() + "Zoë,x\n".encode("cp1252"))
    message = _whole_file_error(path)
    assert "was read as utf-8" in message and "save the whole file in one encoding" in message


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "gb18030", "cp1252"])
def test_names_survive_each_encoding_end_to_end(ingest, codec) -> None:
    names = ["Zoë Müller", "José Núñez"] if codec == "cp1252" else ["Zoë Müller", "王小明"]
    text = "姓名,城市\n" if codec not in ("cp1252",) else "name,city\n"
    text += "".join(f"{n},X\n" for n in names)
    ingestion, outcomes = ingest(text, encoding=codec)
    assert [o.name for o in outcomes] == names
    if codec == "cp1252":
        assert any("Windows-1252" in w for w in ingestion.warnings)


def test_unknown_columns_warn_once(ingest) -> None:
    ingestion, _ = ingest("name,Shoe size,Pet\nAnn,42,cat\n")
    assert ingestion.warnings == ["ignored unknown columns: 'Shoe size', 'Pet'"]


def test_counts_grow_while_iterating_and_iteration_is_single_use(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("name,email\nAnn,\nBo,bo@\nCy,\n")
    ingestion = open_ingestion(path)
    assert (ingestion.rows, ingestion.describe()) == (0, "CSV, utf-8, comma-separated")
    seen = []
    for outcome in ingestion:
        seen.append(type(outcome))
        assert ingestion.rows == ingestion.accepted + ingestion.rejected == len(seen)
    assert seen == [AcceptedRow, RejectedRow, AcceptedRow]
    with pytest.raises(RuntimeError):
        iter(ingestion)


def test_unsupported_default_language_is_an_input_error(tmp_path) -> None:
    from shared.errors import InputError

    path = tmp_path / "c.csv"
    path.write_text("name\nAnn\n")
    with pytest.raises(InputError, match="'fr' is not supported"):
        open_ingestion(path, language="fr")


def test_example_cohort_reads_with_rejections(tmp_path) -> None:
    ingestion = open_ingestion(ROOT / "examples" / "cohort.csv")
    outcomes = list(ingestion)
    assert ingestion.rows == ingestion.accepted + ingestion.rejected >= 40
    assert 2 <= ingestion.rejected <= 4
    assert {o.language for o in outcomes if isinstance(o, AcceptedRow)} == {"en", "zh"}


def test_a_large_file_streams_in_bounded_memory(tmp_path) -> None:
    """200,000 rows validate with peak memory well under the bound (no row list is kept)."""
    rows = 200_000
    path = tmp_path / "large.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("id,name,email,phone,grad_year,experience,skills\n")
        line = (
            "P{0},Person {0},p{0}@example.com,555-0100-{0},2024,"
            '"Analyst at Acme (2021-2022)",Python\n'
        )
        for i in range(rows):
            out.write(line.format(i))
    script = textwrap.dedent(
        f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        from producer.ingest.pipeline import open_ingestion
        ingestion = open_ingestion({str(path)!r})
        for _ in ingestion:
            pass
        assert ingestion.rows == ingestion.accepted == {rows}, (ingestion.rows, ingestion.accepted)
        # VmHWM: this interpreter's own high-water mark (ru_maxrss would carry over the size of
        # the test process that started it, which may have loaded a model).
        status = open("/proc/self/status").read()
        print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    peak_mb = int(result.stdout.strip())
    assert peak_mb < 300, f"peak RSS {peak_mb} MB"
