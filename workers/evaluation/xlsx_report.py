"""eval.xlsx: one sheet per table (per-person rows where the table has people), for Excel users."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workers.evaluation.evaluation import Evaluation

_FORMULA_START = ("=", "+", "-", "@")


def _safe(value: object) -> object:
    # Resume text comes from an institution's export: a cell starting with "=" must stay text.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write(ev: Evaluation, path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xlsx:
        for name, table in ev.tables.items():
            table.map(_safe).to_excel(xlsx, sheet_name=name[:31], index=False)
