"""List cells: skills, languages, awards, certificates and links."""

from __future__ import annotations

from shared.lists import (
    parse_awards,
    parse_certificates,
    parse_languages,
    parse_links,
    parse_skills,
)


def test_skills_languages_awards_links() -> None:
    assert parse_skills("Python, SQL", default_name="Skills") == [
        {"name": "Skills", "keywords": ["Python", "SQL"]}
    ]
    assert parse_skills("Programming: Python, SQL\nTools: Excel", default_name="Skills") == [
        {"name": "Programming", "keywords": ["Python", "SQL"]},
        {"name": "Tools", "keywords": ["Excel"]},
    ]
    assert parse_languages("English (fluent), 中文（母语）, German") == [
        {"language": "English", "fluency": "fluent"},
        {"language": "中文", "fluency": "母语"},
        {"language": "German"},
    ]
    assert parse_awards("Dean's List (2023); 国家奖学金") == [
        {"title": "Dean's List", "date": "2023"},
        {"title": "国家奖学金"},
    ]
    website, profiles = parse_links(
        "https://github.com/alex, linkedin.com/in/alex https://alex.dev"
    )
    assert website == "https://alex.dev"
    assert profiles == [
        {"network": "GitHub", "username": "alex", "url": "https://github.com/alex"},
        {"network": "LinkedIn", "username": "alex", "url": "linkedin.com/in/alex"},
    ]


def test_an_award_date_in_any_case_is_read() -> None:
    assert parse_certificates("AWS Cloud Practitioner (JUN 2024); CFA Level I, jan 2023") == [
        {"name": "AWS Cloud Practitioner", "date": "2024-06"},
        {"name": "CFA Level I", "date": "2023-01"},
    ]
