"""Education cells told apart into school, degree and field: only where the pattern is clear."""

from __future__ import annotations

import pytest

from shared.education import parse_education, parse_educations


def test_education() -> None:
    assert parse_education("Peking University, BSc Computer Science (2017-2021)") == {
        "institution": "Peking University", "studyType": "BSc", "area": "Computer Science",
        "startDate": "2017", "endDate": "2021", "courses": [],
    }  # fmt: skip
    assert parse_education("清华大学，硕士，软件工程，2021.09-2024.06") == {
        "institution": "清华大学", "studyType": "硕士", "area": "软件工程",
        "startDate": "2021-09", "endDate": "2024-06", "courses": [],
    }  # fmt: skip
    # No school word: kept whole rather than guessing which part is the institution.
    assert parse_education("Some online course") == {
        "institution": "Some online course",
        "courses": [],
    }


# (cell, institution, studyType, area): shapes seen in agency and student-system exports.
SHAPES = [
    ("MBA Psychology, TU München", "TU München", "MBA", "Psychology"),
    ("BSc Computer Science, University of Leeds", "University of Leeds", "BSc", "Computer Science"),
    ("Master of Finance, Fudan University", "Fudan University", "Master", "Finance"),
    ("本科 计算机科学 清华大学", "清华大学", "本科", "计算机科学"),
    ("清华大学 计算机科学与技术 硕士", "清华大学", "硕士", "计算机科学与技术"),
    ("Bachelor of Science in Economics, University of Chicago", "University of Chicago",
     "Bachelor of Science", "Economics"),
    ("Master's degree in Marketing, Universidad de Chile", "Universidad de Chile",
     "Master's degree", "Marketing"),
    ("M.A. English Literature - Université de Montréal", "Université de Montréal", "M.A.",
     "English Literature"),
    ("MSc Data Science at Imperial College London", "Imperial College London", "MSc",
     "Data Science"),
    ("Computer Science BSc, University of Leeds", "University of Leeds", "BSc", "Computer Science"),
    ("University of Leeds — BSc (Hons) Computer Science", "University of Leeds", "BSc (Hons)",
     "Computer Science"),
    ("BA Economics, University of California, Berkeley", "University of California, Berkeley",
     "BA", "Economics"),
    ("Ph.D. in Physics, ETH Zürich", "ETH Zürich", "Ph.D.", "Physics"),
    ("LLB Law, King's College London", "King's College London", "LLB", "Law"),
    ("MBA, INSEAD", "INSEAD", "MBA", None),
    ("MSc AI/ML, UCL", "UCL", "MSc", "AI/ML"),
    ("PhD candidate, MIT", "MIT", "PhD candidate", None),
    ("High School Diploma, Lincoln High School", "Lincoln High School", "High School Diploma",
     None),
    ("Diplom-Informatik, Hochschule München", "Hochschule München", None, "Diplom-Informatik"),
    ("清华大学计算机系硕士", "清华大学", "硕士", "计算机系"),
    ("北京大学光华管理学院金融学硕士", "北京大学光华管理学院", "硕士", "金融学"),
    ("本科清华大学计算机科学与技术专业", "清华大学", "本科", "计算机科学与技术"),
    ("浙江大学 | 软件工程 | 本科", "浙江大学", "本科", "软件工程"),
    ("清华大学 / 计算机 / 本科", "清华大学", "本科", "计算机"),
    ("复旦大学 经济学学士", "复旦大学", "经济学学士", None),
    ("中国科学院大学 博士研究生", "中国科学院大学", "博士研究生", None),
    ("上海交通大学，电子信息，硕士在读", "上海交通大学", "硕士在读", "电子信息"),
    ("University of Leeds BSc Computer Science", "University of Leeds", "BSc",
     "Computer Science"),
    ("Harvard Business School MBA", "Harvard Business School", "MBA", None),
    ("Lincoln High School Diploma", "Lincoln High School Diploma", None, None),
    ("University of Leeds", "University of Leeds", None, None),
    ("华南理工大学", "华南理工大学", None, None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "institution", "study_type", "area"), SHAPES)
def test_clear_education_shapes_are_split(text, institution, study_type, area) -> None:
    entry = parse_education(text)
    assert (entry.get("institution"), entry.get("studyType"), entry.get("area")) == (
        institution, study_type, area,
    )  # fmt: skip


def test_the_dates_score_and_courses_of_an_entry_are_kept() -> None:
    assert parse_education(
        "BSc Computer Science, University of Leeds (2019-2022): Algorithms, Databases"
    ) == {
        "institution": "University of Leeds", "studyType": "BSc", "area": "Computer Science",
        "startDate": "2019", "endDate": "2022", "courses": ["Algorithms, Databases"],
    }  # fmt: skip
    assert parse_education("University of Leeds — BSc (Hons) Economics, GPA 3.8/4.0") == {
        "institution": "University of Leeds", "studyType": "BSc (Hons)", "area": "Economics",
        "score": "3.8/4.0", "courses": [],
    }  # fmt: skip
    assert parse_education("Ph.D. in Physics, ETH Zürich, 2020") == {
        "institution": "ETH Zürich", "studyType": "Ph.D.", "area": "Physics",
        "startDate": "2020", "endDate": "2020", "courses": [],
    }  # fmt: skip
    assert parse_education("浙江大学 | 软件工程 | 本科 | 2018.09-至今") == {
        "institution": "浙江大学", "studyType": "本科", "area": "软件工程",
        "startDate": "2018-09", "courses": [],
    }  # fmt: skip


def test_a_degree_without_a_school_is_not_called_a_school() -> None:
    assert parse_education("BSc Computer Science") == {
        "studyType": "BSc", "area": "Computer Science", "courses": [],
    }  # fmt: skip
    assert parse_education("硕士 软件工程") == {
        "studyType": "硕士", "area": "软件工程", "courses": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "BSc, Stanford",  # which piece is the school? not said: kept whole
        "MSc Finance, Bocconi",
        "BSc, CS",  # an acronym of a subject is not a school
        "Coursera Machine Learning",
        "Some online course, 2020",
        "自学 Python",
    ],
)
def test_unclear_entries_are_kept_word_for_word(text) -> None:
    assert parse_education(text) == {"institution": text, "courses": []}


def test_two_letter_degrees_count_only_in_capitals() -> None:
    # "ma"/"ms" in running text are not degrees: the cell stays whole.
    assert parse_education("studied ma thematics, somewhere") == {
        "institution": "studied ma thematics, somewhere", "courses": [],
    }  # fmt: skip


def test_an_education_cell_holds_one_entry_per_line_with_bullets_as_courses() -> None:
    cell = "MBA Psychology, TU München (2020-2022)\n- Statistics\n本科 计算机科学 清华大学"
    assert parse_educations(cell) == [
        {"institution": "TU München", "studyType": "MBA", "area": "Psychology",
         "startDate": "2020", "endDate": "2022", "courses": ["Statistics"]},
        {"institution": "清华大学", "studyType": "本科", "area": "计算机科学", "courses": []},
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "MS Excel course",  # two capitals alone do not make a degree
        "清华 计算机 本科",  # 清华 is a school's short name, not a field: not guessed at
        "北京四中 高中",
    ],
)
def test_ambiguous_degree_only_entries_are_kept_whole(text) -> None:
    assert parse_education(text) == {"institution": text, "courses": []}


def test_chinese_words_and_runs_of_other_words_are_pieces() -> None:
    assert parse_education("清华大学 Computer Science 本科") == {
        "institution": "清华大学", "studyType": "本科", "area": "Computer Science", "courses": [],
    }  # fmt: skip
    assert parse_education("复旦大学 MBA") == {
        "institution": "复旦大学", "studyType": "MBA", "courses": [],
    }  # fmt: skip
