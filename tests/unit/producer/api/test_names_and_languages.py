"""Upload file names kept as sent where safe; the page's language choice."""

from __future__ import annotations

import pytest

from producer.api.web.i18n import TEXT, choose
from producer.service.batches import clean_filename, parse_age
from shared.errors import InputError


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Cohort 2024.csv", "Cohort 2024.csv"),
        ("2024届 毕业生.xlsx", "2024届 毕业生.xlsx"),
        ("C:\\Users\\hr\\export.csv", "export.csv"),
        ("../../etc/passwd", "passwd"),
        (".hidden.csv", "hidden.csv"),
        ("a\x00b\nc.csv", "a_b_c.csv"),
        ("", "upload.csv"),
        ("/", "upload.csv"),
        (None, "upload.csv"),
    ],
)
def test_clean_filename(sent: str | None, kept: str) -> None:
    assert clean_filename(sent) == kept


def test_a_long_name_keeps_its_suffix() -> None:
    name = clean_filename("x" * 500 + ".jsonl")
    assert len(name) <= 200 and name.endswith(".jsonl")


@pytest.mark.parametrize(
    ("query", "cookie", "header", "lang"),
    [
        (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, None, "en"),
        (None, "zh", "en-US", "zh"),
        ("en", "zh", "zh-CN", "en"),
        ("fr", None, "fr-FR,de", "en"),
    ],
)
def test_language_choice(
    query: str | None, cookie: str | None, header: str | None, lang: str
) -> None:
    assert choose(query, cookie, header) == lang


def test_both_languages_have_every_text() -> None:
    assert set(TEXT["en"]) == set(TEXT["zh"])


def test_ages() -> None:
    assert parse_age("30d").days == 30 and parse_age("45").days == 45
    with pytest.raises(InputError):
        parse_age("a month")
