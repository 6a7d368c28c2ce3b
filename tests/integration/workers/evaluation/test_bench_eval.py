"""bench/eval.py on a small cohort: every figure printed, every section grounded, --unique texts apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def _run(*args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "bench/eval.py", "--n", "90", "--probe-n", "12", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("figure")  # the readable table first, the JSON object last
    return json.loads(lines[-1])


def test_bench_eval_prints_every_figure_and_unique_texts_add_no_claim() -> None:
    plain, unique = _run(), _run("--unique")
    for figures in (plain, unique):
        assert figures["resumes"] == 90
        assert figures["rerun_grounded_share"] == 1.0  # the mark added by --unique claims nothing
        assert figures["probe_flagged"] is False
        for key in ("eval_resumes_per_cpu_s", "faithfulness_resumes_per_cpu_s",
                    "references_resumes_per_cpu_s", "probe_resumes_per_s"):  # fmt: skip
            assert isinstance(figures[key], float) and figures[key] > 0, key
    assert plain["unique_texts"] is False and unique["unique_texts"] is True
    # The template repeats its sentences; marked, a text repeats only within one person.
    assert unique["distinct_sections"] > plain["distinct_sections"]
    assert unique["distinct_sections"] >= 0.9 * unique["model_sections_checked"]
