"""`cohortcv finetune` as a user runs it: a tiny model dir and the shipped pairs in, a loadable checkpoint out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.processes import COHORTCV, clean_env
from tests.unit.workers.runtime.needs import need_llm_extra, need_packages

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "examples" / "finetune" / "pairs.jsonl"


def finetune(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COHORTCV, "finetune", *args], env=clean_env(), capture_output=True, text=True,
                          timeout=300, cwd=tmp)  # fmt: skip


def test_finetune_writes_a_checkpoint_the_worker_loads_and_a_report(tmp_path: Path) -> None:
    need_llm_extra()
    need_packages("peft")
    from tests.support.scratch import save_scratch_model
    from workers.runtime.base import GenerationSettings, Message, RuntimeOptions
    from workers.runtime.registry import load_runtime

    base = save_scratch_model(tmp_path / "base", "tiny-llama")
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    # Six good pairs and one the guard refuses (the shipped file marks those with -X).
    data = tmp_path / "pairs.jsonl"
    data.write_text("\n".join([*lines[:6], lines[-1]]) + "\n", encoding="utf-8")
    out = tmp_path / "ckpt"
    done = finetune("--base", str(base), "--data", str(data), "--out", str(out), "--max-steps", "2",
                    "--eval-every", "1", "--batch-size", "2", "--seed", "5", tmp=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 2 and summary["pairs_used"] == 6 and summary["pairs_ungrounded"] == 1
    assert "1 skipped" in done.stderr
    report = json.loads((out / "finetune-report.json").read_text())
    assert report["data"]["pairs_ungrounded"] == 1 and report["training"]["held_out_examples"] > 0
    assert (out / "finetune-loss.png").stat().st_size > 1000
    runtime = load_runtime(RuntimeOptions(model=str(out), device="cpu"))
    text = runtime.generate([(Message("user", "Hello"),)], GenerationSettings(max_new_tokens=4))
    assert text.completions[0].completion_tokens > 0
    # A second run into the same directory is refused rather than mixing two checkpoints.
    again = finetune("--base", str(base), "--data", str(data), "--out", str(out), tmp=tmp_path)
    assert again.returncode == 2 and "not empty" in again.stderr


def test_bad_pairs_exit_2_naming_the_file_and_line(tmp_path: Path) -> None:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    data = tmp_path / "pairs.jsonl"
    data.write_text(lines[0] + "\n" + lines[1][:40] + "\n", encoding="utf-8")
    done = finetune(
        "--base", "unused", "--data", str(data), "--out", str(tmp_path / "o"), tmp=tmp_path
    )
    assert done.returncode == 2
    assert f"{data}:2: not JSON" in " ".join(done.stderr.split()), done.stderr


COHORT = (
    "id,name,email,school,degree,major,grad_year,experience,skills,language\n"
    "S1,Ada Example,ada@example.edu,Example State University,BSc,Statistics,2024,"
    '"Data Analyst Intern at Acme Corp (Jun 2023 – Aug 2023): cleaned survey data for a lab study","Python, SQL",en\n'
    "S2,Bo Example,bo@example.edu,Example State University,BA,Economics,2025,"
    '"Marketing Intern at Initech (Jun 2024 – Aug 2024): ran A/B tests on subject lines","Excel, R",en\n'
)


def test_approved_resumes_of_a_finished_batch_are_what_from_batch_trains_on(tmp_path: Path) -> None:
    need_llm_extra()
    need_packages("peft")
    from sqlalchemy import create_engine, text

    from tests.support.scratch import save_scratch_model

    data_dir = tmp_path / "data"
    env = clean_env(COHORTCV_DATA_DIR=str(data_dir))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*COHORTCV, *args], env=env, capture_output=True, text=True, timeout=300
        )

    (tmp_path / "c.csv").write_text(COHORT, encoding="utf-8")
    assert (
        cli(
            "run", str(tmp_path / "c.csv"), "--out", str(tmp_path / "o"), "--formats", "json"
        ).returncode
        == 0
    )
    with create_engine(f"sqlite:///{data_dir / 'cohortcv.db'}").connect() as conn:
        batch = conn.execute(text("select id from batches")).scalar_one()
    base = save_scratch_model(tmp_path / "base", "tiny-llama")
    args = (
        "finetune",
        "--base",
        str(base),
        "--from-batch",
        batch,
        "--max-steps",
        "1",
        "--held-out",
        "0",
    )
    nothing = cli(*args, "--out", str(tmp_path / "a"))
    assert nothing.returncode == 2 and "no approved resumes" in nothing.stderr
    unknown = cli("approve", batch, "--rows", "S1,S9")
    assert unknown.returncode == 2 and "S9" in unknown.stderr
    assert cli("approve", "no-such-batch").returncode == 3
    assert "1 resumes approved" in cli("approve", batch, "--rows", "S2").stdout
    done = cli(*args, "--out", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["pairs_used"] == 1
    written = (
        (data_dir / "finetune" / f"{batch}-approved.jsonl").read_text(encoding="utf-8").splitlines()
    )
    pair = json.loads(written[0])
    assert len(written) == 1 and pair["id"] == "S2"
    assert pair["profile"]["work"][0]["name"] == "Initech" and pair["resume"]["basics"]["summary"]
