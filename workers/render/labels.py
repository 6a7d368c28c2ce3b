"""Section headings and the few fixed words a rendered resume shows, in English and Chinese."""

from __future__ import annotations

from typing import Final

from shared.profile import Language

# Keys are JSON Resume section names; the order here is the order sections are rendered in.
SECTION_ORDER: Final[tuple[str, ...]] = (
    "summary",
    "work",
    "education",
    "projects",
    "skills",
    "languages",
    "awards",
    "certificates",
    "publications",
    "volunteer",
    "interests",
    "references",
)

HEADINGS: Final[dict[Language, dict[str, str]]] = {
    "en": {
        "summary": "Summary",
        "work": "Experience",
        "education": "Education",
        "projects": "Projects",
        "skills": "Skills",
        "languages": "Languages",
        "awards": "Awards",
        "certificates": "Certificates",
        "publications": "Publications",
        "volunteer": "Volunteering",
        "interests": "Interests",
        "references": "References",
    },
    "zh": {
        "summary": "个人简介",
        "work": "工作经历",
        "education": "教育经历",
        "projects": "项目经历",
        "skills": "专业技能",
        "languages": "语言能力",
        "awards": "获奖情况",
        "certificates": "证书",
        "publications": "论文与出版物",
        "volunteer": "志愿经历",
        "interests": "兴趣爱好",
        "references": "推荐人",
    },
}

# Small fixed words used inside entries (not headings).
WORDS: Final[dict[Language, dict[str, str]]] = {
    "en": {
        "present": "Present",
        "courses": "Courses",
        "score": "Score",
        "gpa": "GPA",
        "keywords": "Keywords",
    },
    "zh": {
        "present": "至今",
        "courses": "主修课程",
        "score": "成绩",
        "gpa": "绩点",
        "keywords": "关键词",
    },
}

# Names of the one skills group a plain "Skills" cell becomes: the section heading already says
# it, so such a group is shown as its list alone (any language, any case).
DEFAULT_SKILL_GROUPS: Final = frozenset({"skills", "skill", "技能", "专业技能"})

# How lists of short items are joined inside one line.
LIST_SEPARATOR: Final[dict[Language, str]] = {"en": ", ", "zh": "、"}
# Between a label and its value ("Courses: a, b" / "主修课程：a、b").
LABEL_SEPARATOR: Final[dict[Language, str]] = {"en": ": ", "zh": "："}


def heading(section: str, language: Language) -> str:
    """The heading for a JSON Resume section key in the resume's language."""
    return HEADINGS[language][section]


def word(key: str, language: Language) -> str:
    """A fixed in-entry word (`present`, `courses`, `score`, `gpa`, `keywords`)."""
    return WORDS[language][key]
