"""House rules that keep the layout honest (DESIGN §2): import contracts and name collisions."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    """producer and workers never import each other; torch/transformers only in workers.runtime."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extra"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("name", ["shared", "workers", "producer"])
def test_no_other_distribution_provides_our_import_names(name: str) -> None:
    providers = importlib.metadata.packages_distributions().get(name, [])
    assert set(providers) <= {"cohortcv"}, f"{name!r} is also provided by {providers}"


@pytest.mark.parametrize(
    "module", ["producer.cli.main", "producer.api.app", "workers.app", "shared.celery_config"]
)
def test_importing_entry_points_loads_no_model_library(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{module} imported {result.stdout.strip()} {result.stderr[-500:]}"
    )
