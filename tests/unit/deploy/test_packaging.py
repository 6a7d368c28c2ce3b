"""`pip install .` builds quietly: no setuptools warning, and the templates are in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted(p.name for p in (ROOT / "workers" / "render" / "templates").iterdir())


def test_wheel_builds_without_setuptools_warnings_and_holds_the_templates(tmp_path: Path) -> None:
    # A copy of the sources, so setuptools' build/ folder does not land in the checkout.
    source = tmp_path / "src"
    junk = shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "__pycache__", "out")
    shutil.copytree(ROOT, source, ignore=junk)
    wheels = tmp_path / "wheels"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(wheels), str(source)],
        capture_output=True, text=True, timeout=280, cwd=tmp_path,
    )  # fmt: skip
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "is absent from the `packages` configuration" not in log
    assert "_Warning" not in log and "SetuptoolsDeprecationWarning" not in log
    (wheel,) = wheels.glob("cohortcv-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert TEMPLATES and {f"workers/render/templates/{t}" for t in TEMPLATES} <= names
    assert "shared/db/migrations/script.py.mako" in names
    # Only our three import packages (docs/design.md §2): nothing else is swept in.
    tops = {n.split("/", 1)[0] for n in names if not n.startswith("cohortcv-")}
    assert tops == {"producer", "shared", "workers"}
