"""Physical rows: delimiters, line numbers across quoted line breaks, XLSX, JSONL."""

from __future__ import annotations

import pytest

from producer.ingest.csvsource import sniff_delimiter
from producer.ingest.pipeline import AcceptedRow, RejectedRow

from .conftest import by_line


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_sniffed(ingest, delimiter) -> None:
    rows = [["name", "email", "skills"], ["Ann Lee", "ann@example.com", "Python"],
            ["Bo Chen", "bo@example.com", "SQL"]]  # fmt: skip
    text = "".join(delimiter.join(r) + "\n" for r in rows)
    ingestion, outcomes = ingest(text)
    assert ingestion.delimiter == delimiter
    assert [o.name for o in outcomes] == ["Ann Lee", "Bo Chen"]


def test_commas_in_free_text_do_not_fool_the_sniffer() -> None:
    lines = ["name;experience;skills\n", "Ann;Intern, Acme (2021), built a, b and c;Python, SQL\n",
             "Bo;Analyst at Beta (2020-2022);R\n"]  # fmt: skip
    assert sniff_delimiter(lines) == ";"


def test_a_single_column_file_is_fine(ingest) -> None:
    _, outcomes = ingest("name\nAnn\nBo\n")
    assert [o.name for o in outcomes] == ["Ann", "Bo"]


def test_line_numbers_follow_physical_lines_across_quoted_line_breaks(ingest) -> None:
    text = (
        "name,experience,email\n"  # 1
        'Ann,"Analyst at Acme (2021-2022)\n'  # 2
        "Intern, Beta (2020)\n"  # 3
        '- did things",ann@example.com\n'  # 4
        "\n"  # 5 blank: skipped, not a row
        "Bo,,bo@\n"  # 6
        '"Cy\r\nCee",,cy@example.com\r\n'  # 7-8
        "Di,,\n"  # 9
    )
    _ingestion, outcomes = ingest(text)
    assert [o.line for o in outcomes] == [2, 6, 7, 9]
    rejected = by_line(outcomes)[6]
    assert isinstance(rejected, RejectedRow) and rejected.column == "email"
    ann = by_line(outcomes)[2]
    assert isinstance(ann, AcceptedRow)
    assert [w.get("name") for w in ann.profile.model_dump()["work"]] == ["Acme", "Beta"]


def test_rows_of_empty_cells_are_blank_lines(ingest) -> None:
    _ingestion, outcomes = ingest("name,email\nAnn,\n,\n , \nBo,\n")
    assert [o.line for o in outcomes] == [2, 5]


def test_unterminated_quote_rejects_the_rows_it_swallowed(ingest) -> None:
    text = (
        "id,name,experience\n"  # 1
        "1,Ann,ok\n"  # 2
        '2,Bo,"Analyst at Acme\n'  # 3: the quote opens here and never closes
        "3,Cy,\n"  # 4
        "\n"  # 5
        "4,Di,\n"  # 6
    )
    ingestion, outcomes = ingest(text)
    assert [type(o).__name__ for o in outcomes] == ["AcceptedRow"] + ["RejectedRow"] * 3
    bo, cy, di = outcomes[1:]
    assert isinstance(bo, RejectedRow) and bo.line == 3 and "opened on line 3" in bo.reason
    assert bo.name == "Bo" and bo.external_id == "2"
    assert isinstance(cy, RejectedRow) and cy.line == 4 and "opened on line 3" in cy.reason
    assert cy.name == "Cy" and cy.external_id == "3"
    assert isinstance(di, RejectedRow) and di.line == 6
    assert ingestion.rows == 4


def test_unterminated_quote_after_a_closed_multiline_cell_names_the_right_line(ingest) -> None:
    text = 'name,a,b\nAnn,"x\ny",ok\nBo,"z",w\nCy,"open\nDi,,\n'
    _, outcomes = ingest(text)
    cy = by_line(outcomes)[5]
    assert isinstance(cy, RejectedRow) and "opened on line 5" in cy.reason
    assert isinstance(by_line(outcomes)[6], RejectedRow)


def test_a_row_with_more_cells_than_the_header_is_rejected(ingest) -> None:
    _, outcomes = ingest("name,email\nAnn,ann@example.com,extra\nBo\n")
    ann, bo = outcomes
    assert isinstance(ann, RejectedRow) and ann.line == 2
    assert ann.reason == "the row has 3 cells but the header has 2" and ann.name == "Ann"
    assert isinstance(bo, AcceptedRow) and bo.profile.basics.email is None  # fewer: empty


def test_xlsx_first_sheet_and_named_sheet_with_row_numbers(ingest, tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Cohort"
    first.append(["Student ID", "Name", "Grad Year", "Phone"])
    first.append([1001, "Ann Lee", 2024, 13800138000])
    first.append([])  # an empty spreadsheet row is skipped but still counted as a row number
    first.append([1002, "Bo Chen", 2024.0, None])
    first.append([1003, None, 2024, None])
    other = book.create_sheet("Extra")
    other.append(["姓名"])
    other.append(["王小明"])
    path = tmp_path / "cohort.xlsx"
    book.save(path)
    ingestion, outcomes = ingest(path.read_bytes(), name="cohort.xlsx")
    assert ingestion.format == "xlsx"
    assert [o.line for o in outcomes] == [2, 4, 5]
    ann, bo, nameless = outcomes
    assert isinstance(ann, AcceptedRow) and ann.external_id == "1001"
    assert ann.profile.basics.phone == "13800138000"
    assert isinstance(bo, AcceptedRow) and bo.profile.education[0].endDate == "2024"
    assert isinstance(nameless, RejectedRow) and nameless.column == "Name"
    _, extra = ingest(path.read_bytes(), name="cohort2.xlsx", sheet="Extra")
    assert [o.name for o in extra] == ["王小明"]


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from producer.ingest.pipeline import open_ingestion
    from shared.errors import WholeFileError

    book = openpyxl.Workbook()
    book.active.append(["name"])
    path = tmp_path / "c.xlsx"
    book.save(path)
    with pytest.raises(WholeFileError, match="no sheet named 'Nope'; its sheets are 'Sheet'"):
        open_ingestion(path, sheet="Nope")


def test_jsonl_documents_and_bad_lines(ingest) -> None:
    text = (
        '{"basics": {"name": "Ann Lee", "email": "ann@example.com"}, "work": [{"name": "Acme", '
        '"position": "Analyst", "startDate": "2021-06"}]}\n'
        "\n"
        "{not json}\n"
        '{"basics": {"name": "Bo", "email": "bo@"}}\n'
        "[1, 2]\n"
        '{"basics": {"email": "x@example.com"}}\n'
        '{"id": "7", "basics": {"name": "王小明"}, "meta": {"language": "中文"}}\n'
    )
    ingestion, outcomes = ingest(text, name="people.jsonl")
    assert ingestion.format == "jsonl"
    assert [o.line for o in outcomes] == [1, 3, 4, 5, 6, 7]
    ann = outcomes[0]
    assert isinstance(ann, AcceptedRow) and ann.profile.work[0].startDate == "2021-06"
    assert isinstance(outcomes[1], RejectedRow) and "not valid JSON" in outcomes[1].reason
    assert isinstance(outcomes[2], RejectedRow) and outcomes[2].column == "basics.email"
    assert isinstance(outcomes[3], RejectedRow) and "not a JSON Resume object" in outcomes[3].reason
    assert isinstance(outcomes[4], RejectedRow) and outcomes[4].reason == "basics.name is missing"
    wang = outcomes[5]
    assert isinstance(wang, AcceptedRow) and wang.language == "zh" and wang.external_id == "7"


def test_stray_nuls_are_removed_before_and_after_the_first_64_kib(ingest) -> None:
    filler = "".join(f"{n},Person {n},ok\n" for n in range(3, 6000))
    content = "id,name,summary\n1,A\x00nn,Led\x00 a team\n" + filler + "9999,B\x00o,x\x00y\n"
    assert content.index("\x00") < 64 * 1024 < content.rindex("\x00")
    _, outcomes = ingest(content)
    assert all(isinstance(o, AcceptedRow) for o in outcomes)
    assert outcomes[0].name == "Ann" and outcomes[-1].name == "Bo"


def test_a_long_cell_in_the_sniffed_lines_rejects_its_row_only(ingest) -> None:
    # Over csv's default field limit (131,072): the delimiter sniffer must not crash on it.
    content = f'id,name,summary\n1,Ann,"{"x" * 200_000}"\n2,Bo,fine\n'
    _, outcomes = ingest(content)
    long_row, fine = outcomes
    assert isinstance(long_row, RejectedRow) and isinstance(fine, AcceptedRow)
    assert (long_row.line, long_row.column) == (2, "summary")
    assert long_row.reason == "the cell has 200,000 characters; the limit is 20,000"
    assert (long_row.external_id, long_row.name) == ("1", "Ann")


def test_a_closed_10_mb_multiline_cell_rejects_its_row_only(ingest) -> None:
    body = "".join(f"{n},Person {n},ok\n" for n in range(1, 30))
    huge = "An essay.\n" * 3 + "y" * 10_000_000
    content = f'id,name,summary\n{body}30,"Long, Name","{huge}"\n31,Cy,ok\n'
    _, outcomes = ingest(content)
    rows = by_line(outcomes)
    rejected = [o for o in outcomes if isinstance(o, RejectedRow)]
    assert len(outcomes) == 31 and len(rejected) == 1
    assert (rejected[0].line, rejected[0].external_id, rejected[0].name) == (31, "30", "Long, Name")
    assert "10,000,030 characters" in rejected[0].reason
    # The cell spans lines 31-34, so the next row starts on line 35.
    assert isinstance(rows[35], AcceptedRow) and rows[35].name == "Cy"


def test_a_long_unquoted_line_and_an_overlong_name_keep_the_row_identifiable(ingest) -> None:
    content = f"id,name,summary\n1,{'N' * 30_000},{'z' * 2_000_000}\n2,Bo,ok\n"
    _, outcomes = ingest(content)
    first, second = outcomes
    assert isinstance(first, RejectedRow) and first.column == "name"
    assert first.external_id == "1" and first.name.endswith("(30,000 characters)")
    assert isinstance(second, AcceptedRow) and second.line == 3


def test_a_quote_never_closed_over_a_huge_tail_is_a_whole_file_error(tmp_path) -> None:
    from producer.ingest.pipeline import open_ingestion
    from shared.errors import WholeFileError

    path = tmp_path / "broken.csv"
    path.write_text('id,name,summary\n1,Ann,"opened\n' + "2,Bo,text\n" * 1_000_000)
    with pytest.raises(WholeFileError, match="quote opened on line 2 that is never closed"):
        list(open_ingestion(path))


def test_xlsx_values_as_a_person_typed_them(ingest, tmp_path) -> None:
    import datetime as dt

    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name", "grad_year", "summary", "work_1_start", "gpa"])
    sheet.append([7, "Ann", dt.date(2024, 6, 30), True, dt.datetime(2021, 3, 1), 3.5])
    sheet.append([8, CellRichText("Bo ", TextBlock(InlineFont(b=True), "Chen")), 2024, "=1+1"])
    sheet.append([9, "Cy", 2023, "x" * 25_000])
    path = tmp_path / "v.xlsx"
    book.save(path)
    _, outcomes = ingest(path.read_bytes(), name="v.xlsx")
    ann, bo, cy = outcomes
    assert isinstance(ann, AcceptedRow) and ann.facts["values"]["grad_year"] == "2024-06-30"
    assert ann.facts["values"]["summary"] == "TRUE" and ann.facts["values"]["gpa"] == "3.5"
    assert ann.facts["groups"][0][1]["startDate"] == "2021-03-01"
    assert isinstance(bo, AcceptedRow) and bo.name == "Bo Chen"
    assert isinstance(cy, RejectedRow) and (cy.line, cy.column, cy.external_id, cy.name) == (
        4, "summary", "9", "Cy",
    )  # fmt: skip


def test_utf16_without_its_marker_reads_whole_rows(ingest) -> None:
    content = "id,name\r\n1,Ann Lee\r\n2,王小明\r\n"
    ingestion, outcomes = ingest(content.encode("utf-16-le"))
    assert ingestion.encoding == "utf-16-le"
    assert [o.name for o in outcomes] == ["Ann Lee", "王小明"]
