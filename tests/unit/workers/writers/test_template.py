"""The template writer composes only from the person's own facts, in English and Chinese."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest

from shared.profile import Profile
from workers.writers.base import Writer
from workers.writers.template import TemplateWriter, split_sentences

WRITER = TemplateWriter(today=datetime.date(2025, 1, 1))

# Words the English frames themselves contribute; everything else capitalised must be input.
FRAME_WORDS = {"Skills", "Experience", "Studied", "Graduate", "Student"}
# Fixed Chinese frame text; what is left of a Chinese summary after removing it must be input.
ZH_FRAMES = re.compile(r"专业|届毕业生|在读|预计|年毕业|曾任|就读于|就职于|技能|[，。、：]")


def _written_text(data: dict[str, Any]) -> list[str]:
    resume = WRITER.write([Profile.model_validate(data)])[0]
    texts = [resume.basics.summary or ""]
    for work in resume.work:
        texts += work.highlights
    return texts


def _samples() -> list[dict[str, Any]]:
    return [
        {
            "basics": {"name": "Alice"},
            "education": [
                {"institution": "Example University", "area": "Computer Science", "endDate": "2024"}
            ],
            "work": [{"name": "Acme Corp", "position": "Data Analyst", "startDate": "2023-06"}],
            "skills": [{"name": "Programming", "keywords": ["Python", "SQL"]}],
        },
        {"basics": {"name": "Bo"}, "work": [{"name": "Beta GmbH"}, {"position": "Tutor"}]},
        {"basics": {"name": "Cy"}, "education": [{"institution": "MIT", "endDate": "2027-06"}]},
        {"basics": {"name": "Di"}, "education": [{"area": "History"}], "skills": [{"name": "Go"}]},
        {"basics": {"name": "Ed"}},
        {"basics": {"name": "Fa"}, "skills": [{"name": "Excel"}]},
        {
            "basics": {"name": "Gu"},
            "work": [{"name": "Zeta", "summary": "Ran 3 pilots. Cut costs by 12% in Q3."}],
        },
    ]


def test_is_a_writer() -> None:
    writer: Writer = WRITER
    assert writer.name == "template"


def test_english_summary_from_facts() -> None:
    (resume,) = WRITER.write([Profile.model_validate(_samples()[0])])
    assert resume.basics.summary == (
        "Computer Science graduate of Example University (2024) with experience as "
        "Data Analyst at Acme Corp. Skills: Python, SQL."
    )
    assert resume.meta.provenance["basics.summary"] == "template"
    assert [(g.section, g.outcome) for g in resume.meta.grounding] == [
        ("basics.summary", "not_checked")
    ]


def test_chinese_summary_from_facts() -> None:
    data = {
        "basics": {"name": "张伟"},
        "education": [{"institution": "示例大学", "area": "计算机科学", "endDate": "2024-06"}],
        "work": [{"name": "Acme公司", "position": "数据分析实习生"}],
        "skills": [{"name": "编程", "keywords": ["Python", "SQL"]}],
        "meta": {"language": "zh"},
    }
    (resume,) = WRITER.write([Profile.model_validate(data)])
    assert (
        resume.basics.summary
        == "示例大学计算机科学专业2024届毕业生，曾任Acme公司数据分析实习生。技能：Python、SQL。"
    )


def test_not_yet_graduated_is_not_called_a_graduate() -> None:
    (resume,) = WRITER.write([Profile.model_validate(_samples()[2])])
    assert resume.basics.summary == "Student at MIT (expected 2027)."


def _education_summary(edu: dict[str, str], today: datetime.date, lang: str = "en") -> str:
    data = {"basics": {"name": "Cy"}, "education": [edu], "meta": {"language": lang}}
    resume = TemplateWriter(today=today).write_one(Profile.model_validate(data))
    return resume.basics.summary or ""


@pytest.mark.parametrize(
    ("end", "today", "expected"),
    [
        # Class of 2025 read in 2024: still studying, whether the date has a month or not.
        ("2025", datetime.date(2024, 11, 1), True),
        ("2025-06", datetime.date(2024, 11, 1), True),
        # Graduation month still ahead in the same year.
        ("2025-06", datetime.date(2025, 3, 1), True),
        ("2025", datetime.date(2025, 3, 1), True),
        ("2025-06", datetime.date(2025, 9, 1), False),
        ("2025", datetime.date(2025, 9, 1), False),
        ("2023", datetime.date(2025, 3, 1), False),
    ],
)
def test_a_future_graduation_is_expected_in_both_languages(
    end: str, today: datetime.date, expected: bool
) -> None:
    edu = {"institution": "Example University", "area": "Economics", "endDate": end}
    en = _education_summary(edu, today)
    zh = _education_summary(edu, today, "zh")
    if expected:
        assert en == "Economics student at Example University (expected 2025)."
        assert zh == "Example UniversityEconomics专业在读，预计2025年毕业。"
        assert "graduate" not in en and "毕业生" not in zh
    else:
        assert "graduate of Example University" in en and "expected" not in en
        assert "届毕业生" in zh


def test_without_a_fixed_date_the_writer_reads_today() -> None:
    next_year = str(datetime.date.today().year + 1)
    data = {"basics": {"name": "Cy"}, "education": [{"institution": "MIT", "endDate": next_year}]}
    resume = TemplateWriter().write_one(Profile.model_validate(data))
    assert resume.basics.summary == f"Student at MIT (expected {next_year})."


def test_a_school_in_parentheses_gets_no_second_pair() -> None:
    edu = {"institution": "Example University (fictional)", "area": "Law", "endDate": "2023"}
    summary = _education_summary(edu, datetime.date(2025, 1, 1))
    assert summary == "Law graduate of Example University (fictional), 2023."
    future = _education_summary({**edu, "endDate": "2026"}, datetime.date(2025, 1, 1))
    assert future == "Law student at Example University (fictional), expected 2026."
    assert ") (" not in summary + future


def test_input_summary_is_kept_verbatim() -> None:
    data = _samples()[0]
    data["basics"]["summary"] = "I like  data, and I say so myself."
    (resume,) = WRITER.write([Profile.model_validate(data)])
    assert resume.basics.summary == "I like  data, and I say so myself."
    assert resume.meta.provenance["basics.summary"] == "input"
    assert resume.meta.grounding == []


@pytest.mark.parametrize(
    "data",
    [{"basics": {"name": "Ed"}}, {"basics": {"name": "Fa"}, "skills": [{"name": "Excel"}]}],
)
def test_thin_rows_stay_thin(data: dict[str, Any]) -> None:
    (resume,) = WRITER.write([Profile.model_validate(data)])
    assert resume.basics.summary is None
    assert "basics.summary" not in resume.meta.provenance
    assert resume.meta.grounding == []


@pytest.mark.parametrize("index", range(7))
def test_every_capitalised_word_and_number_comes_from_the_input(index: int) -> None:
    data = _samples()[index]
    source = json.dumps(data)
    for text in _written_text(data):
        for token in re.findall(r"\b(?:[A-Z][\w'-]*|\d[\d.,%]*)", text):
            assert token in FRAME_WORDS or token.rstrip(".,") in source, (token, text)


def test_chinese_output_adds_no_fact() -> None:
    data = {
        "basics": {"name": "李"},
        "education": [{"institution": "示例大学", "area": "金融学", "endDate": "2023"}],
        "work": [{"name": "某银行"}, {"position": "助教"}],
        "skills": [{"name": "Excel"}],
        "meta": {"language": "zh"},
    }
    values = sorted(_strings(data), key=len, reverse=True)
    for text in _written_text(data):
        rest = text
        for value in values:  # longest first, so "示例大学" goes before "大学" would
            rest = rest.replace(value, "")
        assert ZH_FRAMES.sub("", rest) == "", (rest, text)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_highlights_are_kept_verbatim() -> None:
    data = _samples()[0]
    data["work"][0]["highlights"] = ["did  things  *exactly* so"]
    data["work"][0]["summary"] = "Not used. Really."
    (resume,) = WRITER.write([Profile.model_validate(data)])
    assert resume.work[0].highlights == ["did  things  *exactly* so"]
    assert resume.work[0].summary == "Not used. Really."
    assert resume.meta.provenance["work[0].highlights"] == "input"


def test_work_summary_becomes_sentence_bullets_without_rewording() -> None:
    (resume,) = WRITER.write([Profile.model_validate(_samples()[6])])
    assert resume.work[0].highlights == ["Ran 3 pilots.", "Cut costs by 12% in Q3."]
    assert resume.work[0].summary is None
    assert resume.meta.provenance["work[0].highlights"] == "template"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Worked with U.S. clients. Shipped v2.0 on time.",
            ["Worked with U.S. clients.", "Shipped v2.0 on time."],
        ),
        ("Joined Acme Inc. in 2023. Led 2 teams.", ["Joined Acme Inc. in 2023.", "Led 2 teams."]),
        ("- first line\n- second line", ["first line", "second line"]),
        ("负责报表。搭建看板！", ["负责报表。", "搭建看板！"]),
        ("one sentence without a stop", ["one sentence without a stop"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_batch_keeps_order_and_does_not_mutate_input() -> None:
    profiles = [Profile.model_validate(d) for d in _samples()]
    before = [p.model_dump() for p in profiles]
    resumes = WRITER.write(profiles)
    assert [r.basics.name for r in resumes] == [p.basics.name for p in profiles]
    assert [p.model_dump() for p in profiles] == before


def test_every_sample_row(any_resume: Any) -> None:
    # The shared fixtures (rich, thin, Chinese, hostile) all write without error.
    assert any_resume.basics.name
