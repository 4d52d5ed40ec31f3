"""The database the tests run against.

By default every test gets its own SQLite file. With `MAILD_TEST_DATABASE` set to a PostgreSQL URL
of a user allowed to create databases (`scripts/test` runs the suite a second time with
`postgresql://postgres@127.0.0.1:5432/postgres`), every test gets a fresh PostgreSQL database on
that server instead, dropped when the run ends. Tests that need PostgreSQL whatever the setting
(several hosts on one database) ask for `postgres_database()` directly.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SETTING = os.environ.get("MAILD_TEST_DATABASE", "sqlite")
ENGINE = "postgresql" if SETTING.startswith(("postgresql://", "postgres://")) else "sqlite"
_created: list[str] = []


def admin_url() -> str:
    return SETTING if ENGINE == "postgresql" else os.environ.get("MAILD_TEST_POSTGRES",
                                                                 DEFAULT_POSTGRES)


def _admin_connection():  # noqa: ANN202 - psycopg's type
    import psycopg

    try:
        return psycopg.connect(admin_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise AssertionError(
            f"these tests need PostgreSQL at {admin_url()} (set MAILD_TEST_POSTGRES or "
            "MAILD_TEST_DATABASE to a server where the user may CREATE DATABASE): "
            f"{exc}") from None


def postgres_database() -> str:
    """A new, empty PostgreSQL database; returns its URL (no password: trust or ~/.pgpass)."""
    name = f"maild_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _created.append(name)
    parts = urlsplit(admin_url())
    return urlunsplit(parts._replace(path=f"/{name}", query=""))


def database_url() -> str:
    """What a test's maild.yaml says under `database:` (SQLite relative to the config folder)."""
    return postgres_database() if ENGINE == "postgresql" else "sqlite:///../var/maild.db"


def drop_created() -> None:
    if not _created:
        return
    with _admin_connection() as conn:
        for name in _created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _created.clear()


def query(config: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of one statement against the database a config file names; `?` placeholders."""
    from maild.config import load_config

    target = load_config(config).database
    if target.is_sqlite:
        assert target.path is not None
        with sqlite3.connect(target.path) as db:
            return list(db.execute(sql, params))
    import psycopg

    with psycopg.connect(dbname=target.name, **dict(target.params)) as conn:
        cursor = conn.execute(sql.replace("?", "%s"), params)
        return list(cursor.fetchall()) if cursor.description else []
