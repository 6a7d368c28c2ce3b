"""Tenants: a key is shown once and stored only as a hash; revoke; list; resolve."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text

from shared.db import tenants
from shared.db.models import ApiKey
from shared.errors import InputError, NotFoundError


def test_the_key_is_returned_once_and_only_its_hash_is_stored(engine) -> None:  # type: ignore[no-untyped-def]
    new = tenants.create_tenant(engine, "Example University")
    assert new.key.startswith("ccv_") and len(new.key) > 40
    assert new.institution_id == "example-university"
    with engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("api_keys", "institutions")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
        stored = conn.scalar(select(ApiKey.key_hash))
    assert new.key not in dump
    assert stored == hashlib.sha256(new.key.encode()).hexdigest()
    assert tenants.resolve(engine, new.key) == "example-university"


def test_same_name_twice_gets_two_institutions(engine) -> None:  # type: ignore[no-untyped-def]
    one = tenants.create_tenant(engine, "Acme")
    two = tenants.create_tenant(engine, "Acme")
    assert one.institution_id != two.institution_id
    assert tenants.resolve(engine, one.key) != tenants.resolve(engine, two.key)


def test_revoke_by_institution_or_key_id(engine) -> None:  # type: ignore[no-untyped-def]
    a = tenants.create_tenant(engine, "A")
    second = tenants.add_key(engine, a.institution_id)
    assert tenants.revoke(engine, second.key_id) == 1
    assert tenants.resolve(engine, second.key) is None
    assert tenants.resolve(engine, a.key) == a.institution_id
    assert tenants.revoke(engine, a.institution_id) == 1
    assert tenants.resolve(engine, a.key) is None
    with pytest.raises(NotFoundError):
        tenants.revoke(engine, "nobody")
    [listed] = tenants.list_tenants(engine)
    assert listed.active_keys == [] and sorted(listed.revoked_keys) == sorted(
        [a.key_id, second.key_id]
    )


@pytest.mark.parametrize("key", ["", "ccv_", "not-ours", "ccv_" + "x" * 300, "Bearer ccv_x"])
def test_malformed_keys_resolve_to_nobody(engine, key: str) -> None:  # type: ignore[no-untyped-def]
    tenants.create_tenant(engine, "A")
    assert tenants.resolve(engine, key) is None


def test_a_name_is_required(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        tenants.create_tenant(engine, "  ")
