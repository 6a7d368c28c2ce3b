"""Importing the producer, the Celery app, the settings or the runtime contract loads no torch/transformers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
MODULES = [
    "producer.cli.main",
    "workers.app",
    "shared.settings",
    "workers.runtime.base",
    "workers.runtime.registry",
    # The runtimes themselves import torch/transformers only when a model is loaded.
    "workers.runtime.hf",
    "workers.runtime.openai_http",
]


@pytest.mark.parametrize("module", MODULES)
def test_import_loads_no_model_library(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = [m for m in ('torch', 'transformers', 'tokenizers') if m in sys.modules]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"import {module} loaded {result.stdout.strip()} {result.stderr[-800:]}"
    )
