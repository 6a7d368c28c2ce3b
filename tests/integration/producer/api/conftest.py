"""An API app over a real PostgreSQL and Redis, with two tenants (two institutions)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from shared.db import tenants
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.settings import Settings


@dataclass
class Tenant:
    institution: str
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Api:
    client: TestClient
    engine: Engine
    settings: Settings
    a: Tenant
    b: Tenant

    def upload(
        self, tenant: Tenant, name: str, content: bytes | str, **fields: str
    ) -> dict[str, object]:
        response = self.client.post(
            "/v1/batches", headers=tenant.auth, files={"file": (name, content)}, data=fields
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


COHORT = (
    "Student ID,Full Name,E-mail,University,Degree,Graduation Year,Skills\n"
    'S001,Alex Example,alex@example.edu,Example University,BSc,2024,"Python, SQL"\n'
    "S002,,nobody@example.edu,Example University,BSc,2024,Python\n"
    "S003,Bo Li,not-an-email,Example University,BSc,2024,Go\n"
    "S004,张伟,zw@example.edu,示例大学,学士,2024,Python、SQL\n"
)


def make_settings(pg_url: str, redis_url: str, data_dir: Path) -> Settings:
    return Settings(database_url=pg_url, broker_url=redis_url, data_dir=data_dir)


@pytest.fixture
def api(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[Api]:
    from producer.api.app import create_app

    settings = make_settings(pg_url, redis_url, tmp_path / "data")
    upgrade(pg_url)
    engine = make_engine(pg_url)
    a = tenants.create_tenant(engine, "Example University")
    b = tenants.create_tenant(engine, "Acme Staffing")
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        yield Api(
            client, engine, settings, Tenant(a.institution_id, a.key),
            Tenant(b.institution_id, b.key),
        )  # fmt: skip
    engine.dispose()
