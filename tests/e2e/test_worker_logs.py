"""A database error mid-store leaves no person's value in any log (issue 14, item 2).

Real `cohortcv worker` and `cohortcv beat` processes at DEBUG (every line there is), on SQLite
and PostgreSQL. Triggers make the database refuse the store of each written resume, and then
refuse marking the jobs failed, so every path that logs an error runs: the task's own
`log.exception`, Celery's "Task … raised unexpected" with its traceback (two chained database
errors), and on PostgreSQL a lost-connection-like error that Celery retries ("retry: …").
PostgreSQL's triggers put the row into the error's own message and DETAIL, as its errors do
("Failing row contains (…)", "invalid input syntax … "Olivia""), so exception messages are
tested as well as SQLAlchemy's `[parameters: …]`.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.e2e.conftest import Services
from tests.processes import start

pytestmark = pytest.mark.e2e

FIRST = ("Olivia", "Zoë", "Mateus", "Siobhán", "Björn", "Aaliyah", "Kwame", "Ngozi")
LAST = ("Patel-Quennell", "Ångström", "Okonkwo", "Ferreira", "Lindqvist")
# The second half of the cohort: PostgreSQL refuses their store with a retryable error.
RETRY_DOMAIN = "retry.example"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER forced_store BEFORE INSERT ON resumes "
    "BEGIN SELECT RAISE(ABORT, 'store refused'); END",
    "CREATE TRIGGER forced_fail BEFORE UPDATE ON jobs WHEN NEW.last_error IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'marking failed refused'); END",
)
PG_TRIGGERS = (
    """CREATE FUNCTION forced_store() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.document::text LIKE '%retry.example%' THEN
        RAISE EXCEPTION 'store refused: %', NEW.document::text
          USING ERRCODE = '40001', DETAIL = 'Failing row contains ' || NEW::text;
      END IF;
      RAISE EXCEPTION 'store refused: %', NEW.document::text
        USING ERRCODE = '23514', DETAIL = 'Failing row contains ' || NEW::text;
    END $$""",
    "CREATE TRIGGER forced_store BEFORE INSERT ON resumes "
    "FOR EACH ROW EXECUTE FUNCTION forced_store()",
    """CREATE FUNCTION forced_fail() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'marking failed refused: %', NEW::text
        USING ERRCODE = '23514', DETAIL = NEW.profile::text;
    END $$""",
    "CREATE TRIGGER forced_fail BEFORE UPDATE ON jobs FOR EACH ROW "
    "WHEN (NEW.last_error IS NOT NULL) EXECUTE FUNCTION forced_fail()",
)


def _people(n: int) -> list[dict[str, str]]:
    people = []
    for i in range(n):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        domain = RETRY_DOMAIN if i >= n // 2 else "example.edu"
        people.append(
            {
                "id": f"S{i:04d}",
                "name": f"{first} {last}{i}",
                "email": f"{first.lower()}.quill{i}@{domain}",
                "phone": f"+1 555 019{i % 10} {7300 + i}",
            }
        )
    return people


def _write(path: Path, people: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student ID", "Full Name", "E-mail", "Phone", "University", "Degree",
                    "Major", "Graduation Year", "Work Experience", "Skills"])  # fmt: skip
        for p in people:
            w.writerow([p["id"], p["name"], p["email"], p["phone"], "Example University",
                        "BSc", "Biology", "2024",
                        "Lab Assistant at Acme Labs (2022-2023): ran assays", "R, SQL"])  # fmt: skip
    return path


def _forms(value: str) -> set[str]:
    """The ways a value can be written into a log: as is, JSON-escaped, as UTF-8 hex (bytea)."""
    utf8 = value.encode()
    return {
        value,
        json.dumps(value)[1:-1],
        utf8.hex(),
        utf8.hex().upper(),
        repr(utf8)[2:-1],
    }


def _secrets(people: list[dict[str, str]]) -> set[str]:
    found: set[str] = set()
    for p in people:
        rest = p["name"].split(" ", 1)[1]
        digits = "".join(c for c in p["phone"] if c.isdigit())
        for value in (p["name"], rest, p["email"], p["email"].split("@")[0], p["phone"], digits):
            found |= _forms(value)
    return found


@pytest.fixture
def services_on_both(db_url: str, redis_url: str, tmp_path: Path) -> Iterator[Services]:
    s = Services(db_url, redis_url, tmp_path / "data")
    s.data_dir.mkdir()
    s.cli("db", "upgrade")
    yield s
    s.stop()


def _wait_for_lines(logs: list[Path], needles: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    text_ = ""
    while time.monotonic() < deadline:
        text_ = "".join(p.read_text(encoding="utf-8", errors="replace") for p in logs if p.exists())
        if all(n in text_ for n in needles):
            return
        time.sleep(0.5)
    missing = [n for n in needles if n not in text_]
    raise AssertionError(f"log lines {missing} not seen in {timeout:.0f}s:\n{text_[-4000:]}")


def test_a_database_error_mid_store_logs_no_name_email_or_phone(
    services_on_both: Services, tmp_path: Path
) -> None:
    services = services_on_both
    postgres = services.db_url.startswith("postgresql")
    people = _people(16)  # two chunks of 8: one plain error, one retried on PostgreSQL
    cohort = _write(tmp_path / "cohort.csv", people)
    with services.engine.begin() as conn:
        for statement in PG_TRIGGERS if postgres else SQLITE_TRIGGERS:
            conn.execute(text(statement))

    submitted = services.cli("submit", str(cohort))
    worker_log = services.data_dir / "worker.log"
    beat_log = services.data_dir / "beat.log"
    services.procs.append(
        start(["worker", "-l", "DEBUG", "-c", "1", "-n", "w@%h"], services.env(), worker_log)
    )
    services.procs.append(start(["beat", "-l", "DEBUG"], services.env(), beat_log))
    needles = ["write stage failed", "raised unexpected", "Traceback", "IntegrityError"]
    if postgres:
        needles += ["retry:", "CheckViolation"]
    _wait_for_lines([worker_log], needles, timeout=180)
    services.stop()

    outputs = {"submit": submitted.stdout + submitted.stderr}
    outputs |= {p.name: p.read_text(encoding="utf-8") for p in services.data_dir.glob("*.log")}
    assert {"worker.log", "beat.log"} <= set(outputs), sorted(outputs)
    leaks = [
        f"{name}: {secret!r} in {line[:300]!r}"
        for name, out in outputs.items()
        for line in out.splitlines()
        for secret in _secrets(people)
        if secret in line
    ]
    assert not leaks, "\n".join(leaks[:20])
