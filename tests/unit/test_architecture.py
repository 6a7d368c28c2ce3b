"""House rules that keep the layout honest (docs/design.md §2): import contracts and name collisions."""

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


# Outside shared/db, SQLAlchemy appears only as the `Engine` type a function is handed (the
# composition roots build engines with shared.db.engine.make_engine). Anything else is SQL, a
# session or a driver error, and belongs in a shared/db function with a typed return.
ENGINE_TYPE_ONLY = {("sqlalchemy", "Engine"), ("sqlalchemy.engine", "Engine")}
# Modules allowed more than that, each with why.
SQLALCHEMY_ALLOWED: dict[str, str] = {}


def _sqlalchemy_imports(path: Path) -> list[tuple[str, str]]:
    import ast

    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "*") for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found += [(node.module or "", a.name) for a in node.names]
    return found


def test_sql_lives_in_shared_db() -> None:
    """No module outside shared/db imports SQLAlchemy beyond the Engine type (docs/design.md §2)."""
    offenders = []
    for package in ("producer", "workers", "shared"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("shared/db/") or rel in SQLALCHEMY_ALLOWED:
                continue
            extra = [
                f"{m}.{n}" for m, n in _sqlalchemy_imports(path) if (m, n) not in ENGINE_TYPE_ONLY
            ]
            if extra:
                offenders.append(f"{rel}: {', '.join(extra)}")
    assert not offenders, (
        "SQL belongs in shared/db as small functions with typed returns; move it there "
        "(or add the module to SQLALCHEMY_ALLOWED with the reason):\n  " + "\n  ".join(offenders)
    )
