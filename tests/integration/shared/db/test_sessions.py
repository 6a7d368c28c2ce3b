"""Web sessions: a random id stored only as a hash, ended by expiry, sign-out, revoke, deletion."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from shared.db import sessions, tenants
from shared.db.models import Institution, WebSession, utcnow

DAY = timedelta(hours=12)


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(WebSession)))


def test_a_session_id_is_random_and_only_its_hash_is_stored(engine) -> None:  # type: ignore[no-untyped-def]
    new = tenants.create_tenant(engine, "Example University")
    one = sessions.start(engine, new.key, DAY)
    two = sessions.start(engine, new.key, DAY)
    assert one is not None and two is not None
    assert one.session_id != two.session_id and len(one.session_id) >= 43
    assert new.key not in one.session_id and not one.session_id.startswith("ccv_")
    with engine.connect() as conn:
        dump = " ".join(str(row) for row in conn.execute(text("SELECT * FROM web_sessions")))
    assert one.session_id not in dump and new.key not in dump
    assert hashlib.sha256(one.session_id.encode()).hexdigest() in dump
    assert sessions.resolve(engine, one.session_id) == new.institution_id
    left = (one.expires_at - utcnow()).total_seconds()
    assert 12 * 3600 - 60 < left <= 12 * 3600


@pytest.mark.parametrize("key", ["", "ccv_wrong", "not-ours", "ccv_" + "x" * 300])
def test_no_session_for_a_wrong_key(engine, key: str) -> None:  # type: ignore[no-untyped-def]
    tenants.create_tenant(engine, "A")
    assert sessions.start(engine, key, DAY) is None
    assert _count(engine) == 0


def test_the_key_is_no_session_id(engine) -> None:  # type: ignore[no-untyped-def]
    """A cookie still holding a key (as before sessions) signs nobody in."""
    new = tenants.create_tenant(engine, "A")
    sessions.start(engine, new.key, DAY)
    assert sessions.resolve(engine, new.key) is None
    assert sessions.resolve(engine, "") is None
    assert sessions.resolve(engine, "x" * 5000) is None


def test_sign_out_ends_the_session(engine) -> None:  # type: ignore[no-untyped-def]
    new = tenants.create_tenant(engine, "A")
    one = sessions.start(engine, new.key, DAY)
    other = sessions.start(engine, new.key, DAY)
    assert one is not None and other is not None
    assert sessions.end(engine, one.session_id)
    assert sessions.resolve(engine, one.session_id) is None
    assert sessions.resolve(engine, other.session_id) == new.institution_id
    assert not sessions.end(engine, one.session_id)


def test_an_expired_session_is_refused_and_removed(engine) -> None:  # type: ignore[no-untyped-def]
    new = tenants.create_tenant(engine, "A")
    old = sessions.start(engine, new.key, DAY)
    assert old is not None
    with engine.begin() as conn:
        conn.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert sessions.resolve(engine, old.session_id) is None
    # The next sign-in (of any institution) removes it; so does the clean-up.
    fresh = sessions.start(engine, tenants.create_tenant(engine, "B").key, DAY)
    assert fresh is not None and _count(engine) == 1
    with engine.begin() as conn:
        conn.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert sessions.purge_expired(engine) == 1 and _count(engine) == 0


def test_revoking_a_key_ends_its_sessions_only(engine) -> None:  # type: ignore[no-untyped-def]
    a = tenants.create_tenant(engine, "A")
    second = tenants.add_key(engine, a.institution_id)
    b = tenants.create_tenant(engine, "B")
    by_first = sessions.start(engine, a.key, DAY)
    by_second = sessions.start(engine, second.key, DAY)
    by_b = sessions.start(engine, b.key, DAY)
    assert by_first and by_second and by_b
    tenants.revoke(engine, second.key_id)
    assert sessions.resolve(engine, by_second.session_id) is None
    assert sessions.resolve(engine, by_first.session_id) == a.institution_id
    tenants.revoke(engine, a.institution_id)
    assert sessions.resolve(engine, by_first.session_id) is None
    assert sessions.resolve(engine, by_b.session_id) == b.institution_id
    assert _count(engine) == 1  # the rows are gone, not just refused


def test_deleting_an_institution_ends_its_sessions(engine) -> None:  # type: ignore[no-untyped-def]
    a = tenants.create_tenant(engine, "A")
    b = tenants.create_tenant(engine, "B")
    mine = sessions.start(engine, a.key, DAY)
    theirs = sessions.start(engine, b.key, DAY)
    assert mine and theirs
    with engine.begin() as conn:
        conn.execute(delete(Institution).where(Institution.id == a.institution_id))
    assert sessions.resolve(engine, mine.session_id) is None
    assert sessions.resolve(engine, theirs.session_id) == b.institution_id
    assert _count(engine) == 1
