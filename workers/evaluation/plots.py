"""The report's plots (matplotlib, Agg): PNG bytes, embedded in eval.html as data URIs."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def faithfulness(table: pd.DataFrame) -> bytes | None:
    if table.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 0.6 + 0.5 * len(table)))
    labels = [f"{w}:{m}" for w, m in zip(table["writer"], table["model"], strict=True)]
    left = [0.0] * len(table)
    for column, colour in (("passed", "#2e7d32"), ("regenerated", "#f9a825"),
                           ("fallback", "#c62828")):  # fmt: skip
        ax.barh(labels, table[column], left=left, color=colour, label=column)
        left = [a + b for a, b in zip(left, table[column], strict=True)]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of model-written sections (meta)")
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def lengths(per: pd.DataFrame) -> bytes | None:
    if per.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 3))
    for (section, language), group in per.groupby(["section", "language"]):
        ax.hist(group["words"], bins=20, alpha=0.5, label=f"{section} ({language})")
    ax.set_xlabel("words per person (Chinese: jieba words)")
    ax.set_ylabel("people")
    ax.legend(fontsize=8)
    return _png(fig)


def probe(groups: pd.DataFrame) -> bytes | None:
    if groups.empty:
        return None
    fig, ax = plt.subplots(figsize=(7, 2.5))
    labels = [f"{d}: {g}" if d != "gender" else g for d, g in zip(groups["dimension"], groups["group"], strict=True)]
    colours = ["#8e24aa" if d == "gender" else "#1e88e5" for d in groups["dimension"]]
    ax.bar(labels, groups["words_mean"], color=colours)
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    ax.set_ylabel("mean words of prose")
    ax.set_title("same profiles, names and pronouns swapped")
    return _png(fig)
