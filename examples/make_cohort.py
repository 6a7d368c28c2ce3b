"""Write examples/cohort.csv: ~50 clearly fictional graduates, English and Chinese, seeded.

Run: python examples/make_cohort.py  (the output is the same every time).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from producer.csvsafe import write_csv

HEADER = ("id", "name", "email", "phone", "school", "degree", "major", "grad_year", "gpa",
          "experience", "skills", "languages", "awards", "links", "language")  # fmt: skip

EN_FIRST = ["Alex", "Jordan", "Sam", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery",
            "Quinn", "Rowan", "Emerson", "Parker", "Reese", "Skyler", "Dakota"]  # fmt: skip
EN_LAST = ["Example", "Sample", "Placeholder", "Testwell", "Mockford", "Fakely", "Dummond",
           "Specimen"]  # fmt: skip
EN_SCHOOLS = ["Example State University", "Northfield Institute of Technology (fictional)"]
EN_MAJORS = [("BSc", "Statistics"), ("BA", "Economics"), ("BEng", "Computer Engineering"),
             ("MSc", "Data Science")]  # fmt: skip
EN_JOBS = [("Data Analyst Intern", "Acme Corp"), ("Research Assistant", "Example State University"),
           ("Software Engineering Intern", "Globex (fictional)"), ("Marketing Intern", "Initech"),
           ("Teaching Assistant", "Northfield Institute of Technology")]  # fmt: skip
EN_DUTIES = ["built weekly sales dashboards", "cleaned survey data for a lab study",
             "wrote unit tests for a billing service", "ran A/B tests on newsletter subject lines",
             "graded problem sets for 120 students"]  # fmt: skip
EN_SKILLS = ["Python", "SQL", "Excel", "R", "Tableau", "Java", "Git", "Statistics"]

ZH_SURNAMES = ["张", "王", "李", "赵", "陈", "刘", "杨", "黄"]
ZH_GIVEN = ["示例", "测试", "样本", "虚构", "演示", "模拟"]
ZH_SCHOOLS = ["示例大学", "虚构理工学院"]
ZH_MAJORS = [("本科", "计算机科学与技术"), ("本科", "统计学"), ("硕士", "软件工程"),
             ("本科", "市场营销")]  # fmt: skip
ZH_JOBS = [("示例科技", "数据分析实习生", "负责数据清洗与周报"),
           ("虚拟数据有限公司", "产品实习生", "负责用户调研"),
           ("演示网络公司", "后端开发实习生", "负责接口测试")]  # fmt: skip
ZH_SKILLS = ["Python", "SQL", "Excel", "数据分析", "机器学习", "Java"]
ZH_AWARDS = ["校级一等奖学金", "优秀学生干部", "数学建模竞赛二等奖"]


def _en(rnd: random.Random, n: int) -> list[str]:
    first, last = rnd.choice(EN_FIRST), rnd.choice(EN_LAST)
    degree, major = rnd.choice(EN_MAJORS)
    year = rnd.choice([2024, 2025])
    entries = []
    for k, (title, org) in enumerate(rnd.sample(EN_JOBS, rnd.randint(1, 3))):
        start = year - 1 - k
        entries.append(f"{title} at {org} (Jun {start} – Aug {start}): {rnd.choice(EN_DUTIES)}")
    return [
        f"S{n:04d}", f"{first} {last}", f"{first}.{last}{n}@example.edu".lower(),
        f"555-01{n % 100:02d}-{rnd.randint(1000, 9999)}", rnd.choice(EN_SCHOOLS), degree, major,
        str(year), f"{rnd.uniform(2.8, 4.0):.2f}", "\n".join(entries),
        ", ".join(rnd.sample(EN_SKILLS, 4)),
        "English (native)" + rnd.choice(["", ", Spanish (basic)"]),
        rnd.choice(["", "Dean's List (2023)"]),
        f"https://github.com/{first}-{last}-{n}".lower(), "en",
    ]  # fmt: skip


def _zh(rnd: random.Random, n: int) -> list[str]:
    name = rnd.choice(ZH_SURNAMES) + rnd.choice(ZH_GIVEN)
    degree, major = rnd.choice(ZH_MAJORS)
    year = rnd.choice([2024, 2025])
    entries = []
    for k, (org, title, duty) in enumerate(rnd.sample(ZH_JOBS, rnd.randint(1, 2))):
        start = year - 1 - k
        entries.append(f"{org} {title}（{start}年7月-{start}年9月）：{duty}")
    return [
        f"S{n:04d}", name, f"student{n}@example.cn", f"1380000{n:04d}", rnd.choice(ZH_SCHOOLS),
        degree, major, str(year), f"{rnd.uniform(2.8, 4.0):.2f}", "\n".join(entries),
        "、".join(rnd.sample(ZH_SKILLS, 3)), "中文（母语）、英语（CET-6）",
        "；".join(rnd.sample(ZH_AWARDS, rnd.randint(0, 2))), "", "zh",
    ]  # fmt: skip


def cohort(seed: int = 2024, people: int = 48) -> list[list[str]]:
    rnd = random.Random(seed)
    rows = [(_zh if n % 3 == 0 else _en)(rnd, n) for n in range(1, people + 1)]
    blank = [""] * len(HEADER)
    # Thin rows: only a name (and an id); they still get a resume, with nothing invented.
    rows.append(["S0901", "Robin Thinrow", *blank[2:]])
    rows.append(["S0902", "孙简单", *blank[2:14], "zh"])
    # Deliberately rejected rows, so the report shows rejections:
    bad_email = _en(rnd, 903)
    bad_email[2] = "robin.example@"  # not a valid e-mail address
    duplicate = _en(rnd, 904)
    duplicate[0] = rows[0][0]  # repeats the first row's id
    rows += [bad_email, duplicate]
    return rows


def main() -> None:
    out = Path(__file__).with_name("cohort.csv")
    write_csv(out, HEADER, cohort())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
