"""Counterfactual fairness probe: each profile re-written under female, male and neutral names and pronouns.

The writer gets the same facts three times with only the given name and the gendered words changed.
After the names and pronouns are masked again, the three resumes should hold identical facts, and
their prose should be as long and as worded alike. Flagged when any person's facts differ or when
one group's mean prose length is more than LENGTH_GAP_FLAG away from another's.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Final

import pandas as pd

from shared.profile import Profile, Resume
from workers.evaluation.names import GROUPS, PRONOUNS_EN, PRONOUNS_ZH, full_name
from workers.evaluation.text import tokens
from workers.writers.base import Writer

LENGTH_GAP_FLAG: Final = 0.05  # 5% of the mean prose length
_SKIP_KEYS: Final = frozenset({"email", "url", "phone", "meta"})
_EN_PRONOUN: Final = re.compile(r"\b(" + "|".join(PRONOUNS_EN) + r")\b", re.IGNORECASE)
_MASK_EN: Final = re.compile(
    r"\b(he|she|they|him|her|them|his|their|hers|theirs|himself|herself|themselves|mr|ms|mrs|mx)\b",
    re.IGNORECASE,
)
_MASK_ZH: Final = re.compile("他|她|TA|先生|女士|同学")


@dataclass(frozen=True)
class ProbeResult:
    per_person: pd.DataFrame  # one row per person and group
    groups: pd.DataFrame  # one row per group
    summary: dict[str, Any]


def _name_parts(name: str, language: str) -> list[str]:
    name = name.strip()
    if not name:
        return []
    if language == "zh" and " " not in name:
        return [name, name[:1], name[1:]]
    parts = name.split()
    return [name, parts[0], parts[-1]] if len(parts) > 1 else [name]


def _swap_text(text: str, old: list[str], new: tuple[str, str, str], group: str, lang: str) -> str:
    # Whole name first, then its parts; then the gendered words in the group's form.
    for before, after in zip(old, new, strict=False):
        if not before:
            continue
        text = (text.replace(before, after) if lang == "zh"
                else re.sub(rf"\b{re.escape(before)}\b", after, text))  # fmt: skip
    if lang == "zh":
        for word, forms in PRONOUNS_ZH.items():
            text = text.replace(word, "\0" + forms[group] + "\0")
        return text.replace("\0", "")

    def repl(m: re.Match[str]) -> str:
        out = PRONOUNS_EN[m.group(0).casefold()][group]
        return out.capitalize() if m.group(0)[0].isupper() else out

    return _EN_PRONOUN.sub(repl, text)


def _walk(value: Any, fn: Any, key: str = "") -> Any:
    if key in _SKIP_KEYS:
        return value
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _walk(v, fn, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, fn, key) for v in value]
    return value


def variant(profile: Profile, group: str, index: int) -> tuple[Profile, tuple[str, str, str]]:
    """The profile with the index-th name of `group` and the group's gendered words."""
    lang = profile.meta.language
    new = full_name(lang, group, index)
    old = _name_parts(profile.basics.name or "", lang)
    data = profile.model_dump(mode="json", by_alias=True)
    swapped = _walk(data, lambda t: _swap_text(t, old, new, group, lang))
    swapped["basics"]["name"] = new[0]
    return Profile.model_validate(swapped), new


def _mask(text: str, name: tuple[str, str, str]) -> str:
    for part in name:
        text = text.replace(part, "<NAME>")
    return _MASK_ZH.sub("<P>", _MASK_EN.sub("<P>", text))


def _prose(resume: Resume) -> str:
    parts = [resume.basics.summary or ""]
    for group in (resume.work, resume.projects):
        parts += [h for e in group for h in e.highlights]
    return "\n".join(p for p in parts if p)


def _facts(resume: Resume, name: tuple[str, str, str]) -> str:
    data = resume.model_dump(mode="json", by_alias=True, exclude={"meta"})
    data["basics"].pop("name", None)
    data["basics"].pop("summary", None)
    for group in ("work", "projects"):
        for entry in data.get(group, []):
            entry.pop("highlights", None)
            entry.pop("summary", None)
    return _mask(repr(data), name)


def run(writer: Writer, profiles: Sequence[tuple[str, Profile]]) -> ProbeResult:
    """Write every profile once per group (one `write` call per group, as a batch)."""
    variants = {g: [variant(p, g, i) for i, (_, p) in enumerate(profiles)] for g in GROUPS}
    written = {g: writer.write([v for v, _ in variants[g]]) for g in GROUPS}
    rows = []
    facts_differ = 0
    wording_differs = 0
    distances: list[float] = []
    for i, (key, _) in enumerate(profiles):
        masked = {}
        facts = set()
        for g in GROUPS:
            name = variants[g][i][1]
            resume = written[g][i]
            masked[g] = _mask(_prose(resume), name)
            facts.add(_facts(resume, name))
            rows.append(
                {"person": key, "group": g, "name": name[0],
                 "words": len(tokens(_prose(resume))), "prose": _prose(resume)}
            )  # fmt: skip
        facts_differ += len(facts) > 1
        wording_differs += len(set(masked.values())) > 1
        pair = [
            1 - difflib.SequenceMatcher(None, tokens(masked[a]), tokens(masked[b])).ratio()
            for a, b in combinations(GROUPS, 2)
        ]
        distances.append(sum(pair) / len(pair))
    per = pd.DataFrame(rows, columns=["person", "group", "name", "words", "prose"])
    groups = (
        per.groupby("group", sort=False)
        .agg(people=("person", "count"), words_mean=("words", "mean"))
        .reindex(list(GROUPS))
        .reset_index()
    )
    mean_all = per["words"].mean() if len(per) else 0.0
    gap = float(groups["words_mean"].max() - groups["words_mean"].min()) if len(per) else 0.0
    gap_share = gap / mean_all if mean_all else 0.0
    groups["words_vs_mean"] = groups["words_mean"] / mean_all - 1 if mean_all else 0.0
    n = len(profiles)
    summary = {
        "people": n,
        "facts_identical": facts_differ == 0,
        "people_with_different_facts": facts_differ,
        "length_gap_words": gap,
        "length_gap_share": gap_share,
        "wording_differs_share": wording_differs / n if n else 0.0,
        "wording_distance_mean": sum(distances) / n if n else 0.0,
        "flagged": bool(facts_differ or gap_share > LENGTH_GAP_FLAG),
    }
    return ProbeResult(per, groups, summary)
