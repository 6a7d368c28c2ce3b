"""One evaluation of a cohort: every table (pandas) and the headline figures, computed in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from shared.grounding.guard import Guard
from workers.evaluation import faithfulness, lengths, references, sameness
from workers.evaluation.corpus import Person, References
from workers.evaluation.probe import ProbeResult


@dataclass
class Evaluation:
    """Tables by sheet name (per-person rows where a table has people) and the summary figures."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4)
    return value


def evaluate(
    people: Sequence[Person],
    refs: References | None = None,
    guard: Guard | None = None,
) -> Evaluation:
    """Every metric except the probe (which writes resumes: see probe.run)."""
    ev = Evaluation()
    sections = faithfulness.per_section(people, guard)
    ev.tables["faithfulness"] = faithfulness.by_writer(sections)
    ev.tables["failures"] = faithfulness.failures(sections)
    ev.tables["sections"] = sections
    ev.tables["sameness"] = sameness.table(people)
    ev.tables["repeated_phrases"] = sameness.repeated_phrases(people)
    ev.tables["slop"] = sameness.slop(people)
    per_len = lengths.per_person(people)
    ev.tables["lengths"] = lengths.summary(per_len)
    ev.tables["lengths_per_person"] = per_len
    checked = sections[sections["rerun"] != "unverifiable"] if len(sections) else sections
    slop = ev.tables["slop"]
    ev.summary = {
        "people": len(people),
        "languages": sorted({p.language for p in people}),
        "facts_from": sorted({p.facts_from for p in people}),
        "faithfulness": {
            "model_sections": len(sections),
            "rerun_grounded_share": float((checked["rerun"] == "grounded").mean())
            if len(checked) else None,
            "failures": len(ev.tables["failures"]),
            "unverifiable": int(len(sections) - len(checked)),
            "by_writer": _records(ev.tables["faithfulness"]),
            "failed_sections": _records(
                ev.tables["failures"][["person", "section", "ungrounded"]]
            ),
        },
        "sameness": {
            "by_language": _records(ev.tables["sameness"]),
            "top_phrases": _records(ev.tables["repeated_phrases"].head(10)),
            "slop_people_share": float((slop["slop_phrases"] > 0).mean()) if len(slop) else 0.0,
            "slop_per_100_words": float(100 * slop["slop_phrases"].sum() / slop["words"].sum())
            if len(slop) and slop["words"].sum() else 0.0,
        },
        "lengths": _records(ev.tables["lengths"]),
    }  # fmt: skip
    if refs is not None:
        matched = references.scored(people, refs)
        ev.tables["references"] = references.by_language(matched.per_person, matched.bleu_stats)
        ev.tables["references_per_person"] = matched.per_person
        # Who was left out, and why, is part of the figure: a score over 38 of 50 people is not
        # a score over the cohort.
        ev.summary["references"] = {
            "people": len(matched.per_person),
            "matched_by": matched.matched_by,
            "people_without_reference": matched.people_without_reference,
            "references_for_nobody": matched.references_for_nobody,
            "names_shared_by_several_people": matched.ambiguous,
            "by_language": _records(ev.tables["references"]),
        }
    return ev


# The template writer puts no name or pronoun in its text: the probe cannot find a difference.
BY_CONSTRUCTION = (
    "The template writer copies the person's facts and writes no name or pronoun into its text, "
    "so the probe cannot flag it: 'not flagged' holds by construction, and says nothing of a model."
)


def add_probe(ev: Evaluation, result: ProbeResult, writer: str, note: str | None = None) -> None:
    """The probe's tables and summary; `note` says what the probe could and could not re-write."""
    ev.tables["probe"] = result.groups
    ev.tables["probe_comparisons"] = result.comparisons
    ev.tables["probe_per_person"] = result.per_person
    ev.summary["probe"] = {
        "writer": writer,
        **{k: _plain(v) for k, v in result.summary.items()},
        "groups": _records(result.groups),
        "comparisons": _records(result.comparisons),
        "notes": [n for n in (BY_CONSTRUCTION if writer == "template" else None, note) if n],
    }
