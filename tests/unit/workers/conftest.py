"""Profiles shared by the writer and renderer tests: rich, thin, Chinese and hostile rows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from shared.profile import Profile, Resume
from workers.writers.template import TemplateWriter

HOSTILE = [
    "# heading",
    "[x](javascript:alert(1))",
    "<script>alert(1)</script>",
    "#set page(fill: red)",
    '#read("/etc/passwd")',
    "$x$",
    "\\textbf{}",
    "{{7*7}}",
]


def rich_en() -> dict[str, Any]:
    return {
        "basics": {
            "name": "Alice Example",
            "label": "Data Analyst",
            "email": "alice@example.org",
            "phone": "+1 555 0100",
            "url": "https://alice.example.org",
            "location": {"city": "Boston", "region": "MA", "countryCode": "US"},
            "profiles": [
                {"network": "GitHub", "username": "alice", "url": "https://github.com/alice"}
            ],
        },
        "work": [
            {
                "name": "Acme Corp",
                "position": "Data Analyst",
                "startDate": "2023-06",
                "summary": "Built weekly sales dashboards in Tableau. Automated month-end reports.",
            },
            {
                "name": "Beta Labs",
                "position": "Research Intern",
                "startDate": "2022",
                "endDate": "2022",
                "highlights": ["Cleaned survey data for 1,200 respondents"],
            },
        ],
        "education": [
            {
                "institution": "Example University",
                "area": "Computer Science",
                "studyType": "Bachelor",
                "startDate": "2020",
                "endDate": "2024",
                "score": "3.7",
                "courses": ["Databases", "Statistics"],
            }
        ],
        "skills": [{"name": "Programming", "keywords": ["Python", "SQL"]}, {"name": "Tableau"}],
        "projects": [
            {"name": "Bike Share Study", "startDate": "2023-01-15", "highlights": ["Mapped trips"]}
        ],
        "awards": [{"title": "Dean's List", "date": "2023", "awarder": "Example University"}],
        "certificates": [{"name": "AWS Cloud Practitioner", "date": "2024-03", "issuer": "AWS"}],
        "languages": [{"language": "English", "fluency": "Native"}],
        "volunteer": [{"organization": "Food Bank", "position": "Volunteer", "startDate": "2021"}],
        "interests": [{"name": "Chess"}],
        "meta": {"language": "en"},
    }


def rich_zh() -> dict[str, Any]:
    return {
        "basics": {"name": "张伟", "email": "zhangwei@example.cn", "phone": "+86 138 0000 0000"},
        "work": [
            {
                "name": "Acme公司",
                "position": "数据分析实习生",
                "startDate": "2023-07",
                "endDate": "2023-09",
                "summary": "负责每周销售报表。搭建了数据看板！",
            }
        ],
        "education": [
            {
                "institution": "示例大学",
                "area": "计算机科学",
                "studyType": "本科",
                "startDate": "2020-09",
                "endDate": "2024",
            }
        ],
        "skills": [{"name": "编程", "keywords": ["Python", "SQL"]}],
        "languages": [{"language": "英语", "fluency": "CET-6"}],
        "awards": [{"title": "一等奖学金", "date": "2022-10-08"}],
        "meta": {"language": "zh"},
    }


def thin() -> dict[str, Any]:
    return {"basics": {"name": "Sam Thin"}}


def hostile() -> dict[str, Any]:
    text = " ".join(HOSTILE)
    return {
        "basics": {"name": "Eve Hostile", "summary": text, "url": "javascript:alert(1)"},
        "work": [{"name": "#set page(fill: red)", "position": "$x$", "highlights": HOSTILE}],
        "skills": [{"name": "{{7*7}}", "keywords": ['#read("/etc/passwd")']}],
    }


def write(data: dict[str, Any]) -> Resume:
    writer = TemplateWriter(today=datetime.date(2025, 1, 1))
    return writer.write([Profile.model_validate(data)])[0]


@pytest.fixture
def resume_en() -> Resume:
    return write(rich_en())


@pytest.fixture
def resume_zh() -> Resume:
    return write(rich_zh())


@pytest.fixture
def resume_thin() -> Resume:
    return write(thin())


@pytest.fixture
def resume_hostile() -> Resume:
    return write(hostile())


@pytest.fixture
def hostile_cells() -> list[str]:
    return list(HOSTILE)


@pytest.fixture(
    params=[rich_en, rich_zh, thin, hostile], ids=["rich_en", "rich_zh", "thin", "hostile"]
)
def any_data(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each sample row in turn, as the raw input dict."""
    return request.param()  # type: ignore[no-any-return]


@pytest.fixture
def any_resume(any_data: dict[str, Any]) -> Resume:
    return write(any_data)
