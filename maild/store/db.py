"""Opening the database and running transactions with durable settings.

SQLite runs in WAL mode with `synchronous=FULL`: a committed transaction is on disk, so an SMTP 250
or an exit 0 given after commit is a promise kept. Write transactions start IMMEDIATE, so two
writers queue on the busy timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee

from maild import defaults
from maild.errors import TransientError
from maild.store.models import database

log = logging.getLogger("maild.store")


def open_store(path: Path) -> peewee.Database:
    """Bind the models to the SQLite database at `path`, creating its folder if needed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TransientError(f"cannot create {path.parent}: {exc.strerror}") from exc
    db = peewee.SqliteDatabase(
        str(path),
        lock_type="IMMEDIATE",
        pragmas={
            "journal_mode": "wal",
            "synchronous": 2,  # FULL
            "busy_timeout": defaults.SQLITE_BUSY_TIMEOUT_MS,
            "foreign_keys": 1,
        },
        timeout=defaults.SQLITE_BUSY_TIMEOUT_MS / 1000,
    )
    database.initialize(db)
    return db


@contextmanager
def transaction() -> Iterator[None]:
    """One atomic unit of work; database failures become TransientError (retry later)."""
    try:
        with database.atomic():
            yield
    except peewee.OperationalError as exc:
        raise TransientError(f"database: {exc}") from exc
