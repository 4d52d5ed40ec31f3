"""Schema migrations: an older database is brought to the same schema as a fresh one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from maild.store.db import open_store
from maild.store.migrations import LATEST, current_version, migrate
from maild.store.models import database


def columns(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return sorted(row[1] for row in db.execute(f"pragma table_info({table})"))


def test_version_1_database_gains_the_conversation_columns(tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    for path in (fresh, old):
        open_store(path)
        assert migrate() == (0, LATEST)
        database.close()
    with sqlite3.connect(old) as db:  # what a version 1 database looked like
        for column in ("first_response_at", "resolved_at", "follows"):
            db.execute(f"alter table ticket drop column {column}")
        db.execute("delete from schemaversion where version > 1")
        db.execute("insert into ticket (subject, status, kind, priority, queue, requester, requester_name, tags,"
                   " created_at, updated_at) values ('kept', 'open', 'incident', 3, 'helpdesk', 'a@b.example', '',"
                   " '', '2026-01-01', '2026-01-01')")
    open_store(old)
    assert current_version() == 1
    assert migrate() == (1, LATEST)
    assert migrate() == (LATEST, LATEST)  # nothing left to do
    database.close()
    assert columns(old, "ticket") == columns(fresh, "ticket")
    with sqlite3.connect(old) as db:
        assert db.execute("select subject, resolved_at from ticket").fetchall() == [("kept", None)]
