"""bench/finetune.py on CPU: a table, then one JSON line; imports nothing a GPU box lacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.unit.workers.runtime.needs import need_llm_extra, need_packages

ROOT = Path(__file__).resolve().parents[4]
NOT_ON_A_GPU_BOX = (
    "pydantic",
    "pydantic_settings",
    "celery",
    "sqlalchemy",
    "redis",
    "typer",
    "rich",
    "httpx",
)
RUN_AND_CHECK = (
    "import runpy, sys\n"
    "sys.argv = ['bench/finetune.py', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_path('bench/finetune.py', run_name='__main__')\n"
    "except SystemExit as exit:\n"
    "    assert not exit.code, exit.code\n"
    f"bad = sorted(m for m in {NOT_ON_A_GPU_BOX!r} if m in sys.modules)\n"
    "sys.exit('imported ' + ', '.join(bad) if bad else 0)\n"
)


def test_bench_finetune_prints_tokens_per_s_for_lora_and_full_and_needs_only_torch() -> None:
    need_llm_extra()
    need_packages("peft")
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_CHECK, "--steps", "2", "--batch-size", "2", "--prompt-words", "30"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert [r["method"] for r in figures["rows"]] == ["lora", "full"]
    assert all(r["tokens_per_s"] > 0 and r["steps"] == 2 for r in figures["rows"])
    assert lines[1].split()[:2] == ["method", "dtype"]  # the readable table came first
