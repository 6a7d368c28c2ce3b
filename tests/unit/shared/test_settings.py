"""Only `COHORTCV_…` environment variables configure cohortcv; Flower needs chosen credentials."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shared.errors import ConfigurationError
from shared.settings import FlowerSettings, Settings
from tests.processes import COHORTCV, clean_env

# Names an unrelated program (a PaaS, a shell profile, another tool) commonly sets.
STRAY = {
    "PORT": "8080",
    "ADDRESS": "0.0.0.0",
    "BASIC_AUTH": "x:y",
    "DEVICE": "cuda:3",
    "MAX_ROWS": "5",
    "MAX_FILE_BYTES": "10",
    "MAX_CELL_CHARS": "3",
    "MAX_ATTEMPTS": "99",
    "SOFT_TIME_LIMIT_S": "1",
    "HARD_TIME_LIMIT_S": "2",
    "VISIBILITY_TIMEOUT_S": "3",
    "JOB_DEADLINE_S": "4",
    "RETRY_DELAY_S": "60",
    "RECONCILE_INTERVAL_S": "0.1",
    "DATABASE_URL": "postgresql://elsewhere/db",
    "BROKER_URL": "redis://elsewhere:6379/0",
    "CHUNK_SIZE": "1",
    "WRITER": "llm",
    "INGEST__MAX_ROWS": "5",
    "WORKER__MAX_ATTEMPTS": "9",
    "FLOWER__PORT": "1",
}


def test_unprefixed_environment_variables_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    before = Settings().model_dump()
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)
        monkeypatch.setenv(name.lower(), value)
    after = Settings()
    assert after.model_dump() == before
    assert after.flower.port == 5555
    assert after.flower.basic_auth.get_secret_value() == ""
    assert after.worker.max_attempts == 3
    assert after.ingest.max_rows == 2_000_000


def test_prefixed_nested_variables_still_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COHORTCV_FLOWER__PORT", "8081")
    monkeypatch.setenv("COHORTCV_WORKER__MAX_ATTEMPTS", "9")
    monkeypatch.setenv("COHORTCV_INGEST__MAX_ROWS", "7")
    monkeypatch.setenv("COHORTCV_CHUNK_SIZE", "4")
    settings = Settings()
    assert settings.flower.port == 8081
    assert settings.worker.max_attempts == 9
    assert settings.ingest.max_rows == 7
    assert settings.chunk_size == 4


def test_validate_ignores_a_stray_max_rows(tmp_path: Path) -> None:
    """A real `cohortcv validate` with MAX_ROWS=1 in its environment accepts a 3-row file."""
    source = tmp_path / "three.csv"
    source.write_text("id,name\n1,Ann Lee\n2,Bo Chen\n3,Cy Wu\n", encoding="utf-8")
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data")) | {
        "MAX_ROWS": "1",
        "MAX_FILE_BYTES": "10",
    }
    result = subprocess.run(
        [*COHORTCV, "validate", str(source)],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 accepted" in result.stdout


# --- Flower credentials -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "admin:change-me",
        "admin:CHANGE_ME",
        "admin:changeme",
        "ops:password",
        "ops:secret",
        "nocolon",
        ":onlypassword1",
        "user:",
        "ops:short1",
        "ops:a-long-chosen-pass,other:change-me",
    ],
)
def test_flower_refuses_credentials_nobody_chose(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COHORTCV_FLOWER__BASIC_AUTH"):
        FlowerSettings(basic_auth=value).credentials()  # type: ignore[arg-type]


def test_flower_has_no_default_credentials() -> None:
    with pytest.raises(ConfigurationError, match="no credentials"):
        Settings().flower.credentials()


@pytest.mark.parametrize("value", ["ops:Tr0ub4dor&3x", "a:correct-horse,b:battery-staple"])
def test_flower_accepts_chosen_credentials(value: str) -> None:
    assert FlowerSettings(basic_auth=value).credentials() == value  # type: ignore[arg-type]


def test_flower_command_refuses_to_start_without_credentials(tmp_path: Path) -> None:
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"), BASIC_AUTH="x:chosen-by-another-app")
    result = subprocess.run(
        [*COHORTCV, "flower", "--port", "1"],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode != 0
    assert "COHORTCV_FLOWER__BASIC_AUTH" in result.stderr
    assert "Traceback" not in result.stderr
    result = subprocess.run(
        [*COHORTCV, "flower", "--port", "1"],
        env=env | {"COHORTCV_FLOWER__BASIC_AUTH": "admin:change-me"},
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode != 0
    assert "placeholder" in result.stderr
