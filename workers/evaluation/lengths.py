"""Length per section and language: words (jieba words for Chinese), characters, bullets."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from workers.evaluation.corpus import Person, sections
from workers.evaluation.text import tokens


def per_person(people: Sequence[Person]) -> pd.DataFrame:
    """One row per person and section kind: words, characters, bullets."""
    rows = []
    for p in people:
        for kind in ("summary", "bullets"):
            texts = [t for _, k, t in sections(p.resume) if k == kind]
            if not texts:
                continue
            lines = [line for t in texts for line in t.splitlines() if line.strip()]
            rows.append(
                {"person": p.key, "language": p.language, "section": kind,
                 "words": sum(len(tokens(t)) for t in texts),
                 "characters": sum(len(t) for t in texts),
                 "bullets": len(lines) if kind == "bullets" else 0}
            )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["person", "language", "section", "words", "characters", "bullets"]
    )


def summary(per: pd.DataFrame) -> pd.DataFrame:
    """Per section and language: people, mean / median / 90th percentile words, mean characters."""
    if per.empty:
        return pd.DataFrame(columns=["section", "language", "people", "words_mean",
                                     "words_median", "words_p90", "characters_mean"])  # fmt: skip
    grouped = per.groupby(["section", "language"], sort=True)
    out = grouped.agg(
        people=("person", "count"),
        words_mean=("words", "mean"),
        words_median=("words", "median"),
        words_p90=("words", lambda s: s.quantile(0.9)),
        characters_mean=("characters", "mean"),
    )
    return out.reset_index()
