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
                          timeout=120, cwd=tmp)  # fmt: skip


def test_finetune_writes_a_checkpoint_the_worker_loads_and_a_report(tmp_path: Path) -> None:
    need_llm_extra()
    need_packages("peft")
    from workers.runtime.base import GenerationSettings, Message, RuntimeOptions
    from workers.runtime.registry import load_runtime
    from workers.runtime.scratch import save_scratch_model

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
    done = finetune("--base", "unused", "--data", str(data), "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert done.returncode == 2
    assert f"{data}:2: not JSON" in " ".join(done.stderr.split()), done.stderr
