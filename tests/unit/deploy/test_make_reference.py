"""docs/reference.md is what deploy/make_reference.py prints from the CLI and the settings."""

from __future__ import annotations

import functools
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from producer.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "docs" / "reference.md"
REGENERATE = ".venv/bin/python deploy/make_reference.py > docs/reference.md"


@functools.cache
def _generator() -> ModuleType:
    """deploy/make_reference.py as a module (deploy/ is a folder of scripts, not a package)."""
    path = ROOT / "deploy" / "make_reference.py"
    spec = importlib.util.spec_from_file_location("make_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_reference_is_the_generator_output() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "make_reference.py")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert REFERENCE.read_text(encoding="utf-8") == result.stdout, (
        f"docs/reference.md is stale: {REGENERATE}"
    )


@pytest.mark.parametrize("command", _generator().commands(), ids=lambda c: c.name)
def test_every_documented_option_is_one_the_command_accepts(command) -> None:  # type: ignore[no-untyped-def]
    """What the reference lists is what `cohortcv … --help` offers, read from the real CLI."""
    result = CliRunner().invoke(app, [*command.path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for option in command.options():
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", result.output), (
            f"{command.name}: the reference lists {option}, --help does not"
        )
    assert f"### `{command.name}`" in REFERENCE.read_text(encoding="utf-8")


def test_every_setting_is_in_the_reference() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    generator = _generator()
    missing = [var for _, var, _ in generator.settings_fields() if f"| `{var}` |" not in text]
    assert not missing, f"docs/reference.md lacks {missing}: {REGENERATE}"
