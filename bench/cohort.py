"""Synthetic cohorts for the benchmarks: realistic column mix, English and Chinese rows, seeded."""

from __future__ import annotations

import csv
import random
from pathlib import Path

HEADER = [
    "Student ID", "Full Name", "E-mail", "Mobile", "City", "University", "Degree", "Major",
    "Graduation Year", "GPA", "Work Experience", "Projects", "Skills", "Languages", "Awards",
    "Language",
]  # fmt: skip

FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn"]
LAST = ["Example", "Sample", "Testwood", "Placeholder", "Mockford", "Fakeley", "Demo", "Synth"]
ZH_FAMILY = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"]
ZH_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "杰", "婷"]
SCHOOLS = ["Example University", "Sample Institute of Technology", "Demo State College"]
ZH_SCHOOLS = ["示例大学", "样例理工学院", "演示师范大学"]
MAJORS = ["Computer Science", "Economics", "Mechanical Engineering", "Biology", "Statistics"]
ZH_MAJORS = ["计算机科学与技术", "经济学", "机械工程", "生物科学", "统计学"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Labs", "Hooli"]
ZH_COMPANIES = ["示例科技", "样例集团", "演示数据公司"]
SKILLS = ["Python", "SQL", "Excel", "Tableau", "Java", "R", "Git", "Docker"]


def row(i: int, rng: random.Random) -> list[str]:
    year = rng.choice(["2023", "2024", "2025"])
    if i % 4 == 0:
        name = rng.choice(ZH_FAMILY) + rng.choice(ZH_GIVEN) + rng.choice(ZH_GIVEN)
        company = rng.choice(ZH_COMPANIES)
        return [
            f"S{i:07d}", name, f"zh{i}@example.edu", f"138{i:08d}"[:11], "上海",
            rng.choice(ZH_SCHOOLS), "学士", rng.choice(ZH_MAJORS), year, f"{rng.uniform(2.8, 4):.2f}",
            f"{company} 数据分析实习生（2023年6月-2023年9月）：负责周报数据整理；"
            f"{rng.choice(ZH_COMPANIES)} 产品实习生（2022年7月-2022年8月）：参与用户调研",
            "课程设计：校园二手交易平台", "、".join(rng.sample(SKILLS, 3)), "英语、普通话",
            "校级一等奖学金", "zh",
        ]  # fmt: skip
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return [
        f"S{i:07d}", name, f"student{i}@example.edu", f"+1 555 {i % 10_000_000:07d}", "Springfield",
        rng.choice(SCHOOLS), "BSc", rng.choice(MAJORS), year, f"{rng.uniform(2.8, 4):.2f}",
        f"Data Analyst Intern at {rng.choice(COMPANIES)} (2023-06 - 2023-09): built weekly dashboards\n"
        f"Research Assistant at {rng.choice(SCHOOLS)} (2022): cleaned survey data",
        "Capstone: course scheduling app", ", ".join(rng.sample(SKILLS, 4)), "English, Spanish",
        "Dean's List 2023", "en",
    ]  # fmt: skip


def write_cohort(path: Path, n: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(n):
            writer.writerow(row(i, rng))
    return path
