"""Header matching through the alias table, numbered groups, unknown columns, the template."""

from __future__ import annotations

import csv
import io

import pytest

from producer.ingest.columns import (
    ALIASES,
    alias_table_markdown,
    map_header,
    normalise,
    template_csv,
)
from shared.errors import WholeFileError


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("E-mail Address", "email"),
        ("email_address", "email"),
        ("EMAIL", "email"),
        ("  Full  Name ", "name"),
        ("姓名", "name"),
        ("学号", "id"),
        ("Student ID", "id"),
        ("联系电话", "phone"),
        ("Graduation Year", "grad_year"),
        ("Class of", "grad_year"),
        ("毕业院校", "school"),
        ("Field-of-Study", "major"),
        ("工作经历", "experience"),
        ("目标职位描述", "target_job"),
        ("简历语言", "language"),
        ("Languages", "languages"),
    ],
)
def test_aliases_match_case_space_and_punctuation_insensitively(header, canonical) -> None:
    mapping = map_header([header, "name" if canonical != "name" else "x"])
    assert mapping.fields[canonical] == 0


def test_every_documented_alias_maps_to_its_canonical_name() -> None:
    for canonical, aliases in ALIASES.items():
        for alias in (canonical, *aliases):
            header = [alias] if canonical == "name" else [alias, "name"]
            assert map_header(header).fields[canonical] == 0, alias


def test_normalise() -> None:
    assert normalise("E-mail Address") == normalise("email_address") == "emailaddress"


def test_numbered_groups() -> None:
    mapping = map_header(
        ["name", "work_1_company", "Work 1 Position", "work_2_company", "work_1_start",
         "education_1_institution", "education_1_degree", "education_1_major", "project_1_name",
         "project_1_description"]
    )  # fmt: skip
    assert mapping.groups[("work", 1)] == {"name": 1, "position": 2, "startDate": 4}
    assert mapping.groups[("work", 2)] == {"name": 3}
    assert mapping.groups[("education", 1)] == {"institution": 5, "studyType": 6, "area": 7}
    assert mapping.groups[("project", 1)] == {"name": 8, "description": 9}
    assert not mapping.unknown


def test_unknown_columns_give_one_warning_naming_them() -> None:
    mapping = map_header(["name", "Shoe size", "Favourite colour"])
    assert mapping.unknown == ["Shoe size", "Favourite colour"]
    assert mapping.warnings == ["ignored unknown columns: 'Shoe size', 'Favourite colour'"]


def test_a_repeated_column_keeps_the_first_and_warns() -> None:
    mapping = map_header(["name", "email", "E-mail"])
    assert mapping.fields["email"] == 1
    assert any("repeated" in w for w in mapping.warnings)


def test_no_name_column_is_a_whole_file_error() -> None:
    with pytest.raises(WholeFileError) as caught:
        map_header(["id", "email"], path="cohort.csv")
    message = str(caught.value)
    assert message.startswith("cohort.csv:") and "'name'" in message and "'id'" in message


def test_template_has_canonical_headers_and_one_example_row() -> None:
    rows = list(csv.reader(io.StringIO(template_csv())))
    assert len(rows) == 2
    assert rows[0][:3] == ["id", "name", "email"]
    assert set(rows[0]) <= set(ALIASES)
    assert map_header(rows[0]).unknown == []
    assert "Example" in rows[1][1]


def test_alias_table_markdown_lists_every_canonical_name() -> None:
    table = alias_table_markdown()
    for canonical in ALIASES:
        assert f"| {canonical} |" in table
