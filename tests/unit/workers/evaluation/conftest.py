"""Profiles for the evaluation tests: an English and a Chinese person, written by hand."""

from __future__ import annotations

from shared.profile import Basics, Education, Profile, Skill, Work


def english(name: str = "Dakota Lee") -> Profile:
    return Profile(
        basics=Basics(name=name, email="dakota@example.edu"),
        education=[Education(institution="Example State University", studyType="BEng",
                             area="Computer Engineering", endDate="2024")],
        work=[Work(name="Initech", position="Data Intern", startDate="2023-06", endDate="2023-08",
                   summary="Cleaned survey data for 3 lab studies. He presented the results.")],
        skills=[Skill(name="Python"), Skill(name="SQL")],
    )  # fmt: skip


def chinese(name: str = "王小明") -> Profile:
    profile = Profile(
        basics=Basics(name=name),
        education=[Education(institution="北京大学", studyType="学士", area="统计学",
                             endDate="2025")],
        work=[Work(name="字节跳动", position="数据分析实习生", startDate="2024-06",
                   summary="负责数据分析和报告撰写。他完成了3份报告。")],
        skills=[Skill(name="Python")],
    )  # fmt: skip
    profile.meta.language = "zh"
    return profile
