"""bench/generation.py --quick: runs on CPU, last line is JSON, batching keeps the outputs, imports only torch & co."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.unit.workers.runtime.needs import need_llm_extra

ROOT = Path(__file__).resolve().parents[4]
# A GPU box that runs the benchmark has python, torch, transformers, tokenizers and numpy: nothing else.
NOT_ON_A_GPU_BOX = (
    "pydantic",
    "pydantic_settings",
    "celery",
    "sqlalchemy",
    "redis",
    "typer",
    "httpx",
)
RUN_AND_CHECK = (
    "import runpy, sys\n"
    "sys.argv = ['bench/generation.py', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_path('bench/generation.py', run_name='__main__')\n"
    "except SystemExit as exit:\n"
    "    assert not exit.code, exit.code\n"
    f"bad = sorted(m for m in {NOT_ON_A_GPU_BOX!r} if m in sys.modules)\n"
    "sys.exit('imported ' + ', '.join(bad) if bad else 0)\n"
)


def test_quick_bench_keeps_outputs_identical_and_needs_only_torch() -> None:
    need_llm_extra()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN_AND_CHECK,
            "--quick",
            "--static-cache",
            "--threads",
            "1",
            "--batch-sizes",
            "2,6",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert any("one-at-a-time" in line for line in lines[:-1])  # the readable table came first
    for shape in ("tiny_gpt2", "tiny_llama"):
        # On the CPU the runtime's own choice is a static cache, eager: every row uses it.
        for config in ("bs2_static", "bs6_static"):
            assert figures[f"{shape}_{config}_identical_outputs"] is True, (shape, config)
            assert figures[f"{shape}_{config}_ms_per_prompt"] > 0
        assert figures[f"{shape}_one_at_a_time_ms_per_prompt"] > 0
        assert figures[f"{shape}_best_speedup_vs_one_at_a_time"] > 0
    assert figures["device"] == "cpu" and figures["cpu_threads"] == 1
