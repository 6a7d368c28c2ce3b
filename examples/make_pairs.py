"""Write examples/finetune/pairs.jsonl: synthetic English (facts, approved resume) pairs for `cohortcv finetune`.

The people come from the sample cohort's vocabulary (examples/make_cohort.py); the "approved" texts
are grounded rephrasings written by rules, not by a model: they reorder and join the person's own
facts and add nothing. A few pairs (ids ending in -X) are deliberately embellished, so a run shows
the guard skipping and counting them. Run: python examples/make_pairs.py  (same output every time).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_cohort import EN_FIRST, EN_JOBS, EN_LAST, EN_MAJORS, EN_SCHOOLS, EN_SKILLS

# Each duty line of the cohort with two extra ones, and the rephrasings an adviser approved.
DUTIES: dict[str, list[str]] = {
    "built weekly sales dashboards": ["Built the weekly sales dashboards", "Built weekly dashboards of sales"],
    "cleaned survey data for a lab study": ["Cleaned the survey data of a lab study",
                                            "Cleaned survey data for a study in the lab"],
    "wrote unit tests for a billing service": ["Wrote unit tests for the billing service",
                                               "Wrote the unit tests of a billing service"],
    "ran A/B tests on newsletter subject lines": ["Ran A/B tests of newsletter subject lines",
                                                  "Ran A/B tests on the subject lines of a newsletter"],
    "graded problem sets for 120 students": ["Graded problem sets for 120 students",
                                             "Graded the problem sets of 120 students"],
    "answered questions in weekly office hours": ["Answered questions in the weekly office hours",
                                                  "Answered questions during weekly office hours"],
    "updated the team wiki every week": ["Updated the team wiki every week", "Updated the wiki of the team every week"],
}
SUMMARIES = [
    "{major} graduate of {school} ({year}) who worked as {position} at {org}. Works with {skills}.",
    "{degree} in {major} from {school} ({year}), with experience as {position} at {org}. Uses {skills}.",
    "Graduate of {school} in {major} ({year}) who has worked as {position} at {org}. Skills: {skills}.",
]
# Embellishments an approved resume must not teach: invented numbers, praise and employers.
EMBELLISH = [
    "Proven track record of delivering results.",
    "Led a team of 15 engineers at Google.",
    "Highly skilled and passionate about data.",
]


def _skills(names: list[str]) -> str:
    # A comma list: the guard reads "Excel and SQL" as one capitalised name with "and" in it.
    return ", ".join(names)


def person(rnd: random.Random, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(profile, approved resume) of one fictional graduate."""
    first, last = rnd.choice(EN_FIRST), rnd.choice(EN_LAST)
    degree, major = rnd.choice(EN_MAJORS)
    school = rnd.choice(EN_SCHOOLS)
    year = rnd.choice([2024, 2025])
    skills = rnd.sample(EN_SKILLS, rnd.randint(2, 4))
    work, approved_work = [], []
    for k, (title, org) in enumerate(rnd.sample(EN_JOBS, rnd.randint(1, 2))):
        start = year - 1 - k
        lines = rnd.sample(sorted(DUTIES), rnd.randint(1, 2))
        entry = {"name": org, "position": title, "startDate": f"{start}-06", "endDate": f"{start}-08",
                 "highlights": lines}  # fmt: skip
        work.append(entry)
        approved_work.append(entry | {"highlights": [rnd.choice(DUTIES[line]) for line in lines]})
    profile = {
        "basics": {"name": f"{first} {last}", "email": f"{first}.{last}{n}@example.edu".lower()},
        "education": [{"institution": school, "studyType": degree, "area": major, "endDate": str(year)}],
        "work": work,
        "skills": [{"name": s} for s in skills],
        "meta": {"language": "en"},
    }
    summary = rnd.choice(SUMMARIES).format(
        major=major, degree=degree, school=school, year=year, position=work[0]["position"],
        org=work[0]["name"], skills=_skills(skills),
    )  # fmt: skip
    resume = profile | {"basics": profile["basics"] | {"summary": summary}, "work": approved_work}
    return profile, resume


def pairs(seed: int = 2026, count: int = 96, embellished: int = 4) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for n in range(1, count + 1):
        profile, resume = person(rnd, n)
        pair_id = f"P{n:04d}"
        if n > count - embellished:
            pair_id += "-X"
            resume["basics"]["summary"] += " " + EMBELLISH[n % len(EMBELLISH)]
        out.append({"id": pair_id, "profile": profile, "resume": resume})
    return out


def main() -> None:
    target = Path(__file__).with_name("finetune") / "pairs.jsonl"
    target.parent.mkdir(exist_ok=True)
    rows = pairs()
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {target} ({len(rows)} pairs)")


if __name__ == "__main__":
    main()
