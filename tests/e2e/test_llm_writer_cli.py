"""`--writer llm` as an operator meets it when the model cannot be had: clear messages, no waiting."""

from __future__ import annotations

import csv
import subprocess
import time
from pathlib import Path

import pytest

from tests.processes import COHORTCV, WAIT_S, clean_env, start, stop

pytestmark = pytest.mark.e2e

ROWS = (
    "id,name,email,school,major,grad_year,experience\n"
    "S1,Ada Example,ada@example.edu,Example State University,Statistics,2024,"
    '"Data Analyst Intern at Acme Corp (Jun 2023 – Aug 2023): cleaned survey data"\n'
    "S2,Bo Example,bo@example.edu,Example State University,Biology,2025,\n"
)


def test_worker_with_a_model_that_cannot_load_exits_non_zero_saying_why(tmp_path: Path) -> None:
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"))
    # The operator's order: the schema first (a worker refuses a database without it).
    subprocess.run([*COHORTCV, "db", "upgrade"], env=env, check=True, capture_output=True)
    log = tmp_path / "worker.log"
    missing = tmp_path / "no-such-model"
    proc = start(["worker", "-c", "1", "--writer", "llm", "--model", str(missing)], env, log)
    try:
        proc.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        stop([proc])
        pytest.fail(f"the worker kept running without its model:\n{log.read_text()[-3000:]}")
    text = log.read_text(errors="replace")
    assert proc.returncode != 0, text[-3000:]
    assert "cannot load" in text and str(missing) in text, text[-3000:]


def test_worker_with_llm_and_no_model_is_refused_at_once(tmp_path: Path) -> None:
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [*COHORTCV, "worker", "--writer", "llm"], env=env, capture_output=True, text=True,
        timeout=WAIT_S,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--model" in result.stderr


def test_run_with_a_model_that_cannot_load_reports_the_reason_per_row(tmp_path: Path) -> None:
    source = tmp_path / "cohort.csv"
    source.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "out"
    missing = tmp_path / "no-such-model"
    started = time.monotonic()
    result = subprocess.run(
        [*COHORTCV, "run", str(source), "--out", str(out), "--writer", "llm",
         "--model", str(missing), "--formats", "json"],
        env=clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data")), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 resumes done, 2 failed" in result.stdout
    # At once: not after the attempts run out or the job deadline passes.
    assert seconds < 120
    with (out / "report.csv").open(newline="", encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert [r["status"] for r in report] == ["dead", "dead"]
    for row in report:
        assert "cannot load" in row["reason"], row


def test_run_with_a_random_tiny_model_gives_grounded_resumes(tmp_path: Path) -> None:
    import importlib.util
    import json

    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (pip install -e '.[llm]')")
    from tests.support.scratch import build_model, train_tokenizer

    model_dir = tmp_path / "tiny"
    tokenizer = train_tokenizer(chat=True)
    build_model("tiny-llama", tokenizer, seed=1, max_position_embeddings=4096).save_pretrained(
        str(model_dir)
    )
    tokenizer.save_pretrained(str(model_dir))
    source = tmp_path / "cohort.csv"
    source.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [*COHORTCV, "run", str(source), "--out", str(out), "--writer", "llm",
         "--model", str(model_dir), "--formats", "json,md"],
        env=clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data")), capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for person in ("S1", "S2"):
        meta = json.loads((out / person / "resume.json").read_text(encoding="utf-8"))["meta"]
        assert meta["grounding"], meta
        for check in meta["grounding"]:
            assert check["outcome"] in ("passed", "regenerated", "fallback")
            if check["outcome"] == "fallback":
                assert check["reason"] and check["writer"] == "template"
            else:
                assert meta["provenance"][check["section"]].startswith("llm:")
