"""Faithfulness: the grounding guard re-run over every model-written section against the person's own input."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from shared.grounding import Source
from shared.grounding.guard import Guard
from workers.evaluation.corpus import Person, model_written, sections


def per_section(people: Sequence[Person], guard: Guard | None = None) -> pd.DataFrame:
    """One row per model-written section: what meta claimed and what the re-run found."""
    guard = guard or Guard()
    rows = []
    for person in people:
        written = model_written(person.resume)
        meta = {g.section: g for g in person.resume.meta.grounding}
        source = Source.from_profile(person.facts)
        # A fallen-back section records no model: it is the model of the person's other sections.
        person_model = next((w.partition(":")[2] for w in written.values() if ":" in w), None)
        person_model = person_model or next((g.model for g in meta.values() if g.model), None)
        for path, _, text in sections(person.resume):
            recorded = meta.get(path)
            who = written.get(path)
            if who is None and (recorded is None or recorded.outcome != "fallback"):
                continue  # input or template text: nothing a model wrote
            writer, _, model = (who or "llm:").partition(":")
            model = model or (recorded.model if recorded else None) or person_model or "unknown"
            if path in person.unverifiable:
                ungrounded, status = [], "unverifiable"
            else:
                verdict = guard.check(text, source)
                ungrounded = verdict.ungrounded + [f"slop '{s}'" for s in verdict.slop]
                status = "grounded" if verdict.ok else "ungrounded"
            rows.append(
                {
                    "person": person.key,
                    "language": person.language,
                    "section": path,
                    "writer": writer if who else "llm",
                    "model": model,
                    "meta_outcome": recorded.outcome if recorded else "missing",
                    "rerun": status,
                    "ungrounded": "; ".join(ungrounded),
                    "text": text,
                }
            )
    columns = ["person", "language", "section", "writer", "model", "meta_outcome", "rerun",
               "ungrounded", "text"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def by_writer(sections_df: pd.DataFrame) -> pd.DataFrame:
    """Per writer and model: shares passed / regenerated / fallen back (meta) and the re-run's."""
    columns = ["writer", "model", "sections", "passed", "regenerated", "fallback",
               "rerun_grounded", "rerun_ungrounded", "unverifiable", "meta_says_ok_rerun_fails"]  # fmt: skip
    if sections_df.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for (writer, model), group in sections_df.groupby(["writer", "model"], sort=True):
        n = len(group)
        meta_ok = group["meta_outcome"].isin(["passed", "regenerated"])
        checked = group["rerun"] != "unverifiable"
        rows.append(
            {
                "writer": writer,
                "model": model,
                "sections": n,
                "passed": (group["meta_outcome"] == "passed").mean(),
                "regenerated": (group["meta_outcome"] == "regenerated").mean(),
                "fallback": (group["meta_outcome"] == "fallback").mean(),
                "rerun_grounded": (group["rerun"] == "grounded").sum() / max(1, checked.sum()),
                "rerun_ungrounded": (group["rerun"] == "ungrounded").sum() / max(1, checked.sum()),
                "unverifiable": int((~checked).sum()),
                "meta_says_ok_rerun_fails": int((meta_ok & (group["rerun"] == "ungrounded")).sum()),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def failures(sections_df: pd.DataFrame) -> pd.DataFrame:
    """The sections the re-run found ungrounded: person, section, the claims, the text."""
    cols = ["person", "language", "section", "model", "meta_outcome", "ungrounded", "text"]
    if sections_df.empty:
        return pd.DataFrame(columns=cols)
    return sections_df.loc[sections_df["rerun"] == "ungrounded", cols].reset_index(drop=True)
