"""Failed sign-ins per address: the bound, the wait it answers, other addresses, the clean-up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text, update

from shared.api_settings import ApiSettings
from shared.db import signin_throttle
from shared.db.models import SigninFailure, utcnow

DEFAULTS = ApiSettings()
WINDOW = timedelta(seconds=DEFAULTS.signin_window_s)
LIMIT = DEFAULTS.signin_max_failures


def _fail(engine, address: str, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        signin_throttle.record_failure(engine, address, WINDOW)


def test_the_address_waits_after_the_bound_and_others_do_not(engine) -> None:  # type: ignore[no-untyped-def]
    _fail(engine, "203.0.113.7", LIMIT - 1)
    assert signin_throttle.retry_after(engine, "203.0.113.7", LIMIT, WINDOW) is None
    _fail(engine, "203.0.113.7", 1)
    wait = signin_throttle.retry_after(engine, "203.0.113.7", LIMIT, WINDOW)
    assert wait is not None and WINDOW.total_seconds() - 30 < wait <= WINDOW.total_seconds()
    assert signin_throttle.retry_after(engine, "203.0.113.8", LIMIT, WINDOW) is None
    assert signin_throttle.retry_after(engine, "2001:db8::7", LIMIT, WINDOW) is None


def test_the_wait_ends_when_the_oldest_failure_leaves_the_window(engine) -> None:  # type: ignore[no-untyped-def]
    _fail(engine, "203.0.113.7", LIMIT)
    with engine.begin() as conn:
        oldest = conn.scalar(select(func.min(SigninFailure.id)))
        conn.execute(
            update(SigninFailure)
            .where(SigninFailure.id == oldest)
            .values(at=utcnow() - WINDOW + timedelta(seconds=20))
        )
    wait = signin_throttle.retry_after(engine, "203.0.113.7", LIMIT, WINDOW)
    assert wait is not None and 15 <= wait <= 21
    with engine.begin() as conn:
        conn.execute(
            update(SigninFailure)
            .where(SigninFailure.id == oldest)
            .values(at=utcnow() - WINDOW - timedelta(seconds=1))
        )
    assert signin_throttle.retry_after(engine, "203.0.113.7", LIMIT, WINDOW) is None


def test_old_failures_are_removed_and_addresses_never_stored(engine) -> None:  # type: ignore[no-untyped-def]
    _fail(engine, "203.0.113.7", 3)
    with engine.begin() as conn:
        conn.execute(update(SigninFailure).values(at=utcnow() - WINDOW - timedelta(minutes=1)))
    _fail(engine, "198.51.100.2", 1)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM signin_failures")).all()
    assert len(rows) == 1
    assert "198.51.100.2" not in str(rows) and "203.0.113.7" not in str(rows)


def test_zero_turns_the_limit_off(engine) -> None:  # type: ignore[no-untyped-def]
    _fail(engine, "203.0.113.7", 3)
    assert signin_throttle.retry_after(engine, "203.0.113.7", 0, WINDOW) is None
