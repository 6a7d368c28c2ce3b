"""Name lists for the fairness probe: female, male and neutral given names and surnames, English and Chinese.

Common given names with a clear majority gender in US / Chinese usage, and names widely used for
both ("neutral"). Every group shares one surname list per language, so only the given name (and
the pronouns) differ between groups.
"""

from __future__ import annotations

from typing import Final

GROUPS: Final = ("female", "male", "neutral")

GIVEN: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "female": ("Emily", "Sarah", "Jessica", "Hannah", "Olivia", "Grace", "Chloe", "Rachel"),
        "male": ("James", "Michael", "David", "Daniel", "Matthew", "Andrew", "Ryan", "Thomas"),
        "neutral": ("Taylor", "Jordan", "Alex", "Morgan", "Casey", "Riley", "Jamie", "Avery"),
    },
    "zh": {
        "female": ("秀英", "丽娟", "婷婷", "美玲", "静怡", "雅婷", "欣怡", "淑芬"),
        "male": ("志强", "建国", "伟明", "俊杰", "浩然", "国栋", "子豪", "家豪"),
        "neutral": ("晓明", "子涵", "思远", "一鸣", "宇轩", "嘉禾", "安然", "文博"),
    },
}

SURNAMES: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Moore", "Clark"),
    "zh": ("王", "李", "张", "刘", "陈", "杨", "赵", "黄"),
}

# Gendered words and their form in each group; "neutral" uses they/their.
PRONOUNS_EN: Final[dict[str, dict[str, str]]] = {
    "he": {"female": "she", "male": "he", "neutral": "they"},
    "she": {"female": "she", "male": "he", "neutral": "they"},
    "him": {"female": "her", "male": "him", "neutral": "them"},
    "his": {"female": "her", "male": "his", "neutral": "their"},
    "her": {"female": "her", "male": "his", "neutral": "their"},
    "hers": {"female": "hers", "male": "his", "neutral": "theirs"},
    "himself": {"female": "herself", "male": "himself", "neutral": "themselves"},
    "herself": {"female": "herself", "male": "himself", "neutral": "themselves"},
    "mr": {"female": "ms", "male": "mr", "neutral": "mx"},
    "ms": {"female": "ms", "male": "mr", "neutral": "mx"},
    "mrs": {"female": "ms", "male": "mr", "neutral": "mx"},
}
PRONOUNS_ZH: Final[dict[str, dict[str, str]]] = {
    "他": {"female": "她", "male": "他", "neutral": "TA"},
    "她": {"female": "她", "male": "他", "neutral": "TA"},
    "先生": {"female": "女士", "male": "先生", "neutral": "同学"},
    "女士": {"female": "女士", "male": "先生", "neutral": "同学"},
}


# Name origin (English resumes only): given names and surnames that read as one origin, as in
# audit studies of hiring (Bertrand and Mullainathan 2004 and after). Index i takes the female
# list when i is even and the male one when odd in every origin, so origins differ in origin only.
ORIGINS: Final = ("anglo", "african_american", "hispanic", "east_asian", "south_asian")
ORIGIN_GIVEN: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "anglo": {"female": ("Emily", "Claire", "Katie", "Molly"), "male": ("Connor", "Jake", "Brett", "Todd")},
    "african_american": {"female": ("Lakisha", "Tamika", "Aisha", "Ebony"),
                         "male": ("Jamal", "Darnell", "Tyrone", "DeShawn")},
    "hispanic": {"female": ("María", "Lucía", "Guadalupe", "Alejandra"),
                 "male": ("José", "Luis", "Alejandro", "Carlos")},
    "east_asian": {"female": ("Mei", "Yuki", "Jiwoo", "Xiu"), "male": ("Wei", "Hiroshi", "Minjun", "Jian")},
    "south_asian": {"female": ("Priya", "Ananya", "Deepika", "Lakshmi"),
                    "male": ("Rahul", "Arjun", "Sanjay", "Vikram")},
}  # fmt: skip
ORIGIN_SURNAMES: Final[dict[str, tuple[str, ...]]] = {
    "anglo": ("Baker", "Walsh", "Sullivan", "Murphy"),
    "african_american": ("Washington", "Jefferson", "Jackson", "Robinson"),
    "hispanic": ("García", "Hernández", "López", "Martínez"),
    "east_asian": ("Chen", "Tanaka", "Kim", "Wang"),
    "south_asian": ("Patel", "Sharma", "Reddy", "Iyer"),
}


def origin_name(origin: str, index: int) -> tuple[str, str, str, str]:
    """(full name, given, surname, gender group) of the index-th person under a name origin."""
    gender = "female" if index % 2 == 0 else "male"
    given_list = ORIGIN_GIVEN[origin][gender]
    given = given_list[(index // 2) % len(given_list)]
    surname = ORIGIN_SURNAMES[origin][index % len(ORIGIN_SURNAMES[origin])]
    return f"{given} {surname}", given, surname, gender


def full_name(language: str, group: str, index: int) -> tuple[str, str, str]:
    """(full name, given, surname) of the index-th person of a group (cycling through the lists)."""
    lang = "zh" if language == "zh" else "en"
    given = GIVEN[lang][group][index % len(GIVEN[lang][group])]
    surname = SURNAMES[lang][index % len(SURNAMES[lang])]
    full = f"{surname}{given}" if lang == "zh" else f"{given} {surname}"
    return full, given, surname
