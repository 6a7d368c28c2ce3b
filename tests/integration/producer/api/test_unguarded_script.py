"""An app built by a script without a `__main__` guard still accepts uploads (no process pool can
be spawned there, so validation runs in the server process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.processes import clean_env

ROOT = Path(__file__).resolve().parents[4]
SCRIPT = """
from fastapi.testclient import TestClient
from shared.db import tenants
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.settings import Settings
from producer.api.app import create_app

settings = Settings()
upgrade(settings.resolved_database_url())
key = tenants.create_tenant(make_engine(settings.resolved_database_url()), "A").key
with TestClient(create_app(settings)) as client:
    response = client.post("/v1/batches", headers={"Authorization": "Bearer " + key},
                           files={"file": ("c.csv", "name\\nAlex Example\\n")})
print(response.status_code, response.json()["counts"]["accepted"])
"""


def test_an_unguarded_script_can_upload(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "201 1"
