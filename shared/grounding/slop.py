"""Empty superlatives ("AI slop"): phrases that fail a section unless the person's own input uses them.

The operator extends the list with `COHORTCV_WRITER__SLOP_FILE` (one phrase per line, `#` comments)
or `COHORTCV_WRITER__SLOP_EXTRA` (a JSON list).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

DEFAULT_SLOP: Final = (
    # English
    "proven track record", "track record", "highly skilled", "highly motivated", "passionate",
    "passion for", "results-driven", "results driven", "results-oriented", "self-starter",
    "go-getter", "dynamic", "synergy", "synergies", "world-class", "world class", "cutting-edge",
    "best-in-class", "rockstar", "rock star", "ninja", "guru", "visionary", "thought leader",
    "exceptional", "outstanding", "extraordinary", "unparalleled", "exemplary", "stellar",
    "brilliant", "accomplished", "seasoned", "expert in", "expertise in", "mastery",
    "extensive experience", "wealth of experience", "years of experience", "dedicated professional",
    "hard-working", "hardworking", "team player", "think outside the box", "detail-oriented",
    "excellent communication", "strong communication skills", "fast-paced", "dynamic environment",
    "go above and beyond", "wide range of", "deep understanding", "in-depth knowledge",
    "spearheaded", "revolutionized", "transformed the", "game-changer", "game changer",
    "innovative", "leverage", "leveraged", "leveraging", "robust", "seamless", "seamlessly",
    "tireless", "unwavering", "commitment to excellence", "driven professional", "impactful",
    # Chinese
    "精通", "资深", "卓越", "杰出", "出色的", "丰富的经验", "经验丰富", "业界领先", "行业领先",
    "顶尖", "极强的", "超强", "非常优秀", "热爱", "充满激情", "激情", "富有激情", "深厚的",
    "深入理解", "全面掌握", "独当一面", "能力突出", "屡获殊荣", "成绩斐然", "硕果累累",
)  # fmt: skip


def load_slop(path: str = "", extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The default list plus the operator's file and extra phrases, case-folded, without repeats."""
    phrases = list(DEFAULT_SLOP) + [p for p in extra if p.strip()]
    if path:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                phrases.append(line)
    seen: dict[str, None] = {}
    for phrase in phrases:
        seen.setdefault(phrase.strip().casefold(), None)
    return tuple(seen)
