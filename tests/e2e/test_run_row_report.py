"""`cohortcv run` names every rejected row in report.csv, whatever rejected it."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from tests.processes import COHORTCV, clean_env

pytestmark = pytest.mark.e2e


def test_run_names_rejected_rows_in_the_report_and_reads_open_end_words(tmp_path: Path) -> None:
    source = tmp_path / "cohort.csv"
    rows = [
        ["id", "name", "email", "phone", "summary", "work_1_company", "work_1_start",
         "work_1_end", "education"],
        ["S1", "Ann Lee", "ann@example.com", "", "Likes data", "Acme", "2022-01", "Currently",
         "MBA Psychology, TU München (2019-2021)"],
        ["S2", "Bo Chen", "bo@example.com", "", "x" * 25_000, "", "", "", ""],
        ["S3", "Cy Diaz", "cy@", "", "", "", "", "", ""],
        ["S4", "王小明", "", "12-34", "", "", "", "", ""],
        ["S5", "Dee Evans", "", "", "", "腾讯", "2023-07", "目前", "本科 计算机科学 清华大学"],
    ]  # fmt: skip
    with source.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "out"
    result = subprocess.run(
        [*COHORTCV, "run", str(source), "--out", str(out), "--workers", "1"],
        env=clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data")),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 rows: 2 accepted, 3 rejected" in result.stdout
    with (out / "report.csv").open(newline="", encoding="utf-8-sig") as fh:
        report = {r["line"]: r for r in csv.DictReader(fh)}
    assert [(r["id"], r["name"], r["outcome"]) for r in report.values()] == [
        ("S1", "Ann Lee", "accepted"),
        ("S2", "Bo Chen", "rejected"),
        ("S3", "Cy Diaz", "rejected"),
        ("S4", "王小明", "rejected"),
        ("S5", "Dee Evans", "accepted"),
    ]
    assert report["3"]["reason"] == "the cell has 25,000 characters; the limit is 20,000"
    ann = (out / "S1" / "resume.md").read_text(encoding="utf-8")
    assert "TU München" in ann and "Studied at MBA" not in ann
