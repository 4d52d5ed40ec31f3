"""Schema migrations: a database made by version 1 of maild is brought to today's schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from maild.config import DatabaseTarget
from maild.store.db import open_store
from maild.store.migrations import LATEST, current_version, migrate
from maild.store.models import Ticket, database

# `tests/data/schema-v1.sql` is the dump of a database created by maild at schema version 1
# (commit ba6d377), with one ticket added below: the real starting point of an upgrade.
V1_DUMP = Path(__file__).parent / "data" / "schema-v1.sql"


def schema(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute(
            "select name from sqlite_master where type = 'table'")]
        return {t: sorted(row[1] for row in db.execute(f"pragma table_info({t})")) for t in sorted(
            tables)}


@pytest.mark.sqlite_only  # a dump of a SQLite file; PostgreSQL support began at a later version
def test_version_1_database_is_upgraded_to_the_fresh_schema_keeping_its_rows(
    tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    open_store(DatabaseTarget("sqlite", path=fresh))
    assert migrate() == (0, LATEST)
    database.close()
    with sqlite3.connect(old) as db:
        db.executescript(V1_DUMP.read_text())
        db.execute("insert into ticket (subject, status, kind, priority, queue, requester,"
                   " requester_name, tags, created_at, updated_at)"
                   " values ('kept', 'open', 'incident', 3, 'helpdesk', 'a@b.example', '',"
                   " '', '2026-01-01 09:00:00', '2026-01-01 09:00:00')")

    open_store(DatabaseTarget("sqlite", path=old))
    assert current_version() == 1
    assert migrate() == (1, LATEST)
    assert migrate() == (LATEST, LATEST)  # nothing left to do
    ticket = Ticket.get()
    assert (ticket.subject, ticket.resolved_at, ticket.paused_seconds) == ("kept", None, 0)
    database.close()
    assert schema(old) == schema(fresh)
