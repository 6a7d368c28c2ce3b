"""Free-text entries become structured only where the pattern is clear; nothing is invented."""

from __future__ import annotations

import pytest

from shared.entries import (
    parse_project,
    parse_work,
    parse_works,
    split_entries,
    split_list,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Data Analyst at Acme Corp (2021-2022): built dashboards",
            {"name": "Acme Corp", "position": "Data Analyst", "startDate": "2021",
             "endDate": "2022", "highlights": ["built dashboards"]},
        ),
        (
            "Intern, Acme (Jun 2021 – Aug 2021)",
            {"name": "Acme", "position": "Intern", "startDate": "2021-06", "endDate": "2021-08",
             "highlights": []},
        ),
        (
            "Acme Corp — Data Analyst, 2021–present: shipped reports",
            {"name": "Acme Corp", "position": "Data Analyst", "startDate": "2021",
             "highlights": ["shipped reports"]},
        ),
        (
            "腾讯 产品实习生（2021年6月-2021年9月）：负责用户调研",
            {"name": "腾讯", "position": "产品实习生", "startDate": "2021-06",
             "endDate": "2021-09", "highlights": ["负责用户调研"]},
        ),
        (
            "2021.06-2021.09 阿里巴巴 数据分析实习生 负责数据清洗",
            {"name": "阿里巴巴", "position": "数据分析实习生", "startDate": "2021-06",
             "endDate": "2021-09", "highlights": ["负责数据清洗"]},
        ),
        (
            "2019年9月至今 字节跳动 后端开发实习生",
            {"name": "字节跳动", "position": "后端开发实习生", "startDate": "2019-09",
             "highlights": []},
        ),
        (
            "Software Engineer, Globex, 2020-06-15 to 2021-01-31",
            {"name": "Globex", "position": "Software Engineer", "startDate": "2020-06-15",
             "endDate": "2021-01-31", "highlights": []},
        ),
    ],
)  # fmt: skip
def test_clear_work_entries_are_structured(text, expected) -> None:
    assert parse_work(text) == expected


@pytest.mark.parametrize(
    "text", ["Worked on stuff at Acme", "Built a 2048 game", "负责公众号运营", "Helped out, Acme"]
)
def test_unclear_work_entries_stay_verbatim_without_employer(text) -> None:
    assert parse_work(text) == {"highlights": [text]}


def test_ongoing_entry_has_no_end_date() -> None:
    assert "endDate" not in parse_work("Tutor, City Library (2022 - now)")


def test_entries_split_on_lines_or_semicolons_and_bullets_attach() -> None:
    assert [t for t, _ in split_entries("a (2021); b；c")] == ["a (2021)", "b", "c"]
    # with line breaks, semicolons stay inside the entry
    assert [t for t, _ in split_entries("x; y\nz")] == ["x; y", "z"]
    works = parse_works("Data Analyst at Acme (2021-2022)\n- built dashboards\n• automated reports")
    assert works == [
        {"name": "Acme", "position": "Data Analyst", "startDate": "2021", "endDate": "2022",
         "highlights": ["built dashboards", "automated reports"]}
    ]  # fmt: skip


def test_projects() -> None:
    assert parse_project("Bike-share forecast (2024): predicted demand") == {
        "name": "Bike-share forecast",
        "description": "predicted demand",
        "startDate": "2024",
        "endDate": "2024",
    }
    assert parse_project("推荐系统：基于协同过滤") == {
        "name": "推荐系统",
        "description": "基于协同过滤",
    }
    assert parse_project("Built a recommender in PyTorch") == {
        "name": "",
        "highlights": ["Built a recommender in PyTorch"],
    }


def test_lists_split_on_every_documented_separator() -> None:
    assert split_list("Python, SQL;Excel、R，Go|Rust") == [
        "Python",
        "SQL",
        "Excel",
        "R",
        "Go",
        "Rust",
    ]
