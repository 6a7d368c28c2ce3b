"""Two `cohortcv run` started at once on a fresh machine (one fresh data dir) both finish."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from tests.processes import COHORTCV, clean_env

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cohort.csv"


def test_two_runs_at_once_on_a_fresh_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"  # does not exist yet: both runs create and migrate it
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    outs = [tmp_path / "out-a", tmp_path / "out-b"]
    argvs = [[*COHORTCV, "run", str(SAMPLE), "--out", str(out)] for out in outs]
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv in argvs
    ]
    results = [proc.communicate(timeout=280) for proc in procs]
    for proc, (stdout, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stdout + stderr
        assert "already exists" not in stderr
    with SAMPLE.open(newline="", encoding="utf-8-sig") as fh:
        rows = sum(1 for _ in csv.DictReader(fh))
    for out in outs:
        with (out / "report.csv").open(newline="", encoding="utf-8-sig") as fh:
            report = list(csv.DictReader(fh))
        assert len(report) == rows
        accepted = [r for r in report if r["outcome"] == "accepted"]
        assert accepted and all(r["status"] == "done" for r in accepted), out
        for row in accepted:
            paths = [p for p in row["outputs"].split(";") if p]
            assert paths, row
            assert all((out / p).is_file() or Path(p).is_file() for p in paths), row
